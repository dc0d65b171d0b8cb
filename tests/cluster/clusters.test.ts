import { strict as assert } from "assert";
import { RecordedResource, RecordedRun, runStack, TEST_NOW } from "../harness";
import { parseConfig, PlatformConfig } from "../support/config";
import { readStackFile, ROOT_CONFIG_PREFIX } from "./stackconfig";
import { toLabels } from "../../components/types";
import { regionTags } from "../../platform/tags";
import {
    EKS_ADDON_VERSIONS,
    EKS_LOG_TYPES,
    LB_CONTROLLER_CHART,
} from "../../components/cluster/versions";
import { missingTags, tagProperty } from "./taggable";

const AWS_STACKS = ["prod", "staging", "dev"] as const;
const ALL_STACKS = [...AWS_STACKS, "gcp"] as const;

/** The resolved config of a committed stack, as the program sees it. */
function stackConfig(stack: string): PlatformConfig {
    const { config, secretKeys } = readStackFile(stack);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config))
        if (k.startsWith(ROOT_CONFIG_PREFIX)) raw[k.slice(ROOT_CONFIG_PREFIX.length)] = v;
    const secrets = new Set(
        secretKeys
            .filter((k) => k.startsWith(ROOT_CONFIG_PREFIX))
            .map((k) => k.slice(ROOT_CONFIG_PREFIX.length)),
    );
    return parseConfig(stack, raw, secrets, TEST_NOW);
}

/** Region short name that owns a resource: the name of its top-level area component (`singapore`). */
function owningRegion(run: RecordedRun, r: RecordedResource): string | undefined {
    let cur: RecordedResource | undefined = r;
    let last: RecordedResource | undefined;
    while (cur && cur.type !== "pulumi:pulumi:Stack") {
        last = cur;
        cur = cur.parent ? run.byUrn(cur.parent) : undefined;
    }
    return last &&
        /^mesh-platform:(network|cluster):(AwsNetwork|EksCluster|GcpNetwork|GkeCluster)$/.test(
            last.type,
        )
        ? last.name
        : undefined;
}

const dependsOn = (r: RecordedResource, target: RecordedResource) =>
    r.dependencies.includes(target.urn);

describe("clusters: committed stacks", function () {
    this.timeout(300000);

    for (const stack of ALL_STACKS) {
        describe(stack, () => {
            let run: RecordedRun;
            let cfg: PlatformConfig;
            before(async () => {
                run = await runStack(stack);
                cfg = stackConfig(stack);
            });

            it("declares one cluster per region, of the region's cloud, and exports them", () => {
                const eks = run.ofType("mesh-platform:cluster:EksCluster").map((r) => r.name);
                const gke = run.ofType("mesh-platform:cluster:GkeCluster").map((r) => r.name);
                const want =
                    stack === "gcp"
                        ? { eks: [], gke: ["singapore", "tokyo"] }
                        : { eks: ["singapore", "tokyo"], gke: [] };
                assert.deepEqual({ eks: eks.sort(), gke: gke.sort() }, want);
                assert.equal(cfg.regions.length, 2);
                const exported = run.outputs.clusters as { name: string }[];
                assert.deepEqual(
                    exported.map((c) => c.name),
                    ["singapore", "tokyo"],
                );
                assert.deepEqual(
                    (run.outputs.regions as { name: string }[]).map((r) => r.name),
                    ["singapore", "tokyo"],
                );
            });

            it("exports every kubeconfig as a secret, also as the Kubernetes provider input", () => {
                const masked = run.result.maskedOutputs.clusters as { kubeconfig: unknown }[];
                assert.deepEqual(
                    masked.map((c) => c.kubeconfig),
                    ["[secret]", "[secret]"],
                );
                const providers = run
                    .ofType("pulumi:providers:kubernetes")
                    .filter((p) => owningRegion(run, p));
                assert.deepEqual(providers.map((p) => p.name).sort(), [
                    "singapore-k8s",
                    "tokyo-k8s",
                ]);
                for (const p of providers) {
                    assert.equal(
                        p.inputs.kubeconfig,
                        "[secret]",
                        `${p.name} kubeconfig must be secret`,
                    );
                    assert.equal(p.inputs.enableServerSideApply, "true");
                    // Secret data changes (CA rotation, reader tokens) must update in place, never replace.
                    assert.equal(
                        p.inputs.enableSecretMutable,
                        "true",
                        `${p.name} must treat Secret data as mutable`,
                    );
                }
            });

            it("puts every cloud resource on the provider of its own region", () => {
                const regional =
                    stack === "gcp"
                        ? ["gcp-singapore", "gcp-tokyo"]
                        : ["aws-singapore", "aws-tokyo"];
                const cloudProviders = run.resources.filter(
                    (r) => /^pulumi:providers:(aws|gcp)$/.test(r.type) && regional.includes(r.name),
                );
                assert.deepEqual(cloudProviders.map((p) => p.name).sort(), regional);
                for (const p of cloudProviders) {
                    const region = cfg.regions.find((r) => p.name.endsWith(`-${r.name}`))!;
                    assert.equal(p.inputs.region, region.region, `${p.name} region`);
                }
                const cloudResources = run.customResources.filter(
                    (r) => r.type.startsWith("aws:") || r.type.startsWith("gcp:"),
                );
                assert.ok(
                    cloudResources.length > (stack === "gcp" ? 25 : 90),
                    `only ${cloudResources.length} cloud resources`,
                );
                for (const r of cloudResources) {
                    const provider = run.providerOf(r);
                    assert.ok(provider, `${r.type} ${r.name} has no explicit provider`);
                    const owner = owningRegion(run, r);
                    const peering =
                        /^peering-(\w+)-(\w+)-(request|accept|requester-dns|accepter-dns|(\w+)-to-\w+(-\d+)?)$/.exec(
                            r.name,
                        );
                    let want: string;
                    const management =
                        /^management-(\w+)-(request|accept|\w+-to-management-\d+|rtb-[0-9a-f]+-to-\w+)$/.exec(
                            r.name,
                        );
                    if (management) {
                        // Management peering: the regional side in its region, the management side
                        // (accepter, routes in the management VPC) with the management VPC's provider.
                        const side = management[2];
                        want =
                            side === "accept" || side.startsWith("rtb-")
                                ? "management"
                                : management[1];
                    } else if (owner) {
                        want = owner;
                    } else if (
                        peering &&
                        (r.type.startsWith("aws:ec2/") ||
                            r.type === "gcp:compute/networkPeering:NetworkPeering")
                    ) {
                        // Peering: the requester side in the requester region, the accepter side in the other.
                        const side = peering[3];
                        want =
                            side === "request" || side === "requester-dns"
                                ? peering[1]
                                : side === "accept" || side === "accepter-dns"
                                  ? peering[2]
                                  : peering[4];
                    } else {
                        // Other areas' resources: a regional AWS resource tagged for a region uses that
                        // region's provider (IAM and Route 53 are global and may use any).
                        const tagged = (r.inputs.tags as Record<string, string> | undefined)
                            ?.region;
                        if (
                            r.type.startsWith("aws:") &&
                            tagged &&
                            !/^aws:(iam|route53)\//.test(r.type)
                        ) {
                            assert.equal(
                                provider.name,
                                `aws-${tagged}`,
                                `${r.type} ${r.name} is tagged for ${tagged} but uses ${provider.name}`,
                            );
                        }
                        continue;
                    }
                    assert.equal(
                        provider.name,
                        `${r.type.split(":")[0]}-${want}`,
                        `${r.type} ${r.name} uses ${provider.name}`,
                    );
                }
            });

            it("tags every taggable resource with the stack's tags (labels on GCP)", () => {
                const byRegion = new Map(cfg.regions.map((r) => [r.name, regionTags(cfg, r)]));
                const problems = missingTags(run.customResources, (r) => {
                    // This area's resources carry their region's tags; other areas' (some global, like
                    // Route 53 health checks) at least the stack-wide ones.
                    const peeringSide = r.name.startsWith("peering-")
                        ? run.providerOf(r)?.name.replace(/^aws-/, "")
                        : undefined;
                    const owner = owningRegion(run, r) ?? peeringSide;
                    const stackWide = Object.fromEntries(
                        Object.entries(regionTags(cfg, cfg.regions[0])).filter(
                            ([k]) => k !== "region",
                        ),
                    );
                    const tags = owner ? byRegion.get(owner) : stackWide;
                    if (!tags) return undefined;
                    return r.type.startsWith("gcp:") ? toLabels(tags) : tags;
                });
                assert.deepEqual(problems, []);
                const taggable = run.customResources.filter(
                    (r) => tagProperty(r.type) && owningRegion(run, r),
                );
                assert.ok(
                    taggable.length >= (stack === "gcp" ? 6 : 60),
                    `only ${taggable.length} taggable resources`,
                );
            });

            it("protects KMS keys and clusters exactly in prod", () => {
                const stateful = run.customResources.filter((r) =>
                    [
                        "aws:kms/key:Key",
                        "aws:eks/cluster:Cluster",
                        "gcp:container/cluster:Cluster",
                        "gcp:kms/cryptoKey:CryptoKey",
                    ].includes(r.type),
                );
                const mine = stateful
                    .filter((r) => owningRegion(run, r))
                    .map((r) => r.name)
                    .sort();
                assert.deepEqual(
                    mine,
                    stack === "gcp"
                        ? ["singapore-gke", "singapore-secrets", "tokyo-gke", "tokyo-secrets"]
                        : [
                              "singapore-eks",
                              "singapore-node-volumes",
                              "singapore-secrets",
                              "tokyo-eks",
                              "tokyo-node-volumes",
                              "tokyo-secrets",
                          ],
                );
                for (const r of stateful)
                    assert.equal(r.protect, cfg.protect, `${r.type} ${r.name} protect`);
                assert.equal(cfg.protect, stack === "prod" || stack === "gcp");
            });
        });
    }

    for (const stack of AWS_STACKS) {
        describe(`${stack}: EKS`, () => {
            let run: RecordedRun;
            let cfg: PlatformConfig;
            before(async () => {
                run = await runStack(stack);
                cfg = stackConfig(stack);
            });

            for (const region of ["singapore", "tokyo"]) {
                it(`${region}: secrets encrypted with a rotating KMS key of its own region`, () => {
                    const cluster = run.one("aws:eks/cluster:Cluster", `${region}-eks`);
                    const key = run.one("aws:kms/key:Key", `${region}-secrets`);
                    assert.equal(key.inputs.enableKeyRotation, true);
                    assert.equal(key.inputs.deletionWindowInDays, 30);
                    assert.deepEqual(cluster.inputs.encryptionConfig, {
                        provider: { keyArn: key.outputs.arn },
                        resources: ["secrets"],
                    });
                    assert.match(
                        String(key.outputs.arn),
                        new RegExp(
                            `^arn:aws:kms:${cfg.regions.find((r) => r.name === region)!.region}:`,
                        ),
                    );
                    // Default key policy (IAM decides), and the control plane role may use this key, before the cluster exists.
                    assert.equal(key.inputs.policy, undefined);
                    const role = run.one("aws:iam/role:Role", `${region}-cluster`);
                    const kms = run.one("aws:iam/rolePolicy:RolePolicy", `${region}-cluster-kms`);
                    assert.equal(kms.inputs.role, role.outputs.name);
                    assert.deepEqual(JSON.parse(String(kms.inputs.policy)).Statement, [
                        {
                            Effect: "Allow",
                            Action: [
                                "kms:Encrypt",
                                "kms:Decrypt",
                                "kms:ListGrants",
                                "kms:DescribeKey",
                            ],
                            Resource: key.outputs.arn,
                        },
                    ]);
                    assert.equal(cluster.inputs.roleArn, role.outputs.arn);
                    assert.ok(
                        dependsOn(cluster, kms),
                        "the cluster must wait for the role's key grant",
                    );
                });

                it(`${region}: private endpoint on, public endpoint per environment`, () => {
                    const vpc = run.one("aws:eks/cluster:Cluster", `${region}-eks`).inputs
                        .vpcConfig as Record<string, unknown>;
                    assert.equal(vpc.endpointPrivateAccess, true);
                    if (stack === "prod") {
                        assert.equal(vpc.endpointPublicAccess, false);
                        assert.equal(vpc.publicAccessCidrs, undefined);
                    } else {
                        assert.equal(vpc.endpointPublicAccess, true);
                        // The configured ranges, then the peer region's NAT egress addresses: with the public
                        // endpoint on, the peer's istiod reaches this API from those.
                        const peer = cfg.regions.find((r) => r.name !== region)!.name;
                        const peerNat = run
                            .ofType("aws:ec2/eip:Eip")
                            .filter((e) => e.name.startsWith(`${peer}-nat-`))
                            .map((e) => `${e.outputs.publicIp}/32`);
                        assert.ok(peerNat.length >= 1);
                        assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.0/24", ...peerNat]);
                    }
                    const subnets = run
                        .ofType("aws:ec2/subnet:Subnet")
                        .filter((s) => s.name.startsWith(`${region}-private-`));
                    assert.deepEqual(
                        vpc.subnetIds,
                        subnets.map((s) => s.id),
                    );
                });

                it(`${region}: all control plane logs into a log group with the profile's retention`, () => {
                    const cluster = run.one("aws:eks/cluster:Cluster", `${region}-eks`);
                    assert.deepEqual(cluster.inputs.enabledClusterLogTypes, [
                        "api",
                        "audit",
                        "authenticator",
                        "controllerManager",
                        "scheduler",
                    ]);
                    assert.deepEqual(
                        [...EKS_LOG_TYPES],
                        ["api", "audit", "authenticator", "controllerManager", "scheduler"],
                    );
                    const group = run.one(
                        "aws:cloudwatch/logGroup:LogGroup",
                        `${region}-control-plane`,
                    );
                    assert.equal(group.inputs.name, `/aws/eks/mesh-${stack}-${region}/cluster`);
                    assert.equal(cluster.inputs.name, `mesh-${stack}-${region}`);
                    assert.equal(
                        group.inputs.retentionInDays,
                        { prod: 90, staging: 30, dev: 7 }[stack],
                    );
                    assert.ok(
                        dependsOn(cluster, group),
                        "the log group must exist before the cluster",
                    );
                });

                it(`${region}: access entries (API mode) make the admin role cluster admin`, () => {
                    const cluster = run.one("aws:eks/cluster:Cluster", `${region}-eks`);
                    assert.deepEqual(cluster.inputs.accessConfig, {
                        authenticationMode: "API",
                        bootstrapClusterCreatorAdminPermissions: false,
                    });
                    const entry = run.one("aws:eks/accessEntry:AccessEntry", `${region}-admin`);
                    assert.equal(
                        entry.inputs.principalArn,
                        "arn:aws:iam::111122223333:role/platform-admin",
                    );
                    assert.equal(entry.inputs.type, "STANDARD");
                    const assoc = run.one(
                        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
                        `${region}-admin`,
                    );
                    assert.equal(
                        assoc.inputs.policyArn,
                        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    );
                    assert.deepEqual(assoc.inputs.accessScope, { type: "cluster" });
                });

                it(`${region}: node groups system (on-demand, tainted) and workloads (capacity per profile)`, () => {
                    const system = run.one("aws:eks/nodeGroup:NodeGroup", `${region}-system`);
                    const workloads = run.one("aws:eks/nodeGroup:NodeGroup", `${region}-workloads`);
                    assert.equal(system.inputs.capacityType, "ON_DEMAND");
                    assert.deepEqual(system.inputs.taints, [
                        { key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" },
                    ]);
                    assert.equal(
                        workloads.inputs.capacityType,
                        stack === "prod" ? "ON_DEMAND" : "SPOT",
                    );
                    assert.deepEqual(workloads.inputs.taints, []);
                    for (const [ng, sizing] of [
                        [system, cfg.nodeGroups.system],
                        [workloads, cfg.nodeGroups.workloads],
                    ] as const) {
                        assert.deepEqual(ng.inputs.scalingConfig, {
                            minSize: sizing.minSize,
                            maxSize: sizing.maxSize,
                            desiredSize: sizing.desiredSize,
                        });
                        assert.deepEqual(ng.inputs.instanceTypes, sizing.instanceTypes);
                        assert.equal(ng.inputs.amiType, "AL2023_x86_64_STANDARD");
                        assert.deepEqual(ng.ignoreChanges, ["scalingConfig.desiredSize"]);
                        assert.equal(
                            ng.inputs.diskSize,
                            undefined,
                            "the disk comes from the launch template",
                        );
                        assert.equal(
                            ng.inputs.remoteAccess,
                            undefined,
                            "EKS rejects remoteAccess with a launch template",
                        );
                        const lt = run.one("aws:ec2/launchTemplate:LaunchTemplate", ng.name);
                        // EKS rejects these in a managed node group's template (instance types live on the node group;
                        // no imageId keeps the EKS AMI and its generated bootstrap).
                        for (const k of [
                            "instanceType",
                            "imageId",
                            "iamInstanceProfile",
                            "networkInterfaces",
                            "instanceMarketOptions",
                            "hibernationOptions",
                            "userData",
                        ]) {
                            assert.equal(lt.inputs[k], undefined, `launch template sets ${k}`);
                        }
                        assert.deepEqual(ng.inputs.launchTemplate, { id: lt.id, version: "1" });
                        assert.deepEqual(lt.inputs.metadataOptions, {
                            httpEndpoint: "enabled",
                            httpTokens: "required",
                            httpPutResponseHopLimit: 1,
                        });
                        assert.deepEqual(lt.inputs.blockDeviceMappings, [
                            {
                                deviceName: "/dev/xvda",
                                ebs: {
                                    volumeSize: sizing.diskSizeGiB,
                                    volumeType: "gp3",
                                    encrypted: "true",
                                    kmsKeyId: run.one("aws:kms/key:Key", `${region}-node-volumes`)
                                        .outputs.arn,
                                    deleteOnTermination: "true",
                                },
                            },
                        ]);
                        const want = {
                            ...regionTags(
                                cfg,
                                cfg.regions.find((x) => x.name === region)!,
                            ),
                            "node-role": ng.name.replace(`${region}-`, ""),
                        };
                        assert.deepEqual(
                            lt.inputs.tagSpecifications,
                            ["instance", "volume", "network-interface"].map((resourceType) => ({
                                resourceType,
                                tags: want,
                            })),
                        );
                    }
                    const expected = {
                        prod: [["m6i.large"], ["m6i.xlarge", "m6a.xlarge"]],
                        staging: [["m6i.large"], ["m6i.large", "m6a.large"]],
                        dev: [["t3.large"], ["t3.large", "t3a.large"]],
                    }[stack];
                    assert.deepEqual(
                        [system.inputs.instanceTypes, workloads.inputs.instanceTypes],
                        expected,
                    );
                });

                it(`${region}: pinned managed add-ons, CNI and EBS CSI with IRSA roles`, () => {
                    const pins = EKS_ADDON_VERSIONS[cfg.kubernetes.version];
                    assert.deepEqual(pins, {
                        "vpc-cni": "v1.22.3-eksbuild.1",
                        "kube-proxy": "v1.35.3-eksbuild.13",
                        coredns: "v1.13.2-eksbuild.4",
                        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
                    });
                    const irsaRole = (n: string) =>
                        run.one("aws:iam/role:Role", `${region}-${n}-role`);
                    for (const [addonName, role] of [
                        ["vpc-cni", "vpc-cni"],
                        ["kube-proxy", undefined],
                        ["coredns", undefined],
                        ["aws-ebs-csi-driver", "ebs-csi"],
                    ] as const) {
                        const addon = run.one("aws:eks/addon:Addon", `${region}-${addonName}`);
                        assert.equal(addon.inputs.addonName, addonName);
                        assert.equal(addon.inputs.addonVersion, pins[addonName]);
                        assert.equal(
                            addon.inputs.serviceAccountRoleArn,
                            role ? irsaRole(role).outputs.arn : undefined,
                            `${addonName} role`,
                        );
                    }
                    // CNI before nodes, pods-running add-ons after them.
                    const system = run.one("aws:eks/nodeGroup:NodeGroup", `${region}-system`);
                    assert.ok(
                        dependsOn(system, run.one("aws:eks/addon:Addon", `${region}-vpc-cni`)),
                    );
                    assert.ok(
                        dependsOn(run.one("aws:eks/addon:Addon", `${region}-coredns`), system),
                    );
                    const attach = (n: string) =>
                        run
                            .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                            .filter((a) => a.name.startsWith(`${region}-${n}-managed-`))
                            .map((a) => a.inputs.policyArn);
                    assert.deepEqual(attach("vpc-cni"), [
                        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
                    ]);
                    assert.deepEqual(attach("ebs-csi"), [
                        "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
                    ]);
                });

                it(`${region}: a default StorageClass (encrypted gp3) and metrics-server for the HPAs`, () => {
                    const provider = run.one("pulumi:providers:kubernetes", `${region}-k8s`);
                    const classes = run
                        .ofType("kubernetes:storage.k8s.io/v1:StorageClass")
                        .filter((r) => r.provider === provider.urn);
                    const defaults = classes.filter(
                        (c) =>
                            (c.inputs.metadata as { annotations?: Record<string, string> })
                                .annotations?.["storageclass.kubernetes.io/is-default-class"] ===
                            "true",
                    );
                    assert.equal(defaults.length, 1, "exactly one default StorageClass");
                    const sc = defaults[0];
                    assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
                    assert.deepEqual(sc.inputs.parameters, {
                        type: "gp3",
                        encrypted: "true",
                        "csi.storage.k8s.io/fstype": "ext4",
                    });
                    assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
                    assert.equal(sc.inputs.allowVolumeExpansion, true);
                    assert.ok(
                        sc.dependencies.includes(
                            run.one("aws:eks/addon:Addon", `${region}-aws-ebs-csi-driver`).urn,
                        ),
                        "the class waits for the EBS CSI driver",
                    );

                    const ms = run.one("kubernetes:helm.sh/v3:Release", `${region}-metrics-server`);
                    assert.equal(ms.provider, provider.urn);
                    assert.deepEqual(
                        [
                            ms.inputs.chart,
                            ms.inputs.version,
                            (ms.inputs.repositoryOpts as { repo: string }).repo,
                        ],
                        [
                            "metrics-server",
                            "3.13.1",
                            "https://kubernetes-sigs.github.io/metrics-server/",
                        ],
                    );
                    const values = ms.inputs.values as Record<string, unknown>;
                    assert.equal(values.replicas, Math.max(2, cfg.profile.minReplicas));
                    assert.deepEqual(values.tolerations, [
                        { key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" },
                    ]);

                    // Workloads wait for the StorageClass (cluster.ready: claims need it); nothing waits
                    // for metrics-server (an HPA may exist before the metrics API does).
                    const istiod = run
                        .ofType("kubernetes:helm.sh/v3:Release")
                        .find((r) => r.provider === provider.urn && r.inputs.chart === "istiod")!;
                    assert.ok(istiod.dependencies.includes(sc.urn), `${sc.urn} is not waited for`);
                    assert.ok(
                        !run.resources.some((r) => r.dependencies.includes(ms.urn)),
                        "nothing waits for metrics-server",
                    );
                });

                it(`${region}: IRSA trust is bound to the cluster's OIDC provider, sub and aud`, () => {
                    const oidc = run.one(
                        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
                        `${region}-oidc`,
                    );
                    const cluster = run.one("aws:eks/cluster:Cluster", `${region}-eks`);
                    const issuer = (
                        cluster.outputs.identities as { oidcs: { issuer: string }[] }[]
                    )[0].oidcs[0].issuer;
                    assert.equal(oidc.inputs.url, issuer);
                    assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
                    // No pinned thumbprint: IAM validates the EKS issuer against its trusted CAs (a pinned one breaks on rotation).
                    assert.equal(oidc.inputs.thumbprintLists, undefined);
                    const host = issuer.replace("https://", "");
                    const trust = JSON.parse(
                        String(
                            run.one("aws:iam/role:Role", `${region}-ebs-csi-role`).inputs
                                .assumeRolePolicy,
                        ),
                    );
                    assert.deepEqual(trust.Statement, [
                        {
                            Effect: "Allow",
                            Principal: { Federated: oidc.outputs.arn },
                            Action: "sts:AssumeRoleWithWebIdentity",
                            Condition: {
                                StringEquals: {
                                    [`${host}:sub`]:
                                        "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                                    [`${host}:aud`]: "sts.amazonaws.com",
                                },
                            },
                        },
                    ]);
                });

                it(`${region}: AWS Load Balancer Controller from the official chart, pinned, with IRSA`, () => {
                    const release = run.one(
                        "kubernetes:helm.sh/v3:Release",
                        `${region}-lb-controller-release`,
                    );
                    assert.equal(release.inputs.chart, "aws-load-balancer-controller");
                    assert.equal(release.inputs.version, LB_CONTROLLER_CHART.version);
                    assert.equal(release.inputs.version, "1.17.1");
                    assert.deepEqual(release.inputs.repositoryOpts, {
                        repo: "https://aws.github.io/eks-charts",
                    });
                    assert.equal(release.inputs.namespace, "kube-system");
                    const values = release.inputs.values as Record<string, any>;
                    const role = run.one("aws:iam/role:Role", `${region}-lb-controller-irsa-role`);
                    assert.deepEqual(values.serviceAccount, {
                        create: true,
                        name: "aws-load-balancer-controller",
                        annotations: { "eks.amazonaws.com/role-arn": role.outputs.arn },
                    });
                    assert.equal(values.clusterName, `mesh-${stack}-${region}`);
                    assert.equal(values.region, cfg.regions.find((r) => r.name === region)!.region);
                    assert.equal(values.vpcId, run.one("aws:ec2/vpc:Vpc", `${region}-vpc`).id);
                    assert.deepEqual(
                        values.defaultTags,
                        regionTags(
                            cfg,
                            cfg.regions.find((r) => r.name === region)!,
                        ),
                    );
                    assert.deepEqual(values.tolerations, [
                        { key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" },
                    ]);
                    assert.equal(run.providerOf(release)!.name, `${region}-k8s`);
                    for (const n of ["system", "workloads"])
                        assert.ok(
                            dependsOn(
                                release,
                                run.one("aws:eks/nodeGroup:NodeGroup", `${region}-${n}`),
                            ),
                        );
                    const policy = JSON.parse(
                        String(
                            run.one(
                                "aws:iam/rolePolicy:RolePolicy",
                                `${region}-lb-controller-irsa-policy`,
                            ).inputs.policy,
                        ),
                    );
                    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
                    for (const a of [
                        "elasticloadbalancing:CreateLoadBalancer",
                        "elasticloadbalancing:CreateTargetGroup",
                        "ec2:CreateSecurityGroup",
                        "elasticloadbalancing:RegisterTargets",
                    ]) {
                        assert.ok(actions.includes(a), `policy lacks ${a}`);
                    }
                });

                it(`${region}: kubeconfig authenticates with aws eks get-token for this cluster and region`, async () => {
                    const exported = (
                        run.outputs.clusters as { name: string; kubeconfig: string }[]
                    ).find((c) => c.name === region)!;
                    const kc = JSON.parse(exported.kubeconfig);
                    const cluster = run.one("aws:eks/cluster:Cluster", `${region}-eks`);
                    assert.equal(kc.clusters[0].cluster.server, cluster.outputs.endpoint);
                    assert.equal(
                        kc.clusters[0].cluster["certificate-authority-data"],
                        (cluster.outputs.certificateAuthority as { data: string }).data,
                    );
                    assert.equal(kc.users[0].user.exec.command, "aws");
                    assert.deepEqual(kc.users[0].user.exec.args, [
                        "eks",
                        "get-token",
                        "--cluster-name",
                        `mesh-${stack}-${region}`,
                        "--region",
                        cfg.regions.find((r) => r.name === region)!.region,
                        "--role-arn",
                        cfg.kubernetes.adminRoleArn,
                        "--output",
                        "json",
                    ]);
                    assert.equal(
                        kc.users[0].user.exec.apiVersion,
                        "client.authentication.k8s.io/v1beta1",
                    );
                });
            }

            it("peers the two VPCs with routes both ways and DNS resolution on each side", () => {
                const req = run.one(
                    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                    "peering-singapore-tokyo-request",
                );
                const acc = run.one(
                    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
                    "peering-singapore-tokyo-accept",
                );
                assert.equal(req.inputs.vpcId, run.one("aws:ec2/vpc:Vpc", "singapore-vpc").id);
                assert.equal(req.inputs.peerVpcId, run.one("aws:ec2/vpc:Vpc", "tokyo-vpc").id);
                assert.equal(req.inputs.peerRegion, "ap-northeast-1");
                assert.equal(req.inputs.autoAccept, false);
                assert.equal(acc.inputs.vpcPeeringConnectionId, req.id);
                assert.equal(acc.inputs.autoAccept, true);
                const options = run.ofType(
                    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions",
                );
                for (const o of options) {
                    // DNS options can only be set on an active connection: after the accepter, on each side's own provider.
                    assert.equal(o.inputs.vpcPeeringConnectionId, req.id);
                    assert.ok(dependsOn(o, acc), `${o.name} must wait for the accepter`);
                }
                const dns = options.map((o) => [
                    o.name,
                    run.providerOf(o)!.name,
                    o.inputs.requester,
                    o.inputs.accepter,
                ]);
                assert.deepEqual(dns.sort(), [
                    [
                        "peering-singapore-tokyo-accepter-dns",
                        "aws-tokyo",
                        undefined,
                        { allowRemoteVpcDnsResolution: true },
                    ],
                    [
                        "peering-singapore-tokyo-requester-dns",
                        "aws-singapore",
                        { allowRemoteVpcDnsResolution: true },
                        undefined,
                    ],
                ]);
                const zones = cfg.regions[0].availabilityZones;
                for (const [from, to] of [
                    ["singapore", "tokyo"],
                    ["tokyo", "singapore"],
                ]) {
                    const toCidr = cfg.regions.find((r) => r.name === to)!.vpcCidr;
                    const routes = run
                        .ofType("aws:ec2/route:Route")
                        .filter((r) => r.name.startsWith(`peering-singapore-tokyo-${from}-to-`));
                    const tables = run
                        .ofType("aws:ec2/routeTable:RouteTable")
                        .filter((t) => t.name.startsWith(`${from}-private-rt-`));
                    assert.equal(routes.length, zones);
                    assert.deepEqual(
                        routes.map((r) => r.inputs.routeTableId).sort(),
                        tables.map((t) => t.id).sort(),
                    );
                    for (const r of routes) {
                        assert.equal(r.inputs.destinationCidrBlock, toCidr);
                        assert.equal(r.inputs.vpcPeeringConnectionId, req.id);
                        assert.equal(run.providerOf(r)!.name, `aws-${from}`);
                        assert.ok(dependsOn(r, acc), `${r.name} must wait for the accepter`);
                    }
                }
            });

            it("lets the peered VPC reach each private API endpoint on 443", () => {
                for (const [region, peer] of [
                    ["singapore", "tokyo"],
                    ["tokyo", "singapore"],
                ]) {
                    const rules = run
                        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                        .filter((r) => r.name.startsWith(`${region}-api-`));
                    const cidr = (n: string) => cfg.regions.find((r) => r.name === n)!.vpcCidr;
                    const deployer = [
                        ...(cfg.deployer?.cidrs ?? []),
                        ...(cfg.deployer?.managementVpc ? [cfg.deployer.managementVpc.cidr] : []),
                    ];
                    const sortRows = (rows: unknown[][]) =>
                        [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
                    assert.deepEqual(
                        sortRows(
                            rules.map((r) => [
                                r.inputs.cidrIpv4,
                                r.inputs.fromPort,
                                r.inputs.toPort,
                                r.inputs.ipProtocol,
                            ]),
                        ),
                        sortRows([
                            [cidr(region), 443, 443, "tcp"],
                            [cidr(peer), 443, 443, "tcp"],
                            ...deployer.map((c) => [c, 443, 443, "tcp"]),
                        ]),
                    );
                    const sg = run.one("aws:ec2/securityGroup:SecurityGroup", `${region}-api`);
                    assert.deepEqual(
                        (
                            run.one("aws:eks/cluster:Cluster", `${region}-eks`).inputs
                                .vpcConfig as { securityGroupIds: string[] }
                        ).securityGroupIds,
                        [sg.id],
                    );
                }
            });

            it("deploys the regions in parallel: no region waits on the other before peering", () => {
                // The only cross-region edge allowed is the peer's NAT egress address (an Elastic IP, seconds
                // to allocate) that joins a public endpoint's allow-list; the walk does not go past it.
                const closure = (
                    start: RecordedResource,
                    other: string,
                ): { seen: Set<string>; eips: Set<string> } => {
                    const seen = new Set<string>();
                    const eips = new Set<string>();
                    const walk = (u: string) => {
                        const r = run.byUrn(u);
                        if (!r || seen.has(u)) return;
                        if (r.type === "aws:ec2/eip:Eip" && r.name.startsWith(`${other}-nat-`)) {
                            eips.add(r.name);
                            return;
                        }
                        seen.add(u);
                        r.dependencies.forEach(walk);
                        if (r.parent) walk(r.parent);
                        if (r.provider) walk(r.provider);
                    };
                    walk(start.urn);
                    return { seen, eips };
                };
                for (const [region, other] of [
                    ["singapore", "tokyo"],
                    ["tokyo", "singapore"],
                ]) {
                    const release = run.one(
                        "kubernetes:helm.sh/v3:Release",
                        `${region}-lb-controller-release`,
                    );
                    const { seen, eips } = closure(release, other);
                    const reached = [...seen]
                        .map((u) => run.byUrn(u)!)
                        .filter((r) => r.name.startsWith(`${other}`) || r.name === `aws-${other}`);
                    const publicEndpoint = (
                        run.one("aws:eks/cluster:Cluster", `${region}-eks`).inputs
                            .vpcConfig as Record<string, unknown>
                    ).endpointPublicAccess;
                    assert.equal(
                        eips.size > 0,
                        publicEndpoint === true,
                        `${region}: peer NAT addresses ${publicEndpoint ? "missing from" : "used by"} the endpoint allow-list`,
                    );
                    assert.deepEqual(
                        reached.map((r) => r.name),
                        [],
                        `${region} depends on ${other}`,
                    );
                }
            });
        });
    }
});
