/**
 * The backup components' own arg checks: each bad arg throws an error that names the component and
 * the arg path (never a stack config key), and the components take plain args, not the stack config.
 */
import { strict as assert } from "assert";
import { runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig, validRawConfig } from "../support/fixtures";
import { parseConfig } from "../support/config";
import { BackupBucket, Backups, BucketReplication, Velero } from "../../components/backup";
import type { ClusterInfo, EksClusterInfo } from "../../components/types";

const awsCfg = testConfig();
const gcpCfg = parseConfig("gcptest", validGcpRawConfig());
const aws = (name: string): EksClusterInfo => testCluster(awsCfg, name) as EksClusterInfo;
const gcp = (name: string): ClusterInfo => testCluster(gcpCfg, name);
const REGIONS = ["singapore", "tokyo"];

async function refuses(program: () => unknown, expected: RegExp): Promise<void> {
    await assert.rejects(runDeclarations(program), (e: Error) => {
        assert.match(e.message, expected);
        assert.doesNotMatch(
            e.message,
            /mesh-platform:/,
            "a component error names its args, not a stack config key",
        );
        return true;
    });
}

describe("backup: component args", () => {
    it("Backups refuses no clusters, a bad retention and a name used twice, naming the args", async () => {
        await refuses(
            () =>
                new Backups("backup", { clusters: [], retentionDays: 30, repositoryPassword: "x" }),
            /^Backups backup: args\.clusters is empty/,
        );
        await refuses(
            () =>
                new Backups("backup", {
                    clusters: [aws("singapore")],
                    retentionDays: 0,
                    repositoryPassword: "x",
                }),
            /^Backups backup: args\.retentionDays must be a whole number of days >= 1 \(got 0\)/,
        );
        await refuses(() => {
            const c = aws("singapore");
            return new Backups("backup", {
                clusters: [c, { ...c, primary: false }],
                retentionDays: 30,
                repositoryPassword: "x",
            });
        }, /^Backups backup: args\.clusters\[1\]\.name "singapore" is used twice \(also args\.clusters\[0\]\)/);
    });

    it("Backups refuses peers on different clouds (the loader refuses it first; the guard covers args built in code)", async () => {
        assert.throws(
            () =>
                parseConfig("mixed", {
                    ...validGcpRawConfig(),
                    kubernetes: { adminRoleArn: "arn:aws:iam::111122223333:role/platform-admin" },
                    regions: [
                        (validRawConfig().regions as unknown[])[0],
                        (validGcpRawConfig().regions as unknown[])[1],
                    ],
                }),
            /mesh-platform:regions: all regions of a stack must be on one cloud/,
        );
        await refuses(
            () =>
                new Backups("backup", {
                    clusters: [aws("singapore"), gcp("tokyo")],
                    retentionDays: 30,
                    repositoryPassword: "x",
                }),
            /^Backups backup: args\.clusters\[0\] singapore \(aws\) and its peer args\.clusters\[1\] tokyo \(gcp\) are on different clouds/,
        );
    });

    it("Backups passes protect: false to every stateful child, and protects by default", async () => {
        // The backup bucket and its access-log bucket, and the bucket's KMS key.
        const stateful = ["aws:kms/key:Key", "aws:s3/bucket:Bucket"];
        const protects = async (protect: boolean | undefined) => {
            const run = await runDeclarations(
                () =>
                    new Backups("backup", {
                        clusters: [aws("singapore")],
                        retentionDays: 7,
                        repositoryPassword: "x",
                        protect,
                    }),
            );
            return stateful.map((t) => run.ofType(t).map((r) => r.protect));
        };
        assert.deepEqual(await protects(false), [[false], [false, false]]);
        assert.deepEqual(await protects(undefined), [[true], [true, true]]);
    });

    it("BackupBucket refuses a bad retention, a region list without its own region and bad data locations", async () => {
        await refuses(
            () =>
                new BackupBucket("b", {
                    cluster: aws("singapore"),
                    regionNames: REGIONS,
                    retentionDays: 1.5,
                }),
            /^BackupBucket b: args\.retentionDays must be a whole number of days >= 1 \(got 1\.5\)/,
        );
        await refuses(
            () =>
                new BackupBucket("b", {
                    cluster: aws("singapore"),
                    regionNames: ["tokyo"],
                    retentionDays: 30,
                }),
            /^BackupBucket b: args\.regionNames \[tokyo\] must include the bucket's own region args\.cluster\.name "singapore"/,
        );
        await refuses(
            () =>
                new BackupBucket("b", {
                    cluster: aws("singapore"),
                    regionNames: REGIONS,
                    retentionDays: 30,
                    gcpDataLocations: ["ap-southeast-1", "ap-northeast-1"],
                }),
            /^BackupBucket b: args\.gcpDataLocations applies to GCS buckets only \(args\.cluster\.cloud is aws\)/,
        );
        await refuses(
            () =>
                new BackupBucket("b", {
                    cluster: gcp("singapore"),
                    regionNames: REGIONS,
                    retentionDays: 30,
                    gcpDataLocations: ["asia-southeast1"],
                }),
            /^BackupBucket b: args\.gcpDataLocations must name exactly two regions for a dual-region bucket \(got 1\)/,
        );
        await refuses(
            () =>
                new BackupBucket("b", {
                    cluster: gcp("singapore"),
                    regionNames: REGIONS,
                    retentionDays: 30,
                    gcpDataLocations: ["asia-southeast1", "us-east1"],
                }),
            /^BackupBucket b: args\.gcpDataLocations asia-southeast1 and us-east1 are not in one GCS multi-region/,
        );
    });

    it("BucketReplication refuses a non-S3 side and a bucket replicating into itself, naming the arg", async () => {
        await refuses(() => {
            const c = aws("singapore");
            const s3 = new BackupBucket("s3", {
                cluster: c,
                regionNames: REGIONS,
                retentionDays: 30,
            });
            const gcs = new BackupBucket("gcs", {
                cluster: gcp("tokyo"),
                regionNames: REGIONS,
                retentionDays: 30,
            });
            return new BucketReplication("r", {
                sourceRegion: "singapore",
                sourceCloudRegion: "ap-southeast-1",
                destinationCloudRegion: "ap-northeast-1",
                source: s3,
                destination: gcs,
                provider: c.awsProvider,
                tags: {},
            });
        }, /^BucketReplication r: args\.destination is missing an S3 bucket, a KMS key, versioning; replication needs two S3 backup buckets/);
        await refuses(() => {
            const c = aws("singapore");
            const s3 = new BackupBucket("s3", {
                cluster: c,
                regionNames: REGIONS,
                retentionDays: 30,
            });
            return new BucketReplication("r", {
                sourceRegion: "singapore",
                sourceCloudRegion: "ap-southeast-1",
                destinationCloudRegion: "ap-southeast-1",
                source: s3,
                destination: s3,
                provider: c.awsProvider,
                tags: {},
            });
        }, /^BucketReplication r: args\.destination is args\.source; .*; args\.destinationCloudRegion ap-southeast-1 equals args\.sourceCloudRegion/);
    });

    it("Velero refuses a bad retention, a bucket of the other cloud and itself as the replica's peer", async () => {
        await refuses(() => {
            const c = aws("singapore");
            return new Velero("v", {
                cluster: c,
                bucket: new BackupBucket("s3", {
                    cluster: c,
                    regionNames: REGIONS,
                    retentionDays: 30,
                }),
                retentionDays: -1,
                repositoryPassword: "x",
            });
        }, /^Velero v: args\.retentionDays must be a whole number of days >= 1 \(got -1\)/);
        await refuses(
            () =>
                new Velero("v", {
                    cluster: aws("singapore"),
                    bucket: new BackupBucket("gcs", {
                        cluster: gcp("tokyo"),
                        regionNames: REGIONS,
                        retentionDays: 30,
                    }),
                    retentionDays: 30,
                    repositoryPassword: "x",
                }),
            /^Velero v: args\.bucket is not an S3 bucket with a KMS key \(args\.cluster\.cloud is aws\)/,
        );
        await refuses(
            () =>
                new Velero("v", {
                    cluster: gcp("tokyo"),
                    bucket: new BackupBucket("s3", {
                        cluster: aws("singapore"),
                        regionNames: REGIONS,
                        retentionDays: 30,
                    }),
                    retentionDays: 30,
                    repositoryPassword: "x",
                }),
            /^Velero v: args\.bucket is not a GCS bucket \(args\.cluster\.cloud is gcp\)/,
        );
        await refuses(() => {
            const c = aws("singapore");
            const bucket = new BackupBucket("s3", {
                cluster: c,
                regionNames: REGIONS,
                retentionDays: 30,
            });
            return new Velero("v", {
                cluster: c,
                bucket,
                replica: { peerRegion: "singapore", bucket },
                retentionDays: 30,
                repositoryPassword: "x",
            });
        }, /^Velero v: args\.replica\.peerRegion "singapore" is this cluster's own region/);
    });
});
