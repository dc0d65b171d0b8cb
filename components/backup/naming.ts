/**
 * Names the backup component and the DR drill must agree on. Plain data only (no Pulumi imports), so
 * the drill CLI can import it without loading the Pulumi runtime.
 */
import { APP_NAMESPACES, CERT_MANAGER_NAMESPACE, GATEWAY_NAMESPACE, ISTIO_NAMESPACE } from "../constants";

/** Helm release name of Velero; the chart names its Deployment and Schedules after it. */
export const VELERO_RELEASE = "velero";
/** Name of each cluster's own read-write BackupStorageLocation (the chart's default location). */
export const OWN_LOCATION = "default";
/** The namespace whose data the exams RPO applies to. */
export const ASSESSMENT_NAMESPACE = "assessment";

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
    readonly namespaces: readonly string[];
    /** Backup TTL (Go duration). */
    readonly ttl: string;
}

/**
 * Daily at 02:00 UTC: platform and every app namespace. Hourly: the assessment (exams) namespace, so
 * its RPO is at most one hour. Both are kept `retentionDays` (30 days = 720h); kopia deduplicates
 * the hourly snapshots, so the hourly history costs little beyond the changed data.
 */
export function backupSchedules(retentionDays: number): readonly ScheduleSpec[] {
    const ttl = `${retentionDays * 24}h`;
    return [
        { key: "daily-platform", cron: "0 2 * * *", namespaces: [...PLATFORM_NAMESPACES, ...APP_NAMESPACES], ttl },
        { key: "hourly-assessment", cron: "0 * * * *", namespaces: [ASSESSMENT_NAMESPACE], ttl },
    ];
}

/** Platform namespaces whose objects the daily schedule covers. */
export const PLATFORM_NAMESPACES: readonly string[] = [ISTIO_NAMESPACE, GATEWAY_NAMESPACE, CERT_MANAGER_NAMESPACE];

/** Name of the Schedule object (and value of the `velero.io/schedule-name` label on its Backups). */
export function scheduleObjectName(key: string): string {
    return `${VELERO_RELEASE}-${key}`;
}

/** The Schedule whose latest Backup measures the exams RPO. */
export const ASSESSMENT_SCHEDULE = scheduleObjectName("hourly-assessment");
