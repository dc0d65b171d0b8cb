import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { runDeclarations, runStack } from "../harness";
import { testCluster, validRawConfig } from "../support/fixtures";
import { parseConfig } from "../support/config";
import { Metrics } from "../../components/observability";

describe("observability: alerting credentials in a whole program", () => {
    it("puts the SMTP password, pager key and webhook only into the receivers Secret, as Pulumi secrets", async () => {
        const raw = {
            ...validRawConfig(),
            alerting: {
                ...(validRawConfig().alerting as Record<string, unknown>),
                smtpUsername: "AKIASMTPUSER",
            },
            alertingSmtpPassword: "smtp-password-value",
            alertingPagerKey: "pager-routing-key-value",
            alertingChatWebhook: "https://hooks.example.com/services/T000/B000/webhook-value",
        };
        const run = await runStack("smtp", raw, [
            "alertingSmtpPassword",
            "alertingPagerKey",
            "alertingChatWebhook",
        ]);
        const secrets = run
            .ofType("kubernetes:core/v1:Secret")
            .filter(
                (r) => (r.inputs.metadata as { name?: string }).name === "alertmanager-receivers",
            );
        assert.equal(secrets.length, 2, "one receivers Secret per cluster");
        for (const s of secrets) {
            assert.deepEqual(s.plainInputs.stringData, {
                "chat-webhook-url": "https://hooks.example.com/services/T000/B000/webhook-value",
                "pagerduty-routing-key": "pager-routing-key-value",
                "smtp-password": "smtp-password-value",
            });
            assert.equal(s.inputs.stringData, "[secret]");
        }
        const everywhereElse = JSON.stringify(
            run.resources.filter((r) => !secrets.includes(r)).map((r) => r.plainInputs),
        );
        for (const value of ["smtp-password-value", "pager-routing-key-value", "webhook-value"]) {
            assert.ok(
                !everywhereElse.includes(value),
                `${value} appears outside the receivers Secret`,
            );
        }
        const release = run
            .ofType("kubernetes:helm.sh/v3:Release")
            .find((r) => r.inputs.chart === "kube-prometheus-stack")!;
        const global = (release.plainInputs.values as any).alertmanager.config.global;
        assert.equal(global.smtp_auth_username, "AKIASMTPUSER");
        assert.equal(
            global.smtp_auth_password_file,
            "/etc/alertmanager/secrets/alertmanager-receivers/smtp-password",
        );
    });

    it("with only SMTP AUTH configured, still creates the receivers Secret and mounts it into Alertmanager", async () => {
        const raw = {
            ...validRawConfig(),
            alerting: {
                ...(validRawConfig().alerting as Record<string, unknown>),
                smtpUsername: "AKIASMTPUSER",
            },
            alertingSmtpPassword: "smtp-only",
        };
        const cfg = parseConfig("test", raw, new Set(["alertingSmtpPassword"]));
        const run = await runDeclarations(() => {
            const cluster = testCluster(cfg, "singapore");
            const namespace = new k8s.core.v1.Namespace(
                "monitoring",
                { metadata: { name: "monitoring" } },
                { provider: cluster.provider },
            );
            return new Metrics("singapore-metrics", {
                cluster,
                namespace,
                retentionDays: 30,
                storageGiB: 200,
                alerting: cfg.alerting,
            });
        });
        const secret = run.one("kubernetes:core/v1:Secret", "singapore-metrics-receivers");
        assert.deepEqual(secret.plainInputs.stringData, { "smtp-password": "smtp-only" });
        const release = run.one("kubernetes:helm.sh/v3:Release", "singapore-metrics-release");
        const am = (release.inputs.values as any).alertmanager;
        assert.equal(
            am.config.global.smtp_auth_password_file,
            "/etc/alertmanager/secrets/alertmanager-receivers/smtp-password",
        );
        assert.deepEqual(am.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
        assert.ok(release.dependencies.includes(secret.urn));
    });
});
