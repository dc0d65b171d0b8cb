/**
 * The region-failover drill as phases: lock, preflight, baseline, inject, failover, restore, hold,
 * failback, and on any way out an undo of everything recorded in the state. A fault is recorded in
 * the state (DynamoDB, next to the lock) before it is injected and removed only once undone; every
 * call has a deadline and every phase a budget; SIGINT/SIGTERM reach the engine as an abort of
 * `signal` and end in the same undo. `recover()` undoes a crashed drill's state.
 *
 * One file on purpose: a single state machine whose phases share the injection state that undo
 * and the stop conditions must see.
 */
import type { DrillRegionOutput } from "../lib/drill-contract";
import { ASSESSMENT_SCHEDULE, replicaLocationName } from "../components/backup/naming";
import { ASSESSMENT_NAMESPACE } from "../components/tenant/domains";
import { DeadlineExceeded, Interrupted, retry, sleep, withDeadline } from "./deadline";
import {
    DrillFailure,
    DrillOptions,
    DrillReport,
    PhaseName,
    PhaseRecord,
    RestoreRecord,
    StopCondition,
    Verdict,
} from "./model";
import type { BackupInfo, DrillPorts, ProbeSample } from "./ports";
import { errorRate, summarize } from "./probe";
import { LockHeld, type DrillState, type FaultRecord, type LockRecord } from "./state";

export * from "./model";

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Every port method takes the caller's signal last; the wrapper gives each call its own deadline
 * (DeadlineExceeded after `ms`) on top of that signal, so no call can outlive it.
 */
export function withCallDeadlines(ports: DrillPorts, ms: number): DrillPorts {
    const wrap = <T extends object>(name: string, port: T): T =>
        new Proxy(port, {
            get(target, prop, receiver) {
                const value = Reflect.get(target, prop, receiver) as unknown;
                if (typeof value !== "function") return value;
                return (...args: unknown[]) => {
                    const parent = args.at(-1) as AbortSignal | undefined;
                    return withDeadline(
                        `${name}.${String(prop)}`,
                        ms,
                        (s) =>
                            (value as (...a: unknown[]) => Promise<unknown>).apply(target, [
                                ...args.slice(0, -1),
                                s,
                            ]),
                        parent,
                    );
                };
            },
        });
    return Object.fromEntries(
        Object.entries(ports).map(([k, v]) => [k, wrap(k, v as object)]),
    ) as unknown as DrillPorts;
}

export class RegionFailoverDrill {
    private readonly opts: DrillOptions;
    private readonly now: () => number;
    private readonly primary: DrillRegionOutput;
    private readonly secondary?: DrillRegionOutput;
    readonly report: DrillReport;
    private changes: FaultRecord[] = [];
    private lock?: LockRecord;
    private heartbeat?: NodeJS.Timeout;
    private probing = false;
    private probeLoop?: Promise<void>;
    /** True between injection and failback: the primary's APIs are off limits. */
    private primaryDown = false;
    private latestBackup?: BackupInfo;
    private readonly call: number;
    private readonly poll: number;
    private readonly factor: number;

    constructor(opts: DrillOptions) {
        this.now = opts.now ?? Date.now;
        this.call = opts.callTimeoutMs ?? 10000;
        this.opts = { ...opts, ports: withCallDeadlines(opts.ports, this.call) };
        this.poll = opts.pollMs ?? 1000;
        this.factor = opts.timeoutFactor ?? 2;
        const out = opts.outputs;
        this.primary = out.regions.find((r) => r.primary)!;
        this.secondary = out.regions.find((r) => !r.primary);
        const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
        this.report = {
            drillId: opts.drillId ?? `drill-${stamp.toLowerCase()}`,
            stack: out.stack,
            scenario: "region-failover",
            fault: opts.fault,
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
            samples: [],
        };
    }

    private get owner(): string {
        return this.opts.owner ?? `pid ${process.pid}`;
    }

    /* ------------------------------------------------------------ run */

    async run(): Promise<DrillReport> {
        const r = this.report;
        this.event(
            "start",
            `region-failover drill ${r.drillId} on ${r.stack} (${r.mode}, fault ${r.fault}${this.opts.restore ? ", restore" : ""}): ` +
                `${this.primary.name} -> ${this.secondary?.name ?? "?"} for ${r.hostname}`,
        );
        try {
            if (!this.opts.execute) {
                await this.dryRun();
            } else {
                await this.phase("lock", 4 * this.call, (s) => this.takeLock(s));
                await this.phase("preflight", 6 * this.call, (s) => this.preflight(s));
                await this.phase("baseline", 3 * this.call, (s) => this.baseline(s));
                await this.phase("inject", 3 * this.call, (s) => this.inject(s));
                await this.phase("failover", this.budget(r.targets.failoverSeconds), (s) =>
                    this.failover(s),
                );
                if (this.opts.restore)
                    await this.phase("restore", this.budget(r.targets.recoverySeconds), (s) =>
                        this.restoreIntoScratch(s),
                    );
                await this.phase("hold", this.opts.holdMs + 3 * this.call, (s) => this.hold(s));
                await this.phase("failback", this.budget(r.targets.failoverSeconds), (s) =>
                    this.failback(s),
                );
                this.evaluate();
            }
        } catch (e) {
            this.fail(e as Error);
        }
        await this.undoAll();
        await this.stopProbe();
        await this.releaseLock();
        r.endedAt = new Date(this.now()).toISOString();
        this.event("verdict", `${r.verdict}${r.reason ? `: ${r.reason}` : ""}`);
        return r;
    }

    /** Undo what a crashed drill left (read from the state next to the lock). */
    async recover(): Promise<DrillReport> {
        const r = this.report;
        (r as { mode: string }).mode = "recover";
        try {
            await this.phase("lock", 4 * this.call, (s) => this.takeLock(s));
            await this.phase("recover", 4 * this.call, async (s) => {
                const state = await this.opts.ports.lock.readState(s);
                if (!state || state.changes.length === 0) {
                    this.note("no pending state: nothing to recover");
                    r.verdict = "PASSED";
                    r.reason = "nothing to recover";
                    return;
                }
                this.note(
                    `state of drill ${state.drillId} (${state.owner}, ${state.updatedAt}): ${state.changes.map(describe).join("; ")}`,
                );
                this.changes = [...state.changes];
                this.recoveredFrom = state.drillId;
            });
        } catch (e) {
            this.fail(e as Error);
        }
        if (this.changes.length > 0) {
            await this.undoAll();
            if (!r.pending?.length && r.verdict !== "REFUSED") {
                r.verdict = "RECOVERED";
                r.reason = `undid the changes of drill ${this.recoveredFrom}`;
            }
        }
        await this.releaseLock();
        r.endedAt = new Date(this.now()).toISOString();
        this.event("verdict", `${r.verdict}${r.reason ? `: ${r.reason}` : ""}`);
        return r;
    }

    private recoveredFrom?: string;

    private fail(err: Error): void {
        const r = this.report;
        if (err instanceof LockHeld) r.verdict = "REFUSED";
        else if (err instanceof DrillFailure) r.verdict = "FAILED";
        else r.verdict = "ABORTED";
        r.reason = err.message;
        if (!(
            err instanceof DrillFailure ||
            err instanceof StopCondition ||
            err instanceof LockHeld
        ))
            r.error = `${err.name}: ${err.message}`;
        this.event(r.verdict === "ABORTED" ? "abort" : "fail", err.message);
    }

    private budget(targetSeconds: number): number {
        return targetSeconds * 1000 * this.factor;
    }

    /* ------------------------------------------------------------ dry run */

    private async dryRun(): Promise<void> {
        const r = this.report;
        const problems = this.staticChecks();
        if (!this.opts.offline) {
            const state = await withDeadline("read drill state", this.call, (s) =>
                this.opts.ports.lock.readState(s),
            );
            if (state && state.changes.length > 0) {
                r.verdict = "NOT PASSED";
                r.reason =
                    `drill ${state.drillId} (${state.owner}) left changes in place: ${state.changes.map(describe).join("; ")}. ` +
                    `Recover with: npm run drill -- recover --stack ${r.stack} --outputs <outputs.json>`;
                this.check("no pending drill state", false, r.reason);
                return;
            }
            this.check("no pending drill state", true, "the lock table holds no state");
        }
        for (const line of this.plan()) await this.act(line);
        if (problems.length > 0) throw new DrillFailure(`preflight failed: ${problems.join("; ")}`);
        r.verdict = "PASSED";
        r.reason = "dry run: static checks passed, nothing was measured or changed";
    }

    private plan(): string[] {
        const p = this.primary;
        const s = this.secondary;
        const fault =
            this.opts.fault === "dns"
                ? `set Inverted=true on health check ${p.healthCheckId} (${p.name})`
                : this.opts.fault === "ingress-outage"
                  ? `create AuthorizationPolicy DENY ${this.policyName} on ${p.ingressGateway.namespace}/${p.ingressGateway.deployment} in ${p.name}`
                  : `start FIS experiment from template ${this.opts.outputs.fis?.experimentTemplateId ?? "(none declared)"}`;
        return [
            `take lock lock#${this.report.stack} in ${this.opts.outputs.lock.tableName} (${this.opts.outputs.lock.region})`,
            `write state, then ${fault}`,
            `probe https://${this.report.hostname}${this.opts.outputs.smoke.publicPath}status/200 every ${this.poll / 1000}s; run Job ${this.meshProbeName} in ${s?.name ?? "?"}`,
            ...(this.opts.restore
                ? [
                      `restore the latest ${ASSESSMENT_SCHEDULE} backup into ${this.scratchNamespace} in ${s?.name ?? "?"}, verify counts and the canary`,
                  ]
                : []),
            `hold ${this.opts.holdMs / 1000}s, then undo, clean up and release the lock`,
        ];
    }

    private staticChecks(): string[] {
        const out = this.opts.outputs;
        const failed: string[] = [];
        const check = (name: string, ok: boolean, detail: string) => {
            this.check(name, ok, detail);
            if (!ok) failed.push(`${name}: ${detail}`);
        };
        check(
            "dns provider",
            out.dns.provider === "route53",
            out.dns.provider === "route53"
                ? "route53"
                : `${out.dns.provider}: this drill drives Route 53 and Kubernetes on AWS stacks only`,
        );
        check(
            "secondary region",
            this.secondary !== undefined,
            this.secondary?.name ?? "the stack has one region; nothing to fail over to",
        );
        check(
            "configured worst case",
            out.dns.worstCaseFailoverSeconds <= out.targets.failoverSeconds,
            `${out.dns.worstCaseFailoverSeconds}s = ${out.dns.healthCheckFailureThreshold} x (${out.dns.healthCheckIntervalSeconds}s + 6s) + 10s + ${out.dns.ttlSeconds}s TTL (target ${out.targets.failoverSeconds}s)`,
        );
        if (this.opts.fault === "fis")
            check(
                "fis template",
                out.fis !== null,
                out.fis
                    ? out.fis.experimentTemplateId
                    : "no FIS experiment template declared (mesh-platform:drill.fis.enabled)",
            );
        return failed;
    }

    /* ------------------------------------------------------------ phases */

    private async takeLock(signal: AbortSignal): Promise<void> {
        const lease = this.opts.leaseMs ?? 120000;
        const lock: LockRecord = {
            stack: this.report.stack,
            drillId: this.report.drillId,
            owner: this.owner,
            startedAt: this.report.startedAt,
            expiresAt: Math.ceil((this.now() + lease) / 1000),
        };
        await this.opts.ports.lock.acquire(lock, signal);
        this.lock = lock;
        this.note(
            `lock taken until ${new Date(lock.expiresAt * 1000).toISOString()} by ${lock.owner}`,
        );
        this.heartbeat = setInterval(
            () => {
                const renewed = { ...lock, expiresAt: Math.ceil((this.now() + lease) / 1000) };
                withDeadline("renew lock", this.call, (s) => this.opts.ports.lock.renew(renewed, s))
                    .then(() => (this.lock = renewed))
                    .catch((e) =>
                        this.event("warn", `lock renewal failed: ${(e as Error).message}`),
                    );
            },
            Math.max(200, lease / 3),
        );
        this.heartbeat.unref();
    }

    private async releaseLock(): Promise<void> {
        clearInterval(this.heartbeat);
        if (!this.lock) return;
        if (this.report.pending?.length) {
            this.event("warn", "lock kept until it expires: changes are pending (run recover)");
            return;
        }
        const lock = this.lock;
        await withDeadline("release lock", this.call, (s) => this.opts.ports.lock.release(lock, s))
            .then(() => this.event("lock", "lock released"))
            .catch((e) =>
                this.event(
                    "warn",
                    `lock release failed (expires on its own): ${(e as Error).message}`,
                ),
            );
        this.lock = undefined;
    }

    private async preflight(signal: AbortSignal): Promise<void> {
        const out = this.opts.outputs;
        const ports = this.opts.ports;
        const failed = this.staticChecks();
        const check = (name: string, ok: boolean, detail: string) => {
            this.check(name, ok, detail);
            if (!ok) failed.push(`${name}: ${detail}`);
        };
        if (failed.length > 0) throw new DrillFailure(`preflight failed: ${failed.join("; ")}`);
        const secondary = this.secondary!;
        const state = await ports.lock.readState(signal);
        check(
            "no pending drill state",
            !state || state.changes.length === 0,
            state?.changes.length
                ? `drill ${state.drillId} left ${state.changes.map(describe).join("; ")}; run: npm run drill -- recover --stack ${out.stack}`
                : "none",
        );
        if (this.opts.fault === "dns") {
            const inverted = await ports.healthChecks.getInverted(
                this.primary.healthCheckId,
                signal,
            );
            check(
                "primary health check not inverted",
                !inverted,
                `health check ${this.primary.healthCheckId}${inverted ? " is already inverted" : ""}`,
            );
        }
        for (const region of [this.primary, secondary]) {
            try {
                await ports.cluster.reachable(region, signal);
                check(`${region.name} cluster API`, true, `${region.clusterName} answers`);
            } catch (e) {
                if (e instanceof DeadlineExceeded || e instanceof Interrupted) throw e;
                check(
                    `${region.name} cluster API`,
                    false,
                    `${region.clusterName}: ${(e as Error).message}`,
                );
            }
        }
        const firing = await ports.alarms.inAlarm(out.stopAlarms, signal);
        check(
            "stop alarms",
            firing.length === 0,
            firing.length ? `in ALARM: ${firing.join(", ")}` : `${out.stopAlarms.length} OK`,
        );
        if (this.opts.restore) {
            const canary = await ports.cluster.ensureCanary(
                this.primary,
                ASSESSMENT_NAMESPACE,
                signal,
            );
            this.note(
                `known object ${ASSESSMENT_NAMESPACE}/dr-canary written ${canary.writtenAt}, sha256 ${canary.sha256.slice(0, 12)}`,
            );
            const backups = await ports.cluster.backups(secondary, ASSESSMENT_SCHEDULE, signal);
            const location = replicaLocationName(this.primary.name);
            const latest = [...backups]
                .filter(
                    (b) =>
                        b.phase === "Completed" &&
                        b.startedAt &&
                        (b.storageLocation === undefined || b.storageLocation === location),
                )
                .sort((a, b) => b.startedAt!.getTime() - a.startedAt!.getTime())[0];
            if (!latest) {
                check(
                    "latest exams backup",
                    false,
                    `no completed ${ASSESSMENT_SCHEDULE} backup of ${this.primary.name} visible in ${secondary.name} (${location})`,
                );
            } else {
                const age = (this.now() - latest.startedAt!.getTime()) / 60000;
                check(
                    "latest exams backup",
                    age <= out.targets.examsRpoMinutes,
                    `${latest.name} started ${latest.startedAt!.toISOString()}, ${round(age)} min ago (RPO ${out.targets.examsRpoMinutes} min, from the backup's start)`,
                );
                this.latestBackup = latest;
            }
        }
        if (failed.length > 0) throw new DrillFailure(`preflight failed: ${failed.join("; ")}`);
    }

    private async baseline(signal: AbortSignal): Promise<void> {
        this.startProbe();
        const deadline = this.now() + 3 * this.call;
        for (;;) {
            const last = this.report.samples.at(-1);
            if (last?.ok && last.region === this.primary.name) {
                this.note(
                    `the public probe is answered by ${this.primary.name} (${last.status}, ${last.ms} ms)`,
                );
                return;
            }
            if (this.now() > deadline)
                throw new DrillFailure(
                    `baseline: the public probe is not answered by ${this.primary.name} (last: ${last ? sampleText(last) : "none"})`,
                );
            await sleep(this.poll / 2, signal);
        }
    }

    private get policyName(): string {
        return `drill-deny-${this.report.drillId}`.slice(0, 63);
    }
    private get meshProbeName(): string {
        return `drill-probe-${this.report.drillId}`.slice(0, 63);
    }
    private get scratchNamespace(): string {
        return `drill-${ASSESSMENT_NAMESPACE}-${this.report.drillId.replace(/^drill-/, "")}`.slice(
            0,
            63,
        );
    }

    private async record(change: FaultRecord, signal: AbortSignal): Promise<void> {
        this.changes.push(change);
        await this.saveState(signal);
    }

    private async saveState(signal: AbortSignal): Promise<void> {
        const state: DrillState = {
            version: 2,
            stack: this.report.stack,
            drillId: this.report.drillId,
            owner: this.owner,
            updatedAt: new Date(this.now()).toISOString(),
            changes: this.changes,
        };
        await this.opts.ports.lock.writeState(state, signal);
        this.event(
            "state",
            `state saved: ${this.changes.map(describe).join("; ") || "nothing pending"}`,
        );
    }

    private async inject(signal: AbortSignal): Promise<void> {
        const ports = this.opts.ports;
        const secondary = this.secondary!;
        const mesh: FaultRecord = {
            kind: "mesh-probe",
            region: secondary.name,
            jobName: this.meshProbeName,
        };
        await this.record(mesh, signal);
        const seconds =
            (this.budget(this.report.targets.failoverSeconds) * 2 + this.opts.holdMs) / 1000;
        await this.act(`start in-mesh probe Job ${this.meshProbeName} in ${secondary.name}`, () =>
            ports.cluster.startMeshProbe(secondary, this.meshProbeName, seconds, signal),
        );
        let change: FaultRecord;
        if (this.opts.fault === "dns") {
            change = {
                kind: "dns",
                healthCheckId: this.primary.healthCheckId,
                originalInverted: false,
            };
        } else if (this.opts.fault === "ingress-outage") {
            change = {
                kind: "ingress-outage",
                region: this.primary.name,
                policyName: this.policyName,
            };
        } else {
            throw new DrillFailure(
                "fault fis: the drill needs @aws-sdk/client-fis to start and stop the declared experiment; start it with `aws fis start-experiment` and run --fault dns or ingress-outage",
            );
        }
        // Recorded before it is made: a crash between the two leaves a state recover can undo.
        await this.record(change, signal);
        this.report.injectedAt = this.now();
        await this.act(`inject ${describe(change)}`, () => this.apply(change, signal));
        this.report.injectedAt = this.now();
        this.primaryDown = true;
        if (this.latestBackup?.startedAt)
            this.report.measurements.rpoMinutes = round(
                (this.report.injectedAt - this.latestBackup.startedAt.getTime()) / 60000,
            );
        this.note(`injected; until failback the drill calls no API of ${this.primary.name}`);
    }

    private apply(change: FaultRecord, signal: AbortSignal): Promise<void> {
        const ports = this.opts.ports;
        switch (change.kind) {
            case "dns":
                return ports.healthChecks.setInverted(change.healthCheckId, true, signal);
            case "ingress-outage":
                return ports.cluster.denyIngress(
                    this.region(change.region),
                    change.policyName,
                    signal,
                );
            default:
                return Promise.resolve();
        }
    }

    private async failover(signal: AbortSignal): Promise<void> {
        const secondary = this.secondary!;
        const at = await this.watch(signal, Infinity, () => {
            const last = this.report.samples.at(-1);
            return last?.ok === true && last.region === secondary.name;
        });
        const s = summarize(this.report.samples, secondary.name, this.report.injectedAt!);
        const m = this.report.measurements;
        m.failoverSeconds = round((at - this.report.injectedAt!) / 1000);
        if (s.firstFailureAt)
            m.firstFailureSeconds = round((s.firstFailureAt - this.report.injectedAt!) / 1000);
        m.userVisibleRtoSeconds = s.userVisibleRtoSeconds;
        this.note(
            `the public probe is answered by ${secondary.name} ${m.failoverSeconds}s after injection; user-visible RTO ${m.userVisibleRtoSeconds ?? "-"}s (${s.errors} failed requests)`,
        );
    }

    private async restoreIntoScratch(signal: AbortSignal): Promise<void> {
        const secondary = this.secondary!;
        const ports = this.opts.ports;
        const backup = this.latestBackup;
        if (!backup) throw new DrillFailure("restore: no backup chosen in preflight");
        const name = `${this.report.drillId}-restore`.slice(0, 63);
        const rec: RestoreRecord = (this.report.restore = {
            name,
            backupName: backup.name,
            namespace: ASSESSMENT_NAMESPACE,
            scratchNamespace: this.scratchNamespace,
        });
        await this.record(
            {
                kind: "restore",
                region: secondary.name,
                restoreName: name,
                namespace: rec.scratchNamespace,
            },
            signal,
        );
        await this.act(
            `create Velero Restore ${name} of ${backup.name}: ${ASSESSMENT_NAMESPACE} -> ${rec.scratchNamespace} in ${secondary.name}`,
            () =>
                this.regional(secondary, () =>
                    ports.cluster.createRestore(
                        secondary,
                        name,
                        backup.name,
                        { [ASSESSMENT_NAMESPACE]: rec.scratchNamespace },
                        signal,
                    ),
                ),
        );
        for (;;) {
            await this.stopConditions(signal);
            const st = await this.regional(secondary, () =>
                ports.cluster.restoreStatus(secondary, name, signal),
            );
            Object.assign(rec, { phase: st.phase, warnings: st.warnings, errors: st.errors });
            if (
                st.phase === "Failed" ||
                st.phase === "PartiallyFailed" ||
                st.phase === "FailedValidation"
            )
                throw new DrillFailure(
                    `Velero Restore ${name} ended ${st.phase} (${st.errors} errors, ${st.warnings} warnings)`,
                );
            if (st.phase === "Completed") {
                if (st.totalItems !== undefined && st.itemsRestored !== st.totalItems)
                    throw new DrillFailure(
                        `Velero Restore ${name}: ${st.itemsRestored} of ${st.totalItems} items restored`,
                    );
                break;
            }
            await sleep(this.poll, signal);
        }
        const check = await this.regional(secondary, () =>
            ports.cluster.checkRestored(secondary, rec.scratchNamespace, signal),
        );
        Object.assign(rec, { counts: check.counts });
        const total = Object.values(check.counts).reduce((a, b) => a + b, 0);
        this.check(
            "restored objects",
            total > 0,
            `${rec.scratchNamespace}: ${Object.entries(check.counts)
                .map(([k, v]) => `${v} ${k}`)
                .join(", ")}`,
        );
        const canaryOk =
            check.canary !== undefined && check.canary.sha256 === check.canary.expected;
        rec.canaryOk = canaryOk;
        this.check(
            "known object checksum",
            canaryOk,
            check.canary
                ? `dr-canary (written ${check.canary.writtenAt}) sha256 ${check.canary.sha256.slice(0, 12)} ${canaryOk ? "matches" : `!= ${check.canary.expected.slice(0, 12)}`}`
                : "dr-canary is not in the restored namespace (the backup predates it?)",
        );
        if (total === 0 || !canaryOk)
            throw new DrillFailure(`restore into ${rec.scratchNamespace} did not verify`);
        this.report.measurements.recoverySeconds = round(
            (this.now() - this.report.injectedAt!) / 1000,
        );
        this.note(`restore verified ${this.report.measurements.recoverySeconds}s after injection`);
    }

    private async hold(signal: AbortSignal): Promise<void> {
        const secondary = this.secondary!;
        const until = this.now() + this.opts.holdMs;
        await this.watch(signal, until, () => {
            const last = this.report.samples.at(-1);
            if (last && last.ok && last.region !== secondary.name)
                throw new StopCondition(
                    `while holding, ${last.region ?? "an unknown address"} answered instead of ${secondary.name}`,
                );
            return false;
        });
        this.note(`held ${this.opts.holdMs / 1000}s on ${secondary.name}`);
    }

    private async failback(signal: AbortSignal): Promise<void> {
        const start = this.now();
        await this.undoAll(["dns", "ingress-outage"]);
        if (this.report.pending?.length)
            throw new DrillFailure(`failback: could not undo ${this.report.pending.join("; ")}`);
        this.primaryDown = false;
        const at = await this.watch(
            signal,
            Infinity,
            () => {
                const last = this.report.samples.at(-1);
                return last?.ok === true && last.region === this.primary.name;
            },
            false,
        );
        this.report.measurements.failbackSeconds = round((at - start) / 1000);
        this.note(
            `the public probe is answered by ${this.primary.name} again after ${this.report.measurements.failbackSeconds}s`,
        );
    }

    /** Compare measurements with the targets; any miss makes the verdict FAILED. */
    private evaluate(): void {
        const r = this.report;
        const m = r.measurements;
        const s = summarize(r.samples, this.secondary!.name, r.injectedAt!);
        m.probeErrors = s.errors;
        m.probeSamples = s.samples;
        const misses: string[] = [];
        const cmp = (label: string, value: number | undefined, target: number, unit: string) => {
            if (value === undefined) misses.push(`${label} not measured`);
            else if (value > target)
                misses.push(`${label} ${value}${unit} > target ${target}${unit}`);
        };
        cmp("failover", m.failoverSeconds, r.targets.failoverSeconds, "s");
        if (this.opts.restore) {
            cmp("recovery", m.recoverySeconds, r.targets.recoverySeconds, "s");
            cmp("RPO", m.rpoMinutes, r.targets.examsRpoMinutes, " min");
        }
        r.verdict = misses.length === 0 ? "PASSED" : "FAILED";
        r.reason = misses.length === 0 ? "every measurement within its target" : misses.join("; ");
    }

    /* ------------------------------------------------------------ probes and stop conditions */

    private startProbe(): void {
        if (this.probing) return;
        this.probing = true;
        this.probeLoop = (async () => {
            let last: ProbeSample | undefined;
            while (this.probing) {
                const started = this.now();
                const sample = await withDeadline("public probe", this.call, (s) =>
                    this.opts.ports.probe.once(s),
                ).catch((e): ProbeSample => ({
                    at: started,
                    ok: false,
                    error: (e as Error).message,
                    ms: this.now() - started,
                }));
                this.report.samples.push(sample);
                if (!last || last.ok !== sample.ok || last.region !== sample.region)
                    this.event("probe", sampleText(sample));
                last = sample;
                await new Promise((r) =>
                    setTimeout(r, Math.max(0, this.poll - (this.now() - started))),
                );
            }
        })();
    }

    private async stopProbe(): Promise<void> {
        this.probing = false;
        await this.probeLoop;
    }

    private meshPolledAt = 0;

    /** Poll until `done()` (returns its time) or `until`; checks the stop conditions each time. */
    private async watch(
        signal: AbortSignal,
        until: number,
        done: () => boolean,
        stops = true,
    ): Promise<number> {
        for (;;) {
            if (done()) return this.now();
            if (this.now() >= until) return this.now();
            if (stops) await this.stopConditions(signal);
            await sleep(this.poll / 2, signal);
        }
    }

    private async stopConditions(signal: AbortSignal): Promise<void> {
        const out = this.opts.outputs;
        const since = this.now() - (this.report.injectedAt ?? this.now());
        const expected =
            this.opts.expectedWindowMs ?? out.dns.worstCaseFailoverSeconds * 1000 * this.factor;
        const window = this.opts.errorWindowMs ?? 10000;
        const threshold = this.opts.errorRateThreshold ?? 0.5;
        if (since > expected) {
            const rate = errorRate(this.report.samples, this.now(), window);
            if (rate > threshold)
                throw new StopCondition(
                    `probe error rate ${Math.round(rate * 100)}% over the last ${window / 1000}s is above ${threshold * 100}% ${round(since / 1000)}s after injection (expected window ${expected / 1000}s)`,
                );
        }
        const firing = await this.opts.ports.alarms.inAlarm(out.stopAlarms, signal);
        if (firing.length > 0) throw new StopCondition(`stop alarm in ALARM: ${firing.join(", ")}`);
        if (this.now() - this.meshPolledAt >= 5 * this.poll && this.secondary) {
            this.meshPolledAt = this.now();
            const log = await this.regional(this.secondary, () =>
                this.opts.ports.cluster.meshProbeLog(this.secondary!, this.meshProbeName, signal),
            );
            const lines = log.split("\n").filter((l) => /^\d+ \d{3}$/.test(l.trim()));
            const m = this.report.measurements;
            m.meshProbeSamples = lines.length;
            m.meshProbeErrors = lines.filter((l) => !/ 2\d\d$/.test(l.trim())).length;
        }
    }

    /* ------------------------------------------------------------ undo */

    /** Undo recorded changes (all, or those of `kinds`) in reverse order, with retries. Never throws. */
    private async undoAll(kinds?: readonly FaultRecord["kind"][]): Promise<void> {
        const todo = this.changes.filter((c) => !kinds || kinds.includes(c.kind)).reverse();
        if (todo.length === 0) return;
        const rec = this.startPhase("undo");
        const failed: string[] = [];
        for (const change of todo) {
            try {
                await retry(
                    () =>
                        withDeadline(`undo ${describe(change)}`, this.call, (s) =>
                            this.revert(change, s),
                        ),
                    {
                        attempts: this.opts.undoAttempts ?? 5,
                        onRetry: (i, e, w) =>
                            this.event(
                                "retry",
                                `undo ${describe(change)} failed (${e.message}); attempt ${i + 1} in ${w} ms`,
                            ),
                    },
                );
                this.changes = this.changes.filter((c) => c !== change);
                this.report.actions.push(`undo ${describe(change)}`);
                this.note(`undone: ${describe(change)}`, rec);
                await withDeadline("save state", this.call, (s) => this.saveState(s)).catch(
                    () => undefined,
                );
            } catch (e) {
                failed.push(`${describe(change)}: ${(e as Error).message}`);
            }
        }
        if (this.changes.length === 0)
            await withDeadline("clear state", this.call, (s) =>
                this.opts.ports.lock.clearState(this.report.drillId, s),
            )
                .then(() => this.event("state", "state cleared"))
                .catch((e) => failed.push(`clear state: ${(e as Error).message}`));
        if (failed.length > 0) {
            const r = this.report;
            r.pending = failed;
            const msg = `could not undo ${failed.join("; ")}; the state is kept: run npm run drill -- recover --stack ${r.stack}`;
            r.reason = r.reason ? `${r.reason}; ${msg}` : msg;
            if (r.verdict === "PASSED" || r.verdict === "RECOVERED") r.verdict = "FAILED";
            this.event("warn", msg);
        }
        this.endPhase(rec, failed.length ? "failed" : "ok");
    }

    private revert(change: FaultRecord, signal: AbortSignal): Promise<void> {
        const c = this.opts.ports.cluster;
        switch (change.kind) {
            case "dns":
                return this.opts.ports.healthChecks.setInverted(
                    change.healthCheckId,
                    change.originalInverted,
                    signal,
                );
            case "ingress-outage":
                return c.allowIngress(this.region(change.region), change.policyName, signal);
            case "restore":
                return c
                    .cleanupRestore(
                        this.region(change.region),
                        change.restoreName,
                        change.namespace,
                        signal,
                    )
                    .then(() => {
                        if (this.report.restore) this.report.restore.cleanedUp = true;
                    });
            case "mesh-probe":
                return c.stopMeshProbe(this.region(change.region), change.jobName, signal);
        }
    }

    /* ------------------------------------------------------------ helpers */

    private region(name: string): DrillRegionOutput {
        const r = this.opts.outputs.regions.find((x) => x.name === name);
        if (!r) throw new Error(`state names region ${name}, which the stack outputs do not have`);
        return r;
    }

    private async regional<T>(region: DrillRegionOutput, fn: () => Promise<T>): Promise<T> {
        if (this.primaryDown && region.primary)
            throw new Error(
                `refusing to call ${region.name}'s APIs between injection and failback`,
            );
        return fn();
    }

    private check(name: string, ok: boolean, detail: string): void {
        this.report.checks.push({ name, ok, detail });
        this.note(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
    }

    private async act(description: string, fn?: () => Promise<void>): Promise<void> {
        this.report.actions.push(description);
        if (!this.opts.execute || !fn) {
            this.event("action", `[dry-run] would ${description}`);
            return;
        }
        this.event("action", description);
        await fn();
    }

    private current?: PhaseRecord;

    private startPhase(name: PhaseName): PhaseRecord {
        const rec: PhaseRecord = {
            name,
            start: new Date(this.now()).toISOString(),
            status: "ok",
            notes: [],
        };
        this.report.phases.push(rec);
        this.current = rec;
        this.event("phase", `> ${name}`);
        return rec;
    }

    private endPhase(rec: PhaseRecord, status: PhaseRecord["status"]): void {
        rec.status = status;
        rec.end = new Date(this.now()).toISOString();
        rec.durationSeconds = round((Date.parse(rec.end) - Date.parse(rec.start)) / 1000, 3);
    }

    private async phase(
        name: PhaseName,
        budgetMs: number,
        body: (signal: AbortSignal) => Promise<void>,
    ): Promise<void> {
        const rec = this.startPhase(name);
        try {
            await withDeadline(`phase ${name}`, budgetMs, body, this.opts.signal);
            this.endPhase(rec, "ok");
        } catch (e) {
            rec.notes.push((e as Error).message);
            this.endPhase(rec, e instanceof DrillFailure ? "failed" : "aborted");
            throw e;
        }
    }

    private note(s: string, rec = this.current): void {
        rec?.notes.push(s);
        this.event("note", s);
    }

    private event(kind: string, message: string): void {
        this.opts.onEvent?.({ at: new Date(this.now()).toISOString(), kind, message });
    }
}

export function describe(c: FaultRecord): string {
    switch (c.kind) {
        case "dns":
            return `health check ${c.healthCheckId} Inverted=true (back to ${c.originalInverted})`;
        case "ingress-outage":
            return `AuthorizationPolicy DENY ${c.policyName} on the ingress gateway of ${c.region}`;
        case "restore":
            return `Velero Restore ${c.restoreName} and namespace ${c.namespace} in ${c.region}`;
        case "mesh-probe":
            return `in-mesh probe Job ${c.jobName} in ${c.region}`;
    }
}

function sampleText(s: ProbeSample): string {
    return s.ok
        ? `probe ok: ${s.status} from ${s.region ?? "?"} in ${s.ms} ms`
        : `probe FAILED${s.region ? ` (${s.region})` : ""}: ${s.status ?? s.error ?? "?"}`;
}

/** Exit codes, documented in docs/drill.md and kept through `npm run`. */
export const EXIT_CODES: Readonly<Record<Verdict, number>> = {
    PASSED: 0,
    RECOVERED: 0,
    FAILED: 1,
    "NOT PASSED": 1,
    ABORTED: 3,
    REFUSED: 4,
};
