/** Shapes of Prometheus rule files (the `groups` of a rule file and of a PrometheusRule's spec). */

export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    /** How long the condition must hold before the alert fires. */
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
    readonly labels?: Readonly<Record<string, string>>;
}

export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
    readonly name: string;
    /** Evaluation interval of the group. */
    readonly interval: string;
    readonly rules: readonly Rule[];
}

/** A service with its own critical error-rate threshold (the guide: payment 1 %, the exam services). */
export interface ServiceErrorRate {
    /** `destination_service_name` of the service (a Kubernetes Service name). */
    readonly service: string;
    /**
     * `destination_service_namespace`; restricts the alert to one namespace.
     * @default any namespace
     */
    readonly namespace?: string;
    /** Share of 5xx responses (percent, e.g. 1 for 1 %) above which the alert fires. */
    readonly maxErrorPercent: number;
    /** `team` label of the alert (routing and ownership). */
    readonly team: string;
}

/** How old the last successful Velero backup of a schedule may be before it pages. */
export interface BackupMaxAge {
    /** Regex (RE2, fully anchored by Prometheus) over the `schedule` label, e.g. `.*assessment.*`. */
    readonly schedule: string;
    /** Minutes since the last successful backup above which the alert fires (the schedule's RPO). */
    readonly maxAgeMinutes: number;
    /** Human name in the summary (`exams`, `daily`). */
    readonly what: string;
}

/** Where the rules are evaluated: every alert carries these as `cluster` and `region` labels. */
export interface RuleContext {
    /** The cluster's short name (`singapore`). */
    readonly cluster: string;
    /** The cloud region id (`ap-southeast-1`). */
    readonly region: string;
    /**
     * Services with their own critical error-rate alert.
     * @default DEFAULT_SERVICE_ERROR_RATES (payment-service 1 %, exam-service 2 %)
     */
    readonly serviceErrorRates?: readonly ServiceErrorRate[];
    /**
     * Requests per second (per service, over 5 minutes) below which no error-rate alert fires: a
     * single failed request of an idle service is not an outage.
     * @default DEFAULT_MIN_REQUESTS_PER_SECOND (0.1, i.e. 30 requests in 5 minutes)
     */
    readonly minRequestsPerSecond?: number;
    /**
     * Backup age limits per Velero schedule.
     * @default DEFAULT_BACKUP_MAX_AGE (assessment 60 min, daily 25 h)
     */
    readonly backupMaxAge?: readonly BackupMaxAge[];
}

export type Severity = "critical" | "warning" | "info";

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return (rule as AlertingRule).alert !== undefined;
}
