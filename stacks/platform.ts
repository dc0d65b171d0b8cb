/**
 * Composition of the whole platform for one stack. Each area lives in components/<area>/ and is
 * called from here in dependency order; nothing in here creates resources directly.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config";
import type { ClusterInfo } from "../components/types";

export interface PlatformOutputs {
    readonly [name: string]: unknown;
}

export function buildPlatform(cfg: PlatformConfig): PlatformOutputs {
    // --- area: clusters (components/network, components/cluster)
    const clusters: ClusterInfo[] = [];
    // --- area: mesh (components/mesh)
    // --- area: certificates and observability (components/certificates, components/observability)
    // --- area: backup (components/backup)
    // --- area: dns (components/dns)
    return {
        environment: cfg.environment,
        primaryRegion: cfg.primaryRegion.name,
        regions: cfg.regions.map((r) => ({ name: r.name, cloud: r.cloud, region: r.region, primary: r.primary })),
        clusters: clusters.map((c) => ({ name: c.name, clusterName: c.clusterName, endpoint: c.endpoint, kubeconfig: pulumi.secret(c.kubeconfig) })),
    };
}
