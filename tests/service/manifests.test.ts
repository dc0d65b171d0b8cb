/** The objects a MeshService emits, from its pure builders. */
import { strict as assert } from "assert";
import {
    APP_RESOURCES,
    CACHE_FILTER,
    IDEMPOTENT_METHODS,
    IDEMPOTENT_RETRIES,
    KubeManifest,
    serviceManifests,
} from "../../components/service";
import { SIDECAR_RESOURCES } from "../../components/mesh/sizing";
import type { IstioManifest } from "../../components/mesh/istio-resource";
import { PROMETHEUS, resolved, PlainArgs } from "./support";

type Obj = Record<string, any>;
const all = (over: Partial<PlainArgs> = {}) => {
    const m = serviceManifests(resolved(over));
    return [...m.workload, ...m.istio] as (KubeManifest | IstioManifest)[];
};
const find = (
    objs: readonly (KubeManifest | IstioManifest)[],
    kind: string,
    name?: string,
): Obj => {
    const found = objs.filter(
        (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
    );
    assert.equal(found.length, 1, `expected one ${kind} ${name ?? ""}, got ${found.length}`);
    return found[0];
};
const kinds = (objs: readonly { kind: string }[]) => objs.map((o) => o.kind).sort();
const podSpec = (objs: readonly (KubeManifest | IstioManifest)[], kind = "Deployment"): Obj =>
    find(objs, kind).spec.template;

describe("service: MeshService manifests", () => {
    it("emits exactly the objects of a plain service: SA, Service, Deployment, HPA, PDB, DR, VS", () => {
        assert.deepEqual(kinds(all()), [
            "Deployment",
            "DestinationRule",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
            "VirtualService",
        ]);
        for (const o of all()) assert.equal(o.metadata.namespace, "shop", `${o.kind} namespace`);
    });

    describe("authorization from declared callers", () => {
        const callers: PlainArgs["allowFrom"] = [
            { service: "user/frontend-service", methods: ["GET"], paths: ["/api/v1/courses/*"] },
            { service: "analytics/learning-analytics" },
            {
                principal: "cluster.local/ns/istio-gateways/sa/istio-ingressgateway",
                paths: ["/public/*"],
            },
        ];
        const policy = () => find(all({ allowFrom: callers }), "AuthorizationPolicy");

        it("is one ALLOW rule per caller, selecting the service's pods", () => {
            const p = policy();
            assert.equal(p.spec.action, "ALLOW");
            assert.deepEqual(p.spec.selector, { matchLabels: { app: "catalog" } });
            assert.equal(p.spec.rules.length, 3);
        });

        it("ANDs a caller's source, methods and paths inside its one rule", () => {
            const [first] = policy().spec.rules;
            assert.deepEqual(first, {
                from: [{ source: { principals: ["cluster.local/ns/user/sa/frontend-service"] } }],
                to: [{ operation: { methods: ["GET"], paths: ["/api/v1/courses/*"] } }],
            });
        });

        it("gives a caller without methods or paths a source-only rule (any operation from it)", () => {
            const second = policy().spec.rules[1];
            assert.deepEqual(Object.keys(second), ["from"]);
            assert.deepEqual(second.from[0].source.principals, [
                "cluster.local/ns/analytics/sa/learning-analytics",
            ]);
        });

        it("takes a full principal as is", () => {
            const third = policy().spec.rules[2];
            assert.deepEqual(third.from[0].source.principals, [
                "cluster.local/ns/istio-gateways/sa/istio-ingressgateway",
            ]);
            assert.deepEqual(third.to, [{ operation: { paths: ["/public/*"] } }]);
        });

        it("emits no policy without callers, leaving the namespace's default deny in force", () => {
            assert.equal(all().filter((o) => o.kind === "AuthorizationPolicy").length, 0);
        });
    });

    describe("retries by idempotency", () => {
        const routes = (over: Partial<PlainArgs> = {}): Obj[] =>
            find(all(over), "VirtualService", "catalog").spec.http;

        it("retries GET, HEAD, OPTIONS, PUT and DELETE with the guide's policy, and only those methods", () => {
            const [idem] = routes();
            assert.equal(idem.name, "idempotent");
            assert.deepEqual(
                idem.match.map((m: Obj) => m.method.exact),
                ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"],
            );
            assert.deepEqual(idem.retries, {
                attempts: 3,
                perTryTimeout: "5s",
                retryOn: "5xx,gateway-error,connect-failure",
            });
            assert.equal(idem.timeout, "15s");
        });

        it("retries POST, PATCH and the rest only on connect-failure and refused-stream", () => {
            const [, other] = routes();
            assert.equal(other.name, "non-idempotent");
            assert.equal(
                other.match,
                undefined,
                "the catch-all route must follow the idempotent one",
            );
            assert.equal(other.retries.retryOn, "connect-failure,refused-stream");
            assert.doesNotMatch(other.retries.retryOn, /5xx|gateway-error|retriable|reset/);
        });

        it("can turn non-idempotent retries off (attempts 0, not Istio's default policy)", () => {
            const [, other] = routes({ nonIdempotentRetries: "none" });
            assert.deepEqual(other.retries, { attempts: 0 });
        });

        it("never lets POST or PATCH reach the route with 5xx retries", () => {
            for (const r of routes())
                if (/5xx/.test(r.retries?.retryOn ?? ""))
                    for (const m of r.match ?? [{}])
                        assert.ok(
                            (IDEMPOTENT_METHODS as readonly string[]).includes(m.method?.exact),
                            `route ${r.name} retries 5xx for ${JSON.stringify(m)}`,
                        );
            assert.deepEqual(IDEMPOTENT_RETRIES.retryOn, "5xx,gateway-error,connect-failure");
        });
    });

    it("DestinationRule: the guide's connection pool and outlier detection, locality failover", () => {
        const dr = find(
            all({
                localities: [
                    { locality: "ap-southeast-1", primary: true },
                    { locality: "ap-northeast-1", primary: false },
                ],
            }),
            "DestinationRule",
        );
        assert.equal(dr.spec.host, "catalog.shop.svc.cluster.local");
        assert.deepEqual(dr.spec.trafficPolicy.connectionPool, {
            tcp: { maxConnections: 100, connectTimeout: "10s" },
            http: { http1MaxPendingRequests: 50, maxRequestsPerConnection: 10, idleTimeout: "60s" },
        });
        assert.equal(dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors, 5);
        assert.equal(dr.spec.trafficPolicy.outlierDetection.interval, "30s");
        assert.equal(dr.spec.trafficPolicy.outlierDetection.baseEjectionTime, "30s");
        assert.deepEqual(dr.spec.trafficPolicy.loadBalancer.localityLbSetting.failover, [
            { from: "ap-southeast-1", to: "ap-northeast-1" },
            { from: "ap-northeast-1", to: "ap-southeast-1" },
        ]);
    });

    describe("pods", () => {
        it("probe /health and /ready by default, other paths when given", () => {
            const c = podSpec(all()).spec.containers[0];
            assert.equal(c.livenessProbe.httpGet.path, "/health");
            assert.equal(c.readinessProbe.httpGet.path, "/ready");
            const d = podSpec(all({ probes: { liveness: "/status/200", readiness: "/get" } })).spec
                .containers[0];
            assert.equal(d.livenessProbe.httpGet.path, "/status/200");
            assert.equal(d.readinessProbe.httpGet.path, "/get");
        });

        it("request the size band's resources and size the sidecar by the guide", () => {
            const t = podSpec(all({ size: "medium" }));
            assert.deepEqual(t.spec.containers[0].resources, APP_RESOURCES.medium);
            assert.deepEqual(t.metadata.annotations, {
                "sidecar.istio.io/proxyCPU": SIDECAR_RESOURCES.requests.cpu,
                "sidecar.istio.io/proxyMemory": SIDECAR_RESOURCES.requests.memory,
                "sidecar.istio.io/proxyCPULimit": SIDECAR_RESOURCES.limits.cpu,
                "sidecar.istio.io/proxyMemoryLimit": SIDECAR_RESOURCES.limits.memory,
            });
            assert.deepEqual(SIDECAR_RESOURCES.requests, { cpu: "100m", memory: "128Mi" });
        });

        it("spread over zones, per revision", () => {
            const [spread] = podSpec(all()).spec.topologySpreadConstraints;
            assert.equal(spread.topologyKey, "topology.kubernetes.io/zone");
            assert.equal(spread.maxSkew, 1);
            assert.deepEqual(spread.labelSelector, { matchLabels: { app: "catalog" } });
            assert.deepEqual(spread.matchLabelKeys, ["pod-template-hash"]);
            const canary = podSpec(all({ canary: { prometheusAddress: PROMETHEUS } }), "Rollout")
                .spec.topologySpreadConstraints[0];
            assert.deepEqual(canary.matchLabelKeys, ["rollouts-pod-template-hash"]);
        });

        it("run as non-root, read-only, without capabilities or an API token", () => {
            const s = podSpec(all()).spec;
            assert.equal(s.securityContext.runAsNonRoot, true);
            assert.equal(s.automountServiceAccountToken, false);
            assert.equal(s.serviceAccountName, "catalog");
            const c = s.containers[0].securityContext;
            assert.deepEqual(c, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            });
        });
    });

    it("HPA: 70 % CPU and 80 % memory, plus requests per second when asked", () => {
        const hpa = find(all(), "HorizontalPodAutoscaler").spec;
        assert.deepEqual(hpa.scaleTargetRef, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "catalog",
        });
        assert.deepEqual(
            hpa.metrics.map((m: Obj) => [m.resource.name, m.resource.target.averageUtilization]),
            [
                ["cpu", 70],
                ["memory", 80],
            ],
        );
        const rps = find(all({ requestsPerSecond: 100 }), "HorizontalPodAutoscaler").spec
            .metrics[2];
        assert.deepEqual(rps, {
            type: "Pods",
            pods: {
                metric: { name: "istio_requests_per_second" },
                target: { type: "AverageValue", averageValue: "100" },
            },
        });
    });

    it("PDB: one pod at a time, never blocking a drain", () => {
        const pdb = find(all({ minReplicas: 1 }), "PodDisruptionBudget").spec;
        assert.deepEqual(pdb, { maxUnavailable: 1, selector: { matchLabels: { app: "catalog" } } });
    });

    describe("canary", () => {
        const objs = () => all({ canary: { prometheusAddress: PROMETHEUS } });

        it("replaces the Deployment with a Rollout, an AnalysisTemplate and a canary Service", () => {
            const k = kinds(objs());
            assert.ok(!k.includes("Deployment"));
            assert.ok(k.includes("Rollout") && k.includes("AnalysisTemplate"));
            find(objs(), "Service", "catalog-canary");
            find(objs(), "DestinationRule", "catalog-canary");
            assert.deepEqual(find(objs(), "HorizontalPodAutoscaler").spec.scaleTargetRef, {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Rollout",
                name: "catalog",
            });
        });

        it("steps 5, 25, 50, 100 with 15-minute pauses and the guide's scale-down delays", () => {
            const c = find(objs(), "Rollout").spec.strategy.canary;
            assert.deepEqual(c.steps, [
                { setWeight: 5 },
                { pause: { duration: "15m" } },
                { setWeight: 25 },
                { pause: { duration: "15m" } },
                { setWeight: 50 },
                { pause: { duration: "15m" } },
                { setWeight: 100 },
            ]);
            assert.equal(c.scaleDownDelaySeconds, 30);
            assert.equal(c.abortScaleDownDelaySeconds, 30);
            assert.deepEqual(c.analysis, {
                templates: [{ templateName: "catalog-error-rate" }],
                startingStep: 1,
            });
        });

        it("takes other steps and pauses", () => {
            const c = find(
                all({ canary: { prometheusAddress: PROMETHEUS, steps: [10, 100], pause: "2m" } }),
                "Rollout",
            ).spec.strategy.canary;
            assert.deepEqual(c.steps, [
                { setWeight: 10 },
                { pause: { duration: "2m" } },
                { setWeight: 100 },
            ]);
        });

        it("splits by VirtualService weights on exactly the routes Argo is told about", () => {
            const objects = all({
                canary: { prometheusAddress: PROMETHEUS },
                publicRoute: {
                    gateway: "istio-gateways/public",
                    hosts: ["app.example.com"],
                    prefix: "/shop/",
                },
            });
            const ro = find(objects, "Rollout").spec.strategy.canary;
            assert.equal(ro.stableService, "catalog");
            assert.equal(ro.canaryService, "catalog-canary");
            for (const ref of ro.trafficRouting.istio.virtualServices) {
                const vs = find(objects, "VirtualService", ref.name);
                for (const routeName of ref.routes) {
                    const route = vs.spec.http.find((r: Obj) => r.name === routeName);
                    assert.ok(route, `VirtualService ${ref.name} has no route ${routeName}`);
                    assert.deepEqual(
                        route.route.map((d: Obj) => [d.destination.host, d.weight]),
                        [
                            ["catalog", 100],
                            ["catalog-canary", 0],
                        ],
                    );
                }
            }
            assert.deepEqual(
                ro.trafficRouting.istio.virtualServices.map((v: Obj) => v.name),
                ["catalog", "catalog-public"],
            );
        });

        it("analyses the canary host's error ratio against 1 % on the given Prometheus", () => {
            const m = find(objs(), "AnalysisTemplate").spec.metrics[0];
            assert.equal(m.successCondition, "result[0] <= 0.01");
            assert.equal(m.failureCondition, "result[0] > 0.01");
            assert.equal(m.provider.prometheus.address, PROMETHEUS);
            assert.match(
                m.provider.prometheus.query,
                /destination_service="catalog-canary\.shop\.svc\.cluster\.local"/,
            );
        });
    });

    describe("HTTP cache", () => {
        it("is off by default", () => {
            assert.equal(all().filter((o) => o.kind === "EnvoyFilter").length, 0);
        });

        it("is the guide's cache filter, scoped to the service's pods and port, before the router, inbound", () => {
            const f = find(all({ cache: true }), "EnvoyFilter");
            assert.equal(f.apiVersion, "networking.istio.io/v1alpha3");
            assert.deepEqual(f.spec.workloadSelector, { labels: { app: "catalog" } });
            assert.equal(f.spec.configPatches.length, 1);
            const [p] = f.spec.configPatches;
            assert.equal(p.applyTo, "HTTP_FILTER");
            assert.equal(p.match.context, "SIDECAR_INBOUND");
            assert.equal(p.match.listener.portNumber, 8080);
            assert.equal(
                p.match.listener.filterChain.filter.subFilter.name,
                "envoy.filters.http.router",
            );
            assert.equal(p.patch.operation, "INSERT_BEFORE");
            assert.deepEqual(p.patch.value, {
                name: "envoy.filters.http.cache",
                typed_config: {
                    "@type":
                        "type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig",
                    typed_config: {
                        "@type":
                            "type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig",
                    },
                },
            });
            assert.equal(CACHE_FILTER.name, p.patch.value.name);
        });
    });

    describe("public route and cluster routing", () => {
        const objs = () =>
            all({
                publicRoute: {
                    gateway: "istio-gateways/public-gateway",
                    hosts: ["app.example.com"],
                    prefix: "/shop/",
                },
                clusterRouting: { header: "x-mesh-cluster", clusters: ["singapore", "tokyo"] },
            });

        it("binds the public VirtualService to the gateway, rewriting the prefix to /", () => {
            const vs = find(objs(), "VirtualService", "catalog-public").spec;
            assert.deepEqual(vs.gateways, ["istio-gateways/public-gateway"]);
            assert.deepEqual(vs.hosts, ["app.example.com"]);
            for (const r of vs.http) {
                assert.deepEqual(r.rewrite, { uri: "/" });
                for (const m of r.match) assert.deepEqual(m.uri, { prefix: "/shop/" });
            }
        });

        it("routes a request naming a cluster to that cluster's subset, without retries", () => {
            const dr = find(objs(), "DestinationRule", "catalog").spec;
            assert.deepEqual(dr.subsets, [
                { name: "singapore", labels: { "topology.istio.io/cluster": "singapore" } },
                { name: "tokyo", labels: { "topology.istio.io/cluster": "tokyo" } },
            ]);
            for (const name of ["catalog", "catalog-public"]) {
                const http = find(objs(), "VirtualService", name).spec.http;
                const tokyo = http.find((r: Obj) => r.name === "cluster-tokyo");
                assert.deepEqual(tokyo.match[0].headers, { "x-mesh-cluster": { exact: "tokyo" } });
                assert.equal(tokyo.route[0].destination.subset, "tokyo");
                assert.deepEqual(tokyo.retries, { attempts: 0 });
                assert.ok(
                    http.indexOf(tokyo) < http.findIndex((r: Obj) => r.name === "idempotent"),
                );
            }
        });
    });

    it("RequestAuthentication only when jwt is set", () => {
        assert.equal(all().filter((o) => o.kind === "RequestAuthentication").length, 0);
        const ra = find(
            all({
                jwt: {
                    issuer: "https://auth.example.com/",
                    jwksUri: "https://auth.example.com/jwks",
                    audiences: ["shop"],
                },
            }),
            "RequestAuthentication",
        ).spec;
        assert.deepEqual(ra.selector, { matchLabels: { app: "catalog" } });
        assert.deepEqual(ra.jwtRules[0].audiences, ["shop"]);
        assert.equal(ra.jwtRules[0].issuer, "https://auth.example.com/");
    });
});
