import { strict as assert } from "assert";
import { runStack } from "../harness";
import { validRawConfig } from "../support/fixtures";

describe("observability: alerting credentials in a whole program", () => {
    it("puts the SMTP password, pager key and webhook only into the receivers Secret, as Pulumi secrets", async () => {
        const raw = {
            ...validRawConfig(),
            alerting: { ...(validRawConfig().alerting as Record<string, unknown>), smtpUsername: "AKIASMTPUSER" },
            alertingSmtpPassword: "smtp-password-value",
            alertingPagerKey: "pager-routing-key-value",
            alertingChatWebhook: "https://hooks.example.com/services/T000/B000/webhook-value",
        };
        const run = await runStack("smtp", raw, ["alertingSmtpPassword", "alertingPagerKey", "alertingChatWebhook"]);
        const secrets = run.ofType("kubernetes:core/v1:Secret").filter((r) => (r.inputs.metadata as { name?: string }).name === "alertmanager-receivers");
        assert.equal(secrets.length, 2, "one receivers Secret per cluster");
        for (const s of secrets) {
            assert.deepEqual(s.plainInputs.stringData, {
                "chat-webhook-url": "https://hooks.example.com/services/T000/B000/webhook-value",
                "pagerduty-routing-key": "pager-routing-key-value",
                "smtp-password": "smtp-password-value",
            });
            assert.equal(s.inputs.stringData, "[secret]");
        }
        const everywhereElse = JSON.stringify(run.resources.filter((r) => !secrets.includes(r)).map((r) => r.plainInputs));
        for (const value of ["smtp-password-value", "pager-routing-key-value", "webhook-value"]) {
            assert.ok(!everywhereElse.includes(value), `${value} appears outside the receivers Secret`);
        }
        const release = run.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack")!;
        const global = (release.plainInputs.values as any).alertmanager.config.global;
        assert.equal(global.smtp_auth_username, "AKIASMTPUSER");
        assert.equal(global.smtp_auth_password_file, "/etc/alertmanager/secrets/alertmanager-receivers/smtp-password");
    });
});
