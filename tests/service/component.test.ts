/** MeshService and ServiceNamespace as Pulumi components: children, names, providers, parents, ordering. */
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { runDeclarations, RecordedRun } from "../harness";
import { testCluster, testConfig } from "../support/fixtures";
import { MeshService, ServiceNamespace } from "../../components/service";
import { IMAGE, PROMETHEUS } from "./support";

const CR = (apiVersion: string, kind: string) => `kubernetes:${apiVersion}:${kind}`;

describe("service: MeshService component", function () {
    this.timeout(120_000);
    let run: RecordedRun;

    before(async () => {
        const cfg = testConfig();
        run = await runDeclarations(() => {
            const cluster = testCluster(cfg, "singapore");
            const ns = new ServiceNamespace("sg-ns-shop", {
                provider: cluster.provider,
                namespace: "shop",
                injectionLabels: { "istio.io/rev": "stable" },
            });
            new MeshService("sg-catalog", {
                provider: cluster.provider,
                serviceName: "catalog",
                namespace: "shop",
                image: IMAGE,
                cache: true,
                allowFrom: [{ service: "user/frontend-service", methods: ["GET"] }],
                dependsOn: [ns.namespace],
            });
            new MeshService("sg-checkout", {
                provider: cluster.provider,
                serviceName: "checkout",
                namespace: "shop",
                image: IMAGE,
                canary: { prometheusAddress: PROMETHEUS },
                dependsOn: [ns.namespace],
            });
        });
    });

    const childrenOf = (name: string) => {
        const c = run.one("mesh-platform:service:MeshService", name);
        return run.childrenOf(c.urn);
    };

    it("declares the Deployment service's children with the expected types and names", () => {
        assert.deepEqual(
            childrenOf("sg-catalog")
                .map((r) => `${r.type} ${r.name}`)
                .sort(),
            [
                "kubernetes:apps/v1:Deployment sg-catalog-deployment",
                "kubernetes:autoscaling/v2:HorizontalPodAutoscaler sg-catalog-horizontalpodautoscaler",
                "kubernetes:core/v1:Service sg-catalog-service",
                "kubernetes:core/v1:ServiceAccount sg-catalog-serviceaccount",
                `${CR("networking.istio.io/v1", "DestinationRule")} sg-catalog-destinationrule`,
                `${CR("networking.istio.io/v1", "VirtualService")} sg-catalog-virtualservice`,
                `${CR("networking.istio.io/v1alpha3", "EnvoyFilter")} sg-catalog-envoyfilter-catalog-http-cache`,
                "kubernetes:policy/v1:PodDisruptionBudget sg-catalog-poddisruptionbudget",
                `${CR("security.istio.io/v1", "AuthorizationPolicy")} sg-catalog-authorizationpolicy`,
            ].sort(),
        );
    });

    it("declares the canary service as a Rollout after its AnalysisTemplate, Services and account", () => {
        const kids = childrenOf("sg-checkout");
        const rollout = kids.find((r) => r.type === CR("argoproj.io/v1alpha1", "Rollout"))!;
        const need = kids.filter((r) =>
            [
                CR("argoproj.io/v1alpha1", "AnalysisTemplate"),
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:ServiceAccount",
            ].includes(r.type),
        );
        assert.equal(need.length, 4);
        for (const n of need)
            assert.ok(rollout.dependencies.includes(n.urn), `Rollout waits for ${n.name}`);
        assert.ok(!kids.some((r) => r.type === "kubernetes:apps/v1:Deployment"));
    });

    it("gives every child the cluster's provider and the args' dependsOn", () => {
        const provider = run.ofType("pulumi:providers:kubernetes")[0];
        const ns = run.one("kubernetes:core/v1:Namespace", "sg-ns-shop-namespace");
        for (const name of ["sg-catalog", "sg-checkout"])
            for (const r of childrenOf(name)) {
                assert.equal(r.provider?.split("::")[0], provider.urn.split("::")[0]);
                assert.ok(
                    r.provider?.startsWith(provider.urn),
                    `${r.name} uses the cluster's provider`,
                );
                assert.ok(r.dependencies.includes(ns.urn), `${r.name} waits for the namespace`);
            }
    });

    it("ServiceNamespace: injection labels from the args and a default deny after the namespace", () => {
        const ns = run.one("kubernetes:core/v1:Namespace", "sg-ns-shop-namespace");
        assert.equal((ns.inputs.metadata as any).name, "shop");
        assert.equal((ns.inputs.metadata as any).labels["istio.io/rev"], "stable");
        const deny = run.one(
            CR("security.istio.io/v1", "AuthorizationPolicy"),
            "sg-ns-shop-default-deny",
        );
        assert.deepEqual(deny.inputs.spec, {});
        assert.equal((deny.inputs.metadata as any).namespace, "shop");
        assert.ok(deny.dependencies.includes(ns.urn));
    });

    it("refuses a namespace without injection labels and a service without a provider, naming the arg", async () => {
        const cfg = testConfig();
        await assert.rejects(
            runDeclarations(() => {
                const cluster = testCluster(cfg, "singapore");
                new ServiceNamespace("bad", {
                    provider: cluster.provider,
                    namespace: "shop",
                    injectionLabels: {},
                });
            }),
            /ServiceNamespace bad: args\.injectionLabels is empty/,
        );
        await assert.rejects(
            runDeclarations(() => {
                new MeshService("bad", {
                    provider: undefined as unknown as k8s.Provider,
                    namespace: "shop",
                    image: IMAGE,
                });
            }),
            /MeshService bad: args\.provider is required/,
        );
    });
});
