/** The stack outputs: what platform teams, the drill and app teams read with `pulumi stack output`. */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import type { RegionBackup } from "../components/backup";
import type { DnsFailover } from "../components/dns";
import { drillOutputs } from "../components/dns/drill-outputs";
import type { MeshInfo } from "../components/mesh";
import type { ClusterInfo } from "../components/types";

export interface PlatformOutputs {
    readonly [name: string]: unknown;
}

export function stackOutputs(cfg: PlatformConfig, clusters: readonly ClusterInfo[], mesh: MeshInfo,
    backups: readonly RegionBackup[], dns: DnsFailover, ingress: Readonly<Record<string, pulumi.Input<string>>>): PlatformOutputs {
    return {
        environment: cfg.environment,
        primaryRegion: cfg.primaryRegion.name,
        regions: cfg.regions.map((r) => ({ name: r.name, cloud: r.cloud, region: r.region, primary: r.primary })),
        clusters: clusters.map((c) => ({ name: c.name, clusterName: c.clusterName, endpoint: c.endpoint, kubeconfig: pulumi.secret(c.kubeconfig) })),
        mesh: { id: mesh.meshId, istioVersion: mesh.version, revision: mesh.revision },
        worstCaseFailoverSeconds: dns.worstCaseFailoverSeconds,
        drill: drillOutputs(cfg, clusters, ingress, backups, dns),
    };
}
