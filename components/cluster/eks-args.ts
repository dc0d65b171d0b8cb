/**
 * Args of the EKS cluster component (eks.ts) and their validation: every check a cluster can make on
 * its own args, each problem naming the arg path, so the component is safe to use outside the
 * platform's composition too.
 */
import type * as pulumi from "@pulumi/pulumi";
import { cidrsOverlap, parseCidr } from "../../lib/cidr";
import { eksServiceCidrShapeProblem } from "./service-cidr";
import type { AwsNetwork } from "../network/aws-network";
import { nodeGroupSizingProblems, NodeGroupSizing } from "./sizing";
import {
    CLOUDWATCH_RETENTION_DAYS,
    CLUSTER_AUTOSCALER_IMAGE_TAGS,
    EKS_ADDON_VERSIONS,
} from "./versions";

/** The part of an AwsNetwork the cluster is placed in (an `AwsNetwork` is one). */
export type EksClusterNetwork = Pick<AwsNetwork, "vpcId" | "vpcCidr" | "privateSubnetIds">;

export interface EksClusterArgs {
    /** The region's short name (`singapore`): the kubeconfig context, the Istio cluster name and network (`network-<regionName>`). */
    readonly regionName: string;
    /** The AWS region id (`ap-southeast-1`); must be the region of the provider in `opts`. */
    readonly cloudRegion: string;
    /** Whether this is the stack's primary region (passed through to `ClusterInfo.primary`). */
    readonly primary: boolean;
    /** Physical cluster name (fixed: EKS derives the control plane log group name from it). */
    readonly clusterName: string;
    /** Kubernetes minor version (`1.35`); must have a row in `EKS_ADDON_VERSIONS`. */
    readonly version: string;
    /**
     * EKS support policy (`upgradePolicy.supportType`). `STANDARD`: AWS never bills extended support and
     * upgrades the control plane itself when the version leaves standard support (outside Pulumi: the
     * next `pulumi up` then sees a newer version than `version` and cannot go back). `EXTENDED`: the
     * version stays for up to 12 more months, billed at the extended-support rate from the end of
     * standard support.
     * @default "STANDARD"
     */
    readonly supportType?: "STANDARD" | "EXTENDED";
    /** IAM role granted cluster admin through an access entry (the role `pulumi up` runs as). */
    readonly adminRoleArn: string;
    /**
     * CIDRs allowed to reach the public API endpoint; never a /0.
     * @default [] (public endpoint off: the API is reachable only from inside the VPCs)
     */
    readonly publicAccessCidrs?: readonly string[];
    /**
     * CIDRs of the peered VPCs of the other regions: their istiod reaches this private endpoint.
     * @default [] (only this VPC reaches the private endpoint)
     */
    readonly peerVpcCidrs?: readonly string[];
    /**
     * Source CIDRs of the deployer network (the management VPC, CI runners, a VPN routed into the VPC):
     * admitted on 443 by the API security group. The program adds no route for them: a management VPC
     * is peered by the composition; any other range needs a route of its own into this VPC.
     * @default [] (only the platform VPCs reach the API; `pulumi up` must then run inside one of them)
     */
    readonly deployerCidrs?: readonly string[];
    /**
     * What gives the deployer its route to the private API (e.g. the management VPC peering): the
     * Kubernetes provider waits for these, so the first Kubernetes call does not time out.
     * @default []
     */
    readonly apiRouteReady?: readonly pulumi.Resource[];
    /**
     * Kubernetes service CIDR (immutable: a change replaces the cluster).
     * @default what EKS assigns without one: 172.20.0.0/16 for a VPC in 10.0.0.0/8, else 10.100.0.0/16
     */
    readonly serviceCidr?: string;
    /**
     * NAT egress addresses of the other regions. When the public endpoint is on, the endpoint name
     * resolves to public addresses outside this VPC, so the peers' istiod arrives from these: they join
     * the public allow-list as /32s. Unused when the endpoint is private only (no `publicAccessCidrs`).
     * @default [] (no peer addresses on the allow-list)
     */
    readonly peerNatIps?: readonly pulumi.Input<string>[];
    /** CloudWatch retention of the control plane logs, in days (a value CloudWatch accepts). */
    readonly logRetentionDays: number;
    /** Sizing of the managed node groups `system` (tainted CriticalAddonsOnly, on-demand) and `workloads`. */
    readonly nodeGroups: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    /**
     * Replicas of the load balancer controller, metrics-server and the Cluster Autoscaler.
     * @default 2 (a PodDisruptionBudget that survives a node drain)
     */
    readonly controllerReplicas?: number;
    /**
     * Protect the stateful resources (secrets KMS key, cluster) and turn on the cluster's deletion
     * protection.
     * @default true
     */
    readonly protect?: boolean;
    /** The region's network: the cluster's VPC, its CIDR and the private subnets for the API and the nodes. */
    readonly network: EksClusterNetwork;
    /**
     * Tags for every taggable child (and `ClusterInfo.tags`).
     * @default {}
     */
    readonly tags?: Record<string, string>;
}

/** Graviton instance families (m6g, c7g, ...) need the ARM AMI. */
const isArm = (instanceType: string): boolean => /^[a-z]+\d+g[a-z]*\./.test(instanceType);

/** The AMI type of a node group (its instance types must share one architecture). */
export function eksAmiType(
    instanceTypes: readonly string[],
): "AL2023_ARM_64_STANDARD" | "AL2023_x86_64_STANDARD" {
    if (new Set(instanceTypes.map(isArm)).size > 1)
        throw new Error(
            `instance types ${instanceTypes.join(", ")} mix ARM (Graviton) and x86; one node group takes one architecture`,
        );
    return isArm(instanceTypes[0]) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** Every problem of the args, each naming the arg path; [] when the cluster can be built. */
export function eksClusterArgProblems(args: EksClusterArgs): string[] {
    const problems: string[] = [];
    if (args.supportType !== undefined && !["STANDARD", "EXTENDED"].includes(args.supportType))
        problems.push(
            `args.supportType "${String(args.supportType)}" is not one of STANDARD, EXTENDED`,
        );
    if (!EKS_ADDON_VERSIONS[args.version])
        problems.push(
            `args.version "${args.version}" has no pinned add-on versions; known: ${Object.keys(EKS_ADDON_VERSIONS).join(", ")}`,
        );
    if (EKS_ADDON_VERSIONS[args.version] && !CLUSTER_AUTOSCALER_IMAGE_TAGS[args.version])
        problems.push(
            `args.version "${args.version}" has no Cluster Autoscaler image; known: ${Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ")}`,
        );
    (args.publicAccessCidrs ?? []).forEach((c, i) => {
        if (!parseCidr(c)) problems.push(`args.publicAccessCidrs[${i}] "${c}" is not an IPv4 CIDR`);
        else if (c.endsWith("/0"))
            problems.push(
                `args.publicAccessCidrs[${i}] "${c}": the public endpoint must never be open to the whole internet`,
            );
    });
    (args.peerVpcCidrs ?? []).forEach((c, i) => {
        if (!parseCidr(c)) problems.push(`args.peerVpcCidrs[${i}] "${c}" is not an IPv4 CIDR`);
    });
    (args.deployerCidrs ?? []).forEach((c, i) => {
        if (!parseCidr(c)) problems.push(`args.deployerCidrs[${i}] "${c}" is not an IPv4 CIDR`);
        else if (parseCidr(c)?.prefix === 0)
            problems.push(`args.deployerCidrs[${i}] "${c}": never admit the whole internet`);
    });
    if (args.serviceCidr !== undefined) {
        const shape = eksServiceCidrShapeProblem(args.serviceCidr);
        if (shape) problems.push(`args.serviceCidr "${args.serviceCidr}" ${shape}`);
        else if (cidrsOverlap(args.serviceCidr, args.network.vpcCidr))
            problems.push(
                `args.serviceCidr "${args.serviceCidr}" overlaps args.network.vpcCidr "${args.network.vpcCidr}"`,
            );
    }
    if (!CLOUDWATCH_RETENTION_DAYS.includes(args.logRetentionDays))
        problems.push(
            `args.logRetentionDays ${args.logRetentionDays} is not a CloudWatch Logs retention; allowed: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
        );
    for (const role of ["system", "workloads"] as const) {
        const sizing = args.nodeGroups[role];
        problems.push(...nodeGroupSizingProblems(`args.nodeGroups.${role}`, sizing));
        if (new Set(sizing.instanceTypes.map(isArm)).size > 1) {
            problems.push(
                `args.nodeGroups.${role}.instanceTypes mixes ARM (Graviton) and x86 (${sizing.instanceTypes.join(", ")}); one node group takes one architecture`,
            );
        }
    }
    if (args.nodeGroups.system.capacityType !== "ON_DEMAND")
        problems.push(
            `args.nodeGroups.system.capacityType must be ON_DEMAND (critical add-ons run there; got ${args.nodeGroups.system.capacityType})`,
        );
    const replicas = args.controllerReplicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1)
        problems.push(`args.controllerReplicas must be a positive integer (got ${replicas})`);
    if (!/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(args.clusterName))
        problems.push(
            `args.clusterName "${args.clusterName}" is not an EKS cluster name (1-100 letters, digits, "-", "_")`,
        );
    return problems;
}
