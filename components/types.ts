/**
 * Contracts between the areas. A cluster component (EKS or GKE) produces a `ClusterInfo`; everything
 * above it (mesh, certificates, observability, backup, dns) consumes only this, so it is cloud-agnostic
 * where it can be and narrows on `cloud` where it cannot.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { Cloud } from "../lib/cloud";

export type { Cloud };

/** Log verbosity of a component (mapped to each tool's own level names). */
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** What every cluster offers, whatever its cloud. */
interface ClusterInfoBase {
    /** The region's short name (`singapore`); also the Istio cluster name. */
    readonly name: string;
    readonly cloud: Cloud;
    /** The cloud's region id (`ap-southeast-1`, `asia-southeast1`): the Istio locality region. */
    readonly cloudRegion: string;
    /** Whether this is the stack's primary region (DNS PRIMARY record, backup schedule offsets). */
    readonly primary: boolean;
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
    /** Kubeconfig for administrators and the Kubernetes provider (a Pulumi secret). */
    readonly kubeconfig: pulumi.Output<string>;
    /** The Kubernetes provider for this cluster; every Kubernetes resource in it uses this. */
    readonly provider: k8s.Provider;
    /**
     * Resources that Kubernetes workloads should wait for: nodes that run pods, the core add-ons (CNI,
     * DNS) and the default StorageClass. API-only objects (namespaces, CRDs, secrets) need only the
     * provider, which already waits for the admin access entry.
     */
    readonly ready: pulumi.Resource[];
    /**
     * `ready` plus whatever must run before a Service of type LoadBalancer is created (EKS: the AWS Load
     * Balancer Controller and its webhook). Only LoadBalancer Services wait for this.
     */
    readonly loadBalancersReady: pulumi.Resource[];
    /** Tags (AWS) / labels (GCP, sanitised) for this region's taggable resources. */
    readonly tags: Record<string, string>;
}

/** An EKS cluster: IRSA through the cluster's IAM OIDC provider. */
export interface EksClusterInfo extends ClusterInfoBase {
    readonly cloud: "aws";
    /** The AWS provider of the cluster's region: every AWS resource of this region uses it. */
    readonly awsProvider: aws.Provider;
    /** The OIDC issuer URL without https:// (the IRSA condition keys' prefix). */
    readonly oidcIssuer: pulumi.Output<string>;
    /** ARN of the IAM OIDC provider that IRSA roles trust. */
    readonly oidcProviderArn: pulumi.Output<string>;
}

/** A GKE cluster: Workload Identity through the project's pool. */
export interface GkeClusterInfo extends ClusterInfoBase {
    readonly cloud: "gcp";
    /** The Google provider of the cluster's region: every GCP resource of this region uses it. */
    readonly gcpProvider: gcp.Provider;
    /** The GCP project the cluster and its region's resources live in. */
    readonly project: string;
    /** The workload identity pool (`<project>.svc.id.goog`). */
    readonly workloadIdentityPool: pulumi.Output<string>;
}

/** One cluster of the stack, discriminated by `cloud`. */
export type ClusterInfo = EksClusterInfo | GkeClusterInfo;

/** GCP labels: lower-case keys and values, [a-z0-9_-], at most 63 characters. */
export function toLabels(tags: Record<string, string>): Record<string, string> {
    const clean = (s: string) =>
        s
            .toLowerCase()
            .replace(/[^a-z0-9_-]/g, "_")
            .slice(0, 63);
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [clean(k), clean(v)]));
}

/** Merge shared tags under resource-specific ones (resource-specific win). */
export function withTags(
    base: Record<string, string>,
    extra: Record<string, string> = {},
): Record<string, string> {
    return { ...base, ...extra };
}
