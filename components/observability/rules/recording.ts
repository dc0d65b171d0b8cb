/**
 * Recording rules: the guide's EdTech metrics pre-aggregated for dashboards and SLO queries, and the
 * mesh golden signals per service and cluster.
 *
 * The guide lists the EdTech metrics with their labels; two of those labels are corrected here:
 * `learning_path_progress` carried `user_id` (one series per student: unbounded cardinality) and
 * `completion_percentage` (a value, not a label). The applications export the progress percentage as
 * the sample value; the recording rules aggregate `user_id` away, so only per-course series are kept.
 * Histograms follow Prometheus naming (`_seconds`).
 */
import type { RecordingRule, RuleGroup } from "./types";

const rec = (record: string, expr: string): RecordingRule => ({ record, expr });

export function recordingGroups(): RuleGroup[] {
    const edtech: RecordingRule[] = [
        rec(
            "edtech:exam_completion_time_seconds:p95_5m",
            "histogram_quantile(0.95, sum by (exam_type, subject, le) (rate(exam_completion_time_seconds_bucket[5m])))",
        ),
        rec(
            "edtech:exam_completion_time_seconds:avg_5m",
            "sum by (exam_type, user_tier, subject) (rate(exam_completion_time_seconds_sum[5m]))\n/\nsum by (exam_type, user_tier, subject) (rate(exam_completion_time_seconds_count[5m]))",
        ),
        rec(
            "edtech:question_response_time_seconds:p95_5m",
            "histogram_quantile(0.95, sum by (question_type, difficulty_level, le) (rate(question_response_time_seconds_bucket[5m])))",
        ),
        rec(
            "edtech:learning_path_progress:avg_by_course",
            "avg by (course_id) (learning_path_progress)",
        ),
        rec(
            "edtech:subscription_conversion_rate:avg",
            "avg by (trial_length, user_segment) (subscription_conversion_rate)",
        ),
        rec(
            "edtech:content_engagement_score:avg",
            "avg by (content_type, subject, difficulty) (content_engagement_score)",
        ),
        rec(
            "edtech:platform_daily_active_users:sum",
            "sum by (user_tier, geographic_region) (platform_daily_active_users)",
        ),
    ];
    const by = "destination_cluster, destination_service_namespace, destination_service_name";
    const golden: RecordingRule[] = [
        rec(
            "mesh:istio_requests:rate5m",
            `sum by (${by}) (rate(istio_requests_total{reporter="source"}[5m]))`,
        ),
        rec(
            "mesh:istio_requests_errors:ratio_rate5m",
            `sum by (${by}) (rate(istio_requests_total{reporter="source", response_code=~"5.."}[5m]))\n/\nsum by (${by}) (rate(istio_requests_total{reporter="source"}[5m]))`,
        ),
        rec(
            "mesh:istio_request_duration_milliseconds:p95_5m",
            `histogram_quantile(0.95, sum by (${by}, le) (rate(istio_request_duration_milliseconds_bucket{reporter="source"}[5m])))`,
        ),
    ];
    return [
        { name: "edtech-business-metrics", interval: "1m", rules: edtech },
        { name: "mesh-golden-signals", interval: "30s", rules: golden },
    ];
}
