/**
 * The canary analysis query, run by `promtool test rules` over synthetic istio_requests_total series:
 * above 1 % errors it reports a ratio over the threshold, below it under, and under the minimum-traffic
 * guard (or with no traffic) exactly 0. promtool comes from Debian's `prometheus` package; without it,
 * local runs skip loudly and CI=true fails (as tests/observability/promtool.test.ts).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { serviceManifests } from "../../components/service";
import { PROMETHEUS, resolved } from "./support";

const HOST = "catalog-canary.shop.svc.cluster.local";

function analysis() {
    const m = serviceManifests(resolved({ canary: { prometheusAddress: PROMETHEUS } }));
    const t = m.workload.find((w) => w.kind === "AnalysisTemplate") as { spec: any };
    const metric = t.spec.metrics[0];
    return {
        query: metric.provider.prometheus.query as string,
        threshold: Number(/<= ([\d.]+)$/.exec(metric.successCondition)![1]),
    };
}

/** Two counters of the canary host growing at `ok` and `errors` requests per second, plus noise on another host. */
function series(ok: number, errors: number) {
    const s = (code: string, perSecond: number, host = HOST) => ({
        series: `istio_requests_total{reporter="source", destination_service="${host}", response_code="${code}"}`,
        values: `0+${perSecond * 60}x15`,
    });
    return [s("200", ok), s("503", errors), s("503", 100, "catalog.shop.svc.cluster.local")];
}

describe("service: canary analysis query (promtool)", function () {
    let dir: string;
    let promtool: string | undefined;

    before(function () {
        const r = spawnSync("promtool", ["--version"], { encoding: "utf8" });
        promtool = r.status === 0 ? "promtool" : undefined;
        if (!promtool) {
            const msg =
                "promtool NOT FOUND: the canary analysis query was NOT run. Install it with " +
                "`apt-get install -y --no-install-recommends prometheus`.";
            if (process.env.CI === "true") throw new Error(`${msg} (CI=true: failing)`);
            console.warn(`\n  !!! ${msg}\n`);
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-canary-"));
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const run = (tests: unknown[]) => {
        fs.writeFileSync(
            path.join(dir, "tests.yaml"),
            stringify({ rule_files: [], evaluation_interval: "1m", tests }, { lineWidth: 0 }),
        );
        return spawnSync(promtool!, ["test", "rules", "tests.yaml"], {
            cwd: dir,
            encoding: "utf8",
        });
    };
    const over = (q: string, t: number) => `(${q}) > bool ${t}`;

    it("aborts above 1 %, passes below it, and reports 0 under the traffic guard or without traffic", () => {
        const { query, threshold } = analysis();
        assert.equal(threshold, 0.01);
        const at10m = (expr: string, value: number) => ({
            expr,
            eval_time: "10m",
            exp_samples: [{ labels: "{}", value }],
        });
        const r = run([
            // 2 % errors at 5 rps: over the threshold.
            {
                interval: "1m",
                input_series: series(4.9, 0.1),
                promql_expr_test: [at10m(over(query, threshold), 1)],
            },
            // 0.5 % errors at 20 rps: non-zero, under the threshold.
            {
                interval: "1m",
                input_series: series(19.9, 0.1),
                promql_expr_test: [at10m(over(query, threshold), 0), at10m(over(query, 0), 1)],
            },
            // 50 % errors at 0.2 rps: under the 0.5 rps guard, so exactly 0.
            { interval: "1m", input_series: series(0.1, 0.1), promql_expr_test: [at10m(query, 0)] },
            // No canary traffic at all: 0, not an empty result (which Argo would count as an error).
            {
                interval: "1m",
                input_series: [series(0, 0)[2]],
                promql_expr_test: [at10m(query, 0)],
            },
        ]);
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /SUCCESS/);
    });

    it("would notice a query that ignores the threshold (the test can fail)", () => {
        const { query } = analysis();
        const r = run([
            {
                interval: "1m",
                input_series: series(4.9, 0.1),
                promql_expr_test: [
                    {
                        expr: over(query, 0.01),
                        eval_time: "10m",
                        exp_samples: [{ labels: "{}", value: 0 }],
                    },
                ],
            },
        ]);
        assert.notEqual(r.status, 0, r.stdout);
    });
});
