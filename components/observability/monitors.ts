/**
 * prometheus-operator custom resources as plain manifests (validated in tests against
 * @kubernetes-models/prometheus-operator): the platform's rules and the scrape targets the
 * kube-prometheus-stack defaults do not cover (Istio control plane, Envoy sidecars and gateways,
 * cert-manager).
 */
import {
    CERT_MANAGER_NAMESPACE,
    ISTIO_NAMESPACE,
    MONITORING_NAMESPACE,
    TRACING_NAMESPACE,
    VELERO_NAMESPACE,
} from "../constants";
import { RuleContext, ruleGroups } from "./rules";

export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Record<string, string>;
    };
    readonly spec: Record<string, unknown>;
}

const MONITORING = "monitoring.coreos.com/v1";
/** Samples one proxy (Envoy stats plus app metrics) may return per scrape. */
export const SCRAPE_SAMPLE_LIMIT = 20000;
const labels = { "app.kubernetes.io/part-of": "mesh-platform" };

export const RULES_NAME = "mesh-platform-rules";

export function prometheusRule(ctx: RuleContext): Manifest {
    return {
        apiVersion: MONITORING,
        kind: "PrometheusRule",
        metadata: { name: RULES_NAME, namespace: MONITORING_NAMESPACE, labels },
        spec: {
            groups: ruleGroups(ctx).map((g) => ({
                name: g.name,
                interval: g.interval,
                rules: g.rules.map((r) => ({ ...r })),
            })),
        },
    };
}

/** istiod's monitoring port (15014, `http-monitoring`) in every revision; job = the Service name (`istiod-<rev>`). */
export function istiodServiceMonitor(): Manifest {
    return {
        apiVersion: MONITORING,
        kind: "ServiceMonitor",
        metadata: { name: "istiod", namespace: MONITORING_NAMESPACE, labels },
        spec: {
            namespaceSelector: { matchNames: [ISTIO_NAMESPACE] },
            selector: { matchLabels: { app: "istiod" } },
            endpoints: [{ port: "http-monitoring", interval: "15s" }],
        },
    };
}

/**
 * Every sidecar and gateway proxy, through Istio's merged metrics endpoint: the pod's
 * `prometheus.io/port` and `prometheus.io/path` annotations (15020, `/stats/prometheus`) serve Envoy's
 * stats and the application's own metrics (the EdTech metrics the recording rules read) in plain text,
 * so STRICT mTLS does not block the scrape of a Prometheus outside the mesh.
 */
export function envoyPodMonitor(): Manifest {
    const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;
    return {
        apiVersion: MONITORING,
        kind: "PodMonitor",
        metadata: { name: "istio-proxies", namespace: MONITORING_NAMESPACE, labels },
        spec: {
            namespaceSelector: { any: true },
            selector: {
                matchExpressions: [{ key: "istio-prometheus-ignore", operator: "DoesNotExist" }],
            },
            // job = monitoring/istio-proxies (the operator's default); every proxy's series carry it.
            sampleLimit: SCRAPE_SAMPLE_LIMIT,
            podMetricsEndpoints: [
                {
                    interval: "15s",
                    // One series per learner is unbounded cardinality: series of learning_path_progress that
                    // carry user_id are dropped before storage (the apps export the per-course value).
                    metricRelabelings: [
                        {
                            action: "drop",
                            sourceLabels: ["__name__", "user_id"],
                            regex: "learning_path_progress;.+",
                        },
                    ],
                    relabelings: [
                        {
                            action: "keep",
                            sourceLabels: ["__meta_kubernetes_pod_container_name"],
                            regex: "istio-proxy",
                        },
                        { action: "keep", sourceLabels: [annotation("scrape")], regex: "true" },
                        // address = pod IP + annotated port (IPv4, then IPv6 in brackets)
                        {
                            action: "replace",
                            sourceLabels: [annotation("port"), "__meta_kubernetes_pod_ip"],
                            regex: "(\\d+);(\\d+\\.\\d+\\.\\d+\\.\\d+)",
                            replacement: "$2:$1",
                            targetLabel: "__address__",
                        },
                        {
                            action: "replace",
                            sourceLabels: [annotation("port"), "__meta_kubernetes_pod_ip"],
                            regex: "(\\d+);([0-9A-Fa-f:]+)",
                            replacement: "[$2]:$1",
                            targetLabel: "__address__",
                        },
                        {
                            action: "replace",
                            sourceLabels: [annotation("path")],
                            regex: "(.+)",
                            targetLabel: "__metrics_path__",
                        },
                    ],
                },
            ],
        },
    };
}

/** cert-manager controller metrics (certificate expiry timestamps for the certificate alerts). */
export function certManagerServiceMonitor(): Manifest {
    return {
        apiVersion: MONITORING,
        kind: "ServiceMonitor",
        metadata: { name: "cert-manager", namespace: MONITORING_NAMESPACE, labels },
        spec: {
            namespaceSelector: { matchNames: [CERT_MANAGER_NAMESPACE] },
            selector: {
                matchLabels: {
                    "app.kubernetes.io/name": "cert-manager",
                    "app.kubernetes.io/component": "controller",
                },
            },
            endpoints: [{ port: "http-metrics", interval: "60s" }],
        },
    };
}

/** Jaeger's own metrics (OpenTelemetry Collector telemetry on 8888, see jaegerConfig). */
export function jaegerPodMonitor(): Manifest {
    return {
        apiVersion: MONITORING,
        kind: "PodMonitor",
        metadata: { name: "jaeger", namespace: MONITORING_NAMESPACE, labels },
        spec: {
            namespaceSelector: { matchNames: [TRACING_NAMESPACE] },
            selector: { matchLabels: { "app.kubernetes.io/name": "jaeger" } },
            sampleLimit: SCRAPE_SAMPLE_LIMIT,
            podMetricsEndpoints: [
                {
                    interval: "30s",
                    relabelings: [
                        {
                            action: "replace",
                            sourceLabels: ["__meta_kubernetes_pod_ip"],
                            regex: "(.+)",
                            replacement: "$1:8888",
                            targetLabel: "__address__",
                        },
                    ],
                },
            ],
        },
    };
}

/** Velero's metrics port (8085, `http-monitoring`): backup success/failure per schedule. */
export function veleroPodMonitor(): Manifest {
    return {
        apiVersion: MONITORING,
        kind: "PodMonitor",
        metadata: { name: "velero", namespace: MONITORING_NAMESPACE, labels },
        spec: {
            namespaceSelector: { matchNames: [VELERO_NAMESPACE] },
            selector: { matchLabels: { "app.kubernetes.io/name": "velero", name: "velero" } },
            podMetricsEndpoints: [{ port: "http-monitoring", interval: "60s" }],
        },
    };
}

export function scrapeMonitors(): Manifest[] {
    return [
        istiodServiceMonitor(),
        envoyPodMonitor(),
        certManagerServiceMonitor(),
        jaegerPodMonitor(),
        veleroPodMonitor(),
    ];
}
