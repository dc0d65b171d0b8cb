/**
 * Composition of the whole platform for one stack: the only code that reads the stack config. It maps
 * the config to each component's own args, area by area (platform/<area>.ts), in dependency order:
 * clusters -> mesh -> per-cluster add-ons (certificates, observability) -> backup -> dns -> outputs.
 */
import type { PlatformConfig } from "../config";
import { composeClusterAddons } from "./addons";
import { composeBackups } from "./backup";
import { createClusters } from "./clusters";
import { composeDns } from "./dns";
import { composeMesh } from "./mesh";
import { PlatformOutputs, stackOutputs } from "./outputs";

export type { PlatformOutputs } from "./outputs";

export function buildPlatform(cfg: PlatformConfig): PlatformOutputs {
    const clusters = createClusters(cfg);
    const mesh = composeMesh(cfg, clusters);
    for (const cluster of clusters) composeClusterAddons(cfg, cluster, mesh.clusters[cluster.name]);
    const backups = composeBackups(cfg, clusters, mesh.caMaterial);
    const ingress = Object.fromEntries(
        clusters.map((c) => [c.name, mesh.clusters[c.name].ingressHostname]),
    );
    const dns = composeDns(cfg, clusters, ingress);
    return stackOutputs(cfg, clusters, mesh, backups, dns, ingress);
}
