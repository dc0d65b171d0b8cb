import { strict as assert } from "assert";
import * as fs from "fs";
import { DrillOptions, DrillReport, RegionFailoverDrill } from "../../drill/engine";
import type { DrillPorts } from "../../drill/ports";
import { renderMarkdown } from "../../drill/report";
import { StateFile } from "../../drill/state";
import {
    AwsWorld,
    completedBackup,
    drillOutputs,
    Moto,
    PRIMARY_LB,
    ScriptedWorld,
    SECONDARY_LB,
    seedAws,
    tempDir,
} from "./support";

const BACKUP = "velero-hourly-assessment-20261125100000";

describe("drill: region-failover engine against moto_server", function () {
    this.timeout(90000);
    let moto: Moto;
    let aws: AwsWorld;
    let dir: string;
    let lines: string[];

    beforeEach(async () => {
        moto = await Moto.start();
        aws = await seedAws(moto, { replicaBackup: BACKUP });
        dir = tempDir("drill-");
        lines = [];
    });
    afterEach(async () => {
        await moto.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const world = (m = moto, a = aws, targets = {}) => {
        const w = new ScriptedWorld(m, drillOutputs(a, undefined, targets));
        w.backups = [
            completedBackup(BACKUP, 20),
            completedBackup("velero-hourly-assessment-older", 80),
        ];
        return w;
    };
    const state = () => StateFile.forStack(dir, "drilltest");
    const drill = (w: ScriptedWorld, extra: Partial<DrillOptions> = {}) =>
        new RegionFailoverDrill({
            outputs: w.outputs,
            ports: w.ports(),
            stateFile: state(),
            execute: true,
            restore: false,
            pollMs: 20,
            holdMs: 200,
            log: (l) => lines.push(l),
            ...extra,
        });
    const inverted = (w: ScriptedWorld, id = aws.primaryCheck) => w.route53.getInverted(id);
    const phaseNames = (r: DrillReport) => r.phases.map((p) => p.name);

    it("passes a full drill with restore: fails over, holds, fails back and measures against the targets", async () => {
        const w = world();
        w.detectDelayMs = 60;
        w.dnsDelayMs = 60;
        const report = await drill(w, { restore: true }).run();

        assert.equal(report.verdict, "PASSED", report.reason);
        assert.equal(report.reason, "every measurement within its target");
        assert.deepEqual(phaseNames(report), [
            "preflight",
            "baseline",
            "inject",
            "detect",
            "failover",
            "verify-hold",
            "failback",
            "report",
        ]);
        assert.ok(report.phases.every((p) => p.status === "ok"));
        const m = report.measurements;
        assert.ok(
            m.detectionSeconds! >= 0.06 && m.detectionSeconds! < 5,
            `detection ${m.detectionSeconds}`,
        );
        // Measurements are rounded to 0.1 s: 120 ms of scripted delay reads 0.1 s at least.
        assert.ok(
            m.failoverSeconds! >= 0.1 && m.failoverSeconds! < 5,
            `failover ${m.failoverSeconds}`,
        );
        assert.ok(m.recoverySeconds! >= m.failoverSeconds!);
        assert.equal(
            m.clientFailoverUpperBoundSeconds,
            Math.round((m.failoverSeconds! + 60) * 10) / 10,
        );
        assert.ok(m.rpoMinutes! >= 20 && m.rpoMinutes! < 21, `rpo ${m.rpoMinutes}`);
        assert.equal(report.checks.length, 11);
        assert.ok(report.checks.every((c) => c.ok));
        assert.deepEqual(report.actions, [
            `set Inverted=true on health check ${aws.primaryCheck} (singapore)`,
            `create Velero Restore velero/${report.drillId}-assessment from ${BACKUP} (namespace assessment) in tokyo`,
            `set Inverted=false on health check ${aws.primaryCheck} (singapore)`,
        ]);
        assert.deepEqual(w.restores.get(`${report.drillId}-assessment`)?.namespaces, [
            "assessment",
        ]);
        assert.equal(w.restores.get(`${report.drillId}-assessment`)?.backupName, BACKUP);
        assert.equal(await inverted(w), false);
        assert.equal(fs.existsSync(state().file), false);

        // After injection the drill touched only the secondary's regional APIs.
        const injectAt = Date.parse(report.phases.find((p) => p.name === "inject")!.start);
        const late = w.calls.filter((c) => c.at >= injectAt);
        assert.ok(late.length > 0);
        assert.deepEqual([...new Set(late.map((c) => c.region))], ["tokyo"]);
        assert.ok(
            w.calls.some(
                (c) => c.region === "singapore" && c.port === "clusters" && c.at < injectAt,
            ),
        );

        const md = renderMarkdown(report);
        assert.match(md, /^# Region failover drill .*: PASSED$/m);
        assert.match(md, /```mermaid\ngantt\n/);
        assert.match(md, /^ {4}detect :done, p3, \d+, \d+$/m);
        const detect = report.phases.find((p) => p.name === "detect")!;
        assert.ok(
            md.includes(
                `| detect | ok | ${detect.start} | ${detect.end} | ${detect.durationSeconds} |`,
            ),
            md,
        );
        const mdMeasures = (label: string) =>
            md.split("\n").find((l) => l.startsWith(`| ${label}`));
        assert.equal(
            mdMeasures("Detection"),
            `| Detection (inject -> primary unhealthy) | ${m.detectionSeconds} s | 120 s | met |`,
        );
        assert.equal(
            mdMeasures("RPO"),
            `| RPO (age of latest assessment backup) | ${m.rpoMinutes} min | 60 min | met |`,
        );
    });

    it("fails preflight on a backup older than the RPO and injects nothing", async () => {
        const w = world();
        w.backups = [completedBackup(BACKUP, 75)];
        const report = await drill(w).run();
        assert.equal(report.verdict, "FAILED");
        assert.match(
            report.reason,
            /^preflight failed: latest assessment backup: velero-hourly-assessment-20261125100000 completed .*, 75 min ago \(RPO 60 min\)$/,
        );
        assert.deepEqual(phaseNames(report), ["preflight", "report"]);
        assert.equal(report.phases[0].status, "failed");
        assert.deepEqual(report.actions, []);
        assert.equal(await inverted(w), false);
        assert.equal(fs.existsSync(state().file), false);
        assert.equal(report.measurements.detectionSeconds, undefined);
    });

    it("fails preflight when the primary's backup has not been replicated to the secondary bucket", async () => {
        const w = world();
        w.backups = [completedBackup("velero-hourly-assessment-not-replicated", 5)];
        const report = await drill(w).run();
        assert.equal(report.verdict, "FAILED");
        assert.match(
            report.reason,
            /backup replicated: s3:\/\/backups-tokyo-test\/velero\/singapore\/backups\/velero-hourly-assessment-not-replicated\/velero-backup.json is missing/,
        );
        assert.equal(await inverted(w), false);
    });

    it("aborts with a clear error when moto dies mid-drill, keeps the state file, and the next run restores the flag", async () => {
        const w = world();
        let killing: Promise<void> | undefined;
        const report = await drill(w, {
            holdMs: 20000,
            log: (l) => {
                lines.push(l);
                if (l.includes("phase 6/8 verify-hold") && !killing) killing = moto.kill();
            },
        }).run();
        await killing;

        assert.equal(report.verdict, "ABORTED");
        assert.equal(report.phases.find((p) => p.name === "verify-hold")?.status, "aborted");
        assert.equal(report.phases.find((p) => p.name === "undo")?.status, "aborted");
        assert.match(
            report.error!,
            /undo failed: .+ Health check .+ may still be inverted; state file .+drilltest\.state\.json is kept and the next --execute run restores it/,
        );
        assert.ok(lines.some((l) => l.includes("ABORTING: ")));
        const kept = state().read();
        assert.equal(kept?.healthCheckId, aws.primaryCheck);
        assert.equal(kept?.originalInverted, false);

        // The endpoint comes back with the flag still inverted (same seed, same ids).
        moto = await Moto.start();
        const again = await seedAws(moto, { primaryInverted: true, replicaBackup: BACKUP });
        assert.deepEqual(again, aws);
        const w2 = world(moto, again);
        assert.equal(await inverted(w2), true);
        const next = await drill(w2).run();
        assert.deepEqual(next.restoredPrevious, {
            healthCheckId: aws.primaryCheck,
            injectedAt: kept.injectedAt,
            pid: process.pid,
        });
        assert.equal(next.phases[0].name, "restore-previous");
        assert.equal(next.verdict, "PASSED", next.reason);
        assert.equal(await inverted(w2), false);
        assert.equal(fs.existsSync(state().file), false);
    });

    it("aborts and restores when the secondary turns unhealthy while holding (stop condition)", async () => {
        const w = world();
        const report = await drill(w, {
            holdMs: 20000,
            log: (l) => {
                lines.push(l);
                if (l.includes("phase 6/8 verify-hold")) w.forcedUnhealthy.add("tokyo");
            },
        }).run();
        assert.equal(report.verdict, "ABORTED");
        assert.equal(
            report.reason,
            "the secondary tokyo became unhealthy: failing over now would take the service down",
        );
        assert.equal(report.error, undefined);
        assert.equal(report.phases.find((p) => p.name === "undo")?.status, "ok");
        assert.equal(await inverted(w), false);
        assert.equal(fs.existsSync(state().file), false);
    });

    it("aborts and restores when someone resets the flag during the drill", async () => {
        const w = world();
        const report = await drill(w, {
            holdMs: 20000,
            log: (l) => {
                lines.push(l);
                if (l.includes("phase 6/8 verify-hold")) {
                    w.dnsPinned = SECONDARY_LB; // DNS has not caught up yet: only the flag check can notice
                    void w.route53.setInverted(aws.primaryCheck, false);
                }
            },
        }).run();
        assert.equal(report.verdict, "ABORTED");
        assert.equal(
            report.reason,
            `health check ${aws.primaryCheck} is no longer inverted: someone reset it during the drill`,
        );
    });

    it("fails (and restores) when DNS never fails over within twice the target", async () => {
        const w = world(moto, aws, { failoverSeconds: 0.2, detectionSeconds: 0.2 });
        // The configured worst case (90 s) would fail preflight against this tiny target.
        const outputs = { ...w.outputs, dns: { ...w.outputs.dns, worstCaseFailoverSeconds: 0.1 } };
        w.dnsPinned = PRIMARY_LB;
        const report = await new RegionFailoverDrill({
            outputs,
            ports: w.ports(),
            stateFile: state(),
            execute: true,
            restore: false,
            pollMs: 20,
            holdMs: 100,
            log: (l) => lines.push(l),
        }).run();
        assert.equal(report.verdict, "FAILED");
        assert.match(
            report.reason,
            new RegExp(
                `^DNS answers ${SECONDARY_LB.replace(/\./g, "\\.")} \\(tokyo\\): not after 0\\.[45]s \\(target 0\\.2s, gave up at 2x\\)$`,
            ),
        );
        assert.equal(report.phases.find((p) => p.name === "failover")?.status, "failed");
        assert.equal(await inverted(w), false);
        assert.equal(fs.existsSync(state().file), false);
    });

    it("fails the verdict when a measurement misses its target", async () => {
        const w = world(moto, aws, { detectionSeconds: 0.05 });
        const outputs = { ...w.outputs, dns: { ...w.outputs.dns, worstCaseFailoverSeconds: 1 } };
        w.detectDelayMs = 80;
        const report = await new RegionFailoverDrill({
            outputs,
            ports: w.ports(),
            stateFile: state(),
            execute: true,
            restore: false,
            pollMs: 20,
            holdMs: 50,
            timeoutFactor: 10,
            log: (l) => lines.push(l),
        }).run();
        assert.equal(report.verdict, "FAILED");
        assert.match(report.reason, /^detection 0\.\ds > target 0\.05s$/);
        assert.equal(await inverted(w), false);
    });

    it("dry run calls nothing, changes nothing and lists every action", async () => {
        const refuse = () => {
            throw new Error("dry run must not call any API");
        };
        const ports: DrillPorts = {
            control: { getInverted: refuse, setInverted: refuse },
            health: { status: refuse },
            dns: { answer: refuse },
            backups: { list: refuse },
            replicas: { exists: refuse },
            restores: { create: refuse, phase: refuse },
            clusters: { reachable: refuse },
        };
        const report = await new RegionFailoverDrill({
            outputs: drillOutputs(aws),
            ports,
            stateFile: state(),
            execute: false,
            restore: true,
            pollMs: 20,
            holdMs: 100,
            log: (l) => lines.push(l),
        }).run();
        assert.equal(report.mode, "dry-run");
        assert.equal(report.verdict, "PASSED");
        assert.ok(
            report.phases.filter((p) => p.name !== "report").every((p) => p.status === "dry-run"),
        );
        assert.equal(report.actions.length, 3);
        assert.ok(
            lines.some((l) =>
                l.endsWith(
                    `[dry-run] would set Inverted=true on health check ${aws.primaryCheck} (singapore)`,
                ),
            ),
        );
        assert.equal(fs.existsSync(state().file), false);
        assert.equal(
            await new ScriptedWorld(moto, drillOutputs(aws)).route53.getInverted(aws.primaryCheck),
            false,
        );
    });

    it("refuses a Cloud DNS stack and a TTL above 60 s in preflight", async () => {
        const base = drillOutputs(aws);
        for (const [dns, expected] of [
            [
                { ...base.dns, provider: "clouddns" as const },
                /dns provider: clouddns: this scenario drives Route 53 health checks/,
            ],
            [{ ...base.dns, ttlSeconds: 300 }, /record TTL: 300s \(must be <= 60s\)/],
        ] as const) {
            const report = await new RegionFailoverDrill({
                outputs: { ...base, dns },
                ports: new ScriptedWorld(moto, base).ports(),
                stateFile: state(),
                execute: true,
                restore: false,
                pollMs: 20,
                holdMs: 10,
                log: () => undefined,
            }).run();
            assert.equal(report.verdict, "FAILED");
            assert.match(report.reason, expected);
            assert.deepEqual(report.actions, []);
        }
    });
});
