/**
 * Velero in one cluster: the official chart (vmware-tanzu/helm-charts, pinned), cloud credentials by
 * IRSA / GKE workload identity (no static keys), the cluster's own bucket as the read-write location,
 * the replica of the peer region's backups as a read-only location, file-system backup of volumes
 * through the node agent (kopia; EBS/PD snapshots do not cross regions), and the schedules.
 *
 * Kopia repository password: Velero reads it from the Secret `velero-repo-credentials`, key
 * `repository-password`, in its namespace, and creates that Secret with a built-in static password when
 * it is missing (pkg/repository/keys/keys.go at v1.18.1). The program applies the Secret (server-side
 * apply, forced, so it also takes over the Secret an earlier Velero created) before the release, with
 * the stack's password: the same in every region, so a cluster opens its peer's replicated repositories.
 */
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import { CHARTS } from "../../lib/charts";
import { VELERO_NAMESPACE } from "../constants";
import { WorkloadIdentity } from "../cluster/identity";
import type { BackupBucket } from "./bucket";
import {
    BackupNamespaces,
    backupSchedules,
    OWN_LOCATION,
    replicaLocationName,
    scheduleMinute,
    VELERO_RELEASE,
    veleroPrefix,
} from "./naming";

/** The Velero chart (catalog: lib/charts.ts). */
export const VELERO_CHART = CHARTS.velero;
/** Plugin lines matching Velero 1.18 (plugin v1.14.x per the plugins' compatibility tables). */
export const VELERO_PLUGINS = {
    aws: "velero/velero-plugin-for-aws:v1.14.2",
    gcp: "velero/velero-plugin-for-gcp:v1.14.2",
} as const;
/** Secret and key Velero reads the kopia repository password from (pkg/repository/keys, v1.18.1). */
export const VELERO_REPO_CREDENTIALS = {
    secret: "velero-repo-credentials",
    key: "repository-password",
} as const;
/** Kubernetes service account of the Velero server (and node agent) on AWS. */
export const VELERO_SERVICE_ACCOUNT = "velero";

/**
 * The Velero server's (and node agent's) Kubernetes service account in a cluster. On GKE every cluster
 * of a project shares the workload pool `<project>.svc.id.goog`, so a member
 * `serviceAccount:<pool>[velero/velero]` names the KSA of every cluster: each region's Velero gets its
 * own name (`velero-<region>`) and its GSA trusts only that one, so it cannot act as the peer's GSA and
 * write or delete the peer's backups. On EKS the IRSA trust is per cluster (its own OIDC issuer), so
 * the name stays `velero`.
 */
export function veleroServiceAccount(cluster: Pick<ClusterInfo, "cloud" | "name">): string {
    return cluster.cloud === "gcp"
        ? `${VELERO_SERVICE_ACCOUNT}-${cluster.name}`
        : VELERO_SERVICE_ACCOUNT;
}

/** Where this region can read the peer region's backups. */
export interface VeleroReplica {
    /** Short name of the peer region: the replica holds its Velero prefix. */
    readonly peerRegion: string;
    /** The bucket holding the replica: this region's own bucket on S3 (replicated into), the peer's on GCS (dual-region). */
    readonly bucket: BackupBucket;
}

export interface VeleroArgs {
    /** The cluster Velero runs in: its Kubernetes provider, identity (IRSA / workload identity) and region. */
    readonly cluster: ClusterInfo;
    /** This cluster's bucket (read-write location), on the cluster's cloud. */
    readonly bucket: BackupBucket;
    /**
     * Where the peer region's backups can be read from this region (a read-only location).
     * @default no replica location (a single-region stack)
     */
    readonly replica?: VeleroReplica;
    /** Days scheduled backups are kept (Velero TTL; a whole number >= 1). */
    readonly retentionDays: number;
    /**
     * Application namespaces the schedules cover besides the platform's own.
     * @default none: only the platform namespaces, daily
     */
    readonly namespaces?: BackupNamespaces;
    /** Pulumi secret: the kopia repository password (the same in every region). */
    readonly repositoryPassword: pulumi.Input<string>;
}

/** Every problem with the args, each naming the arg path; empty when the args are usable. */
export function veleroProblems(args: VeleroArgs): string[] {
    const problems: string[] = [];
    if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1) {
        problems.push(
            `args.retentionDays must be a whole number of days >= 1 (got ${args.retentionDays})`,
        );
    }
    if (args.cluster.cloud === "aws" && (!args.bucket.bucketArn || !args.bucket.kmsKeyArn)) {
        problems.push("args.bucket is not an S3 bucket with a KMS key (args.cluster.cloud is aws)");
    }
    if (args.cluster.cloud === "gcp" && !args.bucket.gcsBucket)
        problems.push("args.bucket is not a GCS bucket (args.cluster.cloud is gcp)");
    if (args.replica && args.replica.peerRegion === args.cluster.name) {
        problems.push(
            `args.replica.peerRegion "${args.replica.peerRegion}" is this cluster's own region; the replica location reads the peer's backups`,
        );
    }
    return problems;
}

export class Velero extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly identity: WorkloadIdentity;

    constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:backup:Velero", name, {}, opts);
        const problems = veleroProblems(args);
        if (problems.length > 0) throw new Error(`Velero ${name}: ${problems.join("; ")}`);
        const { cluster, bucket, replica } = args;
        const isAws = cluster.cloud === "aws";
        const serviceAccount = veleroServiceAccount(cluster);

        this.identity = new WorkloadIdentity(
            `${name}-identity`,
            {
                cluster,
                namespace: VELERO_NAMESPACE,
                serviceAccount,
                aws: isAws
                    ? {
                          policy: pulumi
                              .all([bucket.bucketArn!, bucket.kmsKeyArn!])
                              .apply(([bucketArn, keyArn]) => veleroAwsPolicy(bucketArn, keyArn)),
                      }
                    : undefined,
            },
            { parent: this },
        );

        if (!isAws) {
            // Bucket-level grants instead of project-wide roles: own bucket read-write, peer's read-only.
            const provider = cluster.gcpProvider;
            const member = pulumi.interpolate`serviceAccount:${this.identity.gcpServiceAccountEmail!}`;
            new gcp.storage.BucketIAMMember(
                `${name}-bucket-admin`,
                {
                    bucket: bucket.bucketName,
                    role: "roles/storage.objectAdmin",
                    member,
                },
                { parent: this, provider },
            );
            new gcp.storage.BucketIAMMember(
                `${name}-bucket-reader`,
                {
                    bucket: bucket.bucketName,
                    role: "roles/storage.legacyBucketReader",
                    member,
                },
                { parent: this, provider },
            );
            if (replica) {
                new gcp.storage.BucketIAMMember(
                    `${name}-replica-viewer`,
                    {
                        bucket: replica.bucket.bucketName,
                        role: "roles/storage.objectViewer",
                        member,
                    },
                    { parent: this, provider },
                );
            }
        }

        const provider = cluster.cloud === "aws" ? "aws" : "gcp";
        // Writes go through the bucket's KMS key; the read-only location never writes.
        const locationConfig = (writable: boolean) =>
            isAws
                ? {
                      region: cluster.cloudRegion,
                      ...(writable ? { kmsKeyId: bucket.kmsKeyArn } : {}),
                  }
                : { serviceAccount: this.identity.gcpServiceAccountEmail };
        const locations: Record<string, unknown>[] = [
            {
                name: OWN_LOCATION,
                provider,
                bucket: bucket.bucketName,
                prefix: veleroPrefix(cluster.name),
                default: true,
                accessMode: "ReadWrite",
                config: locationConfig(true),
            },
        ];
        if (replica) {
            // AWS: the replica lives in this region's own bucket (S3 replication writes the peer's prefix
            // here). GCP: the peer's bucket is dual-region, so it already holds a copy in this region.
            const replicaBucket = isAws ? bucket : replica.bucket;
            locations.push({
                name: replicaLocationName(replica.peerRegion),
                provider,
                bucket: replicaBucket.bucketName,
                prefix: veleroPrefix(replica.peerRegion),
                default: false,
                accessMode: "ReadOnly",
                config: locationConfig(false),
            });
        }

        const schedules = Object.fromEntries(
            backupSchedules(
                args.retentionDays,
                scheduleMinute(cluster.primary),
                args.namespaces,
            ).map((s) => [
                s.key,
                {
                    disabled: false,
                    schedule: s.cron,
                    useOwnerReferencesInBackup: false,
                    template: {
                        ttl: s.ttl,
                        storageLocation: OWN_LOCATION,
                        includedNamespaces: [...s.namespaces],
                        defaultVolumesToFsBackup: true,
                        snapshotVolumes: false,
                    },
                },
            ]),
        );

        // The namespace first (also on a new cluster; the release keeps createNamespace for older
        // stacks), then the repository password, then Velero: no repository is ever initialized with
        // the built-in password.
        const k8sOpts = { parent: this, provider: cluster.provider, dependsOn: cluster.ready };
        const namespace = new k8s.core.v1.NamespacePatch(
            `${name}-namespace`,
            { metadata: { name: VELERO_NAMESPACE } },
            k8sOpts,
        );
        const repoCredentials = new k8s.core.v1.SecretPatch(
            `${name}-repo-credentials`,
            {
                metadata: {
                    name: VELERO_REPO_CREDENTIALS.secret,
                    namespace: VELERO_NAMESPACE,
                    annotations: { "pulumi.com/patchForce": "true" },
                },
                type: "Opaque",
                stringData: {
                    [VELERO_REPO_CREDENTIALS.key]: pulumi.secret(args.repositoryPassword),
                },
            },
            { ...k8sOpts, dependsOn: [namespace], additionalSecretOutputs: ["stringData", "data"] },
        );
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: VELERO_RELEASE,
                chart: VELERO_CHART.chart,
                version: VELERO_CHART.version,
                repositoryOpts: { repo: VELERO_CHART.repo },
                namespace: VELERO_NAMESPACE,
                createNamespace: true,
                atomic: true,
                values: {
                    initContainers: [
                        {
                            name: `velero-plugin-for-${provider}`,
                            image: VELERO_PLUGINS[provider],
                            imagePullPolicy: "IfNotPresent",
                            volumeMounts: [{ mountPath: "/target", name: "plugins" }],
                        },
                    ],
                    configuration: {
                        backupStorageLocation: locations,
                        volumeSnapshotLocation: [],
                        uploaderType: "kopia",
                        defaultVolumesToFsBackup: true,
                        defaultBackupTTL: `${args.retentionDays * 24}h`,
                    },
                    // File-system backup only: cloud snapshots stay in their region.
                    snapshotsEnabled: false,
                    deployNodeAgent: true,
                    credentials: { useSecret: false },
                    serviceAccount: {
                        server: {
                            create: true,
                            name: serviceAccount,
                            annotations: this.identity.annotations,
                        },
                    },
                    // The chart's advice for IRSA: a group that can read the projected web identity token.
                    podSecurityContext: { fsGroup: 1337 },
                    resources: {
                        requests: { cpu: "100m", memory: "256Mi" },
                        limits: { memory: "1Gi" },
                    },
                    metrics: { enabled: true },
                    schedules,
                },
            },
            { ...k8sOpts, dependsOn: [...cluster.ready, repoCredentials] },
        );
        this.registerOutputs({ releaseStatus: this.release.status });
    }
}

/** S3 and KMS permissions Velero needs on its own bucket (the replica prefix lives there too). */
export function veleroAwsPolicy(bucketArn: string, keyArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: [
                    "s3:GetObject",
                    "s3:DeleteObject",
                    "s3:PutObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                Resource: [`${bucketArn}/*`],
            },
            {
                Effect: "Allow",
                Action: ["s3:ListBucket", "s3:GetBucketLocation"],
                Resource: [bucketArn],
            },
            {
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                Resource: [keyArn],
            },
        ],
    });
}
