/**
 * S3 cross-region replication of one region's Velero prefix into the peer region's bucket, re-encrypted
 * with the peer's KMS key, with Replication Time Control (15 minute SLA) so the replica meets the
 * exams RPO. The peer cluster's Velero reads that replica as a read-only location, from its own
 * region: restoring after a regional loss never needs the lost region.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { BackupBucket } from "./bucket";
import { veleroPrefix } from "./naming";

export interface BucketReplicationArgs {
    readonly sourceRegion: string;
    /** Cloud region id of the source (for the KMS ViaService condition). */
    readonly sourceCloudRegion: string;
    readonly destinationCloudRegion: string;
    readonly source: BackupBucket;
    readonly destination: BackupBucket;
    readonly provider: aws.Provider;
    readonly tags: Record<string, string>;
}

export class BucketReplication extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;

    constructor(name: string, args: BucketReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:backup:BucketReplication", name, {}, opts);
        const { source, destination, provider } = args;
        if (!source.bucketArn || !source.kmsKeyArn || !destination.bucketArn || !destination.kmsKeyArn || !source.versioning || !destination.versioning) {
            throw new Error(`BucketReplication ${name}: replication needs two S3 backup buckets with KMS keys and versioning`);
        }
        const child = { parent: this, provider };
        this.role = new aws.iam.Role(`${name}-role`, {
            description: `S3 replication of ${veleroPrefix(args.sourceRegion)}/ to the peer region's backup bucket`,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: args.tags,
        }, child);
        new aws.iam.RolePolicy(`${name}-policy`, {
            role: this.role.name,
            policy: pulumi.all([source.bucketArn, source.kmsKeyArn, destination.bucketArn, destination.kmsKeyArn])
                .apply(([srcBucket, srcKey, dstBucket, dstKey]) => replicationPolicy({
                    srcBucket, srcKey, dstBucket, dstKey, srcRegion: args.sourceCloudRegion, dstRegion: args.destinationCloudRegion,
                })),
        }, child);
        const prefix = `${veleroPrefix(args.sourceRegion)}/`;
        new aws.s3.BucketReplicationConfig(`${name}-config`, {
            bucket: source.awsBucket!.id,
            role: this.role.arn,
            rules: [{
                id: `velero-${args.sourceRegion}`,
                status: "Enabled",
                priority: 1,
                filter: { prefix },
                deleteMarkerReplication: { status: "Enabled" },
                sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                destination: {
                    bucket: destination.bucketArn,
                    storageClass: "STANDARD",
                    encryptionConfiguration: { replicaKmsKeyId: destination.kmsKeyArn },
                    replicationTime: { status: "Enabled", time: { minutes: 15 } },
                    metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                },
            }],
        }, { ...child, dependsOn: [source.versioning, destination.versioning] });
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

/**
 * What S3 needs to replicate KMS-encrypted objects from one bucket to another. KMS use is limited to
 * S3 in each region; no encryption-context condition, because with S3 Bucket Keys the context is the
 * bucket ARN rather than the object ARN.
 */
export function replicationPolicy(p: { srcBucket: string; srcKey: string; dstBucket: string; dstKey: string; srcRegion: string; dstRegion: string }): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: [p.srcBucket] },
            {
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: [`${p.srcBucket}/*`],
            },
            { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: [`${p.dstBucket}/*`] },
            {
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [p.srcKey],
                Condition: { StringLike: { "kms:ViaService": `s3.${p.srcRegion}.amazonaws.com` } },
            },
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: [p.dstKey],
                Condition: { StringLike: { "kms:ViaService": `s3.${p.dstRegion}.amazonaws.com` } },
            },
        ],
    });
}
