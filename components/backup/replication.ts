/**
 * S3 cross-region replication of one region's Velero prefix into the peer region's bucket, re-encrypted
 * with the peer's KMS key, with Replication Time Control (15 minute SLA) so the replica meets the
 * exams RPO. The peer cluster's Velero reads that replica as a read-only location, from its own
 * region: restoring after a regional loss never needs the lost region.
 *
 * Alarms (source region, where S3 publishes the replication metrics of the rule): the replication
 * latency above the 15-minute RTC threshold, and any failed replication operation, both to
 * `alarmTopicArn`. RTC and replication metrics need no IAM permission beyond replication itself (S3
 * User Guide, "Meeting compliance requirements with S3 Replication Time Control"): the role is unchanged.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { BackupBucket } from "./bucket";
import { veleroPrefix } from "./naming";

export interface BucketReplicationArgs {
    /** Short name of the source region: the replicated prefix is its Velero prefix (`velero/<region>/`). */
    readonly sourceRegion: string;
    /** Cloud region id of the source (for the KMS ViaService condition). */
    readonly sourceCloudRegion: string;
    /** Cloud region id of the destination (for the KMS ViaService condition). */
    readonly destinationCloudRegion: string;
    /** The source region's S3 backup bucket (with its KMS key and versioning). */
    readonly source: BackupBucket;
    /** The peer region's S3 backup bucket (with its KMS key and versioning): the replica lands there. */
    readonly destination: BackupBucket;
    /** The AWS provider of the source region: the role, its policy and the replication config use it. */
    readonly provider: aws.Provider;
    /** Tags of the replication role and the alarms. */
    readonly tags: Record<string, string>;
    /**
     * SNS topic (in the source region) the replication alarms notify.
     * @default no alarms
     */
    readonly alarmTopicArn?: pulumi.Input<string>;
}

/** RTC threshold (minutes): replication time and metrics event threshold. */
export const REPLICATION_TIME_MINUTES = 15;

/** Id of the replication rule of `sourceRegion`'s prefix: the `RuleId` dimension of its S3 metrics. */
export function replicationRuleId(sourceRegion: string): string {
    return `velero-${sourceRegion}`;
}

/** Every problem with the args, each naming the arg path; empty when the args are usable. */
export function bucketReplicationProblems(args: BucketReplicationArgs): string[] {
    const problems: string[] = [];
    for (const side of ["source", "destination"] as const) {
        const b = args[side];
        const missing = [
            ...(b.awsBucket && b.bucketArn ? [] : ["an S3 bucket"]),
            ...(b.kmsKeyArn ? [] : ["a KMS key"]),
            ...(b.versioning ? [] : ["versioning"]),
        ];
        if (missing.length > 0)
            problems.push(
                `args.${side} is missing ${missing.join(", ")}; replication needs two S3 backup buckets with KMS keys and versioning`,
            );
    }
    if (args.source === args.destination)
        problems.push(
            "args.destination is args.source; replication needs the peer region's bucket",
        );
    if (args.sourceCloudRegion === args.destinationCloudRegion) {
        problems.push(
            `args.destinationCloudRegion ${args.destinationCloudRegion} equals args.sourceCloudRegion; cross-region replication needs two regions`,
        );
    }
    return problems;
}

export class BucketReplication extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    /** The rule's id (CloudWatch dimension `RuleId`, with `SourceBucket` and `DestinationBucket`). */
    readonly ruleId: string;

    constructor(name: string, args: BucketReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:backup:BucketReplication", name, {}, opts);
        const problems = bucketReplicationProblems(args);
        if (problems.length > 0)
            throw new Error(`BucketReplication ${name}: ${problems.join("; ")}`);
        const { source, destination, provider } = args;
        // Checked above: both sides are S3 buckets with a KMS key and versioning.
        const [srcBucketArn, srcKeyArn, dstBucketArn, dstKeyArn] = [
            source.bucketArn!,
            source.kmsKeyArn!,
            destination.bucketArn!,
            destination.kmsKeyArn!,
        ];
        const child = { parent: this, provider };
        // Confused-deputy guard: S3 may assume the role only for this account's source bucket.
        const account = aws.getCallerIdentityOutput({}, child).accountId;
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `S3 replication of ${veleroPrefix(args.sourceRegion)}/ to the peer region's backup bucket`,
                assumeRolePolicy: pulumi
                    .all([account, srcBucketArn])
                    .apply(([accountId, bucketArn]) =>
                        replicationTrustPolicy(accountId, bucketArn),
                    ),
                tags: args.tags,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: this.role.name,
                policy: pulumi
                    .all([srcBucketArn, srcKeyArn, dstBucketArn, dstKeyArn])
                    .apply(([srcBucket, srcKey, dstBucket, dstKey]) =>
                        replicationPolicy({
                            srcBucket,
                            srcKey,
                            dstBucket,
                            dstKey,
                            srcRegion: args.sourceCloudRegion,
                            dstRegion: args.destinationCloudRegion,
                        }),
                    ),
            },
            child,
        );
        const prefix = `${veleroPrefix(args.sourceRegion)}/`;
        const ruleId = replicationRuleId(args.sourceRegion);
        this.ruleId = ruleId;
        new aws.s3.BucketReplicationConfig(
            `${name}-config`,
            {
                bucket: source.awsBucket!.id,
                role: this.role.arn,
                rules: [
                    {
                        id: ruleId,
                        status: "Enabled",
                        priority: 1,
                        filter: { prefix },
                        deleteMarkerReplication: { status: "Enabled" },
                        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                        destination: {
                            bucket: dstBucketArn,
                            storageClass: "STANDARD",
                            encryptionConfiguration: { replicaKmsKeyId: dstKeyArn },
                            replicationTime: {
                                status: "Enabled",
                                time: { minutes: REPLICATION_TIME_MINUTES },
                            },
                            metrics: {
                                status: "Enabled",
                                eventThreshold: { minutes: REPLICATION_TIME_MINUTES },
                            },
                        },
                    },
                ],
            },
            { ...child, dependsOn: [source.versioning!, destination.versioning!] },
        );
        if (args.alarmTopicArn !== undefined) {
            const dimensions = {
                SourceBucket: source.bucketName,
                DestinationBucket: destination.bucketName,
                RuleId: ruleId,
            };
            const actions = [args.alarmTopicArn];
            new aws.cloudwatch.MetricAlarm(
                `${name}-latency`,
                {
                    alarmDescription: `Replication of ${prefix} to the peer region is slower than the ${REPLICATION_TIME_MINUTES}-minute RTC threshold (exams RPO at risk)`,
                    namespace: "AWS/S3",
                    metricName: "ReplicationLatency",
                    dimensions,
                    statistic: "Maximum",
                    period: 300,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                    threshold: REPLICATION_TIME_MINUTES * 60,
                    comparisonOperator: "GreaterThanThreshold",
                    treatMissingData: "notBreaching",
                    alarmActions: actions,
                    okActions: actions,
                    tags: args.tags,
                },
                child,
            );
            new aws.cloudwatch.MetricAlarm(
                `${name}-failed`,
                {
                    alarmDescription: `Objects under ${prefix} failed to replicate to the peer region`,
                    namespace: "AWS/S3",
                    metricName: "OperationsFailedReplication",
                    dimensions,
                    statistic: "Sum",
                    period: 300,
                    evaluationPeriods: 1,
                    threshold: 0,
                    comparisonOperator: "GreaterThanThreshold",
                    treatMissingData: "notBreaching",
                    alarmActions: actions,
                    okActions: actions,
                    tags: args.tags,
                },
                child,
            );
        }
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

/**
 * Who may assume the replication role: the S3 service, acting for the source bucket of this account
 * (`aws:SourceAccount`, `aws:SourceArn`: the IAM confused-deputy guard for service principals).
 */
export function replicationTrustPolicy(accountId: string, sourceBucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": accountId },
                    ArnLike: { "aws:SourceArn": sourceBucketArn },
                },
            },
        ],
    });
}

/**
 * What S3 needs to replicate KMS-encrypted objects from one bucket to another (S3 User Guide,
 * "Replicating encrypted objects", replication-config-for-kms-objects.html, read 2026-12-02):
 * kms:Decrypt on the source key to read the object, kms:Encrypt on the destination key to write the
 * replica, and, because both buckets use S3 Bucket Keys, kms:Decrypt on the destination key as well (S3
 * checks the integrity of the destination Bucket Key with it). Each key only through S3 in its region
 * (`kms:ViaService`) and only for its bucket (`kms:EncryptionContext:aws:s3:arn`): with Bucket Keys the
 * encryption context is the bucket ARN, not the object ARN. No kms:GenerateDataKey: the guide needs it
 * only to replicate unencrypted objects, and every object in these buckets is SSE-KMS (bucket default).
 * Both keys keep their default key policy, which delegates to IAM, so this role policy is sufficient.
 */ export function replicationPolicy(p: {
    srcBucket: string;
    srcKey: string;
    dstBucket: string;
    dstKey: string;
    srcRegion: string;
    dstRegion: string;
}): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                Resource: [p.srcBucket],
            },
            {
                Effect: "Allow",
                Action: [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                Resource: [`${p.srcBucket}/*`],
            },
            {
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                Resource: [`${p.dstBucket}/*`],
            },
            {
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [p.srcKey],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${p.srcRegion}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": [p.srcBucket],
                    },
                },
            },
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt"],
                Resource: [p.dstKey],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${p.dstRegion}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": [p.dstBucket],
                    },
                },
            },
        ],
    });
}
