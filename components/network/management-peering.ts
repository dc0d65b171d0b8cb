/**
 * Peering between one regional VPC of the stack and an existing management VPC (where `pulumi up` and
 * the CI runners run): the private EKS API endpoints are reachable only from networks that route to
 * the VPC, and the management VPC exists before the stack does, so this is what lets the first
 * `pulumi up` reach the clusters it creates.
 *
 * The regional VPC requests (its region's provider), the management VPC accepts (a provider of the
 * management VPC's region and account), and both sides route to each other: the regional private route
 * tables to the management CIDR, the given management route tables to the regional VPC CIDR. VPC
 * peering is not transitive: only addresses of the management VPC itself cross it (a VPN or Transit
 * Gateway behind the management VPC needs its own route into the regional VPCs).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { cidrsOverlap, parseCidr } from "../../lib/cidr";
import { withTags } from "../types";

export interface ManagementVpc {
    /** The management VPC's id (`vpc-...`). */
    readonly vpcId: string;
    /** Its AWS region. */
    readonly region: string;
    /** Its CIDR: the regional VPCs route it through the peering, and it must not overlap them. */
    readonly cidr: string;
    /**
     * Route tables of the management VPC that get a route to the regional VPC.
     * @default [] (no route back: add them, or the runners cannot reach the API)
     */
    readonly routeTableIds?: readonly string[];
    /**
     * Owner account of the management VPC (the peering's `peerOwnerId`); the accepter provider must
     * have credentials in that account.
     * @default the account of the regional provider
     */
    readonly accountId?: string;
    /** Provider for the management VPC's region (and account): accepts and routes on that side. */
    readonly provider: aws.Provider;
}

export interface ManagementPeeringArgs {
    /** The regional side: its short name, VPC, CIDR, private route tables and provider. */
    readonly regional: {
        /** Region short name (`singapore`): names and the `peer-region` tag. */
        readonly name: string;
        /** AWS region id of the regional VPC. */
        readonly region: string;
        readonly vpcId: pulumi.Input<string>;
        readonly vpcCidr: string;
        /** Route tables that get a route to the management VPC (the private ones: the API's ENIs are there). */
        readonly routeTableIds: readonly pulumi.Input<string>[];
        /** The regional provider: requests the peering and routes on this side. */
        readonly provider: aws.Provider;
    };
    readonly management: ManagementVpc;
    /**
     * Tags of the taggable resources (a `Name` and `peer` tag are added).
     * @default {}
     */
    readonly tags?: Record<string, string>;
}

/** Every problem of the args, each naming the arg path; [] when the peering can be built. */
export function managementPeeringArgProblems(args: ManagementPeeringArgs): string[] {
    const problems: string[] = [];
    const m = args.management;
    if (!parseCidr(m.cidr)) problems.push(`args.management.cidr "${m.cidr}" is not an IPv4 CIDR`);
    if (!parseCidr(args.regional.vpcCidr))
        problems.push(`args.regional.vpcCidr "${args.regional.vpcCidr}" is not an IPv4 CIDR`);
    if (cidrsOverlap(m.cidr, args.regional.vpcCidr))
        problems.push(
            `args.management.cidr "${m.cidr}" overlaps args.regional.vpcCidr "${args.regional.vpcCidr}"; peered VPCs need disjoint ranges`,
        );
    if (!/^vpc-[0-9a-f]+$/.test(m.vpcId))
        problems.push(`args.management.vpcId "${m.vpcId}" is not a VPC id`);
    return problems;
}

export class ManagementPeering extends pulumi.ComponentResource {
    readonly peeringConnectionId: pulumi.Output<string>;

    constructor(name: string, args: ManagementPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:network:ManagementPeering", name, {}, opts);
        const problems = managementPeeringArgProblems(args);
        if (problems.length > 0)
            throw new Error(`ManagementPeering ${name}: ${problems.join("; ")}`);
        const { regional: reg, management: m } = args;
        const tags = withTags(args.tags ?? {}, { Name: name, peer: "management" });

        const connection = new aws.ec2.VpcPeeringConnection(
            `${name}-request`,
            {
                vpcId: reg.vpcId,
                peerVpcId: m.vpcId,
                peerRegion: m.region,
                ...(m.accountId ? { peerOwnerId: m.accountId } : {}),
                // Accepted by the accepter below (cross-region or cross-account requests cannot auto-accept).
                autoAccept: false,
                tags,
            },
            { parent: this, provider: reg.provider },
        );
        const accept = new aws.ec2.VpcPeeringConnectionAccepter(
            `${name}-accept`,
            { vpcPeeringConnectionId: connection.id, autoAccept: true, tags },
            { parent: this, provider: m.provider },
        );
        const peeringId = accept.vpcPeeringConnectionId;

        // Regional private route tables -> management CIDR (the API's ENIs answer through these).
        reg.routeTableIds.forEach(
            (routeTableId, i) =>
                new aws.ec2.Route(
                    `${name}-${reg.name}-to-management-${i}`,
                    {
                        routeTableId,
                        destinationCidrBlock: m.cidr,
                        vpcPeeringConnectionId: peeringId,
                    },
                    { parent: this, provider: reg.provider },
                ),
        );
        // Management route tables -> regional VPC; named by route table id (given in config, by content).
        for (const routeTableId of m.routeTableIds ?? []) {
            new aws.ec2.Route(
                `${name}-${routeTableId}-to-${reg.name}`,
                {
                    routeTableId,
                    destinationCidrBlock: reg.vpcCidr,
                    vpcPeeringConnectionId: peeringId,
                },
                { parent: this, provider: m.provider },
            );
        }
        this.peeringConnectionId = peeringId;
        this.registerOutputs({ peeringConnectionId: peeringId });
    }
}
