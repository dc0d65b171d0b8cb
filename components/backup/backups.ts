/**
 * Backups for the whole stack: per region a backup bucket (with server access logs on S3), S3
 * replication to the peer region with CloudWatch alarms on its latency and failures routed to an SNS
 * topic that pages (AWS; GCS dual-region turbo replication on GCP), and Velero in every cluster with
 * one kopia repository password in every region. The mesh CA material is NOT here: it lives in the CA
 * vault (components/secrets), which no cluster identity can read.
 *
 * Peers: the primary's peer is the first secondary; every secondary's peer is the primary.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ClusterInfo, EksClusterInfo } from "../types";
import { VELERO_NAMESPACE } from "../constants";
import { BackupBucket } from "./bucket";
import { BackupNamespaces } from "./naming";
import { BucketReplication } from "./replication";
import { Velero } from "./velero";

/** What the stack outputs and the drill need to know of one region's backups. */
export interface RegionBackup {
    /** The region's short name. */
    readonly region: string;
    /** Physical name of the region's backup bucket. */
    readonly bucketName: pulumi.Output<string>;
    /** Namespace of Velero in the region's cluster. */
    readonly veleroNamespace: string;
    /** AWS only: the SNS topic the region's replication alarms notify. */
    readonly alarmTopicArn?: pulumi.Output<string>;
    /** The region whose backups this cluster can restore from its replica location. */
    readonly peerRegion?: string;
    /**
     * How this region's backups reach the peer region, as its cloud's metrics name it: the S3
     * replication rule (AWS; metrics in the source region) or the dual-region bucket with turbo
     * replication (GCP). None with a single region.
     */
    readonly replication?: BackupReplicationMetrics;
}

/** What the cloud's replication metrics of one region's backups are keyed by. */
export type BackupReplicationMetrics =
    | {
          readonly kind: "s3";
          /** Cloud region of the source bucket (S3 publishes the rule's metrics there). */
          readonly cloudRegion: string;
          readonly sourceBucket: pulumi.Output<string>;
          readonly destinationBucket: pulumi.Output<string>;
          readonly ruleId: string;
      }
    | {
          readonly kind: "gcs-turbo";
          /** The project of the dual-region bucket (its metrics are in that project). */
          readonly project: string;
          readonly bucket: pulumi.Output<string>;
      };

export interface BackupsArgs {
    /**
     * The clusters to back up, all on one cloud: each gets a bucket (on its own cloud provider), Velero
     * and a copy of the CA material. The one with `primary` set (else the first) pairs with the next.
     */
    readonly clusters: readonly ClusterInfo[];
    /** Days backups are kept: the Velero TTL and the buckets' lifecycle (backups and noncurrent versions). */
    readonly retentionDays: number;
    /**
     * Pulumi secret: Velero's kopia repository password, the same in every region so that a cluster can
     * open the repositories of its peer's replicated backups.
     */
    readonly repositoryPassword: pulumi.Input<string>;
    /**
     * Pulumi secret: HTTPS endpoint (e.g. a PagerDuty CloudWatch integration URL) subscribed to each
     * region's replication alarm topic.
     * @default no subscription: subscribe the topic (output alarmTopicArns) by hand
     */
    readonly pagerUrl?: pulumi.Input<string>;
    /**
     * `protect` on the stateful children (buckets, log buckets, KMS keys).
     * @default true
     */
    readonly protect?: boolean;
    /**
     * GCP only: the project of the backup buckets.
     * @default each cluster's project
     */
    readonly gcpProject?: string;
    /**
     * Application namespaces Velero backs up in every cluster, besides the platform's own.
     * @default none: only the platform namespaces, daily
     */
    readonly namespaces?: BackupNamespaces;
}

/** The peer of each region (see module comment); undefined with a single region. */
export function peerOf(clusters: readonly ClusterInfo[], c: ClusterInfo): ClusterInfo | undefined {
    if (clusters.length < 2) return undefined;
    const primary = clusters.find((x) => x.primary) ?? clusters[0];
    return c === primary ? clusters.find((x) => x !== primary) : primary;
}

/** Every problem with the args, each naming the arg path; empty when the args are usable. */
export function backupsProblems(args: BackupsArgs): string[] {
    const problems: string[] = [];
    const { clusters } = args;
    if (clusters.length === 0) problems.push("args.clusters is empty: no clusters to back up");
    if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1) {
        problems.push(
            `args.retentionDays must be a whole number of days >= 1 (got ${args.retentionDays})`,
        );
    }
    const seen = new Map<string, number>();
    clusters.forEach((c, i) => {
        const first = seen.get(c.name);
        if (first !== undefined)
            problems.push(
                `args.clusters[${i}].name "${c.name}" is used twice (also args.clusters[${first}])`,
            );
        else seen.set(c.name, i);
    });
    // The config loader refuses mixed-cloud stacks first; this guard covers args built in code.
    clusters.forEach((c, i) => {
        const peer = peerOf(clusters, c);
        if (peer && c.cloud !== peer.cloud) {
            problems.push(
                `args.clusters[${i}] ${c.name} (${c.cloud}) and its peer args.clusters[${clusters.indexOf(peer)}] ${peer.name} (${peer.cloud}) ` +
                    "are on different clouds; backup replication needs both regions on one cloud",
            );
        }
    });
    return problems;
}

export class Backups extends pulumi.ComponentResource {
    /** Per cluster, in `args.clusters` order: its bucket, Velero namespace and peer. */
    readonly regions: readonly RegionBackup[];

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:backup:Backups", name, {}, opts);
        const { clusters, retentionDays } = args;
        const protect = args.protect ?? true;
        const problems = backupsProblems(args);
        if (problems.length > 0) throw new Error(`Backups ${name}: ${problems.join("; ")}`);
        const regionNames = clusters.map((c) => c.name);

        const buckets = new Map<string, BackupBucket>();
        for (const c of clusters) {
            const peer = peerOf(clusters, c);
            buckets.set(
                c.name,
                new BackupBucket(
                    `${name}-${c.name}`,
                    {
                        cluster: c,
                        regionNames,
                        retentionDays,
                        protect,
                        gcpProject: args.gcpProject,
                        gcpDataLocations:
                            c.cloud === "gcp" && peer?.cloud === "gcp"
                                ? [c.cloudRegion, peer.cloudRegion]
                                : undefined,
                    },
                    { parent: this },
                ),
            );
        }

        const regions: RegionBackup[] = [];
        for (const c of clusters) {
            const bucket = buckets.get(c.name)!;
            const peer = peerOf(clusters, c);
            let alarmTopicArn: pulumi.Output<string> | undefined;
            let replication: BackupReplicationMetrics | undefined;
            if (peer && c.cloud === "aws" && peer.cloud === "aws") {
                alarmTopicArn = this.alarmTopic(`${name}-${c.name}`, c, args.pagerUrl);
                const destination = buckets.get(peer.name)!;
                const rule = new BucketReplication(
                    `${name}-${c.name}-to-${peer.name}`,
                    {
                        sourceRegion: c.name,
                        sourceCloudRegion: c.cloudRegion,
                        destinationCloudRegion: peer.cloudRegion,
                        source: bucket,
                        destination,
                        provider: c.awsProvider,
                        tags: c.tags,
                        alarmTopicArn,
                    },
                    { parent: this },
                );
                replication = {
                    kind: "s3",
                    cloudRegion: c.cloudRegion,
                    sourceBucket: bucket.bucketName,
                    destinationBucket: destination.bucketName,
                    ruleId: rule.ruleId,
                };
            } else if (peer && c.cloud === "gcp" && peer.cloud === "gcp") {
                // The dual-region bucket with turbo replication (BackupBucket.gcpDataLocations above).
                replication = {
                    kind: "gcs-turbo",
                    project: args.gcpProject ?? c.project,
                    bucket: bucket.bucketName,
                };
            }
            new Velero(
                `${name}-${c.name}-velero`,
                {
                    cluster: c,
                    bucket,
                    replica: peer
                        ? { peerRegion: peer.name, bucket: buckets.get(peer.name)! }
                        : undefined,
                    retentionDays,
                    namespaces: args.namespaces,
                    repositoryPassword: args.repositoryPassword,
                },
                { parent: this },
            );
            regions.push({
                region: c.name,
                bucketName: bucket.bucketName,
                veleroNamespace: VELERO_NAMESPACE,
                peerRegion: peer?.name,
                alarmTopicArn,
                replication,
            });
        }
        this.regions = regions;
        this.registerOutputs({ buckets: regions.map((r) => r.bucketName) });
    }

    /** The region's replication alarm topic, subscribed to the pager when a URL is given. */
    private alarmTopic(
        name: string,
        c: EksClusterInfo,
        pagerUrl: pulumi.Input<string> | undefined,
    ): pulumi.Output<string> {
        const opts = { parent: this, provider: c.awsProvider };
        const topic = new aws.sns.Topic(
            `${name}-replication-alarms`,
            { displayName: `Backup replication alarms of ${c.name}`, tags: c.tags },
            opts,
        );
        if (pagerUrl !== undefined) {
            new aws.sns.TopicSubscription(
                `${name}-replication-pager`,
                {
                    topic: topic.arn,
                    protocol: "https",
                    endpoint: pulumi.secret(pagerUrl),
                    endpointAutoConfirms: true,
                },
                { ...opts, additionalSecretOutputs: ["endpoint"] },
            );
        }
        return topic.arn;
    }
}
