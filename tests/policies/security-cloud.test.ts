import * as assert from "assert";
import { backupBuckets } from "../../policies/security/rules/backup";
import {
    eksControlPlaneLogs,
    eksPrivateEndpoint,
    eksPublicAccessRestricted,
    eksSecretsEncryption,
    gkePrivateNodes,
    gkeShieldedNodes,
    gkeWorkloadIdentity,
    kmsKeyRotation,
} from "../../policies/security/rules/clusters";
import type { PlanResource } from "../../policies/offline";
import { awsProvider, check, found, gcpProvider, messages, res } from "./support";

const aws = awsProvider("aws-singapore", "ap-southeast-1");
const gcp = gcpProvider("gcp-singapore", "asia-southeast1");

/** EKS cluster inputs shaped like @pulumi/aws 7 eks.ClusterArgs. */
function eks(overrides: Record<string, unknown> = {}, name = "singapore-eks"): PlanResource {
    return res(
        "aws:eks/cluster:Cluster",
        name,
        {
            roleArn: "arn:aws:iam::111122223333:role/eks",
            version: "1.33",
            encryptionConfig: {
                provider: { keyArn: "arn:aws:kms:ap-southeast-1:111122223333:key/abc" },
                resources: ["secrets"],
            },
            vpcConfig: {
                subnetIds: ["subnet-1", "subnet-2"],
                endpointPrivateAccess: true,
                endpointPublicAccess: false,
            },
            enabledClusterLogTypes: [
                "api",
                "audit",
                "authenticator",
                "controllerManager",
                "scheduler",
            ],
            ...overrides,
        },
        { provider: aws },
    );
}

describe("policies/security: EKS", () => {
    it("passes a hardened cluster", () => {
        for (const p of [
            eksSecretsEncryption,
            eksPrivateEndpoint,
            eksPublicAccessRestricted,
            eksControlPlaneLogs,
        ]) {
            assert.deepStrictEqual(check(p, [eks()]), [], p.name);
        }
        const restricted = eks({
            vpcConfig: {
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24"],
            },
        });
        assert.deepStrictEqual(check(eksPublicAccessRestricted, [restricted]), []);
    });

    it("fails without secrets encryption", () => {
        assert.deepStrictEqual(
            messages(check(eksSecretsEncryption, [eks({ encryptionConfig: undefined })])),
            [
                'encryptionConfig.resources must include "secrets" (envelope encryption of Kubernetes secrets)',
                "encryptionConfig.provider.keyArn must name the KMS key that encrypts secrets",
            ],
        );
    });

    it("fails without the private endpoint", () => {
        assert.deepStrictEqual(
            messages(
                check(eksPrivateEndpoint, [eks({ vpcConfig: { endpointPublicAccess: false } })]),
            ),
            [
                "vpcConfig.endpointPrivateAccess must be true so nodes and operators reach the API inside the VPC",
            ],
        );
    });

    it("fails a public endpoint open to 0.0.0.0/0, explicitly or by default", () => {
        const open = eks({
            vpcConfig: {
                endpointPrivateAccess: true,
                publicAccessCidrs: ["10.0.0.0/8", "0.0.0.0/0"],
            },
        });
        const implicit = eks({ vpcConfig: { endpointPrivateAccess: true } }, "tokyo-eks");
        assert.deepStrictEqual(messages(check(eksPublicAccessRestricted, [open, implicit])), [
            "publicAccessCidrs contains 0.0.0.0/0, which opens the API server to the whole internet",
            "the public endpoint is on (endpointPublicAccess defaults to true) without publicAccessCidrs, which AWS treats as 0.0.0.0/0; disable it or list allowed CIDRs",
        ]);
    });

    it("fails when control plane log types are missing", () => {
        assert.deepStrictEqual(
            messages(
                check(eksControlPlaneLogs, [eks({ enabledClusterLogTypes: ["api", "audit"] })]),
            ),
            ["enabledClusterLogTypes is missing authenticator, controllerManager, scheduler"],
        );
    });
});

describe("policies/security: KMS rotation", () => {
    it("passes rotating keys and skips asymmetric ones", () => {
        const rotating = res(
            "aws:kms/key:Key",
            "k1",
            { enableKeyRotation: true },
            { provider: aws },
        );
        const asymmetric = res(
            "aws:kms/key:Key",
            "k2",
            { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" },
            { provider: aws },
        );
        const gcpKey = res(
            "gcp:kms/cryptoKey:CryptoKey",
            "k3",
            { keyRing: "r", rotationPeriod: "7776000s" },
            { provider: gcp },
        );
        assert.deepStrictEqual(check(kmsKeyRotation, [rotating, asymmetric, gcpKey]), []);
    });

    it("fails keys without rotation or with a rotation period over a year", () => {
        const off = res("aws:kms/key:Key", "k1", { enableKeyRotation: false }, { provider: aws });
        const slow = res(
            "aws:kms/key:Key",
            "k2",
            { enableKeyRotation: true, rotationPeriodInDays: 730 },
            { provider: aws },
        );
        const gcpNone = res(
            "gcp:kms/cryptoKey:CryptoKey",
            "k3",
            { keyRing: "r" },
            { provider: gcp },
        );
        const gcpSlow = res(
            "gcp:kms/cryptoKey:CryptoKey",
            "k4",
            { keyRing: "r", rotationPeriod: "63072000s" },
            { provider: gcp },
        );
        assert.deepStrictEqual(messages(check(kmsKeyRotation, [off, slow, gcpNone, gcpSlow])), [
            "enableKeyRotation must be true",
            "rotationPeriodInDays 730 exceeds 365",
            'rotationPeriod must be set (e.g. "7776000s" for 90 days)',
            "rotationPeriod 63072000s is longer than 365 days",
        ]);
    });
});

describe("policies/security: GKE", () => {
    const cluster = (o: Record<string, unknown> = {}) =>
        res(
            "gcp:container/cluster:Cluster",
            "singapore-gke",
            {
                location: "asia-southeast1",
                privateClusterConfig: {
                    enablePrivateNodes: true,
                    enablePrivateEndpoint: false,
                    masterIpv4CidrBlock: "172.16.0.0/28",
                },
                workloadIdentityConfig: { workloadPool: "edtech-platform-prod.svc.id.goog" },
                enableShieldedNodes: true,
                removeDefaultNodePool: true,
                initialNodeCount: 1,
                ...o,
            },
            { provider: gcp },
        );
    const pool = (nodeConfig: Record<string, unknown> = {}, o: Record<string, unknown> = {}) =>
        res(
            "gcp:container/nodePool:NodePool",
            "singapore-workloads",
            {
                cluster: "c",
                location: "asia-southeast1",
                nodeCount: 1,
                nodeConfig: {
                    machineType: "n2-standard-4",
                    shieldedInstanceConfig: {
                        enableSecureBoot: true,
                        enableIntegrityMonitoring: true,
                    },
                    workloadMetadataConfig: { mode: "GKE_METADATA" },
                    ...nodeConfig,
                },
                ...o,
            },
            { provider: gcp },
        );

    it("passes a private, workload-identity, shielded cluster and pool", () => {
        for (const p of [gkePrivateNodes, gkeWorkloadIdentity, gkeShieldedNodes])
            assert.deepStrictEqual(check(p, [cluster(), pool()]), [], p.name);
    });

    it("fails public nodes", () => {
        assert.deepStrictEqual(
            messages(
                check(gkePrivateNodes, [
                    cluster({ privateClusterConfig: undefined }),
                    pool({}, { networkConfig: { enablePrivateNodes: false } }),
                ]),
            ),
            [
                "privateClusterConfig.enablePrivateNodes must be true (nodes without public IPs)",
                "networkConfig.enablePrivateNodes is false: this node pool gets public IPs",
            ],
        );
    });

    it("fails without workload identity", () => {
        assert.deepStrictEqual(
            messages(
                check(gkeWorkloadIdentity, [
                    cluster({ workloadIdentityConfig: undefined }),
                    pool({ workloadMetadataConfig: { mode: "GCE_METADATA" } }),
                ]),
            ),
            [
                "workloadIdentityConfig.workloadPool must be set (<project>.svc.id.goog)",
                "nodeConfig.workloadMetadataConfig.mode is GCE_METADATA; pods would see the node's credentials. Use GKE_METADATA",
            ],
        );
    });

    it("fails without shielded nodes or secure boot", () => {
        assert.deepStrictEqual(
            messages(
                check(gkeShieldedNodes, [
                    cluster({ enableShieldedNodes: false }),
                    pool({ shieldedInstanceConfig: { enableIntegrityMonitoring: false } }),
                ]),
            ),
            [
                "enableShieldedNodes is false",
                "nodeConfig.shieldedInstanceConfig.enableSecureBoot must be true",
                "nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring is false",
            ],
        );
    });
});

describe("policies/security: backup buckets", () => {
    const tokyo = awsProvider("aws-tokyo", "ap-northeast-1");
    /** A bucket with its v7 setting resources, correlated only through dependencies (names are auto-named). */
    function bucketSet(
        name: string,
        provider: PlanResource,
        opts: { replicateTo?: PlanResource; skip?: string[]; expirationDays?: number } = {},
    ): PlanResource[] {
        const bucket = res(
            "aws:s3/bucket:Bucket",
            name,
            { forceDestroy: false, tags: { purpose: "velero-backups" } },
            { provider },
        );
        const dep = { provider, dependsOn: [bucket] };
        const all: Record<string, PlanResource> = {
            versioning: res(
                "aws:s3/bucketVersioning:BucketVersioning",
                `${name}-versioning`,
                { bucket: `${name}-1a2b3c4`, versioningConfiguration: { status: "Enabled" } },
                dep,
            ),
            encryption: res(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                `${name}-sse`,
                {
                    bucket: `${name}-1a2b3c4`,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: {
                                sseAlgorithm: "aws:kms",
                                kmsMasterKeyId: "arn:aws:kms:x",
                            },
                            bucketKeyEnabled: true,
                        },
                    ],
                },
                dep,
            ),
            publicAccessBlock: res(
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                `${name}-pab`,
                {
                    bucket: `${name}-1a2b3c4`,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
                dep,
            ),
            lifecycle: res(
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                `${name}-lifecycle`,
                {
                    bucket: `${name}-1a2b3c4`,
                    rules: [
                        {
                            id: "expire",
                            status: "Enabled",
                            expiration: { days: opts.expirationDays ?? 45 },
                            noncurrentVersionExpiration: { noncurrentDays: 30 },
                        },
                    ],
                },
                dep,
            ),
            tlsOnly: res(
                "aws:s3/bucketPolicy:BucketPolicy",
                `${name}-tls-only`,
                {
                    bucket: `${name}-1a2b3c4`,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "DenyInsecureTransport",
                                Effect: "Deny",
                                Principal: "*",
                                Action: "s3:*",
                                Resource: [
                                    `arn:aws:s3:::${name}-1a2b3c4`,
                                    `arn:aws:s3:::${name}-1a2b3c4/*`,
                                ],
                                Condition: { Bool: { "aws:SecureTransport": "false" } },
                            },
                        ],
                    }),
                },
                dep,
            ),
        };
        if (opts.replicateTo) {
            all.replication = res(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                `${name}-replication`,
                {
                    bucket: `${name}-1a2b3c4`,
                    role: "arn:aws:iam::1:role/r",
                    rules: [
                        {
                            id: "all",
                            status: "Enabled",
                            destination: {
                                bucket: `arn:aws:s3:::${opts.replicateTo.name}-9f8e7d6`,
                                storageClass: "STANDARD_IA",
                            },
                        },
                    ],
                },
                { provider, dependsOn: [bucket, opts.replicateTo, all.versioning] },
            );
        }
        return [
            bucket,
            ...Object.entries(all)
                .filter(([k]) => !(opts.skip ?? []).includes(k))
                .map(([, v]) => v),
        ];
    }

    it("passes a primary bucket replicating to a replica bucket, both fully configured", () => {
        const replica = bucketSet("tokyo-backup", tokyo);
        const primary = bucketSet("singapore-backup", aws, { replicateTo: replica[0] });
        assert.deepStrictEqual(check(backupBuckets, [...primary, ...replica]), []);
    });

    it("correlates settings by bucket name when the bucket's name is known", () => {
        const bucket = res(
            "aws:s3/bucket:Bucket",
            "named-backup",
            { bucket: "edtech-backups-sg" },
            { provider: aws },
        );
        const versioning = res(
            "aws:s3/bucketVersioning:BucketVersioning",
            "v",
            { bucket: "edtech-backups-sg", versioningConfiguration: { status: "Suspended" } },
            { provider: aws },
        );
        const v = check(backupBuckets, [bucket, versioning]);
        assert.strictEqual(
            v[0].message,
            "backup bucket named-backup: versioning (aws.s3.BucketVersioning) versioningConfiguration.status is Suspended, not Enabled",
        );
    });

    it("fails missing and weak settings, naming each", () => {
        const replica = bucketSet("tokyo-backup", tokyo, { skip: ["encryption"] });
        const primary = bucketSet("singapore-backup", aws, {
            skip: ["publicAccessBlock"],
            expirationDays: 14,
        });
        assert.deepStrictEqual(found(check(backupBuckets, [...primary, ...replica])), [
            [
                "singapore-backup",
                "backup bucket singapore-backup has no public access block (aws.s3.BucketPublicAccessBlock)",
            ],
            [
                "singapore-backup-lifecycle",
                "backup bucket singapore-backup: lifecycle rules (aws.s3.BucketLifecycleConfiguration) expires objects after 14 days, before the 30-day backup retention",
            ],
            [
                "singapore-backup",
                "backup bucket singapore-backup has no cross-region replication (aws.s3.BucketReplicationConfig) (or make it the destination of another bucket's replication)",
            ],
            [
                "tokyo-backup",
                "backup bucket tokyo-backup has no default encryption (aws.s3.BucketServerSideEncryptionConfiguration)",
            ],
            [
                "tokyo-backup",
                "backup bucket tokyo-backup has no cross-region replication (aws.s3.BucketReplicationConfig) (or make it the destination of another bucket's replication)",
            ],
        ]);
    });

    it("ignores buckets that are not backups, checks GCS backup buckets", () => {
        const logs = res("aws:s3/bucket:Bucket", "access-logs", {}, { provider: aws });
        assert.deepStrictEqual(check(backupBuckets, [logs]), []);
        const good = res(
            "gcp:storage/bucket:Bucket",
            "singapore-backup",
            {
                location: "ASIA",
                versioning: { enabled: true },
                publicAccessPrevention: "enforced",
                uniformBucketLevelAccess: true,
                lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 45 } }],
            },
            { provider: gcp },
        );
        const bad = res(
            "gcp:storage/bucket:Bucket",
            "tokyo-backup",
            { location: "asia-northeast1" },
            { provider: gcp },
        );
        const early = res(
            "gcp:storage/bucket:Bucket",
            "early-backup",
            {
                location: "ASIA",
                customPlacementConfig: { dataLocations: ["ASIA-SOUTHEAST1", "ASIA-NORTHEAST1"] },
                versioning: { enabled: true },
                publicAccessPrevention: "enforced",
                uniformBucketLevelAccess: true,
                lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 14 } }],
            },
            { provider: gcp },
        );
        assert.deepStrictEqual(messages(check(backupBuckets, [good, bad, early])), [
            "backup bucket: versioning.enabled must be true",
            'backup bucket: publicAccessPrevention must be "enforced"',
            "backup bucket: uniformBucketLevelAccess must be true",
            "backup bucket: lifecycleRules must be set",
            "backup bucket: location ASIA-NORTHEAST1 is a single region; use a dual- or multi-region location for replication",
            "backup bucket: a lifecycle rule deletes objects after 14 days, before the 30-day backup retention",
        ]);
    });
});
