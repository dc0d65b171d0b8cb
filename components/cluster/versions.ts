/**
 * Pinned versions of everything the cluster area installs. One place to bump, each with where it was
 * checked. A Kubernetes version without a row here fails validation before any resource is declared.
 */
import { CHARTS } from "../../lib/charts";

export type EksAddonName = "vpc-cni" | "kube-proxy" | "coredns" | "aws-ebs-csi-driver";

/**
 * EKS managed add-on versions per Kubernetes minor version: a minor without a row here is refused on AWS.
 *
 * A pin is *verified* only with a source that shows the build offered for that minor, or, for the two
 * add-ons whose builds are not tied to a Kubernetes minor (vpc-cni and aws-ebs-csi-driver: AWS offers
 * one build on every supported minor, which is why the user guide's vpc-cni table repeats one version in
 * every column), for a supported minor. kube-proxy and coredns builds are per minor and need their own
 * row. Sources, read 2026-12-02:
 * - 1.32, 1.33, 1.34: the "latest version of the Amazon EKS add-on type" tables of the EKS user guide
 *   (managing-kube-proxy, managing-coredns, managing-vpc-cni); aws-ebs-csi-driver v1.48.0-eksbuild.2
 *   from `aws eks describe-addon-versions` on 1.32/1.33 clusters. Kept for stacks that opt into extended
 *   support.
 * - 1.35 kube-proxy v1.35.3-eksbuild.13: EKS user guide managing-kube-proxy
 *   (docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-kube-proxy.md, undated copy whose table
 *   runs to 1.36).
 * - 1.35 coredns v1.13.2-eksbuild.4: EKS user guide managing-coredns
 *   (docs.amazonaws.cn/zh_cn/eks/latest/userguide/managing-coredns.md, undated copy whose table runs to 1.35).
 * - vpc-cni v1.22.3-eksbuild.1: offered on EKS (github.com/ministryofjustice/cloud-platform-infrastructure
 *   PR #4678, 2026-07-08, from describe-addon-versions on 1.33); minor-independent build, see above.
 * - aws-ebs-csi-driver v1.66.0-eksbuild.1: the build AWS marks defaultVersion for 1.36
 *   (github.com/mitodl/ol-infrastructure PR #5959, 2026-09-21, from describe-addon-versions);
 *   minor-independent build, see above.
 * - 1.36: not pinned. kube-proxy v1.36.0-eksbuild.14 is in the user guide, but no source shows the
 *   coredns build for 1.36 (third-party pins of v1.14.3-eksbuild.N are unconfirmed), so 1.36 is not
 *   verified and the default stays 1.35 (config/catalog.ts). Confirm with
 *   `aws eks describe-addon-versions --kubernetes-version 1.36 --addon-name coredns` before adding it.
 * The user guide copies carry no date: the builds are "at least this new"; a newer build of the same
 * minor is an in-place add-on update.
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
        "1.35": {
            "vpc-cni": "v1.22.3-eksbuild.1",
            "kube-proxy": "v1.35.3-eksbuild.13",
            coredns: "v1.13.2-eksbuild.4",
            "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
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
