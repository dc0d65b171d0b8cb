/**
 * promtool unit tests for every alert and recording rule, as data. Each alert has a case proving it
 * fires once its `for` has passed (and is still pending just before), and a case just below its
 * threshold that stays silent. Series use a 1m scrape interval; rules are evaluated every 30s.
 */
import type { RuleContext } from "../../components/observability/rules";

export const CTX: RuleContext = { cluster: "singapore", region: "ap-southeast-1" };

interface Series {
    readonly series: string;
    readonly values: string;
}
interface ExpAlert {
    readonly exp_labels: Record<string, string>;
    readonly exp_annotations: Record<string, string>;
}
interface AlertCheck {
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: readonly ExpAlert[];
}
interface ExprCheck {
    readonly expr: string;
    readonly eval_time: string;
    readonly exp_samples: readonly { labels: string; value: number }[];
}
export interface UnitTest {
    readonly name: string;
    readonly interval: string;
    readonly input_series: readonly Series[];
    readonly alert_rule_test?: readonly AlertCheck[];
    readonly promql_expr_test?: readonly ExprCheck[];
}

const base = (severity: string, team: string, extra: Record<string, string> = {}) => ({
    severity,
    team,
    cluster: CTX.cluster,
    region: CTX.region,
    ...extra,
});
const where = `in cluster ${CTX.cluster} (${CTX.region})`;

function requests(service: string, ns: string, code: string, values: string): Series {
    return {
        series: `istio_requests_total{reporter="source",destination_service_name="${service}",destination_service_namespace="${ns}",destination_cluster="${CTX.cluster}",response_code="${code}"}`,
        values,
    };
}
/** The same traffic as the client proxy's report, seen again by the server proxy (must not count). */
function destinationReport(service: string, ns: string, code: string, values: string): Series {
    return {
        ...requests(service, ns, code, values),
        series: requests(service, ns, code, values).series.replace(
            'reporter="source"',
            'reporter="destination"',
        ),
    };
}
function latency(service: string, ns: string, buckets: Record<string, number>): Series[] {
    return Object.entries(buckets).map(([le, perMinute]) => ({
        series: `istio_request_duration_milliseconds_bucket{reporter="source",destination_service_name="${service}",destination_service_namespace="${ns}",destination_cluster="${CTX.cluster}",le="${le}"}`,
        values: `0+${perMinute}x40`,
    }));
}

/** Fires case: pending (no alert) at `before`, firing at `after`; silent case: nothing at `after` and later. */
function alertCases(a: {
    alertname: string;
    fire: readonly Series[];
    below: readonly Series[];
    before: string;
    after: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    belowNote: string;
    fireNote: string;
}): UnitTest[] {
    return [
        {
            name: `${a.alertname} fires ${a.fireNote} once its for has passed`,
            interval: "1m",
            input_series: a.fire,
            alert_rule_test: [
                { eval_time: a.before, alertname: a.alertname, exp_alerts: [] },
                {
                    eval_time: a.after,
                    alertname: a.alertname,
                    exp_alerts: [{ exp_labels: a.labels, exp_annotations: a.annotations }],
                },
            ],
        },
        {
            name: `${a.alertname} stays silent ${a.belowNote}`,
            interval: "1m",
            input_series: a.below,
            alert_rule_test: [
                { eval_time: a.after, alertname: a.alertname, exp_alerts: [] },
                { eval_time: "20m", alertname: a.alertname, exp_alerts: [] },
            ],
        },
    ];
}

const DAY = 86400;

export function unitTests(): UnitTest[] {
    return [
        // 5xx ratio > 5 % per service, for 2m. The rate exists from 1m (two samples): pending at 2m30s, firing at 3m.
        ...alertCases({
            alertname: "ServiceMeshHighErrorRate",
            fireNote: "at 6% errors",
            fire: [
                requests("content-delivery", "content", "200", "0+940x30"),
                requests("content-delivery", "content", "503", "0+60x30"),
                // the destination's own report of healthy traffic must not dilute the ratio
                destinationReport("content-delivery", "content", "200", "0+5000x30"),
            ],
            belowNote: "at 4.9% errors",
            below: [
                requests("content-delivery", "content", "200", "0+951x30"),
                requests("content-delivery", "content", "503", "0+49x30"),
            ],
            before: "2m30s",
            after: "3m",
            labels: base("critical", "platform", {
                alertname: "ServiceMeshHighErrorRate",
                destination_service_name: "content-delivery",
                destination_service_namespace: "content",
            }),
            annotations: {
                summary: `High error rate detected for content-delivery ${where}`,
                description: `Error rate is 6% over the last 5 minutes (${GUARD})`,
            },
        }),
        ...zeroAndLowTraffic("ServiceMeshHighErrorRate", "content-delivery", "content"),
        // payment-service 5xx ratio > 1 % (the per-service threshold from config), for 2m.
        ...alertCases({
            alertname: "CriticalServiceHighErrorRate",
            fireNote: "at 2% errors",
            fire: [
                requests("payment-service", "payments", "200", "0+980x30"),
                requests("payment-service", "payments", "500", "0+20x30"),
            ],
            belowNote: "at 0.9% errors",
            below: [
                requests("payment-service", "payments", "200", "0+991x30"),
                requests("payment-service", "payments", "500", "0+9x30"),
            ],
            before: "2m30s",
            after: "3m",
            labels: base("critical", "payments", {
                alertname: "CriticalServiceHighErrorRate",
                critical_service: "payment-service",
                destination_service_name: "payment-service",
                destination_service_namespace: "payments",
            }),
            annotations: {
                summary: `payment-service error rate above 1% ${where}`,
                description: `Error rate is 2% over the last 5 minutes (${GUARD})`,
            },
        }),
        ...zeroAndLowTraffic("CriticalServiceHighErrorRate", "payment-service", "payments"),
        // exam-service has its own 2 % threshold: 3 % fires, 1.9 % (above payment's 1 %) does not.
        ...alertCases({
            alertname: "CriticalServiceHighErrorRate",
            fireNote: "for exam-service at 3% errors",
            fire: [
                requests("exam-service", "assessment", "200", "0+970x30"),
                requests("exam-service", "assessment", "503", "0+30x30"),
            ],
            belowNote: "for exam-service at 1.9% errors",
            below: [
                requests("exam-service", "assessment", "200", "0+981x30"),
                requests("exam-service", "assessment", "503", "0+19x30"),
            ],
            before: "2m30s",
            after: "3m",
            labels: base("critical", "backend", {
                alertname: "CriticalServiceHighErrorRate",
                critical_service: "exam-service",
                destination_service_name: "exam-service",
                destination_service_namespace: "assessment",
            }),
            annotations: {
                summary: `exam-service error rate above 2% ${where}`,
                description: `Error rate is 3% over the last 5 minutes (${GUARD})`,
            },
        }),
        // exam-service P95 > 1000 ms, for 3m. 90 of 100 requests <= 1000 ms puts P95 at 1750 ms.
        ...alertCases({
            alertname: "ExamServiceSlowResponse",
            fireNote: "at a P95 of 1750ms",
            fire: latency("exam-service", "assessment", {
                "500": 50,
                "1000": 90,
                "2500": 100,
                "+Inf": 100,
            }),
            belowNote: "at a P95 of 989ms",
            below: latency("exam-service", "assessment", {
                "500": 50,
                "1000": 96,
                "2500": 100,
                "+Inf": 100,
            }),
            before: "3m30s",
            after: "4m",
            labels: base("warning", "backend", {
                alertname: "ExamServiceSlowResponse",
                destination_service_namespace: "assessment",
            }),
            annotations: {
                summary: `Exam service is responding slowly ${where}`,
                description: "95th percentile latency is 1750ms",
            },
        }),
        // any service P95 > 500 ms, for 5m. 90 of 100 requests <= 500 ms puts P95 at 750 ms.
        ...alertCases({
            alertname: "ServiceHighLatencyP95",
            fireNote: "at a P95 of 750ms",
            fire: latency("content-search", "content", {
                "250": 50,
                "500": 90,
                "1000": 100,
                "+Inf": 100,
            }),
            belowNote: "at a P95 of 484ms",
            below: latency("content-search", "content", {
                "250": 50,
                "500": 98,
                "1000": 100,
                "+Inf": 100,
            }),
            before: "5m30s",
            after: "6m",
            labels: base("warning", "platform", {
                alertname: "ServiceHighLatencyP95",
                destination_service_name: "content-search",
                destination_service_namespace: "content",
            }),
            annotations: {
                summary: `P95 latency above 500ms for content-search ${where}`,
                description: "95th percentile latency is 750ms",
            },
        }),
        // no istiod target up, for 1m: pending at 30s, firing at 1m; one of two replicas up stays silent.
        ...alertCases({
            alertname: "IstioControlPlaneDown",
            fireNote: "when every istiod replica is down",
            fire: [
                {
                    series: `up{job="istiod",instance="10.0.1.10:15014",namespace="istio-system"}`,
                    values: "0x30",
                },
                {
                    series: `up{job="istiod",instance="10.0.2.10:15014",namespace="istio-system"}`,
                    values: "0x30",
                },
            ],
            belowNote: "while one istiod replica is up",
            below: [
                {
                    series: `up{job="istiod",instance="10.0.1.10:15014",namespace="istio-system"}`,
                    values: "0x30",
                },
                {
                    series: `up{job="istiod",instance="10.0.2.10:15014",namespace="istio-system"}`,
                    values: "1x30",
                },
            ],
            before: "30s",
            after: "1m",
            labels: base("critical", "platform", { alertname: "IstioControlPlaneDown" }),
            annotations: {
                summary: `Service mesh control plane (istiod) is down ${where}`,
                description:
                    "No istiod instance has been scrapeable for over a minute; new config and certificates are not being served",
            },
        }),
        {
            name: "IstioControlPlaneDown fires when istiod disappears from discovery",
            interval: "1m",
            input_series: [
                { series: `up{job="kube-state-metrics",instance="10.0.3.3:8080"}`, values: "1x30" },
            ],
            alert_rule_test: [
                {
                    eval_time: "2m",
                    alertname: "IstioControlPlaneDown",
                    exp_alerts: [
                        {
                            exp_labels: base("critical", "platform", {
                                alertname: "IstioControlPlaneDown",
                            }),
                            exp_annotations: {
                                summary: `Service mesh control plane (istiod) is down ${where}`,
                                description:
                                    "No istiod instance has been scrapeable for over a minute; new config and certificates are not being served",
                            },
                        },
                    ],
                },
            ],
        },
        // info: any config event in 10 minutes. `for` is 0, so it fires at the first evaluation that sees the change.
        {
            name: "MeshConfigurationChanged fires on a VirtualService update",
            interval: "1m",
            input_series: [
                {
                    series: `pilot_k8s_cfg_events{type="VirtualService",event="update"}`,
                    values: "0 0 0 1 1 1 1 1 1 1 1",
                },
            ],
            alert_rule_test: [
                { eval_time: "2m30s", alertname: "MeshConfigurationChanged", exp_alerts: [] },
                {
                    eval_time: "3m",
                    alertname: "MeshConfigurationChanged",
                    exp_alerts: [
                        {
                            exp_labels: base("info", "platform", {
                                alertname: "MeshConfigurationChanged",
                                type: "VirtualService",
                            }),
                            exp_annotations: {
                                summary: `Istio VirtualService configuration changed ${where}`,
                                description:
                                    "Mesh configuration objects were added, updated or deleted in the last 10 minutes",
                            },
                        },
                    ],
                },
            ],
        },
        {
            name: "MeshConfigurationChanged stays silent without config events",
            interval: "1m",
            input_series: [
                {
                    series: `pilot_k8s_cfg_events{type="VirtualService",event="update"}`,
                    values: "5x30",
                },
            ],
            alert_rule_test: [
                { eval_time: "20m", alertname: "MeshConfigurationChanged", exp_alerts: [] },
            ],
        },
        // Istio root CA expiring in under 30 days (1 minute under at t=0), for 10m.
        ...alertCases({
            alertname: "MeshCACertificateExpiring",
            fireNote: "when the root CA expires in under 30 days",
            fire: [
                {
                    series: `citadel_server_root_cert_expiry_timestamp{job="istiod"}`,
                    values: `${30 * DAY - 60}x30`,
                },
                {
                    series: `citadel_server_cert_chain_expiry_timestamp{job="istiod"}`,
                    values: `${300 * DAY}x30`,
                },
            ],
            belowNote: "when both CA certificates are valid for more than 30 days",
            below: [
                {
                    series: `citadel_server_root_cert_expiry_timestamp{job="istiod"}`,
                    values: `${30 * DAY + 3600}x30`,
                },
                {
                    series: `citadel_server_cert_chain_expiry_timestamp{job="istiod"}`,
                    values: `${30 * DAY + 3600}x30`,
                },
            ],
            before: "9m30s",
            after: "10m",
            labels: base("warning", "platform", { alertname: "MeshCACertificateExpiring" }),
            annotations: {
                summary: `Mesh CA certificate expires in less than 30 days ${where}`,
                description:
                    "The Istio root or intermediate CA expires in 29d 23h 49m 0s; rotate it (mesh.caGenerations)",
            },
        }),
        {
            name: "MeshCACertificateExpiring fires when the intermediate CA expires in under 30 days",
            interval: "1m",
            input_series: [
                {
                    series: `citadel_server_root_cert_expiry_timestamp{job="istiod"}`,
                    values: `${3650 * DAY}x30`,
                },
                {
                    series: `citadel_server_cert_chain_expiry_timestamp{job="istiod"}`,
                    values: `${30 * DAY - 60}x30`,
                },
            ],
            alert_rule_test: [
                {
                    eval_time: "10m",
                    alertname: "MeshCACertificateExpiring",
                    exp_alerts: [
                        {
                            exp_labels: base("warning", "platform", {
                                alertname: "MeshCACertificateExpiring",
                            }),
                            exp_annotations: {
                                summary: `Mesh CA certificate expires in less than 30 days ${where}`,
                                description:
                                    "The Istio root or intermediate CA expires in 29d 23h 49m 0s; rotate it (mesh.caGenerations)",
                            },
                        },
                    ],
                },
            ],
        },
        // any cert-manager certificate expiring in under 7 days, for 10m.
        ...alertCases({
            alertname: "CertificateExpiringSoon",
            fireNote: "when a certificate expires in under 7 days",
            fire: [{ series: certSeries(), values: `${7 * DAY - 60}x30` }],
            belowNote: "when the certificate is valid for more than 7 days",
            below: [{ series: certSeries(), values: `${7 * DAY + 3600}x30` }],
            before: "9m30s",
            after: "10m",
            labels: base("warning", "platform", {
                alertname: "CertificateExpiringSoon",
                name: "ingress-tls",
                namespace: "istio-gateways",
                issuer_name: "letsencrypt-prod",
                issuer_kind: "ClusterIssuer",
                issuer_group: "cert-manager.io",
            }),
            annotations: {
                summary: `Certificate istio-gateways/ingress-tls expires in less than 7 days ${where}`,
                description:
                    "It expires in 6d 23h 49m 0s although cert-manager renews 30 days ahead: check the issuer and the DNS-01 solver",
            },
        }),
        // more than 3 restarts in 15 minutes, for 5m: a restart every 3.5 minutes (4 in any 14-minute span, from 14m) fires at 19m,
        // one every 5 minutes (3 per 15 minutes) does not.
        ...alertCases({
            alertname: "PodRestartRateIncreased",
            fireNote: "at 4 restarts per 15 minutes",
            fire: [{ series: restartSeries(), values: steps(40, 3.5) }],
            belowNote: "at 3 restarts per 15 minutes",
            below: [{ series: restartSeries(), values: steps(40, 5) }],
            before: "18m30s",
            after: "19m",
            labels: base("warning", "platform", {
                alertname: "PodRestartRateIncreased",
                namespace: "assessment",
                pod: "exam-engine-7d9f8-abcde",
                container: "exam-engine",
            }),
            annotations: {
                summary: `Pod assessment/exam-engine-7d9f8-abcde is restarting often ${where}`,
                description: "Container exam-engine restarted 4 times in 15 minutes",
            },
        }).map((t) =>
            t.name.includes("silent")
                ? {
                      ...t,
                      alert_rule_test: [
                          {
                              eval_time: "21m",
                              alertname: "PodRestartRateIncreased",
                              exp_alerts: [],
                          },
                          {
                              eval_time: "39m",
                              alertname: "PodRestartRateIncreased",
                              exp_alerts: [],
                          },
                      ],
                  }
                : t,
        ),
        ...newAlertTests(),
        ...recordingTests(),
    ];
}

/** The traffic guard of the error-rate alerts, as the description states it. */
const GUARD = "at least 0.1 requests per second";

/**
 * Silent at zero traffic (no ratio at all) and below the traffic guard: 3 requests a minute
 * (0.05/s), every one a 503, is a 100 % error rate and still no page.
 */
function zeroAndLowTraffic(alertname: string, service: string, ns: string): UnitTest[] {
    const silent = (input: Series[], note: string): UnitTest => ({
        name: `${alertname} stays silent ${note} (${service})`,
        interval: "1m",
        input_series: input,
        alert_rule_test: [
            { eval_time: "5m", alertname, exp_alerts: [] },
            { eval_time: "20m", alertname, exp_alerts: [] },
        ],
    });
    return [
        silent(
            [requests(service, ns, "200", "0x30"), requests(service, ns, "503", "0x30")],
            "at zero traffic",
        ),
        silent([requests(service, ns, "503", "0+3x30")], "below the minimum traffic"),
    ];
}

function newAlertTests(): UnitTest[] {
    const veleroExams = `velero_backup_last_successful_timestamp{schedule="velero-hourly-assessment"}`;
    return [
        // a Deployment's spec generation changes at 3m: info at the first evaluation that sees it.
        {
            name: "WorkloadRolledOut fires when a Deployment's spec changes",
            interval: "1m",
            input_series: [
                {
                    series: `kube_deployment_metadata_generation{namespace="assessment",deployment="exam-engine"}`,
                    values: "4 4 4 5 5 5 5 5 5 5",
                },
                {
                    series: `kube_statefulset_metadata_generation{namespace="data",statefulset="cache"}`,
                    values: "2x10",
                },
            ],
            alert_rule_test: [
                { eval_time: "2m30s", alertname: "WorkloadRolledOut", exp_alerts: [] },
                {
                    eval_time: "3m",
                    alertname: "WorkloadRolledOut",
                    exp_alerts: [
                        {
                            exp_labels: base("info", "platform", {
                                alertname: "WorkloadRolledOut",
                                namespace: "assessment",
                                workload: "exam-engine",
                                kind: "Deployment",
                            }),
                            exp_annotations: {
                                summary: `assessment/exam-engine was changed (new deployment or configuration) ${where}`,
                                description:
                                    "Its spec generation changed 1 times in the last 10 minutes",
                            },
                        },
                    ],
                },
            ],
        },
        {
            name: "WorkloadRolledOut stays silent while no spec changes",
            interval: "1m",
            input_series: [
                {
                    series: `kube_daemonset_metadata_generation{namespace="logging",daemonset="fluent-bit"}`,
                    values: "3x30",
                },
            ],
            alert_rule_test: [{ eval_time: "20m", alertname: "WorkloadRolledOut", exp_alerts: [] }],
        },
        // probe fails from 0: pending at 1m30s, firing from 2m; one of two Prometheus replicas seeing it up stays silent.
        ...alertCases({
            alertname: "DatabaseConnectivityLost",
            fireNote: "when the database probe fails",
            fire: [{ series: dbProbe("a"), values: "0x30" }],
            belowNote: "while the probe succeeds",
            below: [{ series: dbProbe("a"), values: "1x30" }],
            before: "1m30s",
            after: "2m",
            labels: base("critical", "platform", {
                alertname: "DatabaseConnectivityLost",
                instance: "exams-db.internal:5432",
            }),
            annotations: {
                summary: `Database exams-db.internal:5432 is unreachable ${where}`,
                description:
                    "The TCP probe from the cluster to the database has failed for 2 minutes: services depending on it fail",
            },
        }),
        // a failed backup at 3m: warning at once.
        {
            name: "VeleroBackupFailed fires when a scheduled backup fails",
            interval: "1m",
            input_series: [
                {
                    series: `velero_backup_failure_total{schedule="velero-hourly-assessment"}`,
                    values: "0 0 0 1 1 1 1 1 1 1",
                },
            ],
            alert_rule_test: [
                { eval_time: "2m", alertname: "VeleroBackupFailed", exp_alerts: [] },
                {
                    eval_time: "4m",
                    alertname: "VeleroBackupFailed",
                    exp_alerts: [
                        {
                            exp_labels: base("warning", "platform", {
                                alertname: "VeleroBackupFailed",
                                schedule: "velero-hourly-assessment",
                            }),
                            exp_annotations: {
                                summary: `Velero backup of schedule velero-hourly-assessment failed ${where}`,
                                description:
                                    "1 backups failed in the last hour: `velero backup describe` names the cause",
                            },
                        },
                    ],
                },
            ],
        },
        {
            name: "VeleroBackupFailed stays silent while no backup fails",
            interval: "1m",
            input_series: [
                {
                    series: `velero_backup_failure_total{schedule="velero-daily-platform"}`,
                    values: "2x30",
                },
            ],
            alert_rule_test: [
                { eval_time: "20m", alertname: "VeleroBackupFailed", exp_alerts: [] },
            ],
        },
        // last exam backup finished at t=0 and none since: older than 60 min from 60m30s, for 5m -> firing at 66m.
        {
            name: "VeleroBackupTooOld fires when the last exams backup is older than its RPO, once its for has passed",
            interval: "1m",
            input_series: [{ series: veleroExams, values: "0x100" }],
            alert_rule_test: [
                { eval_time: "59m", alertname: "VeleroBackupTooOld", exp_alerts: [] },
                { eval_time: "65m", alertname: "VeleroBackupTooOld", exp_alerts: [] },
                {
                    eval_time: "66m",
                    alertname: "VeleroBackupTooOld",
                    exp_alerts: [
                        {
                            exp_labels: base("critical", "platform", {
                                alertname: "VeleroBackupTooOld",
                                backup: "exams",
                                schedule: "velero-hourly-assessment",
                            }),
                            exp_annotations: {
                                summary: `Last successful exams backup (velero-hourly-assessment) is older than its RPO of 60 minutes ${where}`,
                                description: "The last successful backup finished 1h 6m 0s ago",
                            },
                        },
                    ],
                },
            ],
        },
        // a backup every 30 minutes: the age never passes 31 minutes.
        {
            name: "VeleroBackupTooOld stays silent while exams backups succeed every 30 minutes",
            interval: "1m",
            input_series: [
                {
                    series: veleroExams,
                    values: Array.from({ length: 150 }, (_, i) => Math.floor(i / 30) * 1800).join(
                        " ",
                    ),
                },
                // the daily schedule, 22 to 24.5 hours after its last success, is inside its 25 h limit.
                {
                    series: `velero_backup_last_successful_timestamp{schedule="velero-daily-platform"}`,
                    values: `-${22 * 3600}+0x150`,
                },
            ],
            alert_rule_test: [
                { eval_time: "70m", alertname: "VeleroBackupTooOld", exp_alerts: [] },
                { eval_time: "145m", alertname: "VeleroBackupTooOld", exp_alerts: [] },
            ],
        },
        {
            name: "VeleroBackupTooOld fires for the daily schedule after 25 hours",
            interval: "1m",
            input_series: [
                {
                    series: `velero_backup_last_successful_timestamp{schedule="velero-daily-platform"}`,
                    values: `-${25 * 3600}+0x30`,
                },
            ],
            alert_rule_test: [
                {
                    eval_time: "10m",
                    alertname: "VeleroBackupTooOld",
                    exp_alerts: [
                        {
                            exp_labels: base("critical", "platform", {
                                alertname: "VeleroBackupTooOld",
                                backup: "daily",
                                schedule: "velero-daily-platform",
                            }),
                            exp_annotations: {
                                summary: `Last successful daily backup (velero-daily-platform) is older than its RPO of 1500 minutes ${where}`,
                                description: "The last successful backup finished 1d 1h 10m 0s ago",
                            },
                        },
                    ],
                },
            ],
        },
    ];
}

function dbProbe(replica: string): string {
    return `probe_success{job="database-connectivity",instance="exams-db.internal:5432",prometheus_replica="${replica}"}`;
}

function certSeries(): string {
    return `certmanager_certificate_expiration_timestamp_seconds{name="ingress-tls",namespace="istio-gateways",issuer_name="letsencrypt-prod",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"}`;
}
function restartSeries(): string {
    return `kube_pod_container_status_restarts_total{namespace="assessment",pod="exam-engine-7d9f8-abcde",container="exam-engine"}`;
}
/** A counter that goes up by one every `every` samples (rounded up to whole samples), for `n` samples. */
function steps(n: number, every: number): string {
    return Array.from({ length: n }, (_, i) => Math.floor(i / every)).join(" ");
}

function recordingTests(): UnitTest[] {
    const golden = `destination_cluster="${CTX.cluster}",destination_service_name="content-delivery",destination_service_namespace="content"`;
    return [
        {
            name: "EdTech business metrics recording rules",
            interval: "1m",
            input_series: [
                {
                    series: `learning_path_progress{course_id="math-101",user_id="u1"}`,
                    values: "40x10",
                },
                {
                    series: `learning_path_progress{course_id="math-101",user_id="u2"}`,
                    values: "80x10",
                },
                {
                    series: `subscription_conversion_rate{trial_length="14d",user_segment="student",instance="a"}`,
                    values: "0.1x10",
                },
                {
                    series: `subscription_conversion_rate{trial_length="14d",user_segment="student",instance="b"}`,
                    values: "0.3x10",
                },
                {
                    series: `content_engagement_score{content_type="video",subject="math",difficulty="easy",instance="a"}`,
                    values: "7x10",
                },
                {
                    series: `platform_daily_active_users{user_tier="free",geographic_region="ph",instance="a"}`,
                    values: "1200x10",
                },
                {
                    series: `platform_daily_active_users{user_tier="free",geographic_region="ph",instance="b"}`,
                    values: "300x10",
                },
                {
                    series: `exam_completion_time_seconds_sum{exam_type="final",user_tier="free",subject="math"}`,
                    values: "0+1800x10",
                },
                {
                    series: `exam_completion_time_seconds_count{exam_type="final",user_tier="free",subject="math"}`,
                    values: "0+2x10",
                },
                {
                    series: `exam_completion_time_seconds_bucket{exam_type="final",user_tier="free",subject="math",le="600"}`,
                    values: "0+0x10",
                },
                {
                    series: `exam_completion_time_seconds_bucket{exam_type="final",user_tier="free",subject="math",le="1200"}`,
                    values: "0+2x10",
                },
                {
                    series: `exam_completion_time_seconds_bucket{exam_type="final",user_tier="free",subject="math",le="+Inf"}`,
                    values: "0+2x10",
                },
                {
                    series: `question_response_time_seconds_bucket{question_type="mcq",difficulty_level="hard",le="10"}`,
                    values: "0+0x10",
                },
                {
                    series: `question_response_time_seconds_bucket{question_type="mcq",difficulty_level="hard",le="30"}`,
                    values: "0+10x10",
                },
                {
                    series: `question_response_time_seconds_bucket{question_type="mcq",difficulty_level="hard",le="+Inf"}`,
                    values: "0+10x10",
                },
            ],
            promql_expr_test: [
                {
                    expr: "round(edtech:learning_path_progress:avg_by_course, 0.001)",
                    eval_time: "5m",
                    exp_samples: [{ labels: `{course_id="math-101"}`, value: 60 }],
                },
                {
                    expr: "round(edtech:subscription_conversion_rate:avg, 0.001)",
                    eval_time: "5m",
                    exp_samples: [
                        { labels: `{trial_length="14d",user_segment="student"}`, value: 0.2 },
                    ],
                },
                {
                    expr: "round(edtech:content_engagement_score:avg, 0.001)",
                    eval_time: "5m",
                    exp_samples: [
                        {
                            labels: `{content_type="video",difficulty="easy",subject="math"}`,
                            value: 7,
                        },
                    ],
                },
                {
                    expr: "round(edtech:platform_daily_active_users:sum, 0.001)",
                    eval_time: "5m",
                    exp_samples: [
                        { labels: `{geographic_region="ph",user_tier="free"}`, value: 1500 },
                    ],
                },
                {
                    expr: "round(edtech:exam_completion_time_seconds:avg_5m, 0.001)",
                    eval_time: "5m",
                    exp_samples: [
                        {
                            labels: `{exam_type="final",subject="math",user_tier="free"}`,
                            value: 900,
                        },
                    ],
                },
                {
                    expr: "round(edtech:exam_completion_time_seconds:p95_5m, 0.001)",
                    eval_time: "5m",
                    exp_samples: [{ labels: `{exam_type="final",subject="math"}`, value: 1170 }],
                },
                {
                    expr: "round(edtech:question_response_time_seconds:p95_5m, 0.001)",
                    eval_time: "5m",
                    exp_samples: [
                        { labels: `{difficulty_level="hard",question_type="mcq"}`, value: 29 },
                    ],
                },
            ],
        },
        {
            name: "Mesh golden-signal recording rules",
            interval: "1m",
            input_series: [
                requests("content-delivery", "content", "200", "0+900x10"),
                requests("content-delivery", "content", "503", "0+100x10"),
                destinationReport("content-delivery", "content", "200", "0+1000x10"),
                ...latency("content-delivery", "content", {
                    "100": 50,
                    "250": 90,
                    "500": 100,
                    "+Inf": 100,
                }),
            ],
            promql_expr_test: [
                {
                    expr: "round(mesh:istio_requests_errors:ratio_rate5m, 0.001)",
                    eval_time: "5m",
                    exp_samples: [{ labels: `{${golden}}`, value: 0.1 }],
                },
                {
                    expr: "round(mesh:istio_requests:rate5m * 60)",
                    eval_time: "5m",
                    exp_samples: [{ labels: `{${golden}}`, value: 1000 }],
                },
                {
                    expr: "round(mesh:istio_request_duration_milliseconds:p95_5m, 0.001)",
                    eval_time: "5m",
                    exp_samples: [{ labels: `{${golden}}`, value: 375 }],
                },
            ],
        },
    ];
}
