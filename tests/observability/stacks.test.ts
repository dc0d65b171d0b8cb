/**
 * Every committed stack, run end to end under mocks: retention, sampling and log levels match the
 * environment's profile in every cluster, every cert-manager and prometheus-operator resource passes
 * its upstream schema, and every chart of these areas is pinned.
 */
import { strict as assert } from "assert";
import { committedStacks, runStack, RecordedRun, RecordedResource } from "../harness";
import { validateManifest } from "../support/esm";
import { CHARTS, PinnedChart } from "../../components/observability/charts";

const EXPECTED = {
    prod: { logLevel: "WARN", sampling: 1, esNodes: 3, promGiB: 200, esGiB: 200 },
    staging: { logLevel: "INFO", sampling: 10, esNodes: 1, promGiB: 50, esGiB: 50 },
    dev: { logLevel: "DEBUG", sampling: 100, esNodes: 1, promGiB: 20, esGiB: 20 },
} as const;
const DROPPED = {
    WARN: /Exclude level \^\(\?:DEBUG\|INFO\)\$/,
    INFO: /Exclude level \^\(\?:DEBUG\)\$/,
};

const kindOf = (r: RecordedResource) => r.type.split(":").pop();
const spec = (r: RecordedResource) => r.inputs.spec as any;
const values = (r: RecordedResource) => r.inputs.values as any;

describe("certificates and observability in every committed stack", function () {
    for (const stack of committedStacks()) {
        describe(stack, () => {
            let run: RecordedRun;
            let env: keyof typeof EXPECTED;
            let clusters: string[];
            before(async () => {
                run = await runStack(stack);
                env = run.outputs.environment as keyof typeof EXPECTED;
                clusters = (run.outputs.regions as { name: string }[]).map((r) => r.name);
            });

            it("installs certificates and observability in every cluster", () => {
                assert.ok(clusters.length >= 2);
                for (const c of clusters) {
                    run.one("mesh-platform:certificates:CertManager", `${c}-certificates`);
                    run.one("mesh-platform:observability:Observability", `${c}-observability`);
                }
            });

            it("keeps metrics 30 days, logs 7 days and traces 7 days on the profile's storage", () => {
                const e = EXPECTED[env];
                for (const c of clusters) {
                    const prom = values(
                        run.one(
                            "kubernetes:helm.sh/v3:Release",
                            `${c}-observability-metrics-release`,
                        ),
                    ).prometheus.prometheusSpec;
                    assert.equal(prom.retention, "30d", c);
                    assert.equal(
                        prom.storageSpec.volumeClaimTemplate.spec.resources.requests.storage,
                        `${e.promGiB}Gi`,
                        c,
                    );
                    assert.equal(prom.externalLabels.cluster, c);
                    const job = run.one(
                        "kubernetes:batch/v1:Job",
                        `${c}-observability-logging-ilm`,
                    );
                    const policy = JSON.parse(
                        spec(job).template.spec.containers[0].env.find(
                            (x: any) => x.name === "ILM_POLICY",
                        ).value,
                    );
                    assert.equal(policy.policy.phases.delete.min_age, "7d", c);
                    const jaeger = values(
                        run.one(
                            "kubernetes:helm.sh/v3:Release",
                            `${c}-observability-tracing-release`,
                        ),
                    );
                    assert.equal(
                        jaeger.userconfig.extensions.jaeger_storage.backends.primary_store.badger
                            .ttl.spans,
                        "168h",
                        c,
                    );
                    const es = spec(
                        run.one(
                            "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
                            `${c}-observability-logging-elasticsearch`,
                        ),
                    );
                    assert.equal(es.nodeSets[0].count, e.esNodes, c);
                    assert.equal(
                        es.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage,
                        `${e.esGiB}Gi`,
                        c,
                    );
                }
            });

            it("scrapes only the node components each cluster's cloud runs (no kube-proxy target or alert on GKE Dataplane V2)", () => {
                for (const r of run.outputs.regions as { name: string; cloud: string }[]) {
                    const v = values(
                        run.one(
                            "kubernetes:helm.sh/v3:Release",
                            `${r.name}-observability-metrics-release`,
                        ),
                    );
                    const gke = r.cloud === "gcp";
                    assert.equal(v.kubeProxy.enabled, !gke, r.name);
                    assert.equal(v.coreDns.enabled, !gke, r.name);
                    assert.equal(v.kubeDns.enabled, gke, r.name);
                }
            });

            it("drops logs below the profile's level in every cluster", () => {
                const level = EXPECTED[env].logLevel;
                for (const c of clusters) {
                    const filters: string = values(
                        run.one(
                            "kubernetes:helm.sh/v3:Release",
                            `${c}-observability-logging-fluent-bit`,
                        ),
                    ).config.filters;
                    if (level === "DEBUG") assert.doesNotMatch(filters, /Name\s+grep/, c);
                    else assert.match(filters, DROPPED[level], c);
                }
            });

            it("samples traces at the profile's rate and sends them to the Jaeger collector", () => {
                const telemetry = run.resources.filter((r) => kindOf(r) === "Telemetry");
                assert.equal(
                    telemetry.length,
                    clusters.length,
                    "one mesh-wide Telemetry per cluster",
                );
                for (const t of telemetry) {
                    assert.equal(
                        spec(t).tracing[0].randomSamplingPercentage,
                        EXPECTED[env].sampling,
                        t.name,
                    );
                    assert.equal(spec(t).tracing[0].providers[0].name, "jaeger");
                }
            });

            it("every cert-manager and prometheus-operator resource passes its upstream schema", async () => {
                const crs = run.resources.filter((r) =>
                    /^kubernetes:(cert-manager\.io|monitoring\.coreos\.com)\//.test(r.type),
                );
                assert.equal(crs.length, clusters.length * (3 + 6));
                for (const r of crs) {
                    const pkg = r.type.includes("cert-manager.io")
                        ? "cert-manager"
                        : "prometheus-operator";
                    await validateManifest(pkg, r.inputs as { apiVersion: string; kind: string });
                }
            });

            it("pins every chart of these areas (repository and version)", () => {
                const pinned = new Map<string, PinnedChart>(
                    Object.values(CHARTS).map((c) => [c.chart, c]),
                );
                const releases = run
                    .ofType("kubernetes:helm.sh/v3:Release")
                    .filter((r) => /-(certificates|observability)-/.test(r.name));
                // cert-manager, kube-prometheus-stack, Jaeger, ECK, Fluent Bit, ES exporter, and the two
                // Thanos releases (blackbox exporter only with alerting.databaseTargets).
                assert.equal(releases.length, clusters.length * 8);
                for (const r of releases) {
                    const chart = pinned.get(r.inputs.chart as string);
                    assert.ok(chart, `${r.name}: unknown chart ${r.inputs.chart}`);
                    assert.equal(r.inputs.version, chart.version, r.name);
                    assert.deepEqual(r.inputs.repositoryOpts, { repo: chart.repo }, r.name);
                }
            });
        });
    }
});
