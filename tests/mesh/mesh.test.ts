import { strict as assert } from "assert";
import { RecordedResource, RecordedRun, runDeclarations } from "../harness";
import { testCluster, testConfig, validRawConfig } from "../support/fixtures";
import type { MeshInfo } from "../../components/mesh";
import { composeMesh } from "../../platform/mesh";
import {
    checkMeshConsistency,
    ClusterFacts,
    collectClusterFacts,
} from "../../components/mesh/consistency";
import { ISTIO_CHART_REPO } from "../../components/mesh/version";
import { strictProblems } from "./schema";

type Raw = Record<string, unknown>;
const REGIONS4 = [
    {
        name: "singapore",
        cloud: "aws",
        region: "ap-southeast-1",
        primary: true,
        vpcCidr: "10.10.0.0/16",
    },
    { name: "tokyo", cloud: "aws", region: "ap-northeast-1", vpcCidr: "10.20.0.0/16" },
    { name: "frankfurt", cloud: "aws", region: "eu-central-1", vpcCidr: "10.30.0.0/16" },
    { name: "virginia", cloud: "aws", region: "us-east-1", vpcCidr: "10.40.0.0/16" },
];
const rawMesh = (patch: Raw): Raw => ({ ...(validRawConfig().mesh as Raw), ...patch });

interface MeshRun {
    readonly run: RecordedRun;
    readonly localities: string[];
}

/** Declare the mesh over fixture clusters; the returned outputs expose what MeshInfo resolves to. */
async function meshRun(overrides: Raw = {}): Promise<MeshRun> {
    const cfg = testConfig(overrides);
    const run = await runDeclarations(() => {
        const info: MeshInfo = composeMesh(
            cfg,
            cfg.regions.map((r) => testCluster(cfg, r.name)),
        );
        return {
            caMaterial: info.caMaterial,
            revision: info.revision,
            ingress: Object.fromEntries(
                Object.entries(info.clusters).map(([n, c]) => [n, c.ingressHostname]),
            ),
            health: Object.fromEntries(
                Object.entries(info.clusters).map(([n, c]) => [n, c.ingressHealthCheck]),
            ),
            readyCount: Object.fromEntries(
                Object.entries(info.clusters).map(([n, c]) => [n, c.ready.length]),
            ),
        };
    });
    return { run, localities: cfg.regions.map((r) => r.region) };
}

const facts = (run: RecordedRun): ClusterFacts[] =>
    collectClusterFacts(
        run.resources.map((r) => ({ type: r.type, provider: r.provider, inputs: r.plainInputs })),
    );
const k8sProvider = (run: RecordedRun, cluster: string) =>
    run.one("pulumi:providers:kubernetes", `${cluster}-k8s`);
const meta = (r: RecordedResource) => r.plainInputs.metadata as Record<string, any>;

describe("mesh: two AWS regions (prod)", () => {
    let m: MeshRun;
    before(async () => {
        m = await meshRun();
    });

    it("declares one trust root, a control plane per cluster and a remote secret per ordered pair", () => {
        const { run } = m;
        assert.equal(run.ofType("mesh-platform:mesh:Mesh").length, 1);
        assert.equal(run.ofType("mesh-platform:mesh:Trust").length, 1);
        assert.deepEqual(
            run.ofType("mesh-platform:mesh:ClusterMesh").map((r) => r.name),
            ["mesh-singapore", "mesh-tokyo"],
        );
        assert.deepEqual(
            run
                .ofType("mesh-platform:mesh:RemoteSecret")
                .map((r) => r.name)
                .sort(),
            ["mesh-singapore-to-tokyo", "mesh-tokyo-to-singapore"],
        );
        const mesh = run.one("mesh-platform:mesh:Mesh", "mesh");
        for (const c of [
            ...run.ofType("mesh-platform:mesh:Trust"),
            ...run.ofType("mesh-platform:mesh:ClusterMesh"),
            ...run.ofType("mesh-platform:mesh:RemoteSecret"),
        ]) {
            assert.equal(c.parent, mesh.urn, `${c.name} is a child of the mesh`);
        }
    });

    it("puts every Kubernetes object of a cluster on that cluster's provider", () => {
        const { run } = m;
        for (const cluster of ["singapore", "tokyo"]) {
            const provider = k8sProvider(run, cluster);
            const cm = run.one("mesh-platform:mesh:ClusterMesh", `mesh-${cluster}`);
            const tenant = run.one("mesh-platform:tenant:EdTechTenant", `mesh-${cluster}`);
            const kids = run.descendantsOf(cm.urn);
            // The fixture is in a canary upgrade (1.30.3 stable, 1.31.1 canary): two istiods, two tags.
            assert.equal(
                kids.length,
                2 + 1 + 5 + 2 + 6 + 1,
                "namespaces, cacerts, releases (base, two istiods, two gateways), the stable and canary tags' webhooks, mesh-wide Istio resources, ingress Service",
            );
            const tenantKids = run.descendantsOf(tenant.urn);
            assert.equal(
                tenantKids.length,
                4 + 16 + 42 + 2,
                "domain namespaces, service accounts, tenant Istio resources (+2 workload JWT checks)",
            );
            assert.equal(
                kids.length + tenantKids.length,
                6 + 16 + 1 + 4 + 48 + 1 + 2 + 1 + 2,
                "the cluster's mesh and tenant together declare what the mesh did before the split, plus the tenant's two workload RequestAuthentications, the tag webhook, and the canary's istiod and webhook",
            );
            for (const k of [...kids, ...tenantKids])
                assert.equal(
                    k.provider,
                    provider.urn,
                    `${k.type} ${k.name} uses ${cluster}'s provider`,
                );
        }
        const tlsProvider = run.one("pulumi:providers:tls", "mesh-trust-tls");
        for (const t of run.resources.filter((r) => r.type.startsWith("tls:")))
            assert.equal(t.provider, tlsProvider.urn);
        for (const r of run.customResources)
            assert.ok(r.provider, `${r.type} ${r.name} has an explicit provider`);
    });

    it("installs the three official charts at one pinned version and repository, with the revision", () => {
        const releases = m.run.ofType("kubernetes:helm.sh/v3:Release");
        assert.equal(releases.length, 10);
        for (const r of releases)
            assert.deepEqual(r.inputs.repositoryOpts, { repo: ISTIO_CHART_REPO });
        const sg = releases
            .filter((r) => r.name.startsWith("mesh-singapore-"))
            .map((r) => [
                r.name,
                r.inputs.chart,
                r.inputs.name,
                r.inputs.namespace,
                r.inputs.version,
            ]);
        // Each istiod at its own version; the CRDs (base) at the newest; gateways follow their tag (stable).
        assert.deepEqual(sg, [
            ["mesh-singapore-base", "base", "istio-base", "istio-system", "1.31.1"],
            [
                "mesh-singapore-eastwest",
                "gateway",
                "istio-eastwestgateway",
                "istio-gateways",
                "1.30.3",
            ],
            [
                "mesh-singapore-ingress",
                "gateway",
                "istio-ingressgateway",
                "istio-gateways",
                "1.30.3",
            ],
            ["mesh-singapore-istiod", "istiod", "istiod", "istio-system", "1.30.3"],
            ["mesh-singapore-istiod-1-31-1", "istiod", "istiod-1-31-1", "istio-system", "1.31.1"],
        ]);
        const istiod = m.run.one("kubernetes:helm.sh/v3:Release", "mesh-singapore-istiod");
        const cacerts = m.run.one("kubernetes:core/v1:Secret", "mesh-singapore-cacerts");
        const base = m.run.one("kubernetes:helm.sh/v3:Release", "mesh-singapore-base");
        assert.ok(istiod.dependencies.includes(cacerts.urn), "istiod starts after cacerts exists");
        assert.ok(istiod.dependencies.includes(base.urn), "istiod after the CRDs");
        const ew = m.run.one("kubernetes:helm.sh/v3:Release", "mesh-singapore-eastwest");
        assert.ok(ew.dependencies.includes(istiod.urn), "gateways after the injector");
        assert.equal(
            (istiod.plainInputs.values as any).podAnnotations["mesh-platform.io/cacerts-sha256"]
                .length,
            64,
        );
    });

    it("labels istio-system with the network and injects app namespaces by tag (gateway pods carry their own)", () => {
        const ns = m.run
            .ofType("kubernetes:core/v1:Namespace")
            .filter((r) => r.name.startsWith("mesh-tokyo-"));
        assert.deepEqual(
            ns.map((r) => [meta(r).name, meta(r).labels]),
            [
                ["istio-gateways", {}],
                ["istio-system", { "topology.istio.io/network": "network-tokyo" }],
                ["analytics", { "istio.io/rev": "stable", "mesh-platform.io/domain": "analytics" }],
                [
                    "assessment",
                    { "istio.io/rev": "stable", "mesh-platform.io/domain": "assessment" },
                ],
                ["content", { "istio.io/rev": "stable", "mesh-platform.io/domain": "content" }],
                ["user", { "istio.io/rev": "stable", "mesh-platform.io/domain": "user" }],
            ],
        );
        const sas = m.run
            .ofType("kubernetes:core/v1:ServiceAccount")
            .filter((r) => r.name.startsWith("mesh-tokyo-sa-assessment-"));
        assert.deepEqual(
            sas.map((r) => meta(r).name),
            ["exam-engine", "exam-frontend", "exam-service", "question-bank", "scoring-service"],
        );
        assert.ok(sas.every((r) => meta(r).namespace === "assessment"));
    });

    it("plugs the CA into cacerts as a secret, with the whole chain", () => {
        const s = m.run.one("kubernetes:core/v1:Secret", "mesh-singapore-cacerts");
        assert.equal(meta(s).name, "cacerts");
        assert.equal(meta(s).namespace, "istio-system");
        const data = s.plainInputs.stringData as Record<string, string>;
        assert.deepEqual(Object.keys(data).sort(), [
            "ca-cert.pem",
            "ca-key.pem",
            "cert-chain.pem",
            "root-cert.pem",
        ]);
        assert.ok(s.secretInputPaths.includes("stringData"), "cacerts data is a Pulumi secret");
        assert.equal(
            data["cert-chain.pem"],
            data["ca-cert.pem"] + data["root-cert.pem"],
            "chain = intermediate + the single root",
        );
        assert.match(data["ca-key.pem"], /^-----BEGIN PRIVATE KEY-----/);
        const tokyo = m.run.one("kubernetes:core/v1:Secret", "mesh-tokyo-cacerts").plainInputs
            .stringData as Record<string, string>;
        assert.equal(tokyo["root-cert.pem"], data["root-cert.pem"], "one root of trust");
        assert.notEqual(tokyo["ca-cert.pem"], data["ca-cert.pem"], "an intermediate per cluster");
    });

    it("protects the root in prod, signs each intermediate with it, and keeps keys secret", () => {
        const { run } = m;
        const rootKey = run.one("tls:index/privateKey:PrivateKey", "mesh-trust-root-g1-key");
        const root = run.one("tls:index/selfSignedCert:SelfSignedCert", "mesh-trust-root-g1");
        assert.deepEqual([rootKey.protect, root.protect], [true, true]);
        assert.deepEqual(rootKey.inputs, { algorithm: "RSA", rsaBits: 4096 });
        assert.ok(rootKey.additionalSecretOutputs.includes("privateKeyPem"));
        assert.equal(root.inputs.isCaCertificate, true);
        assert.equal(root.inputs.validityPeriodHours, 17520);
        for (const cluster of ["singapore", "tokyo"]) {
            const ca = run.one(
                "tls:index/locallySignedCert:LocallySignedCert",
                `mesh-trust-${cluster}-ca`,
            );
            assert.equal(ca.protect, false);
            assert.ok(
                ca.dependencies.includes(root.urn) && ca.dependencies.includes(rootKey.urn),
                `${cluster} intermediate signed by the root`,
            );
            assert.deepEqual(
                [
                    ca.inputs.isCaCertificate,
                    ca.inputs.maxPathLength,
                    ca.inputs.validityPeriodHours,
                    ca.inputs.earlyRenewalHours,
                ],
                [true, 0, 8760, 720],
            );
        }
    });

    it("exports the CA material as a secret JSON with roots and intermediates", () => {
        assert.equal(m.run.result.maskedOutputs.caMaterial, "[secret]");
        const material = JSON.parse(m.run.outputs.caMaterial as string);
        assert.deepEqual(
            material.roots.map((r: any) => [r.generation, r.signing]),
            [["g1", true]],
        );
        assert.deepEqual(
            material.intermediates.map((i: any) => i.cluster),
            ["singapore", "tokyo"],
        );
        for (const i of material.intermediates) {
            assert.match(i.keyPem, /PRIVATE KEY/);
            assert.match(i.certChainPem, /CERTIFICATE/);
        }
    });

    it("links every ordered pair: reader and token in the source, remote secret in the target", () => {
        const { run } = m;
        const rs = run.one("mesh-platform:mesh:RemoteSecret", "mesh-singapore-to-tokyo");
        const kids = run.childrenOf(rs.urn);
        const sg = k8sProvider(run, "singapore").urn;
        const tk = k8sProvider(run, "tokyo").urn;
        const by = (type: string) =>
            kids.find((k) => k.type === type && k.name !== "mesh-singapore-to-tokyo-secret")!;
        const sa = by("kubernetes:core/v1:ServiceAccount");
        const binding = by("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
        const token = by("kubernetes:core/v1:Secret");
        const secret = run.one("kubernetes:core/v1:Secret", "mesh-singapore-to-tokyo-secret");
        assert.deepEqual(
            [sa.provider, binding.provider, token.provider, secret.provider],
            [sg, sg, sg, tk],
        );
        assert.deepEqual(meta(sa), {
            name: "istio-reader-tokyo",
            namespace: "istio-system",
            labels: { app: "istio-reader" },
        });
        assert.deepEqual(binding.plainInputs.roleRef, {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "istio-reader-clusterrole-1-30-3-istio-system",
        });
        assert.equal(token.plainInputs.type, "kubernetes.io/service-account-token");
        // No fixed name: the provider names it, so a rotation creates the new token before the old goes.
        assert.deepEqual(meta(token), {
            namespace: "istio-system",
            labels: { app: "istio-reader" },
            annotations: { "kubernetes.io/service-account.name": "istio-reader-tokyo" },
        });
        assert.deepEqual(meta(secret), {
            name: "istio-remote-secret-singapore",
            namespace: "istio-system",
            labels: { "istio/multiCluster": "true" },
            annotations: { "networking.istio.io/cluster": "singapore" },
        });
        assert.ok(secret.secretInputPaths.includes("stringData"));
        const kubeconfig = JSON.parse(
            (secret.plainInputs.stringData as Record<string, string>).singapore,
        );
        assert.ok(
            token.additionalSecretOutputs.includes("data"),
            "the token secret's data is a secret output",
        );
        const tokenValue = Buffer.from(
            (token.outputs.data as Record<string, string>).token,
            "base64",
        ).toString();
        assert.equal(kubeconfig.clusters[0].cluster.server, "https://singapore.example.internal");
        assert.equal(kubeconfig.clusters[0].cluster["certificate-authority-data"], "Q0E=");
        assert.equal(
            kubeconfig.users[0].user.token,
            tokenValue,
            "the kubeconfig carries the source reader's token",
        );
    });

    it("gives each cluster's later areas the address of the ingress gateway's LoadBalancer Service, which the program owns", () => {
        const { run } = m;
        assert.deepEqual(
            run.resources.filter((r) => r.read).map((r) => r.name),
            [],
            "nothing is read back from a cluster",
        );
        for (const region of ["singapore", "tokyo"]) {
            const svc = run.one("kubernetes:core/v1:Service", `mesh-${region}-ingress-service`);
            const meta = svc.inputs.metadata as {
                name: string;
                namespace: string;
                annotations: Record<string, string>;
            };
            assert.deepEqual(
                [meta.namespace, meta.name],
                ["istio-gateways", "istio-ingressgateway"],
            );
            assert.equal(
                meta.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"],
                "internet-facing",
            );
            const spec = svc.inputs.spec as {
                type: string;
                ports: { name: string; port: number; targetPort: number }[];
                selector: Record<string, string>;
            };
            assert.equal(spec.type, "LoadBalancer");
            assert.deepEqual(
                spec.ports.map((p) => [p.name, p.port, p.targetPort]),
                [
                    ["status-port", 15021, 15021],
                    ["http2", 80, 80],
                    ["https", 443, 443],
                ],
            );
            assert.deepEqual(spec.selector, {
                app: "istio-ingressgateway",
                istio: "ingressgateway",
            });
            const release = run.one("kubernetes:helm.sh/v3:Release", `mesh-${region}-ingress`);
            assert.deepEqual(
                (release.inputs.values as { service: unknown }).service,
                { type: "None" },
                "the chart renders no second Service",
            );
            assert.ok(
                svc.dependencies.includes(release.urn),
                "the Service waits for the gateway pods",
            );
        }
        const ingress = m.run.outputs.ingress as Record<string, string>;
        assert.match(
            ingress.singapore,
            /^k8s-istiogat-istioing-[0-9a-f]{10}-[0-9a-f]{16}\.elb\.ap-southeast-1\.amazonaws\.com$/,
        );
        assert.match(
            ingress.tokyo,
            /^k8s-istiogat-istioing-[0-9a-f]{10}-[0-9a-f]{16}\.elb\.ap-northeast-1\.amazonaws\.com$/,
        );
        assert.notEqual(ingress.singapore, ingress.tokyo);
        assert.deepEqual(m.run.outputs.health, {
            singapore: { port: 15021, path: "/healthz/ready", protocol: "HTTP" },
            tokyo: { port: 15021, path: "/healthz/ready", protocol: "HTTP" },
        });
        // Every istiod, every tag webhook and both gateways (the canary adds an istiod and a webhook).
        assert.deepEqual(m.run.outputs.readyCount, { singapore: 6, tokyo: 6 });
        assert.equal(m.run.outputs.revision, "1-30-3");
    });

    it("declares only Istio resources that the Istio schemas accept, field by field", async () => {
        const crs = m.run.resources.filter((r) => /^kubernetes:[a-z.]+\.istio\.io\//.test(r.type));
        assert.equal(crs.length, 2 * (48 + 2));
        for (const r of crs) {
            const manifest = r.plainInputs as { apiVersion: string; kind: string };
            assert.equal(r.type, `kubernetes:${manifest.apiVersion}:${manifest.kind}`);
            assert.deepEqual(await strictProblems(manifest), [], `${r.name}`);
        }
    });

    it("is consistent as a mesh", () => {
        assert.deepEqual(checkMeshConsistency(facts(m.run), m.localities), []);
    });
});

describe("mesh: consistency checks catch a broken mesh", () => {
    let good: ClusterFacts[];
    let localities: string[];
    before(async () => {
        const m = await meshRun();
        good = facts(m.run);
        localities = m.localities;
    });
    const clone = (): any[] => JSON.parse(JSON.stringify(good));

    it("reads the facts of each cluster from what was declared", () => {
        assert.deepEqual(
            good.map((f) => [
                f.cluster,
                f.meshID,
                f.network,
                f.namespaceNetwork,
                f.remoteSecrets.map((s) => s.source),
            ]),
            [
                ["singapore", "edtech-mesh", "network-singapore", "network-singapore", ["tokyo"]],
                ["tokyo", "edtech-mesh", "network-tokyo", "network-tokyo", ["singapore"]],
            ],
        );
    });

    it("flags two meshIDs, a reused network and a namespace label that disagrees with istiod", () => {
        const f = clone();
        f[1].meshID = "other";
        f[1].network = "network-singapore";
        assert.deepEqual(checkMeshConsistency(f, localities), [
            "meshID differs between clusters: singapore=edtech-mesh, tokyo=other",
            "network network-singapore is used by more than one cluster",
            "tokyo: istio-system label topology.istio.io/network=network-tokyo but istiod network is network-singapore",
        ]);
    });

    it("flags a missing remote secret, one to itself and a duplicate cluster name", () => {
        const f = clone();
        f[0].remoteSecrets = [
            { name: "istio-remote-secret-singapore", source: "singapore", label: "true" },
        ];
        assert.deepEqual(checkMeshConsistency(f, localities), [
            "singapore: has a remote secret for itself (istio-remote-secret-singapore)",
            "singapore: no remote secret for cluster tokyo",
        ]);
        const g = clone();
        g[1].cluster = "singapore";
        assert.ok(
            checkMeshConsistency(g, localities).includes(
                "clusterName singapore is used by more than one istiod",
            ),
        );
    });

    it("flags a cluster without a cross-network Gateway and failover that misses a region", () => {
        const f = clone();
        f[0].istioResources = f[0].istioResources.filter((r: any) => r.kind !== "Gateway");
        const dr = f[1].istioResources.find(
            (r: any) => r.kind === "DestinationRule" && r.metadata.name === "user-service",
        );
        dr.spec.trafficPolicy.loadBalancer.localityLbSetting.failover.pop();
        delete dr.spec.trafficPolicy.outlierDetection;
        assert.deepEqual(checkMeshConsistency(f, localities), [
            "singapore: no cross-network Gateway (port 15443, AUTO_PASSTHROUGH, *.local)",
            "tokyo: DestinationRule user/user-service: failover does not cover ap-northeast-1",
            "tokyo: DestinationRule user/user-service: failover without outlierDetection never triggers",
        ]);
    });
});

describe("mesh: a generated 4-region stack", () => {
    let m: MeshRun;
    before(async () => {
        m = await meshRun({ regions: REGIONS4 });
    });

    it("has 12 remote secrets, one per ordered pair, none to itself", () => {
        const secrets = m.run
            .ofType("kubernetes:core/v1:Secret")
            .filter((r) => (meta(r).labels ?? {})["istio/multiCluster"] === "true");
        assert.equal(secrets.length, 12);
        const pairs = secrets
            .map((s) => {
                const target = m.run.byUrn(s.provider!)!.name.replace(/-k8s$/, "");
                return `${meta(s).annotations["networking.istio.io/cluster"]}->${target}`;
            })
            .sort();
        assert.equal(new Set(pairs).size, 12);
        assert.ok(pairs.every((p) => p.split("->")[0] !== p.split("->")[1]));
    });

    it("is consistent, with failover covering all four regions", () => {
        assert.deepEqual(checkMeshConsistency(facts(m.run), m.localities), []);
        const dr = m.run.one(
            "kubernetes:networking.istio.io/v1:DestinationRule",
            "mesh-virginia-destinationrule-content-content-search",
        );
        assert.deepEqual(
            (dr.plainInputs.spec as any).trafficPolicy.loadBalancer.localityLbSetting.failover.map(
                (f: any) => f.from,
            ),
            ["ap-southeast-1", "ap-northeast-1", "eu-central-1", "us-east-1"],
        );
    });
});

describe("mesh: environments and rotation", () => {
    it("does not protect CA material outside prod and honours an explicit PERMISSIVE in dev", async () => {
        const { run } = await meshRun({
            environment: "dev",
            mesh: rawMesh({ mtlsMode: "PERMISSIVE" }),
        });
        assert.equal(
            run.one("tls:index/selfSignedCert:SelfSignedCert", "mesh-trust-root-g1").protect,
            false,
        );
        const pa = run.one(
            "kubernetes:security.istio.io/v1:PeerAuthentication",
            "mesh-singapore-peerauthentication-istio-system-default",
        );
        assert.deepEqual(pa.plainInputs.spec, { mtls: { mode: "PERMISSIVE" } });
        const tel = run.one(
            "kubernetes:telemetry.istio.io/v1:Telemetry",
            "mesh-tokyo-telemetry-istio-system-mesh-default",
        );
        assert.equal((tel.plainInputs.spec as any).tracing[0].randomSamplingPercentage, 100);
    });

    it("trusts two roots during CA rotation, signs with the last, and rotates reader tokens by generation", async () => {
        const { run } = await meshRun({
            mesh: rawMesh({ caGenerations: ["g2", "g1"], readerTokenGeneration: "t2" }),
        });
        const g1 = run.one("tls:index/selfSignedCert:SelfSignedCert", "mesh-trust-root-g1");
        const g2 = run.one("tls:index/selfSignedCert:SelfSignedCert", "mesh-trust-root-g2");
        assert.deepEqual([g1.protect, g2.protect], [true, true]);
        const ca = run.one("tls:index/locallySignedCert:LocallySignedCert", "mesh-trust-tokyo-ca");
        assert.ok(
            ca.dependencies.includes(g1.urn) && !ca.dependencies.includes(g2.urn),
            "g1 (last) signs",
        );
        const data = run.one("kubernetes:core/v1:Secret", "mesh-tokyo-cacerts").plainInputs
            .stringData as Record<string, string>;
        assert.equal(
            (data["root-cert.pem"].match(/BEGIN CERTIFICATE/g) ?? []).length,
            2,
            "both roots trusted",
        );
        assert.ok(
            data["root-cert.pem"].startsWith(
                data["cert-chain.pem"].slice(data["ca-cert.pem"].length),
            ),
            "signing root first",
        );
        assert.deepEqual(
            run.ofType("time:index/rotating:Rotating").map((r) => r.plainInputs.triggers),
            [{ generation: "t2" }],
            "a new generation replaces the rotation, and every token with it",
        );
        assert.deepEqual(
            JSON.parse(run.outputs.caMaterial as string).roots.map((r: any) => [
                r.generation,
                r.signing,
            ]),
            [
                ["g2", false],
                ["g1", true],
            ],
        );
    });

    it("rejects clusters that share a network, naming the value", async () => {
        const cfg = testConfig();
        await assert.rejects(
            runDeclarations(() => {
                const [a, b] = cfg.regions.map((r) => testCluster(cfg, r.name));
                composeMesh(cfg, [a, { ...b, network: a.network }]);
            }),
            /^Error: Mesh mesh: args\.members\[1\]\.network "network-singapore" is used by members\[0\] too/,
        );
    });
});

describe("mesh: config key readerTokenGeneration", () => {
    it("defaults to t1 and rejects a bad id naming the key", () => {
        assert.equal(testConfig().mesh.readerTokenGeneration, "t1");
        assert.equal(
            testConfig({ mesh: rawMesh({ readerTokenGeneration: "t7" }) }).mesh
                .readerTokenGeneration,
            "t7",
        );
        assert.throws(
            () => testConfig({ mesh: rawMesh({ readerTokenGeneration: "T 7" }) }),
            /mesh-platform:mesh\.readerTokenGeneration: .*short lower-case ids like t2 \(got "T 7"\)/,
        );
    });
});
