/**
 * Dashboards as code, provisioned like the golden-signals one (ConfigMaps labelled
 * `grafana_dashboard: "1"`, the label kube-prometheus-stack 88.5.3's Grafana sidecar watches):
 *
 * - EdTech: exam completion time, question response time, daily active users, conversions, all read
 *   from the recording rules of rules/recording.ts (so the Thanos data source shows them for a year);
 * - Mesh control plane: istiod's pilot_* metrics (pushes, convergence, connected proxies, rejections,
 *   config events);
 * - DR: Velero backup age and failures per schedule, and the long-term store's upload/compaction health.
 *   S3 replication latency is not in Prometheus (S3 publishes ReplicationLatency to CloudWatch only),
 *   and no CloudWatch data source is provisioned, so this dashboard does not show it (see README).
 *
 * Every panel uses the `datasource` variable: the local Prometheus by default, or the global Thanos
 * data source for both regions and the year of downsampled history.
 */

export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly tags: readonly string[];
    /** File name inside the ConfigMap. */
    readonly file: string;
    readonly panels: readonly PanelSpec[];
}

export interface PanelSpec {
    readonly title: string;
    readonly unit: string;
    readonly description: string;
    readonly targets: readonly { readonly expr: string; readonly legend: string }[];
}

const DS = { type: "prometheus", uid: "${datasource}" };

/** The Grafana JSON model of a spec: one full-width time series per panel, a data source picker. */
export function renderDashboard(d: DashboardSpec): Record<string, unknown> {
    return {
        uid: d.uid,
        title: d.title,
        tags: [...d.tags],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "1m",
        time: { from: "now-24h", to: "now" },
        templating: {
            list: [
                {
                    name: "datasource",
                    label: "Data source",
                    type: "datasource",
                    query: "prometheus",
                    current: { text: "Prometheus", value: "prometheus" },
                },
            ],
        },
        panels: d.panels.map((p, i) => ({
            id: i + 1,
            title: p.title,
            description: p.description,
            type: "timeseries",
            datasource: DS,
            gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
            fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
            options: {
                legend: { displayMode: "table", placement: "bottom", calcs: ["mean", "max"] },
                tooltip: { mode: "multi", sort: "desc" },
            },
            targets: p.targets.map((t, j) => ({
                refId: String.fromCharCode(65 + j),
                expr: t.expr,
                legendFormat: t.legend,
                range: true,
                datasource: DS,
            })),
        })),
    };
}

export const EDTECH_DASHBOARD: DashboardSpec = {
    uid: "edtech-business",
    title: "EdTech: exams, questions, users, conversions",
    tags: ["edtech", "business"],
    file: "edtech-business.json",
    panels: [
        {
            title: "Exam completion time (p95 and mean)",
            unit: "s",
            description:
                "edtech:exam_completion_time_seconds:* recording rules (p95 per exam type and subject, mean per exam type).",
            targets: [
                {
                    expr: "max by (exam_type, subject) (edtech:exam_completion_time_seconds:p95_5m)",
                    legend: "p95 {{exam_type}} / {{subject}}",
                },
                {
                    expr: "avg by (exam_type) (edtech:exam_completion_time_seconds:avg_5m)",
                    legend: "mean {{exam_type}}",
                },
            ],
        },
        {
            title: "Question response time (p95)",
            unit: "s",
            description:
                "edtech:question_response_time_seconds:p95_5m per question type and difficulty.",
            targets: [
                {
                    expr: "max by (question_type, difficulty_level) (edtech:question_response_time_seconds:p95_5m)",
                    legend: "{{question_type}} / {{difficulty_level}}",
                },
            ],
        },
        {
            title: "Daily active users",
            unit: "short",
            description: "edtech:platform_daily_active_users:sum per tier and region.",
            targets: [
                {
                    expr: "sum by (user_tier, geographic_region) (edtech:platform_daily_active_users:sum)",
                    legend: "{{user_tier}} @ {{geographic_region}}",
                },
            ],
        },
        {
            title: "Trial to subscription conversion",
            unit: "percentunit",
            description: "edtech:subscription_conversion_rate:avg per trial length and segment.",
            targets: [
                {
                    expr: "avg by (trial_length, user_segment) (edtech:subscription_conversion_rate:avg)",
                    legend: "{{trial_length}} / {{user_segment}}",
                },
            ],
        },
    ],
};

export const CONTROL_PLANE_DASHBOARD: DashboardSpec = {
    uid: "mesh-control-plane",
    title: "Mesh control plane (istiod)",
    tags: ["istio", "mesh", "control-plane"],
    file: "mesh-control-plane.json",
    panels: [
        {
            title: "xDS pushes per second",
            unit: "ops",
            description: "pilot_xds_pushes by type (cds, eds, lds, rds) and revision.",
            targets: [
                {
                    expr: "sum by (type, cluster) (rate(pilot_xds_pushes[$__rate_interval]))",
                    legend: "{{type}} @ {{cluster}}",
                },
            ],
        },
        {
            title: "Proxy convergence time (p99)",
            unit: "s",
            description:
                "Time from a config change to every proxy holding it (pilot_proxy_convergence_time).",
            targets: [
                {
                    expr: "histogram_quantile(0.99, sum by (cluster, le) (rate(pilot_proxy_convergence_time_bucket[$__rate_interval])))",
                    legend: "p99 @ {{cluster}}",
                },
            ],
        },
        {
            title: "Connected proxies",
            unit: "short",
            description: "Proxies holding an xDS stream to istiod (pilot_xds), per revision.",
            targets: [
                {
                    expr: "sum by (cluster, version) (pilot_xds)",
                    legend: "{{version}} @ {{cluster}}",
                },
            ],
        },
        {
            title: "Rejected config and config events",
            unit: "short",
            description:
                "xDS responses proxies rejected (pilot_total_xds_rejects) and Kubernetes config events (pilot_k8s_cfg_events).",
            targets: [
                {
                    expr: "sum by (type, cluster) (increase(pilot_total_xds_rejects[$__rate_interval]))",
                    legend: "rejected {{type}} @ {{cluster}}",
                },
                {
                    expr: 'sum by (type, cluster) (increase(pilot_k8s_cfg_events{event=~"add|update|delete"}[$__rate_interval]))',
                    legend: "event {{type}} @ {{cluster}}",
                },
            ],
        },
    ],
};

export const DR_DASHBOARD: DashboardSpec = {
    uid: "disaster-recovery",
    title: "Disaster recovery: backups and long-term metrics",
    tags: ["dr", "velero", "thanos"],
    file: "disaster-recovery.json",
    panels: [
        {
            title: "Age of the last successful backup",
            unit: "s",
            description:
                "time() - velero_backup_last_successful_timestamp per schedule. Alert: older than the schedule's RPO (VeleroBackupTooOld).",
            targets: [
                {
                    expr: 'time() - max by (cluster, schedule) (velero_backup_last_successful_timestamp{schedule!=""})',
                    legend: "{{schedule}} @ {{cluster}}",
                },
            ],
        },
        {
            title: "Failed backups",
            unit: "short",
            description: "velero_backup_failure_total increase per schedule.",
            targets: [
                {
                    expr: 'sum by (cluster, schedule) (increase(velero_backup_failure_total{schedule!=""}[1h]))',
                    legend: "{{schedule}} @ {{cluster}}",
                },
            ],
        },
        {
            title: "Blocks uploaded to the long-term store",
            unit: "short",
            description: "thanos_shipper_uploads_total and failures from the Prometheus sidecars.",
            targets: [
                {
                    expr: "sum by (cluster) (increase(thanos_shipper_uploads_total[1h]))",
                    legend: "uploads @ {{cluster}}",
                },
                {
                    expr: "sum by (cluster) (increase(thanos_shipper_upload_failures_total[1h]))",
                    legend: "failures @ {{cluster}}",
                },
            ],
        },
        {
            title: "Compactor: halted and last successful run",
            unit: "s",
            description:
                "thanos_compact_halted (1 = compaction stopped: retention and downsampling stop too) and the age of the last successful bucket operation.",
            targets: [
                {
                    expr: "max by (cluster) (thanos_compact_halted)",
                    legend: "halted @ {{cluster}}",
                },
                {
                    expr: "time() - max by (cluster) (thanos_objstore_bucket_last_successful_upload_time)",
                    legend: "since last upload @ {{cluster}}",
                },
            ],
        },
    ],
};

export const PLATFORM_DASHBOARDS: readonly DashboardSpec[] = [
    EDTECH_DASHBOARD,
    CONTROL_PLANE_DASHBOARD,
    DR_DASHBOARD,
];
