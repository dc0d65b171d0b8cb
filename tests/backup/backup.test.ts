import { strict as assert } from "assert";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, RecordedRun, runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig, PlatformConfig } from "../support/config";
import { Backups, peerOf, VELERO_CHART, VELERO_PLUGINS } from "../../components/backup";
import { expiringPrefixes, gcsMultiRegion, tlsOnlyPolicy } from "../../components/backup/bucket";
import { backupSchedules } from "../../components/backup/naming";
import { APP_NAMESPACES, ASSESSMENT_NAMESPACE } from "../../components/tenant/domains";

/** What the composition passes (platform/backup.ts). */
const EDTECH_NAMESPACES = { daily: APP_NAMESPACES, frequent: [ASSESSMENT_NAMESPACE] };

const PASSWORD = "kopia-repository-password-for-tests";

type Values = Record<string, any>;

function byName(run: RecordedRun, type: string, name: string): RecordedResource {
    return run.one(type, name);
}

describe("backup: AWS (two regions, prod)", () => {
    let run: RecordedRun;
    const cfg = testConfig();

    before(async () => {
        run = await runDeclarations(() => {
            const clusters = cfg.regions.map((r) => testCluster(cfg, r.name));
            // protect left out: the default is the safe value (true)
            new Backups("backup", {
                clusters,
                retentionDays: 30,
                repositoryPassword: pulumi.secret(PASSWORD),
                namespaces: EDTECH_NAMESPACES,
            });
        });
    });

    const provider = (res: RecordedResource) => run.providerOf(res)?.name;

    it("gives each region a KMS key with rotation and a protected bucket, on that region's provider", () => {
        for (const region of ["singapore", "tokyo"]) {
            const key = byName(run, "aws:kms/key:Key", `backup-${region}-key`);
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.deletionWindowInDays, 30);
            assert.equal(key.protect, true);
            assert.equal(provider(key), `${region}-aws`);
            assert.equal((key.inputs.tags as Values).region, region);
            const bucket = byName(run, "aws:s3/bucket:Bucket", `backup-${region}`);
            assert.equal(bucket.protect, true);
            assert.equal(bucket.inputs.forceDestroy, false);
            assert.equal(provider(bucket), `${region}-aws`);
            assert.equal((bucket.inputs.tags as Values)["cost-center"], "edtech-platform");
            assert.equal(run.byUrn(bucket.parent!)!.type, "mesh-platform:backup:BackupBucket");
        }
    });

    it("encrypts with SSE-KMS, versions, blocks public access, enforces TLS and owner-enforced objects", () => {
        const bucket = byName(run, "aws:s3/bucket:Bucket", "backup-singapore");
        const key = byName(run, "aws:kms/key:Key", "backup-singapore-key");
        const sse = byName(
            run,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "backup-singapore-encryption",
        );
        assert.equal(sse.inputs.bucket, bucket.id);
        assert.deepEqual(sse.inputs.rules, [
            {
                applyServerSideEncryptionByDefault: {
                    sseAlgorithm: "aws:kms",
                    kmsMasterKeyId: key.outputs.arn,
                },
                bucketKeyEnabled: true,
            },
        ]);
        assert.deepEqual(
            byName(run, "aws:s3/bucketVersioning:BucketVersioning", "backup-singapore-versioning")
                .inputs.versioningConfiguration,
            { status: "Enabled" },
        );
        const block = byName(
            run,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "backup-singapore-public-access",
        ).inputs;
        assert.deepEqual(
            [
                block.blockPublicAcls,
                block.blockPublicPolicy,
                block.ignorePublicAcls,
                block.restrictPublicBuckets,
            ],
            [true, true, true, true],
        );
        assert.deepEqual(
            byName(
                run,
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                "backup-singapore-ownership",
            ).inputs.rule,
            { objectOwnership: "BucketOwnerEnforced" },
        );
        const policy = byName(run, "aws:s3/bucketPolicy:BucketPolicy", "backup-singapore-tls-only");
        assert.equal(policy.inputs.policy, tlsOnlyPolicy(String(bucket.outputs.arn)));
        assert.deepEqual(JSON.parse(String(policy.inputs.policy)).Statement[0].Condition, {
            Bool: { "aws:SecureTransport": "false" },
        });
    });

    it("expires backups and noncurrent versions after 30 days, never the kopia repository", () => {
        const rules = byName(
            run,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "backup-tokyo-lifecycle",
        ).inputs.rules as Values[];
        assert.deepEqual(
            rules.map((r) => r.filter.prefix),
            [
                "velero/singapore/backups/",
                "velero/singapore/restores/",
                "velero/tokyo/backups/",
                "velero/tokyo/restores/",
                "",
            ],
        );
        for (const r of rules.slice(0, 4)) assert.deepEqual(r.expiration, { days: 30 });
        assert.deepEqual(rules[4].noncurrentVersionExpiration, { noncurrentDays: 30 });
        assert.deepEqual(rules[4].expiration, { expiredObjectDeleteMarker: true });
        assert.ok(
            rules.every(
                (r) => r.status === "Enabled" && !String(r.filter.prefix).includes("kopia"),
            ),
        );
        assert.deepEqual(expiringPrefixes(["a"]), ["velero/a/backups/", "velero/a/restores/"]);
    });

    it("replicates each region's Velero prefix to the peer's bucket, re-encrypted with the peer's key, after versioning", () => {
        for (const [src, dst] of [
            ["singapore", "tokyo"],
            ["tokyo", "singapore"],
        ]) {
            const cfgRes = byName(
                run,
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                `backup-${src}-to-${dst}-config`,
            );
            const role = byName(run, "aws:iam/role:Role", `backup-${src}-to-${dst}-role`);
            const dstBucket = byName(run, "aws:s3/bucket:Bucket", `backup-${dst}`);
            const dstKey = byName(run, "aws:kms/key:Key", `backup-${dst}-key`);
            assert.equal(
                cfgRes.inputs.bucket,
                byName(run, "aws:s3/bucket:Bucket", `backup-${src}`).id,
            );
            assert.equal(cfgRes.inputs.role, role.outputs.arn);
            assert.equal(provider(cfgRes), `${src}-aws`);
            const [rule] = cfgRes.inputs.rules as Values[];
            assert.deepEqual(rule.filter, { prefix: `velero/${src}/` });
            assert.deepEqual(rule.sourceSelectionCriteria, {
                sseKmsEncryptedObjects: { status: "Enabled" },
            });
            assert.deepEqual(rule.deleteMarkerReplication, { status: "Enabled" });
            assert.equal(rule.destination.bucket, dstBucket.outputs.arn);
            assert.deepEqual(rule.destination.encryptionConfiguration, {
                replicaKmsKeyId: dstKey.outputs.arn,
            });
            assert.deepEqual(rule.destination.replicationTime, {
                status: "Enabled",
                time: { minutes: 15 },
            });
            const deps = cfgRes.dependencies;
            assert.ok(
                deps.includes(
                    byName(
                        run,
                        "aws:s3/bucketVersioning:BucketVersioning",
                        `backup-${src}-versioning`,
                    ).urn,
                ),
            );
            assert.ok(
                deps.includes(
                    byName(
                        run,
                        "aws:s3/bucketVersioning:BucketVersioning",
                        `backup-${dst}-versioning`,
                    ).urn,
                ),
            );
            assert.deepEqual(
                JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal,
                { Service: "s3.amazonaws.com" },
            );
            const policy = JSON.parse(
                String(
                    byName(run, "aws:iam/rolePolicy:RolePolicy", `backup-${src}-to-${dst}-policy`)
                        .inputs.policy,
                ),
            );
            assert.deepEqual(policy.Statement[2], {
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                Resource: [`${dstBucket.outputs.arn}/*`],
            });
            assert.deepEqual(policy.Statement[4].Resource, [dstKey.outputs.arn]);
            // Bucket Keys: decrypt on the source key, encrypt AND decrypt on the destination key, each
            // through S3 in its region and for its bucket ARN (the Bucket Key encryption context).
            const srcBucket = byName(run, "aws:s3/bucket:Bucket", `backup-${src}`);
            const srcKey = byName(run, "aws:kms/key:Key", `backup-${src}-key`);
            const region = { singapore: "ap-southeast-1", tokyo: "ap-northeast-1" } as const;
            assert.deepEqual(policy.Statement[3], {
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [srcKey.outputs.arn],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${region[src as "tokyo"]}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": [srcBucket.outputs.arn],
                    },
                },
            });
            assert.deepEqual(policy.Statement[4], {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt"],
                Resource: [dstKey.outputs.arn],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${region[dst as "tokyo"]}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": [dstBucket.outputs.arn],
                    },
                },
            });
            assert.ok(
                !JSON.stringify(policy).includes("kms:GenerateDataKey"),
                "no plaintext objects to encrypt: no GenerateDataKey",
            );
            // Confused-deputy guard: S3 acting for this account's source bucket only.
            assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0], {
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
                    ArnLike: { "aws:SourceArn": srcBucket.outputs.arn },
                },
            });
        }
    });

    it("keeps no CA material in any backup bucket (it lives in the CA vault)", () => {
        assert.deepEqual(run.ofType("aws:s3/bucketObjectv2:BucketObjectv2"), []);
        assert.deepEqual(run.ofType("aws:s3/bucketObject:BucketObject"), []);
    });

    it("logs every request to each backup bucket into a protected, TLS-only, SSE-S3 log bucket with a lifecycle", () => {
        for (const region of ["singapore", "tokyo"]) {
            const bucket = byName(run, "aws:s3/bucket:Bucket", `backup-${region}`);
            const logs = byName(run, "aws:s3/bucket:Bucket", `s3-access-logs-${region}`);
            assert.equal(logs.protect, true);
            assert.equal(provider(logs), provider(bucket), "same region: S3 logs stay in-region");
            const logging = byName(
                run,
                "aws:s3/bucketLogging:BucketLogging",
                `s3-access-logs-${region}-delivery`,
            );
            assert.equal(logging.inputs.bucket, bucket.id);
            assert.equal(logging.inputs.targetBucket, logs.id);
            assert.equal(logging.inputs.targetPrefix, "s3-access/");
            const sse = byName(
                run,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                `s3-access-logs-${region}-encryption`,
            );
            assert.equal(
                (sse.inputs as Values).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
                "AES256",
            );
            const block = byName(
                run,
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                `s3-access-logs-${region}-public-access`,
            );
            assert.deepEqual(
                [
                    block.inputs.blockPublicAcls,
                    block.inputs.blockPublicPolicy,
                    block.inputs.ignorePublicAcls,
                    block.inputs.restrictPublicBuckets,
                ],
                [true, true, true, true],
            );
            const lifecycle = byName(
                run,
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                `s3-access-logs-${region}-lifecycle`,
            );
            assert.equal((lifecycle.inputs as Values).rules[0].expiration.days, 365);
            const policy = JSON.parse(
                byName(run, "aws:s3/bucketPolicy:BucketPolicy", `s3-access-logs-${region}-policy`)
                    .inputs.policy as string,
            );
            const [tls, delivery] = policy.Statement;
            assert.equal(tls.Condition.Bool["aws:SecureTransport"], "false");
            assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
            assert.equal(delivery.Action, "s3:PutObject");
            assert.equal(delivery.Resource, `${logs.outputs.arn}/s3-access/*`);
            assert.equal(delivery.Condition.ArnLike["aws:SourceArn"], bucket.outputs.arn);
            assert.equal(delivery.Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT_ID);
        }
    });

    it("gives Velero the stack's kopia repository password before the release, as a secret", () => {
        for (const region of ["singapore", "tokyo"]) {
            const secret = byName(
                run,
                "kubernetes:core/v1:SecretPatch",
                `backup-${region}-velero-repo-credentials`,
            );
            assert.equal((secret.inputs as Values).metadata.name, "velero-repo-credentials");
            assert.equal((secret.inputs as Values).metadata.namespace, "velero");
            assert.equal(
                (secret.inputs as Values).metadata.annotations["pulumi.com/patchForce"],
                "true",
            );
            assert.equal(secret.inputs.stringData, "[secret]");
            assert.deepEqual(secret.plainInputs.stringData, { "repository-password": PASSWORD });
            const rel = byName(
                run,
                "kubernetes:helm.sh/v3:Release",
                `backup-${region}-velero-release`,
            );
            assert.ok(rel.dependencies.includes(secret.urn), "the release waits for the password");
        }
    });

    it("alarms on replication latency past the RTC threshold and on failed operations, to each region's topic", () => {
        for (const [region, peer] of [
            ["singapore", "tokyo"],
            ["tokyo", "singapore"],
        ]) {
            const topic = byName(run, "aws:sns/topic:Topic", `backup-${region}-replication-alarms`);
            const latency = byName(
                run,
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                `backup-${region}-to-${peer}-latency`,
            );
            const failed = byName(
                run,
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                `backup-${region}-to-${peer}-failed`,
            );
            for (const a of [latency, failed]) {
                assert.equal(a.inputs.namespace, "AWS/S3");
                // The offline mocks compute no topic ARN: the action shows as a dependency.
                assert.equal((a.inputs.alarmActions as unknown[]).length, 1);
                assert.ok(a.dependencies.includes(topic.urn), `${a.name} notifies ${topic.name}`);
                assert.equal(provider(a), provider(topic));
                assert.deepEqual(a.inputs.dimensions, {
                    SourceBucket: byName(run, "aws:s3/bucket:Bucket", `backup-${region}`).outputs
                        .bucket,
                    DestinationBucket: byName(run, "aws:s3/bucket:Bucket", `backup-${peer}`).outputs
                        .bucket,
                    RuleId: `velero-${region}`,
                });
            }
            assert.equal(latency.inputs.metricName, "ReplicationLatency");
            assert.equal(latency.inputs.threshold, 900);
            assert.equal(failed.inputs.metricName, "OperationsFailedReplication");
            assert.equal(failed.inputs.threshold, 0);
        }
        // No pager URL given: no subscription (documented: subscribe the topic by hand).
        assert.deepEqual(run.ofType("aws:sns/topicSubscription:TopicSubscription"), []);
    });

    it("installs the pinned Velero chart with IRSA, its own bucket read-write and the peer's replica read-only", () => {
        const rel = byName(run, "kubernetes:helm.sh/v3:Release", "backup-tokyo-velero-release");
        assert.equal(provider(rel), "tokyo-k8s");
        assert.equal(rel.inputs.chart, "velero");
        assert.equal(rel.inputs.version, "12.1.0");
        assert.deepEqual(rel.inputs.repositoryOpts, {
            repo: "https://vmware-tanzu.github.io/helm-charts",
        });
        assert.equal(rel.inputs.namespace, "velero");
        assert.equal(rel.inputs.name, "velero");
        const v = rel.inputs.values as Values;
        const bucket = byName(run, "aws:s3/bucket:Bucket", "backup-tokyo").outputs.bucket;
        const key = byName(run, "aws:kms/key:Key", "backup-tokyo-key").outputs.arn;
        assert.deepEqual(v.configuration.backupStorageLocation, [
            {
                name: "default",
                provider: "aws",
                bucket,
                prefix: "velero/tokyo",
                default: true,
                accessMode: "ReadWrite",
                config: { region: "ap-northeast-1", kmsKeyId: key },
            },
            {
                name: "replica-singapore",
                provider: "aws",
                bucket,
                prefix: "velero/singapore",
                default: false,
                accessMode: "ReadOnly",
                config: { region: "ap-northeast-1" },
            },
        ]);
        assert.deepEqual(v.initContainers, [
            {
                name: "velero-plugin-for-aws",
                image: VELERO_PLUGINS.aws,
                imagePullPolicy: "IfNotPresent",
                volumeMounts: [{ mountPath: "/target", name: "plugins" }],
            },
        ]);
        assert.equal(v.deployNodeAgent, true);
        assert.equal(v.snapshotsEnabled, false);
        assert.equal(v.configuration.uploaderType, "kopia");
        assert.equal(v.configuration.defaultVolumesToFsBackup, true);
        assert.deepEqual(v.credentials, { useSecret: false });
        const role = byName(run, "aws:iam/role:Role", "backup-tokyo-velero-identity-role");
        assert.deepEqual(v.serviceAccount.server, {
            create: true,
            name: "velero",
            annotations: { "eks.amazonaws.com/role-arn": role.outputs.arn },
        });
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Condition
            .StringEquals;
        assert.equal(
            Object.entries(trust).find(([k]) => k.endsWith(":sub"))?.[1],
            "system:serviceaccount:velero:velero",
        );
        const policy = JSON.parse(
            String(
                byName(run, "aws:iam/rolePolicy:RolePolicy", "backup-tokyo-velero-identity-policy")
                    .inputs.policy,
            ),
        );
        assert.deepEqual(policy.Statement[0].Resource, [`arn:aws:s3:::${bucket}/*`]);
        assert.deepEqual(policy.Statement[2].Resource, [key]);
    });

    it("schedules daily platform+app backups kept 720h and assessment backups every 30 minutes", () => {
        const v = byName(run, "kubernetes:helm.sh/v3:Release", "backup-singapore-velero-release")
            .inputs.values as Values;
        assert.deepEqual(v.schedules, {
            "daily-platform": {
                disabled: false,
                schedule: "0 2 * * *",
                useOwnerReferencesInBackup: false,
                template: {
                    ttl: "720h",
                    storageLocation: "default",
                    defaultVolumesToFsBackup: true,
                    snapshotVolumes: false,
                    includedNamespaces: [
                        "istio-system",
                        "istio-gateways",
                        "cert-manager",
                        "user",
                        "content",
                        "assessment",
                        "analytics",
                    ],
                },
            },
            "hourly-assessment": {
                disabled: false,
                schedule: "*/30 * * * *",
                useOwnerReferencesInBackup: false,
                template: {
                    ttl: "720h",
                    storageLocation: "default",
                    defaultVolumesToFsBackup: true,
                    snapshotVolumes: false,
                    includedNamespaces: ["assessment"],
                },
            },
        });
        assert.equal(v.configuration.defaultBackupTTL, "720h");
        assert.deepEqual(
            backupSchedules(7, 0, { daily: ["user"], frequent: ["assessment"] }).map((x) => x.ttl),
            ["168h", "168h"],
        );
        assert.deepEqual(
            backupSchedules(7).map((x) => [x.key, x.namespaces]),
            [["daily-platform", ["istio-system", "istio-gateways", "cert-manager"]]],
        );
    });

    it("fires the secondary's schedules a quarter past, so its own backups never share a name with the primary's it syncs", () => {
        const crons = (region: string) =>
            Object.values(
                (
                    byName(run, "kubernetes:helm.sh/v3:Release", `backup-${region}-velero-release`)
                        .inputs.values as Values
                ).schedules,
            ).map((s: any) => s.schedule);
        assert.deepEqual(crons("singapore"), ["0 2 * * *", "*/30 * * * *"]);
        assert.deepEqual(crons("tokyo"), ["15 2 * * *", "15,45 * * * *"]);
        assert.throws(() => backupSchedules(30, 30), /minute must be 0-29 \(got 30\)/);
    });

    it("pairs peers: the primary with the first secondary, every secondary with the primary", () => {
        const names = (xs: { name: string }[]) => xs.map((x) => x.name);
        const mk = (name: string, primary: boolean) => ({ name, region: { primary } }) as any;
        const [a, b, c] = [mk("a", true), mk("b", false), mk("c", false)];
        assert.deepEqual(
            names([peerOf([a, b, c], a)!, peerOf([a, b, c], b)!, peerOf([a, b, c], c)!]),
            ["b", "a", "a"],
        );
        assert.equal(peerOf([a], a), undefined);
    });
});

describe("backup: GCP (dual-region GCS with turbo replication)", () => {
    let run: RecordedRun;
    const cfg = parseConfig("gcptest", validGcpRawConfig());

    before(async () => {
        run = await runDeclarations(() => {
            const clusters = cfg.regions.map((r) => testCluster(cfg, r.name));
            // gcpProject left out: each bucket goes to its cluster's project
            new Backups("backup", {
                clusters,
                retentionDays: 30,
                repositoryPassword: pulumi.secret(PASSWORD),
                namespaces: EDTECH_NAMESPACES,
            });
        });
    });

    it("creates protected GCS buckets with uniform access, versioning, lifecycle and a dual-region placement", () => {
        for (const [region, peer] of [
            ["singapore", "tokyo"],
            ["tokyo", "singapore"],
        ]) {
            const b = byName(run, "gcp:storage/bucket:Bucket", `backup-${region}`);
            const i = b.inputs as Values;
            assert.equal(b.protect, true);
            assert.equal(run.providerOf(b)?.name, `${region}-gcp`);
            assert.equal(i.project, "edtech-platform-prod");
            assert.equal(i.uniformBucketLevelAccess, true);
            assert.equal(i.publicAccessPrevention, "enforced");
            assert.deepEqual(i.versioning, { enabled: true });
            assert.equal(i.location, "ASIA");
            const own = region === "singapore" ? "ASIA-SOUTHEAST1" : "ASIA-NORTHEAST1";
            const other = peer === "singapore" ? "ASIA-SOUTHEAST1" : "ASIA-NORTHEAST1";
            assert.deepEqual(i.customPlacementConfig, { dataLocations: [own, other] });
            assert.equal(i.rpo, "ASYNC_TURBO");
            assert.deepEqual(i.lifecycleRules, [
                {
                    action: { type: "Delete" },
                    condition: {
                        age: 30,
                        matchesPrefixes: expiringPrefixes(["singapore", "tokyo"]),
                    },
                },
                { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30 } },
            ]);
            assert.equal((i.labels as Values)["cost-center"], "edtech-platform");
        }
        assert.equal(gcsMultiRegion("europe-west1"), "EU");
        assert.equal(gcsMultiRegion("southamerica-east1"), undefined);
    });

    it("runs Velero with workload identity, bucket-level grants and the peer's dual-region bucket as read-only location", () => {
        const gsa = byName(
            run,
            "gcp:serviceaccount/account:Account",
            "backup-tokyo-velero-identity-gsa",
        );
        const email = gsa.outputs.email;
        const member = `serviceAccount:${email}`;
        const own = byName(run, "gcp:storage/bucket:Bucket", "backup-tokyo").outputs.name;
        const peer = byName(run, "gcp:storage/bucket:Bucket", "backup-singapore").outputs.name;
        assert.deepEqual(
            run
                .ofType("gcp:storage/bucketIAMMember:BucketIAMMember")
                .filter((r) => r.name.startsWith("backup-tokyo-"))
                .map((r) => [r.name, r.inputs.bucket, r.inputs.role, r.inputs.member]),
            [
                ["backup-tokyo-velero-bucket-admin", own, "roles/storage.objectAdmin", member],
                [
                    "backup-tokyo-velero-bucket-reader",
                    own,
                    "roles/storage.legacyBucketReader",
                    member,
                ],
                ["backup-tokyo-velero-replica-viewer", peer, "roles/storage.objectViewer", member],
            ],
        );
        const v = byName(run, "kubernetes:helm.sh/v3:Release", "backup-tokyo-velero-release").inputs
            .values as Values;
        assert.deepEqual(v.configuration.backupStorageLocation, [
            {
                name: "default",
                provider: "gcp",
                bucket: own,
                prefix: "velero/tokyo",
                default: true,
                accessMode: "ReadWrite",
                config: { serviceAccount: email },
            },
            {
                name: "replica-singapore",
                provider: "gcp",
                bucket: peer,
                prefix: "velero/singapore",
                default: false,
                accessMode: "ReadOnly",
                config: { serviceAccount: email },
            },
        ]);
        assert.equal(v.initContainers[0].image, VELERO_PLUGINS.gcp);
        assert.deepEqual(v.serviceAccount.server.annotations, {
            "iam.gke.io/gcp-service-account": email,
        });
        // Both clusters share the workload pool: each region's Velero has its own KSA name, and each
        // GSA trusts only its own region's KSA (never velero/velero, which names both clusters' KSAs).
        assert.equal(v.serviceAccount.server.name, "velero-tokyo");
        for (const region of ["singapore", "tokyo"])
            assert.match(
                String(
                    byName(
                        run,
                        "gcp:serviceaccount/iAMMember:IAMMember",
                        `backup-${region}-velero-identity-wi-user`,
                    ).inputs.member,
                ),
                new RegExp(
                    `^serviceAccount:[a-z0-9-]+\\.svc\\.id\\.goog\\[velero/velero-${region}\\]$`,
                ),
            );
        assert.equal(
            run.ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig").length,
            0,
        );
    });

    it("keeps no CA material in any backup bucket (it lives in the CA vault)", () => {
        assert.deepEqual(run.ofType("gcp:storage/bucketObject:BucketObject"), []);
    });

    it("refuses a dual-region across GCS multi-regions, naming the arg", async () => {
        const raw = validGcpRawConfig();
        const regions = (raw.regions as Values[]).map((r) => ({ ...r }));
        regions[1].region = "europe-west1";
        // The loader rejects this first; the component keeps its own check for configs built in code.
        assert.throws(
            () => parseConfig("gcptest", { ...raw, regions }),
            /mesh-platform:regions\[1\]\.region: gcp regions of a stack must be in one GCS multi-region/,
        );
        const bad: PlatformConfig = {
            ...cfg,
            regions: cfg.regions.map((r, i) => (i === 1 ? { ...r, region: "europe-west1" } : r)),
        };
        await assert.rejects(
            runDeclarations(() => {
                new Backups("backup", {
                    clusters: bad.regions.map((r) => testCluster(bad, r.name)),
                    retentionDays: 30,
                    repositoryPassword: "x",
                });
            }),
            /BackupBucket backup-singapore: args\.gcpDataLocations asia-southeast1 and europe-west1 are not in one GCS multi-region/,
        );
    });
});

describe("backup: chart pin", () => {
    it("pins a published chart version and repository", () => {
        assert.deepEqual(VELERO_CHART, {
            chart: "velero",
            version: "12.1.0",
            repo: "https://vmware-tanzu.github.io/helm-charts",
        });
    });
});
