/**
 * The `drill` stack output: everything the DR drill CLI needs, read with
 * `pulumi stack output --json --show-secrets` (kubeconfigs are secrets).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo, DrillOutputs, DrillRegionOutput } from "../types";
import type { RegionBackup } from "../backup";
import type { DnsFailover } from "./index";

/**
 * The guide's DR targets, tightened where the platform does better: detection < 2 min, DNS failover
 * within 2 min (the guide allows 15 min for a regional failover), recovery < 30 min.
 */
export const DR_TARGETS = { detectionSeconds: 120, failoverSeconds: 120, recoverySeconds: 1800 } as const;

/**
 * A plain object of Outputs in the shape of `DrillOutputs`, so only the kubeconfigs are secret (the
 * offline plan's masked outputs stay usable for a practice dry run).
 */
export function drillOutputs(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    ingressHostnames: Readonly<Record<string, pulumi.Input<string>>>,
    backups: readonly RegionBackup[],
    dns: DnsFailover,
): Record<keyof DrillOutputs, unknown> {
    const regions = clusters.map((c) => {
        const backup = backups.find((b) => b.region === c.name);
        if (!backup) throw new Error(`drill outputs: no backup bucket for region ${c.name}`);
        return {
            name: c.name,
            cloud: c.cloud,
            region: c.cloudRegion,
            primary: c.primary,
            clusterName: c.clusterName,
            kubeconfig: pulumi.secret(c.kubeconfig),
            ingressHostname: ingressHostnames[c.name],
            healthCheckId: dns.healthCheckIds[c.name],
            backupBucket: backup.bucketName,
            veleroNamespace: backup.veleroNamespace,
        } satisfies Record<keyof DrillRegionOutput, unknown>;
    });
    return {
        stack: cfg.stack,
        environment: cfg.environment,
        primaryRegion: cfg.primaryRegion.name,
        regions,
        dns: {
            provider: cfg.dns.provider,
            zoneId: cfg.dns.zoneId,
            hostname: cfg.dns.hostname,
            ttlSeconds: cfg.dns.ttlSeconds,
            healthCheckIntervalSeconds: dns.intervalSeconds,
            healthCheckFailureThreshold: cfg.dns.healthCheckFailureThreshold,
            worstCaseFailoverSeconds: dns.worstCaseFailoverSeconds,
        } satisfies DrillOutputs["dns"],
        targets: { ...DR_TARGETS, examsRpoMinutes: cfg.backup.examsRpoMinutes } satisfies DrillOutputs["targets"],
    };
}
