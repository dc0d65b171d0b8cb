/**
 * Pinned versions of everything the cluster area installs. One place to bump, each with where it was
 * checked. A Kubernetes version without a row here fails validation before any resource is declared.
 */
import { CHARTS } from "../../lib/charts";

export type EksAddonName = "vpc-cni" | "kube-proxy" | "coredns" | "aws-ebs-csi-driver";

/**
 * EKS managed add-on versions per Kubernetes minor version. Sources: the "latest version of the
 * Amazon EKS add-on type" tables of the EKS user guide (managing-kube-proxy, managing-coredns,
 * managing-vpc-cni); aws-ebs-csi-driver v1.48.0-eksbuild.2 is the build EKS offered on 1.32 and 1.33
 * clusters (`aws eks describe-addon-versions --addon-name aws-ebs-csi-driver`).
 */
export const EKS_ADDON_VERSIONS: Readonly<Record<string, Readonly<Record<EksAddonName, string>>>> =
    {
        "1.32": {
            "vpc-cni": "v1.20.1-eksbuild.3",
            "kube-proxy": "v1.32.9-eksbuild.2",
            coredns: "v1.11.4-eksbuild.24",
            "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
        },
        "1.33": {
            "vpc-cni": "v1.20.1-eksbuild.3",
            "kube-proxy": "v1.33.5-eksbuild.2",
            coredns: "v1.12.4-eksbuild.1",
            "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
        },
        "1.34": {
            "vpc-cni": "v1.20.1-eksbuild.3",
            "kube-proxy": "v1.34.1-eksbuild.2",
            coredns: "v1.12.4-eksbuild.1",
            "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
        },
    };

/**
 * Cluster Autoscaler image per Kubernetes minor (the autoscaler's minor must match the cluster's;
 * kubernetes/autoscaler release tags cluster-autoscaler-<x.y.z>): 1.33.0 is what chart 9.51.0 ships,
 * 1.34.5 and 1.35.2 are the newest patch tags of 2026-07-22, 1.36.1 (2026-07-22) has no chart yet.
 * 1.32.0: the minor's first release tag (not re-read in a dated source this time).
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
    "1.32": "v1.32.0",
    "1.33": "v1.33.0",
    "1.34": "v1.34.5",
    "1.35": "v1.35.2",
    "1.36": "v1.36.1",
};

/** Charts this area installs (catalog: lib/charts.ts). */
export const LB_CONTROLLER_CHART = CHARTS.awsLoadBalancerController;
export const METRICS_SERVER_CHART = CHARTS.metricsServer;
export const CLUSTER_AUTOSCALER_CHART = CHARTS.clusterAutoscaler;

/** Control plane log types EKS can ship to CloudWatch: all of them are enabled. */
export const EKS_LOG_TYPES = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
] as const;

/** CloudWatch Logs accepts only these retention values (days). */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
