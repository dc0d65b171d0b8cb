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
 * Deploying: the cluster trusts only the admin role (no implicit creator entry), so `pulumi up` runs as
 * (or assumes) `kubernetes.adminRoleArn`; in prod the API is private, so it runs from a machine with a
 * route into the VPC (CI runner in the VPC, VPN, or a peered network).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { RegionConfig } from "../../config";
import type { NodeGroupSizing } from "./sizing";
import type { AwsNetwork } from "../network/aws-network";
import type { ClusterInfo } from "../types";
import { withTags } from "../types";
import { IdentityCluster, WorkloadIdentity } from "./identity";
import { eksKubeconfig } from "./kubeconfig";
import { LbController } from "./lb-controller";
import { EKS_ADDON_VERSIONS, EKS_LOG_TYPES, EksAddonName, METRICS_SERVER_CHART } from "./versions";

export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true" } as const;
/** Name of the default StorageClass on EKS (physical name fixed: claims and runbooks refer to it). */
export const DEFAULT_STORAGE_CLASS = "gp3-encrypted";

export const EKS_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

export interface EksClusterArgs {
    readonly region: RegionConfig;
    /** Physical cluster name (fixed: EKS derives the control plane log group name from it). */
    readonly clusterName: string;
    readonly version: string;
    readonly adminRoleArn: string;
    /** Empty: public endpoint off. Otherwise the only CIDRs allowed to reach it. */
    readonly publicAccessCidrs: readonly string[];
    /** CIDRs of the peered VPCs of the other regions: their istiod reaches this private endpoint. */
    readonly peerVpcCidrs: readonly string[];
    /**
     * NAT egress addresses of the other regions. When the public endpoint is on, the endpoint name
     * resolves to public addresses outside this VPC, so the peers' istiod arrives from these: they join
     * the public allow-list as /32s. Unused when the endpoint is private only (prod).
     */
    readonly peerNatIps: readonly pulumi.Input<string>[];
    readonly logRetentionDays: number;
    readonly nodeGroups: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    /** Replicas of the load balancer controller. */
    readonly controllerReplicas: number;
    readonly protect: boolean;
    readonly network: AwsNetwork;
    readonly tags: Record<string, string>;
}

/** Graviton instance families (m6g, c7g, ...) need the ARM AMI. */
export function eksAmiType(instanceTypes: readonly string[]): "AL2023_ARM_64_STANDARD" | "AL2023_x86_64_STANDARD" {
    const arm = instanceTypes.map((t) => /^[a-z]+\d+g[a-z]*\./.test(t));
    if (arm.some((a) => a !== arm[0])) throw new Error(`instance types ${instanceTypes.join(", ")} mix ARM (Graviton) and x86; one node group takes one architecture`);
    return arm[0] ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** What the control plane role may do with the secrets key (the actions EKS uses it for). */
export function eksSecretsKeyPolicy(keyArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: keyArn }],
    };
}

const assumeRole = (service: string) => JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
});

export class EksCluster extends pulumi.ComponentResource {
    readonly info: ClusterInfo;
    readonly cluster: aws.eks.Cluster;
    readonly kmsKey: aws.kms.Key;
    readonly nodeGroups: aws.eks.NodeGroup[];
    readonly addons: Record<EksAddonName, aws.eks.Addon>;
    /** The cluster's default StorageClass (encrypted gp3). */
    readonly defaultStorageClass: k8s.storage.v1.StorageClass;
    /** metrics-server (the HPAs' resource metrics). */
    readonly metricsServer: k8s.helm.v3.Release;

    constructor(name: string, args: EksClusterArgs, opts: pulumi.ComponentResourceOptions & { provider: aws.Provider }) {
        super("mesh-platform:cluster:EksCluster", name, {}, opts);
        const provider = opts.provider;
        const child = { parent: this, provider };
        const tags = (extra: Record<string, string> = {}) => withTags(args.tags, extra);
        const versions = EKS_ADDON_VERSIONS[args.version];
        if (!versions) throw new Error(`EksCluster ${name}: no pinned add-on versions for Kubernetes ${args.version}; known: ${Object.keys(EKS_ADDON_VERSIONS).join(", ")}`);
        if (args.publicAccessCidrs.some((c) => c.endsWith("/0"))) throw new Error(`EksCluster ${name}: the public endpoint must never be open to ${args.publicAccessCidrs.join(", ")}`);
        const net = args.network;

        // ---- secrets encryption key (stateful: losing it loses every secret in etcd)
        this.kmsKey = new aws.kms.Key(`${name}-secrets`, {
            description: `EKS secrets envelope encryption for ${args.clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: tags(),
        }, { ...child, protect: args.protect });

        // ---- control plane role
        const clusterRole = new aws.iam.Role(`${name}-cluster`, {
            description: `EKS control plane of ${args.clusterName}`,
            assumeRolePolicy: assumeRole("eks.amazonaws.com"),
            tags: tags(),
        }, child);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, {
            role: clusterRole.name,
            policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        }, child);
        // The key keeps the default key policy (the account's IAM policies decide), so the control
        // plane role needs its own grant to use it: EKS calls KMS as this role for envelope
        // encryption and for its periodic key health checks (ListGrants, DescribeKey).
        const clusterKmsPolicy = new aws.iam.RolePolicy(`${name}-cluster-kms`, {
            role: clusterRole.name,
            policy: this.kmsKey.arn.apply((keyArn) => JSON.stringify(eksSecretsKeyPolicy(keyArn))),
        }, child);

        // ---- log group first, so EKS writes into it (with our retention) instead of creating its own
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
            // Fixed by EKS: /aws/eks/<cluster-name>/cluster.
            name: `/aws/eks/${args.clusterName}/cluster`,
            retentionInDays: args.logRetentionDays,
            tags: tags(),
        }, child);

        // ---- API server reachable on 443 from this VPC and the peered VPCs (remote istiod)
        const apiSg = new aws.ec2.SecurityGroup(`${name}-api`, {
            vpcId: net.vpcId,
            description: `Private API access to ${args.clusterName} from the platform VPCs`,
            tags: tags({ Name: `${name}-api` }),
        }, child);
        [net.vpcCidr, ...args.peerVpcCidrs].forEach((cidr, i) => new aws.vpc.SecurityGroupIngressRule(`${name}-api-${i}`, {
            securityGroupId: apiSg.id,
            cidrIpv4: cidr,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: i === 0 ? "this VPC" : "peered platform VPC",
            tags: tags(),
        }, child));

        const publicAccess = args.publicAccessCidrs.length > 0;
        this.cluster = new aws.eks.Cluster(`${name}-eks`, {
            name: args.clusterName,
            version: args.version,
            roleArn: clusterRole.arn,
            vpcConfig: {
                subnetIds: net.privateSubnetIds,
                securityGroupIds: [apiSg.id],
                endpointPrivateAccess: true,
                endpointPublicAccess: publicAccess,
                ...(publicAccess ? { publicAccessCidrs: [...args.publicAccessCidrs, ...args.peerNatIps.map((ip) => pulumi.interpolate`${ip}/32`)] } : {}),
            },
            encryptionConfig: { provider: { keyArn: this.kmsKey.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: [...EKS_LOG_TYPES],
            accessConfig: {
                authenticationMode: "API",
                // The admin role gets an explicit access entry below; an implicit creator entry would
                // collide with it when `pulumi up` runs as that role.
                bootstrapClusterCreatorAdminPermissions: false,
            },
            // Add-ons are installed as pinned EKS managed add-ons below.
            bootstrapSelfManagedAddons: false,
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: args.protect,
            tags: tags(),
        }, { ...child, protect: args.protect, dependsOn: [clusterPolicy, clusterKmsPolicy, logGroup] });
        const cluster = this.cluster;

        // ---- access: the admin role is cluster admin
        const adminEntry = new aws.eks.AccessEntry(`${name}-admin`, {
            clusterName: cluster.name,
            principalArn: args.adminRoleArn,
            type: "STANDARD",
            tags: tags(),
        }, child);
        const adminPolicy = new aws.eks.AccessPolicyAssociation(`${name}-admin`, {
            clusterName: cluster.name,
            principalArn: adminEntry.principalArn,
            policyArn: EKS_ADMIN_POLICY_ARN,
            accessScope: { type: "cluster" },
        }, child);

        // ---- IRSA
        const issuerUrl = cluster.identities.apply((ids) => ids[0].oidcs![0].issuer!);
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: issuerUrl,
            clientIdLists: ["sts.amazonaws.com"],
            tags: tags(),
        }, child);
        const oidcIssuer = issuerUrl.apply((u) => u.replace(/^https:\/\//, ""));
        const identityTarget: IdentityCluster = {
            name: args.region.name,
            cloud: "aws",
            tags: args.tags,
            oidcIssuer,
            oidcProviderArn: oidc.arn,
            awsProvider: provider,
        };
        const irsa = (role: string, namespace: string, serviceAccount: string, policyArn: string) =>
            new WorkloadIdentity(`${name}-${role}`, { cluster: identityTarget, namespace, serviceAccount, aws: { managedPolicyArns: [policyArn] } }, { parent: this });

        const addon = (addonName: EksAddonName, deps: pulumi.Resource[], serviceAccountRoleArn?: pulumi.Input<string>) =>
            new aws.eks.Addon(`${name}-${addonName}`, {
                clusterName: cluster.name,
                addonName,
                addonVersion: versions[addonName],
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                ...(serviceAccountRoleArn ? { serviceAccountRoleArn } : {}),
                tags: tags(),
            }, { ...child, dependsOn: deps });

        // Networking add-ons go first: nodes only become Ready once the CNI runs.
        const cniRole = irsa("vpc-cni", "kube-system", "aws-node", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
        const vpcCni = addon("vpc-cni", [], cniRole.roleArn);
        const kubeProxy = addon("kube-proxy", []);

        // ---- node groups
        const nodeRole = new aws.iam.Role(`${name}-nodes`, {
            description: `EKS managed nodes of ${args.clusterName}`,
            assumeRolePolicy: assumeRole("ec2.amazonaws.com"),
            tags: tags(),
        }, child);
        const nodePolicies = [
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ].map((policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-nodes-${i}`, { role: nodeRole.name, policyArn }, child));

        const nodeGroup = (role: "system" | "workloads", sizing: NodeGroupSizing) => {
            // Launch template: IMDSv2 only, encrypted gp3 root volume, and the stack's tags on the
            // instances, volumes and network interfaces (node group tags do not reach them).
            const roleTags = tags({ "node-role": role });
            const template = new aws.ec2.LaunchTemplate(`${name}-${role}`, {
                description: `${role} nodes of ${args.clusterName}`,
                updateDefaultVersion: true,
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
                blockDeviceMappings: [{
                    deviceName: "/dev/xvda",
                    ebs: { volumeSize: sizing.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                }],
                tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: roleTags })),
                tags: roleTags,
            }, child);
            return new aws.eks.NodeGroup(`${name}-${role}`, {
                clusterName: cluster.name,
                nodeRoleArn: nodeRole.arn,
                subnetIds: net.privateSubnetIds,
                instanceTypes: [...sizing.instanceTypes],
                amiType: eksAmiType(sizing.instanceTypes),
                capacityType: sizing.capacityType,
                launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
                scalingConfig: { minSize: sizing.minSize, maxSize: sizing.maxSize, desiredSize: sizing.desiredSize },
                updateConfig: { maxUnavailable: 1 },
                labels: { "node-role": role },
                taints: role === "system" ? [{ ...SYSTEM_TAINT, effect: "NO_SCHEDULE" }] : [],
                tags: roleTags,
            }, { ...child, dependsOn: [...nodePolicies, vpcCni, kubeProxy], ignoreChanges: ["scalingConfig.desiredSize"] });
        };
        this.nodeGroups = [nodeGroup("system", args.nodeGroups.system), nodeGroup("workloads", args.nodeGroups.workloads)];

        // Add-ons with pods need nodes to become ACTIVE.
        const coredns = addon("coredns", this.nodeGroups);
        const ebsRole = irsa("ebs-csi", "kube-system", "ebs-csi-controller-sa", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
        const ebsCsi = addon("aws-ebs-csi-driver", this.nodeGroups, ebsRole.roleArn);
        this.addons = { "vpc-cni": vpcCni, "kube-proxy": kubeProxy, coredns, "aws-ebs-csi-driver": ebsCsi };

        // ---- kubeconfig and Kubernetes provider
        const kubeconfig = pulumi.secret(pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
            .apply(([clusterName, endpoint, ca]) => eksKubeconfig(args.region.name, clusterName, args.region.region, endpoint, ca.data!)));
        // enableSecretMutable: a change to a Secret's data (CA rotation in cacerts, a new reader token in a
        // remote secret) is an in-place update, not delete-then-create, which would leave istiod without it.
        const k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true, enableSecretMutable: true }, { parent: this, dependsOn: [adminPolicy] });

        // EKS (1.30+) marks no StorageClass as default, so every claim that names no class (Prometheus,
        // Alertmanager, Elasticsearch, Jaeger) would stay Pending. The platform's default: encrypted gp3
        // on the EBS CSI driver, bound where the pod lands (volumes are zonal), expandable in place.
        this.defaultStorageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
            metadata: {
                name: DEFAULT_STORAGE_CLASS,
                annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
            reclaimPolicy: "Delete",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        }, { parent: this, provider: k8sProvider, dependsOn: [ebsCsi] });

        // Resource metrics for the HPAs (istiod, gateways): EKS does not run metrics-server by itself.
        this.metricsServer = new k8s.helm.v3.Release(`${name}-metrics-server`, {
            name: "metrics-server",
            chart: METRICS_SERVER_CHART.chart,
            version: METRICS_SERVER_CHART.version,
            repositoryOpts: { repo: METRICS_SERVER_CHART.repo },
            namespace: "kube-system",
            atomic: true,
            values: {
                replicas: args.controllerReplicas,
                podDisruptionBudget: { enabled: args.controllerReplicas > 1, maxUnavailable: 1 },
                nodeSelector: { "node-role": "system" },
                tolerations: [{ key: SYSTEM_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
            },
        }, { parent: this, provider: k8sProvider, dependsOn: [...this.nodeGroups, coredns] });

        const coreReady: pulumi.Resource[] = [...this.nodeGroups, vpcCni, kubeProxy, coredns, ebsCsi, this.defaultStorageClass, this.metricsServer];
        const lb = new LbController(`${name}-lb-controller`, {
            cluster: identityTarget,
            clusterName: cluster.name,
            region: args.region.region,
            vpcId: net.vpcId,
            k8sProvider,
            replicas: args.controllerReplicas,
            dependsOn: coreReady,
        }, { parent: this });

        this.info = {
            name: args.region.name,
            cloud: "aws",
            cloudRegion: args.region.region,
            primary: args.region.primary,
            network: `network-${args.region.name}`,
            clusterName: cluster.name,
            endpoint: cluster.endpoint,
            certificateAuthority: cluster.certificateAuthority.apply((c) => c.data!),
            oidcIssuer,
            oidcProviderArn: oidc.arn,
            kubeconfig,
            provider: k8sProvider,
            awsProvider: provider,
            // Mesh gateways create LoadBalancer Services: the controller's webhook must be up first.
            ready: [...coreReady, lb.release],
            tags: args.tags,
        };
        this.registerOutputs({
            clusterName: cluster.name,
            endpoint: cluster.endpoint,
            oidcProviderArn: oidc.arn,
            kubeconfig,
        });
    }
}
