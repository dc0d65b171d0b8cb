/**
 * The observability components' own args: each bad arg throws naming the component and the arg path
 * (never a stack config key) before any child exists; the optional args' defaults are the safe ones; the
 * composition decides what used to follow the environment. And no file under components/observability
 * or components/certificates reaches into the config, the composition or the tools.
 */
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { runDeclarations } from "../harness";
import { testCluster, testConfig } from "../support/fixtures";
import {
    Logging,
    LoggingArgs,
    Metrics,
    MetricsArgs,
    Observability,
    ObservabilityArgs,
    Tracing,
    TracingArgs,
} from "../../components/observability";
import type { ClusterInfo } from "../../components/types";
import { ES_MEMORY, observabilityArgs, TRACES_STORAGE_GIB } from "../../platform/addons";

const ALERTING = {
    emailTo: "alerts@example.com",
    emailFrom: "am@example.com",
    smtpSmarthost: "smtp.example.com:587",
};

type Child<T> = Omit<T, "cluster" | "namespace">;
const METRICS: Child<MetricsArgs> = { retentionDays: 30, storageGiB: 50, alerting: ALERTING };
const TRACING: Child<TracingArgs> = { retentionDays: 7, storageGiB: 10 };
const LOGGING: Child<LoggingArgs> = {
    elasticsearchNodes: 1,
    elasticsearchStorageGiB: 20,
    elasticsearchMemory: "2Gi",
    retentionDays: 7,
    logLevel: "INFO",
};

/** Run `build` on a test cluster with a namespace to install into. */
function declare(build: (cluster: ClusterInfo, namespace: k8s.core.v1.Namespace) => unknown) {
    const cfg = testConfig();
    return runDeclarations(() => {
        const cluster = testCluster(cfg, "singapore");
        const namespace = new k8s.core.v1.Namespace(
            "ns",
            { metadata: { name: "ns" } },
            { provider: cluster.provider },
        );
        return build(cluster, namespace);
    });
}

/** `build` must fail with `error`, name no config key, and declare nothing but its test fixtures. */
async function assertRejects(build: Parameters<typeof declare>[0], error: RegExp): Promise<void> {
    await assert.rejects(
        declare(build),
        (e: Error & { recorded?: { type: string; name: string }[] }) => {
            assert.match(e.message, error);
            assert.doesNotMatch(
                e.message,
                /mesh-platform:/,
                "names the arg, not a stack config key",
            );
            const declared = (e.recorded ?? []).filter(
                (r) => r.type.startsWith("kubernetes:") && r.name !== "ns",
            );
            assert.deepEqual(
                declared.map((r) => r.name),
                [],
                "declares no child",
            );
            return true;
        },
    );
}

describe("observability: Metrics arg validation", () => {
    const metrics =
        (extra: Partial<MetricsArgs>) => (cluster: ClusterInfo, namespace: k8s.core.v1.Namespace) =>
            new Metrics("singapore-observability-metrics", {
                ...METRICS,
                cluster,
                namespace,
                ...extra,
            });
    const cases: [string, Partial<MetricsArgs>, RegExp][] = [
        [
            "zero replicas",
            { replicas: 0 },
            /^Metrics singapore-observability-metrics: args\.replicas must be an integer >= 1 \(got 0\)$/,
        ],
        [
            "fractional replicas",
            { replicas: 1.5 },
            /args\.replicas must be an integer >= 1 \(got 1\.5\)/,
        ],
        [
            "zero retention",
            { retentionDays: 0 },
            /^Metrics singapore-observability-metrics: args\.retentionDays must be an integer >= 1 \(got 0\)$/,
        ],
        [
            "a volume too small for a size cap",
            { storageGiB: 1 },
            /^Metrics singapore-observability-metrics: args\.storageGiB must be an integer >= 2 \(got 1\)$/,
        ],
        [
            "a bad recipient",
            { alerting: { ...ALERTING, emailTo: "alerts" } },
            /args\.alerting\.emailTo must be an email address \(got "alerts"\)/,
        ],
        [
            "a bad sender",
            { alerting: { ...ALERTING, emailFrom: "" } },
            /args\.alerting\.emailFrom must be an email address \(got ""\)/,
        ],
        [
            "a smarthost without port",
            { alerting: { ...ALERTING, smtpSmarthost: "smtp.example.com" } },
            /args\.alerting\.smtpSmarthost must be host:port \(got "smtp\.example\.com"\)/,
        ],
        [
            "an SMTP user without password",
            { alerting: { ...ALERTING, smtpUsername: "AKIASMTPUSER" } },
            /args\.alerting\.smtpUsername and args\.alerting\.smtpPassword are given together \(SMTP AUTH\), or neither \(got only smtpUsername\)/,
        ],
        [
            "an SMTP password without user",
            { alerting: { ...ALERTING, smtpPassword: "secret-password" } },
            /\(got only smtpPassword\)/,
        ],
    ];
    for (const [what, extra, error] of cases)
        it(`rejects ${what}`, () => assertRejects(metrics(extra), error));

    it("reports every bad arg at once, one line each", () =>
        assertRejects(
            metrics({ replicas: 0, retentionDays: 0 }),
            /^Metrics singapore-observability-metrics: args\.replicas .*\nMetrics singapore-observability-metrics: args\.retentionDays /,
        ));
});

describe("observability: Tracing and Logging arg validation", () => {
    const tracing =
        (extra: Partial<TracingArgs>) => (cluster: ClusterInfo, namespace: k8s.core.v1.Namespace) =>
            new Tracing("singapore-observability-tracing", {
                ...TRACING,
                cluster,
                namespace,
                ...extra,
            });
    const logging =
        (extra: Partial<LoggingArgs>) => (cluster: ClusterInfo, namespace: k8s.core.v1.Namespace) =>
            new Logging("singapore-observability-logging", {
                ...LOGGING,
                cluster,
                namespace,
                ...extra,
            });

    it("rejects zero trace retention", () =>
        assertRejects(
            tracing({ retentionDays: 0 }),
            /^Tracing singapore-observability-tracing: args\.retentionDays must be an integer >= 1 \(got 0\)$/,
        ));
    it("rejects a zero trace volume", () =>
        assertRejects(
            tracing({ storageGiB: 0 }),
            /^Tracing singapore-observability-tracing: args\.storageGiB must be an integer >= 1 \(got 0\)$/,
        ));
    it("rejects zero Elasticsearch nodes", () =>
        assertRejects(
            logging({ elasticsearchNodes: 0 }),
            /^Logging singapore-observability-logging: args\.elasticsearchNodes must be an integer >= 1 \(got 0\)$/,
        ));
    it("rejects a zero Elasticsearch volume", () =>
        assertRejects(
            logging({ elasticsearchStorageGiB: 0 }),
            /^Logging singapore-observability-logging: args\.elasticsearchStorageGiB must be an integer >= 1 \(got 0\)$/,
        ));
    it("rejects an Elasticsearch memory that is not a quantity", () =>
        assertRejects(
            logging({ elasticsearchMemory: "4GB" }),
            /^Logging singapore-observability-logging: args\.elasticsearchMemory must be a memory quantity in Mi or Gi \(e\.g\. 4Gi\) \(got "4GB"\)$/,
        ));
    it("rejects zero log retention", () =>
        assertRejects(
            logging({ retentionDays: 0 }),
            /^Logging singapore-observability-logging: args\.retentionDays must be an integer >= 1 \(got 0\)$/,
        ));
    it("rejects an unknown log level", () =>
        assertRejects(
            logging({ logLevel: "TRACE" as never }),
            /^Logging singapore-observability-logging: args\.logLevel must be one of "DEBUG", "INFO", "WARN", "ERROR" \(got "TRACE"\)$/,
        ));
    it("names the child component when Observability passes a bad arg down", () =>
        assertRejects(
            (cluster) =>
                new Observability("singapore-observability", {
                    cluster,
                    metrics: METRICS,
                    tracing: TRACING,
                    logging: { ...LOGGING, elasticsearchNodes: 0 },
                }),
            /^Logging singapore-observability-logging: args\.elasticsearchNodes must be an integer >= 1 \(got 0\)$/,
        ));
    it("reports the bad args of every child at once", () =>
        assertRejects(
            (cluster) =>
                new Observability("singapore-observability", {
                    cluster,
                    metrics: { ...METRICS, replicas: 0 },
                    tracing: { ...TRACING, storageGiB: 0 },
                    logging: { ...LOGGING, logLevel: "LOUD" as never },
                }),
            /^Metrics singapore-observability-metrics: args\.replicas .*\nTracing singapore-observability-tracing: args\.storageGiB .*\nLogging singapore-observability-logging: args\.logLevel /,
        ));
});

describe("observability: defaults of the optional args", () => {
    it("protects the trace volume and Elasticsearch, and runs 2 Prometheus and Alertmanager replicas, unless told otherwise", async () => {
        const args = (cluster: ClusterInfo): ObservabilityArgs => ({
            cluster,
            metrics: METRICS,
            tracing: TRACING,
            logging: LOGGING,
        });
        const run = await declare((cluster) => {
            new Observability("a-observability", args(cluster));
            const b = args(cluster);
            new Observability("b-observability", {
                ...b,
                metrics: { ...b.metrics, replicas: 1 },
                tracing: { ...b.tracing, protect: false },
                logging: { ...b.logging, protect: false },
            });
        });
        assert.equal(
            run.one("kubernetes:core/v1:PersistentVolumeClaim", "a-observability-tracing-badger")
                .protect,
            true,
        );
        assert.equal(
            run.one(
                "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
                "a-observability-logging-elasticsearch",
            ).protect,
            true,
        );
        assert.equal(
            run.one("kubernetes:core/v1:PersistentVolumeClaim", "b-observability-tracing-badger")
                .protect,
            false,
        );
        assert.equal(
            run.one(
                "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
                "b-observability-logging-elasticsearch",
            ).protect,
            false,
        );
        const replicas = (n: string) => {
            const v = run.one("kubernetes:helm.sh/v3:Release", `${n}-observability-metrics-release`)
                .inputs.values as any;
            return [v.prometheus.prometheusSpec.replicas, v.alertmanager.alertmanagerSpec.replicas];
        };
        assert.deepEqual(replicas("a"), [2, 2]);
        assert.deepEqual(replicas("b"), [1, 1]);
        // No receiver credential: no receivers Secret and nothing mounted.
        assert.equal(
            run.ofType("kubernetes:core/v1:Secret").filter((s) => /receivers/.test(s.name)).length,
            0,
        );
    });
});

describe("observability: what the composition decides per environment", () => {
    const cases = [
        ["prod", { traces: 50, memory: "4Gi", level: "WARN", replicas: 2, protect: true }],
        ["staging", { traces: 20, memory: "2Gi", level: "INFO", replicas: 2, protect: false }],
        ["dev", { traces: 10, memory: "2Gi", level: "DEBUG", replicas: 1, protect: false }],
    ] as const;
    for (const [env, e] of cases) {
        it(`${env}: ${e.traces} GiB of traces, ${e.memory} per Elasticsearch node, ${e.level} logs, ${e.replicas} replicas`, () => {
            const cfg = testConfig({ environment: env });
            const a = observabilityArgs(cfg, {} as never);
            assert.equal(a.tracing.storageGiB, e.traces);
            assert.equal(a.tracing.storageGiB, TRACES_STORAGE_GIB[env]);
            assert.equal(a.logging.elasticsearchMemory, e.memory);
            assert.equal(a.logging.elasticsearchMemory, ES_MEMORY[env]);
            assert.equal(a.logging.logLevel, e.level);
            assert.equal(a.metrics.replicas, e.replicas);
            assert.equal(a.tracing.protect, cfg.protect);
            assert.equal(a.logging.protect, cfg.protect);
            assert.equal(cfg.protect, e.protect);
            assert.equal(a.metrics.alerting, cfg.alerting);
            assert.deepEqual(
                [a.metrics.retentionDays, a.tracing.retentionDays, a.logging.retentionDays],
                [30, 7, 7],
            );
        });
    }
});
