/**
 * Composition of the whole platform for one stack: the only code that reads the stack config. It maps
 * the config to each component's own args, area by area (platform/<area>.ts), in dependency order:
 * clusters -> mesh -> backup -> per-cluster add-ons (certificates, observability) -> dns -> outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { composeClusterAddons } from "./addons";
import { composeBackups } from "./backup";
import { composeChaos } from "./chaos";
import { createClusters } from "./clusters";
import { composeDns } from "./dns";
import { composeEgress } from "./egress";
import { composeMesh } from "./mesh";
import { PlatformOutputs, stackOutputs } from "./outputs";
import { composeServices } from "./services";

export type { PlatformOutputs } from "./outputs";

export function buildPlatform(cfg: PlatformConfig): PlatformOutputs {
    if (cfg.regions.length === 1)
        pulumi.log.warn(
            `one region (${cfg.regions[0].name}): planned without cross-region backup replication, DNS failover to a second region, Istio remote secrets and east-west links; add a second region to regions for DR`,
        );
    for (const advisory of cfg.advisories ?? []) pulumi.log.warn(advisory);
    const clusters = createClusters(cfg);
    const mesh = composeMesh(cfg, clusters);
    // Backups before the add-ons: Grafana's DR dashboard names the buckets and replication rules.
    const backups = composeBackups(cfg, clusters, mesh.caMaterial);
    for (const cluster of clusters)
        composeClusterAddons(cfg, cluster, mesh.clusters[cluster.name], backups);
    composeEgress(cfg, clusters, mesh);
    const ingress = Object.fromEntries(
        clusters.map((c) => [c.name, mesh.clusters[c.name].ingressHostname]),
    );
    const dns = composeDns(cfg, clusters, ingress);
    const verify = composeServices(cfg, clusters, mesh);
    const chaos = composeChaos(cfg, clusters);
    return { ...stackOutputs(cfg, clusters, mesh, backups, dns, ingress, chaos), verify };
}
