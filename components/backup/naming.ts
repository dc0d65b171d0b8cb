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
 * Minute past the hour at which a cluster's schedules start: the primary on the hour, every secondary
 * at a quarter past. Velero names a scheduled Backup `<schedule>-<yyyyMMddHHmmss of the firing>`, the
 * schedules carry the same names in every cluster, and a cluster never syncs a Backup from a
 * read-only location when it already has one of that name. Firing at different minutes (the exams
 * schedule every 30 minutes: :00/:30 and :15/:45) keeps the peer's backups from ever colliding with
 * the cluster's own, so the replica location always shows them.
 */
export function scheduleMinute(primary: boolean): number {
    return primary ? 0 : 15;
}

/** Minutes between two backups of the frequent (exams) schedule. */
export const FREQUENT_INTERVAL_MINUTES = 30;

/** Which application namespaces the schedules cover, besides the platform's own. */
export interface BackupNamespaces {
    /** Backed up daily with the platform namespaces. */
    readonly daily: readonly string[];
    /**
     * Backed up every 30 minutes as well (the namespaces with a tight RPO, e.g. exams); none: no
     * frequent schedule.
     */
    readonly frequent: readonly string[];
}

/**
 * Daily at 02:00 UTC: the platform namespaces and `namespaces.daily`. Every 30 minutes:
 * `namespaces.frequent`. Worst-case exams RPO from a backup's start: 30 (interval) + the backup's
 * duration (<= 10) + S3 replication (RTC, <= 15) = 55 minutes <= 60. Both are kept `retentionDays`
 * (30 days = 720h); kopia deduplicates the frequent snapshots, so that history costs little beyond the
 * changed data. `minute` (0-29) shifts both (see scheduleMinute).
 */
export function backupSchedules(
    retentionDays: number,
    minute = 0,
    namespaces: BackupNamespaces = { daily: [], frequent: [] },
): readonly ScheduleSpec[] {
    if (!Number.isInteger(minute) || minute < 0 || minute >= FREQUENT_INTERVAL_MINUTES)
        throw new Error(
            `backup schedules: minute must be 0-${FREQUENT_INTERVAL_MINUTES - 1} (got ${minute})`,
        );
    const ttl = `${retentionDays * 24}h`;
    const daily: ScheduleSpec = {
        key: "daily-platform",
        cron: `${minute} 2 * * *`,
        namespaces: [...PLATFORM_NAMESPACES, ...namespaces.daily],
        ttl,
    };
    if (namespaces.frequent.length === 0) return [daily];
    return [
        daily,
        {
            key: FREQUENT_SCHEDULE_KEY,
            cron:
                minute === 0
                    ? `*/${FREQUENT_INTERVAL_MINUTES} * * * *`
                    : `${minute},${minute + FREQUENT_INTERVAL_MINUTES} * * * *`,
            namespaces: [...namespaces.frequent],
            ttl,
        },
    ];
}

/**
 * Key of the frequent schedule. Its name predates the 30-minute interval and stays: live Schedules and
 * the `velero.io/schedule-name` label of their Backups (which the drill reads) keep it.
 */
const FREQUENT_SCHEDULE_KEY = "hourly-assessment";

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
export const ASSESSMENT_SCHEDULE = scheduleObjectName(FREQUENT_SCHEDULE_KEY);
