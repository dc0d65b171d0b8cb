import { strict as assert } from "assert";
import { RecordedRun, runStack } from "../harness";

type Values = Record<string, any>;

describe("backup in the stack plans", () => {
    describe("prod (AWS)", () => {
        let run: RecordedRun;
        before(async () => {
            run = await runStack("prod");
        });

        it("has one protected, KMS-encrypted, versioned bucket per region with replication both ways", () => {
            assert.deepEqual(
                run
                    .ofType("aws:s3/bucket:Bucket")
                    .filter((b) => b.name.startsWith("backup-"))
                    .map((b) => [b.name, b.protect]),
                [
                    ["backup-singapore", true],
                    ["backup-tokyo", true],
                ],
            );
            assert.deepEqual(
                run
                    .ofType("aws:kms/key:Key")
                    .filter((k) => k.name.startsWith("backup-"))
                    .map((k) => [k.name, k.inputs.enableKeyRotation, k.protect]),
                [
                    ["backup-singapore-key", true, true],
                    ["backup-tokyo-key", true, true],
                ],
            );
            assert.deepEqual(
                run
                    .ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
                    .map((r) => [r.name, (r.inputs.rules as Values[])[0].filter.prefix]),
                [
                    ["backup-singapore-to-tokyo-config", "velero/singapore/"],
                    ["backup-tokyo-to-singapore-config", "velero/tokyo/"],
                ],
            );
            for (const lc of run
                .ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
                .filter((r) => r.name.startsWith("backup-"))) {
                const rules = lc.inputs.rules as Values[];
                assert.deepEqual(
                    rules.filter((r) => r.expiration?.days).map((r) => r.expiration.days),
                    [30, 30, 30, 30],
                );
                assert.deepEqual(rules.at(-1)!.noncurrentVersionExpiration, { noncurrentDays: 30 });
            }
        });

        it("runs Velero in both clusters on their own Kubernetes providers with the schedules and locations", () => {
            const releases = run
                .ofType("kubernetes:helm.sh/v3:Release")
                .filter((r) => r.inputs.chart === "velero");
            assert.deepEqual(
                releases.map((r) => [r.name, run.providerOf(r)?.type, r.inputs.version]),
                [
                    ["backup-singapore-velero-release", "pulumi:providers:kubernetes", "12.1.0"],
                    ["backup-tokyo-velero-release", "pulumi:providers:kubernetes", "12.1.0"],
                ],
            );
            assert.notEqual(releases[0].provider, releases[1].provider);
            for (const [rel, peer, minute] of [
                [releases[0], "tokyo", 0],
                [releases[1], "singapore", 15],
            ] as const) {
                const v = rel.inputs.values as Values;
                assert.deepEqual(
                    v.configuration.backupStorageLocation.map((l: Values) => [
                        l.name,
                        l.accessMode,
                        l.prefix,
                    ]),
                    [
                        ["default", "ReadWrite", `velero/${rel.name.split("-")[1]}`],
                        [`replica-${peer}`, "ReadOnly", `velero/${peer}`],
                    ],
                );
                assert.deepEqual(
                    Object.entries(v.schedules).map(([k, s]: [string, any]) => [
                        k,
                        s.schedule,
                        s.template.ttl,
                    ]),
                    [
                        ["daily-platform", `${minute} 2 * * *`, "720h"],
                        [
                            "hourly-assessment",
                            minute === 0 ? "*/30 * * * *" : `${minute},${minute + 30} * * * *`,
                            "720h",
                        ],
                    ],
                );
                assert.match(
                    v.serviceAccount.server.annotations["eks.amazonaws.com/role-arn"],
                    /^arn:aws:iam::\d{12}:role\//,
                );
            }
        });

        it("keeps the mesh CA material out of the backup buckets: one protected vault secret instead", () => {
            assert.deepEqual(run.ofType("aws:s3/bucketObjectv2:BucketObjectv2"), []);
            const secrets = run.ofType("aws:secretsmanager/secret:Secret");
            assert.deepEqual(
                secrets.map((x) => [x.name, x.inputs.name, x.protect, x.retainOnDelete]),
                [["mesh-ca-vault-secret", "mesh-platform/prod/mesh-ca-material", true, true]],
            );
        });
    });

    it("dev does not protect its backup buckets (profile protect = false)", async () => {
        const run = await runStack("dev");
        assert.deepEqual(
            run
                .ofType("aws:s3/bucket:Bucket")
                .filter((b) => b.name.startsWith("backup-"))
                .map((b) => b.protect),
            [false, false],
        );
    });

    it("gcp uses dual-region GCS buckets with turbo replication, uniform access, versioning and lifecycle", async () => {
        const run = await runStack("gcp");
        const buckets = run
            .ofType("gcp:storage/bucket:Bucket")
            .filter((b) => b.name.startsWith("backup-"));
        assert.deepEqual(
            buckets.map((b) => [
                b.name,
                b.inputs.location,
                b.inputs.rpo,
                b.inputs.uniformBucketLevelAccess,
                (b.inputs.versioning as Values).enabled,
                b.protect,
            ]),
            [
                ["backup-singapore", "ASIA", "ASYNC_TURBO", true, true, true],
                ["backup-tokyo", "ASIA", "ASYNC_TURBO", true, true, true],
            ],
        );
        assert.deepEqual(
            (buckets[0].inputs.lifecycleRules as Values[]).map(
                (r) => r.condition.age ?? r.condition.daysSinceNoncurrentTime,
            ),
            [30, 30],
        );
        const v = run.one("kubernetes:helm.sh/v3:Release", "backup-singapore-velero-release").inputs
            .values as Values;
        assert.deepEqual(
            v.configuration.backupStorageLocation.map((l: Values) => [
                l.name,
                l.provider,
                l.bucket,
            ]),
            [
                ["default", "gcp", buckets[0].outputs.name],
                ["replica-tokyo", "gcp", buckets[1].outputs.name],
            ],
        );
    });
});
