/**
 * Composition of the DNS area: health-checked failover of the public hostname between the regions.
 * The primary region gets the PRIMARY record, the first other region (stack-file order) the SECONDARY
 * one; any further region is health-checked only.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { DnsFailover, FailoverRole } from "../components/dns";
import type { ClusterInfo } from "../components/types";
import { SMOKE_SERVICE } from "../lib/drill-contract";

export function composeDns(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    ingressHostnames: Readonly<Record<string, pulumi.Input<string>>>,
): DnsFailover {
    const secondary = clusters.find((c) => !c.primary);
    const role = (c: ClusterInfo): FailoverRole | undefined =>
        c.primary ? "primary" : c === secondary ? "secondary" : undefined;
    return new DnsFailover("dns", {
        provider: cfg.dns.provider,
        zoneId: cfg.dns.zoneId,
        zoneName: cfg.dns.zoneName,
        hostname: cfg.dns.hostname,
        ttlSeconds: cfg.dns.ttlSeconds,
        healthCheckIntervalSeconds: cfg.dns.healthCheckIntervalSeconds,
        healthCheckFailureThreshold: cfg.dns.healthCheckFailureThreshold,
        gcpProject: cfg.gcpProject,
        // The app check asks the smoke service through the gateway: a healthy gateway in front of a
        // failing app (or a gateway denying traffic) fails the region.
        appHealthPath: `${SMOKE_SERVICE.publicPath}status/200`,
        regions: clusters.map((c) => ({
            cluster: c,
            ingressHostname: ingressHostnames[c.name],
            role: role(c),
        })),
    });
}
