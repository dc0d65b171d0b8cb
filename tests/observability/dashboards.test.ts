/**
 * Dashboards as code: every panel query of the platform dashboards parses as PromQL (promtool check
 * rules over each expression wrapped as a recording rule, Grafana's $__rate_interval replaced by a
 * duration), reads only metrics the recording rules produce or the exporters expose, and every
 * dashboard lands in a ConfigMap with the label kube-prometheus-stack's Grafana sidecar watches.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import {
    CONTROL_PLANE_DASHBOARD,
    DashboardSpec,
    DR_DASHBOARD,
    EDTECH_DASHBOARD,
    PLATFORM_DASHBOARDS,
    renderDashboard,
} from "../../components/observability/dashboards/catalog";
import { isAlertingRule, ruleGroups } from "../../components/observability/rules";
import { prometheusStackValues } from "../../components/observability/metrics";
import { runStack } from "../harness";
import { CTX } from "./promtool-cases";

/** Grafana's macros as promtool would see them after Grafana's substitution. */
const grafanaToPromql = (expr: string) => expr.replace(/\$__rate_interval/g, "5m");

function promtool(): string | undefined {
    const r = spawnSync("promtool", ["--version"], { encoding: "utf8" });
    return r.status === 0 ? "promtool" : undefined;
}

function check(exprs: { name: string; expr: string }[]): { status: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dash-"));
    try {
        const file = path.join(dir, "rules.yaml");
        fs.writeFileSync(
            file,
            stringify({
                groups: [
                    {
                        name: "dashboards",
                        rules: exprs.map((e, i) => ({
                            record: `dashboard:query_${i}`,
                            expr: grafanaToPromql(e.expr),
                        })),
                    },
                ],
            }),
        );
        const r = spawnSync("promtool", ["check", "rules", file], {
            encoding: "utf8",
            timeout: 30000,
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The PromQL of a dashboard's Prometheus panels (cloud panels query CloudWatch / Cloud Monitoring). */
const promExprs = (d: DashboardSpec) =>
    d.panels.flatMap((p) =>
        p.source === "prometheus"
            ? p.targets.map((t) => ({ name: `${d.uid}/${p.title}`, expr: t.expr }))
            : [],
    );
const allExprs = () => PLATFORM_DASHBOARDS.flatMap(promExprs);

describe("observability: platform dashboards", function () {
    this.timeout(120000);

    it("every panel query parses with promtool", function () {
        if (!promtool()) {
            if (process.env.CI === "true") throw new Error("promtool not found (CI=true: failing)");
            console.warn("\n  !!! promtool NOT FOUND: dashboard PromQL NOT checked\n");
            this.skip();
        }
        const exprs = allExprs();
        assert.ok(exprs.length >= 12);
        const r = check(exprs);
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    });

    it("the check can fail: a broken query is refused", function () {
        if (!promtool()) this.skip();
        const r = check([{ name: "broken", expr: "sum by (cluster (rate(x[5m]))" }]);
        assert.notEqual(r.status, 0);
    });

    it("the EdTech dashboard reads the recording rules' series (kept a year in Thanos)", () => {
        const records = new Set(
            ruleGroups(CTX)
                .flatMap((g) => g.rules)
                .filter((r) => !isAlertingRule(r))
                .map((r) => (r as { record: string }).record),
        );
        const used = promExprs(EDTECH_DASHBOARD).flatMap(
            (t) => t.expr.match(/edtech:[a-z_:0-9]+/g) ?? [],
        );
        assert.ok(used.length >= 5);
        for (const u of used) assert.ok(records.has(u), `${u} is not a recording rule`);
        for (const metric of [
            "exam_completion_time",
            "question_response_time",
            "daily_active_users",
            "conversion",
        ])
            assert.ok(
                used.some((u) => u.includes(metric)),
                `no panel for ${metric}`,
            );
    });

    it("the control-plane dashboard uses pilot_* and the DR dashboard the Velero backup age", () => {
        const exprs = (d: DashboardSpec) => promExprs(d).map((t) => t.expr);
        assert.ok(
            PLATFORM_DASHBOARDS.every((d) => d.panels.every((p) => p.source === "prometheus")),
            "the dashboards as written query Prometheus only (cloud panels come from drDashboard)",
        );
        assert.ok(exprs(CONTROL_PLANE_DASHBOARD).every((e) => /\bpilot_[a-z_]+/.test(e)));
        assert.ok(
            exprs(DR_DASHBOARD).some((e) =>
                /time\(\) - max by \([^)]*\) \(velero_backup_last_successful_timestamp/.test(e),
            ),
        );
    });

    it("every dashboard is a valid Grafana model with unique uid and panel ids", () => {
        const uids = PLATFORM_DASHBOARDS.map((d) => d.uid);
        assert.equal(new Set(uids).size, uids.length);
        for (const d of PLATFORM_DASHBOARDS) {
            const j = renderDashboard(d) as {
                uid: string;
                panels: { id: number; targets: unknown[] }[];
            };
            assert.equal(j.uid, d.uid);
            const ids = j.panels.map((p) => p.id);
            assert.equal(new Set(ids).size, ids.length);
            assert.ok(j.panels.every((p) => p.targets.length > 0));
        }
    });

    it("the ConfigMaps carry the label the chart's Grafana sidecar watches", async () => {
        const values = prometheusStackValues({
            cluster: "singapore",
            cloud: "aws",
            region: "ap-southeast-1",
            retentionDays: 30,
            storageGiB: 50,
            replicas: 2,
            alerting: {
                emailTo: "a@example.com",
                emailFrom: "b@example.com",
                smtpSmarthost: "smtp:587",
            },
            receivers: { pager: false, chat: false, smtpAuth: false, heartbeat: false },
        }) as { grafana: { sidecar: { dashboards: { label: string; labelValue: string } } } };
        const { label, labelValue } = values.grafana.sidecar.dashboards;
        const run = await runStack("prod");
        for (const c of ["singapore", "tokyo"])
            for (const d of PLATFORM_DASHBOARDS) {
                const cm = run.one(
                    "kubernetes:core/v1:ConfigMap",
                    `${c}-observability-metrics-dashboard-${d.uid}`,
                );
                const meta = cm.inputs.metadata as { labels: Record<string, string> };
                assert.equal(meta.labels[label], labelValue);
                const data = cm.inputs.data as Record<string, string>;
                assert.equal(JSON.parse(data[d.file]).uid, d.uid);
            }
    });
});
