/**
 * One region's GKE Standard cluster:
 * - VPC-native (alias IPs from the subnetwork's `pods` / `services` secondary ranges);
 * - private nodes (no external IPs; egress through Cloud NAT); the control plane endpoint is public
 *   but only reachable from the master authorized networks: this region's subnet, every region's
 *   Cloud NAT egress addresses (so the other regions' istiod can read this API server, which
 *   multi-primary needs) and `args.publicAccessCidrs`;
 * - Workload Identity, shielded nodes with secure boot and integrity monitoring, a release channel,
 *   system + workload logging and managed Prometheus;
 * - node pools `system` (tainted CriticalAddonsOnly) and `workloads`, autoscaled, on spot capacity when the sizing asks for it.
 *
 * Dataplane: GKE Dataplane V2 (`ADVANCED_DATAPATH`, eBPF/Cilium). Istio sidecars capture traffic with
 * iptables inside each pod's network namespace (istio-init, or the istio-cni node agent, which on GKE
 * needs `global.platform=gke` because GKE keeps CNI binaries in /home/kubernetes/bin); Dataplane V2
 * works below that at the node, and Google's own Istio distribution (Cloud Service Mesh) runs sidecars
 * on Dataplane V2 clusters. Network policy enforcement is built in, so no Calico add-on is enabled.
 * Istio's sidecar injector webhook listens on 15017: private clusters need a firewall rule from the
 * control plane range to the nodes for it (created below).
 *
 * Longer than the house's 400 lines on purpose: it declares one cluster in deploy order (KMS key, node
 * service account, cluster, node pools, kubeconfig), and every step shares the cluster and its provider.
 */
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { parseCidr } from "../../lib/cidr";
import { nodeGroupSizingProblems, NodeGroupSizing } from "./sizing";
import { GKE_PODS_RANGE, GKE_SERVICES_RANGE, GcpNetwork } from "../network/gcp-network";
import type { ClusterInfo } from "../types";
import { gcpAccountId } from "./identity";
import { gkeKubeconfig } from "./kubeconfig";
import { SYSTEM_TAINT } from "./eks";

export const GKE_DATAPATH = "ADVANCED_DATAPATH";
/** Least-privilege roles of the node service account (Google's recommended minimum for GKE nodes). */
export const GKE_NODE_ROLES: readonly string[] = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/autoscaling.metricsWriter",
    "roles/artifactregistry.reader",
];

/** GKE release channels the platform uses (the channel decides the control plane and node upgrade pace). */
export type GkeReleaseChannel = "STABLE" | "REGULAR" | "RAPID";
export const GKE_RELEASE_CHANNELS: readonly GkeReleaseChannel[] = ["STABLE", "REGULAR", "RAPID"];

/** A recurring GKE maintenance window. */
export interface GkeMaintenanceWindow {
    /** Start of the first occurrence, RFC 3339 (`2026-01-01T18:00:00Z`). */
    readonly startTime: string;
    /** End of the first occurrence, RFC 3339; end - start is the window length (>= 4 h). */
    readonly endTime: string;
    /** RFC 5545 RRULE (`FREQ=DAILY`, `FREQ=WEEKLY;BYDAY=SA,SU`). */
    readonly recurrence: string;
}

export const GKE_DEFAULT_MAINTENANCE_WINDOW: GkeMaintenanceWindow = {
    startTime: "2026-01-01T18:00:00Z",
    endTime: "2026-01-01T22:00:00Z",
    recurrence: "FREQ=DAILY",
};

/** Rotation of the secrets encryption key (90 days). */
export const GKE_SECRETS_KEY_ROTATION = "7776000s";

/** The part of a GcpNetwork the cluster is placed in (a `GcpNetwork` is one). */
export type GkeClusterNetwork = Pick<GcpNetwork, "networkId" | "subnetworkId">;

export interface GkeClusterArgs {
    /**
     * The region's short name (`singapore`): the node service account id, the kubeconfig context, the
     * Istio cluster name and network (`network-<regionName>`).
     */
    readonly regionName: string;
    /** The GCP region id (`asia-southeast1`): the cluster's and node pools' location (regional cluster). */
    readonly cloudRegion: string;
    /** Whether this is the stack's primary region (passed through to `ClusterInfo.primary`). */
    readonly primary: boolean;
    /** Primary CIDR of the region's subnetwork (the nodes): admitted to the control plane. */
    readonly vpcCidr: string;
    /** The GCP project of the cluster, its node service account and firewall rule. */
    readonly project: string;
    /**
     * Release channel; the composition picks it (e.g. STABLE for production). GKE upgrades the control
     * plane and the nodes within the channel, so the version never falls out of standard support.
     */
    readonly releaseChannel: GkeReleaseChannel;
    /**
     * Floor of the control plane version (`1.35` or a full GKE version). With a release channel this is
     * a minimum, not a pin: GKE creates the cluster at the channel's default if that is newer, and keeps
     * upgrading within the channel. It must be a version the channel offers.
     * @default none (the channel's default version)
     */
    readonly minMasterVersion?: string;
    /**
     * Recurring maintenance window (RFC 3339 start/end of one occurrence, RFC 5545 RRULE). GKE asks for
     * at least 48 h of availability in any 32 days; the default gives 4 h every day.
     * @default GKE_DEFAULT_MAINTENANCE_WINDOW: daily 18:00-22:00 UTC (02:00-06:00 in Singapore, 03:00-07:00 in Tokyo: off-peak for the APAC regions)
     */
    readonly maintenanceWindow?: GkeMaintenanceWindow;
    /** /28 for the control plane's private endpoint (must not overlap any platform range). */
    readonly masterCidr: string;
    /**
     * Extra CIDRs allowed to reach the control plane (administrators, CI); never a /0.
     * @default [] (only the nodes and the platform's NAT egress addresses)
     */
    readonly publicAccessCidrs?: readonly string[];
    /**
     * Source CIDRs of the deployer (`pulumi up`, CI runners: their egress addresses), added to the master
     * authorized networks; never a /0.
     * @default [] (only the nodes and the NAT egress addresses reach the control plane)
     */
    readonly deployerCidrs?: readonly string[];
    /**
     * Cloud NAT egress IPs of every region (this one included): the regions' istiod reach this API from these.
     * @default [] (no region's egress is admitted; multi-primary then cannot read this API server)
     */
    readonly allNatIps?: readonly pulumi.Input<string>[];
    /** Sizing of the node pools `system` (tainted CriticalAddonsOnly) and `workloads`; one machine type each. */
    readonly nodeGroups: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    /**
     * Protect the cluster and turn on its deletion protection.
     * @default true
     */
    readonly protect?: boolean;
    /** The region's network and subnetwork (with the `pods` and `services` secondary ranges). */
    readonly network: GkeClusterNetwork;
    /**
     * GCP labels (already sanitised, see `toLabels`) for the cluster, the node pools and `ClusterInfo.tags`.
     * @default {}
     */
    readonly labels?: Record<string, string>;
}

/** Every problem of the args, each naming the arg path; [] when the cluster can be built. */
export function gkeClusterArgProblems(args: GkeClusterArgs): string[] {
    const problems: string[] = [];
    if (!GKE_RELEASE_CHANNELS.includes(args.releaseChannel))
        problems.push(
            `args.releaseChannel "${args.releaseChannel}" is not one of ${GKE_RELEASE_CHANNELS.join(", ")}`,
        );
    if (parseCidr(args.masterCidr)?.prefix !== 28)
        problems.push(
            `args.masterCidr "${args.masterCidr}" must be a /28 (the GKE control plane range)`,
        );
    if (!parseCidr(args.vpcCidr))
        problems.push(`args.vpcCidr "${args.vpcCidr}" is not an IPv4 CIDR`);
    (args.deployerCidrs ?? []).forEach((c, i) => {
        if (!parseCidr(c)) problems.push(`args.deployerCidrs[${i}] "${c}" is not an IPv4 CIDR`);
        else if (c.endsWith("/0"))
            problems.push(`args.deployerCidrs[${i}] "${c}": never admit the whole internet`);
    });
    (args.publicAccessCidrs ?? []).forEach((c, i) => {
        if (!parseCidr(c)) problems.push(`args.publicAccessCidrs[${i}] "${c}" is not an IPv4 CIDR`);
        else if (c.endsWith("/0"))
            problems.push(
                `args.publicAccessCidrs[${i}] "${c}": the control plane must never be open to the whole internet`,
            );
    });
    if (args.minMasterVersion !== undefined && !/^\d+\.\d+(\.\d+)?/.test(args.minMasterVersion))
        problems.push(
            `args.minMasterVersion "${args.minMasterVersion}" is not a Kubernetes version`,
        );
    const w = args.maintenanceWindow;
    if (w) {
        const start = Date.parse(w.startTime);
        const end = Date.parse(w.endTime);
        if (Number.isNaN(start) || Number.isNaN(end) || end - start < 4 * 3600 * 1000)
            problems.push(
                `args.maintenanceWindow ${w.startTime}..${w.endTime} must be two RFC 3339 times at least 4 hours apart`,
            );
        if (!/^FREQ=(DAILY|WEEKLY)/.test(w.recurrence))
            problems.push(
                `args.maintenanceWindow.recurrence "${w.recurrence}" is not a DAILY or WEEKLY RRULE`,
            );
    }
    for (const role of ["system", "workloads"] as const) {
        const sizing = args.nodeGroups[role];
        problems.push(...nodeGroupSizingProblems(`args.nodeGroups.${role}`, sizing));
        if (sizing.instanceTypes.length > 1)
            problems.push(
                `args.nodeGroups.${role}.instanceTypes has ${sizing.instanceTypes.length} machine types (${sizing.instanceTypes.join(", ")}); a GKE node pool takes exactly one`,
            );
    }
    return problems;
}

/** Zones a regional GKE cluster spreads each node pool over by default. */
export const GKE_REGIONAL_ZONES = 3;

export class GkeCluster extends pulumi.ComponentResource {
    readonly info: ClusterInfo;
    readonly cluster: gcp.container.Cluster;
    readonly nodePools: gcp.container.NodePool[];

    constructor(
        name: string,
        args: GkeClusterArgs,
        opts: pulumi.ComponentResourceOptions & { provider: gcp.Provider },
    ) {
        super("mesh-platform:cluster:GkeCluster", name, {}, opts);
        const problems = gkeClusterArgProblems(args);
        if (problems.length > 0) throw new Error(`GkeCluster ${name}: ${problems.join("; ")}`);
        const provider = opts.provider;
        const child = { parent: this, provider };
        const net = args.network;
        const protect = args.protect ?? true;
        const labels = args.labels ?? {};
        const workloadPool = `${args.project}.svc.id.goog`;
        const window = args.maintenanceWindow ?? GKE_DEFAULT_MAINTENANCE_WINDOW;

        // ---- secrets encryption (application-layer, Cloud KMS): a key ring and key in the cluster's
        // region (GKE requires the key in the cluster's location), usable by the GKE service agent only.
        // Stateful: losing the key loses every Secret in etcd, and KMS key rings cannot be deleted.
        const keyRing = new gcp.kms.KeyRing(
            `${name}-secrets`,
            { project: args.project, location: args.cloudRegion },
            { ...child, protect },
        );
        const secretsKey = new gcp.kms.CryptoKey(
            `${name}-secrets`,
            {
                keyRing: keyRing.id,
                purpose: "ENCRYPT_DECRYPT",
                rotationPeriod: GKE_SECRETS_KEY_ROTATION,
                labels,
            },
            { ...child, protect },
        );
        // The GKE service agent (service-<project number>@container-engine-robot) encrypts and decrypts.
        const projectNumber = gcp.organizations.getProjectOutput(
            { projectId: args.project },
            { parent: this, provider },
        ).number;
        const keyGrant = new gcp.kms.CryptoKeyIAMMember(
            `${name}-secrets-gke-agent`,
            {
                cryptoKeyId: secretsKey.id,
                role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member: pulumi.interpolate`serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
            },
            child,
        );

        // ---- node identity: a dedicated least-privilege service account, not the Compute default
        const nodeSa = new gcp.serviceaccount.Account(
            `${name}-nodes`,
            {
                project: args.project,
                accountId: gcpAccountId(`${args.regionName}-gke-nodes`),
                displayName: `GKE nodes of ${args.regionName}`,
            },
            child,
        );
        const nodeRoles = GKE_NODE_ROLES.map(
            (role) =>
                new gcp.projects.IAMMember(
                    `${name}-nodes-${role.split("/")[1].replace(/\./g, "-")}`,
                    {
                        project: args.project,
                        role,
                        member: pulumi.interpolate`serviceAccount:${nodeSa.email}`,
                    },
                    child,
                ),
        );

        const authorized = [
            { cidrBlock: args.vpcCidr, displayName: `${args.regionName} nodes` },
            ...(args.allNatIps ?? []).map((ip, i) => ({
                cidrBlock: pulumi.interpolate`${ip}/32`,
                displayName: `platform NAT egress ${i}`,
            })),
            // The display name keeps the wording live clusters carry (it names the stack setting these come from).
            ...(args.publicAccessCidrs ?? []).map((cidr, i) => ({
                cidrBlock: cidr,
                displayName: `kubernetes.publicAccessCidrs[${i}]`,
            })),
            // Named by content, so reordering the list changes no entry.
            ...(args.deployerCidrs ?? [])
                .filter((cidr) => !(args.publicAccessCidrs ?? []).includes(cidr))
                .map((cidr) => ({ cidrBlock: cidr, displayName: `deployer ${cidr}` })),
        ];

        this.cluster = new gcp.container.Cluster(
            `${name}-gke`,
            {
                project: args.project,
                location: args.cloudRegion,
                description: `mesh-platform cluster ${args.regionName}`,
                network: net.networkId,
                subnetwork: net.subnetworkId,
                networkingMode: "VPC_NATIVE",
                ipAllocationPolicy: {
                    clusterSecondaryRangeName: GKE_PODS_RANGE,
                    servicesSecondaryRangeName: GKE_SERVICES_RANGE,
                },
                datapathProvider: GKE_DATAPATH,
                privateClusterConfig: {
                    enablePrivateNodes: true,
                    enablePrivateEndpoint: false,
                    masterIpv4CidrBlock: args.masterCidr,
                    masterGlobalAccessConfig: { enabled: true },
                },
                masterAuthorizedNetworksConfig: {
                    cidrBlocks: authorized,
                    gcpPublicCidrsAccessEnabled: false,
                },
                workloadIdentityConfig: { workloadPool },
                enableShieldedNodes: true,
                releaseChannel: { channel: args.releaseChannel },
                ...(args.minMasterVersion ? { minMasterVersion: args.minMasterVersion } : {}),
                databaseEncryption: { state: "ENCRYPTED", keyName: secretsKey.id },
                maintenancePolicy: {
                    recurringWindow: {
                        startTime: window.startTime,
                        endTime: window.endTime,
                        recurrence: window.recurrence,
                    },
                },
                loggingConfig: {
                    enableComponents: [
                        "SYSTEM_COMPONENTS",
                        "WORKLOADS",
                        "APISERVER",
                        "CONTROLLER_MANAGER",
                        "SCHEDULER",
                    ],
                },
                monitoringConfig: {
                    enableComponents: [
                        "SYSTEM_COMPONENTS",
                        "APISERVER",
                        "CONTROLLER_MANAGER",
                        "SCHEDULER",
                    ],
                    managedPrometheus: { enabled: true },
                },
                addonsConfig: {
                    httpLoadBalancing: { disabled: false },
                    horizontalPodAutoscaling: { disabled: false },
                    gcePersistentDiskCsiDriverConfig: { enabled: true },
                },
                // The default pool cannot carry our settings; node pools below replace it.
                removeDefaultNodePool: true,
                initialNodeCount: 1,
                resourceLabels: labels,
                deletionProtection: protect,
            },
            { ...child, protect, dependsOn: [keyGrant] },
        );
        const cluster = this.cluster;

        // Istio's sidecar injector (15017) must be reachable from the private control plane.
        new gcp.compute.Firewall(
            `${name}-istio-webhook`,
            {
                project: args.project,
                network: net.networkId,
                description: "GKE control plane to the Istio sidecar injector webhook",
                direction: "INGRESS",
                sourceRanges: [args.masterCidr],
                allows: [{ protocol: "tcp", ports: ["15017"] }],
            },
            child,
        );

        const nodePool = (role: "system" | "workloads", sizing: NodeGroupSizing) =>
            new gcp.container.NodePool(
                `${name}-${role}`,
                {
                    project: args.project,
                    location: args.cloudRegion,
                    cluster: cluster.name,
                    initialNodeCount: Math.max(
                        1,
                        Math.ceil(sizing.desiredSize / GKE_REGIONAL_ZONES),
                    ),
                    autoscaling: {
                        totalMinNodeCount: sizing.minSize,
                        totalMaxNodeCount: sizing.maxSize,
                        locationPolicy: "BALANCED",
                    },
                    management: { autoRepair: true, autoUpgrade: true },
                    upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
                    nodeConfig: {
                        machineType: sizing.instanceTypes[0],
                        diskSizeGb: sizing.diskSizeGiB,
                        diskType: "pd-balanced",
                        imageType: "COS_CONTAINERD",
                        spot: sizing.capacityType === "SPOT",
                        serviceAccount: nodeSa.email,
                        oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                        shieldedInstanceConfig: {
                            enableSecureBoot: true,
                            enableIntegrityMonitoring: true,
                        },
                        workloadMetadataConfig: { mode: "GKE_METADATA" },
                        labels: { "node-role": role },
                        resourceLabels: labels,
                        taints:
                            role === "system" ? [{ ...SYSTEM_TAINT, effect: "NO_SCHEDULE" }] : [],
                    },
                },
                { ...child, dependsOn: nodeRoles, ignoreChanges: ["initialNodeCount"] },
            );
        this.nodePools = [
            nodePool("system", args.nodeGroups.system),
            nodePool("workloads", args.nodeGroups.workloads),
        ];

        const kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.endpoint, cluster.masterAuth])
                .apply(([endpoint, auth]) =>
                    gkeKubeconfig(args.regionName, endpoint, auth.clusterCaCertificate),
                ),
        );
        // enableSecretMutable: Secret data changes (CA rotation, reader tokens) update in place; see eks.ts.
        const k8sProvider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig, enableServerSideApply: true, enableSecretMutable: true },
            { parent: this },
        );

        this.info = {
            name: args.regionName,
            cloud: "gcp",
            cloudRegion: args.cloudRegion,
            primary: args.primary,
            project: args.project,
            network: `network-${args.regionName}`,
            clusterName: cluster.name,
            endpoint: pulumi.interpolate`https://${cluster.endpoint}`,
            certificateAuthority: cluster.masterAuth.apply((a) => a.clusterCaCertificate),
            workloadIdentityPool: pulumi.output(workloadPool),
            kubeconfig,
            provider: k8sProvider,
            gcpProvider: provider,
            ready: [...this.nodePools],
            // GKE's own load balancer controller is part of the control plane: nothing extra to wait for.
            loadBalancersReady: [...this.nodePools],
            tags: labels,
        };
        this.registerOutputs({
            clusterName: cluster.name,
            endpoint: this.info.endpoint,
            kubeconfig,
        });
    }
}
