/**
 * The region-failover scenario as phases: preflight, baseline, inject, detect, fail over, verify and
 * hold, fail back, report. Without `execute` every action is printed and nothing is called. With it,
 * the only change the drill makes is the primary health check's `Inverted` flag (plus an optional
 * Velero Restore in the secondary); a state file records the change before it is made, and every way
 * out of the drill (stop condition, error, Ctrl-C) puts the flag back.
 *
 * Longer than the house's 400 lines on purpose: it is one state machine, and every phase reads and
 * writes the injection state (`injected`, `injectAt`, the latest backup) that `undo` and the stop
 * conditions must see; splitting the phases into modules would turn that state into a shared
 * mutable object passed around. The data model lives in drill/model.ts.
 */
import type { DrillRegionOutput } from "../lib/drill-contract";
import {
    ASSESSMENT_SCHEDULE,
    replicaLocationName,
    veleroPrefix,
} from "../components/backup/naming";
import { ASSESSMENT_NAMESPACE } from "../components/tenant/domains";
import type { BackupInfo, Health } from "./ports";
import {
    DrillFailure,
    DrillOptions,
    DrillReport,
    PHASES,
    PhaseName,
    PhaseRecord,
    StopCondition,
} from "./model";

export * from "./model";

class Interrupted extends Error {
    constructor() {
        super("interrupted by the operator (SIGINT)");
        this.name = "Interrupted";
    }
}

/** Sleep that ends early (with Interrupted) when the signal fires. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new Interrupted());
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(new Interrupted());
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export class RegionFailoverDrill {
    private readonly now: () => number;
    private readonly log: (line: string) => void;
    private readonly factor: number;
    private readonly primary: DrillRegionOutput;
    private readonly secondary?: DrillRegionOutput;
    private readonly report: DrillReport;
    /** True while the primary health check is inverted by this run. */
    private injected = false;
    private injectAt = 0;
    private latestBackup?: BackupInfo;
    private phaseIndex = 0;

    constructor(private readonly opts: DrillOptions) {
        this.now = opts.now ?? Date.now;
        this.log = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
        this.factor = opts.timeoutFactor ?? 2;
        const out = opts.outputs;
        this.primary = out.regions.find((r) => r.primary)!;
        this.secondary = out.regions.find((r) => !r.primary);
        this.report = {
            drillId:
                opts.drillId ??
                `drill-${new Date(this.now()).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").toLowerCase()}`,
            stack: out.stack,
            scenario: "region-failover",
            mode: opts.execute ? "execute" : "dry-run",
            verdict: "PASSED",
            reason: "",
            startedAt: new Date(this.now()).toISOString(),
            primaryRegion: this.primary.name,
            secondaryRegion: this.secondary?.name,
            hostname: out.dns.hostname,
            targets: out.targets,
            worstCaseFailoverSeconds: out.dns.worstCaseFailoverSeconds,
            measurements: {},
            checks: [],
            phases: [],
            actions: [],
        };
    }

    async run(): Promise<DrillReport> {
        const r = this.report;
        this.say(
            `region-failover drill ${r.drillId} on stack ${r.stack} (${r.mode}${this.opts.restore ? ", with restore" : ""}): ` +
                `${this.primary.name} -> ${this.secondary?.name ?? "?"} for ${r.hostname}`,
        );
        try {
            await this.restorePrevious();
            await this.phase("preflight", (note) => this.preflight(note));
            await this.phase("baseline", (note) => this.baseline(note));
            await this.phase("inject", (note) => this.inject(note));
            await this.phase("detect", (note) => this.detect(note));
            await this.phase("failover", (note) => this.failover(note));
            await this.phase("verify-hold", (note) => this.verifyAndHold(note));
            await this.phase("failback", (note) => this.failback(note));
            this.evaluate();
        } catch (e) {
            const err = e as Error;
            if (err instanceof DrillFailure) {
                r.verdict = "FAILED";
            } else {
                r.verdict = "ABORTED";
            }
            r.reason = err.message;
            if (
                !(err instanceof DrillFailure) &&
                !(err instanceof StopCondition) &&
                !(err instanceof Interrupted)
            ) {
                r.error = err.message;
            }
            this.say(`${r.verdict === "FAILED" ? "FAILED" : "ABORTING"}: ${err.message}`);
            if (this.injected) await this.undo();
        }
        await this.phase("report", async () => {
            r.endedAt = new Date(this.now()).toISOString();
            this.say(`verdict: ${r.verdict}${r.reason ? ` (${r.reason})` : ""}`);
        });
        return r;
    }

    /* ------------------------------------------------------------ phases */

    private async restorePrevious(): Promise<void> {
        const previous = this.opts.stateFile.read();
        if (!previous) return;
        await this.phase("restore-previous", async (note) => {
            note(
                `an earlier run (pid ${previous.pid}, injected ${previous.injectedAt}) left health check ${previous.healthCheckId} inverted`,
            );
            await this.act(
                `restore Inverted=${previous.originalInverted} on health check ${previous.healthCheckId} (left by an earlier run)`,
                () =>
                    this.opts.ports.control.setInverted(
                        previous.healthCheckId,
                        previous.originalInverted,
                    ),
            );
            if (this.opts.execute) {
                this.opts.stateFile.clear();
                this.report.restoredPrevious = {
                    healthCheckId: previous.healthCheckId,
                    injectedAt: previous.injectedAt,
                    pid: previous.pid,
                };
                note("restored; state file removed");
            }
        });
    }

    private async preflight(note: (s: string) => void): Promise<void> {
        const out = this.opts.outputs;
        const failed: string[] = [];
        const check = (name: string, ok: boolean, detail: string) => {
            this.report.checks.push({ name, ok, detail });
            note(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
            if (!ok) failed.push(`${name}: ${detail}`);
        };
        check(
            "dns provider",
            out.dns.provider === "route53",
            out.dns.provider === "route53"
                ? "route53"
                : `${out.dns.provider}: this scenario drives Route 53 health checks; Cloud DNS fails over on its own health checks`,
        );
        check(
            "secondary region",
            this.secondary !== undefined,
            this.secondary
                ? this.secondary.name
                : "the stack has one region; there is nothing to fail over to",
        );
        check("record TTL", out.dns.ttlSeconds <= 60, `${out.dns.ttlSeconds}s (must be <= 60s)`);
        check(
            "configured worst case",
            out.dns.worstCaseFailoverSeconds <= out.targets.failoverSeconds,
            `${out.dns.worstCaseFailoverSeconds}s = ${out.dns.healthCheckIntervalSeconds}s x ${out.dns.healthCheckFailureThreshold} + ${out.dns.ttlSeconds}s ` +
                `(target ${out.targets.failoverSeconds}s)`,
        );
        if (failed.length > 0) throw new DrillFailure(`preflight failed: ${failed.join("; ")}`);
        const secondary = this.secondary!;

        if (!this.opts.execute) {
            for (const s of [
                `would check health check ${this.primary.healthCheckId} is not inverted`,
                `would check ${this.primary.name} and ${secondary.name} health checks are healthy`,
                `would check the Kubernetes APIs of ${this.primary.clusterName} and ${secondary.clusterName} answer`,
                `would read Velero backups of ${ASSESSMENT_SCHEDULE} in ${secondary.name} (location ${replicaLocationName(this.primary.name)}) ` +
                    `and require the latest completed one younger than ${out.targets.examsRpoMinutes} min`,
                `would check the backup's objects are replicated to s3://${secondary.backupBucket}/${veleroPrefix(this.primary.name)}/backups/`,
            ])
                note(s);
            return;
        }
        const ports = this.opts.ports;
        const inverted = await ports.control.getInverted(this.primary.healthCheckId);
        check(
            "primary health check not inverted",
            !inverted,
            inverted
                ? `health check ${this.primary.healthCheckId} is already inverted and no state file of this drill exists: another drill may be running`
                : `health check ${this.primary.healthCheckId}`,
        );
        for (const region of [this.primary, secondary]) {
            const health = await ports.health.status(region);
            check(
                `${region.primary ? "primary" : "secondary"} health`,
                health === "healthy",
                `${region.name} health check ${region.healthCheckId} is ${health}`,
            );
        }
        for (const region of [this.primary, secondary]) {
            try {
                await this.regional(region, () => ports.clusters.reachable(region));
                check(`${region.name} cluster API`, true, `${region.clusterName} answers`);
            } catch (e) {
                check(
                    `${region.name} cluster API`,
                    false,
                    `${region.clusterName}: ${(e as Error).message}`,
                );
            }
        }
        const replicaLocation = replicaLocationName(this.primary.name);
        const backups = await this.regional(secondary, () =>
            ports.backups.list(secondary, ASSESSMENT_SCHEDULE),
        );
        const latest = [...backups]
            .filter(
                (b) =>
                    b.phase === "Completed" &&
                    b.completedAt &&
                    (b.storageLocation === undefined || b.storageLocation === replicaLocation),
            )
            .sort((a, b) => b.completedAt!.getTime() - a.completedAt!.getTime())[0];
        if (!latest) {
            check(
                "latest assessment backup",
                false,
                `no completed backup of ${ASSESSMENT_SCHEDULE} from ${this.primary.name} is visible in ${secondary.name} (location ${replicaLocation})`,
            );
        } else {
            const ageMin = (this.now() - latest.completedAt!.getTime()) / 60000;
            check(
                "latest assessment backup",
                ageMin <= out.targets.examsRpoMinutes,
                `${latest.name} completed ${latest.completedAt!.toISOString()}, ${round(ageMin)} min ago (RPO ${out.targets.examsRpoMinutes} min)`,
            );
            const key = `${veleroPrefix(this.primary.name)}/backups/${latest.name}/velero-backup.json`;
            const replicated = await this.regional(secondary, () =>
                ports.replicas.exists(secondary, secondary.backupBucket, key),
            );
            check(
                "backup replicated",
                replicated,
                `s3://${secondary.backupBucket}/${key}${replicated ? "" : " is missing"}`,
            );
            this.latestBackup = latest;
        }
        if (failed.length > 0) throw new DrillFailure(`preflight failed: ${failed.join("; ")}`);
    }

    private async baseline(note: (s: string) => void): Promise<void> {
        if (!this.opts.execute) {
            note(
                `would check DNS answers ${this.primary.ingressHostname} (${this.primary.name}) for ${this.report.hostname}`,
            );
            return;
        }
        const answer = await this.opts.ports.dns.answer(this.report.hostname);
        note(`DNS answers ${answer.join(", ") || "nothing"}`);
        if (this.whoAnswers(answer) !== this.primary.name) {
            throw new DrillFailure(
                `baseline: DNS for ${this.report.hostname} answers ${answer.join(", ") || "nothing"}, not the primary ${this.primary.ingressHostname}`,
            );
        }
    }

    private async inject(note: (s: string) => void): Promise<void> {
        const id = this.primary.healthCheckId;
        if (this.opts.execute) {
            this.opts.stateFile.write({
                version: 1,
                stack: this.report.stack,
                healthCheckId: id,
                originalInverted: false,
                region: this.primary.name,
                injectedAt: new Date(this.now()).toISOString(),
                pid: process.pid,
            });
            note(`state file ${this.opts.stateFile.file} written`);
            this.injected = true;
        }
        await this.act(`set Inverted=true on health check ${id} (${this.primary.name})`, () =>
            this.opts.ports.control.setInverted(id, true),
        );
        this.injectAt = this.now();
        if (this.latestBackup?.completedAt) {
            this.report.measurements.rpoMinutes = round(
                (this.injectAt - this.latestBackup.completedAt.getTime()) / 60000,
            );
        }
        note(`from now on the drill calls no API of ${this.primary.name}`);
    }

    private async detect(note: (s: string) => void): Promise<void> {
        const t = this.opts.outputs.targets.detectionSeconds;
        const at = await this.waitUntil(
            `Route 53 considers ${this.primary.name} unhealthy`,
            t,
            async () => {
                await this.stopConditions();
                return (await this.opts.ports.health.status(this.primary)) === "unhealthy";
            },
        );
        if (at !== undefined) {
            this.report.measurements.detectionSeconds = round((at - this.injectAt) / 1000);
            note(`detected after ${this.report.measurements.detectionSeconds}s (target ${t}s)`);
        }
    }

    private async failover(note: (s: string) => void): Promise<void> {
        const secondary = this.secondary!;
        const out = this.opts.outputs;
        const at = await this.waitUntil(
            `DNS answers ${secondary.ingressHostname} (${secondary.name})`,
            out.targets.failoverSeconds,
            async () => {
                await this.stopConditions();
                const answer = await this.opts.ports.dns.answer(out.dns.hostname);
                const who = this.whoAnswers(answer);
                if (who === undefined)
                    throw new StopCondition(
                        `DNS for ${out.dns.hostname} answers ${answer.join(", ") || "nothing"}: neither region`,
                    );
                return who === secondary.name;
            },
        );
        const m = this.report.measurements;
        if (at !== undefined) {
            m.failoverSeconds = round((at - this.injectAt) / 1000);
            m.clientFailoverUpperBoundSeconds = round(m.failoverSeconds + out.dns.ttlSeconds);
            m.recoverySeconds = m.failoverSeconds;
            note(
                `DNS failed over after ${m.failoverSeconds}s (target ${out.targets.failoverSeconds}s); clients with a cached answer move within ${m.clientFailoverUpperBoundSeconds}s`,
            );
        }
        if (!this.opts.restore) return;
        const backupName = this.latestBackup?.name ?? "<latest completed assessment backup>";
        const restoreName = `${this.report.drillId}-${ASSESSMENT_NAMESPACE}`;
        this.report.restoreName = restoreName;
        await this.act(
            `create Velero Restore ${secondary.veleroNamespace}/${restoreName} from ${backupName} (namespace ${ASSESSMENT_NAMESPACE}) in ${secondary.name}`,
            () =>
                this.regional(secondary, () =>
                    this.opts.ports.restores.create(secondary, restoreName, backupName, [
                        ASSESSMENT_NAMESPACE,
                    ]),
                ),
        );
        const done = await this.waitUntil(
            `Restore ${restoreName} completes`,
            out.targets.recoverySeconds,
            async () => {
                await this.stopConditions();
                const phase = await this.regional(secondary, () =>
                    this.opts.ports.restores.phase(secondary, restoreName),
                );
                if (
                    phase === "Failed" ||
                    phase === "PartiallyFailed" ||
                    phase === "FailedValidation"
                ) {
                    throw new DrillFailure(`Velero Restore ${restoreName} ended ${phase}`);
                }
                return phase === "Completed";
            },
        );
        if (done !== undefined) {
            m.recoverySeconds = round((done - this.injectAt) / 1000);
            note(
                `restore completed; recovered after ${m.recoverySeconds}s (target ${out.targets.recoverySeconds}s)`,
            );
        }
    }

    private async verifyAndHold(note: (s: string) => void): Promise<void> {
        const secondary = this.secondary!;
        const seconds = round(this.opts.holdMs / 1000);
        if (!this.opts.execute) {
            note(
                `would hold ${seconds}s, checking every ${this.opts.pollMs / 1000}s that DNS answers ${secondary.name} and ${secondary.name} stays healthy`,
            );
            return;
        }
        const until = this.now() + this.opts.holdMs;
        let polls = 0;
        while (this.now() < until) {
            await this.stopConditions();
            const answer = await this.opts.ports.dns.answer(this.report.hostname);
            if (this.whoAnswers(answer) !== secondary.name) {
                throw new StopCondition(
                    `while holding, DNS for ${this.report.hostname} answered ${answer.join(", ") || "nothing"} instead of ${secondary.ingressHostname}`,
                );
            }
            polls += 1;
            await sleep(
                Math.min(this.opts.pollMs, Math.max(0, until - this.now())),
                this.opts.signal,
            );
        }
        note(`held ${seconds}s on ${secondary.name} (${polls} checks)`);
    }

    private async failback(note: (s: string) => void): Promise<void> {
        const id = this.primary.healthCheckId;
        await this.act(`set Inverted=false on health check ${id} (${this.primary.name})`, () =>
            this.opts.ports.control.setInverted(id, false),
        );
        const start = this.now();
        if (this.opts.execute) {
            this.injected = false;
            this.opts.stateFile.clear();
            note("flag restored; state file removed");
        }
        const at = await this.waitUntil(
            `DNS answers ${this.primary.ingressHostname} (${this.primary.name}) again`,
            this.opts.outputs.targets.failoverSeconds,
            async () => {
                const healthy = (await this.opts.ports.health.status(this.primary)) === "healthy";
                return (
                    healthy &&
                    this.whoAnswers(await this.opts.ports.dns.answer(this.report.hostname)) ===
                        this.primary.name
                );
            },
        );
        if (at !== undefined) {
            this.report.measurements.failbackSeconds = round((at - start) / 1000);
            note(`failed back after ${this.report.measurements.failbackSeconds}s`);
        }
    }

    /** Compare measurements with the targets; any miss makes the verdict FAILED. */
    private evaluate(): void {
        const r = this.report;
        if (!this.opts.execute) {
            r.verdict = "PASSED";
            r.reason = "dry run: static checks passed, nothing was measured or changed";
            return;
        }
        const m = r.measurements;
        const t = r.targets;
        const misses: string[] = [];
        const cmp = (label: string, value: number | undefined, target: number, unit: string) => {
            if (value === undefined) misses.push(`${label} not measured`);
            else if (value > target)
                misses.push(`${label} ${value}${unit} > target ${target}${unit}`);
        };
        cmp("detection", m.detectionSeconds, t.detectionSeconds, "s");
        cmp("failover", m.failoverSeconds, t.failoverSeconds, "s");
        cmp("recovery", m.recoverySeconds, t.recoverySeconds, "s");
        cmp("RPO", m.rpoMinutes, t.examsRpoMinutes, " min");
        r.verdict = misses.length === 0 ? "PASSED" : "FAILED";
        r.reason = misses.length === 0 ? "every measurement within its target" : misses.join("; ");
    }

    /* ------------------------------------------------------------ helpers */

    /** Put the flag back after a stop, error or Ctrl-C. Never throws: a failed undo keeps the state file. */
    private async undo(): Promise<void> {
        const id = this.primary.healthCheckId;
        await this.phase("undo", async (note) => {
            try {
                await this.act(
                    `set Inverted=false on health check ${id} (${this.primary.name})`,
                    () => this.opts.ports.control.setInverted(id, false),
                );
                this.injected = false;
                this.opts.stateFile.clear();
                note("flag restored; state file removed");
            } catch (e) {
                const msg =
                    `undo failed: ${(e as Error).message}. Health check ${id} may still be inverted; ` +
                    `state file ${this.opts.stateFile.file} is kept and the next --execute run restores it ` +
                    `(or run: aws route53 update-health-check --health-check-id ${id} --no-inverted)`;
                this.report.reason += `; ${msg}`;
                this.report.error = this.report.error ? `${this.report.error}; ${msg}` : msg;
                this.say(msg);
                throw e;
            }
        }).catch(() => undefined);
    }

    /** Checked on every poll after injection. */
    private async stopConditions(): Promise<void> {
        if (!this.opts.execute) return;
        const ports = this.opts.ports;
        if (!(await ports.control.getInverted(this.primary.healthCheckId))) {
            throw new StopCondition(
                `health check ${this.primary.healthCheckId} is no longer inverted: someone reset it during the drill`,
            );
        }
        const secondaryHealth: Health = await ports.health.status(this.secondary!);
        if (secondaryHealth !== "healthy") {
            throw new StopCondition(
                `the secondary ${this.secondary!.name} became ${secondaryHealth}: failing over now would take the service down`,
            );
        }
    }

    /** Poll `probe` until true; returns the time it became true, or throws DrillFailure after target x factor. */
    private async waitUntil(
        what: string,
        targetSeconds: number,
        probe: () => Promise<boolean>,
    ): Promise<number | undefined> {
        const limitMs = targetSeconds * 1000 * this.factor;
        if (!this.opts.execute) {
            this.say(`    would wait up to ${round(limitMs / 1000)}s until ${what}`);
            return undefined;
        }
        const start = this.now();
        let lastProgress = start;
        for (;;) {
            if (await probe()) return this.now();
            const elapsed = this.now() - start;
            if (elapsed >= limitMs) {
                throw new DrillFailure(
                    `${what}: not after ${round(elapsed / 1000)}s (target ${targetSeconds}s, gave up at ${this.factor}x)`,
                );
            }
            if (this.now() - lastProgress >= 10000) {
                this.say(`    ... waiting ${round(elapsed / 1000, 0)}s until ${what}`);
                lastProgress = this.now();
            }
            await sleep(this.opts.pollMs, this.opts.signal);
        }
    }

    /** A change: performed with --execute, printed either way. */
    private async act(description: string, fn: () => Promise<void>): Promise<void> {
        this.report.actions.push(description);
        if (!this.opts.execute) {
            this.say(`    [dry-run] would ${description}`);
            return;
        }
        this.say(`    ${description}`);
        await fn();
    }

    /** Calls bound to a region's own APIs (Kubernetes, S3): never the primary's after injection. */
    private async regional<T>(region: DrillRegionOutput, fn: () => Promise<T>): Promise<T> {
        if (this.injected && region.primary) {
            throw new Error(
                `refusing to call ${region.name}'s APIs after injection: a failed region must not be needed to fail over`,
            );
        }
        return fn();
    }

    private whoAnswers(answer: readonly string[]): string | undefined {
        const norm = (s: string) => s.toLowerCase().replace(/\.$/, "");
        const hit = this.opts.outputs.regions.find((r) =>
            answer.some((a) => norm(a) === norm(r.ingressHostname)),
        );
        return hit?.name;
    }

    private async phase(
        name: PhaseName,
        body: (note: (s: string) => void) => Promise<void>,
    ): Promise<void> {
        const rec: PhaseRecord = {
            name,
            start: new Date(this.now()).toISOString(),
            status: "ok",
            notes: [],
        };
        this.report.phases.push(rec);
        const numbered = (PHASES as readonly string[]).includes(name)
            ? `${++this.phaseIndex}/${PHASES.length} `
            : "";
        this.say(`> phase ${numbered}${name}`);
        const note = (s: string) => {
            rec.notes.push(s);
            this.say(`    ${s}`);
        };
        const started = this.now();
        try {
            await body(note);
            if (!this.opts.execute) rec.status = "dry-run";
        } catch (e) {
            rec.status = e instanceof DrillFailure ? "failed" : "aborted";
            rec.notes.push((e as Error).message);
            throw e;
        } finally {
            rec.end = new Date(this.now()).toISOString();
            rec.durationSeconds = round((this.now() - started) / 1000, 3);
        }
    }

    private say(line: string): void {
        const stamp = new Date(this.now()).toISOString().slice(11, 19);
        this.log(`[${stamp}] ${line}`);
    }
}
