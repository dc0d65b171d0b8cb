import { strict as assert } from "assert";
import { parse } from "yaml";
import { validateManifest } from "../support/esm";
import { testConfig } from "../support/fixtures";
import { alertingAdvisories, observabilityArgs } from "../../platform/addons";
import {
    certManagerServiceMonitor,
    envoyPodMonitor,
    istiodServiceMonitor,
    prometheusRule,
    scrapeMonitors,
} from "../../components/observability/monitors";
import { isAlertingRule, renderRuleFile, ruleGroups } from "../../components/observability/rules";
import { alertmanagerConfig, receiverPresence } from "../../components/observability/alertmanager";
import { goldenSignalsDashboard } from "../../components/observability/dashboards/golden-signals";
import {
    PrometheusStackInputs,
    prometheusStackValues,
} from "../../components/observability/metrics";
import type { PlatformConfig } from "../../config";

const CTX = { cluster: "tokyo", region: "ap-northeast-1" };

describe("observability: prometheus-operator resources", () => {
    it("the PrometheusRule and every monitor pass the upstream schema", async () => {
        for (const m of [prometheusRule(CTX), ...scrapeMonitors()])
            await validateManifest("prometheus-operator", m);
    });

    it("a wrong field fails the upstream schema", async () => {
        const rule = prometheusRule(CTX);
        const groups = rule.spec.groups as { name: string; rules: Record<string, unknown>[] }[];
        const badFor = {
            ...rule,
            spec: {
                groups: [{ ...groups[0], rules: [{ ...groups[0].rules[0], for: "2 minutes" }] }],
            },
        };
        await assert.rejects(
            validateManifest("prometheus-operator", badFor),
            /for must match pattern/,
        );
        const noName = { ...rule, spec: { groups: [{ rules: groups[0].rules }] } };
        await assert.rejects(
            validateManifest("prometheus-operator", noName),
            /must have required property name/,
        );
        const sm = istiodServiceMonitor();
        const badPort = { ...sm, spec: { ...sm.spec, endpoints: [{ port: 15014 }] } };
        await assert.rejects(
            validateManifest("prometheus-operator", badPort),
            /port must be string/,
        );
    });

    it("the PrometheusRule embeds exactly the promtool-checked rule groups, every alert labelled with cluster and region", () => {
        const spec = prometheusRule(CTX).spec as { groups: unknown[] };
        assert.deepEqual(spec.groups, parse(renderRuleFile(ruleGroups(CTX))).groups);
        const alerts = ruleGroups(CTX)
            .flatMap((g) => g.rules)
            .filter(isAlertingRule);
        assert.deepEqual(alerts.map((a) => a.alert).sort(), [
            "CertificateExpiringSoon",
            "CriticalServiceHighErrorRate",
            "CriticalServiceHighErrorRate",
            "DatabaseConnectivityLost",
            "ExamServiceSlowResponse",
            "IstioControlPlaneDown",
            "MeshCACertificateExpiring",
            "MeshConfigurationChanged",
            "PodRestartRateIncreased",
            "ServiceHighLatencyP95",
            "ServiceMeshHighErrorRate",
            "VeleroBackupFailed",
            "VeleroBackupTooOld",
            "VeleroBackupTooOld",
            "WorkloadRolledOut",
        ]);
        for (const a of alerts) {
            assert.equal(a.labels.cluster, "tokyo", a.alert);
            assert.equal(a.labels.region, "ap-northeast-1", a.alert);
            assert.ok(["critical", "warning", "info"].includes(a.labels.severity), a.alert);
        }
        const sev = Object.fromEntries(alerts.map((a) => [a.alert, a.labels.severity]));
        assert.equal(sev.ServiceMeshHighErrorRate, "critical");
        assert.equal(sev.CriticalServiceHighErrorRate, "critical");
        assert.equal(sev.IstioControlPlaneDown, "critical");
        assert.equal(sev.ServiceHighLatencyP95, "warning");
        assert.equal(sev.CertificateExpiringSoon, "warning");
        assert.equal(sev.PodRestartRateIncreased, "warning");
        assert.equal(sev.MeshConfigurationChanged, "info");
    });

    it("scrapes istiod, every Envoy (sidecars and gateways) and cert-manager", () => {
        assert.deepEqual(istiodServiceMonitor().spec, {
            namespaceSelector: { matchNames: ["istio-system"] },
            selector: { matchLabels: { app: "istiod" } },
            endpoints: [{ port: "http-monitoring", interval: "15s" }],
        });
        const envoy = envoyPodMonitor().spec as {
            namespaceSelector: unknown;
            podMetricsEndpoints: { relabelings: any[] }[];
        };
        assert.deepEqual(envoy.namespaceSelector, { any: true });
        const relabel = envoy.podMetricsEndpoints[0].relabelings;
        assert.deepEqual(relabel[0], {
            action: "keep",
            sourceLabels: ["__meta_kubernetes_pod_container_name"],
            regex: "istio-proxy",
        });
        // Prometheus anchors relabel regexes: apply them the same way to the merged-metrics port annotation.
        const address = (port: string, ip: string) => {
            let out: string | undefined;
            for (const r of relabel.filter((x) => x.targetLabel === "__address__")) {
                const m = new RegExp(`^(?:${r.regex})$`).exec(`${port};${ip}`);
                if (m)
                    out = r.replacement.replace(/\$(\d)/g, (_: string, i: string) => m[Number(i)]);
            }
            return out;
        };
        assert.equal(address("15020", "10.20.3.4"), "10.20.3.4:15020");
        assert.equal(address("15020", "fd00:10:20::5"), "[fd00:10:20::5]:15020");
        assert.deepEqual(relabel.find((x) => x.targetLabel === "__metrics_path__").sourceLabels, [
            "__meta_kubernetes_pod_annotation_prometheus_io_path",
        ]);
        const cm = certManagerServiceMonitor().spec as {
            namespaceSelector: unknown;
            endpoints: unknown;
        };
        assert.deepEqual(cm.namespaceSelector, { matchNames: ["cert-manager"] });
        assert.deepEqual(cm.endpoints, [{ port: "http-metrics", interval: "60s" }]);
    });
});

describe("observability: Alertmanager routing", () => {
    const alerting = {
        emailTo: "alerts@example.com",
        emailFrom: "am@example.com",
        smtpSmarthost: "smtp.example.com:587",
    };
    const withAll = {
        ...alerting,
        pagerRoutingKey: {} as never,
        chatWebhookUrl: {} as never,
        heartbeatUrl: {} as never,
    };

    it("routes critical to the pager, warning to chat and info to email, with credentials read from mounted files", () => {
        const presence = receiverPresence(withAll);
        assert.deepEqual(presence, { pager: true, chat: true, smtpAuth: false, heartbeat: true });
        const c = alertmanagerConfig(withAll, presence) as any;
        const routes = c.route.routes.map((r: any) => [r.receiver, r.matchers[0]]);
        assert.deepEqual(routes, [
            ["heartbeat", 'alertname = "Watchdog"'],
            ["null", 'alertname = "InfoInhibitor"'],
            ["pager", 'severity = "critical"'],
            ["chat", 'severity = "warning"'],
            ["email", 'severity = "info"'],
        ]);
        const byName = Object.fromEntries(c.receivers.map((r: any) => [r.name, r]));
        assert.equal(
            byName.pager.pagerduty_configs[0].routing_key_file,
            "/etc/alertmanager/secrets/alertmanager-receivers/pagerduty-routing-key",
        );
        assert.equal(byName.pager.pagerduty_configs[0].routing_key, undefined);
        assert.equal(
            byName.chat.slack_configs[0].api_url_file,
            "/etc/alertmanager/secrets/alertmanager-receivers/chat-webhook-url",
        );
        assert.equal(byName.chat.slack_configs[0].api_url, undefined);
        // the dead man's switch: Watchdog re-sent every minute to the heartbeat URL read from a file
        assert.deepEqual(byName.heartbeat.webhook_configs, [
            {
                url_file: "/etc/alertmanager/secrets/alertmanager-receivers/heartbeat-url",
                send_resolved: false,
            },
        ]);
        const watchdog = c.route.routes[0];
        assert.equal(watchdog.repeat_interval, "1m");
        assert.equal(watchdog.group_interval, "1m");
        assert.equal(watchdog.group_wait, "0s");
        assert.deepEqual(byName.email.email_configs, [
            { to: "alerts@example.com", send_resolved: true },
        ]);
        assert.equal(c.global.smtp_smarthost, "smtp.example.com:587");
        assert.equal(c.global.smtp_require_tls, true);
        assert.equal(c.global.smtp_auth_username, undefined);
        assert.deepEqual(alertingAdvisories(withAll), []);
    });

    it("authenticates to the SMTP relay with a password read from the mounted Secret, never inline", () => {
        const withSmtp = { ...alerting, smtpUsername: "AKIASMTPUSER", smtpPassword: {} as never };
        const presence = receiverPresence(withSmtp);
        assert.deepEqual(presence, {
            pager: false,
            chat: false,
            smtpAuth: true,
            heartbeat: false,
        });
        const c = alertmanagerConfig(withSmtp, presence) as any;
        assert.equal(c.global.smtp_auth_username, "AKIASMTPUSER");
        assert.equal(
            c.global.smtp_auth_password_file,
            "/etc/alertmanager/secrets/alertmanager-receivers/smtp-password",
        );
        assert.equal(c.global.smtp_auth_password, undefined);
    });

    it("leaves out receivers without secret config, with an advisory, and their severities fall back to email", () => {
        const presence = receiverPresence(alerting);
        const c = alertmanagerConfig(alerting, presence) as any;
        assert.deepEqual(
            c.receivers.map((r: any) => r.name),
            ["null", "email"],
        );
        assert.equal(c.route.receiver, "email");
        assert.deepEqual(
            c.route.routes.map((r: any) => r.receiver),
            ["null", "null", "email"],
        );
        const advice = alertingAdvisories(alerting);
        assert.equal(advice.length, 3);
        assert.match(advice[0], /pulumi config set --secret mesh-platform:alertingPagerKey/);
        assert.match(advice[1], /pulumi config set --secret mesh-platform:alertingChatWebhook/);
        assert.match(
            advice[2],
            /alerting.heartbeatUrl.*pulumi config set --secret mesh-platform:alertingHeartbeatSecret/,
        );
    });
});

/** prometheusStackValues' inputs for `cfg` as the composition maps it, plus where the values are for. */
function stackInputs(
    cfg: PlatformConfig,
    where: Pick<PrometheusStackInputs, "cluster" | "cloud" | "region" | "receivers">,
): PrometheusStackInputs {
    const m = observabilityArgs(cfg, {} as never).metrics;
    return {
        ...where,
        retentionDays: m.retentionDays,
        storageGiB: m.storageGiB,
        replicas: m.replicas!,
        alerting: m.alerting,
    };
}

describe("observability: kube-prometheus-stack values", () => {
    it("keeps metrics for the profile's retention on a volume of the profile's size, labelled with cluster and region", () => {
        for (const [env, days, gib, replicas] of [
            ["prod", 30, 200, 2],
            ["staging", 30, 50, 2],
            ["dev", 30, 20, 1],
        ] as const) {
            const cfg = testConfig({
                environment: env,
                ...(env === "prod"
                    ? {}
                    : {
                          kubernetes: {
                              adminRoleArn: "arn:aws:iam::111122223333:role/platform-admin",
                          },
                      }),
            });
            const v = prometheusStackValues(
                stackInputs(cfg, {
                    cluster: "singapore",
                    cloud: "aws",
                    region: "ap-southeast-1",
                    receivers: { pager: false, chat: false, smtpAuth: false, heartbeat: false },
                }),
            ) as any;
            const spec = v.prometheus.prometheusSpec;
            assert.equal(spec.retention, `${days}d`, env);
            assert.equal(
                spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage,
                `${gib}Gi`,
                env,
            );
            assert.equal(spec.retentionSize, `${Math.floor(gib * 0.9)}GB`, env);
            assert.equal(spec.replicas, replicas, env);
            assert.deepEqual(spec.externalLabels, {
                cluster: "singapore",
                region: "ap-southeast-1",
            });
            assert.equal(spec.ruleSelectorNilUsesHelmValues, false);
            assert.equal(spec.podMonitorSelectorNilUsesHelmValues, false);
            assert.deepEqual(v.alertmanager.alertmanagerSpec.secrets, []);
            assert.deepEqual(v.grafana.sidecar.dashboards, {
                enabled: true,
                label: "grafana_dashboard",
                labelValue: "1",
                searchNamespace: "ALL",
            });
        }
        const cfg = testConfig({
            observability: { metricsRetentionDays: 45, prometheusStorageGiB: 300 },
        });
        const v = prometheusStackValues(
            stackInputs(cfg, {
                cluster: "tokyo",
                cloud: "aws",
                region: "ap-northeast-1",
                receivers: { pager: true, chat: false, smtpAuth: false, heartbeat: false },
            }),
        ) as any;
        assert.equal(v.prometheus.prometheusSpec.retention, "45d");
        assert.equal(
            v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests
                .storage,
            "300Gi",
        );
        assert.deepEqual(v.alertmanager.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
    });

    it("mounts the receivers Secret whenever the config names a file in it, SMTP password alone included", () => {
        const cfg = testConfig();
        const none = { pager: false, chat: false, smtpAuth: false, heartbeat: false };
        for (const receivers of [
            { ...none, pager: true },
            { ...none, chat: true },
            { ...none, smtpAuth: true },
        ]) {
            const v = prometheusStackValues(
                stackInputs(cfg, {
                    cluster: "singapore",
                    cloud: "aws",
                    region: "ap-southeast-1",
                    receivers,
                }),
            ) as any;
            const files =
                JSON.stringify(v.alertmanager.config).match(
                    /\/etc\/alertmanager\/secrets\/[^/"]+/g,
                ) ?? [];
            assert.ok(files.length > 0, JSON.stringify(receivers));
            for (const f of files) {
                assert.deepEqual(
                    v.alertmanager.alertmanagerSpec.secrets,
                    [f.split("/")[4]],
                    `${JSON.stringify(receivers)}: ${f} is mounted`,
                );
            }
        }
    });

    it("scrapes the DNS and proxy components each cloud runs: kube-dns and no kube-proxy on GKE, CoreDNS and kube-proxy on EKS", () => {
        const cfg = testConfig();
        const receivers = { pager: false, chat: false, smtpAuth: false, heartbeat: false };
        const gke = prometheusStackValues(
            stackInputs(cfg, {
                cluster: "singapore",
                cloud: "gcp",
                region: "asia-southeast1",
                receivers,
            }),
        ) as any;
        assert.deepEqual(
            [gke.kubeProxy, gke.coreDns, gke.kubeDns],
            [{ enabled: false }, { enabled: false }, { enabled: true }],
        );
        const eks = prometheusStackValues(
            stackInputs(cfg, {
                cluster: "singapore",
                cloud: "aws",
                region: "ap-southeast-1",
                receivers,
            }),
        ) as any;
        assert.deepEqual(
            [eks.kubeProxy, eks.coreDns, eks.kubeDns],
            [{ enabled: true }, { enabled: true }, { enabled: false }],
        );
    });
});

describe("observability: golden-signals dashboard", () => {
    it("shows rate, errors and latency per service and per cluster", () => {
        const d = goldenSignalsDashboard() as any;
        assert.equal(d.uid, "istio-golden-signals");
        assert.deepEqual(
            d.panels.map((p: any) => p.title),
            ["Request rate", "Error rate (5xx share)", "Latency"],
        );
        for (const p of d.panels) {
            for (const t of p.targets) {
                assert.match(
                    t.expr,
                    /sum by \(destination_cluster, destination_service_namespace, destination_service_name(, le)?\)/,
                    p.title,
                );
                assert.match(t.expr, /reporter="source"/);
            }
        }
        assert.match(d.panels[1].targets[0].expr, /response_code=~"5\.\."/);
        assert.deepEqual(
            d.panels[2].targets.map((t: any) => /histogram_quantile\(([\d.]+)/.exec(t.expr)![1]),
            ["0.5", "0.95", "0.99"],
        );
        assert.deepEqual(
            d.templating.list.map((v: any) => v.name),
            ["datasource", "cluster", "namespace", "service"],
        );
    });
});
