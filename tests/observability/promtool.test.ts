/**
 * `promtool check rules` over every rule group, and `promtool test rules` over the unit tests in
 * promtool-cases.ts. promtool comes from Debian's `prometheus` package. Without it, local runs skip
 * loudly; with CI=true a missing promtool fails.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { isAlertingRule, renderRuleFile, ruleGroups } from "../../components/observability/rules";
import { CTX, unitTests } from "./promtool-cases";

function promtoolPath(): string | undefined {
    const r = spawnSync("promtool", ["--version"], { encoding: "utf8" });
    return r.status === 0 ? "promtool" : undefined;
}

describe("observability: promtool", function () {
    const groups = ruleGroups(CTX);
    const tests = unitTests();
    let dir: string;
    let promtool: string | undefined;

    before(function () {
        promtool = promtoolPath();
        if (!promtool) {
            const msg =
                "promtool NOT FOUND: rule checks and rule unit tests were NOT run. Install it with " +
                "`apt-get install -y --no-install-recommends prometheus`.";
            if (process.env.CI === "true") throw new Error(`${msg} (CI=true: failing)`);
            console.warn(`\n  !!! ${msg}\n`);
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
        fs.writeFileSync(path.join(dir, "rules.yaml"), renderRuleFile(groups));
        fs.writeFileSync(
            path.join(dir, "tests.yaml"),
            stringify(
                {
                    rule_files: ["rules.yaml"],
                    evaluation_interval: "30s",
                    tests,
                },
                { lineWidth: 0 },
            ),
        );
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("every rule group passes promtool check rules", () => {
        const r = spawnSync(promtool!, ["check", "rules", "rules.yaml"], {
            cwd: dir,
            encoding: "utf8",
        });
        const total = groups.reduce((n, g) => n + g.rules.length, 0);
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, new RegExp(`SUCCESS: ${total} rules found`));
    });

    it("every alert fires at its threshold after its for, and stays silent just below (promtool test rules)", () => {
        const r = spawnSync(promtool!, ["test", "rules", "tests.yaml"], {
            cwd: dir,
            encoding: "utf8",
        });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /SUCCESS/);
    });

    it("has a firing case, a pending case and a silent case for every alert, and a test for every recording rule", () => {
        const alerts = groups.flatMap((g) => g.rules).filter(isAlertingRule);
        for (const a of alerts) {
            const checks = tests
                .flatMap((t) => t.alert_rule_test ?? [])
                .filter((c) => c.alertname === a.alert);
            const fires = checks.filter((c) => c.exp_alerts.length > 0);
            assert.ok(fires.length > 0, `${a.alert}: no firing case`);
            for (const c of fires) {
                for (const e of c.exp_alerts) {
                    assert.equal(e.exp_labels.cluster, CTX.cluster, `${a.alert}: cluster label`);
                    assert.equal(e.exp_labels.region, CTX.region, `${a.alert}: region label`);
                }
            }
            assert.ok(
                tests.some((t) => t.name.startsWith(`${a.alert} stays silent`)),
                `${a.alert}: no silent case`,
            );
            if (a.for !== "0m") {
                const pending = tests.some(
                    (t) =>
                        t.name.startsWith(`${a.alert} fires`) &&
                        (t.alert_rule_test ?? []).some(
                            (c) => c.alertname === a.alert && c.exp_alerts.length === 0,
                        ),
                );
                assert.ok(pending, `${a.alert}: no case proving it waits for its for (${a.for})`);
            }
        }
        // every error-rate alert has the minimum-traffic guard, and a case proving it at zero and low traffic
        for (const a of alerts.filter((r) => r.expr.includes('response_code=~"5.."'))) {
            assert.match(a.expr, /\nand\n.*>= [\d.]+$/s, `${a.alert}: no minimum-traffic guard`);
            for (const note of ["at zero traffic", "below the minimum traffic"])
                assert.ok(
                    tests.some((t) => t.name.startsWith(`${a.alert} stays silent ${note}`)),
                    `${a.alert}: no case "${note}"`,
                );
        }
        const records = groups
            .flatMap((g) => g.rules)
            .filter((r) => !isAlertingRule(r))
            .map((r) => (r as { record: string }).record);
        const tested = tests
            .flatMap((t) => t.promql_expr_test ?? [])
            .map((c) => c.expr)
            .join("\n");
        for (const rec of records)
            assert.ok(tested.includes(rec), `recording rule ${rec} has no promql_expr_test`);
    });
});
