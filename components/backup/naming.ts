/**
 * Names the backup component and the DR drill must agree on. Plain data only (no Pulumi imports), so
 * the drill CLI can import it without loading the Pulumi runtime.
 */
import { CERT_MANAGER_NAMESPACE, GATEWAY_NAMESPACE, ISTIO_NAMESPACE } from "../constants";

/** Helm release name of Velero; the chart names its Deployment and Schedules after it. */
export const VELERO_RELEASE = "velero";
/** Name of each cluster's own read-write BackupStorageLocation (the chart's default location). */
export const OWN_LOCATION = "default";

/** Object-key prefix under which Velero of `region` writes (in its own bucket and in the peer's replica). */
export function veleroPrefix(region: string): string {
    return `velero/${region}`;
}

/** Read-only BackupStorageLocation in one cluster that points at the replica of `peerRegion`'s backups. */
export function replicaLocationName(peerRegion: string): string {
    return `replica-${peerRegion}`;
}

/** Object key of the encrypted mesh CA material in every region's backup bucket. */
export const CA_MATERIAL_KEY = "mesh-ca/ca-material.json";

export interface ScheduleSpec {
    /** Key under the chart's `schedules` value; the Schedule object is named `${VELERO_RELEASE}-${key}`. */
    readonly key: string;
    /** Cron in UTC. */
    readonly cron: string;
    /** Namespaces the scheduled backups include. */
    readonly namespaces: readonly string[];
    /** Backup TTL (Go duration). */
    readonly ttl: string;
}

/**
 * Minute past the hour at which a cluster's schedules fire: the primary on the hour, every secondary
 * at half past. Velero names a scheduled Backup `<schedule>-<yyyyMMddHHmmss of the firing>`, the
 * schedules carry the same names in every cluster, and a cluster never syncs a Backup from a
 * read-only location when it already has one of that name. Firing at different minutes keeps the
 * peer's backups from ever colliding with the cluster's own, so the replica location always shows them.
 */
export function scheduleMinute(primary: boolean): number {
    return primary ? 0 : 30;
}

/** Which application namespaces the schedules cover, besides the platform's own. */
export interface BackupNamespaces {
    /** Backed up daily with the platform namespaces. */
    readonly daily: readonly string[];
    /** Backed up every hour as well (the namespaces with a tight RPO, e.g. exams); none: no hourly schedule. */
    readonly hourly: readonly string[];
}

/**
 * Daily at 02:00 UTC: the platform namespaces and `namespaces.daily`. Hourly: `namespaces.hourly`, so
 * their backups are at most an hour apart (the RPO adds the backup's duration and the replication lag).
 * Both are kept `retentionDays` (30 days = 720h); kopia deduplicates the hourly snapshots, so the hourly
 * history costs little beyond the changed data. `minute` shifts both (see scheduleMinute).
 */
export function backupSchedules(
    retentionDays: number,
    minute = 0,
    namespaces: BackupNamespaces = { daily: [], hourly: [] },
): readonly ScheduleSpec[] {
    if (!Number.isInteger(minute) || minute < 0 || minute > 59)
        throw new Error(`backup schedules: minute must be 0-59 (got ${minute})`);
    const ttl = `${retentionDays * 24}h`;
    const daily: ScheduleSpec = {
        key: "daily-platform",
        cron: `${minute} 2 * * *`,
        namespaces: [...PLATFORM_NAMESPACES, ...namespaces.daily],
        ttl,
    };
    if (namespaces.hourly.length === 0) return [daily];
    return [
        daily,
        {
            key: HOURLY_SCHEDULE_KEY,
            cron: `${minute} * * * *`,
            namespaces: [...namespaces.hourly],
            ttl,
        },
    ];
}

/** Key of the hourly schedule (its name predates the generic arg and stays, so live Schedules keep it). */
const HOURLY_SCHEDULE_KEY = "hourly-assessment";

/** Platform namespaces whose objects the daily schedule covers. */
export const PLATFORM_NAMESPACES: readonly string[] = [
    ISTIO_NAMESPACE,
    GATEWAY_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
];

/** Name of the Schedule object (and value of the `velero.io/schedule-name` label on its Backups). */
export function scheduleObjectName(key: string): string {
    return `${VELERO_RELEASE}-${key}`;
}

/** The Schedule whose latest Backup measures the exams RPO. */
export const ASSESSMENT_SCHEDULE = scheduleObjectName(HOURLY_SCHEDULE_KEY);
