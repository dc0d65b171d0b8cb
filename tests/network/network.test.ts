import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { RecordedRun, runDeclarations, runStack } from "../harness";
import { validRawConfig } from "../support/fixtures";
import {
    AwsNetwork,
    AwsNetworkArgs,
    awsNetworkArgProblems,
    awsSubnetLayout,
    GcpNetwork,
    GcpNetworkArgs,
    gcpNetworkArgProblems,
    GcpNetworkPeering,
    pairs,
    PeeringSide,
    VpcPeering,
    vpcPeeringArgProblems,
} from "../../components/network";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";

describe("network: AWS", function () {
    this.timeout(300000);

    it("carves private subnets from the first three quarters and public ones from the last", () => {
        assert.deepEqual(awsSubnetLayout("10.10.0.0/16", 3), {
            private: ["10.10.0.0/18", "10.10.64.0/18", "10.10.128.0/18"],
            public: ["10.10.192.0/20", "10.10.208.0/20", "10.10.224.0/20"],
        });
        assert.deepEqual(awsSubnetLayout("10.70.0.0/20", 2), {
            private: ["10.70.0.0/22", "10.70.4.0/22"],
            public: ["10.70.12.0/24", "10.70.13.0/24"],
        });
    });

    it("lists every unordered pair once", () => {
        assert.deepEqual(pairs(["a", "b", "c"]), [
            ["a", "b"],
            ["a", "c"],
            ["b", "c"],
        ]);
        assert.deepEqual(pairs(["a"]), []);
    });

    const profiles = [
        {
            stack: "prod",
            zones: 3,
            nats: 3,
            retention: 90,
            cidrs: { singapore: "10.10.0.0/16", tokyo: "10.20.0.0/16" },
        },
        {
            stack: "staging",
            zones: 3,
            nats: 1,
            retention: 30,
            cidrs: { singapore: "10.30.0.0/16", tokyo: "10.40.0.0/16" },
        },
        {
            stack: "dev",
            zones: 2,
            nats: 1,
            retention: 7,
            cidrs: { singapore: "10.50.0.0/16", tokyo: "10.60.0.0/16" },
        },
    ] as const;

    for (const p of profiles) {
        describe(p.stack, () => {
            let run: RecordedRun;
            before(async () => {
                run = await runStack(p.stack);
            });

            for (const region of ["singapore", "tokyo"] as const) {
                it(`${region}: a VPC with public and private subnets in ${p.zones} real zones, tagged for load balancers`, () => {
                    const vpc = run.one("aws:ec2/vpc:Vpc", `${region}-vpc`);
                    assert.equal(vpc.inputs.cidrBlock, p.cidrs[region]);
                    assert.equal(vpc.inputs.enableDnsHostnames, true);
                    assert.equal(vpc.inputs.enableDnsSupport, true);
                    const layout = awsSubnetLayout(p.cidrs[region], p.zones);
                    const letters = region === "tokyo" ? ["a", "c", "d"] : ["a", "b", "c"];
                    const awsRegion = region === "tokyo" ? "ap-northeast-1" : "ap-southeast-1";
                    for (const tier of ["public", "private"] as const) {
                        const subnets = run
                            .ofType("aws:ec2/subnet:Subnet")
                            .filter((s) => s.name.startsWith(`${region}-${tier}-`));
                        assert.equal(subnets.length, p.zones);
                        subnets.forEach((s, i) => {
                            assert.equal(s.inputs.vpcId, vpc.id);
                            assert.equal(s.inputs.cidrBlock, layout[tier][i]);
                            assert.equal(s.inputs.availabilityZone, `${awsRegion}${letters[i]}`);
                            const tags = s.inputs.tags as Record<string, string>;
                            assert.equal(
                                tags[`kubernetes.io/cluster/mesh-${p.stack}-${region}`],
                                "shared",
                            );
                            assert.equal(
                                tags[
                                    tier === "public"
                                        ? "kubernetes.io/role/elb"
                                        : "kubernetes.io/role/internal-elb"
                                ],
                                "1",
                            );
                            assert.equal(
                                tags[
                                    tier === "public"
                                        ? "kubernetes.io/role/internal-elb"
                                        : "kubernetes.io/role/elb"
                                ],
                                undefined,
                            );
                        });
                        if (tier === "public")
                            assert.ok(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false));
                    }
                });

                it(`${region}: ${p.nats} NAT gateway(s), private zones route to them, public subnets to the internet gateway`, () => {
                    const nats = run
                        .ofType("aws:ec2/natGateway:NatGateway")
                        .filter((n) => n.name.startsWith(`${region}-nat-`));
                    assert.equal(nats.length, p.nats);
                    const publics = run
                        .ofType("aws:ec2/subnet:Subnet")
                        .filter((s) => s.name.startsWith(`${region}-public-`));
                    nats.forEach((n, i) => {
                        assert.equal(n.inputs.subnetId, publics[i].id);
                        assert.equal(
                            n.inputs.allocationId,
                            run.one("aws:ec2/eip:Eip", `${region}-nat-${i}`).id,
                        );
                    });
                    const defaults = Array.from({ length: p.zones }, (_v, i) =>
                        run.one("aws:ec2/route:Route", `${region}-private-default-${i}`),
                    );
                    assert.deepEqual(
                        defaults.map((r) => r.inputs.natGatewayId),
                        Array.from(
                            { length: p.zones },
                            (_v, i) => nats[Math.min(i, p.nats - 1)].id,
                        ),
                    );
                    assert.ok(defaults.every((r) => r.inputs.destinationCidrBlock === "0.0.0.0/0"));
                    const igw = run.one("aws:ec2/internetGateway:InternetGateway", `${region}-igw`);
                    const pub = run.one("aws:ec2/route:Route", `${region}-public-default`);
                    assert.deepEqual(
                        [pub.inputs.gatewayId, pub.inputs.destinationCidrBlock],
                        [igw.id, "0.0.0.0/0"],
                    );
                    const assocs = run
                        .ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")
                        .filter((a) => a.name.startsWith(`${region}-`));
                    assert.equal(assocs.length, 2 * p.zones);
                });

                it(`${region}: VPC flow logs of all traffic to CloudWatch, kept ${p.retention} days, written by a scoped role`, () => {
                    const log = run.one("aws:ec2/flowLog:FlowLog", `${region}-flow-logs`);
                    const group = run.one(
                        "aws:cloudwatch/logGroup:LogGroup",
                        `${region}-flow-logs`,
                    );
                    const role = run.one("aws:iam/role:Role", `${region}-flow-logs`);
                    assert.equal(log.inputs.vpcId, run.one("aws:ec2/vpc:Vpc", `${region}-vpc`).id);
                    assert.deepEqual(
                        [
                            log.inputs.trafficType,
                            log.inputs.logDestinationType,
                            log.inputs.logDestination,
                            log.inputs.iamRoleArn,
                        ],
                        ["ALL", "cloud-watch-logs", group.outputs.arn, role.outputs.arn],
                    );
                    assert.equal(group.inputs.retentionInDays, p.retention);
                    assert.equal(
                        JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal
                            .Service,
                        "vpc-flow-logs.amazonaws.com",
                    );
                    assert.deepEqual(
                        JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Condition,
                        { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
                    );
                    const policy = JSON.parse(
                        String(
                            run.one("aws:iam/rolePolicy:RolePolicy", `${region}-flow-logs`).inputs
                                .policy,
                        ),
                    );
                    assert.deepEqual(policy.Statement[0].Resource, [
                        group.outputs.arn,
                        `${group.outputs.arn}:*`,
                    ]);
                    assert.deepEqual(
                        policy.Statement.map((s: { Action: string[]; Resource: unknown }) => [
                            s.Action,
                            s.Resource,
                        ]),
                        [
                            [
                                [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                [group.outputs.arn, `${group.outputs.arn}:*`],
                            ],
                            [["logs:DescribeLogGroups"], "*"],
                        ],
                    );
                });
            }
        });
    }

    it("peers every pair of AWS regions: three regions give three connections, routes both ways in each", async () => {
        const raw = validRawConfig();
        const run = await runStack("three-regions", {
            ...raw,
            regions: [
                ...(raw.regions as object[]),
                {
                    name: "sydney",
                    cloud: "aws",
                    region: "ap-southeast-2",
                    vpcCidr: "10.30.0.0/16",
                    availabilityZones: 2,
                },
            ],
        });
        const connections = run
            .ofType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
            .filter((c) => c.name.startsWith("peering-")); // not the management VPC's
        assert.deepEqual(
            connections.map((c) => [c.name, run.providerOf(c)!.name, c.inputs.peerRegion]).sort(),
            [
                ["peering-singapore-sydney-request", "aws-singapore", "ap-southeast-2"],
                ["peering-singapore-tokyo-request", "aws-singapore", "ap-northeast-1"],
                ["peering-tokyo-sydney-request", "aws-tokyo", "ap-southeast-2"],
            ],
        );
        const routes = (from: string, to: string) =>
            run
                .ofType("aws:ec2/route:Route")
                .filter((r) => new RegExp(`^peering-\\w+-\\w+-${from}-to-${to}-\\d$`).test(r.name));
        assert.deepEqual(
            routes("sydney", "tokyo").map((r) => r.inputs.destinationCidrBlock),
            ["10.20.0.0/16", "10.20.0.0/16"],
        );
        assert.deepEqual(
            routes("tokyo", "sydney").map((r) => r.inputs.destinationCidrBlock),
            ["10.30.0.0/16", "10.30.0.0/16", "10.30.0.0/16"],
        );
        // One route per private route table on each side: (3 + 3) + (3 + 2) + (3 + 2).
        assert.equal(
            run.ofType("aws:ec2/route:Route").filter((r) => r.name.startsWith("peering-")).length,
            16,
        );
        // The API security group of each cluster admits both other VPCs (and the management VPC).
        const sydneyApi = run
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.name.startsWith("sydney-api-"));
        assert.deepEqual(sydneyApi.map((r) => r.inputs.cidrIpv4).sort(), [
            "10.0.0.0/16",
            "10.10.0.0/16",
            "10.20.0.0/16",
            "10.30.0.0/16",
        ]);
    });

    it("refuses to peer a region with itself, and rejects a zone count the layout cannot hold", async () => {
        await assert.rejects(
            runDeclarations(() => {
                const provider = new aws.Provider("p", { region: "ap-southeast-1" });
                const side = {
                    name: "a",
                    region: "ap-southeast-1",
                    provider,
                    vpcId: "vpc-1",
                    vpcCidr: "10.0.0.0/16",
                    routeTableIds: [],
                    tags: {},
                };
                new VpcPeering("x", { requester: side, accepter: { ...side, name: "b" } });
            }),
            /VpcPeering x: args\.requester\.region and args\.accepter\.region are both ap-southeast-1; peer different regions/,
        );
        await assert.rejects(
            runDeclarations(() => {
                const provider = new gcp.Provider("g", { project: "p", region: "asia-southeast1" });
                const side = {
                    name: "a",
                    provider,
                    networkSelfLink:
                        "https://www.googleapis.com/compute/v1/projects/p/global/networks/n",
                };
                new GcpNetworkPeering("y", { a: side, b: { ...side } });
            }),
            /GcpNetworkPeering y: args\.a\.name and args\.b\.name are both region a; peer different regions/,
        );
        await assert.rejects(
            runDeclarations(() => {
                const provider = new aws.Provider("p", { region: "ap-southeast-1" });
                new AwsNetwork(
                    "n",
                    {
                        vpcCidr: "10.0.0.0/16",
                        availabilityZones: 4,
                        natGateways: "single",
                        flowLogsRetentionDays: 7,
                        clusterName: "c",
                        tags: {},
                    },
                    { provider },
                );
            }),
            /AwsNetwork n: args\.availabilityZones must be 2 or 3 \(got 4\)/,
        );
    });

    const awsArgs = (): AwsNetworkArgs => ({
        vpcCidr: "10.0.0.0/16",
        availabilityZones: 2,
        natGateways: "single",
        flowLogsRetentionDays: 7,
        clusterName: "c",
        tags: {},
    });
    const AWS_ROWS: { arg: string; patch: Partial<AwsNetworkArgs>; message: RegExp }[] = [
        {
            arg: "vpcCidr (too small)",
            patch: { vpcCidr: "10.0.0.0/24" },
            message: /args\.vpcCidr "10\.0\.0\.0\/24" must be an IPv4 CIDR from \/16 to \/20/,
        },
        {
            arg: "vpcCidr (not a CIDR)",
            patch: { vpcCidr: "10.0.0.1/16" },
            message: /args\.vpcCidr "10\.0\.0\.1\/16" must be an IPv4 CIDR/,
        },
        {
            arg: "availabilityZones",
            patch: { availabilityZones: 1 },
            message: /args\.availabilityZones must be 2 or 3 \(got 1\)/,
        },
        {
            arg: "natGateways",
            patch: { natGateways: "two" as never },
            message: /args\.natGateways "two" is not "perAz" or "single"/,
        },
        {
            arg: "flowLogsRetentionDays",
            patch: { flowLogsRetentionDays: 10 },
            message: /args\.flowLogsRetentionDays 10 is not a CloudWatch Logs retention/,
        },
        { arg: "clusterName", patch: { clusterName: "" }, message: /args\.clusterName is empty/ },
    ];
    it("accepts the base AwsNetwork args", () =>
        assert.deepEqual(awsNetworkArgProblems(awsArgs()), []));
    for (const row of AWS_ROWS) {
        it(`AwsNetwork rejects args.${row.arg}, naming the component and the arg`, async () => {
            assert.equal(awsNetworkArgProblems({ ...awsArgs(), ...row.patch }).length, 1);
            await assert.rejects(
                runDeclarations(() => {
                    new AwsNetwork(
                        "n",
                        { ...awsArgs(), ...row.patch },
                        { provider: new aws.Provider("p", { region: "ap-southeast-1" }) },
                    );
                }),
                (e: Error) => {
                    assert.match(e.message, new RegExp(`AwsNetwork n: ${row.message.source}`));
                    return true;
                },
            );
        });
    }

    it("AwsNetwork defaults to one NAT gateway per zone and no tags", async () => {
        const run = await runDeclarations(() => {
            new AwsNetwork(
                "n",
                {
                    vpcCidr: "10.0.0.0/16",
                    availabilityZones: 3,
                    flowLogsRetentionDays: 7,
                    clusterName: "c",
                },
                { provider: new aws.Provider("p", { region: "ap-southeast-1" }) },
            );
        });
        assert.equal(run.ofType("aws:ec2/natGateway:NatGateway").length, 3);
        assert.deepEqual(
            run.one("aws:cloudwatch/logGroup:LogGroup", "n-flow-logs").inputs.tags,
            {},
        );
    });

    const side = (
        name: string,
        region: string,
        vpcCidr: string,
        provider: aws.Provider,
    ): PeeringSide => ({
        name,
        region,
        provider,
        vpcId: `vpc-${name}`,
        vpcCidr,
        routeTableIds: ["rtb-1"],
    });
    it("VpcPeering rejects overlapping VPC ranges, a CIDR that is not one and two sides of one name, naming the arg", async () => {
        const peer = (a: [string, string, string], b: [string, string, string]) =>
            runDeclarations(() => {
                const p1 = new aws.Provider("p1", { region: a[1] as aws.Region });
                const p2 = new aws.Provider("p2", { region: b[1] as aws.Region });
                new VpcPeering("x", { requester: side(...a, p1), accepter: side(...b, p2) });
            });
        await assert.rejects(
            peer(
                ["a", "ap-southeast-1", "10.10.0.0/16"],
                ["b", "ap-northeast-1", "10.10.128.0/17"],
            ),
            /VpcPeering x: args\.accepter\.vpcCidr "10\.10\.128\.0\/17" overlaps args\.requester\.vpcCidr "10\.10\.0\.0\/16"/,
        );
        await assert.rejects(
            peer(["a", "ap-southeast-1", "10.10.0.0/16"], ["b", "ap-northeast-1", "10.20.0.0"]),
            /VpcPeering x: args\.accepter\.vpcCidr "10\.20\.0\.0" is not an IPv4 CIDR/,
        );
        await assert.rejects(
            peer(["a", "ap-southeast-1", "10.10.0.0/16"], ["a", "ap-northeast-1", "10.20.0.0/16"]),
            /VpcPeering x: args\.requester\.name and args\.accepter\.name are both "a"/,
        );
        const ok = vpcPeeringArgProblems({
            requester: side("a", "ap-southeast-1", "10.10.0.0/16", undefined as never),
            accepter: side("b", "ap-northeast-1", "10.20.0.0/16", undefined as never),
        });
        assert.deepEqual(ok, []);
    });
});

describe("network: GCP", function () {
    this.timeout(120000);
    const gcpArgs = (): GcpNetworkArgs => ({
        project: "p",
        region: "asia-southeast1",
        vpcCidr: "10.70.0.0/20",
        podsCidr: "10.72.0.0/14",
        servicesCidr: "10.76.0.0/20",
    });
    const ROWS: { arg: string; patch: Partial<GcpNetworkArgs>; message: RegExp }[] = [
        {
            arg: "podsCidr (overlap)",
            patch: { podsCidr: "10.70.8.0/21" },
            message: /args\.podsCidr "10\.70\.8\.0\/21" overlaps args\.vpcCidr "10\.70\.0\.0\/20"/,
        },
        {
            arg: "servicesCidr (overlap)",
            patch: { servicesCidr: "10.73.0.0/20" },
            message:
                /args\.servicesCidr "10\.73\.0\.0\/20" overlaps args\.podsCidr "10\.72\.0\.0\/14"/,
        },
        {
            arg: "vpcCidr (not a CIDR)",
            patch: { vpcCidr: "10.70.0.0/33" },
            message: /args\.vpcCidr "10\.70\.0\.0\/33" is not an IPv4 CIDR/,
        },
        {
            arg: "natAddresses",
            patch: { natAddresses: 0 },
            message: /args\.natAddresses must be a positive integer \(got 0\)/,
        },
    ];
    it("accepts the base GcpNetwork args", () =>
        assert.deepEqual(gcpNetworkArgProblems(gcpArgs()), []));
    for (const row of ROWS) {
        it(`GcpNetwork rejects args.${row.arg}, naming the component and the arg`, async () => {
            assert.equal(gcpNetworkArgProblems({ ...gcpArgs(), ...row.patch }).length, 1);
            await assert.rejects(
                runDeclarations(() => {
                    new GcpNetwork(
                        "g",
                        { ...gcpArgs(), ...row.patch },
                        {
                            provider: new gcp.Provider("gp", {
                                project: "p",
                                region: "asia-southeast1",
                            }),
                        },
                    );
                }),
                (e: Error) => {
                    assert.match(e.message, new RegExp(`GcpNetwork g: ${row.message.source}`));
                    return true;
                },
            );
        });
    }
    it("GcpNetwork defaults to two NAT addresses without labels", async () => {
        const run = await runDeclarations(() => {
            new GcpNetwork("g", gcpArgs(), {
                provider: new gcp.Provider("gp", { project: "p", region: "asia-southeast1" }),
            });
        });
        const addresses = run.ofType("gcp:compute/address:Address");
        assert.deepEqual(
            addresses.map((a) => [a.name, a.inputs.labels]),
            [
                ["g-nat-0", {}],
                ["g-nat-1", {}],
            ],
        );
    });
});
