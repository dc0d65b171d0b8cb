/**
 * After SIGKILL a dry run says NOT PASSED and `recover` undoes the change; `--help`,
 * `--flag=value` and bad usage.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { drillWorld, inverted, runCli, until } from "./support";

describe("drill: recover and usage (moto + loopback stand-ins)", function () {
    this.timeout(60000);
    const w = drillWorld("drill-recover-");
    let outputs: string;
    before(() => {
        outputs = w.writeOutputs("outputs.json");
    });
    const args = (reportDir: string, extra: string[] = []) =>
        w.cliArgs(outputs, reportDir, "--call-timeout", "1", "--lease", "2", ...extra);

    it("after SIGKILL a dry run reports NOT PASSED and recover puts the flag back", async () => {
        const reportDir = path.join(w.dir, "kill");
        const run = runCli(args(reportDir, ["--execute", "--fault", "dns", "--hold", "60"]));
        await until(() => /inject health check/.test(run.output()), 30000, "the injection");
        await new Promise((r) => setTimeout(r, 300));
        process.kill(-run.proc.pid!, "SIGKILL");
        await run.done;
        assert.strictEqual(await inverted(w.moto, w.world.aws.primaryCheck), true, "left inverted");
        const md = fs.readdirSync(reportDir).find((n) => n.endsWith(".md"))!;
        assert.match(
            fs.readFileSync(path.join(reportDir, md), "utf8"),
            /inject health check/,
            "events were on disk",
        );
        const dry = await runCli(args(path.join(w.dir, "dry"))).done;
        assert.strictEqual(dry.code, 1, dry.stdout);
        assert.match(dry.stdout, /NOT PASSED/);
        assert.match(dry.stdout, /npm run drill -- recover/);
        await new Promise((r) => setTimeout(r, 2500)); // the dead drill's lease runs out
        const rec = await runCli(["recover", ...args(path.join(w.dir, "rec"))]).done;
        assert.strictEqual(rec.code, 0, rec.stdout + rec.stderr);
        assert.match(rec.stdout, /RECOVERED/);
        assert.strictEqual(await inverted(w.moto, w.world.aws.primaryCheck), false);
    });

    it("--help, --flag=value and bad usage", async () => {
        const help = await runCli(["--help"]).done;
        assert.strictEqual(help.code, 0);
        assert.match(help.stdout, /exit: 0 PASSED/);
        const bad = await runCli(["--stack=drilltest", "--fault=nope"]).done;
        assert.strictEqual(bad.code, 2);
        assert.match(bad.stderr, /--fault must be one of/);
    });
});
