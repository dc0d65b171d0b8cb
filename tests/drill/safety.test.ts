/**
 * The drill survives its own faults: a hung endpoint ends it within its deadline with the change
 * undone; SIGTERM and SIGINT (through `npm run`) undo and report with exit 3; a second drill is
 * refused while one runs (recover after SIGKILL: recover.test.ts).
 */
import * as assert from "assert";
import * as path from "path";
import { drillWorld, runCli, until } from "./support";

describe("drill: safety (moto + loopback stand-ins)", function () {
    this.timeout(60000);
    const w = drillWorld("drill-safety-");
    let outputs: string;
    before(() => {
        outputs = w.writeOutputs("outputs.json");
    });
    const args = (reportDir: string, extra: string[] = []) =>
        w.cliArgs(outputs, reportDir, "--call-timeout", "1", "--lease", "2", ...extra);

    it("SIGTERM undoes the fault, writes the report and exits 3; a second drill is refused meanwhile", async () => {
        const reportDir = path.join(w.dir, "term");
        const run = runCli(args(reportDir, ["--execute", "--hold", "60"]));
        await until(() => w.world.primaryFailing(), 30000, "the DENY policy");
        const second = await runCli(args(path.join(w.dir, "second"), ["--execute", "--hold", "1"]))
            .done;
        assert.strictEqual(second.code, 4, second.stdout + second.stderr);
        assert.match(second.stdout, /another drill holds the lock/);
        assert.ok(w.world.primaryFailing(), "the refused drill changed nothing");
        process.kill(-run.proc.pid!, "SIGTERM");
        const res = await run.done;
        assert.strictEqual(res.code, 3, run.output());
        assert.deepStrictEqual(w.world.primaryKube.denyPolicies(), []);
        const r = w.reportOf(reportDir);
        assert.strictEqual(r.verdict, "ABORTED");
        assert.match(r.reason, /SIGTERM/);
    });

    it("SIGINT through npm run: undo, report, exit 3 (not 130)", async () => {
        const reportDir = path.join(w.dir, "int");
        const run = runCli(args(reportDir, ["--execute", "--hold", "60"]), { npm: true });
        await until(() => w.world.primaryFailing(), 30000, "the DENY policy");
        process.kill(-run.proc.pid!, "SIGINT");
        const res = await run.done;
        assert.strictEqual(res.code, 3, run.output());
        assert.deepStrictEqual(w.world.primaryKube.denyPolicies(), []);
        assert.strictEqual(w.reportOf(reportDir).verdict, "ABORTED");
    });

    it("a hung Kubernetes API ends the drill within its deadline, ABORTED, with the fault undone", async () => {
        const reportDir = path.join(w.dir, "hang");
        const run = runCli(args(reportDir, ["--execute", "--hold", "30"]));
        await until(() => w.world.primaryFailing(), 30000, "the DENY policy");
        w.world.secondaryKube.hang = true;
        const hungAt = Date.now();
        try {
            const res = await run.done;
            assert.strictEqual(res.code, 3, run.output());
            assert.ok(
                Date.now() - hungAt < 15000,
                `ended ${Date.now() - hungAt} ms after the hang`,
            );
            assert.deepStrictEqual(w.world.primaryKube.denyPolicies(), []);
            const r = w.reportOf(reportDir);
            assert.strictEqual(r.verdict, "ABORTED");
            assert.match(r.reason, /deadline/);
        } finally {
            w.world.secondaryKube.hang = false;
        }
    });
});
