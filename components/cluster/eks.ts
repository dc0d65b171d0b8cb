/**
 * One region's EKS cluster, built from first-party `aws.*` resources so every child is visible to the
 * tests and the policy packs:
 * - secrets envelope-encrypted with a dedicated KMS key (rotation on);
 * - private endpoint always on; public endpoint off, or limited to the configured CIDRs;
 * - all control plane log types, into a log group with a retention (created before the cluster);
 * - access entries (authentication mode API) with the admin role as cluster admin;
 * - an IAM OIDC provider for IRSA, pinned managed add-ons (vpc-cni and the EBS CSI driver with IRSA);
 * - managed node groups `system` (on-demand, tainted CriticalAddonsOnly) and `workloads`;
 * - the AWS Load Balancer Controller (official chart, pinned, IRSA).
 *
 * Deploying: the cluster trusts only the admin role (no implicit creator entry); the kubeconfig (and so
 * the Kubernetes provider) assumes `args.adminRoleArn` with `aws eks get-token --role-arn`, so the
 * deploying identity needs sts:AssumeRole on it. Without `publicAccessCidrs` the API is private: it is
 * reached from `args.deployerCidrs` (admitted on 443) over a route the composition provides (the
 * management VPC peering, `args.apiRouteReady`). See docs/deploy.md.
 *
 * Longer than the house's 400 lines on purpose: it declares one cluster in deploy order, and every step
 * shares the cluster, its roles and its two providers. The args and their checks (eks-args.ts) and the
 * node groups (eks-nodegroup.ts) live apart; splitting the rest would pass those handles around.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { NodeGroupSizing } from "./sizing";
import { cidrSlug } from "../../lib/cidr";
import { eksAmiType, eksClusterArgProblems, EksClusterArgs } from "./eks-args";
import { eksDefaultServiceCidr } from "./service-cidr";
import type { ClusterInfo } from "../types";
import { withTags } from "../types";
import { IdentityCluster, policyAttachmentNames, WorkloadIdentity } from "./identity";
import { eksKubeconfig } from "./kubeconfig";
import { LbController } from "./lb-controller";
import { ClusterAutoscaler } from "./cluster-autoscaler";
import { eksNodeGroup, NodeRole, nodeVolumeKeyPolicy, SYSTEM_TAINT } from "./eks-nodegroup";

export { EKS_IMDS_HOP_LIMIT, SYSTEM_TAINT } from "./eks-nodegroup";
import { EKS_ADDON_VERSIONS, EKS_LOG_TYPES, EksAddonName, METRICS_SERVER_CHART } from "./versions";

export { eksAmiType, eksClusterArgProblems };
export type { EksClusterArgs, EksClusterNetwork } from "./eks-args";

/** Name of the default StorageClass on EKS (physical name fixed: claims and runbooks refer to it). */
export const DEFAULT_STORAGE_CLASS = "gp3-encrypted";

export const EKS_ADMIN_POLICY_ARN =
    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/**
 * Managed policies of the node role, attached by ARN (the names do not depend on the order). Keep this
 * order until every stack has deployed the ARN-named attachments: their aliases to the old index-based
 * names (`<name>-nodes-<i>`) follow it.
 */
export const EKS_NODE_POLICY_ARNS: readonly string[] = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
];

/** What the control plane role may do with the secrets key (the actions EKS uses it for). */
export function eksSecretsKeyPolicy(keyArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                Resource: keyArn,
            },
        ],
    };
}

/** One ingress rule of the API security group. */
export interface ApiIngressRule {
    /** Logical name, by content: `<cluster>-api-<cidr slug>`. */
    readonly name: string;
    readonly cidr: string;
    readonly description: string;
    /** The index-based name the rule had before rules were named by content (none for new sources). */
    readonly alias?: string;
}

/**
 * The API security group's ingress rules on 443: this VPC, the peered platform VPCs (their istiod) and
 * the deployer network, one rule per distinct CIDR, named by the CIDR.
 */
export function apiIngressRules(
    name: string,
    vpcCidr: string,
    peerVpcCidrs: readonly string[] = [],
    deployerCidrs: readonly string[] = [],
): ApiIngressRule[] {
    const rules: ApiIngressRule[] = [];
    const seen = new Set<string>();
    const push = (cidr: string, description: string, alias?: string) => {
        if (seen.has(cidr)) return;
        seen.add(cidr);
        rules.push({ name: `${name}-api-${cidrSlug(cidr)}`, cidr, description, alias });
    };
    [vpcCidr, ...peerVpcCidrs].forEach((cidr, i) =>
        push(cidr, i === 0 ? "this VPC" : "peered platform VPC", `${name}-api-${i}`),
    );
    deployerCidrs.forEach((cidr) => push(cidr, "deployer network (pulumi up, CI runners)"));
    return rules;
}

const assumeRole = (service: string) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: ["sts:AssumeRole", "sts:TagSession"],
            },
        ],
    });

export class EksCluster extends pulumi.ComponentResource {
    readonly info: ClusterInfo;
    readonly cluster: aws.eks.Cluster;
    readonly kmsKey: aws.kms.Key;
    /** KMS key of the nodes' EBS root volumes (its policy admits the Auto Scaling service-linked role). */
    readonly nodeVolumeKey: aws.kms.Key;
    readonly nodeGroups: aws.eks.NodeGroup[];
    readonly addons: Record<EksAddonName, aws.eks.Addon>;
    /** The cluster's default StorageClass (encrypted gp3). */
    readonly defaultStorageClass: k8s.storage.v1.StorageClass;
    /** metrics-server (the HPAs' resource metrics). */
    readonly metricsServer: k8s.helm.v3.Release;

    constructor(
        name: string,
        args: EksClusterArgs,
        opts: pulumi.ComponentResourceOptions & { provider: aws.Provider },
    ) {
        super("mesh-platform:cluster:EksCluster", name, {}, opts);
        const problems = eksClusterArgProblems(args);
        if (problems.length > 0) throw new Error(`EksCluster ${name}: ${problems.join("; ")}`);
        const provider = opts.provider;
        const child = { parent: this, provider };
        const baseTags = args.tags ?? {};
        const tags = (extra: Record<string, string> = {}) => withTags(baseTags, extra);
        const versions = EKS_ADDON_VERSIONS[args.version];
        const protect = args.protect ?? true;
        const publicAccessCidrs = args.publicAccessCidrs ?? [];
        const controllerReplicas = args.controllerReplicas ?? 2;
        const net = args.network;

        // ---- secrets encryption key (stateful: losing it loses every secret in etcd)
        this.kmsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `EKS secrets envelope encryption for ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags: tags(),
            },
            { ...child, protect },
        );

        // ---- control plane role
        const clusterRole = new aws.iam.Role(
            `${name}-cluster`,
            {
                description: `EKS control plane of ${args.clusterName}`,
                assumeRolePolicy: assumeRole("eks.amazonaws.com"),
                tags: tags(),
            },
            child,
        );
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster-policy`,
            {
                role: clusterRole.name,
                policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
            },
            child,
        );
        // The key keeps the default key policy (the account's IAM policies decide), so the control
        // plane role needs its own grant to use it: EKS calls KMS as this role for envelope
        // encryption and for its periodic key health checks (ListGrants, DescribeKey).
        const clusterKmsPolicy = new aws.iam.RolePolicy(
            `${name}-cluster-kms`,
            {
                role: clusterRole.name,
                policy: this.kmsKey.arn.apply((keyArn) =>
                    JSON.stringify(eksSecretsKeyPolicy(keyArn)),
                ),
            },
            child,
        );

        // ---- log group first, so EKS writes into it (with our retention) instead of creating its own
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane`,
            {
                // Fixed by EKS: /aws/eks/<cluster-name>/cluster.
                name: `/aws/eks/${args.clusterName}/cluster`,
                retentionInDays: args.logRetentionDays,
                tags: tags(),
            },
            child,
        );

        // ---- API server reachable on 443 from this VPC and the peered VPCs (remote istiod)
        const apiSg = new aws.ec2.SecurityGroup(
            `${name}-api`,
            {
                vpcId: net.vpcId,
                description: `Private API access to ${args.clusterName} from the platform VPCs`,
                tags: tags({ Name: `${name}-api` }),
            },
            child,
        );
        // One rule per source CIDR, named by the CIDR (not by list position: inserting a peer or a
        // deployer range must not rename, and so replace, the rules after it). The rules used to be
        // named `${name}-api-<index>` over [this VPC, ...peers]: aliases keep those in place.
        for (const rule of apiIngressRules(
            name,
            net.vpcCidr,
            args.peerVpcCidrs,
            args.deployerCidrs,
        )) {
            new aws.vpc.SecurityGroupIngressRule(
                rule.name,
                {
                    securityGroupId: apiSg.id,
                    cidrIpv4: rule.cidr,
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    description: rule.description,
                    tags: tags(),
                },
                { ...child, ...(rule.alias ? { aliases: [{ name: rule.alias }] } : {}) },
            );
        }

        const publicAccess = publicAccessCidrs.length > 0;
        this.cluster = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: args.version,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: net.privateSubnetIds,
                    securityGroupIds: [apiSg.id],
                    endpointPrivateAccess: true,
                    endpointPublicAccess: publicAccess,
                    ...(publicAccess
                        ? {
                              publicAccessCidrs: [
                                  ...publicAccessCidrs,
                                  ...(args.peerNatIps ?? []).map(
                                      (ip) => pulumi.interpolate`${ip}/32`,
                                  ),
                              ],
                          }
                        : {}),
                },
                encryptionConfig: { provider: { keyArn: this.kmsKey.arn }, resources: ["secrets"] },
                // Explicit, so it is checked against the peered ranges (config rules); the default is
                // what EKS assigns without one, so clusters created before keep theirs (no replace).
                kubernetesNetworkConfig: {
                    ipFamily: "ipv4",
                    serviceIpv4Cidr: args.serviceCidr ?? eksDefaultServiceCidr(net.vpcCidr),
                },
                enabledClusterLogTypes: [...EKS_LOG_TYPES],
                accessConfig: {
                    authenticationMode: "API",
                    // The admin role gets an explicit access entry below; an implicit creator entry would
                    // collide with it when `pulumi up` runs as that role.
                    bootstrapClusterCreatorAdminPermissions: false,
                },
                // Add-ons are installed as pinned EKS managed add-ons below.
                bootstrapSelfManagedAddons: false,
                upgradePolicy: { supportType: args.supportType ?? "STANDARD" },
                deletionProtection: protect,
                tags: tags(),
            },
            { ...child, protect, dependsOn: [clusterPolicy, clusterKmsPolicy, logGroup] },
        );
        const cluster = this.cluster;

        // ---- access: the admin role is cluster admin
        const adminEntry = new aws.eks.AccessEntry(
            `${name}-admin`,
            {
                clusterName: cluster.name,
                principalArn: args.adminRoleArn,
                type: "STANDARD",
                tags: tags(),
            },
            child,
        );
        const adminPolicy = new aws.eks.AccessPolicyAssociation(
            `${name}-admin`,
            {
                clusterName: cluster.name,
                principalArn: adminEntry.principalArn,
                policyArn: EKS_ADMIN_POLICY_ARN,
                accessScope: { type: "cluster" },
            },
            child,
        );

        // ---- IRSA
        const issuerUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
        const oidc = new aws.iam.OpenIdConnectProvider(
            `${name}-oidc`,
            {
                url: issuerUrl,
                clientIdLists: ["sts.amazonaws.com"],
                tags: tags(),
            },
            child,
        );
        const oidcIssuer = issuerUrl.apply((u) => u.replace(/^https:\/\//, ""));
        const identityTarget: IdentityCluster = {
            name: args.regionName,
            cloud: "aws",
            tags: baseTags,
            oidcIssuer,
            oidcProviderArn: oidc.arn,
            awsProvider: provider,
        };
        const irsa = (role: string, namespace: string, serviceAccount: string, policyArn: string) =>
            new WorkloadIdentity(
                `${name}-${role}`,
                {
                    cluster: identityTarget,
                    namespace,
                    serviceAccount,
                    aws: { managedPolicyArns: [policyArn] },
                },
                { parent: this },
            );

        const addon = (
            addonName: EksAddonName,
            deps: pulumi.Resource[],
            serviceAccountRoleArn?: pulumi.Input<string>,
        ) =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                {
                    clusterName: cluster.name,
                    addonName,
                    addonVersion: versions[addonName],
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    ...(serviceAccountRoleArn ? { serviceAccountRoleArn } : {}),
                    tags: tags(),
                },
                { ...child, dependsOn: deps },
            );

        // Networking add-ons go first: nodes only become Ready once the CNI runs.
        const cniRole = irsa(
            "vpc-cni",
            "kube-system",
            "aws-node",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        );
        const vpcCni = addon("vpc-cni", [], cniRole.roleArn);
        const kubeProxy = addon("kube-proxy", []);

        // ---- node groups
        const nodeRole = new aws.iam.Role(
            `${name}-nodes`,
            {
                description: `EKS managed nodes of ${args.clusterName}`,
                assumeRolePolicy: assumeRole("ec2.amazonaws.com"),
                tags: tags(),
            },
            child,
        );
        // Named by ARN, aliased from the index-based names they had (see policyAttachmentNames).
        const nodePolicies = policyAttachmentNames(`${name}-nodes`, EKS_NODE_POLICY_ARNS).map(
            (a) =>
                new aws.iam.RolePolicyAttachment(
                    a.name,
                    { role: nodeRole.name, policyArn: a.policyArn },
                    { ...child, aliases: [{ name: a.alias }] },
                ),
        );

        // ---- node volume key (stateful: the nodes' root volumes are encrypted with it)
        const accountId = aws.getCallerIdentityOutput({}, child).accountId;
        this.nodeVolumeKey = new aws.kms.Key(
            `${name}-node-volumes`,
            {
                description: `EBS root volumes of the nodes of ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: accountId.apply((id) => nodeVolumeKeyPolicy(id)),
                tags: tags(),
            },
            { ...child, protect },
        );
        const nodeGroup = (role: NodeRole, sizing: NodeGroupSizing) =>
            eksNodeGroup(
                {
                    name,
                    role,
                    sizing,
                    cluster,
                    clusterName: args.clusterName,
                    nodeRoleArn: nodeRole.arn,
                    subnetIds: net.privateSubnetIds,
                    tags: tags({ "node-role": role }),
                    dependsOn: [...nodePolicies, vpcCni, kubeProxy],
                    volumeKmsKeyArn: this.nodeVolumeKey.arn,
                },
                child,
            );
        this.nodeGroups = [
            nodeGroup("system", args.nodeGroups.system),
            nodeGroup("workloads", args.nodeGroups.workloads),
        ];

        // Add-ons with pods need nodes to become ACTIVE.
        const coredns = addon("coredns", this.nodeGroups);
        const ebsRole = irsa(
            "ebs-csi",
            "kube-system",
            "ebs-csi-controller-sa",
            "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        );
        const ebsCsi = addon("aws-ebs-csi-driver", this.nodeGroups, ebsRole.roleArn);
        this.addons = {
            "vpc-cni": vpcCni,
            "kube-proxy": kubeProxy,
            coredns,
            "aws-ebs-csi-driver": ebsCsi,
        };

        // ---- kubeconfig and Kubernetes provider
        const kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) =>
                    eksKubeconfig(
                        args.regionName,
                        clusterName,
                        args.cloudRegion,
                        endpoint,
                        ca.data,
                        args.adminRoleArn,
                    ),
                ),
        );
        // enableSecretMutable: a change to a Secret's data (CA rotation in cacerts, a new reader token in a
        // remote secret) is an in-place update, not delete-then-create, which would leave istiod without it.
        const k8sProvider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig, enableServerSideApply: true, enableSecretMutable: true },
            // The provider authenticates as the admin role (access entry + policy) and reaches the
            // private endpoint over the deployer's route (management peering): both must exist first.
            { parent: this, dependsOn: [adminPolicy, ...(args.apiRouteReady ?? [])] },
        );

        // EKS (1.30+) marks no StorageClass as default, so every claim that names no class (Prometheus,
        // Alertmanager, Elasticsearch, Jaeger) would stay Pending. The platform's default: encrypted gp3
        // on the EBS CSI driver, bound where the pod lands (volumes are zonal), expandable in place.
        this.defaultStorageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: {
                    name: DEFAULT_STORAGE_CLASS,
                    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
                },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
                reclaimPolicy: "Delete",
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
            },
            { parent: this, provider: k8sProvider, dependsOn: [ebsCsi] },
        );

        // Resource metrics for the HPAs (istiod, gateways): EKS does not run metrics-server by itself.
        this.metricsServer = new k8s.helm.v3.Release(
            `${name}-metrics-server`,
            {
                name: "metrics-server",
                chart: METRICS_SERVER_CHART.chart,
                version: METRICS_SERVER_CHART.version,
                repositoryOpts: { repo: METRICS_SERVER_CHART.repo },
                namespace: "kube-system",
                atomic: true,
                values: {
                    replicas: controllerReplicas,
                    podDisruptionBudget: { enabled: controllerReplicas > 1, maxUnavailable: 1 },
                    nodeSelector: { "node-role": "system" },
                    tolerations: [
                        { key: SYSTEM_TAINT.key, operator: "Exists", effect: "NoSchedule" },
                    ],
                },
            },
            { parent: this, provider: k8sProvider, dependsOn: [...this.nodeGroups, coredns] },
        );

        // What Kubernetes workloads wait for: nodes that run pods (the CNI and kube-proxy make them
        // Ready), cluster DNS, and the default StorageClass with its CSI driver (claims that name no
        // class would stay Pending otherwise). metrics-server is not in it: an HPA can be created
        // before the metrics API exists (it reports <unknown> until then), so nothing waits for it.
        const coreReady: pulumi.Resource[] = [
            ...this.nodeGroups,
            vpcCni,
            kubeProxy,
            coredns,
            ebsCsi,
            this.defaultStorageClass,
        ];
        // The controller needs running nodes (its pods), the CNI and kube-proxy (the API server reaches
        // its webhook through a Service), and coredns (it resolves the regional AWS API endpoints).
        // It needs neither metrics-server nor the EBS driver: those edges were false and serialised
        // ~2 min each onto the first deploy.
        const lb = new LbController(
            `${name}-lb-controller`,
            {
                cluster: identityTarget,
                clusterName: cluster.name,
                region: args.cloudRegion,
                vpcId: net.vpcId,
                k8sProvider,
                replicas: controllerReplicas,
                dependsOn: [...this.nodeGroups, vpcCni, kubeProxy, coredns],
            },
            { parent: this },
        );

        // Same needs as the LB controller (running nodes, CNI, DNS for the AWS APIs); nothing waits for it.
        new ClusterAutoscaler(
            `${name}-cluster-autoscaler`,
            {
                cluster: identityTarget,
                clusterName: args.clusterName,
                kubernetesVersion: args.version,
                region: args.cloudRegion,
                k8sProvider,
                replicas: controllerReplicas,
                dependsOn: [...this.nodeGroups, vpcCni, kubeProxy, coredns],
            },
            { parent: this },
        );

        this.info = {
            name: args.regionName,
            cloud: "aws",
            cloudRegion: args.cloudRegion,
            primary: args.primary,
            network: `network-${args.regionName}`,
            clusterName: cluster.name,
            endpoint: cluster.endpoint,
            certificateAuthority: cluster.certificateAuthority.apply((c) => c.data),
            oidcIssuer,
            oidcProviderArn: oidc.arn,
            kubeconfig,
            provider: k8sProvider,
            awsProvider: provider,
            ready: coreReady,
            // LoadBalancer Services (the mesh gateways) must wait for the controller: its mutating
            // webhook claims them; created earlier, the legacy in-tree controller would make a Classic LB.
            loadBalancersReady: [...coreReady, lb.release],
            tags: baseTags,
        };
        this.registerOutputs({
            clusterName: cluster.name,
            endpoint: cluster.endpoint,
            oidcProviderArn: oidc.arn,
            kubeconfig,
        });
    }
}
