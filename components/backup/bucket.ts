/**
 * One region's backup bucket.
 *
 * AWS: an S3 bucket encrypted with its own KMS key (rotation on), versioned, public access fully
 * blocked, owner-enforced, a bucket policy that refuses plain HTTP, and a lifecycle that expires
 * Velero backups and noncurrent versions after the retention.
 *
 * GCP: a GCS bucket with uniform bucket-level access, public access prevention, versioning and the
 * same lifecycle. It is a configurable dual-region bucket over both of the stack's regions with
 * turbo replication (RPO 15 min): GCS itself keeps a copy in the peer region, so no transfer job is
 * needed and the bucket stays readable when either region is lost.
 *
 * AWS access logs: S3 server access logging of the backup bucket into a log bucket of its own in the
 * same region (S3 delivers logs only within a region), with its own lifecycle, TLS-only, public access
 * blocked, SSE-S3 (server access log delivery does not support SSE-KMS on the target bucket) and a
 * bucket policy that lets only the S3 logging service write, for this source bucket and account.
 *
 * Velero's kopia repository (`<prefix>/kopia/`) is never expired by lifecycle: its blobs are shared
 * between snapshots, and Velero removes them itself when backups expire (TTL).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { ClusterInfo } from "../types";
import { toLabels } from "../types";
import { veleroPrefix } from "./naming";

export interface BackupBucketArgs {
    /** The region's cluster: the bucket lives on its cloud, in its region, with its tags and provider. */
    readonly cluster: ClusterInfo;
    /**
     * Every region of the stack (short names, including this one): the lifecycle rules cover their
     * Velero prefixes, since the peers' backups are replicated into this bucket.
     */
    readonly regionNames: readonly string[];
    /** Days before backups and noncurrent versions expire (a whole number >= 1). */
    readonly retentionDays: number;
    /**
     * `protect` for the stateful children (bucket, KMS key).
     * @default true
     */
    readonly protect?: boolean;
    /**
     * GCP only: the project of the bucket.
     * @default the cluster's project
     */
    readonly gcpProject?: string;
    /**
     * GCP only: the two cloud regions of a configurable dual-region bucket (own region first), both in
     * one GCS multi-region.
     * @default a single-region bucket in the cluster's region
     */
    readonly gcpDataLocations?: readonly string[];
    /**
     * AWS only: days the server access logs are kept in the log bucket.
     * @default 365
     */
    readonly accessLogRetentionDays?: number;
}

/** Key prefix of the server access logs in the log bucket. */
export const ACCESS_LOG_PREFIX = "s3-access/";

/** Prefixes the lifecycle expires: backup and restore metadata of every region's Velero. */
export function expiringPrefixes(regionNames: readonly string[]): string[] {
    return regionNames.flatMap((n) => [
        `${veleroPrefix(n)}/backups/`,
        `${veleroPrefix(n)}/restores/`,
    ]);
}

/** GCS multi-region that contains a cloud region (configurable dual-regions must stay inside one). */
export function gcsMultiRegion(region: string): string | undefined {
    if (region.startsWith("asia-")) return "ASIA";
    if (region.startsWith("europe-")) return "EU";
    if (region.startsWith("us-")) return "US";
    return undefined;
}

/** Every problem with the args, each naming the arg path; empty when the args are usable. */
export function backupBucketProblems(args: BackupBucketArgs): string[] {
    const problems: string[] = [];
    const { cluster, retentionDays, gcpDataLocations: locations } = args;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
        problems.push(
            `args.retentionDays must be a whole number of days >= 1 (got ${retentionDays})`,
        );
    }
    if (!args.regionNames.includes(cluster.name)) {
        problems.push(
            `args.regionNames [${args.regionNames.join(", ")}] must include the bucket's own region args.cluster.name "${cluster.name}"`,
        );
    }
    if (locations !== undefined) {
        if (cluster.cloud !== "gcp") {
            problems.push(
                `args.gcpDataLocations applies to GCS buckets only (args.cluster.cloud is ${cluster.cloud})`,
            );
        } else if (locations.length !== 2) {
            problems.push(
                `args.gcpDataLocations must name exactly two regions for a dual-region bucket (got ${locations.length})`,
            );
        } else {
            const multi = gcsMultiRegion(cluster.cloudRegion);
            if (!multi || locations.some((l) => gcsMultiRegion(l) !== multi)) {
                problems.push(
                    `args.gcpDataLocations ${locations.join(" and ")} are not in one GCS multi-region ` +
                        "(asia-*, europe-* or us-*); a dual-region backup bucket needs both inside one",
                );
            }
        }
    }
    return problems;
}

export class BackupBucket extends pulumi.ComponentResource {
    /** Physical bucket name. */
    readonly bucketName: pulumi.Output<string>;
    /** AWS only: the bucket's ARN. */
    readonly bucketArn?: pulumi.Output<string>;
    /** AWS only: ARN of the bucket's own KMS key (default encryption, replica re-encryption). */
    readonly kmsKeyArn?: pulumi.Output<string>;
    /** AWS only: the versioning resource replication must wait for. */
    readonly versioning?: aws.s3.BucketVersioning;
    /** AWS only: the S3 bucket. */
    readonly awsBucket?: aws.s3.Bucket;
    /** GCP only: the GCS bucket. */
    readonly gcsBucket?: gcp.storage.Bucket;
    /** AWS only: the bucket the server access logs go to. */
    readonly accessLogBucket?: aws.s3.Bucket;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:backup:BackupBucket", name, {}, opts);
        const problems = backupBucketProblems(args);
        if (problems.length > 0) throw new Error(`BackupBucket ${name}: ${problems.join("; ")}`);
        const { cluster, retentionDays } = args;
        const stateful = { parent: this, protect: args.protect ?? true };

        if (cluster.cloud === "aws") {
            const provider = cluster.awsProvider;
            if (!provider)
                throw new Error(
                    `BackupBucket ${name}: args.cluster.awsProvider is missing (cluster ${cluster.name})`,
                );
            const key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `Velero backups and mesh CA material of ${cluster.name}`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    tags: cluster.tags,
                },
                { ...stateful, provider },
            );
            const bucket = new aws.s3.Bucket(
                name,
                {
                    forceDestroy: false,
                    tags: cluster.tags,
                },
                { ...stateful, provider },
            );
            const child = { parent: this, provider };
            this.versioning = privateBucketControls(
                name,
                bucket,
                { kmsKeyArn: key.arn, versioned: true, tlsOnly: true },
                child,
            ).versioning;
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        ...expiringPrefixes(args.regionNames).map((prefix) => ({
                            id: `expire-${prefix.replace(/[^a-z0-9]+/g, "-").replace(/-$/, "")}`,
                            status: "Enabled",
                            filter: { prefix },
                            expiration: { days: retentionDays },
                        })),
                        {
                            id: "noncurrent-versions",
                            status: "Enabled",
                            filter: { prefix: "" },
                            expiration: { expiredObjectDeleteMarker: true },
                            noncurrentVersionExpiration: { noncurrentDays: retentionDays },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                        },
                    ],
                },
                { ...child, dependsOn: [this.versioning] },
            );
            // Not named after the backup bucket: the security pack treats every bucket named *backup*
            // as a backup bucket (versioned, replicated), and access logs are neither.
            this.accessLogBucket = this.accessLogs(
                `s3-access-logs-${cluster.name}`,
                bucket,
                args.accessLogRetentionDays ?? 365,
                cluster.tags,
                provider,
                stateful.protect,
            );
            this.awsBucket = bucket;
            this.bucketName = bucket.bucket;
            this.bucketArn = bucket.arn;
            this.kmsKeyArn = key.arn;
        } else {
            const provider = cluster.gcpProvider;
            if (!provider)
                throw new Error(
                    `BackupBucket ${name}: args.cluster.gcpProvider is missing (cluster ${cluster.name})`,
                );
            const locations = args.gcpDataLocations ?? [cluster.cloudRegion];
            const multi = gcsMultiRegion(cluster.cloudRegion);
            const dual = locations.length === 2;
            const bucket = new gcp.storage.Bucket(
                name,
                {
                    project: args.gcpProject ?? cluster.project,
                    location: dual ? multi! : cluster.cloudRegion.toUpperCase(),
                    ...(dual
                        ? {
                              customPlacementConfig: {
                                  dataLocations: locations.map((l) => l.toUpperCase()),
                              },
                              rpo: "ASYNC_TURBO",
                          }
                        : {}),
                    storageClass: "STANDARD",
                    uniformBucketLevelAccess: true,
                    publicAccessPrevention: "enforced",
                    versioning: { enabled: true },
                    forceDestroy: false,
                    lifecycleRules: [
                        {
                            action: { type: "Delete" },
                            condition: {
                                age: retentionDays,
                                matchesPrefixes: expiringPrefixes(args.regionNames),
                            },
                        },
                        {
                            action: { type: "Delete" },
                            condition: { daysSinceNoncurrentTime: retentionDays },
                        },
                    ],
                    labels: toLabels(cluster.tags),
                },
                { ...stateful, provider },
            );
            this.gcsBucket = bucket;
            this.bucketName = bucket.name;
        }
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            kmsKeyArn: this.kmsKeyArn,
        });
    }

    /** The log bucket and the backup bucket's server access logging into it. */
    private accessLogs(
        name: string,
        source: aws.s3.Bucket,
        retentionDays: number,
        tags: Record<string, string>,
        provider: aws.Provider,
        protect: boolean,
    ): aws.s3.Bucket {
        const child = { parent: this, provider };
        const logs = new aws.s3.Bucket(name, { forceDestroy: false, tags }, { ...child, protect });
        const { publicBlock } = privateBucketControls(name, logs, {}, child);
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: logs.id,
                rules: [
                    {
                        id: "expire-access-logs",
                        status: "Enabled",
                        filter: { prefix: "" },
                        expiration: { days: retentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            child,
        );
        const account = aws.getCallerIdentityOutput({}, child).accountId;
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: logs.id,
                policy: pulumi
                    .all([logs.arn, source.arn, account])
                    .apply(([logArn, sourceArn, accountId]) =>
                        accessLogBucketPolicy(logArn, sourceArn, accountId),
                    ),
            },
            { ...child, dependsOn: [publicBlock] },
        );
        new aws.s3.BucketLogging(
            `${name}-delivery`,
            {
                bucket: source.id,
                targetBucket: logs.id,
                targetPrefix: ACCESS_LOG_PREFIX,
                targetObjectKeyFormat: {
                    partitionedPrefix: { partitionDateSource: "EventTime" },
                },
            },
            { ...child, dependsOn: [policy] },
        );
        return logs;
    }
}

/**
 * Policy of a log bucket: TLS only, and the S3 logging service may put server access logs under
 * ACCESS_LOG_PREFIX for the source bucket of this account only (S3 User Guide, "Permissions for log
 * delivery": principal logging.s3.amazonaws.com, aws:SourceArn and aws:SourceAccount conditions).
 */
export function accessLogBucketPolicy(
    logBucketArn: string,
    sourceBucketArn: string,
    accountId: string,
): string {
    const tls = JSON.parse(tlsOnlyPolicy(logBucketArn)) as { Statement: unknown[] };
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            ...tls.Statement,
            {
                Sid: "S3ServerAccessLogsPolicy",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${logBucketArn}/${ACCESS_LOG_PREFIX}*`,
                Condition: {
                    ArnLike: { "aws:SourceArn": sourceBucketArn },
                    StringEquals: { "aws:SourceAccount": accountId },
                },
            },
        ],
    });
}

/** Deny every request to the bucket or its objects that is not over TLS. */
export function tlsOnlyPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

/** What {@link privateBucketControls} adds to a bucket. */
export interface PrivateBucketControlsArgs {
    /** Default encryption with this KMS key (and S3 Bucket Keys). @default SSE-S3 (AES256) */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Turn versioning on (`<name>-versioning`). @default false */
    readonly versioned?: boolean;
    /** A bucket policy that denies every request not over TLS (`<name>-tls-only`). @default false */
    readonly tlsOnly?: boolean;
}

/**
 * The controls every private S3 bucket of the platform carries: objects owned by the bucket owner (no
 * ACLs, `<name>-ownership`), every kind of public access blocked (`<name>-public-access`), default
 * encryption (`<name>-encryption`), and, as asked, versioning and a TLS-only policy. Bucket policies wait
 * for the public-access block, so the caller's own policy should depend on the returned `publicBlock`.
 */
export function privateBucketControls(
    name: string,
    bucket: aws.s3.Bucket,
    args: PrivateBucketControlsArgs & { readonly versioned: true },
    opts: pulumi.CustomResourceOptions,
): { publicBlock: aws.s3.BucketPublicAccessBlock; versioning: aws.s3.BucketVersioning };
export function privateBucketControls(
    name: string,
    bucket: aws.s3.Bucket,
    args: PrivateBucketControlsArgs,
    opts: pulumi.CustomResourceOptions,
): { publicBlock: aws.s3.BucketPublicAccessBlock; versioning?: aws.s3.BucketVersioning };
export function privateBucketControls(
    name: string,
    bucket: aws.s3.Bucket,
    args: PrivateBucketControlsArgs,
    opts: pulumi.CustomResourceOptions,
): { publicBlock: aws.s3.BucketPublicAccessBlock; versioning?: aws.s3.BucketVersioning } {
    new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    const publicBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
    const versioning = args.versioned
        ? new aws.s3.BucketVersioning(
              `${name}-versioning`,
              { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
              opts,
          )
        : undefined;
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.id,
            rules: [
                args.kmsKeyArn === undefined
                    ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                    : {
                          applyServerSideEncryptionByDefault: {
                              sseAlgorithm: "aws:kms",
                              kmsMasterKeyId: args.kmsKeyArn,
                          },
                          bucketKeyEnabled: true,
                      },
            ],
        },
        opts,
    );
    if (args.tlsOnly)
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyPolicy) },
            { ...opts, dependsOn: [publicBlock] },
        );
    return { publicBlock, ...(versioning ? { versioning } : {}) };
}
