/**
 * Grafana's own cloud identity in one cluster: what its CloudWatch (AWS) or Google Cloud Monitoring
 * (GCP) data source reads the backup replication metrics with, and nothing else.
 *
 * - AWS: an IRSA role trusted by exactly Grafana's service account of this cluster (`sub`
 *   `system:serviceaccount:monitoring:kube-prometheus-stack-grafana`, `aud` `sts.amazonaws.com`, this
 *   cluster's OIDC provider), allowed `cloudwatch:GetMetricData` and `cloudwatch:ListMetrics` on `*`
 *   (neither action takes a resource ARN for classic metrics). The data source uses
 *   `authType: default`: the AWS SDK's default chain picks up the web identity token that the EKS pod
 *   identity webhook mounts for the annotated service account.
 * - GCP: a Google service account bound through Workload Identity to Grafana's service account only
 *   (named per region, `kube-prometheus-stack-grafana-<region>`: GKE names a KSA by project, namespace
 *   and name, so same-named accounts of two clusters would be one principal), with
 *   `roles/monitoring.viewer` on the project (holds `monitoring.timeSeries.list`). The data source uses
 *   `authenticationType: gce`: the GKE metadata server hands out that account's token.
 *
 * What the Grafana data source documentation lists and this identity leaves out, and why:
 * docs/decisions.md ("Backup replication on the DR dashboard").
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterInfo } from "../types";
import { MONITORING_NAMESPACE } from "../constants";
import { WorkloadIdentity } from "../cluster/identity";

/**
 * The service account the Grafana subchart (grafana 12.11.1 in kube-prometheus-stack 88.5.3) gives
 * Grafana: `grafana.serviceAccountName` is `grafana.fullname`, `<release>-grafana` for the release
 * `kube-prometheus-stack`.
 */
export const GRAFANA_SERVICE_ACCOUNT = "kube-prometheus-stack-grafana";

/**
 * Grafana's service account in a cluster: the chart's name on EKS (the IRSA trust is per cluster, its
 * own OIDC issuer), `<name>-<region>` on GKE (one workload pool per project, see the module comment).
 */
export function grafanaServiceAccount(cluster: Pick<ClusterInfo, "cloud" | "name">): string {
    return cluster.cloud === "gcp"
        ? `${GRAFANA_SERVICE_ACCOUNT}-${cluster.name}`
        : GRAFANA_SERVICE_ACCOUNT;
}

/** What the CloudWatch data source needs for metric queries of the builder (and its health check). */
export const GRAFANA_CLOUDWATCH_ACTIONS = [
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
] as const;

/** Project role of Grafana's Google service account (read-only Cloud Monitoring, timeSeries.list). */
export const GRAFANA_MONITORING_ROLE = "roles/monitoring.viewer";

/** The role's only policy: read CloudWatch metrics (classic metrics take no resource ARN: `*`). */
export function grafanaCloudWatchPolicy(): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadCloudWatchMetrics",
                Effect: "Allow",
                Action: [...GRAFANA_CLOUDWATCH_ACTIONS],
                Resource: "*",
            },
        ],
    });
}

/** Where Grafana's cloud metrics data source reads: the cluster's AWS region, or its GCP project. */
export type CloudMetricsDataSource =
    | { readonly cloud: "aws"; readonly region: string }
    | { readonly cloud: "gcp"; readonly project: string };

export interface GrafanaIdentityArgs {
    /** The cluster Grafana runs in: its cloud, provider, OIDC issuer or workload pool, region and project. */
    readonly cluster: ClusterInfo;
}

/** One cluster's Grafana identity (cloud resources only: the composition creates it with the cluster's provider). */
export class GrafanaIdentity extends pulumi.ComponentResource {
    /** Grafana's Kubernetes service account (namespace `monitoring`) the identity trusts. */
    readonly serviceAccountName: string;
    /** Annotations of that service account (IRSA role ARN or Google service account). */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    /** The data source this identity can read. */
    readonly dataSource: CloudMetricsDataSource;
    readonly roleArn?: pulumi.Output<string>;
    readonly gcpServiceAccountEmail?: pulumi.Output<string>;

    constructor(name: string, args: GrafanaIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:GrafanaIdentity", name, {}, opts);
        const { cluster } = args;
        this.serviceAccountName = grafanaServiceAccount(cluster);
        this.dataSource =
            cluster.cloud === "aws"
                ? { cloud: "aws", region: cluster.cloudRegion }
                : { cloud: "gcp", project: cluster.project };
        const identity = new WorkloadIdentity(
            `${name}-identity`,
            {
                cluster,
                namespace: MONITORING_NAMESPACE,
                serviceAccount: this.serviceAccountName,
                aws: { policy: grafanaCloudWatchPolicy() },
                gcp: { roles: [GRAFANA_MONITORING_ROLE] },
            },
            { parent: this },
        );
        this.serviceAccountAnnotations = identity.annotations;
        this.roleArn = identity.roleArn;
        this.gcpServiceAccountEmail = identity.gcpServiceAccountEmail;
        this.registerOutputs({
            roleArn: this.roleArn,
            gcpServiceAccountEmail: this.gcpServiceAccountEmail,
        });
    }
}
