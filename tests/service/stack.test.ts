/**
 * The golden path in the committed stacks: Argo Rollouts and the smoke service in every cluster of every
 * stack (the smoke contract), the examples of dev (a canary Rollout with analysis, a cached service),
 * and the `verify` output.
 */
import { strict as assert } from "assert";
import { committedStacks, RecordedResource, RecordedRun, runStack } from "../harness";
import { CHARTS } from "../../lib/charts";
import { SMOKE, SMOKE_IMAGE } from "../../platform/services";

const CR = (apiVersion: string, kind: string) => `kubernetes:${apiVersion}:${kind}`;
type Obj = Record<string, any>;
const meta = (r: RecordedResource): Obj => r.inputs.metadata as Obj;
const spec = (r: RecordedResource): Obj => r.inputs.spec as Obj;

/** The cluster (region) name of a resource: its provider's logical name is `<cluster>-k8s`-like; use the parent chain instead. */
function inCluster(
    run: RecordedRun,
    cluster: string,
    type: string,
    predicate: (r: RecordedResource) => boolean,
) {
    const provider = run
        .ofType("pulumi:providers:kubernetes")
        .find((p) => p.name.startsWith(`${cluster}-`) || p.name === cluster);
    assert.ok(provider, `no Kubernetes provider for ${cluster}`);
    return run.ofType(type).filter((r) => r.provider?.startsWith(provider.urn) && predicate(r));
}

describe("service: golden path in the committed stacks", function () {
    this.timeout(600_000);

    for (const stack of committedStacks()) {
        describe(stack, () => {
            let run: RecordedRun;
            let clusters: string[];
            before(async () => {
                run = await runStack(stack);
                clusters = (run.outputs.regions as { name: string }[]).map((r) => r.name);
            });

            it("runs the smoke service in every cluster, by the smoke contract", () => {
                for (const c of clusters) {
                    const ns = inCluster(
                        run,
                        c,
                        "kubernetes:core/v1:Namespace",
                        (r) => meta(r).name === SMOKE.namespace,
                    );
                    assert.equal(ns.length, 1, `${c}: namespace ${SMOKE.namespace}`);
                    assert.ok(
                        meta(ns[0]).labels["istio.io/rev"],
                        `${c}: ${SMOKE.namespace} is injected`,
                    );
                    const svc = inCluster(
                        run,
                        c,
                        "kubernetes:core/v1:Service",
                        (r) =>
                            meta(r).namespace === SMOKE.namespace && meta(r).name === SMOKE.service,
                    );
                    assert.equal(svc.length, 1, `${c}: Service smoke`);
                    assert.equal(spec(svc[0]).ports[0].port, 80);
                    const dep = inCluster(
                        run,
                        c,
                        "kubernetes:apps/v1:Deployment",
                        (r) => meta(r).namespace === SMOKE.namespace,
                    );
                    assert.equal(dep.length, 1, `${c}: smoke Deployment`);
                    const container = spec(dep[0]).template.spec.containers[0];
                    assert.equal(container.image, SMOKE_IMAGE);
                    assert.match(container.image, /@sha256:[a-f0-9]{64}$/);
                    assert.equal(container.ports[0].containerPort, 8080);
                    const publicVs = inCluster(
                        run,
                        c,
                        CR("networking.istio.io/v1", "VirtualService"),
                        (r) =>
                            meta(r).namespace === SMOKE.namespace &&
                            meta(r).name === "smoke-public",
                    );
                    assert.equal(publicVs.length, 1, `${c}: public smoke route`);
                    const vs = spec(publicVs[0]);
                    assert.deepEqual(vs.gateways, ["istio-gateways/public-gateway"]);
                    const plain = vs.http.find((h: Obj) => h.name === "idempotent");
                    assert.deepEqual(plain.match[0].uri, { prefix: "/smoke/" });
                    assert.deepEqual(plain.rewrite, { uri: "/" });
                    // Every other cluster is reachable by name from this cluster's ingress.
                    for (const other of clusters)
                        assert.ok(
                            vs.http.some((h: Obj) => h.name === `cluster-${other}`),
                            `${c}: route to ${other}'s smoke pods`,
                        );
                    const deny = inCluster(
                        run,
                        c,
                        CR("security.istio.io/v1", "AuthorizationPolicy"),
                        (r) =>
                            meta(r).namespace === SMOKE.namespace &&
                            meta(r).name === "default-deny",
                    );
                    assert.equal(deny.length, 1, `${c}: default deny in ${SMOKE.namespace}`);
                }
            });

            it("installs Argo Rollouts from the pinned chart in every cluster", () => {
                for (const c of clusters) {
                    const rel = inCluster(
                        run,
                        c,
                        "kubernetes:helm.sh/v3:Release",
                        (r) => r.inputs.chart === CHARTS.argoRollouts.chart,
                    );
                    assert.equal(rel.length, 1, `${c}: argo-rollouts release`);
                    assert.equal(rel[0].inputs.version, CHARTS.argoRollouts.version);
                    assert.deepEqual(rel[0].inputs.repositoryOpts, {
                        repo: CHARTS.argoRollouts.repo,
                    });
                }
            });

            it("exports what npm run verify reads", () => {
                const v = run.outputs.verify as Obj;
                assert.deepEqual(v.smoke, SMOKE);
                assert.deepEqual(
                    v.regions.map((r: Obj) => r.name),
                    clusters,
                );
                assert.ok(v.mesh.revisions.length >= 1);
                for (const r of v.regions) assert.ok(r.kubeconfig && r.ingressHostname);
            });
        });
    }

    it("dev runs one example as a canary Rollout with analysis and one with the cache on, per cluster", async () => {
        const run = await runStack("dev");
        const clusters = (run.outputs.regions as { name: string }[]).map((r) => r.name);
        for (const c of clusters) {
            const rollouts = inCluster(run, c, CR("argoproj.io/v1alpha1", "Rollout"), () => true);
            assert.equal(rollouts.length, 1, `${c}: one Rollout`);
            const ro = spec(rollouts[0]);
            assert.ok(ro.strategy.canary.analysis.templates[0].templateName);
            const at = inCluster(
                run,
                c,
                CR("argoproj.io/v1alpha1", "AnalysisTemplate"),
                (r) => meta(r).name === ro.strategy.canary.analysis.templates[0].templateName,
            );
            assert.equal(at.length, 1, `${c}: the Rollout's AnalysisTemplate`);
            assert.match(
                spec(at[0]).metrics[0].provider.prometheus.address,
                /^http:\/\/kube-prometheus-stack-prometheus\.monitoring\.svc\.cluster\.local:9090$/,
            );
            const filters = inCluster(
                run,
                c,
                CR("networking.istio.io/v1alpha3", "EnvoyFilter"),
                () => true,
            );
            assert.equal(filters.length, 1, `${c}: one cache filter`);
            // The Rollout waits for the Argo Rollouts chart (its CRDs).
            const rel = inCluster(
                run,
                c,
                "kubernetes:helm.sh/v3:Release",
                (r) => r.inputs.chart === "argo-rollouts",
            );
            assert.ok(rollouts[0].dependencies.includes(rel[0].urn));
        }
    });
});
