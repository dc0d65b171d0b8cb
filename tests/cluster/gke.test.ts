import { strict as assert } from "assert";
import { RecordedRun, runStack } from "../harness";
import { validGcpRawConfig } from "../support/fixtures";
import { GKE_NODE_ROLES } from "../../components/cluster/gke";

const labels = (region: string) => ({
    environment: "prod",
    region,
    team: "platform",
    "cost-center": "edtech-platform",
    "managed-by": "pulumi",
    stack: "gcp",
});

describe("clusters: GKE (stack gcp)", function () {
    this.timeout(300000);
    let run: RecordedRun;
    before(async () => {
        run = await runStack("gcp");
    });

    const regions = [
        {
            name: "singapore",
            region: "asia-southeast1",
            vpcCidr: "10.70.0.0/20",
            pods: "10.72.0.0/14",
            services: "10.76.0.0/20",
            master: "172.16.0.0/28",
        },
        {
            name: "tokyo",
            region: "asia-northeast1",
            vpcCidr: "10.80.0.0/20",
            pods: "10.84.0.0/14",
            services: "10.88.0.0/20",
            master: "172.16.0.16/28",
        },
    ];

    for (const r of regions) {
        describe(r.name, () => {
            it("is VPC-native on its own subnetwork with pods and services secondary ranges", () => {
                const cluster = run.one("gcp:container/cluster:Cluster", `${r.name}-gke`);
                const subnet = run.one("gcp:compute/subnetwork:Subnetwork", `${r.name}-nodes`);
                const network = run.one("gcp:compute/network:Network", `${r.name}-vpc`);
                assert.equal(cluster.inputs.networkingMode, "VPC_NATIVE");
                assert.deepEqual(cluster.inputs.ipAllocationPolicy, {
                    clusterSecondaryRangeName: "pods",
                    servicesSecondaryRangeName: "services",
                });
                assert.equal(cluster.inputs.network, network.id);
                assert.equal(cluster.inputs.subnetwork, subnet.id);
                assert.equal(cluster.inputs.location, r.region);
                assert.equal(network.inputs.autoCreateSubnetworks, false);
                assert.equal(subnet.inputs.ipCidrRange, r.vpcCidr);
                assert.equal(subnet.inputs.privateIpGoogleAccess, true);
                assert.deepEqual(subnet.inputs.secondaryIpRanges, [
                    { rangeName: "pods", ipCidrRange: r.pods },
                    { rangeName: "services", ipCidrRange: r.services },
                ]);
            });

            it("has private nodes and a control plane limited to the authorized networks", () => {
                const cluster = run.one("gcp:container/cluster:Cluster", `${r.name}-gke`);
                assert.deepEqual(cluster.inputs.privateClusterConfig, {
                    enablePrivateNodes: true,
                    enablePrivateEndpoint: false,
                    masterIpv4CidrBlock: r.master,
                    masterGlobalAccessConfig: { enabled: true },
                });
                const natIps = run
                    .ofType("gcp:compute/address:Address")
                    .filter((a) => /^(singapore|tokyo)-nat-\d+$/.test(a.name))
                    .map((a) => `${a.outputs.address}/32`);
                assert.equal(natIps.length, 4);
                const blocks = cluster.inputs.masterAuthorizedNetworksConfig as {
                    cidrBlocks: { cidrBlock: string }[];
                    gcpPublicCidrsAccessEnabled: boolean;
                };
                assert.deepEqual(
                    blocks.cidrBlocks.map((b) => b.cidrBlock),
                    // the deployer's runners (deployer.cidrs) last
                    [r.vpcCidr, ...natIps, "198.51.100.0/28"],
                );
                assert.equal(blocks.gcpPublicCidrsAccessEnabled, false);
                assert.ok(
                    natIps.every((c) => /^35\.\d+\.\d+\.\d+\/32$/.test(c)),
                    natIps.join(),
                );
            });

            it("enables Workload Identity, shielded nodes with secure boot, the release channel, Dataplane V2 and logging", () => {
                const cluster = run.one("gcp:container/cluster:Cluster", `${r.name}-gke`);
                assert.deepEqual(cluster.inputs.workloadIdentityConfig, {
                    workloadPool: "edtech-platform-prod.svc.id.goog",
                });
                assert.equal(cluster.inputs.enableShieldedNodes, true);
                assert.deepEqual(cluster.inputs.releaseChannel, { channel: "STABLE" });
                assert.equal(cluster.inputs.minMasterVersion, "1.35");
                assert.equal(cluster.inputs.datapathProvider, "ADVANCED_DATAPATH");
                assert.deepEqual(
                    (cluster.inputs.loggingConfig as { enableComponents: string[] })
                        .enableComponents,
                    [
                        "SYSTEM_COMPONENTS",
                        "WORKLOADS",
                        "APISERVER",
                        "CONTROLLER_MANAGER",
                        "SCHEDULER",
                    ],
                );
                assert.deepEqual(
                    (cluster.inputs.monitoringConfig as { managedPrometheus: unknown })
                        .managedPrometheus,
                    { enabled: true },
                );
                assert.equal(cluster.inputs.removeDefaultNodePool, true);
                assert.equal(cluster.inputs.deletionProtection, true);
                assert.equal(cluster.protect, true);
                assert.deepEqual(cluster.inputs.resourceLabels, labels(r.name));
            });

            it("has node pools system and workloads: autoscaled, shielded, GKE metadata server, no spot in prod", () => {
                const sa = run.one("gcp:serviceaccount/account:Account", `${r.name}-nodes`);
                for (const [role, min, max, machine] of [
                    ["system", 3, 6, "n2-standard-2"],
                    ["workloads", 3, 12, "n2-standard-4"],
                ] as const) {
                    const pool = run.one("gcp:container/nodePool:NodePool", `${r.name}-${role}`);
                    assert.equal(
                        pool.inputs.cluster,
                        run.one("gcp:container/cluster:Cluster", `${r.name}-gke`).outputs.name,
                    );
                    assert.deepEqual(pool.inputs.autoscaling, {
                        totalMinNodeCount: min,
                        totalMaxNodeCount: max,
                        locationPolicy: "BALANCED",
                    });
                    assert.deepEqual(pool.inputs.management, {
                        autoRepair: true,
                        autoUpgrade: true,
                    });
                    const node = pool.inputs.nodeConfig as Record<string, unknown>;
                    assert.equal(node.machineType, machine);
                    assert.equal(node.spot, false);
                    assert.equal(node.serviceAccount, sa.outputs.email);
                    assert.deepEqual(node.shieldedInstanceConfig, {
                        enableSecureBoot: true,
                        enableIntegrityMonitoring: true,
                    });
                    assert.deepEqual(node.workloadMetadataConfig, { mode: "GKE_METADATA" });
                    assert.deepEqual(node.labels, { "node-role": role });
                    assert.deepEqual(node.resourceLabels, labels(r.name));
                    assert.deepEqual(
                        node.taints,
                        role === "system"
                            ? [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]
                            : [],
                    );
                }
                const roles = run
                    .ofType("gcp:projects/iAMMember:IAMMember")
                    .filter((m) => m.name.startsWith(`${r.name}-nodes-`));
                assert.deepEqual(
                    roles.map((m) => m.inputs.role).sort(),
                    [...GKE_NODE_ROLES].sort(),
                );
                for (const m of roles)
                    assert.equal(m.inputs.member, `serviceAccount:${sa.outputs.email}`);
            });

            it("opens the Istio injector port from the control plane range only", () => {
                const fw = run.one("gcp:compute/firewall:Firewall", `${r.name}-istio-webhook`);
                assert.deepEqual(fw.inputs.sourceRanges, [r.master]);
                assert.deepEqual(fw.inputs.allows, [{ protocol: "tcp", ports: ["15017"] }]);
                assert.equal(fw.inputs.direction, "INGRESS");
            });

            it("egresses through Cloud NAT on reserved addresses", () => {
                const router = run.one("gcp:compute/router:Router", `${r.name}-router`);
                const nat = run.one("gcp:compute/routerNat:RouterNat", `${r.name}-nat`);
                const addresses = run
                    .ofType("gcp:compute/address:Address")
                    .filter((a) => a.name.startsWith(`${r.name}-nat-`));
                assert.equal(nat.inputs.router, router.outputs.name);
                assert.equal(nat.inputs.natIpAllocateOption, "MANUAL_ONLY");
                assert.deepEqual(
                    nat.inputs.natIps,
                    addresses.map((a) => a.outputs.selfLink),
                );
                assert.equal(
                    nat.inputs.sourceSubnetworkIpRangesToNat,
                    "ALL_SUBNETWORKS_ALL_IP_RANGES",
                );
                assert.equal(run.providerOf(nat)!.name, `gcp-${r.name}`);
            });

            it("exports a kubeconfig (secret) that authenticates with gke-gcloud-auth-plugin", () => {
                const exported = (
                    run.outputs.clusters as { name: string; kubeconfig: string; endpoint: string }[]
                ).find((c) => c.name === r.name)!;
                const cluster = run.one("gcp:container/cluster:Cluster", `${r.name}-gke`);
                const kc = JSON.parse(exported.kubeconfig);
                assert.equal(kc.clusters[0].cluster.server, `https://${cluster.outputs.endpoint}`);
                assert.equal(exported.endpoint, `https://${cluster.outputs.endpoint}`);
                assert.equal(
                    kc.clusters[0].cluster["certificate-authority-data"],
                    (cluster.outputs.masterAuth as { clusterCaCertificate: string })
                        .clusterCaCertificate,
                );
                assert.deepEqual(kc.users[0].user.exec, {
                    apiVersion: "client.authentication.k8s.io/v1beta1",
                    command: "gke-gcloud-auth-plugin",
                    args: [],
                    interactiveMode: "Never",
                    installHint:
                        "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                    provideClusterInfo: true,
                });
            });
        });
    }

    it("peers the two region networks both ways, one operation at a time, after GKE's own control plane peering", () => {
        assert.deepEqual(run.ofType("mesh-platform:network:VpcPeering"), []);
        const component = run.one(
            "mesh-platform:network:GcpNetworkPeering",
            "peering-singapore-tokyo",
        );
        const peerings = run.ofType("gcp:compute/networkPeering:NetworkPeering");
        const selfLink = (region: string) =>
            run.one("gcp:compute/network:Network", `${region}-vpc`).outputs.selfLink;
        assert.deepEqual(
            peerings.map((p) => [
                p.name,
                run.providerOf(p)!.name,
                p.inputs.network,
                p.inputs.peerNetwork,
                p.parent,
            ]),
            [
                [
                    "peering-singapore-tokyo-singapore-to-tokyo",
                    "gcp-singapore",
                    selfLink("singapore"),
                    selfLink("tokyo"),
                    component.urn,
                ],
                [
                    "peering-singapore-tokyo-tokyo-to-singapore",
                    "gcp-tokyo",
                    selfLink("tokyo"),
                    selfLink("singapore"),
                    component.urn,
                ],
            ],
        );
        for (const p of peerings)
            assert.deepEqual(
                [p.inputs.exportCustomRoutes, p.inputs.importCustomRoutes],
                [false, false],
            );
        const [there, back] = peerings;
        const clusters = ["singapore", "tokyo"].map(
            (r) => run.one("gcp:container/cluster:Cluster", `${r}-gke`).urn,
        );
        assert.deepEqual(
            there.dependencies.filter((u) => clusters.includes(u)).sort(),
            [...clusters].sort(),
        );
        assert.ok(
            back.dependencies.includes(there.urn),
            "the second peering must wait for the first",
        );
    });

    describe("outside prod", () => {
        let staging: RecordedRun;
        before(async () => {
            staging = await runStack("gcp-staging", {
                ...validGcpRawConfig(),
                environment: "staging",
                kubernetes: { publicAccessCidrs: ["198.51.100.0/24"] },
            });
        });

        it("runs workloads on spot nodes, system nodes on-demand, on the REGULAR channel, unprotected", () => {
            assert.equal(
                (
                    staging.one("gcp:container/nodePool:NodePool", "singapore-workloads").inputs
                        .nodeConfig as { spot: boolean }
                ).spot,
                true,
            );
            assert.equal(
                (
                    staging.one("gcp:container/nodePool:NodePool", "singapore-system").inputs
                        .nodeConfig as { spot: boolean }
                ).spot,
                false,
            );
            const cluster = staging.one("gcp:container/cluster:Cluster", "singapore-gke");
            assert.deepEqual(cluster.inputs.releaseChannel, { channel: "REGULAR" });
            assert.equal(cluster.protect, false);
            assert.equal(cluster.inputs.deletionProtection, false);
        });

        it("adds the configured public access CIDRs to the authorized networks", () => {
            const blocks = (
                staging.one("gcp:container/cluster:Cluster", "tokyo-gke").inputs
                    .masterAuthorizedNetworksConfig as {
                    cidrBlocks: { cidrBlock: string; displayName: string }[];
                }
            ).cidrBlocks;
            assert.deepEqual(blocks[blocks.length - 2], {
                cidrBlock: "198.51.100.0/24",
                displayName: "kubernetes.publicAccessCidrs[0]",
            });
            // then the deployer network, named by content
            assert.deepEqual(blocks[blocks.length - 1], {
                cidrBlock: "198.51.100.0/28",
                displayName: "deployer 198.51.100.0/28",
            });
            assert.equal(blocks.length, 7);
        });
    });
});
