/**
 * The drill CLI against moto_server and the loopback world (tests/drill/support.ts): each fault mode
 * injects and heals, the probe measures the RTO of a real (scripted) outage, the restore lands in a
 * scratch namespace and is cleaned up, and the report carries events and the timeline.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { drillWorld, inverted, runCli } from "./support";

describe("drill: faults, probes and restore (moto + loopback stand-ins)", function () {
    this.timeout(60000);
    const w = drillWorld("drill-");
    const common = (outputs: string, reportDir: string) =>
        w.cliArgs(
            outputs,
            reportDir,
            "--call-timeout",
            "2",
            "--hold",
            "1",
            "--state-dir",
            path.join(reportDir, "state"),
        );

    it("ingress-outage: denies at the primary's gateway, measures the user-visible RTO, restores into a scratch namespace and heals", async () => {
        const reportDir = path.join(w.dir, "r1");
        const run = runCli([
            ...common(w.writeOutputs("o1.json"), reportDir),
            "--execute",
            "--fault",
            "ingress-outage",
            "--restore",
        ]);
        w.world.secondaryKube.backups = [
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
        const t = setInterval(() => (sawDeny ||= w.world.primaryFailing()), 20);
        const res = await run.done;
        clearInterval(t);
        assert.strictEqual(res.code, 0, run.output());
        assert.ok(sawDeny, "the DENY policy was in place during the drill");
        assert.deepStrictEqual(w.world.primaryKube.denyPolicies(), [], "the DENY policy is gone");
        const r = w.reportOf(reportDir);
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
        const restoreReq = w.world.secondaryKube.requests.find(
            (q) => q.method === "POST" && q.url.endsWith("/restores"),
        );
        assert.ok(restoreReq);
        assert.ok(
            !w.world.secondaryKube.objects.has(`/api/v1/namespaces/${r.restore.scratchNamespace}`),
        );
        assert.deepStrictEqual(
            w.world.secondaryKube.list("/apis/batch/v1/namespaces/mesh-smoke/jobs"),
            [],
        );
        // The primary's API saw nothing between injection and failback.
        const failbackAt = Date.parse(
            r.phases.find((p: { name: string }) => p.name === "failback").start,
        );
        const between = w.world.primaryKube.requests.filter(
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
        const reportDir = path.join(w.dir, "r2");
        const run = runCli([
            ...common(w.writeOutputs("o2.json"), reportDir),
            "--execute",
            "--fault",
            "dns",
        ]);
        let sawInverted = false;
        const t = setInterval(() => {
            inverted(w.moto, w.world.aws.primaryCheck).then(
                (v) => (sawInverted ||= v),
                () => undefined,
            );
        }, 100);
        const res = await run.done;
        clearInterval(t);
        assert.strictEqual(res.code, 0, run.output());
        assert.ok(sawInverted);
        assert.strictEqual(await inverted(w.moto, w.world.aws.primaryCheck), false);
        const r = w.reportOf(reportDir);
        assert.strictEqual(r.fault, "dns");
        assert.ok(r.measurements.failoverSeconds > 1);
    });

    it("a stop condition (the secondary fails too) aborts and rolls back", async () => {
        const reportDir = path.join(w.dir, "r3");
        w.world.secondaryBroken = true;
        try {
            const run = runCli([
                ...common(w.writeOutputs("o3.json"), reportDir),
                "--execute",
                "--expected-window",
                "2",
            ]);
            const res = await run.done;
            assert.strictEqual(res.code, 3, run.output());
            const r = w.reportOf(reportDir);
            assert.strictEqual(r.verdict, "ABORTED");
            assert.match(r.reason, /error rate/);
            assert.deepStrictEqual(w.world.primaryKube.denyPolicies(), []);
        } finally {
            w.world.secondaryBroken = false;
        }
    });
});
