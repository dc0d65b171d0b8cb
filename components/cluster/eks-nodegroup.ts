/**
 * One EKS managed node group with its launch template: IMDSv2 only with hop limit 1, an encrypted gp3
 * root volume, the stack's tags on the instances, volumes and network interfaces, and the Cluster
 * Autoscaler's discovery tags. Created by EksCluster, as its child.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { clusterAutoscalerTags } from "./cluster-autoscaler";
import { eksAmiType } from "./eks-args";
import type { NodeGroupSizing } from "./sizing";

export type NodeRole = "system" | "workloads";

/** Taint on the system nodes: only critical add-ons (which tolerate it) run there. */
export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true" } as const;
/** IMDSv2 response hop limit of the node launch templates (1: the node only, not its pods). */
export const EKS_IMDS_HOP_LIMIT = 1;

export interface EksNodeGroupInputs {
    /** The EksCluster's name: the launch template and node group are `${name}-${role}`. */
    readonly name: string;
    /** `system` nodes are tainted for critical add-ons; `workloads` take everything else. */
    readonly role: NodeRole;
    /** Instance types, scaling bounds, capacity type and disk size. */
    readonly sizing: NodeGroupSizing;
    /** The cluster the group joins; the group follows its version. */
    readonly cluster: aws.eks.Cluster;
    /** The physical cluster name (the autoscaler's discovery tag names it). */
    readonly clusterName: string;
    /** The node role's ARN. */
    readonly nodeRoleArn: pulumi.Input<string>;
    /** Private subnets the nodes run in. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Tags for the template, the instances, volumes and network interfaces, and the group. */
    readonly tags: Record<string, string>;
    /** What must exist before nodes join (the node role's policies, the CNI and kube-proxy add-ons). */
    readonly dependsOn: pulumi.Resource[];
    /** Customer-managed KMS key (ARN) of the node volumes; its policy admits the Auto Scaling SLR. */
    readonly volumeKmsKeyArn: pulumi.Input<string>;
}

/**
 * Key policy of the node volume key (EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use
 * with encrypted volumes"): the account's IAM policies decide for everyone else (default statement),
 * and the Auto Scaling service-linked role may use the key and create grants for the instances'
 * volumes. Without it, every node group's instances fail to launch (Client.InternalError).
 */
export function nodeVolumeKeyPolicy(accountId: string, partition = "aws"): string {
    const asg = `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EnableIamPolicies",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "AutoScalingUseOfTheKey",
                Effect: "Allow",
                Principal: { AWS: asg },
                Action: [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                ],
                Resource: "*",
            },
            {
                Sid: "AutoScalingAttachmentOfPersistentResources",
                Effect: "Allow",
                Principal: { AWS: asg },
                Action: "kms:CreateGrant",
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
            },
        ],
    });
}

export function eksNodeGroup(
    i: EksNodeGroupInputs,
    opts: pulumi.CustomResourceOptions,
): aws.eks.NodeGroup {
    // Launch template: IMDSv2 only, encrypted gp3 root volume, and the stack's tags on the
    // instances, volumes and network interfaces (node group tags do not reach them).
    // Hop limit 1: the IMDSv2 token response cannot cross the extra hop into a pod's network
    // namespace, so pods cannot take the node role's credentials. Pods get AWS credentials
    // from IRSA (WorkloadIdentity); host-network pods (aws-node, kube-proxy) are on the node's
    // own stack and keep IMDS access.
    const roleTags = i.tags;
    const template = new aws.ec2.LaunchTemplate(
        `${i.name}-${i.role}`,
        {
            description: `${i.role} nodes of ${i.clusterName}`,
            updateDefaultVersion: true,
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                httpPutResponseHopLimit: EKS_IMDS_HOP_LIMIT,
            },
            blockDeviceMappings: [
                {
                    deviceName: "/dev/xvda",
                    ebs: {
                        volumeSize: i.sizing.diskSizeGiB,
                        volumeType: "gp3",
                        encrypted: "true",
                        kmsKeyId: i.volumeKmsKeyArn,
                        deleteOnTermination: "true",
                    },
                },
            ],
            tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
                resourceType,
                tags: roleTags,
            })),
            tags: roleTags,
        },
        opts,
    );
    return new aws.eks.NodeGroup(
        `${i.name}-${i.role}`,
        {
            clusterName: i.cluster.name,
            nodeRoleArn: i.nodeRoleArn,
            subnetIds: i.subnetIds,
            instanceTypes: [...i.sizing.instanceTypes],
            amiType: eksAmiType(i.sizing.instanceTypes),
            // The nodes follow the control plane: a version bump of the cluster is an in-place
            // update of the cluster, then a rolling update of each group (updateConfig below).
            version: i.cluster.version,
            capacityType: i.sizing.capacityType,
            launchTemplate: {
                id: template.id,
                version: pulumi.interpolate`${template.latestVersion}`,
            },
            scalingConfig: {
                minSize: i.sizing.minSize,
                maxSize: i.sizing.maxSize,
                desiredSize: i.sizing.desiredSize,
            },
            updateConfig: { maxUnavailable: 1 },
            labels: { "node-role": i.role },
            taints: i.role === "system" ? [{ ...SYSTEM_TAINT, effect: "NO_SCHEDULE" }] : [],
            // Cluster Autoscaler auto-discovery tags (EKS also puts them on the group's ASG).
            tags: { ...roleTags, ...clusterAutoscalerTags(i.clusterName) },
        },
        {
            ...opts,
            dependsOn: i.dependsOn,
            // The desired size is the Cluster Autoscaler's after creation: a `pulumi up` must
            // not reset it. min/max stay the program's (config).
            ignoreChanges: ["scalingConfig.desiredSize"],
        },
    );
}
