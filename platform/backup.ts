/**
 * Composition of the backup area (buckets, replication and its alarms, Velero per region) and of the
 * mesh CA vault (components/secrets): the CA material in the primary region's secret store, replicated
 * to the first secondary, readable only by the deployers and break-glass (config `caVault`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { Backups, RegionBackup, peerOf } from "../components/backup";
import { CaVault } from "../components/secrets";
import { APP_NAMESPACES, ASSESSMENT_NAMESPACE } from "../components/tenant/domains";
import type { ClusterInfo } from "../components/types";

/** Name (AWS) / id (GCP) of a stack's CA secret. */
export function caSecretName(stack: string, cloud: "aws" | "gcp"): string {
    return cloud === "aws"
        ? `mesh-platform/${stack}/mesh-ca-material`
        : `mesh-ca-material-${stack}`;
}

export function composeBackups(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    caMaterial: pulumi.Input<string>,
): readonly RegionBackup[] {
    const home = clusters.find((c) => c.primary) ?? clusters[0];
    // Declared first; the CA objects that earlier versions kept in the backup buckets are gone from the
    // program, and Pulumi deletes removed resources only after every create succeeded, so the secret
    // and its replica exist before those objects are deleted (migration: docs/ca-recovery.md).
    new CaVault("mesh-ca-vault", {
        material: caMaterial,
        home,
        peer: peerOf(clusters, home),
        secretName: caSecretName(cfg.stack, home.cloud),
        deployers: cfg.caVault.deployers,
        breakGlass: cfg.caVault.breakGlass,
        protect: cfg.protect,
        gcpProject: cfg.gcpProject,
    });
    return new Backups("backup", {
        clusters,
        retentionDays: cfg.backup.retentionDays,
        protect: cfg.protect,
        gcpProject: cfg.gcpProject,
        repositoryPassword: cfg.backup.repositoryPassword,
        pagerUrl: cfg.backup.pagerUrl,
        // Every EdTech domain daily; the exams (assessment) namespace every 30 minutes for its RPO.
        namespaces: { daily: APP_NAMESPACES, frequent: [ASSESSMENT_NAMESPACE] },
    }).regions;
}
