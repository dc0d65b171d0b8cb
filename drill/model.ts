/**
 * The drill's data model: the report it writes (phases, checks, measurements), its options, and the
 * errors that end a phase. Shared by the engine, the CLI and the report renderer.
 */
import type { DrillOutputs } from "../lib/drill-contract";
import type { DrillPorts } from "./ports";
import type { StateFile } from "./state";

export type Verdict = "PASSED" | "FAILED" | "ABORTED";
export type PhaseStatus = "ok" | "failed" | "aborted" | "dry-run";

export const PHASES = [
    "preflight",
    "baseline",
    "inject",
    "detect",
    "failover",
    "verify-hold",
    "failback",
    "report",
] as const;
export type PhaseName = (typeof PHASES)[number] | "restore-previous" | "undo";

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
    /** Injection until Route 53 considers the primary unhealthy. */
    detectionSeconds?: number;
    /** Injection until DNS answers the secondary. */
    failoverSeconds?: number;
    /** Injection until the secondary serves (DNS answers it and the optional restore completed). */
    recoverySeconds?: number;
    /** Age of the latest completed assessment backup at injection: the data a real failure would lose. */
    rpoMinutes?: number;
    /** Failover plus the record TTL: the latest a client with a cached answer moves. */
    clientFailoverUpperBoundSeconds?: number;
    /** Un-inverting until DNS answers the primary again. */
    failbackSeconds?: number;
}

export interface DrillReport {
    readonly drillId: string;
    readonly stack: string;
    readonly scenario: "region-failover";
    readonly mode: "execute" | "dry-run";
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
    restoreName?: string;
    /** Set when an earlier crashed run left the flag inverted and this run put it back. */
    restoredPrevious?: { healthCheckId: string; injectedAt: string; pid: number };
    error?: string;
}

export interface DrillOptions {
    readonly outputs: DrillOutputs;
    readonly ports: DrillPorts;
    readonly stateFile: StateFile;
    readonly execute: boolean;
    /** Also restore the latest assessment backup into the secondary through a Velero Restore. */
    readonly restore: boolean;
    readonly pollMs: number;
    readonly holdMs: number;
    /** Waits give up after target x factor. @default 2 */
    readonly timeoutFactor?: number;
    readonly signal?: AbortSignal;
    readonly log?: (line: string) => void;
    readonly now?: () => number;
    readonly drillId?: string;
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
