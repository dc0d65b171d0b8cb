/**
 * Cluster Autoscaler for an EKS cluster: the official chart (kubernetes/autoscaler, pinned in
 * lib/charts.ts) with an IRSA role, auto-discovering the cluster's managed node groups by their
 * Auto Scaling group tags, running on the system nodes.
 *
 * Why Cluster Autoscaler and not Karpenter: the platform's capacity is EKS managed node groups
 * (`system`, `workloads`), whose sizes come from config and whose AMI and rolling updates stay with the
 * node group API. Cluster Autoscaler drives exactly those (it sets the desired capacity of their Auto
 * Scaling groups, between the configured min and max) with a small IAM surface. Karpenter does not
 * scale managed node groups: it launches instances itself from NodePools, so it would replace the
 * `workloads` group, bring its own node lifecycle (drift, consolidation), more IAM (RunInstances,
 * CreateFleet, iam:PassRole) and an interruption queue. Revisit it if spot bin-packing becomes a goal.
 *
 * Sizes: min/max come from config (`nodeGroups.<role>.minSize/maxSize`); the desired size is set once at
 * creation and then belongs to the autoscaler (the node groups ignore drift on it).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IdentityCluster, WorkloadIdentity } from "./identity";
import { CLUSTER_AUTOSCALER_CHART, CLUSTER_AUTOSCALER_IMAGE_TAGS } from "./versions";

export const CLUSTER_AUTOSCALER_NAMESPACE = "kube-system";
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

/** The Auto Scaling group tags auto-discovery matches (EKS puts both on a managed node group's ASG). */
export function clusterAutoscalerTags(clusterName: string): Record<string, string> {
    return {
        "k8s.io/cluster-autoscaler/enabled": "true",
        [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
    };
}

/**
 * IAM policy: the "Full Cluster Autoscaler Features Policy (Recommended)" of
 * cluster-autoscaler/cloudprovider/aws/README.md (tag cluster-autoscaler-1.35.2). The README's example
 * allows the two write actions on every ASG and recommends narrowing them by ASG ARN or tag
 * conditions; here they are scoped to this cluster's groups by the `k8s.io/cluster-autoscaler/<cluster>`
 * tag (ARN scoping would rule out auto-discovery). The Describe/Get actions do not support
 * resource-level scoping.
 */
export function clusterAutoscalerPolicy(clusterName: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                Resource: ["*"],
            },
            {
                Effect: "Allow",
                Action: [
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                Resource: ["*"],
                Condition: {
                    StringEquals: {
                        [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
                    },
                },
            },
        ],
    };
}

export interface ClusterAutoscalerArgs {
    /** The EKS cluster (its OIDC provider, AWS provider and tags): the IRSA role is created for it. */
    readonly cluster: IdentityCluster;
    /** The EKS cluster's physical name (auto-discovery tags and the IAM condition use it). */
    readonly clusterName: string;
    /** The cluster's Kubernetes minor (`1.35`): picks the autoscaler image of the same minor. */
    readonly kubernetesVersion: string;
    /** The AWS region id of the cluster. */
    readonly region: string;
    /** The Kubernetes provider of the cluster. */
    readonly k8sProvider: k8s.Provider;
    /**
     * Replicas (one leader, the others standby through leader election).
     * @default 2 (a PodDisruptionBudget that survives a node drain)
     */
    readonly replicas?: number;
    /**
     * Wait for these before installing (node groups, CNI, DNS).
     * @default []
     */
    readonly dependsOn?: readonly pulumi.Resource[];
}

export class ClusterAutoscaler extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:cluster:ClusterAutoscaler", name, {}, opts);
        const replicas = args.replicas ?? 2;
        const imageTag = CLUSTER_AUTOSCALER_IMAGE_TAGS[args.kubernetesVersion];
        if (args.cluster.cloud !== "aws")
            throw new Error(
                `ClusterAutoscaler ${name}: args.cluster ${args.cluster.name} is a ${args.cluster.cloud} cluster; GKE node pools autoscale by themselves`,
            );
        if (!imageTag)
            throw new Error(
                `ClusterAutoscaler ${name}: args.kubernetesVersion "${args.kubernetesVersion}" has no autoscaler image; known: ${Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ")}`,
            );
        if (!Number.isInteger(replicas) || replicas < 1)
            throw new Error(
                `ClusterAutoscaler ${name}: args.replicas must be a positive integer (got ${replicas})`,
            );
        const identity = new WorkloadIdentity(
            `${name}-irsa`,
            {
                cluster: args.cluster,
                namespace: CLUSTER_AUTOSCALER_NAMESPACE,
                serviceAccount: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
                aws: { policy: JSON.stringify(clusterAutoscalerPolicy(args.clusterName)) },
            },
            { parent: this },
        );
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: "cluster-autoscaler",
                chart: CLUSTER_AUTOSCALER_CHART.chart,
                version: CLUSTER_AUTOSCALER_CHART.version,
                repositoryOpts: { repo: CLUSTER_AUTOSCALER_CHART.repo },
                namespace: CLUSTER_AUTOSCALER_NAMESPACE,
                atomic: true,
                values: {
                    cloudProvider: "aws",
                    awsRegion: args.region,
                    autoDiscovery: { clusterName: args.clusterName },
                    fullnameOverride: "cluster-autoscaler",
                    image: { tag: imageTag },
                    replicaCount: replicas,
                    rbac: {
                        create: true,
                        serviceAccount: {
                            create: true,
                            name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
                            annotations: identity.annotations,
                        },
                    },
                    extraArgs: {
                        // Balances node groups that are alike. Each managed node group here is one
                        // ASG over every zone, so this matters only once groups are split per zone,
                        // which pods with zonal EBS volumes would need to always get a node in their
                        // volume's zone (open point in docs/decisions.md).
                        "balance-similar-node-groups": true,
                        expander: "least-waste",
                    },
                    nodeSelector: { "node-role": "system" },
                    tolerations: [
                        { key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" },
                    ],
                    podDisruptionBudget: { maxUnavailable: 1 },
                },
            },
            { parent: this, provider: args.k8sProvider, dependsOn: [...(args.dependsOn ?? [])] },
        );
        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
