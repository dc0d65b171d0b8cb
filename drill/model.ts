/**
 * The drill's data model: the report it writes (phases, checks, measurements, probe samples), its
 * options, and the errors that end a phase. Shared by the engine, the CLI and the report renderer.
 */
import type { DrillOutputs } from "../lib/drill-contract";
import type { DrillPorts, ProbeSample } from "./ports";

/** NOT PASSED: a dry run that found a crashed drill's changes still in place. */
export type Verdict = "PASSED" | "FAILED" | "ABORTED" | "NOT PASSED" | "REFUSED" | "RECOVERED";
export type PhaseStatus = "ok" | "failed" | "aborted" | "dry-run";
export const FAULTS = ["dns", "ingress-outage", "fis"] as const;
export type Fault = (typeof FAULTS)[number];
export type PhaseName =
    | "lock"
    | "preflight"
    | "baseline"
    | "inject"
    | "failover"
    | "restore"
    | "hold"
    | "failback"
    | "undo"
    | "recover";

export interface PhaseRecord {
    readonly name: PhaseName;
    readonly start: string;
    end?: string;
    durationSeconds?: number;
    status: PhaseStatus;
    readonly notes: string[];
}

export interface CheckRecord {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
}

export interface Measurements {
    /** Injection until the probe's first failed request. */
    firstFailureSeconds?: number;
    /** Injection until the first good request answered by the secondary. */
    failoverSeconds?: number;
    /** User-visible RTO: first failed to first good request through the secondary. */
    userVisibleRtoSeconds?: number;
    /** Failed probe requests after injection. */
    probeErrors?: number;
    probeSamples?: number;
    /** In-mesh probe from the secondary: requests and failures. */
    meshProbeSamples?: number;
    meshProbeErrors?: number;
    /** Injection until the restore was verified in the scratch namespace. */
    recoverySeconds?: number;
    /** Injection minus the START of the latest completed exams backup: what a real loss loses. */
    rpoMinutes?: number;
    /** Undo until the probe is answered by the primary again. */
    failbackSeconds?: number;
}

export interface RestoreRecord {
    readonly name: string;
    readonly backupName: string;
    readonly namespace: string;
    readonly scratchNamespace: string;
    phase?: string;
    warnings?: number;
    errors?: number;
    counts?: Readonly<Record<string, number>>;
    canaryOk?: boolean;
    cleanedUp?: boolean;
}

export interface DrillEvent {
    readonly at: string;
    readonly kind: string;
    readonly message: string;
}

export interface DrillReport {
    readonly drillId: string;
    readonly stack: string;
    readonly scenario: "region-failover";
    readonly fault: Fault;
    readonly mode: "execute" | "dry-run" | "recover";
    verdict: Verdict;
    reason: string;
    readonly startedAt: string;
    endedAt?: string;
    readonly primaryRegion: string;
    readonly secondaryRegion?: string;
    readonly hostname: string;
    readonly targets: DrillOutputs["targets"];
    readonly worstCaseFailoverSeconds: number;
    readonly measurements: Measurements;
    readonly checks: CheckRecord[];
    readonly phases: PhaseRecord[];
    /** Every change the drill made or (dry run) would make, in order. */
    readonly actions: string[];
    readonly samples: ProbeSample[];
    injectedAt?: number;
    restore?: RestoreRecord;
    /** Changes that could not be undone (then the state is kept and `recover` is the way out). */
    pending?: string[];
    error?: string;
}

export interface DrillOptions {
    readonly outputs: DrillOutputs;
    readonly ports: DrillPorts;
    readonly execute: boolean;
    readonly fault: Fault;
    /** Restore the latest exams backup into a scratch namespace of the secondary. */
    readonly restore: boolean;
    /** Don't touch any API (masked outputs): the dry run skips the lock and state. */
    readonly offline?: boolean;
    readonly holdMs: number;
    /** Probe and poll interval. @default 1000 */
    readonly pollMs?: number;
    /** Deadline of one API call. @default 10000 */
    readonly callTimeoutMs?: number;
    /** Phases give up after their target x factor. @default 2 */
    readonly timeoutFactor?: number;
    /** Stop when the error rate over `errorWindowMs` exceeds this past the expected window. @default 0.5 */
    readonly errorRateThreshold?: number;
    /** @default 10000 */
    readonly errorWindowMs?: number;
    /** How long errors are expected after injection. @default worst-case failover x factor */
    readonly expectedWindowMs?: number;
    /** Lock lease; renewed every third of it. @default 120000 */
    readonly leaseMs?: number;
    /** Undo attempts (exponential backoff from 500 ms). @default 5 */
    readonly undoAttempts?: number;
    readonly signal?: AbortSignal;
    readonly onEvent?: (e: DrillEvent) => void;
    readonly now?: () => number;
    readonly drillId?: string;
    readonly owner?: string;
}

/** A safety condition broke: stop, undo, verdict ABORTED. */
export class StopCondition extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StopCondition";
    }
}

/** The platform did not do what the drill expects: undo, verdict FAILED. */
export class DrillFailure extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DrillFailure";
    }
}
