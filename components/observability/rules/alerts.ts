/**
 * Alerting rules: the guide's two sample alerts (corrected) plus the alerts its alerting framework names.
 *
 * What the guide's sample PromQL got wrong, and what changed here:
 * - `istio_requests_total` and `istio_request_duration_milliseconds` are reported by BOTH the client
 *   and the server proxy. Summing without a `reporter` filter counts every request twice and mixes
 *   the two latency views. These rules use `reporter="source"`: the caller's view, which also counts
 *   the 503s a client proxy produces when no healthy endpoint is left (the destination never sees those,
 *   so a destination-only error rate stays silent during a full outage).
 * - Grouping only by `destination_service_name` merges same-named services of different namespaces;
 *   the rules group by `destination_service_namespace` as well.
 * - The guide's framework says "P95 > 500 ms" is the latency warning, while its exam sample used
 *   1000 ms: both exist now. ServiceHighLatencyP95 is the 500 ms warning for every service;
 *   ExamServiceSlowResponse stays the exam team's stricter-routed 1000 ms alert.
 * - Every alert carries `cluster` and `region` (also set as Prometheus external labels), so a page from
 *   Tokyo never reads like one from Singapore.
 */
import type { AlertingRule, RuleContext, RuleGroup, Severity } from "./types";

/** Service names the guide's alerts single out. */
export const PAYMENT_SERVICE = "payment-service";
export const EXAM_SERVICE = "exam-service";

/** Thresholds and `for` durations, in one place (the promtool unit tests exercise each). */
export const ALERT_THRESHOLDS = {
    meshErrorRatio: 0.05,
    meshErrorFor: "2m",
    paymentErrorRatio: 0.01,
    paymentErrorFor: "2m",
    examP95Ms: 1000,
    examSlowFor: "3m",
    p95LatencyMs: 500,
    p95LatencyFor: "5m",
    controlPlaneDownFor: "1m",
    caExpiryDays: 30,
    certExpiryDays: 7,
    certExpiryFor: "10m",
    podRestartsPer15m: 3,
    podRestartFor: "5m",
    configChangeFor: "0m",
} as const;

const DAY = 86400;

function errorRatio(selector: string, by: string): string {
    const errors = `sum by (${by}) (rate(istio_requests_total{reporter="source", response_code=~"5..", ${selector}}[5m]))`;
    const total = `sum by (${by}) (rate(istio_requests_total{reporter="source", ${selector}}[5m]))`;
    return `(\n  ${errors}\n/\n  ${total}\n)`;
}

function p95(selector: string, by: string): string {
    const sel = selector ? `reporter="source", ${selector}` : `reporter="source"`;
    return `histogram_quantile(0.95,\n  sum by (${by}, le) (rate(istio_request_duration_milliseconds_bucket{${sel}}[5m]))\n)`;
}

const SERVICE = "destination_service_namespace, destination_service_name";

function alert(
    ctx: RuleContext,
    a: {
        name: string;
        expr: string;
        for: string;
        severity: Severity;
        team: string;
        summary: string;
        description: string;
    },
): AlertingRule {
    return {
        alert: a.name,
        expr: a.expr,
        for: a.for,
        labels: { severity: a.severity, team: a.team, cluster: ctx.cluster, region: ctx.region },
        annotations: { summary: a.summary, description: a.description },
    };
}

/** The alerting groups for one cluster. */
export function alertGroups(ctx: RuleContext): RuleGroup[] {
    const t = ALERT_THRESHOLDS;
    const where = `in cluster ${ctx.cluster} (${ctx.region})`;
    const mesh: AlertingRule[] = [
        alert(ctx, {
            name: "ServiceMeshHighErrorRate",
            expr: `${errorRatio(`destination_service_name!=""`, SERVICE)} > ${t.meshErrorRatio}`,
            for: t.meshErrorFor,
            severity: "critical",
            team: "platform",
            summary: `High error rate detected for {{ $labels.destination_service_name }} ${where}`,
            description: "Error rate is {{ $value | humanizePercentage }} over the last 5 minutes",
        }),
        alert(ctx, {
            name: "PaymentServiceHighErrorRate",
            expr: `${errorRatio(`destination_service_name="${PAYMENT_SERVICE}"`, SERVICE)} > ${t.paymentErrorRatio}`,
            for: t.paymentErrorFor,
            severity: "critical",
            team: "payments",
            summary: `Payment service error rate above 1% ${where}`,
            description: "Error rate is {{ $value | humanizePercentage }} over the last 5 minutes",
        }),
        alert(ctx, {
            name: "ExamServiceSlowResponse",
            expr: `${p95(`destination_service_name="${EXAM_SERVICE}"`, "destination_service_namespace")} > ${t.examP95Ms}`,
            for: t.examSlowFor,
            severity: "warning",
            team: "backend",
            summary: `Exam service is responding slowly ${where}`,
            description: '95th percentile latency is {{ $value | printf "%.0f" }}ms',
        }),
        alert(ctx, {
            name: "ServiceHighLatencyP95",
            expr: `${p95("", SERVICE)} > ${t.p95LatencyMs}`,
            for: t.p95LatencyFor,
            severity: "warning",
            team: "platform",
            summary: `P95 latency above 500ms for {{ $labels.destination_service_name }} ${where}`,
            description: '95th percentile latency is {{ $value | printf "%.0f" }}ms',
        }),
    ];
    const controlPlane: AlertingRule[] = [
        alert(ctx, {
            name: "IstioControlPlaneDown",
            // absent(... == 1) fires both when every istiod target is down and when none is discovered.
            expr: `absent(up{job=~"istiod.*"} == 1)`,
            for: t.controlPlaneDownFor,
            severity: "critical",
            team: "platform",
            summary: `Service mesh control plane (istiod) is down ${where}`,
            description:
                "No istiod instance has been scrapeable for over a minute; new config and certificates are not being served",
        }),
        alert(ctx, {
            name: "MeshConfigurationChanged",
            expr: `sum by (type) (increase(pilot_k8s_cfg_events{event=~"add|update|delete"}[10m])) > 0`,
            for: t.configChangeFor,
            severity: "info",
            team: "platform",
            summary: `Istio {{ $labels.type }} configuration changed ${where}`,
            description:
                "Mesh configuration objects were added, updated or deleted in the last 10 minutes",
        }),
    ];
    const certificates: AlertingRule[] = [
        alert(ctx, {
            name: "MeshCACertificateExpiring",
            expr: `(min(citadel_server_root_cert_expiry_timestamp) - time()) < ${t.caExpiryDays * DAY}\nor\n(min(citadel_server_cert_chain_expiry_timestamp) - time()) < ${t.caExpiryDays * DAY}`,
            for: t.certExpiryFor,
            severity: "warning",
            team: "platform",
            summary: `Mesh CA certificate expires in less than ${t.caExpiryDays} days ${where}`,
            description:
                "The Istio root or intermediate CA expires in {{ $value | humanizeDuration }}; rotate it (mesh.caGenerations)",
        }),
        alert(ctx, {
            name: "CertificateExpiringSoon",
            expr: `(certmanager_certificate_expiration_timestamp_seconds - time()) < ${t.certExpiryDays * DAY}`,
            for: t.certExpiryFor,
            severity: "warning",
            team: "platform",
            summary: `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than ${t.certExpiryDays} days ${where}`,
            description:
                "It expires in {{ $value | humanizeDuration }} although cert-manager renews 30 days ahead: check the issuer and the DNS-01 solver",
        }),
    ];
    const workloads: AlertingRule[] = [
        alert(ctx, {
            name: "PodRestartRateIncreased",
            // increase() extrapolates to the window edges (3 restarts can read 3.2); floor() keeps the threshold a
            // whole number of restarts: more than 3 restarts within 15 minutes fires, 3 does not.
            expr: `floor(increase(kube_pod_container_status_restarts_total[15m])) > ${t.podRestartsPer15m}`,
            for: t.podRestartFor,
            severity: "warning",
            team: "platform",
            summary: `Pod {{ $labels.namespace }}/{{ $labels.pod }} is restarting often ${where}`,
            description:
                "Container {{ $labels.container }} restarted {{ $value | humanize }} times in 15 minutes",
        }),
    ];
    return [
        { name: "edtech-service-mesh", interval: "30s", rules: mesh },
        { name: "mesh-control-plane", interval: "30s", rules: controlPlane },
        { name: "certificates", interval: "1m", rules: certificates },
        { name: "workloads", interval: "1m", rules: workloads },
    ];
}
