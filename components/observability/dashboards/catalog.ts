/**
 * Dashboards as code, provisioned like the golden-signals one (ConfigMaps labelled
 * `grafana_dashboard: "1"`, the label kube-prometheus-stack 88.5.3's Grafana sidecar watches):
 *
 * - EdTech: exam completion time, question response time, daily active users, conversions, all read
 *   from the recording rules of rules/recording.ts (so the Thanos data source shows them for a year);
 * - Mesh control plane: istiod's pilot_* metrics (pushes, convergence, connected proxies, rejections,
 *   config events);
 * - DR: Velero backup age and failures per schedule, the long-term store's upload/compaction health,
 *   and the backups' cross-region replication as the cloud publishes it (drDashboard): on AWS the S3
 *   replication metrics of every rule of the stack, one per direction, read from CloudWatch in the
 *   rule's source region (ReplicationLatency max against the 15-minute RTC threshold, operations
 *   pending and failed); on GCP the turbo replication metrics of each dual-region backup bucket from
 *   Cloud Monitoring. Those panels read Grafana's CloudWatch / Google Cloud Monitoring data source
 *   (metrics.ts grafanaDataSources, with Grafana's own identity, grafana-identity.ts); a stack with one
 *   region replicates nothing and has none of them.
 *
 * Every panel declares the kind of data source it reads (PanelSpec.source). Prometheus panels use the
 * `datasource` variable: the local Prometheus by default, or the global Thanos data source for both
 * regions and the year of downsampled history; cloud panels name their provisioned data source by uid.
 */

/** uid of Grafana's CloudWatch data source (AWS clusters). */
export const CLOUDWATCH_DATASOURCE_UID = "cloudwatch";
/** uid of Grafana's Google Cloud Monitoring data source (GKE clusters). */
export const CLOUD_MONITORING_DATASOURCE_UID = "cloud-monitoring";

export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly tags: readonly string[];
    /** File name inside the ConfigMap. */
    readonly file: string;
    readonly panels: readonly PanelSpec[];
}

/** A PromQL query (Prometheus or Thanos, picked by the dashboard's `datasource` variable). */
export interface PrometheusTarget {
    readonly expr: string;
    readonly legend: string;
}

/** A CloudWatch metric query (builder mode, exact dimensions) in one AWS region. */
export interface CloudWatchTarget {
    /** The region CloudWatch holds the metric in (S3 replication metrics: the rule's source region). */
    readonly region: string;
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
    /** CloudWatch statistic (`Maximum`, `Sum`, ...). */
    readonly statistic: string;
    /** Period in seconds. */
    readonly period: number;
    readonly legend: string;
}

/** A Cloud Monitoring time series list query (filters on equality, one aligner and reducer). */
export interface CloudMonitoringTarget {
    readonly project: string;
    /** Metric type, e.g. `storage.googleapis.com/replication/turbo_max_delay`. */
    readonly metricType: string;
    /** Equality filters on resource and metric labels (`resource.label.bucket_name`: `...`). */
    readonly filters: Readonly<Record<string, string>>;
    readonly perSeriesAligner: string;
    readonly crossSeriesReducer: string;
    readonly groupBys: readonly string[];
    readonly legend: string;
}

interface PanelCommon {
    readonly title: string;
    readonly unit: string;
    readonly description: string;
    /**
     * Reference lines (red from the value up), in the panel's unit.
     * @default none
     */
    readonly thresholds?: readonly number[];
}

/** One time series panel; `source` says which kind of data source its targets query. */
export type PanelSpec =
    | (PanelCommon & {
          readonly source: "prometheus";
          readonly targets: readonly PrometheusTarget[];
      })
    | (PanelCommon & {
          readonly source: "cloudwatch";
          readonly targets: readonly CloudWatchTarget[];
      })
    | (PanelCommon & {
          readonly source: "cloud-monitoring";
          readonly targets: readonly CloudMonitoringTarget[];
      });

export type DataSourceKind = PanelSpec["source"];

/** The Grafana data source reference of each kind of panel. */
export const PANEL_DATASOURCE: Readonly<Record<DataSourceKind, { type: string; uid: string }>> = {
    prometheus: { type: "prometheus", uid: "${datasource}" },
    cloudwatch: { type: "cloudwatch", uid: CLOUDWATCH_DATASOURCE_UID },
    "cloud-monitoring": { type: "stackdriver", uid: CLOUD_MONITORING_DATASOURCE_UID },
};

const refId = (j: number) => String.fromCharCode(65 + j);

/** The Grafana query model of one panel's targets (each data source's own shape). */
function renderTargets(p: PanelSpec): Record<string, unknown>[] {
    const datasource = PANEL_DATASOURCE[p.source];
    switch (p.source) {
        case "prometheus":
            return p.targets.map((t, j) => ({
                refId: refId(j),
                expr: t.expr,
                legendFormat: t.legend,
                range: true,
                datasource,
            }));
        case "cloudwatch":
            // Grafana's CloudWatchMetricsQuery: metric search (metricQueryType 0) in builder mode (0).
            return p.targets.map((t, j) => ({
                refId: refId(j),
                datasource,
                queryMode: "Metrics",
                metricQueryType: 0,
                metricEditorMode: 0,
                id: "",
                expression: "",
                region: t.region,
                namespace: t.namespace,
                metricName: t.metricName,
                dimensions: { ...t.dimensions },
                matchExact: true,
                statistic: t.statistic,
                period: String(t.period),
                label: t.legend,
            }));
        case "cloud-monitoring":
            // Grafana's CloudMonitoringQuery, time series list: filters are key, operator, value
            // triples joined by "AND", the metric type among them.
            return p.targets.map((t, j) => ({
                refId: refId(j),
                datasource,
                queryType: "timeSeriesList",
                timeSeriesList: {
                    projectName: t.project,
                    filters: [["metric.type", t.metricType], ...Object.entries(t.filters)].flatMap(
                        ([k, v], i) => [...(i > 0 ? ["AND"] : []), k, "=", v],
                    ),
                    perSeriesAligner: t.perSeriesAligner,
                    crossSeriesReducer: t.crossSeriesReducer,
                    alignmentPeriod: "cloud-monitoring-auto",
                    groupBys: [...t.groupBys],
                    view: "FULL",
                },
                aliasBy: t.legend,
            }));
    }
}

/** Field defaults: the unit, and the reference lines when the panel has thresholds. */
function fieldDefaults(p: PanelSpec): Record<string, unknown> {
    if (!p.thresholds || p.thresholds.length === 0) return { unit: p.unit };
    return {
        unit: p.unit,
        thresholds: {
            mode: "absolute",
            steps: [
                { color: "green", value: null },
                ...p.thresholds.map((value) => ({ color: "red", value })),
            ],
        },
        custom: { thresholdsStyle: { mode: "line" } },
    };
}

/** The Grafana JSON model of a spec: one time series per panel, two per row, a data source picker. */
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
            datasource: PANEL_DATASOURCE[p.source],
            gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
            fieldConfig: { defaults: fieldDefaults(p), overrides: [] },
            options: {
                legend: { displayMode: "table", placement: "bottom", calcs: ["mean", "max"] },
                tooltip: { mode: "multi", sort: "desc" },
            },
            targets: renderTargets(p),
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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
            source: "prometheus",
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

/** One S3 replication rule of the stack: one direction of the backups' cross-region copy. */
export interface S3ReplicationRule {
    /** Short names of the source and destination regions (the legend). */
    readonly sourceRegion: string;
    readonly destinationRegion: string;
    /** AWS region of the source bucket: S3 publishes the rule's replication metrics there. */
    readonly cloudRegion: string;
    readonly sourceBucket: string;
    readonly destinationBucket: string;
    readonly ruleId: string;
}

/** One dual-region GCS backup bucket with turbo replication. */
export interface TurboReplicatedBucket {
    /** Short name of the region whose Velero writes the bucket (the legend). */
    readonly region: string;
    /** The bucket's project (its Cloud Monitoring metrics are there). */
    readonly project: string;
    readonly bucket: string;
}

/** The stack's backup replication, as the DR dashboard shows it (empty lists: a single region). */
export interface BackupReplication {
    readonly s3: readonly S3ReplicationRule[];
    readonly gcsTurbo: readonly TurboReplicatedBucket[];
}

export const NO_REPLICATION: BackupReplication = { s3: [], gcsTurbo: [] };

/** The 15-minute replication target: S3 Replication Time Control and GCS turbo replication (seconds). */
export const REPLICATION_RPO_SECONDS = 15 * 60;

/** CloudWatch period of the S3 replication panels (the metrics' own 1-minute points, shown per 5 minutes). */
const S3_PERIOD = 300;

/** Metric types of GCS replication on a dual-region bucket (Cloud Monitoring, resource gcs_bucket). */
export const GCS_REPLICATION_METRICS = {
    turboMaxDelay: "storage.googleapis.com/replication/turbo_max_delay",
    meetingRpo: "storage.googleapis.com/replication/meeting_rpo",
    missingRpoMinutes: "storage.googleapis.com/replication/missing_rpo_minutes_last_30d",
} as const;

function s3Panels(rules: readonly S3ReplicationRule[]): PanelSpec[] {
    if (rules.length === 0) return [];
    const target = (
        r: S3ReplicationRule,
        metricName: string,
        statistic: string,
        what: string,
    ): CloudWatchTarget => ({
        region: r.cloudRegion,
        namespace: "AWS/S3",
        metricName,
        dimensions: {
            SourceBucket: r.sourceBucket,
            DestinationBucket: r.destinationBucket,
            RuleId: r.ruleId,
        },
        statistic,
        period: S3_PERIOD,
        legend: `${what}${r.sourceRegion} -> ${r.destinationRegion}`,
    });
    return [
        {
            source: "cloudwatch",
            title: "S3 replication latency (max)",
            unit: "s",
            description:
                "ReplicationLatency (Maximum) of every replication rule, read in the rule's source region. Line: the 15-minute Replication Time Control threshold (alarm: the rule's -latency alarm).",
            thresholds: [REPLICATION_RPO_SECONDS],
            targets: rules.map((r) => target(r, "ReplicationLatency", "Maximum", "")),
        },
        {
            source: "cloudwatch",
            title: "S3 replication: operations pending and failed",
            unit: "short",
            description:
                "OperationsPendingReplication (Maximum) and OperationsFailedReplication (Sum) of every replication rule. Any failure pages (the rule's -failed alarm).",
            targets: rules.flatMap((r) => [
                target(r, "OperationsPendingReplication", "Maximum", "pending "),
                target(r, "OperationsFailedReplication", "Sum", "failed "),
            ]),
        },
    ];
}

function gcsPanels(buckets: readonly TurboReplicatedBucket[]): PanelSpec[] {
    if (buckets.length === 0) return [];
    const target = (
        b: TurboReplicatedBucket,
        metricType: string,
        perSeriesAligner: string,
        crossSeriesReducer: string,
    ): CloudMonitoringTarget => ({
        project: b.project,
        metricType,
        filters: { "resource.type": "gcs_bucket", "resource.label.bucket_name": b.bucket },
        perSeriesAligner,
        crossSeriesReducer,
        groupBys: ["resource.label.bucket_name"],
        legend: `${b.region} (${b.bucket})`,
    });
    return [
        {
            source: "cloud-monitoring",
            title: "GCS turbo replication: oldest object not yet replicated",
            unit: "s",
            description:
                "replication/turbo_max_delay (max) of every dual-region backup bucket: the age of the oldest object not yet in the second region. Line: the 15-minute turbo replication RPO.",
            thresholds: [REPLICATION_RPO_SECONDS],
            targets: buckets.map((b) =>
                target(b, GCS_REPLICATION_METRICS.turboMaxDelay, "ALIGN_MAX", "REDUCE_MAX"),
            ),
        },
        {
            source: "cloud-monitoring",
            title: "GCS turbo replication: meeting the RPO",
            unit: "percentunit",
            description:
                "replication/meeting_rpo of every dual-region backup bucket, as the share of samples that met the 15-minute RPO.",
            targets: buckets.map((b) =>
                target(b, GCS_REPLICATION_METRICS.meetingRpo, "ALIGN_FRACTION_TRUE", "REDUCE_MEAN"),
            ),
        },
        {
            source: "cloud-monitoring",
            title: "GCS turbo replication: minutes the RPO was missed (30 days)",
            unit: "m",
            description:
                "replication/missing_rpo_minutes_last_30d of every dual-region backup bucket (delayed by replication/time_since_metrics_updated).",
            targets: buckets.map((b) =>
                target(b, GCS_REPLICATION_METRICS.missingRpoMinutes, "ALIGN_MAX", "REDUCE_MAX"),
            ),
        },
    ];
}

/** The DR dashboard with the replication panels of the stack's backups (none without replication). */
export function drDashboard(replication: BackupReplication = NO_REPLICATION): DashboardSpec {
    return {
        ...DR_DASHBOARD,
        panels: [
            ...DR_DASHBOARD.panels,
            ...s3Panels(replication.s3),
            ...gcsPanels(replication.gcsTurbo),
        ],
    };
}

/**
 * The platform dashboards as written; the DR one without replication panels (a one-region stack's),
 * Metrics renders drDashboard(...) for it with the stack's replication.
 */
export const PLATFORM_DASHBOARDS: readonly DashboardSpec[] = [
    EDTECH_DASHBOARD,
    CONTROL_PLANE_DASHBOARD,
    DR_DASHBOARD,
];
