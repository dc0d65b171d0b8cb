/**
 * The stack outputs: what platform teams, the drill and app teams read with `pulumi stack output`.
 * The `drill` output is pure composition (no resources): config and the areas' results mapped to the
 * drill contract (lib/drill-contract.ts), so it lives here rather than in a component.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import type { RegionBackup } from "../components/backup";
import type { DnsFailover } from "../components/dns";
import type { MeshInfo } from "../components/mesh";
import type { ClusterInfo } from "../components/types";
import type { DrillResources } from "../components/chaos";
import { GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME } from "../components/constants";
import { gatewaySelector } from "../components/mesh/naming";
import { SMOKE_SERVICE, type DrillOutputs, type DrillRegionOutput } from "../lib/drill-contract";

/** The drill's cloud resources (lock table, optional FIS template) and the lock table's region. */
export interface DrillCloud {
    readonly resources: DrillResources;
    readonly region: string;
}

export interface PlatformOutputs {
    readonly [name: string]: unknown;
}

/**
 * The guide's DR targets, tightened where the platform does better: detection < 2 min, DNS failover
 * within 2 min (the guide allows 15 min for a regional failover), recovery < 30 min.
 */
export const DR_TARGETS = {
    detectionSeconds: 120,
    failoverSeconds: 120,
    recoverySeconds: 1800,
} as const;

export function stackOutputs(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    mesh: MeshInfo,
    backups: readonly RegionBackup[],
    dns: DnsFailover,
    ingress: Readonly<Record<string, pulumi.Input<string>>>,
    drill?: DrillCloud,
): PlatformOutputs {
    return {
        environment: cfg.environment,
        primaryRegion: cfg.primaryRegion.name,
        regions: cfg.regions.map((r) => ({
            name: r.name,
            cloud: r.cloud,
            region: r.region,
            primary: r.primary,
        })),
        clusters: clusters.map((c) => ({
            name: c.name,
            clusterName: c.clusterName,
            endpoint: c.endpoint,
            kubeconfig: pulumi.secret(c.kubeconfig),
        })),
        mesh: { id: mesh.meshId, istioVersion: mesh.version, revision: mesh.revision },
        worstCaseFailoverSeconds: dns.worstCaseFailoverSeconds,
        drill: drillOutputs(cfg, clusters, ingress, backups, dns, drill),
    };
}

/**
 * The `drill` stack output, read by the DR drill CLI with `pulumi stack output --json --show-secrets`
 * (kubeconfigs are secrets). A plain object of Outputs with exactly the keys of `DrillOutputs`, so only
 * the kubeconfigs are secret (the offline plan's masked outputs stay usable for a practice dry run).
 */
export function drillOutputs(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    ingressHostnames: Readonly<Record<string, pulumi.Input<string>>>,
    backups: readonly RegionBackup[],
    dns: DnsFailover,
    drill?: DrillCloud,
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
            ingressGateway: {
                namespace: GATEWAY_NAMESPACE,
                deployment: INGRESS_GATEWAY_NAME,
                selector: gatewaySelector(INGRESS_GATEWAY_NAME),
            },
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
            ttlSeconds: dns.ttlSeconds,
            healthCheckIntervalSeconds: dns.intervalSeconds,
            healthCheckFailureThreshold: dns.failureThreshold,
            worstCaseFailoverSeconds: dns.worstCaseFailoverSeconds,
        } satisfies DrillOutputs["dns"],
        smoke: { ...SMOKE_SERVICE } satisfies DrillOutputs["smoke"],
        // GCP stacks have no lock table: the drill does not drive them (preflight says so).
        lock: {
            tableName: drill?.resources.lockTableName ?? "none",
            region: drill?.region ?? cfg.primaryRegion.region,
        },
        fis: drill?.resources.fisTemplateId
            ? {
                  experimentTemplateId: drill.resources.fisTemplateId,
                  region: cfg.primaryRegion.region,
              }
            : null,
        stopAlarms: cfg.drill.stopAlarms.map((a) => ({ ...a })),
        targets: {
            ...DR_TARGETS,
            examsRpoMinutes: cfg.backup.examsRpoMinutes,
        } satisfies DrillOutputs["targets"],
    } satisfies Record<keyof DrillOutputs, unknown>;
}
