/** Composition of the backup area: buckets, replication and Velero per region. */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { Backups, RegionBackup } from "../components/backup";
import { APP_NAMESPACES, ASSESSMENT_NAMESPACE } from "../components/tenant/domains";
import type { ClusterInfo } from "../components/types";

export function composeBackups(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    caMaterial: pulumi.Input<string>,
): readonly RegionBackup[] {
    return new Backups("backup", {
        clusters,
        retentionDays: cfg.backup.retentionDays,
        protect: cfg.protect,
        gcpProject: cfg.gcpProject,
        caMaterial,
        // Every EdTech domain daily; the exams (assessment) namespace hourly for its RPO.
        namespaces: { daily: APP_NAMESPACES, hourly: [ASSESSMENT_NAMESPACE] },
    }).regions;
}
