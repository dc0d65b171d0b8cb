/**
 * Composition of the whole platform for one stack: the only code that reads the stack config. It maps
 * the config to each component's own args, area by area (platform/<area>.ts), in dependency order.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import type { ClusterInfo } from "../components/types";
import { createClusters } from "./clusters";
import { createMesh } from "../components/mesh";
import { createCertificates } from "../components/certificates";
import { createObservability } from "../components/observability";
import { createBackups } from "../components/backup";
import { createDnsFailover } from "../components/dns";
import { drillOutputs } from "../components/dns/drill-outputs";

export interface PlatformOutputs {
    readonly [name: string]: unknown;
}

export function buildPlatform(cfg: PlatformConfig): PlatformOutputs {
    // --- area: clusters (components/network, components/cluster)
    const clusters: ClusterInfo[] = createClusters(cfg);
    // --- area: mesh (components/mesh)
    const mesh = createMesh(cfg, clusters);
    // --- area: certificates and observability (components/certificates, components/observability)
    for (const cluster of clusters) {
        const meshed = mesh.clusters[cluster.name];
        createCertificates(cfg, cluster, { dependsOn: [meshed.gatewayNamespace] });
        // Nothing in observability needs the mesh (namespaces outside it, no Istio CRDs), so it installs in parallel.
        createObservability(cfg, cluster);
    }
    // --- area: backup (components/backup)
    const backups = createBackups(cfg, clusters, { caMaterial: mesh.caMaterial });
    // --- area: dns (components/dns)
    const ingress = Object.fromEntries(clusters.map((c) => [c.name, mesh.clusters[c.name].ingressHostname]));
    const dns = createDnsFailover(cfg, clusters.map((c) => ({ cluster: c, ingressHostname: ingress[c.name] })));
    return {
        environment: cfg.environment,
        primaryRegion: cfg.primaryRegion.name,
        regions: cfg.regions.map((r) => ({ name: r.name, cloud: r.cloud, region: r.region, primary: r.primary })),
        clusters: clusters.map((c) => ({ name: c.name, clusterName: c.clusterName, endpoint: c.endpoint, kubeconfig: pulumi.secret(c.kubeconfig) })),
        mesh: { id: mesh.meshId, istioVersion: mesh.version, revision: mesh.revision },
        worstCaseFailoverSeconds: dns.worstCaseFailoverSeconds,
        drill: drillOutputs(cfg, clusters, ingress, backups.regions, dns),
    };
}
