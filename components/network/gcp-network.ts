/**
 * One region's GCP network: a custom-mode VPC network with one subnetwork carrying the GKE secondary
 * ranges (pods, services), flow logs, private Google access, and a Cloud Router + Cloud NAT with
 * reserved egress addresses so private nodes reach the internet from known IPs (those IPs are also
 * what the other regions' GKE control planes allow in their master authorized networks).
 * Each region gets its own network; GcpNetworkPeering (peering.ts) joins the regions' networks.
 */
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { cidrsOverlap, parseCidr } from "../../lib/cidr";

export const GKE_PODS_RANGE = "pods";
export const GKE_SERVICES_RANGE = "services";

export interface GcpNetworkArgs {
    /** The GCP project of the network and every child. */
    readonly project: string;
    /** The GCP region id (`asia-southeast1`) of the subnetwork, the Cloud Router and the NAT. */
    readonly region: string;
    /** Primary range of the subnetwork (the nodes). */
    readonly vpcCidr: string;
    /** Secondary range `pods` (GKE pod IPs); must not overlap the other two ranges. */
    readonly podsCidr: string;
    /** Secondary range `services` (GKE service IPs); must not overlap the other two ranges. */
    readonly servicesCidr: string;
    /** Number of NAT egress addresses to reserve. @default 2 */
    readonly natAddresses?: number;
    /**
     * GCP labels (already sanitised, see `toLabels`) for the NAT addresses.
     * @default {}
     */
    readonly labels?: Record<string, string>;
}

/** Every problem of the args, each naming the arg path; [] when the network can be built. */
export function gcpNetworkArgProblems(args: GcpNetworkArgs): string[] {
    const ranges = [
        ["vpcCidr", args.vpcCidr],
        ["podsCidr", args.podsCidr],
        ["servicesCidr", args.servicesCidr],
    ] as const;
    const problems = ranges
        .filter(([, c]) => !parseCidr(c))
        .map(([k, c]) => `args.${k} "${c}" is not an IPv4 CIDR`);
    ranges.forEach(([k, c], i) =>
        ranges.slice(i + 1).forEach(([k2, c2]) => {
            if (cidrsOverlap(c, c2)) problems.push(`args.${k2} "${c2}" overlaps args.${k} "${c}"`);
        }),
    );
    const nat = args.natAddresses ?? 2;
    if (!Number.isInteger(nat) || nat < 1)
        problems.push(`args.natAddresses must be a positive integer (got ${nat})`);
    return problems;
}

export class GcpNetwork extends pulumi.ComponentResource {
    readonly networkId: pulumi.Output<string>;
    readonly networkSelfLink: pulumi.Output<string>;
    readonly subnetworkId: pulumi.Output<string>;
    readonly subnetworkSelfLink: pulumi.Output<string>;
    /** NAT egress IPs (plain addresses). */
    readonly natIps: pulumi.Output<string>[];
    readonly vpcCidr: string;

    constructor(
        name: string,
        args: GcpNetworkArgs,
        opts: pulumi.ComponentResourceOptions & { provider: gcp.Provider },
    ) {
        super("mesh-platform:network:GcpNetwork", name, {}, opts);
        const problems = gcpNetworkArgProblems(args);
        if (problems.length > 0) throw new Error(`GcpNetwork ${name}: ${problems.join("; ")}`);
        const child = { parent: this, provider: opts.provider };
        this.vpcCidr = args.vpcCidr;

        const network = new gcp.compute.Network(
            `${name}-vpc`,
            {
                project: args.project,
                autoCreateSubnetworks: false,
                routingMode: "REGIONAL",
                description: `mesh-platform network for ${name}`,
            },
            child,
        );
        const subnet = new gcp.compute.Subnetwork(
            `${name}-nodes`,
            {
                project: args.project,
                region: args.region,
                network: network.id,
                ipCidrRange: args.vpcCidr,
                privateIpGoogleAccess: true,
                secondaryIpRanges: [
                    { rangeName: GKE_PODS_RANGE, ipCidrRange: args.podsCidr },
                    { rangeName: GKE_SERVICES_RANGE, ipCidrRange: args.servicesCidr },
                ],
                logConfig: {
                    aggregationInterval: "INTERVAL_1_MIN",
                    flowSampling: 0.5,
                    metadata: "INCLUDE_ALL_METADATA",
                },
            },
            child,
        );

        const router = new gcp.compute.Router(
            `${name}-router`,
            { project: args.project, region: args.region, network: network.id },
            child,
        );
        const addresses = Array.from(
            { length: args.natAddresses ?? 2 },
            (_v, i) =>
                new gcp.compute.Address(
                    `${name}-nat-${i}`,
                    {
                        project: args.project,
                        region: args.region,
                        addressType: "EXTERNAL",
                        labels: args.labels ?? {},
                    },
                    child,
                ),
        );
        new gcp.compute.RouterNat(
            `${name}-nat`,
            {
                project: args.project,
                region: args.region,
                router: router.name,
                natIpAllocateOption: "MANUAL_ONLY",
                natIps: addresses.map((a) => a.selfLink),
                sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
                logConfig: { enable: true, filter: "ERRORS_ONLY" },
            },
            child,
        );

        this.networkId = network.id;
        this.networkSelfLink = network.selfLink;
        this.subnetworkId = subnet.id;
        this.subnetworkSelfLink = subnet.selfLink;
        this.natIps = addresses.map((a) => a.address);
        this.registerOutputs({
            networkId: this.networkId,
            subnetworkId: this.subnetworkId,
            natIps: this.natIps,
        });
    }
}
