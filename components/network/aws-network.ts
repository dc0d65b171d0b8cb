/**
 * One region's AWS network: a VPC across N availability zones with a public and a private subnet per
 * zone, an internet gateway, NAT gateways (one per zone or a single one), route tables, and VPC flow
 * logs to CloudWatch. Subnets carry the tags the AWS Load Balancer Controller uses to discover them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { parseCidr, subnetCidr } from "../../lib/cidr";
import { CLOUDWATCH_RETENTION_DAYS } from "../cluster/versions";
import { withTags } from "../types";

export interface AwsNetworkArgs {
    /** VPC CIDR (/16 to /20): private subnets take its first three quarters, public ones share the last. */
    readonly vpcCidr: string;
    /** Number of availability zones (2 or 3): one public and one private subnet in each. */
    readonly availabilityZones: number;
    /**
     * `perAz`: one NAT gateway per zone (a zone failure keeps egress); `single`: one for the VPC (cheap).
     * @default "perAz"
     */
    readonly natGateways?: "perAz" | "single";
    /** CloudWatch retention of the VPC flow logs, in days (a value CloudWatch accepts). */
    readonly flowLogsRetentionDays: number;
    /** Name of the EKS cluster that will use the subnets (the `kubernetes.io/cluster/<name>` tag). */
    readonly clusterName: string;
    /**
     * Tags for every taggable resource.
     * @default {}
     */
    readonly tags?: Record<string, string>;
}

/**
 * Which zones the subnets go into: Availability Zones only. Without the filters an account that has
 * opted into a Local Zone or Wavelength Zone gets it in the list (DescribeAvailabilityZones returns
 * every zone the account is opted into), and a subnet there has no EKS control plane, NAT or NLB
 * support. Availability Zones are always `opt-in-not-required`; Local/Wavelength Zones are
 * `opted-in`/`not-opted-in` (EC2 DescribeAvailabilityZones filters `opt-in-status`, `zone-type`).
 */
export const AWS_ZONE_QUERY = {
    state: "available",
    filters: [
        { name: "opt-in-status", values: ["opt-in-not-required"] },
        { name: "zone-type", values: ["availability-zone"] },
    ],
};

/** Every problem of the args, each naming the arg path; [] when the network can be built. */
export function awsNetworkArgProblems(args: AwsNetworkArgs): string[] {
    const problems: string[] = [];
    const cidr = parseCidr(args.vpcCidr);
    if (!cidr || cidr.prefix < 16 || cidr.prefix > 20)
        problems.push(`args.vpcCidr "${args.vpcCidr}" must be an IPv4 CIDR from /16 to /20`);
    if (args.availabilityZones !== 2 && args.availabilityZones !== 3)
        problems.push(`args.availabilityZones must be 2 or 3 (got ${args.availabilityZones})`);
    const nat = args.natGateways ?? "perAz";
    if (nat !== "perAz" && nat !== "single")
        problems.push(`args.natGateways "${String(nat)}" is not "perAz" or "single"`);
    if (!CLOUDWATCH_RETENTION_DAYS.includes(args.flowLogsRetentionDays)) {
        problems.push(
            `args.flowLogsRetentionDays ${args.flowLogsRetentionDays} is not a CloudWatch Logs retention; allowed: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
        );
    }
    if (args.clusterName.length === 0) problems.push("args.clusterName is empty");
    return problems;
}

/** Private subnets take the first 3 quarters of the VPC; public subnets share the last quarter. */
export function awsSubnetLayout(
    vpcCidr: string,
    zones: number,
): { private: string[]; public: string[] } {
    const publicBlock = subnetCidr(vpcCidr, 2, 3);
    return {
        private: Array.from({ length: zones }, (_v, i) => subnetCidr(vpcCidr, 2, i)),
        public: Array.from({ length: zones }, (_v, i) => subnetCidr(publicBlock, 2, i)),
    };
}

export class AwsNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: string;
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** One private route table per zone: peering routes go into each. */
    readonly privateRouteTableIds: pulumi.Output<string>[];
    readonly publicRouteTableId: pulumi.Output<string>;
    readonly natGatewayIds: pulumi.Output<string>[];
    /** Public egress addresses of the NAT gateways (what other regions' API allow-lists must admit). */
    readonly natPublicIps: pulumi.Output<string>[];
    readonly flowLogGroupName: pulumi.Output<string>;

    constructor(
        name: string,
        args: AwsNetworkArgs,
        opts: pulumi.ComponentResourceOptions & { provider: aws.Provider },
    ) {
        super("mesh-platform:network:AwsNetwork", name, {}, opts);
        const problems = awsNetworkArgProblems(args);
        if (problems.length > 0) throw new Error(`AwsNetwork ${name}: ${problems.join("; ")}`);
        const provider = opts.provider;
        const child = { parent: this, provider };
        const tags = (extra: Record<string, string> = {}) => withTags(args.tags ?? {}, extra);
        const layout = awsSubnetLayout(args.vpcCidr, args.availabilityZones);
        this.vpcCidr = args.vpcCidr;

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.vpcCidr,
                enableDnsSupport: true,
                enableDnsHostnames: true,
                tags: tags({ Name: `${name}-vpc` }),
            },
            child,
        );
        this.vpcId = vpc.id;

        // Zone names come from the region (ap-northeast-1 has no usable "b"); the count is plain config.
        const zones = aws.getAvailabilityZonesOutput(AWS_ZONE_QUERY, { parent: this, provider });
        const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;

        const publicSubnets = layout.public.map(
            (cidr, i) =>
                new aws.ec2.Subnet(
                    `${name}-public-${i}`,
                    {
                        vpcId: vpc.id,
                        cidrBlock: cidr,
                        availabilityZone: zones.names[i],
                        mapPublicIpOnLaunch: false,
                        tags: tags({
                            Name: `${name}-public-${i}`,
                            "kubernetes.io/role/elb": "1",
                            [clusterTag]: "shared",
                            tier: "public",
                        }),
                    },
                    child,
                ),
        );
        const privateSubnets = layout.private.map(
            (cidr, i) =>
                new aws.ec2.Subnet(
                    `${name}-private-${i}`,
                    {
                        vpcId: vpc.id,
                        cidrBlock: cidr,
                        availabilityZone: zones.names[i],
                        tags: tags({
                            Name: `${name}-private-${i}`,
                            "kubernetes.io/role/internal-elb": "1",
                            [clusterTag]: "shared",
                            tier: "private",
                        }),
                    },
                    child,
                ),
        );
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);

        const igw = new aws.ec2.InternetGateway(
            `${name}-igw`,
            { vpcId: vpc.id, tags: tags({ Name: `${name}-igw` }) },
            child,
        );
        const publicRt = new aws.ec2.RouteTable(
            `${name}-public-rt`,
            { vpcId: vpc.id, tags: tags({ Name: `${name}-public-rt` }) },
            child,
        );
        new aws.ec2.Route(
            `${name}-public-default`,
            { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
            child,
        );
        publicSubnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(
                    `${name}-public-${i}`,
                    { subnetId: s.id, routeTableId: publicRt.id },
                    child,
                ),
        );
        this.publicRouteTableId = publicRt.id;

        const natCount = (args.natGateways ?? "perAz") === "perAz" ? args.availabilityZones : 1;
        const eips: aws.ec2.Eip[] = [];
        const nats = Array.from({ length: natCount }, (_v, i) => {
            const eip = new aws.ec2.Eip(
                `${name}-nat-${i}`,
                { domain: "vpc", tags: tags({ Name: `${name}-nat-${i}` }) },
                child,
            );
            eips.push(eip);
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                {
                    allocationId: eip.id,
                    subnetId: publicSubnets[i].id,
                    connectivityType: "public",
                    tags: tags({ Name: `${name}-nat-${i}` }),
                },
                { ...child, dependsOn: [igw] },
            );
        });
        this.natGatewayIds = nats.map((n) => n.id);
        this.natPublicIps = eips.map((e) => e.publicIp);

        const privateRts = privateSubnets.map((s, i) => {
            const rt = new aws.ec2.RouteTable(
                `${name}-private-rt-${i}`,
                { vpcId: vpc.id, tags: tags({ Name: `${name}-private-rt-${i}` }) },
                child,
            );
            new aws.ec2.Route(
                `${name}-private-default-${i}`,
                {
                    routeTableId: rt.id,
                    destinationCidrBlock: "0.0.0.0/0",
                    natGatewayId: nats[Math.min(i, nats.length - 1)].id,
                },
                child,
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-private-${i}`,
                { subnetId: s.id, routeTableId: rt.id },
                child,
            );
            return rt;
        });
        this.privateRouteTableIds = privateRts.map((rt) => rt.id);

        // VPC flow logs -> CloudWatch Logs, delivered by a role only allowed to write to this group.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            {
                retentionInDays: args.flowLogsRetentionDays,
                tags: tags(),
            },
            child,
        );
        // Only the flow logs service of this account may assume it (confused deputy guard from the VPC docs).
        const account = aws.getCallerIdentityOutput({}, { parent: this, provider }).accountId;
        const flowRole = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                description: `VPC flow log delivery for ${name}`,
                assumeRolePolicy: account.apply((accountId) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                            },
                        ],
                    }),
                ),
                tags: tags(),
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: flowRole.name,
                policy: logGroup.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Action: [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                Resource: [arn, `${arn}:*`],
                            },
                            // DescribeLogGroups lists groups: it cannot be scoped to one group's ARN.
                            { Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
                        ],
                    }),
                ),
            },
            child,
        );
        new aws.ec2.FlowLog(
            `${name}-flow-logs`,
            {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: flowRole.arn,
                maxAggregationInterval: 60,
                tags: tags(),
            },
            child,
        );
        this.flowLogGroupName = logGroup.name;

        this.registerOutputs({
            vpcId: this.vpcId,
            privateSubnetIds: this.privateSubnetIds,
            publicSubnetIds: this.publicSubnetIds,
            privateRouteTableIds: this.privateRouteTableIds,
            natGatewayIds: this.natGatewayIds,
        });
    }
}
