/**
 * Composition of the clusters area: per region, one cloud provider, the network and the cluster (EKS or
 * GKE by the region's `cloud`), then network peering between every pair of regions (VPC peering on AWS,
 * VPC Network Peering on GCP). Regions do not depend on each other, so they deploy in parallel; only the
 * peering joins them. Every config-only check of this area runs in the loader (config/rules.ts).
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { PlatformConfig, RegionConfig } from "../config";
import { eksClusterName, gkeMasterCidr } from "../config/catalog";
import { EksCluster, GkeCluster } from "../components/cluster";
import type { GkeReleaseChannel } from "../components/cluster/gke";
import { AwsNetwork } from "../components/network/aws-network";
import { GcpNetwork } from "../components/network/gcp-network";
import { GcpNetworkPeering, VpcPeering, pairs } from "../components/network/peering";
import { ManagementPeering } from "../components/network/management-peering";
import { ClusterInfo, toLabels } from "../components/types";
import { regionTags, stackTags } from "./tags";

/**
 * GKE release channel per environment: production follows STABLE (upgrades land last, most tested),
 * the others REGULAR, so they meet each version before production does.
 */
export const GKE_RELEASE_CHANNEL: Readonly<
    Record<PlatformConfig["environment"], GkeReleaseChannel>
> = {
    prod: "STABLE",
    staging: "REGULAR",
    dev: "REGULAR",
};

/** Replicas of the cluster add-on controllers (load balancer controller, metrics-server): at least 2 for a PDB. */
export function controllerReplicas(cfg: PlatformConfig): number {
    return Math.max(2, cfg.profile.minReplicas);
}

interface AwsRegionParts {
    region: RegionConfig;
    provider: aws.Provider;
    network: AwsNetwork;
    tags: Record<string, string>;
}
interface GcpRegionParts {
    region: RegionConfig;
    provider: gcp.Provider;
    network: GcpNetwork;
    labels: Record<string, string>;
}

/** Declare every region's provider, network and cluster, and the peering between the regions. */
export function createClusters(cfg: PlatformConfig): ClusterInfo[] {
    // ---- pass 1: providers and networks (GKE needs every region's NAT addresses)
    const parts = cfg.regions.map((region): AwsRegionParts | GcpRegionParts => {
        const tags = regionTags(cfg, region);
        if (region.cloud === "aws") {
            const provider = new aws.Provider(`aws-${region.name}`, {
                region: region.region as aws.Region,
                defaultTags: { tags },
            });
            const network = new AwsNetwork(
                region.name,
                {
                    vpcCidr: region.vpcCidr,
                    availabilityZones: region.availabilityZones,
                    natGateways: cfg.natGateways,
                    flowLogsRetentionDays: cfg.flowLogsRetentionDays,
                    clusterName: eksClusterName(cfg.stack, region.name),
                    tags,
                },
                { provider },
            );
            return { region, provider, network, tags };
        }
        const labels = toLabels(tags);
        const provider = new gcp.Provider(`gcp-${region.name}`, {
            project: cfg.gcpProject,
            region: region.region,
            defaultLabels: labels,
        });
        const network = new GcpNetwork(
            region.name,
            {
                project: cfg.gcpProject!,
                region: region.region,
                vpcCidr: region.vpcCidr,
                podsCidr: region.podsCidr!,
                servicesCidr: region.servicesCidr!,
                labels,
            },
            { provider },
        );
        return { region, provider, network, labels };
    });
    const awsParts = parts.filter((p): p is AwsRegionParts => p.region.cloud === "aws");
    const gcpParts = parts.filter((p): p is GcpRegionParts => p.region.cloud === "gcp");
    const allNatIps = gcpParts.flatMap((p) => p.network.natIps);
    const deployer = deployerAccess(cfg, awsParts);

    // ---- pass 2: clusters
    const gkeClusters = new Map<RegionConfig, GkeCluster>();
    const clusters = parts.map((p, index): ClusterInfo => {
        const region = p.region;
        if (region.cloud === "aws") {
            const a = p as AwsRegionParts;
            return new EksCluster(
                region.name,
                {
                    regionName: region.name,
                    cloudRegion: region.region,
                    primary: region.primary,
                    clusterName: eksClusterName(cfg.stack, region.name),
                    // Per-region override: one region upgrades first (docs/upgrade-kubernetes.md).
                    version: region.kubernetesVersion ?? cfg.kubernetes.version,
                    supportType: cfg.kubernetes.supportType,
                    adminRoleArn: cfg.kubernetes.adminRoleArn!,
                    publicAccessCidrs: cfg.kubernetes.publicAccessCidrs,
                    peerVpcCidrs: awsParts.filter((o) => o !== a).map((o) => o.region.vpcCidr),
                    peerNatIps: awsParts
                        .filter((o) => o !== a)
                        .flatMap((o) => o.network.natPublicIps),
                    deployerCidrs: deployer.cidrs,
                    apiRouteReady: deployer.peerings.get(region.name) ?? [],
                    serviceCidr: region.serviceCidr,
                    logRetentionDays: cfg.flowLogsRetentionDays,
                    nodeGroups: cfg.nodeGroups,
                    controllerReplicas: controllerReplicas(cfg),
                    protect: cfg.protect,
                    network: a.network,
                    tags: a.tags,
                },
                { provider: a.provider },
            ).info;
        }
        const g = p as GcpRegionParts;
        const gke = new GkeCluster(
            region.name,
            {
                regionName: region.name,
                cloudRegion: region.region,
                primary: region.primary,
                vpcCidr: region.vpcCidr,
                project: cfg.gcpProject!,
                // A floor within the channel (GKE upgrades within it), not a pin.
                minMasterVersion: region.kubernetesVersion ?? cfg.kubernetes.version,
                releaseChannel: GKE_RELEASE_CHANNEL[cfg.environment],
                masterCidr: gkeMasterCidr(index),
                publicAccessCidrs: cfg.kubernetes.publicAccessCidrs,
                deployerCidrs: cfg.deployer?.cidrs ?? [],
                allNatIps,
                nodeGroups: cfg.gcpNodeGroups!,
                protect: cfg.protect,
                network: g.network,
                labels: g.labels,
            },
            { provider: g.provider },
        );
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
        new VpcPeering(`peering-${req.region.name}-${acc.region.name}`, {
            requester: side(req),
            accepter: side(acc),
        });
    }
    // ---- GCP: peer every pair of region networks (the east-west gateways are internal load
    // balancers, reachable only from their own network or a peered one)
    for (const [a, b] of pairs(gcpParts)) {
        const side = (x: GcpRegionParts) => ({
            name: x.region.name,
            provider: x.provider,
            networkSelfLink: x.network.networkSelfLink,
        });
        new GcpNetworkPeering(`peering-${a.region.name}-${b.region.name}`, {
            a: side(a),
            b: side(b),
            after: [gkeClusters.get(a.region)!.cluster, gkeClusters.get(b.region)!.cluster],
        });
    }
    return clusters;
}

/**
 * The deployer network (config `deployer`): the CIDRs the API security groups admit on 443, and on AWS
 * the peering of the management VPC with every regional VPC (requested by the region, accepted in the
 * management VPC's region with a provider for it). The Kubernetes provider of each EKS cluster waits
 * for its region's peering, so the first Kubernetes call has a route. GCP: no peering; the deployer
 * CIDRs join the GKE master authorized networks (the endpoint is public and allow-listed), see docs/deploy.md.
 */
function deployerAccess(
    cfg: PlatformConfig,
    awsParts: readonly AwsRegionParts[],
): { cidrs: string[]; peerings: Map<string, ManagementPeering[]> } {
    const mgmt = cfg.deployer?.managementVpc;
    const cidrs = [...new Set([...(cfg.deployer?.cidrs ?? []), ...(mgmt ? [mgmt.cidr] : [])])];
    const peerings = new Map<string, ManagementPeering[]>();
    if (!mgmt || awsParts.length === 0) return { cidrs, peerings };
    const provider = new aws.Provider("aws-management", {
        region: mgmt.region as aws.Region,
        defaultTags: { tags: stackTags(cfg) },
    });
    for (const p of awsParts) {
        peerings.set(p.region.name, [
            new ManagementPeering(`management-${p.region.name}`, {
                regional: {
                    name: p.region.name,
                    region: p.region.region,
                    vpcId: p.network.vpcId,
                    vpcCidr: p.network.vpcCidr,
                    routeTableIds: p.network.privateRouteTableIds,
                    provider: p.provider,
                },
                management: {
                    vpcId: mgmt.id,
                    region: mgmt.region,
                    cidr: mgmt.cidr,
                    routeTableIds: mgmt.routeTableIds,
                    accountId: mgmt.accountId,
                    provider,
                },
                tags: p.tags,
            }),
        ]);
    }
    return { cidrs, peerings };
}
