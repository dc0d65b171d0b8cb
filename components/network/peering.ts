/**
 * Private connectivity between the regions of a stack.
 *
 * AWS: inter-region VPC peering between two AWS regions of the stack, so east-west mesh traffic and istiod's
 * calls to the other cluster's private API endpoint stay on the AWS backbone. Cross-region peering
 * cannot be auto-accepted by the requester: the requester side is created with the requester region's
 * provider, accepted with the accepter region's provider, and each side sets its own DNS option.
 *
 * GCP: VPC Network Peering between two regions' networks (GcpNetworkPeering below).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { cidrsOverlap, parseCidr } from "../../lib/cidr";
import { withTags } from "../types";

export interface PeeringSide {
    /** Region short name (`singapore`). */
    readonly name: string;
    /** AWS region id (`ap-southeast-1`). */
    readonly region: string;
    /** The AWS provider of this side's region: this side's resources are created with it. */
    readonly provider: aws.Provider;
    /** The VPC of this side. */
    readonly vpcId: pulumi.Input<string>;
    /** The VPC's CIDR: the other side routes it through the peering (the two must not overlap). */
    readonly vpcCidr: string;
    /** Route tables that get a route to the other side (the private ones). */
    readonly routeTableIds: readonly pulumi.Input<string>[];
    /**
     * Tags of this side's taggable resources (a `Name` and `peer-region` tag are added).
     * @default {}
     */
    readonly tags?: Record<string, string>;
}

export interface VpcPeeringArgs {
    /** The side that requests the connection (it owns the VpcPeeringConnection). */
    readonly requester: PeeringSide;
    /** The side that accepts it, in another region. */
    readonly accepter: PeeringSide;
}

/** Every problem of the args, each naming the arg path; [] when the peering can be built. */
export function vpcPeeringArgProblems(args: VpcPeeringArgs): string[] {
    const { requester: req, accepter: acc } = args;
    const problems: string[] = [];
    if (req.region === acc.region)
        problems.push(
            `args.requester.region and args.accepter.region are both ${req.region}; peer different regions`,
        );
    if (req.name === acc.name)
        problems.push(
            `args.requester.name and args.accepter.name are both "${req.name}"; the sides need distinct names`,
        );
    for (const [k, side] of [
        ["requester", req],
        ["accepter", acc],
    ] as const) {
        if (!parseCidr(side.vpcCidr))
            problems.push(`args.${k}.vpcCidr "${side.vpcCidr}" is not an IPv4 CIDR`);
    }
    if (cidrsOverlap(req.vpcCidr, acc.vpcCidr))
        problems.push(
            `args.accepter.vpcCidr "${acc.vpcCidr}" overlaps args.requester.vpcCidr "${req.vpcCidr}"; peered VPCs need disjoint ranges`,
        );
    return problems;
}

export class VpcPeering extends pulumi.ComponentResource {
    readonly peeringConnectionId: pulumi.Output<string>;

    constructor(name: string, args: VpcPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:network:VpcPeering", name, {}, opts);
        const { requester: req, accepter: acc } = args;
        const problems = vpcPeeringArgProblems(args);
        if (problems.length > 0) throw new Error(`VpcPeering ${name}: ${problems.join("; ")}`);
        const tags = (side: PeeringSide) =>
            withTags(side.tags ?? {}, {
                Name: name,
                "peer-region": side === req ? acc.name : req.name,
            });

        const connection = new aws.ec2.VpcPeeringConnection(
            `${name}-request`,
            {
                vpcId: req.vpcId,
                peerVpcId: acc.vpcId,
                peerRegion: acc.region,
                // Cross-region requests cannot auto-accept; the accepter resource below accepts in the peer region.
                autoAccept: false,
                tags: tags(req),
            },
            { parent: this, provider: req.provider },
        );

        const accept = new aws.ec2.VpcPeeringConnectionAccepter(
            `${name}-accept`,
            {
                vpcPeeringConnectionId: connection.id,
                autoAccept: true,
                tags: tags(acc),
            },
            { parent: this, provider: acc.provider },
        );

        // DNS resolution of the other VPC's private hostnames, set by each side on an active connection.
        new aws.ec2.PeeringConnectionOptions(
            `${name}-requester-dns`,
            {
                vpcPeeringConnectionId: accept.vpcPeeringConnectionId,
                requester: { allowRemoteVpcDnsResolution: true },
            },
            { parent: this, provider: req.provider },
        );
        new aws.ec2.PeeringConnectionOptions(
            `${name}-accepter-dns`,
            {
                vpcPeeringConnectionId: accept.vpcPeeringConnectionId,
                accepter: { allowRemoteVpcDnsResolution: true },
            },
            { parent: this, provider: acc.provider },
        );

        // Routes both ways, only once the connection is active.
        const routes = (from: PeeringSide, to: PeeringSide) =>
            from.routeTableIds.forEach(
                (routeTableId, i) =>
                    new aws.ec2.Route(
                        `${name}-${from.name}-to-${to.name}-${i}`,
                        {
                            routeTableId,
                            destinationCidrBlock: to.vpcCidr,
                            vpcPeeringConnectionId: accept.vpcPeeringConnectionId,
                        },
                        { parent: this, provider: from.provider },
                    ),
            );
        routes(req, acc);
        routes(acc, req);

        this.peeringConnectionId = accept.vpcPeeringConnectionId;
        this.registerOutputs({ peeringConnectionId: this.peeringConnectionId });
    }
}

export interface GcpPeeringSide {
    /** Region short name (`singapore`). */
    readonly name: string;
    /** The Google provider of this side: its peering (from this network to the other) is created with it. */
    readonly provider: gcp.Provider;
    /** Self link of the region's VPC network. */
    readonly networkSelfLink: pulumi.Input<string>;
}

export interface GcpNetworkPeeringArgs {
    /** One network; its peering to `b` is created first. */
    readonly a: GcpPeeringSide;
    /** The other network (another region); its peering back to `a` waits for the first. */
    readonly b: GcpPeeringSide;
    /**
     * Resources that run peering operations on the same networks (GKE creates its control plane
     * peering while it creates a private cluster): GCP allows one peering operation per network at
     * a time, so the peerings wait for these. @default []
     */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * VPC Network Peering between two regions' GCP networks, one peering from each side (a peering is
 * ACTIVE only once both exist). Each region has its own network, and an internal passthrough load
 * balancer with global access (the east-west gateway) is reachable only from its own network or a
 * connected one: without this the other region's sidecars cannot reach it. Subnet routes, including
 * the GKE pod and service secondary ranges, are exchanged by default; no custom routes are shared.
 */
export class GcpNetworkPeering extends pulumi.ComponentResource {
    readonly peerings: gcp.compute.NetworkPeering[];

    constructor(name: string, args: GcpNetworkPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:network:GcpNetworkPeering", name, {}, opts);
        const { a, b } = args;
        if (a.name === b.name)
            throw new Error(
                `GcpNetworkPeering ${name}: args.a.name and args.b.name are both region ${a.name}; peer different regions`,
            );
        const peering = (
            from: GcpPeeringSide,
            to: GcpPeeringSide,
            dependsOn: readonly pulumi.Resource[],
        ) =>
            new gcp.compute.NetworkPeering(
                `${name}-${from.name}-to-${to.name}`,
                {
                    network: from.networkSelfLink,
                    peerNetwork: to.networkSelfLink,
                    exportCustomRoutes: false,
                    importCustomRoutes: false,
                },
                { parent: this, provider: from.provider, dependsOn: [...dependsOn] },
            );
        // One after the other: a second peering operation on a network fails while one is running.
        const there = peering(a, b, args.after ?? []);
        const back = peering(b, a, [there]);
        this.peerings = [there, back];
        this.registerOutputs({});
    }
}

/** Every unordered pair of items, in order: [a,b,c] -> [a,b], [a,c], [b,c]. */
export function pairs<T>(items: readonly T[]): [T, T][] {
    return items.flatMap((a, i) => items.slice(i + 1).map((b): [T, T] => [a, b]));
}
