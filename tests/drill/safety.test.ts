/**
 * The drill survives its own faults: a hung endpoint ends it within its deadline with the change
 * undone; SIGTERM and SIGINT (through `npm run`) undo and report with exit 3; a second drill is
 * refused while one runs (recover after SIGKILL: recover.test.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { certificate, Moto, runCli, seedAws, tempDir, until, World } from "./support";

describe("drill: safety (moto + loopback stand-ins)", function () {
    this.timeout(60000);
    let moto: Moto;
    let world: World;
    let dir: string;
    let outputs: string;

    before(async () => {
        moto = await Moto.start();
        dir = tempDir("drill-safety-");
        world = new World(moto, await seedAws(moto), certificate(dir));
        await world.start();
        outputs = path.join(dir, "outputs.json");
        fs.writeFileSync(outputs, JSON.stringify({ drill: world.outputs() }));
    });
    after(async () => {
        await world?.close();
        await moto?.stop();
    });

    const args = (reportDir: string, extra: string[] = []) => [
        "--stack",
        "drilltest",
        "--outputs",
        outputs,
        "--aws-endpoint",
        moto.endpoint,
        "--dns-server",
        world.dnsServer,
        "--probe-port",
        String(world.ingressPort),
        "--probe-ca",
        path.join(dir, "cert.pem"),
        "--poll",
        "0.2",
        "--call-timeout",
        "1",
        "--lease",
        "2",
        "--report-dir",
        reportDir,
        ...extra,
    ];
    const reportOf = (reportDir: string) => {
        const f = fs.readdirSync(reportDir).find((n) => n.endsWith(".json"))!;
        return JSON.parse(fs.readFileSync(path.join(reportDir, f), "utf8"));
    };

    it("SIGTERM undoes the fault, writes the report and exits 3; a second drill is refused meanwhile", async () => {
        const reportDir = path.join(dir, "term");
        const run = runCli(args(reportDir, ["--execute", "--hold", "60"]));
        await until(() => world.primaryFailing(), 30000, "the DENY policy");
        const second = await runCli(args(path.join(dir, "second"), ["--execute", "--hold", "1"]))
            .done;
        assert.strictEqual(second.code, 4, second.stdout + second.stderr);
        assert.match(second.stdout, /another drill holds the lock/);
        assert.ok(world.primaryFailing(), "the refused drill changed nothing");
        process.kill(-run.proc.pid!, "SIGTERM");
        const res = await run.done;
        assert.strictEqual(res.code, 3, run.output());
        assert.deepStrictEqual(world.primaryKube.denyPolicies(), []);
        const r = reportOf(reportDir);
        assert.strictEqual(r.verdict, "ABORTED");
        assert.match(r.reason, /SIGTERM/);
    });

    it("SIGINT through npm run: undo, report, exit 3 (not 130)", async () => {
        const reportDir = path.join(dir, "int");
        const run = runCli(args(reportDir, ["--execute", "--hold", "60"]), { npm: true });
        await until(() => world.primaryFailing(), 30000, "the DENY policy");
        process.kill(-run.proc.pid!, "SIGINT");
        const res = await run.done;
        assert.strictEqual(res.code, 3, run.output());
        assert.deepStrictEqual(world.primaryKube.denyPolicies(), []);
        assert.strictEqual(reportOf(reportDir).verdict, "ABORTED");
    });

    it("a hung Kubernetes API ends the drill within its deadline, ABORTED, with the fault undone", async () => {
        const reportDir = path.join(dir, "hang");
        const run = runCli(args(reportDir, ["--execute", "--hold", "30"]));
        await until(() => world.primaryFailing(), 30000, "the DENY policy");
        world.secondaryKube.hang = true;
        const hungAt = Date.now();
        try {
            const res = await run.done;
            assert.strictEqual(res.code, 3, run.output());
            assert.ok(
                Date.now() - hungAt < 15000,
                `ended ${Date.now() - hungAt} ms after the hang`,
            );
            assert.deepStrictEqual(world.primaryKube.denyPolicies(), []);
            const r = reportOf(reportDir);
            assert.strictEqual(r.verdict, "ABORTED");
            assert.match(r.reason, /deadline/);
        } finally {
            world.secondaryKube.hang = false;
        }
    });
});
