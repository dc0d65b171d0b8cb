/**
 * Every custom resource a MeshService can emit, validated against its upstream schema: Rollout and
 * AnalysisTemplate (@kubernetes-models/argo-rollouts 2.0.0), the Istio resources including the
 * EnvoyFilter (@kubernetes-models/istio), with no unknown field.
 */
import { strict as assert } from "assert";
import { serviceManifests } from "../../components/service";
import { PROMETHEUS, resolved } from "./support";
import { strictProblems } from "./schema";

/** Args that switch every optional object on, so each kind and field is emitted at least once. */
const everything = () =>
    serviceManifests(
        resolved({
            canary: { prometheusAddress: PROMETHEUS },
            cache: true,
            allowFrom: [
                { service: "user/frontend-service", methods: ["GET"], paths: ["/api/*"] },
                { principal: "cluster.local/ns/istio-gateways/sa/istio-ingressgateway" },
            ],
            jwt: {
                issuer: "https://auth.example.com/",
                jwksUri: "https://auth.example.com/jwks",
                audiences: ["a"],
            },
            publicRoute: {
                gateway: "istio-gateways/public-gateway",
                hosts: ["app.example.com"],
                prefix: "/shop/",
            },
            clusterRouting: { header: "x-mesh-cluster", clusters: ["singapore", "tokyo"] },
            localities: [
                { locality: "ap-southeast-1", primary: true },
                { locality: "ap-northeast-1", primary: false },
            ],
            env: { MODE: "demo" },
            requestsPerSecond: 100,
        }),
    );

describe("service: upstream schemas", function () {
    this.timeout(120_000);

    it("emits every Istio kind and both Argo kinds under test", () => {
        const m = everything();
        const kinds = [...m.istio, ...m.workload].map((x) => x.kind);
        for (const k of [
            "Rollout",
            "AnalysisTemplate",
            "DestinationRule",
            "VirtualService",
            "AuthorizationPolicy",
            "RequestAuthentication",
            "EnvoyFilter",
        ])
            assert.ok(kinds.includes(k), `no ${k} emitted`);
    });

    for (const kind of ["Rollout", "AnalysisTemplate"])
        it(`${kind} is valid against @kubernetes-models/argo-rollouts, with no unknown field`, async () => {
            const m = everything().workload.find((w) => w.kind === kind)!;
            assert.deepEqual(await strictProblems("argo-rollouts", m), []);
        });

    it("every Istio resource (EnvoyFilter included) is valid against @kubernetes-models/istio, with no unknown field", async () => {
        // An EnvoyFilter's patch value is Envoy config in a protobuf Struct: free-form for the schema.
        // Its filter name and type URLs are checked against the pinned proxy in manifests.test.ts.
        const opaque = [/^\/spec\/configPatches\/\d+\/patch\/value\//];
        for (const m of everything().istio)
            assert.deepEqual(
                await strictProblems("istio", m, opaque),
                [],
                `${m.kind} ${m.metadata.name}`,
            );
    });

    it("the strict check catches a misspelt field and a wrong type (it can fail)", async () => {
        const ro = JSON.parse(
            JSON.stringify(everything().workload.find((w) => w.kind === "Rollout")),
        );
        ro.spec.strategy.canary.scaleDownDelaySecs = 30;
        ro.spec.strategy.canary.steps[0].setWeight = "5";
        const problems = await strictProblems("argo-rollouts", ro);
        assert.ok(
            problems.some((p) => p.includes("scaleDownDelaySecs: unknown field")),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => p.includes("setWeight: must be integer")),
            problems.join("\n"),
        );
        const f = JSON.parse(
            JSON.stringify(everything().istio.find((i) => i.kind === "EnvoyFilter")),
        );
        f.spec.configPatches[0].patch.operation = "INSERT_BEFOR";
        assert.notDeepEqual(await strictProblems("istio", f), []);
    });
});
