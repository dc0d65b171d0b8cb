/**
 * Backups for the whole stack: per region a backup bucket, S3 replication to the peer region (AWS;
 * GCS dual-region turbo replication on GCP), Velero in every cluster, and the mesh CA material as an
 * encrypted object in every region's bucket, so the trust chain can be restored in either region.
 *
 * Peers: the primary's peer is the first secondary; every secondary's peer is the primary.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { toLabels } from "../types";
import { VELERO_NAMESPACE } from "../constants";
import { BackupBucket } from "./bucket";
import { CA_MATERIAL_KEY } from "./naming";
import { BucketReplication } from "./replication";
import { Velero } from "./velero";

export { VELERO_CHART, VELERO_PLUGINS } from "./velero";

export interface RegionBackup {
    readonly region: string;
    readonly bucketName: pulumi.Output<string>;
    readonly veleroNamespace: string;
    /** The region whose backups this cluster can restore from its replica location. */
    readonly peerRegion?: string;
}

export interface BackupsArgs {
    readonly cfg: PlatformConfig;
    readonly clusters: readonly ClusterInfo[];
    /** Pulumi secret: the mesh CA material JSON (MeshInfo.caMaterial). */
    readonly caMaterial: pulumi.Input<string>;
}

/** The peer of each region (see module comment); undefined with a single region. */
export function peerOf(clusters: readonly ClusterInfo[], c: ClusterInfo): ClusterInfo | undefined {
    if (clusters.length < 2) return undefined;
    const primary = clusters.find((x) => x.primary) ?? clusters[0];
    return c === primary ? clusters.find((x) => x !== primary) : primary;
}

export class Backups extends pulumi.ComponentResource {
    readonly regions: readonly RegionBackup[];

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:backup:Backups", name, {}, opts);
        const { cfg, clusters } = args;
        if (clusters.length === 0) throw new Error(`Backups ${name}: no clusters to back up`);
        const regionNames = clusters.map((c) => c.name);

        const buckets = new Map<string, BackupBucket>();
        for (const c of clusters) {
            const peer = peerOf(clusters, c);
            buckets.set(c.name, new BackupBucket(`${name}-${c.name}`, {
                cluster: c,
                regionNames,
                retentionDays: cfg.backup.retentionDays,
                protect: cfg.protect,
                gcpProject: cfg.gcpProject,
                gcpDataLocations: c.cloud === "gcp" && peer?.cloud === "gcp" ? [c.cloudRegion, peer.cloudRegion] : undefined,
            }, { parent: this }));
        }

        const regions: RegionBackup[] = [];
        for (const c of clusters) {
            const bucket = buckets.get(c.name)!;
            const peer = peerOf(clusters, c);
            if (peer && c.cloud === "aws" && peer.cloud === "aws") {
                new BucketReplication(`${name}-${c.name}-to-${peer.name}`, {
                    sourceRegion: c.name,
                    sourceCloudRegion: c.cloudRegion,
                    destinationCloudRegion: peer.cloudRegion,
                    source: bucket,
                    destination: buckets.get(peer.name)!,
                    provider: c.awsProvider!,
                    tags: c.tags,
                }, { parent: this });
            } else if (peer && c.cloud !== peer.cloud) {
                throw new Error(`Backups ${name}: mesh-platform:regions ${c.name} (${c.cloud}) and ${peer.name} (${peer.cloud}) ` +
                    "are on different clouds; backup replication needs both regions on one cloud");
            }
            this.storeCaMaterial(`${name}-${c.name}-ca-material`, c, bucket, args.caMaterial, cfg.protect);
            new Velero(`${name}-${c.name}-velero`, {
                cluster: c,
                bucket,
                replica: peer ? { peerRegion: peer.name, bucket: buckets.get(peer.name)! } : undefined,
                retentionDays: cfg.backup.retentionDays,
            }, { parent: this });
            regions.push({ region: c.name, bucketName: bucket.bucketName, veleroNamespace: VELERO_NAMESPACE, peerRegion: peer?.name });
        }
        this.regions = regions;
        this.registerOutputs({ buckets: regions.map((r) => r.bucketName) });
    }

    /** The CA material as one object, encrypted with the region's KMS key (S3) or at rest by GCS. */
    private storeCaMaterial(name: string, c: ClusterInfo, bucket: BackupBucket, material: pulumi.Input<string>, protect: boolean): void {
        const content = pulumi.secret(material);
        if (c.cloud === "aws") {
            new aws.s3.BucketObjectv2(name, {
                bucket: bucket.bucketName,
                key: CA_MATERIAL_KEY,
                content,
                contentType: "application/json",
                serverSideEncryption: "aws:kms",
                kmsKeyId: bucket.kmsKeyArn,
                tags: c.tags,
            }, { parent: this, provider: c.awsProvider, protect, additionalSecretOutputs: ["content"] });
        } else {
            new gcp.storage.BucketObject(name, {
                bucket: bucket.bucketName,
                name: CA_MATERIAL_KEY,
                content,
                contentType: "application/json",
                metadata: toLabels(c.tags),
            }, { parent: this, provider: c.gcpProvider, protect, additionalSecretOutputs: ["content"] });
        }
    }
}

export function createBackups(cfg: PlatformConfig, clusters: readonly ClusterInfo[], opts: { caMaterial: pulumi.Input<string> }): Backups {
    return new Backups("backup", { cfg, clusters, caMaterial: opts.caMaterial });
}
