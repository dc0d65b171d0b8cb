/**
 * Alertmanager routing from the guide's alerting framework: critical -> pager (PagerDuty), warning ->
 * chat (Slack-compatible webhook), info -> email. Credentials never enter Helm values: they live in a
 * Kubernetes Secret that the Alertmanager pods mount, and the config names the files
 * (`routing_key_file`, `api_url_file`).
 *
 * SMTP AUTH (e.g. Amazon SES) uses `smtpUsername` and `smtpPassword`, the password read from the same
 * Secret through `smtp_auth_password_file`.
 *
 * Dead man's switch: kube-prometheus-stack's `Watchdog` alert always fires while Prometheus evaluates
 * rules and Alertmanager delivers. It is routed to the `heartbeat` receiver (a webhook to a heartbeat
 * service: healthchecks.io, Opsgenie or PagerDuty heartbeats), re-sent every minute. The heartbeat
 * service sits in neither region and pages when a region's pings stop: a dead Prometheus, a dead
 * Alertmanager, a broken route or a whole region gone. Each cluster pings its own check (`{cluster}`
 * in the URL is replaced by the cluster name), so the page names the silent region; the surviving
 * region's own heartbeat keeps arriving, which is how one region vouches for itself while the
 * service watches the other. The URL is a secret, read from the receivers Secret (`url_file`).
 *
 * A receiver whose credential is not given (`pagerRoutingKey`, `chatWebhookUrl`) is left out, and its
 * severity falls through to the default email receiver, so nothing is dropped.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ArgProblems, EMAIL } from "./validate";

/** Where Metrics sends alerts. Credentials are Pulumi secrets and only ever reach the receivers Secret. */
export interface AlertingArgs {
    /**
     * PagerDuty Events v2 routing key (a Pulumi secret): critical alerts page.
     * @default none: no pager receiver; critical alerts go to the email receiver.
     */
    readonly pagerRoutingKey?: pulumi.Input<string>;
    /**
     * Slack-compatible incoming webhook URL (a Pulumi secret): warning alerts are posted there.
     * @default none: no chat receiver; warning alerts go to the email receiver.
     */
    readonly chatWebhookUrl?: pulumi.Input<string>;
    /** Address the email receiver (info alerts, and every severity without its own receiver) sends to. */
    readonly emailTo: string;
    /** Sender address of alert emails. */
    readonly emailFrom: string;
    /** SMTP relay as `host:port`; Alertmanager requires TLS to it. */
    readonly smtpSmarthost: string;
    /**
     * SMTP AUTH user (e.g. an Amazon SES SMTP user); given together with `smtpPassword`.
     * @default none: no SMTP AUTH; the smarthost must accept mail from the cluster (e.g. a relay).
     */
    readonly smtpUsername?: string;
    /**
     * SMTP AUTH password (a Pulumi secret); given together with `smtpUsername`.
     * @default none: no SMTP AUTH.
     */
    readonly smtpPassword?: pulumi.Input<string>;
    /**
     * Heartbeat URL (a Pulumi secret) the always-firing `Watchdog` alert is posted to every minute;
     * `{cluster}` in it is replaced by the cluster name (one heartbeat check per region).
     * @default none: Watchdog goes nowhere and a dead alerting path pages nobody (the composition warns).
     */
    readonly heartbeatUrl?: pulumi.Input<string>;
}

/** Record every problem with `alerting` (at `path`, e.g. `args.alerting`) into `problems`. */
export function checkAlertingArgs(
    problems: ArgProblems,
    path: string,
    alerting: AlertingArgs,
): void {
    problems
        .matches(`${path}.emailTo`, alerting.emailTo, EMAIL, "an email address")
        .matches(`${path}.emailFrom`, alerting.emailFrom, EMAIL, "an email address")
        .matches(
            `${path}.smtpSmarthost`,
            alerting.smtpSmarthost,
            /^[A-Za-z0-9.-]+:\d{1,5}$/,
            "host:port",
        )
        .check(
            (alerting.smtpUsername === undefined) === (alerting.smtpPassword === undefined),
            `${path}.smtpUsername and ${path}.smtpPassword are given together (SMTP AUTH), or neither ` +
                `(got ${alerting.smtpUsername === undefined ? "only smtpPassword" : "only smtpUsername"})`,
        );
}

/** Name of the Secret holding receiver credentials (mounted at /etc/alertmanager/secrets/<name>/). */
export const RECEIVER_SECRET_NAME = "alertmanager-receivers";
export const PAGER_KEY_FILE = "pagerduty-routing-key";
export const CHAT_URL_FILE = "chat-webhook-url";
export const SMTP_PASSWORD_FILE = "smtp-password";
export const HEARTBEAT_URL_FILE = "heartbeat-url";
/** How often the Watchdog reaches the heartbeat service (heartbeat checks expect a period of a few minutes). */
export const HEARTBEAT_REPEAT = "1m";
const secretPath = (file: string) => `/etc/alertmanager/secrets/${RECEIVER_SECRET_NAME}/${file}`;

/** Which optional receivers and credentials exist (decides the config and whether the Secret exists). */
export interface ReceiverPresence {
    /** A pager routing key is given: the `pager` receiver exists. */
    readonly pager: boolean;
    /** A chat webhook URL is given: the `chat` receiver exists. */
    readonly chat: boolean;
    /** SMTP user and password are both given: Alertmanager authenticates to the smarthost. */
    readonly smtpAuth: boolean;
    /** A heartbeat URL is given: Watchdog goes to the `heartbeat` receiver. */
    readonly heartbeat: boolean;
}

export function receiverPresence(alerting: AlertingArgs): ReceiverPresence {
    return {
        pager: alerting.pagerRoutingKey !== undefined,
        chat: alerting.chatWebhookUrl !== undefined,
        smtpAuth: alerting.smtpPassword !== undefined && alerting.smtpUsername !== undefined,
        heartbeat: alerting.heartbeatUrl !== undefined,
    };
}

/**
 * Whether the receivers Secret exists: any credential read from a file (pager key, chat webhook, SMTP
 * password). The same answer decides whether Alertmanager mounts it, so no config names an unmounted file.
 */
export function needsReceiverSecret(presence: ReceiverPresence): boolean {
    return presence.pager || presence.chat || presence.smtpAuth || presence.heartbeat;
}

/** The Alertmanager configuration (kube-prometheus-stack `alertmanager.config`). */
export function alertmanagerConfig(
    alerting: AlertingArgs,
    presence: ReceiverPresence,
): Record<string, unknown> {
    const receivers: Record<string, unknown>[] = [
        { name: "null" },
        { name: "email", email_configs: [{ to: alerting.emailTo, send_resolved: true }] },
    ];
    const routes: Record<string, unknown>[] = [
        // The always-firing Watchdog is the dead man's switch: to the heartbeat service, every minute.
        presence.heartbeat
            ? {
                  receiver: "heartbeat",
                  matchers: ['alertname = "Watchdog"'],
                  group_by: ["cluster"],
                  group_wait: "0s",
                  group_interval: HEARTBEAT_REPEAT,
                  repeat_interval: HEARTBEAT_REPEAT,
              }
            : { receiver: "null", matchers: ['alertname = "Watchdog"'] },
        // kube-prometheus-stack's inhibitor helper is not for humans.
        { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
    ];
    if (presence.heartbeat) {
        receivers.push({
            name: "heartbeat",
            webhook_configs: [{ url_file: secretPath(HEARTBEAT_URL_FILE), send_resolved: false }],
        });
    }
    if (presence.pager) {
        receivers.push({
            name: "pager",
            pagerduty_configs: [
                {
                    routing_key_file: secretPath(PAGER_KEY_FILE),
                    severity: "critical",
                    send_resolved: true,
                    description: "[{{ .CommonLabels.cluster }}] {{ .CommonAnnotations.summary }}",
                },
            ],
        });
        routes.push({
            receiver: "pager",
            matchers: ['severity = "critical"'],
            group_wait: "10s",
            repeat_interval: "1h",
        });
    }
    if (presence.chat) {
        receivers.push({
            name: "chat",
            slack_configs: [
                {
                    api_url_file: secretPath(CHAT_URL_FILE),
                    send_resolved: true,
                    title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }}, {{ .CommonLabels.region }})",
                    text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}",
                },
            ],
        });
        routes.push({
            receiver: "chat",
            matchers: ['severity = "warning"'],
            repeat_interval: "4h",
        });
    }
    routes.push({ receiver: "email", matchers: ['severity = "info"'], repeat_interval: "24h" });
    return {
        global: {
            resolve_timeout: "5m",
            smtp_smarthost: alerting.smtpSmarthost,
            smtp_from: alerting.emailFrom,
            smtp_require_tls: true,
            ...(presence.smtpAuth
                ? {
                      smtp_auth_username: alerting.smtpUsername,
                      smtp_auth_password_file: secretPath(SMTP_PASSWORD_FILE),
                  }
                : {}),
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
            {
                source_matchers: ['severity = "critical"'],
                target_matchers: ['severity =~ "warning|info"'],
                equal: ["alertname", "cluster", "namespace"],
            },
            {
                source_matchers: ['severity = "warning"'],
                target_matchers: ['severity = "info"'],
                equal: ["alertname", "cluster", "namespace"],
            },
        ],
        receivers,
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}
