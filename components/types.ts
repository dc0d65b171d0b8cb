/**
 * Contracts between the areas. A cluster component (EKS or GKE) produces a `ClusterInfo`; everything
 * above it (mesh, certificates, observability, backup, dns) consumes only this, so it is cloud-agnostic.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { Cloud } from "../stacks/catalog";
import type { PlatformConfig, RegionConfig } from "../stacks/config";

export interface ClusterInfo {
    /** The region's short name from config (`singapore`); also the Istio cluster name. */
    readonly name: string;
    readonly region: RegionConfig;
    readonly cloud: Cloud;
    /** Istio network of this cluster (`network-<name>`): one network per region. */
    readonly network: string;
    /**
     * The cloud's cluster name. EKS: fixed `mesh-<stack>-<region>` (EKS names the control-plane log group
     * after the cluster, and that group is created first so our retention applies). GKE: auto-named.
     */
    readonly clusterName: pulumi.Output<string>;
    /** API server URL (https://...). */
    readonly endpoint: pulumi.Output<string>;
    /** Base64 PEM of the cluster CA. */
    readonly certificateAuthority: pulumi.Output<string>;
    /** AWS: the OIDC issuer URL (without https://) and the IAM OIDC provider ARN, for IRSA. */
    readonly oidcIssuer?: pulumi.Output<string>;
    readonly oidcProviderArn?: pulumi.Output<string>;
    /** GCP: the workload identity pool (`<project>.svc.id.goog`). */
    readonly workloadIdentityPool?: pulumi.Output<string>;
    /** Kubeconfig for administrators and the Kubernetes provider (a Pulumi secret). */
    readonly kubeconfig: pulumi.Output<string>;
    /** The Kubernetes provider for this cluster; every Kubernetes resource in it uses this. */
    readonly provider: k8s.Provider;
    /** The cloud provider for this region: every cloud resource of this region uses this. */
    readonly awsProvider?: aws.Provider;
    readonly gcpProvider?: gcp.Provider;
    /** Resource that Kubernetes resources should wait for (node groups ready, add-ons installed). */
    readonly ready: pulumi.Resource[];
    /** Tags (AWS) / labels (GCP, sanitised) for this region's taggable resources. */
    readonly tags: Record<string, string>;
}

/** Shape of the stack outputs that the DR drill reads (`pulumi stack output --json --show-secrets`). */
export interface DrillRegionOutput {
    readonly name: string;
    readonly cloud: Cloud;
    readonly region: string;
    readonly primary: boolean;
    readonly clusterName: string;
    readonly kubeconfig: string;
    readonly ingressHostname: string;
    readonly healthCheckId: string;
    readonly backupBucket: string;
    readonly veleroNamespace: string;
}

export interface DrillOutputs {
    readonly stack: string;
    readonly environment: string;
    readonly primaryRegion: string;
    readonly regions: readonly DrillRegionOutput[];
    readonly dns: {
        readonly provider: "route53" | "clouddns";
        readonly zoneId: string;
        readonly hostname: string;
        readonly ttlSeconds: number;
        readonly healthCheckIntervalSeconds: number;
        readonly healthCheckFailureThreshold: number;
        /** interval x failure threshold + TTL */
        readonly worstCaseFailoverSeconds: number;
    };
    readonly targets: {
        readonly detectionSeconds: number;
        readonly failoverSeconds: number;
        readonly recoverySeconds: number;
        readonly examsRpoMinutes: number;
    };
}

/** The stack's shared tags for one region (AWS tag keys; GCP labels are derived with `toLabels`). */
export function regionTags(cfg: PlatformConfig, region: RegionConfig): Record<string, string> {
    return {
        environment: cfg.environment,
        region: region.name,
        team: cfg.tags.team,
        "cost-center": cfg.tags.costCenter,
        "managed-by": "pulumi",
        stack: cfg.stack,
    };
}

/** GCP labels: lower-case keys and values, [a-z0-9_-], at most 63 characters. */
export function toLabels(tags: Record<string, string>): Record<string, string> {
    const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 63);
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [clean(k), clean(v)]));
}

/** Merge shared tags under resource-specific ones (resource-specific win). */
export function withTags(base: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
    return { ...base, ...extra };
}
