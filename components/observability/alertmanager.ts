/**
 * Alertmanager routing from the guide's alerting framework: critical -> pager (PagerDuty), warning ->
 * chat (Slack-compatible webhook), info -> email. Credentials never enter Helm values: they live in a
 * Kubernetes Secret that the Alertmanager pods mount, and the config names the files
 * (`routing_key_file`, `api_url_file`).
 *
 * SMTP AUTH (e.g. Amazon SES) uses `alerting.smtpUsername` and the secret `alertingSmtpPassword`, read
 * from the same Secret through `smtp_auth_password_file`.
 *
 * Advisory: a receiver whose secret config is missing (`alertingPagerKey`, `alertingChatWebhook`) is
 * left out, and its severity falls through to the default email receiver, so nothing is dropped.
 */
import type { AlertingConfig } from "../../config";

/** Name of the Secret holding receiver credentials (mounted at /etc/alertmanager/secrets/<name>/). */
export const RECEIVER_SECRET_NAME = "alertmanager-receivers";
export const PAGER_KEY_FILE = "pagerduty-routing-key";
export const CHAT_URL_FILE = "chat-webhook-url";
export const SMTP_PASSWORD_FILE = "smtp-password";
const secretPath = (file: string) => `/etc/alertmanager/secrets/${RECEIVER_SECRET_NAME}/${file}`;

export interface ReceiverPresence {
    readonly pager: boolean;
    readonly chat: boolean;
    readonly smtpAuth: boolean;
}

export function receiverPresence(alerting: AlertingConfig): ReceiverPresence {
    return {
        pager: alerting.pagerRoutingKey !== undefined,
        chat: alerting.chatWebhookUrl !== undefined,
        smtpAuth: alerting.smtpPassword !== undefined && alerting.smtpUsername !== undefined,
    };
}

/**
 * Whether the receivers Secret exists: any credential read from a file (pager key, chat webhook, SMTP
 * password). The same answer decides whether Alertmanager mounts it, so no config names an unmounted file.
 */
export function needsReceiverSecret(presence: ReceiverPresence): boolean {
    return presence.pager || presence.chat || presence.smtpAuth;
}

/** Messages naming what is missing; empty when every receiver is configured. */
export function receiverAdvisories(presence: ReceiverPresence): string[] {
    const out: string[] = [];
    if (!presence.pager) {
        out.push("alerting: no pager receiver (set it with `pulumi config set --secret mesh-platform:alertingPagerKey <PagerDuty routing key>`); critical alerts go to email until then");
    }
    if (!presence.chat) {
        out.push("alerting: no chat receiver (set it with `pulumi config set --secret mesh-platform:alertingChatWebhook <https://hooks.slack.com/...>`); warning alerts go to email until then");
    }
    return out;
}

/** The Alertmanager configuration (kube-prometheus-stack `alertmanager.config`). */
export function alertmanagerConfig(alerting: AlertingConfig, presence: ReceiverPresence): Record<string, unknown> {
    const receivers: Record<string, unknown>[] = [
        { name: "null" },
        { name: "email", email_configs: [{ to: alerting.emailTo, send_resolved: true }] },
    ];
    const routes: Record<string, unknown>[] = [
        // kube-prometheus-stack's always-firing heartbeat and inhibitor helpers are not for humans.
        { receiver: "null", matchers: ['alertname = "Watchdog"'] },
        { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
    ];
    if (presence.pager) {
        receivers.push({
            name: "pager",
            pagerduty_configs: [{
                routing_key_file: secretPath(PAGER_KEY_FILE),
                severity: "critical",
                send_resolved: true,
                description: '[{{ .CommonLabels.cluster }}] {{ .CommonAnnotations.summary }}',
            }],
        });
        routes.push({ receiver: "pager", matchers: ['severity = "critical"'], group_wait: "10s", repeat_interval: "1h" });
    }
    if (presence.chat) {
        receivers.push({
            name: "chat",
            slack_configs: [{
                api_url_file: secretPath(CHAT_URL_FILE),
                send_resolved: true,
                title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }}, {{ .CommonLabels.region }})',
                text: '{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}',
            }],
        });
        routes.push({ receiver: "chat", matchers: ['severity = "warning"'], repeat_interval: "4h" });
    }
    routes.push({ receiver: "email", matchers: ['severity = "info"'], repeat_interval: "24h" });
    return {
        global: {
            resolve_timeout: "5m",
            smtp_smarthost: alerting.smtpSmarthost,
            smtp_from: alerting.emailFrom,
            smtp_require_tls: true,
            ...(presence.smtpAuth ? { smtp_auth_username: alerting.smtpUsername, smtp_auth_password_file: secretPath(SMTP_PASSWORD_FILE) } : {}),
        },
        route: {
            receiver: "email",
            group_by: ["alertname", "cluster", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "12h",
            routes,
        },
        inhibit_rules: [
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["alertname", "cluster", "namespace"] },
            { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["alertname", "cluster", "namespace"] },
        ],
        receivers,
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}
