/**
 * The cluster components on their own: every arg validation throws naming the component and the arg
 * path, the optional args default to the safe value, and nothing in the area depends on the config.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import {
    EksCluster,
    EksClusterArgs,
    EKS_NODE_POLICY_ARNS,
    eksClusterArgProblems,
} from "../../components/cluster/eks";
import { GkeCluster, GkeClusterArgs, gkeClusterArgProblems } from "../../components/cluster/gke";
import { LbController } from "../../components/cluster/lb-controller";
import { policyAttachmentSuffix } from "../../components/cluster/identity";
import type { NodeGroupSizing } from "../../components/cluster/sizing";
import { GKE_RELEASE_CHANNEL } from "../../platform/clusters";

type Patch<A> = (a: A) => A;
interface Row<A> {
    readonly arg: string;
    readonly patch: Patch<A>;
    readonly message: RegExp;
}

const sizing = (instanceTypes: string[], over: Partial<NodeGroupSizing> = {}): NodeGroupSizing => ({
    instanceTypes,
    minSize: 2,
    maxSize: 4,
    desiredSize: 2,
    capacityType: "ON_DEMAND",
    diskSizeGiB: 50,
    ...over,
});

const eksArgs = (): EksClusterArgs => ({
    regionName: "singapore",
    cloudRegion: "ap-southeast-1",
    primary: true,
    clusterName: "mesh-test-singapore",
    version: "1.33",
    adminRoleArn: "arn:aws:iam::111122223333:role/platform-admin",
    logRetentionDays: 30,
    nodeGroups: {
        system: sizing(["m6i.large"]),
        workloads: sizing(["m6i.xlarge", "m6a.xlarge"], { capacityType: "SPOT" }),
    },
    network: {
        vpcId: pulumi.output("vpc-1"),
        vpcCidr: "10.10.0.0/16",
        privateSubnetIds: [pulumi.output("subnet-1"), pulumi.output("subnet-2")],
    },
});

const gkeArgs = (): GkeClusterArgs => ({
    regionName: "singapore",
    cloudRegion: "asia-southeast1",
    primary: true,
    vpcCidr: "10.70.0.0/20",
    project: "edtech-platform-prod",
    minMasterVersion: "1.33",
    releaseChannel: "STABLE",
    masterCidr: "172.16.0.0/28",
    nodeGroups: { system: sizing(["n2-standard-2"]), workloads: sizing(["n2-standard-4"]) },
    network: {
        networkId: pulumi.output("projects/p/global/networks/n"),
        subnetworkId: pulumi.output("projects/p/regions/r/subnetworks/s"),
    },
});

const withGroup =
    <A extends { nodeGroups: { system: NodeGroupSizing; workloads: NodeGroupSizing } }>(
        role: "system" | "workloads",
        over: Partial<NodeGroupSizing>,
    ): Patch<A> =>
    (a) => ({ ...a, nodeGroups: { ...a.nodeGroups, [role]: { ...a.nodeGroups[role], ...over } } });

const EKS_ROWS: Row<EksClusterArgs>[] = [
    {
        arg: "version",
        patch: (a) => ({ ...a, version: "1.29" }),
        message: /args\.version "1\.29" has no pinned add-on versions; known: 1\.32, 1\.33, 1\.34/,
    },
    {
        arg: "publicAccessCidrs",
        patch: (a) => ({ ...a, publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] }),
        message:
            /args\.publicAccessCidrs\[1\] "0\.0\.0\.0\/0": the public endpoint must never be open/,
    },
    {
        arg: "peerVpcCidrs",
        patch: (a) => ({ ...a, peerVpcCidrs: ["10.20.0.0"] }),
        message: /args\.peerVpcCidrs\[0\] "10\.20\.0\.0" is not an IPv4 CIDR/,
    },
    {
        arg: "logRetentionDays",
        patch: (a) => ({ ...a, logRetentionDays: 10 }),
        message: /args\.logRetentionDays 10 is not a CloudWatch Logs retention/,
    },
    {
        arg: "nodeGroups.workloads.instanceTypes (architecture)",
        patch: withGroup("workloads", { instanceTypes: ["m6i.xlarge", "m7g.xlarge"] }),
        message:
            /args\.nodeGroups\.workloads\.instanceTypes mixes ARM \(Graviton\) and x86 \(m6i\.xlarge, m7g\.xlarge\)/,
    },
    {
        arg: "nodeGroups.system.instanceTypes (empty)",
        patch: withGroup("system", { instanceTypes: [] }),
        message: /args\.nodeGroups\.system\.instanceTypes is empty/,
    },
    {
        arg: "nodeGroups.system.desiredSize",
        patch: withGroup("system", { desiredSize: 5 }),
        message:
            /args\.nodeGroups\.system\.desiredSize 5 is outside \[minSize, maxSize\] = \[2, 4\]/,
    },
    {
        arg: "nodeGroups.workloads.minSize",
        patch: withGroup("workloads", { minSize: 5, desiredSize: 5 }),
        message:
            /args\.nodeGroups\.workloads\.minSize 5 is above args\.nodeGroups\.workloads\.maxSize 4/,
    },
    {
        arg: "nodeGroups.workloads.diskSizeGiB",
        patch: withGroup("workloads", { diskSizeGiB: 12.5 }),
        message:
            /args\.nodeGroups\.workloads\.diskSizeGiB must be a non-negative integer \(got 12\.5\)/,
    },
    {
        arg: "nodeGroups.system.capacityType",
        patch: withGroup("system", { capacityType: "SPOT" }),
        message: /args\.nodeGroups\.system\.capacityType must be ON_DEMAND/,
    },
    {
        arg: "controllerReplicas",
        patch: (a) => ({ ...a, controllerReplicas: 0 }),
        message: /args\.controllerReplicas must be a positive integer \(got 0\)/,
    },
    {
        arg: "clusterName",
        patch: (a) => ({ ...a, clusterName: "-bad name" }),
        message: /args\.clusterName "-bad name" is not an EKS cluster name/,
    },
];

const GKE_ROWS: Row<GkeClusterArgs>[] = [
    {
        arg: "releaseChannel",
        patch: (a) => ({ ...a, releaseChannel: "EXTENDED" as never }),
        message: /args\.releaseChannel "EXTENDED" is not one of STABLE, REGULAR, RAPID/,
    },
    {
        arg: "masterCidr",
        patch: (a) => ({ ...a, masterCidr: "172.16.0.0/24" }),
        message: /args\.masterCidr "172\.16\.0\.0\/24" must be a \/28/,
    },
    {
        arg: "vpcCidr",
        patch: (a) => ({ ...a, vpcCidr: "10.70.0.1/20" }),
        message: /args\.vpcCidr "10\.70\.0\.1\/20" is not an IPv4 CIDR/,
    },
    {
        arg: "publicAccessCidrs",
        patch: (a) => ({ ...a, publicAccessCidrs: ["0.0.0.0/0"] }),
        message:
            /args\.publicAccessCidrs\[0\] "0\.0\.0\.0\/0": the control plane must never be open/,
    },
    {
        arg: "minMasterVersion",
        patch: (a) => ({ ...a, minMasterVersion: "latest" }),
        message: /args\.minMasterVersion "latest" is not a Kubernetes version/,
    },
    {
        arg: "maintenanceWindow",
        patch: (a) => ({
            ...a,
            maintenanceWindow: {
                startTime: "2026-01-01T18:00:00Z",
                endTime: "2026-01-01T19:00:00Z",
                recurrence: "FREQ=DAILY",
            },
        }),
        message: /args\.maintenanceWindow .* at least 4 hours apart/,
    },
    {
        arg: "nodeGroups.workloads.instanceTypes",
        patch: withGroup("workloads", { instanceTypes: ["n2-standard-4", "n2d-standard-4"] }),
        message:
            /args\.nodeGroups\.workloads\.instanceTypes has 2 machine types \(n2-standard-4, n2d-standard-4\); a GKE node pool takes exactly one/,
    },
    {
        arg: "nodeGroups.system.maxSize",
        patch: withGroup("system", { minSize: 0, desiredSize: 0, maxSize: 0 }),
        message: /args\.nodeGroups\.system\.maxSize must be at least 1 \(got 0\)/,
    },
];

const eksProvider = () => new aws.Provider("aws-singapore", { region: "ap-southeast-1" });
const gcpProvider = () =>
    new gcp.Provider("gcp-singapore", {
        project: "edtech-platform-prod",
        region: "asia-southeast1",
    });

describe("clusters: component args", function () {
    this.timeout(120000);

    describe("EksCluster", () => {
        it("accepts the base args (so every row below fails for its own arg only)", () => {
            assert.deepEqual(eksClusterArgProblems(eksArgs()), []);
        });
        for (const row of EKS_ROWS) {
            it(`rejects args.${row.arg}, naming the component and the arg`, async () => {
                const args = row.patch(eksArgs());
                assert.equal(
                    eksClusterArgProblems(args).length,
                    1,
                    eksClusterArgProblems(args).join("; "),
                );
                let error: unknown;
                const run = await runDeclarations(() => {
                    new EksCluster("singapore", args, { provider: eksProvider() });
                }).catch((e: unknown) => {
                    error = e;
                });
                assert.equal(run, undefined, "the program must fail");
                assert.match(
                    String((error as Error).message),
                    new RegExp(`EksCluster singapore: ${row.message.source}`),
                );
                assert.doesNotMatch(String((error as Error).message), /mesh-platform:/);
            });
        }
        it("reports every problem at once", () => {
            const args = withGroup<EksClusterArgs>("system", { capacityType: "SPOT" })({
                ...eksArgs(),
                version: "1.29",
                logRetentionDays: 10,
            });
            assert.deepEqual(
                eksClusterArgProblems(args).map((p) => p.split(" ")[0]),
                ["args.version", "args.logRetentionDays", "args.nodeGroups.system.capacityType"],
            );
        });

        it("defaults to the safe values: protected, private endpoint only, two controller replicas, no tags", async () => {
            const run = await runDeclarations(() => {
                new EksCluster("singapore", eksArgs(), { provider: eksProvider() });
            });
            const cluster = run.one("aws:eks/cluster:Cluster", "singapore-eks");
            const key = run.one("aws:kms/key:Key", "singapore-secrets");
            assert.deepEqual(
                [cluster.protect, key.protect, cluster.inputs.deletionProtection],
                [true, true, true],
            );
            const vpc = cluster.inputs.vpcConfig as Record<string, unknown>;
            assert.deepEqual(
                [vpc.endpointPrivateAccess, vpc.endpointPublicAccess, vpc.publicAccessCidrs],
                [true, false, undefined],
            );
            assert.equal(
                (
                    run.one("kubernetes:helm.sh/v3:Release", "singapore-lb-controller-release")
                        .inputs.values as { replicaCount: number }
                ).replicaCount,
                2,
            );
            assert.equal(
                (
                    run.one("kubernetes:helm.sh/v3:Release", "singapore-metrics-server").inputs
                        .values as { replicas: number }
                ).replicas,
                2,
            );
            // Only this VPC reaches the private endpoint.
            assert.deepEqual(
                run
                    .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                    .map((r) => r.inputs.cidrIpv4),
                ["10.10.0.0/16"],
            );
            assert.deepEqual(cluster.inputs.tags, {});
        });

        it("passes protect: false through to the key, the cluster and its deletion protection", async () => {
            const run = await runDeclarations(() => {
                new EksCluster(
                    "singapore",
                    { ...eksArgs(), protect: false },
                    { provider: eksProvider() },
                );
            });
            const cluster = run.one("aws:eks/cluster:Cluster", "singapore-eks");
            assert.deepEqual(
                [
                    cluster.protect,
                    run.one("aws:kms/key:Key", "singapore-secrets").protect,
                    cluster.inputs.deletionProtection,
                ],
                [false, false, false],
            );
        });

        it("names the node role's policy attachments by ARN and aliases them to their old index names", async () => {
            const seen: { type: string; name: string; aliases: unknown }[] = [];
            const run = await runDeclarations(() => {
                new EksCluster("singapore", eksArgs(), {
                    provider: eksProvider(),
                    transformations: [
                        (a) => {
                            seen.push({ type: a.type, name: a.name, aliases: a.opts.aliases });
                            return undefined;
                        },
                    ],
                });
            });
            const nodeRole = run.one("aws:iam/role:Role", "singapore-nodes");
            const component = run.one("mesh-platform:cluster:EksCluster", "singapore");
            const attachments = run
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.inputs.role === nodeRole.outputs.name);
            const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
            assert.deepEqual(
                attachments.map((a) => [a.name, a.inputs.policyArn, a.parent]).sort(byName),
                EKS_NODE_POLICY_ARNS.map((arn) => [
                    `singapore-nodes-${policyAttachmentSuffix(arn)}`,
                    arn,
                    component.urn,
                ]).sort(byName),
            );
            // The old program named them `${name}-nodes-${i}` in this list's order.
            const aliases = seen
                .filter(
                    (r) =>
                        r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
                        r.name.startsWith("singapore-nodes-"),
                )
                .map((r) => [r.name, r.aliases]);
            assert.deepEqual(
                aliases,
                EKS_NODE_POLICY_ARNS.map((arn, i) => [
                    `singapore-nodes-${policyAttachmentSuffix(arn)}`,
                    [{ name: `singapore-nodes-${i}` }],
                ]),
            );
            assert.deepEqual(
                EKS_NODE_POLICY_ARNS,
                [
                    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                ],
                "the aliases to the index names follow this order: do not reorder it before every stack has deployed the rename",
            );
            // The add-on IRSA roles' attachments too (WorkloadIdentity children, aliased to `<role>-managed-0`).
            const irsa = seen
                .filter((r) => /^singapore-(vpc-cni|ebs-csi)-managed-/.test(r.name))
                .map((r) => [r.name.replace(/-[a-z0-9-]+$/, ""), r.aliases]);
            assert.deepEqual(
                irsa.map(([, a]) => a),
                [
                    [{ name: "singapore-vpc-cni-managed-0" }],
                    [{ name: "singapore-ebs-csi-managed-0" }],
                ],
            );
        });
    });

    describe("GkeCluster", () => {
        it("accepts the base args", () => {
            assert.deepEqual(gkeClusterArgProblems(gkeArgs()), []);
        });
        for (const row of GKE_ROWS) {
            it(`rejects args.${row.arg}, naming the component and the arg`, async () => {
                const args = row.patch(gkeArgs());
                assert.equal(
                    gkeClusterArgProblems(args).length,
                    1,
                    gkeClusterArgProblems(args).join("; "),
                );
                await assert.rejects(
                    runDeclarations(() => {
                        new GkeCluster("singapore", args, { provider: gcpProvider() });
                    }),
                    (e: Error) => {
                        assert.match(
                            e.message,
                            new RegExp(`GkeCluster singapore: ${row.message.source}`),
                        );
                        return true;
                    },
                );
            });
        }

        it("defaults to protected with deletion protection, only the nodes authorized, no labels", async () => {
            const run = await runDeclarations(() => {
                new GkeCluster("singapore", gkeArgs(), { provider: gcpProvider() });
            });
            const cluster = run.one("gcp:container/cluster:Cluster", "singapore-gke");
            assert.deepEqual([cluster.protect, cluster.inputs.deletionProtection], [true, true]);
            assert.deepEqual(
                (cluster.inputs.masterAuthorizedNetworksConfig as { cidrBlocks: unknown[] })
                    .cidrBlocks,
                [{ cidrBlock: "10.70.0.0/20", displayName: "singapore nodes" }],
            );
            assert.deepEqual(cluster.inputs.releaseChannel, { channel: "STABLE" });
            assert.deepEqual(cluster.inputs.resourceLabels, {});
        });
    });

    describe("LbController", () => {
        const lbArgs = (cluster: ReturnType<typeof testCluster>, replicas?: number) => ({
            cluster,
            clusterName: "c",
            region: cluster.cloudRegion,
            vpcId: "vpc-1",
            k8sProvider: cluster.provider,
            replicas,
        });
        it("rejects a replica count below 1 and a GKE cluster, naming the arg", async () => {
            await assert.rejects(
                runDeclarations(() => {
                    new LbController("lb", lbArgs(testCluster(testConfig(), "singapore"), 0));
                }),
                /LbController lb: args\.replicas must be a positive integer \(got 0\)/,
            );
            await assert.rejects(
                runDeclarations(() => {
                    new LbController(
                        "lb",
                        lbArgs(testCluster(testConfig(validGcpRawConfig()), "singapore")),
                    );
                }),
                /LbController lb: args\.cluster singapore is a gcp cluster; the AWS Load Balancer Controller needs EKS/,
            );
        });
        it("defaults to two replicas and no dependencies", async () => {
            const run = await runDeclarations(() => {
                new LbController("lb", lbArgs(testCluster(testConfig(), "singapore")));
            });
            const release = run.one("kubernetes:helm.sh/v3:Release", "lb-release");
            assert.equal((release.inputs.values as { replicaCount: number }).replicaCount, 2);
        });
    });

    it("the composition decides the GKE release channel per environment", () => {
        assert.deepEqual(GKE_RELEASE_CHANNEL, {
            prod: "STABLE",
            staging: "REGULAR",
            dev: "REGULAR",
        });
    });
});
