/**
 * The clusters area: per region, one cloud provider, the network and the cluster (EKS or GKE by the
 * region's `cloud`), then network peering between every pair of regions (VPC peering on AWS, VPC
 * Network Peering on GCP). Regions do not depend on each other, so they deploy in parallel; only
 * the peering joins them.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { ConfigError, ConfigProblem, CONFIG_NAMESPACE, cidrsOverlap, PlatformConfig, RegionConfig } from "../../stacks/config";
import { AwsNetwork } from "../network/aws-network";
import { GcpNetwork } from "../network/gcp-network";
import { GcpNetworkPeering, VpcPeering, pairs } from "../network/peering";
import { ClusterInfo, regionTags, toLabels } from "../types";
import { EksCluster, eksAmiType } from "./eks";
import { GkeCluster } from "./gke";
import { CLOUDWATCH_RETENTION_DAYS, EKS_ADDON_VERSIONS, GKE_RELEASE_CHANNEL } from "./versions";

export { WorkloadIdentity } from "./identity";
export type { WorkloadIdentityArgs, IdentityCluster } from "./identity";

/** Physical EKS cluster name: fixed because EKS names the control plane log group after it. */
export function eksClusterName(cfg: PlatformConfig, region: RegionConfig): string {
    return `mesh-${cfg.stack}-${region.name}`;
}

/** GKE control plane /28 of the i-th region (outside every 10.x platform range; checked below). */
export function gkeMasterCidr(index: number): string {
    return `172.16.0.${index * 16}/28`;
}

/**
 * Cluster-specific checks that the generic loader cannot make (they depend on what this area
 * builds). Runs before any resource is declared; throws a ConfigError naming each key.
 */
export function validateClusterConfig(cfg: PlatformConfig): void {
    const problems: ConfigProblem[] = [];
    const add = (key: string, value: unknown, message: string) => problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, value, message });
    const clouds = new Set(cfg.regions.map((r) => r.cloud));

    if (clouds.has("aws")) {
        if (!CLOUDWATCH_RETENTION_DAYS.includes(cfg.flowLogsRetentionDays)) {
            add("flowLogsRetentionDays", cfg.flowLogsRetentionDays, `is not a CloudWatch Logs retention; allowed: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`);
        }
        if (!EKS_ADDON_VERSIONS[cfg.kubernetes.version]) {
            add("kubernetes.version", cfg.kubernetes.version, `has no pinned EKS add-on versions; allowed: ${Object.keys(EKS_ADDON_VERSIONS).join(", ")}`);
        }
        for (const role of ["system", "workloads"] as const) {
            try {
                eksAmiType(cfg.nodeGroups[role].instanceTypes);
            } catch {
                add(`nodeGroups.${role}.instanceTypes`, cfg.nodeGroups[role].instanceTypes, "mixes ARM (Graviton, e.g. m7g) and x86 types; one node group takes one architecture");
            }
        }
    }
    if (clouds.has("gcp") && cfg.gcpNodeGroups) {
        for (const role of ["system", "workloads"] as const) {
            const types = cfg.gcpNodeGroups[role].instanceTypes;
            if (types.length !== 1) add(`nodeGroups.${role}.instanceTypes`, types, "a GKE node pool takes exactly one machine type");
        }
        const masters = cfg.regions.map((_r, j) => gkeMasterCidr(j));
        cfg.regions.forEach((r, i) => {
            for (const [field, cidr] of [["vpcCidr", r.vpcCidr], ["podsCidr", r.podsCidr], ["servicesCidr", r.servicesCidr]] as const) {
                const hit = masters.find((m) => cidr !== undefined && cidrsOverlap(cidr, m));
                if (hit) add(`regions[${i}].${field}`, cidr, `overlaps the GKE control plane range ${hit}; use ranges outside 172.16.0.0/24`);
            }
        });
    }
    if (problems.length > 0) throw new ConfigError(problems);
}

interface AwsRegionParts { region: RegionConfig; provider: aws.Provider; network: AwsNetwork; tags: Record<string, string> }
interface GcpRegionParts { region: RegionConfig; provider: gcp.Provider; network: GcpNetwork; labels: Record<string, string> }

/** Declare every region's provider, network and cluster, and the peering between AWS regions. */
export function createClusters(cfg: PlatformConfig): ClusterInfo[] {
    validateClusterConfig(cfg);

    // ---- pass 1: providers and networks (GKE needs every region's NAT addresses)
    const parts = cfg.regions.map((region): AwsRegionParts | GcpRegionParts => {
        const tags = regionTags(cfg, region);
        if (region.cloud === "aws") {
            const provider = new aws.Provider(`aws-${region.name}`, { region: region.region as aws.Region });
            const network = new AwsNetwork(region.name, {
                vpcCidr: region.vpcCidr,
                availabilityZones: region.availabilityZones,
                natGateways: cfg.natGateways,
                flowLogsRetentionDays: cfg.flowLogsRetentionDays,
                clusterName: eksClusterName(cfg, region),
                tags,
            }, { provider });
            return { region, provider, network, tags };
        }
        const labels = toLabels(tags);
        const provider = new gcp.Provider(`gcp-${region.name}`, { project: cfg.gcpProject, region: region.region });
        const network = new GcpNetwork(region.name, {
            project: cfg.gcpProject!,
            region: region.region,
            vpcCidr: region.vpcCidr,
            podsCidr: region.podsCidr!,
            servicesCidr: region.servicesCidr!,
            labels,
        }, { provider });
        return { region, provider, network, labels };
    });
    const awsParts = parts.filter((p): p is AwsRegionParts => p.region.cloud === "aws");
    const gcpParts = parts.filter((p): p is GcpRegionParts => p.region.cloud === "gcp");
    const allNatIps = gcpParts.flatMap((p) => p.network.natIps);

    // ---- pass 2: clusters
    const gkeClusters = new Map<RegionConfig, GkeCluster>();
    const clusters = parts.map((p, index): ClusterInfo => {
        const region = p.region;
        if (region.cloud === "aws") {
            const a = p as AwsRegionParts;
            return new EksCluster(region.name, {
                region,
                clusterName: eksClusterName(cfg, region),
                version: cfg.kubernetes.version,
                adminRoleArn: cfg.kubernetes.adminRoleArn!,
                publicAccessCidrs: cfg.kubernetes.publicAccessCidrs,
                peerVpcCidrs: awsParts.filter((o) => o !== a).map((o) => o.region.vpcCidr),
                peerNatIps: awsParts.filter((o) => o !== a).flatMap((o) => o.network.natPublicIps),
                logRetentionDays: cfg.flowLogsRetentionDays,
                nodeGroups: cfg.nodeGroups,
                controllerReplicas: Math.max(2, cfg.profile.minReplicas),
                protect: cfg.protect,
                network: a.network,
                tags: a.tags,
            }, { provider: a.provider }).info;
        }
        const g = p as GcpRegionParts;
        const gke = new GkeCluster(region.name, {
            region,
            project: cfg.gcpProject!,
            version: cfg.kubernetes.version,
            releaseChannel: GKE_RELEASE_CHANNEL[cfg.environment],
            masterCidr: gkeMasterCidr(index),
            publicAccessCidrs: cfg.kubernetes.publicAccessCidrs,
            allNatIps,
            nodeGroups: cfg.gcpNodeGroups!,
            protect: cfg.protect,
            network: g.network,
            labels: g.labels,
        }, { provider: g.provider });
        gkeClusters.set(region, gke);
        return gke.info;
    });

    // ---- pass 3: private connectivity between every pair of AWS regions
    for (const [req, acc] of pairs(awsParts)) {
        const side = (x: AwsRegionParts) => ({
            name: x.region.name,
            region: x.region.region,
            provider: x.provider,
            vpcId: x.network.vpcId,
            vpcCidr: x.network.vpcCidr,
            routeTableIds: x.network.privateRouteTableIds,
            tags: x.tags,
        });
        new VpcPeering(`peering-${req.region.name}-${acc.region.name}`, { requester: side(req), accepter: side(acc) });
    }
    // ---- GCP: peer every pair of region networks (the east-west gateways are internal load
    // balancers, reachable only from their own network or a peered one)
    for (const [a, b] of pairs(gcpParts)) {
        const side = (x: GcpRegionParts) => ({ name: x.region.name, provider: x.provider, networkSelfLink: x.network.networkSelfLink });
        new GcpNetworkPeering(`peering-${a.region.name}-${b.region.name}`, {
            a: side(a),
            b: side(b),
            after: [gkeClusters.get(a.region)!.cluster, gkeClusters.get(b.region)!.cluster],
        });
    }
    return clusters;
}
