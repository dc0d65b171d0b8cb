/**
 * What the drill needs from the outside world, as interfaces. The CLI wires the real ones (Route 53,
 * CloudWatch, DynamoDB, S3, DNS + TLS probes, the clusters' Kubernetes APIs); every real call takes
 * an AbortSignal and has a deadline. Region-bound calls name their region so the engine can refuse
 * calls to the primary between injection and failback.
 */
import type { DrillRegionOutput } from "../lib/drill-contract";
import type { DrillState, LockRecord } from "./state";

export type Health = "healthy" | "unhealthy";
type Sig = AbortSignal;

/** Route 53 health checks (a global API, not bound to either region). */
export interface HealthChecks {
    getInverted(healthCheckId: string, signal: Sig): Promise<boolean>;
    setInverted(healthCheckId: string, inverted: boolean, signal: Sig): Promise<void>;
    /** What Route 53 acts on (checker reports with `Inverted` applied). */
    status(healthCheckId: string, signal: Sig): Promise<Health>;
}

/** CloudWatch alarms that stop the drill. */
export interface Alarms {
    /** Names of the given alarms that are in ALARM. */
    inAlarm(alarms: readonly { name: string; region: string }[], signal: Sig): Promise<string[]>;
}

/** The lock shared by every runner, and the drill's state stored next to it. */
export interface LockStore {
    /** Take the lock; throws LockHeld when another live owner has it. */
    acquire(lock: LockRecord, signal: Sig): Promise<void>;
    /** Push the expiry; throws LockHeld when the lock is no longer ours. */
    renew(lock: LockRecord, signal: Sig): Promise<void>;
    /** Release if still ours. */
    release(lock: LockRecord, signal: Sig): Promise<void>;
    current(signal: Sig): Promise<LockRecord | undefined>;
    readState(signal: Sig): Promise<DrillState | undefined>;
    writeState(state: DrillState, signal: Sig): Promise<void>;
    clearState(drillId: string, signal: Sig): Promise<void>;
}

export interface BackupInfo {
    readonly name: string;
    readonly phase: string;
    readonly startedAt?: Date;
    readonly completedAt?: Date;
    readonly storageLocation?: string;
}

export interface RestoreStatus {
    readonly phase?: string;
    readonly warnings: number;
    readonly errors: number;
    readonly totalItems?: number;
    readonly itemsRestored?: number;
}

/** Result of checking a restored namespace. */
export interface RestoreCheck {
    /** Objects per kind found in the scratch namespace. */
    readonly counts: Readonly<Record<string, number>>;
    /** sha256 of the known object's data, and the checksum it carries from when it was written. */
    readonly canary?: {
        readonly sha256: string;
        readonly expected: string;
        readonly writtenAt: string;
    };
}

/** A cluster's Kubernetes API (every call bounded by the signal). */
export interface Cluster {
    reachable(cluster: DrillRegionOutput, signal: Sig): Promise<void>;
    /** Backups of a schedule as the cluster sees them (own and synced from read-only locations). */
    backups(
        cluster: DrillRegionOutput,
        schedule: string,
        signal: Sig,
    ): Promise<readonly BackupInfo[]>;
    /** Write the known object (if missing) in a namespace; returns its checksum and write time. */
    ensureCanary(
        cluster: DrillRegionOutput,
        namespace: string,
        signal: Sig,
    ): Promise<{ sha256: string; writtenAt: string }>;
    createRestore(
        cluster: DrillRegionOutput,
        name: string,
        backupName: string,
        mapping: Readonly<Record<string, string>>,
        signal: Sig,
    ): Promise<void>;
    restoreStatus(cluster: DrillRegionOutput, name: string, signal: Sig): Promise<RestoreStatus>;
    checkRestored(
        cluster: DrillRegionOutput,
        namespace: string,
        signal: Sig,
    ): Promise<RestoreCheck>;
    /** Delete the Restore object and the scratch namespace (absent is fine). */
    cleanupRestore(
        cluster: DrillRegionOutput,
        name: string,
        namespace: string,
        signal: Sig,
    ): Promise<void>;
    /** `ingress-outage`: deny every request at the region's ingress gateway. */
    denyIngress(cluster: DrillRegionOutput, policyName: string, signal: Sig): Promise<void>;
    /** Undo of denyIngress (absent is fine). */
    allowIngress(cluster: DrillRegionOutput, policyName: string, signal: Sig): Promise<void>;
    /** Start the in-mesh probe (a Job calling the smoke service every second). */
    startMeshProbe(
        cluster: DrillRegionOutput,
        name: string,
        seconds: number,
        signal: Sig,
    ): Promise<void>;
    /** Lines the probe printed so far: `<epoch seconds> <http code>`. */
    meshProbeLog(cluster: DrillRegionOutput, name: string, signal: Sig): Promise<string>;
    stopMeshProbe(cluster: DrillRegionOutput, name: string, signal: Sig): Promise<void>;
}

/** One request of the synthetic public probe. */
export interface ProbeSample {
    /** Epoch ms when sent. */
    readonly at: number;
    readonly ok: boolean;
    /** Region whose ingress answered (by address), if known. */
    readonly region?: string;
    readonly status?: number;
    readonly error?: string;
    readonly ms: number;
}

/** One request through the public hostname, as a learner would send it. */
export interface PublicProbe {
    once(signal: Sig): Promise<ProbeSample>;
}

export interface DrillPorts {
    readonly healthChecks: HealthChecks;
    readonly alarms: Alarms;
    readonly lock: LockStore;
    readonly cluster: Cluster;
    readonly probe: PublicProbe;
}
