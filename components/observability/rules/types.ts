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

/** Where the rules are evaluated: every alert carries these as `cluster` and `region` labels. */
export interface RuleContext {
    /** The cluster's short name (`singapore`). */
    readonly cluster: string;
    /** The cloud region id (`ap-southeast-1`). */
    readonly region: string;
}

export type Severity = "critical" | "warning" | "info";

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return (rule as AlertingRule).alert !== undefined;
}
