import * as assert from "assert";
import {
    defaultDenyPerAppNamespace,
    isDefaultDeny,
    noAllowAll,
} from "../../policies/security/rules/authz";
import { gatewayMinTls, ingressJwt } from "../../policies/security/rules/ingress";
import { meshConsistency } from "../../policies/security/rules/mesh";
import { mtlsStrictMeshWide, noMtlsDowngrade } from "../../policies/security/rules/mtls";
import { sidecarInjection } from "../../policies/security/rules/workloads";
import type { PlanResource } from "../../policies/offline";
import { check, cr, found, k8sProvider, messages, namespace, release, res } from "./support";

const SEC = "security.istio.io/v1";
const sg = k8sProvider("singapore-k8s");
const tk = k8sProvider("tokyo-k8s");

function istiod(
    provider: PlanResource,
    cluster: string,
    overrides: Record<string, unknown> = {},
): PlanResource {
    return release(
        `mesh-${provider.name.replace(/-k8s$/, "")}-istiod`,
        "istiod",
        {
            global: {
                meshID: "edtech-mesh",
                multiCluster: { clusterName: cluster },
                network: `network-${cluster}`,
            },
            meshConfig: { meshMTLS: { minProtocolVersion: "TLSV1_2" } },
            ...overrides,
        },
        provider,
    );
}

function remoteSecret(provider: PlanResource, target: string): PlanResource {
    return res(
        "kubernetes:core/v1:Secret",
        `${provider.name}-remote-${target}`,
        {
            metadata: {
                name: `istio-remote-secret-${target}`,
                namespace: "istio-system",
                labels: { "istio/multiCluster": "true" },
                annotations: { "networking.istio.io/cluster": target },
            },
            stringData: "[secret]",
        },
        { provider },
    );
}

describe("policies/security: mTLS", () => {
    const meshWide = (mode: string, provider = sg) =>
        cr(SEC, "PeerAuthentication", "default", "istio-system", { mtls: { mode } }, provider);

    it("passes with a STRICT mesh-wide PeerAuthentication next to istiod", () => {
        assert.deepStrictEqual(
            check(mtlsStrictMeshWide, [istiod(sg, "singapore"), meshWide("STRICT")]),
            [],
        );
    });

    it("fails without a mesh-wide PeerAuthentication, or with a non-STRICT one", () => {
        assert.deepStrictEqual(found(check(mtlsStrictMeshWide, [istiod(sg, "singapore")])), [
            [
                "mesh-singapore-istiod",
                "cluster singapore-k8s has no mesh-wide PeerAuthentication in istio-system; declare one without a selector and spec.mtls.mode STRICT",
            ],
        ]);
        assert.deepStrictEqual(
            messages(check(mtlsStrictMeshWide, [istiod(sg, "singapore"), meshWide("PERMISSIVE")])),
            [
                "mesh-wide PeerAuthentication in istio-system has mtls.mode PERMISSIVE; it must be STRICT",
            ],
        );
        // A STRICT policy in another cluster does not count.
        assert.strictEqual(
            check(mtlsStrictMeshWide, [istiod(sg, "singapore"), meshWide("STRICT", tk)]).length,
            1,
        );
    });

    it("rejects PERMISSIVE or DISABLE at namespace, workload and port level, accepts STRICT and UNSET", () => {
        const ok = cr(
            SEC,
            "PeerAuthentication",
            "p",
            "user",
            {
                selector: { matchLabels: { app: "x" } },
                mtls: { mode: "STRICT" },
                portLevelMtls: { 8080: { mode: "UNSET" } },
            },
            sg,
        );
        assert.deepStrictEqual(check(noMtlsDowngrade, [ok]), []);
        const ns = cr(
            SEC,
            "PeerAuthentication",
            "ns",
            "user",
            { mtls: { mode: "PERMISSIVE" } },
            sg,
        );
        const wl = cr(
            SEC,
            "PeerAuthentication",
            "wl",
            "user",
            { selector: { matchLabels: { app: "x" } }, mtls: { mode: "DISABLE" } },
            sg,
        );
        const port = cr(
            SEC,
            "PeerAuthentication",
            "port",
            "user",
            { mtls: { mode: "STRICT" }, portLevelMtls: { 9090: { mode: "PERMISSIVE" } } },
            sg,
        );
        assert.deepStrictEqual(messages(check(noMtlsDowngrade, [ns, wl, port])), [
            "namespace-level mtls.mode PERMISSIVE downgrades the mesh's STRICT mTLS; remove it or set STRICT",
            "workload-level mtls.mode DISABLE downgrades the mesh's STRICT mTLS; remove it or set STRICT",
            "port-level mtls.mode PERMISSIVE on port 9090 downgrades the mesh's STRICT mTLS",
        ]);
    });
});

describe("policies/security: authorization", () => {
    const userNs = namespace("user", { "istio-injection": "enabled" }, sg);
    const authz = (name: string, ns: string, spec: unknown, provider = sg) =>
        cr(SEC, "AuthorizationPolicy", name, ns, spec, provider);

    it("recognises allow-nothing and deny-all as default deny, not selector-scoped ones", () => {
        assert.strictEqual(isDefaultDeny({ spec: {} }), true);
        assert.strictEqual(isDefaultDeny({ spec: { action: "DENY", rules: [{}] } }), true);
        assert.strictEqual(
            isDefaultDeny({ spec: { selector: { matchLabels: { app: "a" } } } }),
            false,
        );
        assert.strictEqual(
            isDefaultDeny({ spec: { rules: [{ from: [{ source: { namespaces: ["x"] } }] }] } }),
            false,
        );
    });

    it("passes when every app namespace has a default-deny policy in its own cluster", () => {
        assert.deepStrictEqual(
            check(defaultDenyPerAppNamespace, [userNs, authz("deny-all", "user", {})], {
                appNamespaces: ["user"],
            }),
            [],
        );
    });

    it("fails for an app namespace without one (a policy in another cluster or namespace does not count)", () => {
        const v = check(
            defaultDenyPerAppNamespace,
            [userNs, authz("deny-all", "user", {}, tk), authz("deny-all", "content", {})],
            { appNamespaces: ["user"] },
        );
        assert.deepStrictEqual(found(v), [
            [
                "singapore-k8s-ns-user",
                "app namespace user in cluster singapore-k8s has no default-deny AuthorizationPolicy (spec: {} with no selector)",
            ],
        ]);
    });

    it("passes ALLOW policies whose rules AND from, to and when", () => {
        const ok = authz("exam", "assessment", {
            selector: { matchLabels: { app: "exam-service" } },
            action: "ALLOW",
            rules: [
                {
                    from: [
                        {
                            source: {
                                principals: ["cluster.local/ns/assessment/sa/exam-frontend"],
                            },
                        },
                    ],
                    to: [{ operation: { methods: ["GET"], paths: ["/api/v1/exams/*/questions"] } }],
                    when: [{ key: "request.headers[user-verification]", values: ["verified"] }],
                },
            ],
        });
        assert.deepStrictEqual(
            check(noAllowAll, [ok, authz("deny", "x", { action: "DENY", rules: [{}] })]),
            [],
        );
    });

    it("fails an empty rule and the guide's split from / to / when rules", () => {
        const empty = authz("all", "user", { rules: [{}] });
        const emptySource = authz("any-source", "user", { rules: [{ from: [{ source: {} }] }] });
        const split = authz("user-data", "user", {
            selector: { matchLabels: { app: "user-service" } },
            rules: [
                {
                    from: [
                        {
                            source: {
                                principals: [
                                    "cluster.local/ns/edtech-production/sa/frontend-service",
                                ],
                            },
                        },
                    ],
                },
                { to: [{ operation: { methods: ["GET", "PUT"], paths: ["/api/v1/users/*"] } }] },
                {
                    when: [
                        { key: "request.headers[x-user-role]", values: ["admin", "user-owner"] },
                    ],
                },
            ],
        });
        assert.deepStrictEqual(messages(check(noAllowAll, [empty, emptySource, split])), [
            "rules[0] constrains nothing, so this ALLOW policy allows every request",
            "rules[0] constrains nothing, so this ALLOW policy allows every request",
            "rules[1] admits any caller (no source field with a concrete value) to a whole path pattern; only exact paths (e.g. /healthz) may be open to every caller, so this ALLOW policy admits every request; rules are OR-ed, so keep who (from) and what (to.paths) in the same rule",
            "rules[2] admits any caller (no source field with a concrete value: wildcards and negations admit everyone else) on any path, so this ALLOW policy admits every request; rules are OR-ed, so keep who (from) and what (to.paths) in the same rule",
        ]);
    });

    it("decides by the set of requests a rule admits: wildcards and negations admit everyone", () => {
        const rules = (r: unknown[]) => authz("p", "user", { rules: r });
        const principal = { source: { principals: ["cluster.local/ns/user/sa/frontend-service"] } };
        const cases: [string, unknown[], number][] = [
            [
                "healthz open + one principal",
                [{ to: [{ operation: { paths: ["/healthz"] } }] }, { from: [principal] }],
                0,
            ],
            [
                "wildcard principal, all paths",
                [
                    {
                        from: [{ source: { principals: ["*"] } }],
                        to: [{ operation: { paths: ["*"] } }],
                    },
                ],
                1,
            ],
            [
                "negated principal only",
                [{ from: [{ source: { notPrincipals: ["cluster.local/ns/x/sa/y"] } }] }],
                1,
            ],
            [
                "notPaths only, one principal",
                [{ from: [principal], to: [{ operation: { notPaths: ["/admin"] } }] }],
                0,
            ],
            ["methods only, anyone", [{ to: [{ operation: { methods: ["GET"] } }] }], 1],
            [
                "header condition only (the caller sets headers)",
                [{ when: [{ key: "request.headers[x]", values: ["y"] }] }],
                1,
            ],
            [
                "source.ip condition, all paths",
                [{ when: [{ key: "source.ip", values: ["10.0.0.0/8"] }] }],
                0,
            ],
            ["one open entry among from sources", [{ from: [principal, { source: {} }] }], 1],
        ];
        for (const [what, r, n] of cases)
            assert.strictEqual(check(noAllowAll, [rules(r)]).length, n, what);
    });
});

describe("policies/security: ingress JWT and TLS", () => {
    const ingress = release(
        "mesh-singapore-ingress",
        "gateway",
        { service: { type: "LoadBalancer" } },
        sg,
        { name: "istio-ingressgateway", namespace: "istio-gateways" },
    );
    const eastwest = release(
        "mesh-singapore-eastwest",
        "gateway",
        { networkGateway: "network-singapore" },
        sg,
        { name: "istio-eastwestgateway" },
    );
    const jwt = (
        selector: unknown,
        ns = "istio-gateways",
        rules: unknown[] = [
            { issuer: "https://auth.example.com/", jwksUri: "https://auth.example.com/jwks.json" },
        ],
        provider = sg,
    ) =>
        cr(
            SEC,
            "RequestAuthentication",
            "ingress-jwt",
            ns,
            { ...(selector ? { selector } : {}), jwtRules: rules },
            provider,
        );

    /** What makes the token mandatory: DENY requests without a request principal (as the mesh component declares it). */
    const requireJwt = (spec: Record<string, unknown> = {}, ns = "istio-gateways") =>
        cr(
            SEC,
            "AuthorizationPolicy",
            "ingress-require-jwt",
            ns,
            {
                selector: { matchLabels: { istio: "ingressgateway" } },
                action: "DENY",
                rules: [
                    {
                        from: [{ source: { notRequestPrincipals: ["*"] } }],
                        to: [{ operation: { paths: ["/api/*"] } }],
                    },
                ],
                ...spec,
            },
            sg,
        );

    it("passes with a RequestAuthentication selecting the ingress gateway's pods (east-west needs none)", () => {
        assert.deepStrictEqual(
            check(ingressJwt, [
                ingress,
                eastwest,
                jwt({ matchLabels: { istio: "ingressgateway" } }),
                requireJwt(),
            ]),
            [],
        );
        assert.deepStrictEqual(
            check(ingressJwt, [ingress, jwt(undefined, "istio-system"), requireJwt()]),
            [],
        );
    });

    it("fails when nothing selects the gateway, or the JWKS is not https", () => {
        assert.deepStrictEqual(
            messages(
                check(ingressJwt, [ingress, jwt({ matchLabels: { app: "other" } }), requireJwt()]),
            ),
            [
                'ingress gateway istio-ingressgateway in cluster singapore-k8s has no RequestAuthentication selecting it (namespace istio-gateways, labels {"app":"istio-ingressgateway","istio":"ingressgateway"})',
            ],
        );
        assert.strictEqual(
            check(ingressJwt, [
                ingress,
                jwt(undefined, "istio-gateways", undefined, tk),
                requireJwt(),
            ]).length,
            1,
        );
        assert.deepStrictEqual(
            messages(
                check(ingressJwt, [
                    ingress,
                    jwt(undefined, "istio-gateways", [
                        { issuer: "https://a/", jwksUri: "http://a/jwks" },
                    ]),
                    requireJwt(),
                ]),
            ),
            [
                "RequestAuthentication for ingress gateway istio-ingressgateway: jwtRules[0].jwksUri http://a/jwks is not https",
            ],
        );
        assert.deepStrictEqual(
            messages(
                check(ingressJwt, [ingress, jwt(undefined, "istio-gateways", []), requireJwt()]),
            ),
            [
                "RequestAuthentication for ingress gateway istio-ingressgateway: spec.jwtRules is empty",
            ],
        );
    });

    it("requires an AuthorizationPolicy on the gateway that makes the token mandatory", () => {
        const ra = jwt({ matchLabels: { istio: "ingressgateway" } });
        const allowWithPrincipal = requireJwt({
            action: "ALLOW",
            rules: [{ from: [{ source: { requestPrincipals: ["https://auth.example.com//*"] } }] }],
        });
        assert.deepStrictEqual(check(ingressJwt, [ingress, ra, allowWithPrincipal]), []);
        assert.deepStrictEqual(
            check(ingressJwt, [ingress, ra, requireJwt({ selector: undefined }, "istio-system")]),
            [],
        );
        const missing =
            "ingress gateway istio-ingressgateway in cluster singapore-k8s accepts requests without a JWT: no AuthorizationPolicy selecting it requires one (DENY with notRequestPrincipals or ALLOW with requestPrincipals); a RequestAuthentication alone only rejects invalid tokens";
        assert.deepStrictEqual(found(check(ingressJwt, [ingress, ra])), [
            ["mesh-singapore-ingress", missing],
        ]);
        // DENY on principals (not request principals), another gateway's selector, or another namespace: no token required.
        assert.deepStrictEqual(
            messages(
                check(ingressJwt, [
                    ingress,
                    ra,
                    requireJwt({ rules: [{ from: [{ source: { notPrincipals: ["*"] } }] }] }),
                ]),
            ),
            [missing],
        );
        assert.deepStrictEqual(
            messages(
                check(ingressJwt, [
                    ingress,
                    ra,
                    requireJwt({ selector: { matchLabels: { istio: "eastwestgateway" } } }),
                ]),
            ),
            [missing],
        );
        assert.deepStrictEqual(messages(check(ingressJwt, [ingress, ra, requireJwt({}, "user")])), [
            missing,
        ]);
    });

    const gateway = (servers: unknown[]) =>
        cr(
            "networking.istio.io/v1",
            "Gateway",
            "public",
            "istio-gateways",
            { selector: { istio: "ingressgateway" }, servers },
            sg,
        );

    it("passes gateways with TLS 1.2+ and pass-through servers, and istiod with meshMTLS TLSV1_2", () => {
        const gw = gateway([
            {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts: ["app.example.com"],
                tls: {
                    mode: "SIMPLE",
                    credentialName: "ingress-tls",
                    minProtocolVersion: "TLSV1_2",
                },
            },
            {
                port: { number: 15443, name: "tls", protocol: "TLS" },
                hosts: ["*.local"],
                tls: { mode: "AUTO_PASSTHROUGH" },
            },
        ]);
        assert.deepStrictEqual(check(gatewayMinTls, [gw, istiod(sg, "singapore")]), []);
    });

    it("fails a terminating server without minProtocolVersion or with TLS 1.1, and istiod without meshMTLS minimum", () => {
        const gw = gateway([
            {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts: ["a"],
                tls: { mode: "SIMPLE", credentialName: "c" },
            },
            {
                port: { number: 8443, name: "https2", protocol: "HTTPS" },
                hosts: ["b"],
                tls: { mode: "MUTUAL", credentialName: "c", minProtocolVersion: "TLSV1_1" },
            },
        ]);
        const weak = istiod(sg, "singapore", {
            meshConfig: { tlsDefaults: { minProtocolVersion: "TLS_AUTO" } },
        });
        assert.deepStrictEqual(messages(check(gatewayMinTls, [gw, weak])), [
            "servers[0] terminates TLS (mode SIMPLE) with minProtocolVersion unset; set TLSV1_2 or TLSV1_3",
            "servers[1] terminates TLS (mode MUTUAL) with minProtocolVersion TLSV1_1; set TLSV1_2 or TLSV1_3",
            "istiod values meshConfig.meshMTLS.minProtocolVersion is unset; set TLSV1_2 or TLSV1_3",
            "istiod values meshConfig.tlsDefaults.minProtocolVersion is TLS_AUTO; set TLSV1_2 or TLSV1_3",
        ]);
    });
});

describe("policies/security: sidecar injection", () => {
    it("passes app namespaces labelled istio-injection: enabled or istio.io/rev, ignores others", () => {
        const v = check(
            sidecarInjection,
            [
                namespace("user", { "istio-injection": "enabled" }, sg),
                namespace("content", { "istio.io/rev": "1-27-3" }, sg),
                namespace("monitoring", {}, sg),
            ],
            { appNamespaces: ["user", "content"] },
        );
        assert.deepStrictEqual(v, []);
    });

    it("fails app namespaces without the label or with injection disabled", () => {
        const v = check(
            sidecarInjection,
            [
                namespace("user", {}, sg),
                namespace("content", { "istio-injection": "disabled" }, sg),
            ],
            { appNamespaces: ["user", "content"] },
        );
        assert.deepStrictEqual(messages(v), [
            "namespace user has no sidecar injection label (istio-injection: enabled or istio.io/rev)",
            "namespace content disables sidecar injection (istio-injection: disabled)",
        ]);
    });

    it("checks that istio.io/rev names a revision (or revision tag) an istiod of the same cluster serves", () => {
        const revisioned = (provider: PlanResource, values: Record<string, unknown>) =>
            release(`${provider.name}-istiod`, "istiod", values, provider);
        const fixtures = [
            revisioned(sg, { revision: "1-30-3", revisionTags: ["stable"] }),
            revisioned(tk, { revision: "1-30-3" }),
            namespace("user", { "istio.io/rev": "1-30-3" }, sg),
            namespace("content", { "istio.io/rev": "stable" }, sg),
            namespace("assessment", { "istio.io/rev": "1-29-0" }, sg),
            namespace("user", { "istio.io/rev": "stable" }, tk),
        ];
        const v = check(sidecarInjection, fixtures, {
            appNamespaces: ["user", "content", "assessment"],
        });
        assert.deepStrictEqual(found(v), [
            [
                `${sg.name}-ns-assessment`,
                `namespace assessment selects istio.io/rev 1-29-0, which no istiod in cluster ${sg.name} serves (revisions: 1-30-3, stable); its pods would get no sidecar`,
            ],
            [
                `${tk.name}-ns-user`,
                `namespace user selects istio.io/rev stable, which no istiod in cluster ${tk.name} serves (revisions: 1-30-3); its pods would get no sidecar`,
            ],
        ]);
        assert.deepStrictEqual(
            check(
                sidecarInjection,
                [revisioned(sg, {}), namespace("user", { "istio.io/rev": "default" }, sg)],
                { appNamespaces: ["user"] },
            ),
            [],
        );
    });
});

describe("policies/security: mesh consistency", () => {
    const good = () => [
        istiod(sg, "singapore"),
        istiod(tk, "tokyo"),
        namespace("istio-system", { "topology.istio.io/network": "network-singapore" }, sg),
        namespace("istio-system", { "topology.istio.io/network": "network-tokyo" }, tk),
        remoteSecret(sg, "tokyo"),
        remoteSecret(tk, "singapore"),
    ];

    it("passes one meshID, unique names and networks, labelled namespaces and a remote secret per ordered pair", () => {
        assert.deepStrictEqual(check(meshConsistency, good()), []);
    });

    const singaporeValues = (revision: string, network = "network-singapore") => ({
        revision,
        global: {
            meshID: "edtech-mesh",
            multiCluster: { clusterName: "singapore" },
            network,
        },
    });

    it("accepts a second revision in a cluster (a canary) without a finding", () => {
        const canary = release(
            "mesh-singapore-istiod-1-28-0",
            "istiod",
            singaporeValues("1-28-0"),
            sg,
            { version: "1.28.0" },
        );
        assert.deepStrictEqual(messages(check(meshConsistency, [...good(), canary])), []);
    });

    it("fails a revision installed twice in one cluster and revisions of one cluster that disagree", () => {
        const twice = release("mesh-singapore-istiod-again", "istiod", singaporeValues(""), sg);
        const other = release(
            "mesh-singapore-istiod-1-28-0",
            "istiod",
            singaporeValues("1-31-0", "network-elsewhere"),
            sg,
        );
        const v = messages(check(meshConsistency, [...good(), twice, other]));
        assert.ok(
            v.includes("revision default is installed more than once in cluster singapore"),
            v.join("\n"),
        );
        assert.ok(
            v.some((m) =>
                /the istiod revisions of .* disagree on network: network-elsewhere, network-singapore/.test(
                    m,
                ),
            ),
            v.join("\n"),
        );
    });

    it("fails two meshIDs, duplicate cluster names and networks", () => {
        const v = check(meshConsistency, [
            istiod(sg, "singapore"),
            istiod(tk, "singapore", {
                global: {
                    meshID: "other-mesh",
                    multiCluster: { clusterName: "singapore" },
                    network: "network-singapore",
                },
            }),
            remoteSecret(sg, "singapore"),
            remoteSecret(tk, "singapore"),
        ]);
        assert.deepStrictEqual(messages(v), [
            "istiod releases disagree on global.meshID: edtech-mesh, other-mesh; a multi-primary mesh has one meshID",
            "global.multiCluster.clusterName singapore is used by more than one cluster",
            "global.network network-singapore is used by more than one cluster; each cluster is its own network",
        ]);
    });

    it("fails a missing remote secret for one direction and a wrong network label", () => {
        const resources = good().filter((r) => r.name !== "tokyo-k8s-remote-singapore");
        resources[3] = namespace("istio-system", { "topology.istio.io/network": "network-x" }, tk);
        assert.deepStrictEqual(found(check(meshConsistency, resources)), [
            [
                "tokyo-k8s-ns-istio-system",
                "namespace istio-system in tokyo-k8s has topology.istio.io/network network-x; expected network-tokyo",
            ],
            [
                "mesh-tokyo-istiod",
                'cluster tokyo has no remote secret for singapore (istio-remote-secret-singapore in istio-system, label istio/multiCluster: "true")',
            ],
        ]);
    });
});
