/**
 * Environment profiles: the guide's defaults per environment. Every value here can be overridden
 * explicitly in the stack file (see README "Config reference"); the loader merges stack values over
 * these and validates the result.
 */

import type { CapacityType, NodeGroupSizing } from "../components/cluster/sizing";
import type { LogLevel } from "../components/types";

export type { CapacityType, LogLevel, NodeGroupSizing };
export type Environment = "dev" | "staging" | "prod";
export type MtlsMode = "STRICT" | "PERMISSIVE";

export interface Profile {
    /** Resources holding state (KMS keys, clusters, buckets, CA material) get `protect: true`. */
    readonly protect: boolean;
    /** Guide: STRICT in staging and prod; dev may relax only through explicit config. */
    readonly mtlsMode: MtlsMode;
    /** REGISTRY_ONLY in prod (egress only to known services), ALLOW_ANY elsewhere. */
    readonly outboundTrafficPolicy: "REGISTRY_ONLY" | "ALLOW_ANY";
    /** Guide: WARN in production, INFO in staging, DEBUG in development. */
    readonly logLevel: LogLevel;
    /** Guide: 1 % in production, 100 % in development. Percent, 0-100. */
    readonly traceSamplingPercent: number;
    /** NAT gateways: one per AZ (resilient) or a single one (cheap). */
    readonly natGateways: "perAz" | "single";
    readonly nodeGroups: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    readonly retention: {
        /** Guide: 30 days detailed metrics. */
        readonly metricsDays: number;
        /** Guide: 7 days logs. */
        readonly logsDays: number;
        /** Guide: 7 days full traces. */
        readonly tracesDays: number;
        /** Guide: daily backups kept 30 days. */
        readonly backupsDays: number;
        /** VPC flow logs and EKS control plane logs in CloudWatch. */
        readonly flowLogsDays: number;
    };
    readonly storage: {
        readonly prometheusGiB: number;
        readonly elasticsearchNodes: number;
        readonly elasticsearchGiB: number;
    };
    /** Replicas of istiod and gateways at minimum (HPA floor). */
    readonly minReplicas: number;
}

const onDemand = (
    instanceTypes: string[],
    minSize: number,
    maxSize: number,
    desiredSize: number,
): NodeGroupSizing => ({
    instanceTypes,
    minSize,
    maxSize,
    desiredSize,
    capacityType: "ON_DEMAND",
    diskSizeGiB: 50,
});

export const PROFILES: Readonly<Record<Environment, Profile>> = {
    prod: {
        protect: true,
        mtlsMode: "STRICT",
        outboundTrafficPolicy: "REGISTRY_ONLY",
        logLevel: "WARN",
        traceSamplingPercent: 1,
        natGateways: "perAz",
        nodeGroups: {
            system: onDemand(["m6i.large"], 3, 6, 3),
            workloads: onDemand(["m6i.xlarge", "m6a.xlarge"], 3, 12, 4),
        },
        retention: {
            metricsDays: 30,
            logsDays: 7,
            tracesDays: 7,
            backupsDays: 30,
            flowLogsDays: 90,
        },
        storage: { prometheusGiB: 200, elasticsearchNodes: 3, elasticsearchGiB: 200 },
        minReplicas: 2,
    },
    staging: {
        protect: false,
        mtlsMode: "STRICT",
        outboundTrafficPolicy: "ALLOW_ANY",
        logLevel: "INFO",
        traceSamplingPercent: 10,
        natGateways: "single",
        nodeGroups: {
            system: onDemand(["m6i.large"], 2, 4, 2),
            workloads: { ...onDemand(["m6i.large", "m6a.large"], 2, 6, 2), capacityType: "SPOT" },
        },
        retention: {
            metricsDays: 30,
            logsDays: 7,
            tracesDays: 7,
            backupsDays: 30,
            flowLogsDays: 30,
        },
        storage: { prometheusGiB: 50, elasticsearchNodes: 1, elasticsearchGiB: 50 },
        minReplicas: 2,
    },
    dev: {
        protect: false,
        mtlsMode: "STRICT",
        outboundTrafficPolicy: "ALLOW_ANY",
        logLevel: "DEBUG",
        traceSamplingPercent: 100,
        natGateways: "single",
        nodeGroups: {
            system: onDemand(["t3.large"], 1, 2, 1),
            workloads: { ...onDemand(["t3.large", "t3a.large"], 1, 3, 1), capacityType: "SPOT" },
        },
        retention: {
            metricsDays: 30,
            logsDays: 7,
            tracesDays: 7,
            backupsDays: 30,
            flowLogsDays: 7,
        },
        storage: { prometheusGiB: 20, elasticsearchNodes: 1, elasticsearchGiB: 20 },
        minReplicas: 1,
    },
};

/** GCP machine types equivalent to the AWS defaults above, used when a region's cloud is gcp. */
export const GCP_INSTANCE_DEFAULTS: Readonly<
    Record<Environment, { system: string[]; workloads: string[] }>
> = {
    prod: { system: ["n2-standard-2"], workloads: ["n2-standard-4"] },
    staging: { system: ["n2-standard-2"], workloads: ["n2-standard-2"] },
    dev: { system: ["e2-standard-2"], workloads: ["e2-standard-2"] },
};
