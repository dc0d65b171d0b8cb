/**
 * The drill CLI against moto_server and the loopback world (tests/drill/support.ts): each fault mode
 * injects and heals, the probe measures the RTO of a real (scripted) outage, the restore lands in a
 * scratch namespace and is cleaned up, and the report carries events and the timeline.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { inverted, Moto, runCli, seedAws, tempDir, World, certificate } from "./support";

describe("drill: faults, probes and restore (moto + loopback stand-ins)", function () {
    this.timeout(60000);
    let moto: Moto;
    let world: World;
    let dir: string;

    before(async () => {
        moto = await Moto.start();
        dir = tempDir("drill-");
        world = new World(moto, await seedAws(moto), certificate(dir));
        await world.start();
    });
    after(async () => {
        await world?.close();
        await moto?.stop();
    });

    const common = (outputs: string, reportDir: string) => [
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
        "2",
        "--hold",
        "1",
        "--report-dir",
        reportDir,
        "--state-dir",
        path.join(reportDir, "state"),
    ];
    const writeOutputs = (name: string) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, JSON.stringify({ drill: world.outputs() }));
        return f;
    };
    const reportOf = (reportDir: string) => {
        const f = fs.readdirSync(reportDir).find((n) => n.endsWith(".json"))!;
        return JSON.parse(fs.readFileSync(path.join(reportDir, f), "utf8"));
    };

    it("ingress-outage: denies at the primary's gateway, measures the user-visible RTO, restores into a scratch namespace and heals", async () => {
        const reportDir = path.join(dir, "r1");
        const run = runCli([
            ...common(writeOutputs("o1.json"), reportDir),
            "--execute",
            "--fault",
            "ingress-outage",
            "--restore",
        ]);
        world.secondaryKube.backups = [
            {
                metadata: { name: "b1" },
                spec: { storageLocation: "replica-singapore" },
                status: {
                    phase: "Completed",
                    startTimestamp: new Date(Date.now() - 20 * 60000).toISOString(),
                    completionTimestamp: new Date().toISOString(),
                },
            },
        ];
        let sawDeny = false;
        const t = setInterval(() => (sawDeny ||= world.primaryFailing()), 20);
        const res = await run.done;
        clearInterval(t);
        assert.strictEqual(res.code, 0, run.output());
        assert.ok(sawDeny, "the DENY policy was in place during the drill");
        assert.deepStrictEqual(world.primaryKube.denyPolicies(), [], "the DENY policy is gone");
        const r = reportOf(reportDir);
        assert.strictEqual(r.verdict, "PASSED");
        assert.ok(
            r.measurements.userVisibleRtoSeconds > 1,
            `RTO ${r.measurements.userVisibleRtoSeconds}`,
        );
        assert.ok(
            r.measurements.userVisibleRtoSeconds < 10,
            `RTO ${r.measurements.userVisibleRtoSeconds}`,
        );
        assert.ok(r.measurements.probeErrors > 0);
        assert.ok(r.measurements.meshProbeSamples > 0, "the in-mesh probe reported");
        // Restore: mapped namespace, verified, cleaned up; RPO from the backup's start (~20 min).
        assert.match(r.restore.scratchNamespace, /^drill-assessment-/);
        assert.strictEqual(r.restore.canaryOk, true);
        assert.strictEqual(r.restore.cleanedUp, true);
        assert.ok(
            r.measurements.rpoMinutes >= 20 && r.measurements.rpoMinutes < 21,
            String(r.measurements.rpoMinutes),
        );
        const restoreReq = world.secondaryKube.requests.find(
            (q) => q.method === "POST" && q.url.endsWith("/restores"),
        );
        assert.ok(restoreReq);
        assert.ok(
            !world.secondaryKube.objects.has(`/api/v1/namespaces/${r.restore.scratchNamespace}`),
        );
        assert.deepStrictEqual(
            world.secondaryKube.list("/apis/batch/v1/namespaces/mesh-smoke/jobs"),
            [],
        );
        // The primary's API saw nothing between injection and failback.
        const failbackAt = Date.parse(
            r.phases.find((p: { name: string }) => p.name === "failback").start,
        );
        const between = world.primaryKube.requests.filter(
            (q) => q.at > r.injectedAt + 50 && q.at < failbackAt,
        );
        assert.deepStrictEqual(between, []);
        const md = fs.readFileSync(path.join(reportDir, `${r.drillId}.md`), "utf8");
        assert.match(md, /```mermaid\ngantt/);
        assert.match(md, /section Public probe/);
        assert.match(md, /## Events/);
        assert.ok(
            fs.readFileSync(path.join(reportDir, `${r.drillId}.events.jsonl`), "utf8").split("\n")
                .length > 10,
        );
    });

    it("dns: inverts the primary's calculated health check and puts it back", async () => {
        const reportDir = path.join(dir, "r2");
        const run = runCli([
            ...common(writeOutputs("o2.json"), reportDir),
            "--execute",
            "--fault",
            "dns",
        ]);
        let sawInverted = false;
        const t = setInterval(() => {
            inverted(moto, world.aws.primaryCheck).then(
                (v) => (sawInverted ||= v),
                () => undefined,
            );
        }, 100);
        const res = await run.done;
        clearInterval(t);
        assert.strictEqual(res.code, 0, run.output());
        assert.ok(sawInverted);
        assert.strictEqual(await inverted(moto, world.aws.primaryCheck), false);
        const r = reportOf(reportDir);
        assert.strictEqual(r.fault, "dns");
        assert.ok(r.measurements.failoverSeconds > 1);
    });

    it("a stop condition (the secondary fails too) aborts and rolls back", async () => {
        const reportDir = path.join(dir, "r3");
        world.secondaryBroken = true;
        try {
            const run = runCli([
                ...common(writeOutputs("o3.json"), reportDir),
                "--execute",
                "--expected-window",
                "2",
            ]);
            const res = await run.done;
            assert.strictEqual(res.code, 3, run.output());
            const r = reportOf(reportDir);
            assert.strictEqual(r.verdict, "ABORTED");
            assert.match(r.reason, /error rate/);
            assert.deepStrictEqual(world.primaryKube.denyPolicies(), []);
        } finally {
            world.secondaryBroken = false;
        }
    });
});
