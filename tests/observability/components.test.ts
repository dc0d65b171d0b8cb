import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runDeclarations, RecordedRun } from "../harness";
import { testCluster, validRawConfig } from "../support/fixtures";
import { parseConfig } from "../support/config";
import { Observability } from "../../components/observability";
import { observabilityArgs } from "../../platform/addons";
import { CHARTS, ELASTIC_STACK_VERSION } from "../../components/observability/charts";
import {
    esRoles,
    fluentBitFilters,
    fluentBitOutputs,
    ILM_JOB_DEADLINE_SECONDS,
    ilmPolicy,
    indexTemplate,
} from "../../components/observability/logging";
import { levelsBelow } from "../../components/observability/log-pipeline";
import { jaegerConfig } from "../../components/observability/tracing";
import { JAEGER_COLLECTOR_HOST, JAEGER_OTLP_GRPC_PORT } from "../../components/constants";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PAGER_KEY = "pd-routing-key-0123456789";
const WEBHOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";

describe("observability: Observability component", () => {
    let run: RecordedRun;
    /** Custom timeouts per logical name, as the engine receives them. */
    const timeouts = new Map<string, { create: string; update: string }>();
    before(async () => {
        const cfg = parseConfig(
            "test",
            { ...validRawConfig(), alertingPagerKey: PAGER_KEY, alertingChatWebhook: WEBHOOK },
            new Set(["alertingPagerKey", "alertingChatWebhook"]),
        );
        run = await runDeclarations(() => {
            const monitor = pulumi.runtime.getMonitor() as unknown as {
                registerResource: (req: any, cb: unknown) => unknown;
            };
            const register = monitor.registerResource.bind(monitor);
            monitor.registerResource = (req, cb) => {
                const t = req.getCustomtimeouts?.();
                if (t)
                    timeouts.set(req.getName(), { create: t.getCreate(), update: t.getUpdate() });
                return register(req, cb);
            };
            return new Observability(
                "singapore-observability",
                observabilityArgs(cfg, testCluster(cfg, "singapore")),
            );
        });
    });

    it("installs every chart pinned (repository and version) on the cluster's provider", () => {
        const releases = run.ofType(RELEASE);
        const seen = releases
            .map((r) => [
                r.inputs.chart,
                r.inputs.version,
                (r.inputs.repositoryOpts as { repo: string }).repo,
            ])
            .sort();
        assert.deepEqual(seen, [
            ["eck-operator", "3.5.0", "https://helm.elastic.co"],
            ["fluent-bit", "0.58.1", "https://fluent.github.io/helm-charts"],
            ["jaeger", "4.11.1", "https://jaegertracing.github.io/helm-charts"],
            [
                "kube-prometheus-stack",
                "88.5.3",
                "https://prometheus-community.github.io/helm-charts",
            ],
            [
                "prometheus-elasticsearch-exporter",
                "7.4.0",
                "https://prometheus-community.github.io/helm-charts",
            ],
        ]);
        for (const r of releases) assert.equal(run.providerOf(r)?.name, "singapore-k8s", r.name);
        for (const c of Object.values(CHARTS)) assert.match(c.version, /^v?\d+\.\d+\.\d+$/);
    });

    it("keeps receiver credentials in a Kubernetes Secret as Pulumi secrets, never in Helm values", () => {
        const secret = run.one(
            "kubernetes:core/v1:Secret",
            "singapore-observability-metrics-receivers",
        );
        assert.deepEqual(secret.inputs.metadata, {
            name: "alertmanager-receivers",
            namespace: "monitoring",
        });
        assert.equal(secret.inputs.stringData, "[secret]");
        assert.deepEqual(secret.plainInputs.stringData, {
            "pagerduty-routing-key": PAGER_KEY,
            "chat-webhook-url": WEBHOOK,
        });
        const release = run.one(RELEASE, "singapore-observability-metrics-release");
        const values = JSON.stringify(release.plainInputs.values);
        assert.ok(
            !values.includes(PAGER_KEY) && !values.includes(WEBHOOK),
            "no credential in the release values",
        );
        assert.ok(
            release.dependencies.includes(secret.urn),
            "Alertmanager starts after its secret exists",
        );
        const v = release.inputs.values as any;
        assert.deepEqual(v.alertmanager.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
        assert.deepEqual(
            v.alertmanager.config.receivers.map((r: any) => r.name),
            ["null", "email", "pager", "chat"],
        );
    });

    it("declares the rules, monitors and dashboard after the chart that brings their CRDs", () => {
        const release = run.one(RELEASE, "singapore-observability-metrics-release");
        const crs = run.resources.filter((r) =>
            r.type.startsWith("kubernetes:monitoring.coreos.com/v1:"),
        );
        assert.deepEqual(crs.map((r) => r.type.split(":").pop()).sort(), [
            "PodMonitor",
            "PodMonitor",
            "PodMonitor",
            "PrometheusRule",
            "ServiceMonitor",
            "ServiceMonitor",
        ]);
        for (const cr of crs) assert.ok(cr.dependencies.includes(release.urn), cr.name);
        const rule = run.one(
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            "singapore-observability-metrics-prometheusrule-mesh-platform-rules",
        );
        const labels = (rule.inputs.spec as any).groups[0].rules[0].labels;
        assert.equal(labels.cluster, "singapore");
        assert.equal(labels.region, "ap-southeast-1");
        const dash = run.one(
            "kubernetes:core/v1:ConfigMap",
            "singapore-observability-metrics-dashboard",
        );
        assert.deepEqual((dash.inputs.metadata as any).labels, { grafana_dashboard: "1" });
        assert.equal(
            JSON.parse((dash.inputs.data as any)["istio-golden-signals.json"]).uid,
            "istio-golden-signals",
        );
    });

    it("runs Jaeger as the collector the mesh sends OTLP/gRPC to, on a protected volume in prod", () => {
        const jaeger = run.one(RELEASE, "singapore-observability-tracing-release");
        const v = jaeger.inputs.values as any;
        assert.equal(
            `${v.fullnameOverride}.${jaeger.inputs.namespace}.svc.cluster.local`,
            JAEGER_COLLECTOR_HOST,
        );
        assert.equal(
            v.userconfig.receivers.otlp.protocols.grpc.endpoint,
            `0.0.0.0:${JAEGER_OTLP_GRPC_PORT}`,
        );
        assert.equal(
            v.userconfig.extensions.jaeger_storage.backends.primary_store.badger.ttl.spans,
            "168h",
        );
        assert.equal(v.jaeger.extraVolumes[0].persistentVolumeClaim.claimName, "jaeger-badger");
        const pvc = run.one(
            "kubernetes:core/v1:PersistentVolumeClaim",
            "singapore-observability-tracing-badger",
        );
        assert.equal(pvc.protect, true);
        assert.equal((pvc.inputs.spec as any).resources.requests.storage, "50Gi");
        assert.ok(jaeger.dependencies.includes(pvc.urn));
    });

    it("runs Elasticsearch (3 nodes in prod) and Kibana as ECK resources, Fluent Bit as a DaemonSet, and an ILM job", () => {
        const es = run.one(
            "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
            "singapore-observability-logging-elasticsearch",
        );
        const spec = es.inputs.spec as any;
        assert.equal(spec.version, ELASTIC_STACK_VERSION);
        assert.equal(spec.nodeSets[0].count, 3);
        assert.equal(
            spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage,
            "200Gi",
        );
        assert.equal(es.protect, true);
        const operator = run.one(RELEASE, "singapore-observability-logging-eck-operator");
        assert.ok(es.dependencies.includes(operator.urn));
        // GKE private clusters open only 443 and 10250 from the control plane to the nodes.
        assert.equal((operator.inputs.values as any).webhook.port, 10250);
        assert.deepEqual((operator.inputs.values as any).managedNamespaces, ["logging"]);
        const kibana = run.one(
            "kubernetes:kibana.k8s.elastic.co/v1:Kibana",
            "singapore-observability-logging-kibana",
        );
        assert.deepEqual((kibana.inputs.spec as any).elasticsearchRef, { name: "logs" });
        assert.deepEqual((kibana.inputs.spec as any).config, {
            "server.ssl.supportedProtocols": ["TLSv1.3", "TLSv1.2"],
        });
        assert.deepEqual(spec.nodeSets[0].config["xpack.security.http.ssl.supported_protocols"], [
            "TLSv1.3",
            "TLSv1.2",
        ]);
        const fb = run.one(RELEASE, "singapore-observability-logging-fluent-bit").inputs
            .values as any;
        assert.equal(fb.kind, "DaemonSet");
        assert.match(fb.config.filters, /Exclude level \^\(\?:DEBUG\|INFO\)\$/);
        const job = run.one("kubernetes:batch/v1:Job", "singapore-observability-logging-ilm");
        const env = (job.inputs.spec as any).template.spec.containers[0].env;
        const policy = JSON.parse(env.find((e: any) => e.name === "ILM_POLICY").value);
        assert.deepEqual(policy.policy.phases.delete, { min_age: "7d", actions: { delete: {} } });
        const fluentBit = run.one(RELEASE, "singapore-observability-logging-fluent-bit");
        assert.ok(
            fluentBit.dependencies.includes(job.urn),
            "Fluent Bit writes its first index only after the index template exists",
        );
        assert.equal(ILM_JOB_DEADLINE_SECONDS, 1800);
        assert.equal((job.inputs.spec as any).activeDeadlineSeconds, ILM_JOB_DEADLINE_SECONDS);
        assert.deepEqual(
            timeouts.get(job.name),
            { create: "30m", update: "30m" },
            "Pulumi waits as long as the Job may run, not its 10-minute default",
        );
        for (const ns of ["monitoring", "tracing", "logging"]) {
            const n = run.resources.find(
                (r) =>
                    r.type === "kubernetes:core/v1:Namespace" &&
                    (r.inputs.metadata as any).name === ns,
            );
            assert.ok(n, ns);
        }
    });
});

describe("observability: logging and tracing builders", () => {
    it("drops log records below the level (sample lines in log-pipeline.test.ts)", () => {
        assert.deepEqual(levelsBelow("DEBUG"), []);
        assert.deepEqual(levelsBelow("WARN"), ["DEBUG", "INFO"]);
        assert.doesNotMatch(fluentBitFilters("DEBUG"), /Name\s+grep/);
        assert.match(fluentBitFilters("WARN"), /Exclude level \^\(\?:DEBUG\|INFO\)\$/);
    });

    it("writes as the least-privilege fluent-bit user, which may only create in k8s-logs-*", () => {
        const out = fluentBitOutputs();
        assert.match(out, /HTTP_User fluent-bit\n/);
        assert.doesNotMatch(out, /elastic/);
        assert.match(out, /Write_Operation create/);
        assert.match(out, /Buffer_Size 4MB/);
        const roles: Record<string, any> = esRoles();
        assert.deepEqual(roles.log_writer, {
            indices: [
                {
                    names: ["k8s-logs-*"],
                    privileges: ["create_doc", "create_index", "auto_configure"],
                },
            ],
        });
        assert.equal((roles.log_writer as { cluster?: unknown }).cluster, undefined);
        for (const r of Object.values(roles)) {
            for (const priv of [
                ...(r.cluster ?? []),
                ...(r.indices ?? []).flatMap((i: any) => i.privileges),
            ])
                assert.ok(!["all", "manage", "manage_security"].includes(priv), priv);
        }
    });

    it("parses JSON logs and keeps correlation ids as a field", () => {
        const f = fluentBitFilters("INFO");
        assert.match(f, /Merge_Log\s+On/);
        assert.match(f, /Merge_Log_Key\s+app/);
        assert.match(f, /Copy\s+app.x-request-id correlation_id/);
        assert.match(f, /Copy\s+app.correlationId correlation_id/);
    });

    it("deletes log indices after the retention days and spans after the trace retention", () => {
        assert.deepEqual(ilmPolicy(7), {
            policy: {
                phases: {
                    hot: { min_age: "0ms", actions: {} },
                    delete: { min_age: "7d", actions: { delete: {} } },
                },
            },
        });
        assert.deepEqual(indexTemplate(1), {
            index_patterns: ["k8s-logs-*"],
            priority: 200,
            template: {
                settings: {
                    "index.lifecycle.name": "k8s-logs-retention",
                    "index.number_of_replicas": 1,
                },
            },
        });
        assert.equal(
            (jaegerConfig(3) as any).extensions.jaeger_storage.backends.primary_store.badger.ttl
                .spans,
            "72h",
        );
    });
});
