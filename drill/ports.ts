/**
 * What the drill needs from the outside world, as interfaces. The CLI wires the real ones (Route 53,
 * S3, DNS, the secondary's Kubernetes API); tests drive health and DNS observations themselves.
 * Every region-bound call names its region so the engine can refuse calls to the primary region
 * after injection.
 */
import type { DrillRegionOutput } from "../lib/drill-contract";

export type Health = "healthy" | "unhealthy";

/** Route 53 health check settings (a global API, not bound to either region). */
export interface HealthCheckControl {
    getInverted(healthCheckId: string): Promise<boolean>;
    setInverted(healthCheckId: string, inverted: boolean): Promise<void>;
}

/** The health Route 53 acts on for a region's check (checker observations with inversion applied). */
export interface HealthObserver {
    status(region: DrillRegionOutput): Promise<Health>;
}

/** What DNS answers for the failover hostname (CNAME targets or addresses). */
export interface DnsObserver {
    answer(hostname: string): Promise<readonly string[]>;
}

export interface BackupInfo {
    readonly name: string;
    readonly phase: string;
    readonly completedAt?: Date;
    readonly storageLocation?: string;
}

/** Velero Backup objects as one cluster sees them (its own and those synced from read-only locations). */
export interface BackupCatalog {
    /** Backups of a schedule (label `velero.io/schedule-name`), any phase. */
    list(cluster: DrillRegionOutput, scheduleName: string): Promise<readonly BackupInfo[]>;
}

/** Object storage of one region (used on the secondary only: the replica of the primary's backups). */
export interface ReplicaStore {
    exists(region: DrillRegionOutput, bucket: string, key: string): Promise<boolean>;
}

/** Velero Restore in one cluster. */
export interface RestoreRunner {
    create(
        cluster: DrillRegionOutput,
        name: string,
        backupName: string,
        namespaces: readonly string[],
    ): Promise<void>;
    phase(cluster: DrillRegionOutput, name: string): Promise<string | undefined>;
}

/** Is a cluster's API server answering? */
export interface ClusterProbe {
    reachable(cluster: DrillRegionOutput): Promise<void>;
}

export interface DrillPorts {
    readonly control: HealthCheckControl;
    readonly health: HealthObserver;
    readonly dns: DnsObserver;
    readonly backups: BackupCatalog;
    readonly replicas: ReplicaStore;
    readonly restores: RestoreRunner;
    readonly clusters: ClusterProbe;
}
