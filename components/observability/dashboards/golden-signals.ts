/**
 * Grafana dashboard: Istio golden signals (traffic, errors, latency) per service and per cluster.
 * Provisioned through the Grafana sidecar (a ConfigMap labelled `grafana_dashboard: "1"`).
 * `destination_cluster` is Istio's own label, so a cluster's Grafana also shows how much of a service's
 * traffic is served by the other region.
 */

export const DASHBOARD_UID = "istio-golden-signals";
export const DASHBOARD_FILE = "istio-golden-signals.json";

const SEL =
    'reporter="source", destination_cluster=~"$cluster", destination_service_namespace=~"$namespace", destination_service_name=~"$service"';
const BY = "destination_cluster, destination_service_namespace, destination_service_name";
const LEGEND =
    "{{destination_service_name}}.{{destination_service_namespace}} @ {{destination_cluster}}";

function variable(name: string, label: string, query: string): Record<string, unknown> {
    return {
        name,
        label,
        type: "query",
        datasource: { type: "prometheus", uid: "${datasource}" },
        query: { query, refId: `${name}-var` },
        definition: query,
        includeAll: true,
        multi: true,
        allValue: ".*",
        refresh: 2,
        sort: 1,
        current: { selected: true, text: ["All"], value: ["$__all"] },
    };
}

function panel(
    id: number,
    title: string,
    unit: string,
    y: number,
    targets: { expr: string; legend: string }[],
    description: string,
): Record<string, unknown> {
    return {
        id,
        title,
        description,
        type: "timeseries",
        datasource: { type: "prometheus", uid: "${datasource}" },
        gridPos: { h: 9, w: 24, x: 0, y },
        fieldConfig: {
            defaults: { unit, custom: { lineWidth: 1, fillOpacity: 10 } },
            overrides: [],
        },
        options: {
            legend: {
                displayMode: "table",
                placement: "right",
                calcs: ["mean", "max", "lastNotNull"],
            },
            tooltip: { mode: "multi", sort: "desc" },
        },
        targets: targets.map((t, i) => ({
            refId: String.fromCharCode(65 + i),
            expr: t.expr,
            legendFormat: t.legend,
            range: true,
            datasource: { type: "prometheus", uid: "${datasource}" },
        })),
    };
}

export function goldenSignalsDashboard(): Record<string, unknown> {
    const rate = `sum by (${BY}) (rate(istio_requests_total{${SEL}}[$__rate_interval]))`;
    const errors = `sum by (${BY}) (rate(istio_requests_total{${SEL}, response_code=~"5.."}[$__rate_interval]))`;
    const quantile = (q: number) =>
        `histogram_quantile(${q}, sum by (${BY}, le) (rate(istio_request_duration_milliseconds_bucket{${SEL}}[$__rate_interval])))`;
    return {
        uid: DASHBOARD_UID,
        title: "Istio golden signals",
        tags: ["istio", "mesh", "golden-signals"],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "30s",
        time: { from: "now-3h", to: "now" },
        templating: {
            list: [
                {
                    name: "datasource",
                    label: "Data source",
                    type: "datasource",
                    query: "prometheus",
                    current: { text: "Prometheus", value: "prometheus" },
                },
                variable(
                    "cluster",
                    "Cluster",
                    "label_values(istio_requests_total, destination_cluster)",
                ),
                variable(
                    "namespace",
                    "Namespace",
                    'label_values(istio_requests_total{destination_cluster=~"$cluster"}, destination_service_namespace)',
                ),
                variable(
                    "service",
                    "Service",
                    'label_values(istio_requests_total{destination_cluster=~"$cluster", destination_service_namespace=~"$namespace"}, destination_service_name)',
                ),
            ],
        },
        panels: [
            panel(
                1,
                "Request rate",
                "reqps",
                0,
                [{ expr: rate, legend: LEGEND }],
                "Requests per second per service and serving cluster, as the callers' proxies see them.",
            ),
            panel(
                2,
                "Error rate (5xx share)",
                "percentunit",
                9,
                [{ expr: `${errors}\n/\n${rate}`, legend: LEGEND }],
                "Share of requests answered with a 5xx, including 503s from the client proxy when no endpoint is healthy. Alerts: > 5 % (critical), payment-service > 1 %.",
            ),
            panel(
                3,
                "Latency",
                "ms",
                18,
                [
                    { expr: quantile(0.5), legend: `p50 ${LEGEND}` },
                    { expr: quantile(0.95), legend: `p95 ${LEGEND}` },
                    { expr: quantile(0.99), legend: `p99 ${LEGEND}` },
                ],
                "Request duration percentiles. Alert: P95 > 500 ms for 5 minutes (warning).",
            ),
        ],
    };
}
