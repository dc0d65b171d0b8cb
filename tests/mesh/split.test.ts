/**
 * The generic mesh without a tenant, the EdTech tenant on top of it, the aliases that carry the
 * tenant's resources over from their former parent, and the mesh's arg validation.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { RecordedResource, RecordedRun, runDeclarations } from "../harness";
import { testCluster, testConfig } from "../support/fixtures";
import { Mesh, MeshArgs } from "../../components/mesh";
import { APP_DOMAINS, APP_NAMESPACES } from "../../components/tenant/domains";
import { EdTechTenant } from "../../components/tenant";
import { composeMesh, meshArgs } from "../../platform/mesh";
import type { ClusterInfo } from "../../components/types";
import { strictProblems } from "./schema";

const meta = (r: RecordedResource) => r.plainInputs.metadata as Record<string, any>;
const isIstio = (r: RecordedResource) => /^kubernetes:[a-z.]+\.istio\.io\//.test(r.type);

/** A mesh for another company: nothing EdTech in its args. */
function acmeArgs(clusters: readonly ClusterInfo[]): MeshArgs {
    return {
        meshId: "acme-mesh",
        trustGenerations: ["r1"],
        members: clusters.map((c, i) => ({
            name: c.name,
            network: c.network,
            cloud: c.cloud,
            locality: c.cloudRegion,
            primary: i === 0,
            addressRanges: [`10.${100 + i}.0.0/16`],
            cluster: c,
        })),
        sizing: { band: "small" },
        jwt: {
            issuer: "https://login.acme.test/",
            jwksUri: "https://login.acme.test/jwks",
            requiredPaths: ["/checkout", "/checkout/*"],
        },
        ingress: { hostnames: ["shop.acme.test"], tlsSecretName: "shop-tls" },
    };
}

describe("mesh split: the generic mesh alone (no tenant)", () => {
    let run: RecordedRun;
    before(async () => {
        const cfg = testConfig();
        run = await runDeclarations(() => {
            new Mesh("acme", acmeArgs(cfg.regions.map((r) => testCluster(cfg, r.name))));
        });
    });

    it("creates only Istio's namespaces and no app identity", () => {
        const names = run
            .ofType("kubernetes:core/v1:Namespace")
            .map((r) => meta(r).name)
            .sort();
        assert.deepEqual(names, [
            "istio-gateways",
            "istio-gateways",
            "istio-system",
            "istio-system",
        ]);
        const sas = run
            .ofType("kubernetes:core/v1:ServiceAccount")
            .map((r) => meta(r).name)
            .sort();
        assert.deepEqual(
            sas,
            ["istio-reader-singapore", "istio-reader-tokyo"],
            "only the remote-secret readers",
        );
        assert.equal(run.ofType("mesh-platform:tenant:EdTechTenant").length, 0);
    });

    it("declares the six mesh-wide Istio resources per cluster from its args, none naming an EdTech domain", async () => {
        const crs = run.resources.filter(isIstio);
        assert.deepEqual(
            crs
                .filter((r) => r.name.startsWith("acme-singapore-"))
                .map((r) => `${r.inputs.kind} ${meta(r).namespace}/${meta(r).name}`)
                .sort(),
            [
                "AuthorizationPolicy istio-gateways/ingress-require-jwt",
                "Gateway istio-gateways/cross-network-gateway",
                "Gateway istio-gateways/public-gateway",
                "PeerAuthentication istio-system/default",
                "RequestAuthentication istio-gateways/ingress-jwt",
                "Telemetry istio-system/mesh-default",
            ],
        );
        assert.equal(crs.length, 12);
        // No app namespace or service as a value or a path segment, no EdTech route (the fixture clusters'
        // own tags name the cost centre; those are the cluster's, not the mesh's).
        const edtech = [...APP_NAMESPACES, ...Object.values(APP_DOMAINS).flat()];
        for (const r of run.resources.filter((x) => x.name.startsWith("acme"))) {
            const text = JSON.stringify(r.plainInputs);
            assert.ok(!text.includes("/api/v1"), `${r.type} ${r.name} mentions an EdTech route`);
            for (const word of edtech)
                assert.ok(
                    !text.includes(`"${word}"`) && !text.includes(`/${word}`),
                    `${r.type} ${r.name} mentions ${word}`,
                );
        }
        for (const r of crs)
            assert.deepEqual(
                await strictProblems(r.plainInputs as { apiVersion: string; kind: string }),
                [],
                r.name,
            );
        const jwt = run.one(
            "kubernetes:security.istio.io/v1:AuthorizationPolicy",
            "acme-tokyo-authorizationpolicy-istio-gateways-ingress-require-jwt",
        );
        assert.deepEqual((jwt.plainInputs.spec as any).rules[0].to, [
            { operation: { paths: ["/checkout", "/checkout/*"] } },
        ]);
        const gw = run.one(
            "kubernetes:networking.istio.io/v1:Gateway",
            "acme-tokyo-gateway-istio-gateways-public-gateway",
        );
        assert.deepEqual((gw.plainInputs.spec as any).servers[0].hosts, ["shop.acme.test"]);
        assert.equal((gw.plainInputs.spec as any).servers[0].tls.credentialName, "shop-tls");
    });

    it("applies the safe defaults: protected roots, STRICT mTLS, REGISTRY_ONLY, 2 replicas, 1 % sampling, t1 tokens", () => {
        assert.ok(run.ofType("tls:index/selfSignedCert:SelfSignedCert").every((r) => r.protect));
        assert.deepEqual(
            run.one(
                "kubernetes:security.istio.io/v1:PeerAuthentication",
                "acme-singapore-peerauthentication-istio-system-default",
            ).plainInputs.spec,
            { mtls: { mode: "STRICT" } },
        );
        const v = run.one("kubernetes:helm.sh/v3:Release", "acme-singapore-istiod").plainInputs
            .values as any;
        assert.deepEqual(
            [
                v.global.meshID,
                v.meshConfig.outboundTrafficPolicy.mode,
                v.autoscaleMin,
                v.traceSampling,
                v.global.logging.level,
            ],
            ["acme-mesh", "REGISTRY_ONLY", 2, 1, "default:info"],
        );
        assert.deepEqual(
            v.resources.requests,
            { cpu: "100m", memory: "512Mi" },
            "explicit small band",
        );
        assert.deepEqual(
            run
                .ofType("time:index/rotating:Rotating")
                .map((r) => [r.plainInputs.rotationDays, r.plainInputs.triggers]),
            [[30, { generation: "t1" }]],
        );
    });
});

/** A resource of any type with no inputs: stands in for a resource as it was declared before. */
class Declared extends pulumi.CustomResource {
    constructor(type: string, name: string, opts: pulumi.CustomResourceOptions) {
        super(type, name, {}, opts);
    }
}

/** Capture the alias specs of every registration (the harness records no aliases). */
function captureAliases(
    into: Map<string, { parentUrn: string; name: string; type: string; noParent: boolean }[]>,
): void {
    const monitor = pulumi.runtime.getMonitor() as any;
    const orig = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: unknown) => {
        into.set(
            `${req.getType()}::${req.getName()}`,
            req.getAliasesList().map((a: any) => {
                const spec = a.getSpec();
                return {
                    parentUrn: spec?.getParenturn() ?? "",
                    name: spec?.getName() ?? "",
                    type: spec?.getType() ?? "",
                    noParent: spec?.getNoparent() ?? false,
                };
            }),
        );
        return orig(req, cb);
    };
}

describe("mesh split: the EdTech tenant", () => {
    let run: RecordedRun;
    const aliases = new Map<
        string,
        { parentUrn: string; name: string; type: string; noParent: boolean }[]
    >();
    before(async () => {
        const cfg = testConfig();
        run = await runDeclarations(() => {
            captureAliases(aliases);
            composeMesh(
                cfg,
                cfg.regions.map((r) => testCluster(cfg, r.name)),
            );
        });
    });
    const tenantKids = (cluster: string) =>
        run.descendantsOf(run.one("mesh-platform:tenant:EdTechTenant", `mesh-${cluster}`).urn);

    it("emits the guide's two AuthorizationPolicies with their single AND-ed rules unchanged", () => {
        const ap = (name: string) =>
            run.one("kubernetes:security.istio.io/v1:AuthorizationPolicy", name);
        const udp = ap("mesh-singapore-authorizationpolicy-user-user-data-protection");
        assert.deepEqual(udp.plainInputs, {
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: { name: "user-data-protection", namespace: "user" },
            spec: {
                selector: { matchLabels: { app: "user-service" } },
                action: "ALLOW",
                rules: [
                    {
                        from: [
                            {
                                source: {
                                    principals: ["cluster.local/ns/user/sa/frontend-service"],
                                    requestPrincipals: ["https://auth.example.com//*"],
                                },
                            },
                        ],
                        to: [
                            { operation: { methods: ["GET", "PUT"], paths: ["/api/v1/users/*"] } },
                        ],
                        when: [
                            {
                                key: "request.auth.claims[role]",
                                values: ["admin", "user-owner"],
                            },
                        ],
                    },
                ],
            },
        });
        const exam = ap("mesh-tokyo-authorizationpolicy-assessment-exam-integrity");
        assert.deepEqual(exam.plainInputs.spec, {
            selector: { matchLabels: { app: "exam-service" } },
            action: "ALLOW",
            rules: [
                {
                    from: [
                        {
                            source: {
                                principals: ["cluster.local/ns/assessment/sa/exam-frontend"],
                                requestPrincipals: ["https://auth.example.com//*"],
                            },
                        },
                    ],
                    to: [
                        { operation: { methods: ["GET"], paths: ["/api/v1/exams/{*}/questions"] } },
                    ],
                    when: [
                        {
                            key: "request.headers[exam-session-token]",
                            values: ["*"],
                            notValues: [""],
                        },
                        { key: "request.auth.claims[user_verification]", values: ["verified"] },
                    ],
                },
            ],
        });
        for (const r of [udp, exam])
            assert.ok(
                tenantKids(r.name.split("-")[1]).includes(r),
                `${r.name} belongs to the tenant`,
            );
    });

    it("owns the domain namespaces, service accounts, default denies, public routes and per-service traffic, on the cluster's provider", () => {
        for (const cluster of ["singapore", "tokyo"]) {
            const kids = tenantKids(cluster);
            const provider = run.one("pulumi:providers:kubernetes", `${cluster}-k8s`);
            assert.ok(kids.every((k) => k.provider === provider.urn));
            assert.deepEqual(
                kids
                    .filter((k) => k.type === "kubernetes:core/v1:Namespace")
                    .map((k) => meta(k).name)
                    .sort(),
                [...APP_NAMESPACES].sort(),
            );
            assert.equal(
                kids.filter((k) => k.type === "kubernetes:core/v1:ServiceAccount").length,
                Object.values(APP_DOMAINS).flat().length,
            );
            const byKind = (kind: string) =>
                kids
                    .filter((k) => k.inputs.kind === kind)
                    .map((k) => `${meta(k).namespace}/${meta(k).name}`)
                    .sort();
            assert.deepEqual(byKind("AuthorizationPolicy"), [
                "analytics/default-deny",
                "assessment/allow-ingress-exam-frontend",
                "assessment/default-deny",
                "assessment/exam-integrity",
                "content/allow-ingress-content-delivery",
                "content/default-deny",
                "user/allow-ingress-frontend-service",
                "user/default-deny",
                "user/user-data-protection",
            ]);
            assert.ok(byKind("VirtualService").includes("istio-gateways/public-routes"));
            assert.equal(byKind("DestinationRule").length, 16);
            // The tenant's Istio resources wait for the CRDs, the webhook and every namespace they live in.
            const istiod = run.one("kubernetes:helm.sh/v3:Release", `mesh-${cluster}-istiod`);
            const base = run.one("kubernetes:helm.sh/v3:Release", `mesh-${cluster}-base`);
            const ns = kids
                .filter((k) => k.type === "kubernetes:core/v1:Namespace")
                .map((k) => k.urn);
            for (const cr of kids.filter(isIstio)) {
                for (const d of [istiod.urn, base.urn, ...ns])
                    assert.ok(cr.dependencies.includes(d), `${cr.name} waits for ${d}`);
            }
        }
    });

    it("aliases every tenant resource to its former parent, the cluster's ClusterMesh, keeping type and name", async () => {
        // The same resources declared the way they were before the split: children of the ClusterMesh.
        const moved = ["singapore", "tokyo"].flatMap((c) =>
            tenantKids(c).map((k) => ({ cluster: c, type: k.type, name: k.name, urn: k.urn })),
        );
        // 62 per cluster before the split, plus the two workload RequestAuthentications added since
        // (an alias to a parent they never had is harmless: nothing to rename).
        assert.equal(moved.length, 2 * 64);
        const old = await runDeclarations(() => {
            const mesh = new pulumi.ComponentResource("mesh-platform:mesh:Mesh", "mesh");
            const cms = Object.fromEntries(
                ["singapore", "tokyo"].map((c) => [
                    c,
                    new pulumi.ComponentResource(
                        "mesh-platform:mesh:ClusterMesh",
                        `mesh-${c}`,
                        {},
                        { parent: mesh },
                    ),
                ]),
            );
            const provider = new k8s.Provider("old-k8s", { kubeconfig: "{}" });
            for (const m of moved)
                new Declared(m.type, m.name, { parent: cms[m.cluster], provider });
        });
        for (const m of moved) {
            const oldCm = run.one("mesh-platform:mesh:ClusterMesh", `mesh-${m.cluster}`);
            const specs = aliases.get(`${m.type}::${m.name}`);
            assert.deepEqual(
                specs,
                [{ parentUrn: oldCm.urn, name: "", type: "", noParent: false }],
                `${m.name}: one alias, to the old parent, same name and type`,
            );
            // The URN the alias resolves to (same rule as the resource's own URN: parent type, type, name) is the old one.
            const parentType = oldCm.urn.split("::")[2].split("$").pop();
            const aliasUrn = `urn:pulumi:${run.stack}::${m.urn.split("::")[1]}::${parentType}$${m.type}::${m.name}`;
            const before = old.resources.find((r) => r.type === m.type && r.name === m.name);
            assert.ok(before, `${m.name} declared in the old layout`);
            assert.equal(aliasUrn, before.urn, `${m.name}: alias = URN before the split`);
            assert.notEqual(m.urn, before.urn, `${m.name}: the URN itself did change (new parent)`);
        }
        // Nothing of the mesh itself moved: no alias to another parent (the Kubernetes SDK's own type
        // aliases, e.g. rbac v1beta1 -> v1 on ClusterRoleBinding, keep the current parent).
        const meshOwn = run
            .descendantsOf(run.one("mesh-platform:mesh:Mesh", "mesh").urn)
            .filter((r) => r.custom);
        assert.ok(meshOwn.length > 0);
        assert.deepEqual(
            meshOwn
                .filter((r) =>
                    (aliases.get(`${r.type}::${r.name}`) ?? []).some(
                        (a) => a.parentUrn !== r.parent || a.noParent,
                    ),
                )
                .map((r) => r.name),
            [],
        );
    });
});

describe("mesh split: arg validation names the component and the arg", () => {
    const cfg = testConfig();
    const cases: [string, (a: MeshArgs) => MeshArgs, RegExp][] = [
        [
            "duplicate network",
            (a) => ({
                ...a,
                members: [
                    a.members[0],
                    {
                        ...a.members[1],
                        network: a.members[0].network,
                        cluster: { ...a.members[1].cluster, network: a.members[0].network },
                    },
                ],
            }),
            /^Mesh mesh: args\.members\[1\]\.network "network-singapore" is used by members\[0\] too/,
        ],
        [
            "duplicate name",
            (a) => ({
                ...a,
                members: [
                    a.members[0],
                    {
                        ...a.members[1],
                        name: "singapore",
                        cluster: { ...a.members[1].cluster, name: "singapore" },
                    },
                ],
            }),
            /^Mesh mesh: args\.members\[1\]\.name "singapore" is used by members\[0\] too/,
        ],
        [
            "member and cluster disagree",
            (a) => ({ ...a, members: [{ ...a.members[0], network: "network-x" }, a.members[1]] }),
            /^Mesh mesh: args\.members\[0\]\.network "network-x" does not match args\.members\[0\]\.cluster\.network "network-singapore"/,
        ],
        [
            "two primaries",
            (a) => ({ ...a, members: a.members.map((m) => ({ ...m, primary: true })) }),
            /^Mesh mesh: args\.members\[0\], members\[1\] are all primary/,
        ],
        ["no members", (a) => ({ ...a, members: [] }), /^Mesh mesh: args\.members is empty/],
        [
            "no generations",
            (a) => ({ ...a, trustGenerations: [] }),
            /^Mesh mesh: args\.trustGenerations needs at least one root CA generation/,
        ],
        [
            "repeated generation",
            (a) => ({ ...a, trustGenerations: ["g1", "g2", "g1"] }),
            /^Mesh mesh: args\.trustGenerations\[2\] "g1" is listed at \[0\] too/,
        ],
        [
            "negative service count",
            (a) => ({ ...a, sizing: { serviceCount: -1 } }),
            /^Mesh mesh: args\.sizing\.serviceCount must be a whole number >= 0 \(got -1\)/,
        ],
        [
            "zero replicas",
            (a) => ({ ...a, minReplicas: 0 }),
            /^Mesh mesh: args\.minReplicas must be a whole number >= 1 \(got 0\)/,
        ],
        [
            "sampling over 100",
            (a) => ({ ...a, traceSamplingPercent: 150 }),
            /^Mesh mesh: args\.traceSamplingPercent must be within 0-100 \(got 150\)/,
        ],
        [
            "no hostnames",
            (a) => ({ ...a, ingress: { ...a.ingress, hostnames: [] } }),
            /^Mesh mesh: args\.ingress\.hostnames is empty/,
        ],
        [
            "no JWT paths",
            (a) => ({ ...a, jwt: { ...a.jwt, requiredPaths: [] } }),
            /^Mesh mesh: args\.jwt\.requiredPaths is empty/,
        ],
        [
            "relative JWT path",
            (a) => ({ ...a, jwt: { ...a.jwt, requiredPaths: ["api"] } }),
            /^Mesh mesh: args\.jwt\.requiredPaths\[0\] "api" must start with \//,
        ],
        [
            "bad token generation",
            (a) => ({ ...a, readerTokenGeneration: "T 7" }),
            /^Mesh mesh: args\.readerTokenGeneration "T 7" must be a short lower-case id/,
        ],
    ];
    for (const [what, patch, message] of cases) {
        it(`rejects ${what}, declaring nothing of the mesh`, async () => {
            const err = await runDeclarations(() => {
                new Mesh(
                    "mesh",
                    patch(
                        meshArgs(
                            cfg,
                            cfg.regions.map((r) => testCluster(cfg, r.name)),
                        ),
                    ),
                );
            }).then(
                () => undefined,
                (e: Error) => e,
            );
            assert.ok(err, "declaring must fail");
            assert.match(err.message, message);
            const recorded = (err as unknown as { recorded?: RecordedResource[] }).recorded ?? [];
            assert.deepEqual(
                recorded
                    .filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("tls:"))
                    .map((r) => r.name),
                [],
            );
        });
    }

    it("rejects a tenant whose mesh facts cannot work, naming the arg", async () => {
        await assert.rejects(
            runDeclarations(() => {
                const info = new Mesh(
                    "mesh",
                    meshArgs(
                        cfg,
                        cfg.regions.map((r) => testCluster(cfg, r.name)),
                    ),
                ).info;
                const sg = info.clusters.singapore;
                new EdTechTenant("mesh-singapore", {
                    provider: testCluster(cfg, "tokyo").provider,
                    mesh: { ...sg.tenant, injectionLabels: {} },
                    jwt: cfg.mesh.jwt,
                });
            }),
            /^Error: EdTechTenant mesh-singapore: args\.mesh\.injectionLabels is empty/,
        );
        await assert.rejects(
            runDeclarations(() => {
                const info = new Mesh(
                    "mesh",
                    meshArgs(
                        cfg,
                        cfg.regions.map((r) => testCluster(cfg, r.name)),
                    ),
                ).info;
                new EdTechTenant("mesh-tokyo", {
                    provider: testCluster(cfg, "tokyo").provider,
                    mesh: { ...info.clusters.tokyo.tenant, publicGatewayRef: "public-gateway" },
                    jwt: cfg.mesh.jwt,
                });
            }),
            /^Error: EdTechTenant mesh-tokyo: args\.mesh\.publicGatewayRef "public-gateway" is not <namespace>\/<name>/,
        );
        await assert.rejects(
            runDeclarations(() => {
                const info = new Mesh(
                    "mesh",
                    meshArgs(
                        cfg,
                        cfg.regions.map((r) => testCluster(cfg, r.name)),
                    ),
                ).info;
                new EdTechTenant("mesh-tokyo", {
                    provider: testCluster(cfg, "tokyo").provider,
                    mesh: info.clusters.tokyo.tenant,
                    jwt: { ...cfg.mesh.jwt, jwksUri: "http://auth.example.com/jwks.json" },
                });
            }),
            /^Error: EdTechTenant mesh-tokyo: args\.jwt\.jwksUri "http:\/\/auth\.example\.com\/jwks\.json" must be an https:\/\/ URL/,
        );
    });
});
