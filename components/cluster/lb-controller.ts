/**
 * The AWS Load Balancer Controller: provisions the NLBs of the Istio ingress and east-west gateways.
 * Installed from the official eks-charts chart (pinned), with an IRSA role holding the controller's
 * IAM policy. The policy below follows docs/install/iam_policy.json of the pinned controller release.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IdentityCluster, WorkloadIdentity } from "./identity";
import { LB_CONTROLLER_CHART } from "./versions";

export const LB_CONTROLLER_NAMESPACE = "kube-system";
export const LB_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

const CLUSTER_TAG = "elbv2.k8s.aws/cluster";
const tagged = (scope: "RequestTag" | "ResourceTag") => `aws:${scope}/${CLUSTER_TAG}`;
const LB_ARNS = ["targetgroup/*/*", "loadbalancer/net/*/*", "loadbalancer/app/*/*"].map(
    (r) => `arn:aws:elasticloadbalancing:*:*:${r}`,
);
const LISTENER_ARNS = [
    "listener/net/*/*/*",
    "listener/app/*/*/*",
    "listener-rule/net/*/*/*",
    "listener-rule/app/*/*/*",
].map((r) => `arn:aws:elasticloadbalancing:*:*:${r}`);
const SG_ARN = "arn:aws:ec2:*:*:security-group/*";

/** IAM policy of the AWS Load Balancer Controller v2.17 (read-only discovery + tag-scoped writes). */
export function lbControllerPolicy(): object {
    const allow = (Action: string[], Resource: string | string[] = "*", Condition?: object) => ({
        Effect: "Allow",
        Action,
        Resource,
        ...(Condition ? { Condition } : {}),
    });
    const describe = [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTags",
        "ec2:GetCoipPoolUsage",
        "ec2:DescribeCoipPools",
        "ec2:GetSecurityGroupsForVpc",
        "ec2:DescribeIpamPools",
        "ec2:DescribeRouteTables",
        ...[
            "LoadBalancers",
            "LoadBalancerAttributes",
            "Listeners",
            "ListenerCertificates",
            "SSLPolicies",
            "Rules",
            "TargetGroups",
            "TargetGroupAttributes",
            "TargetHealth",
            "Tags",
            "TrustStores",
            "ListenerAttributes",
            "CapacityReservation",
        ].map((x) => `elasticloadbalancing:Describe${x}`),
    ];
    const integrations = [
        "cognito-idp:DescribeUserPoolClient",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "iam:ListServerCertificates",
        "iam:GetServerCertificate",
        "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource",
        "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState",
        "shield:DescribeProtection",
        "shield:CreateProtection",
        "shield:DeleteProtection",
    ];
    return {
        Version: "2012-10-17",
        Statement: [
            allow(["iam:CreateServiceLinkedRole"], "*", {
                StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" },
            }),
            allow(describe),
            allow(integrations),
            allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]),
            allow(["ec2:CreateSecurityGroup"]),
            allow(["ec2:CreateTags"], SG_ARN, {
                StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" },
                Null: { [tagged("RequestTag")]: "false" },
            }),
            allow(["ec2:CreateTags", "ec2:DeleteTags"], SG_ARN, {
                Null: { [tagged("RequestTag")]: "true", [tagged("ResourceTag")]: "false" },
            }),
            allow(
                [
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupIngress",
                    "ec2:DeleteSecurityGroup",
                ],
                "*",
                { Null: { [tagged("ResourceTag")]: "false" } },
            ),
            allow(
                [
                    "elasticloadbalancing:CreateLoadBalancer",
                    "elasticloadbalancing:CreateTargetGroup",
                ],
                "*",
                { Null: { [tagged("RequestTag")]: "false" } },
            ),
            allow([
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ]),
            allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], LB_ARNS, {
                Null: { [tagged("RequestTag")]: "true", [tagged("ResourceTag")]: "false" },
            }),
            allow(
                ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                LISTENER_ARNS,
            ),
            allow(
                [
                    "elasticloadbalancing:ModifyLoadBalancerAttributes",
                    "elasticloadbalancing:SetIpAddressType",
                    "elasticloadbalancing:SetSecurityGroups",
                    "elasticloadbalancing:SetSubnets",
                    "elasticloadbalancing:DeleteLoadBalancer",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:ModifyListenerAttributes",
                    "elasticloadbalancing:ModifyCapacityReservation",
                    "elasticloadbalancing:ModifyIpPools",
                ],
                "*",
                { Null: { [tagged("ResourceTag")]: "false" } },
            ),
            allow(["elasticloadbalancing:AddTags"], LB_ARNS, {
                StringEquals: {
                    "elasticloadbalancing:CreateAction": [
                        "CreateTargetGroup",
                        "CreateLoadBalancer",
                    ],
                },
                Null: { [tagged("RequestTag")]: "false" },
            }),
            allow(
                ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
            ),
            allow([
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ]),
        ],
    };
}

export interface LbControllerArgs {
    /** The EKS cluster (its OIDC provider, AWS provider and tags): the IRSA role is created for it. */
    readonly cluster: IdentityCluster;
    /** The EKS cluster's name (the controller tags and discovers its load balancers by it). */
    readonly clusterName: pulumi.Input<string>;
    /** The AWS region id of the cluster (`ap-southeast-1`). */
    readonly region: string;
    /** The cluster's VPC (saves the controller a lookup through the instance metadata). */
    readonly vpcId: pulumi.Input<string>;
    /** The Kubernetes provider of the cluster: the Helm release is installed with it. */
    readonly k8sProvider: k8s.Provider;
    /**
     * Controller replicas.
     * @default 2 (a PodDisruptionBudget that survives a node drain)
     */
    readonly replicas?: number;
    /**
     * Wait for these before installing (node groups, core add-ons).
     * @default []
     */
    readonly dependsOn?: readonly pulumi.Resource[];
}

export class LbController extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LbControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:cluster:LbController", name, {}, opts);
        const replicas = args.replicas ?? 2;
        if (args.cluster.cloud !== "aws")
            throw new Error(
                `LbController ${name}: args.cluster ${args.cluster.name} is a ${args.cluster.cloud} cluster; the AWS Load Balancer Controller needs EKS`,
            );
        if (!Number.isInteger(replicas) || replicas < 1)
            throw new Error(
                `LbController ${name}: args.replicas must be a positive integer (got ${replicas})`,
            );
        const identity = new WorkloadIdentity(
            `${name}-irsa`,
            {
                cluster: args.cluster,
                namespace: LB_CONTROLLER_NAMESPACE,
                serviceAccount: LB_CONTROLLER_SERVICE_ACCOUNT,
                aws: { policy: JSON.stringify(lbControllerPolicy()) },
            },
            { parent: this },
        );

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                // Fixed release name: the chart derives its webhook Service and certificate names from it.
                name: "aws-load-balancer-controller",
                chart: LB_CONTROLLER_CHART.chart,
                version: LB_CONTROLLER_CHART.version,
                repositoryOpts: { repo: LB_CONTROLLER_CHART.repo },
                namespace: LB_CONTROLLER_NAMESPACE,
                atomic: true,
                timeout: 600,
                values: {
                    clusterName: args.clusterName,
                    region: args.region,
                    vpcId: args.vpcId,
                    replicaCount: replicas,
                    serviceAccount: {
                        create: true,
                        name: LB_CONTROLLER_SERVICE_ACCOUNT,
                        annotations: identity.annotations,
                    },
                    // Runs on the system node group with the other critical add-ons.
                    nodeSelector: { "node-role": "system" },
                    tolerations: [
                        { key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" },
                    ],
                    podDisruptionBudget: { maxUnavailable: 1 },
                    // The NLBs, target groups and security groups the controller creates carry the stack's tags too.
                    defaultTags: args.cluster.tags,
                    // Services of type LoadBalancer get NLBs from this controller, not the legacy in-tree one.
                    enableServiceMutatorWebhook: true,
                },
            },
            { parent: this, provider: args.k8sProvider, dependsOn: [...(args.dependsOn ?? [])] },
        );
        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
