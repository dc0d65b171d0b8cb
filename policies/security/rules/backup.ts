/**
 * Backup buckets: encrypted, versioned, never public, with lifecycle rules and replicated to another
 * region. With @pulumi/aws v7 those settings are separate resources (BucketVersioning,
 * BucketServerSideEncryptionConfiguration, BucketPublicAccessBlock, BucketLifecycleConfiguration,
 * BucketReplicationConfig), so this is a stack policy that correlates them with their bucket (see
 * bucketOf). Names computed by the cloud are unknown in a first preview; correlation then falls back
 * to dependencies, so the policy still enforces instead of turning advisory.
 */
import type { PolicyResource } from "@pulumi/policy";
import { chartName, isRelease, releaseValues, T } from "../../lib/kinds";
import { stackPolicy } from "../../lib/policy";
import { asArray, asRecord, asString, asStringMap, get, ifKnown, isKind } from "../../lib/values";

const BUCKET_TYPES: string[] = [T.s3Bucket, T.s3BucketV2];
const SETTING_TYPES: string[] = [
    T.s3Versioning,
    T.s3Encryption,
    T.s3PublicAccessBlock,
    T.s3Lifecycle,
    T.s3Replication,
    T.s3BucketPolicy,
];

/** Is this bucket a backup bucket? Matches its logical name, bucket name/prefix and tags. */
export function isBackupBucket(r: PolicyResource, pattern: RegExp): boolean {
    const tags = asStringMap(r.props.tags);
    const candidates = [
        r.name,
        asString(r.props.bucket),
        asString(r.props.bucketPrefix),
        asString(r.props.name),
        ...Object.values(tags),
    ];
    return candidates.some((c) => c !== undefined && pattern.test(c));
}

/**
 * Does this bucket name (or ARN) designate the bucket? Its `bucket`/`id` when known; else, for a bucket
 * that sets neither `bucket` nor `bucketPrefix`, Pulumi's auto-name: the logical name, a dash and seven
 * hex characters.
 */
export function designates(bucket: PolicyResource, nameOrArn: string): boolean {
    if (
        nameOrArn.startsWith("arn:") &&
        ifKnown(() => asString(bucket.props.arn), undefined) === nameOrArn
    )
        return true;
    const name = nameOrArn.startsWith("arn:aws:s3:::")
        ? nameOrArn.slice("arn:aws:s3:::".length)
        : nameOrArn;
    const own = ifKnown(
        () => asString(bucket.props.bucket) ?? asString(bucket.props.id),
        undefined,
    );
    if (own !== undefined) return own === name;
    const named = ifKnown(
        () => bucket.props.bucket !== undefined || bucket.props.bucketPrefix !== undefined,
        true,
    );
    return (
        !named &&
        name.length === bucket.name.length + 8 &&
        name.startsWith(`${bucket.name}-`) &&
        /^[0-9a-f]{7}$/.test(name.slice(-7))
    );
}

/**
 * The bucket a setting resource configures: by the bucket name when known, else by the property
 * dependency of `bucket` (CrossGuard passes it), else by its only dependency on a bucket, else (a
 * replication configuration depends on both ends) by the dependency managed through the same provider:
 * S3 bucket sub-resources are managed in the bucket's own region.
 */
export function bucketOf(
    setting: PolicyResource,
    buckets: readonly PolicyResource[],
): PolicyResource | undefined {
    const name = ifKnown(() => asString(setting.props.bucket), undefined);
    if (name) {
        const byName = buckets.filter((b) => designates(b, name));
        if (byName.length === 1) return byName[0];
    }
    const viaProperty = (setting.propertyDependencies?.bucket ?? []).filter((d) =>
        BUCKET_TYPES.includes(d.type),
    );
    if (viaProperty.length === 1) return viaProperty[0];
    const deps = setting.dependencies.filter((d) => BUCKET_TYPES.includes(d.type));
    if (deps.length === 1) return deps[0];
    const sameProvider = deps.filter(
        (d) => d.provider?.urn !== undefined && d.provider.urn === setting.provider?.urn,
    );
    return sameProvider.length === 1 ? sameProvider[0] : undefined;
}

const UNKNOWN_POLICY = "(unknown during preview)";

/**
 * Does the policy document deny every S3 action over plain HTTP? A Deny statement for every principal
 * (`*` or `{"AWS": "*"}`) on `s3:*` with `Bool aws:SecureTransport false`. A document still unknown at
 * preview (it embeds the bucket ARN) is judged at update time.
 */
export function tlsOnly(policy: string | undefined): string | undefined {
    if (policy === UNKNOWN_POLICY) return undefined;
    if (!policy) return "has no policy document";
    let doc: unknown;
    try {
        doc = JSON.parse(policy);
    } catch {
        return "policy is not JSON";
    }
    const statements = asArray(get(doc, "Statement"));
    const list = (v: unknown): string[] =>
        (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) =>
            typeof x === "string" ? x : JSON.stringify(x),
        );
    const ok = statements.some((st) => {
        if (get(st, "Effect") !== "Deny") return false;
        const principal = get(st, "Principal");
        if (principal !== "*" && !list(get(principal, "AWS")).includes("*")) return false;
        if (!list(get(st, "Action")).some((a) => a === "s3:*" || a === "*")) return false;
        return list(get(st, "Condition.Bool.aws:SecureTransport")).includes("false");
    });
    return ok
        ? undefined
        : "has no Deny statement for Principal * on s3:* with Condition Bool aws:SecureTransport false";
}

function enabled(status: unknown): boolean {
    return status === "Enabled";
}

/** What is wrong with one setting resource, if anything. */
function settingProblem(s: PolicyResource, minExpirationDays: number): string | undefined {
    const p = s.props;
    switch (s.type) {
        case T.s3Versioning:
            return asString(get(p, "versioningConfiguration.status")) === "Enabled"
                ? undefined
                : `versioningConfiguration.status is ${asString(get(p, "versioningConfiguration.status")) ?? "unset"}, not Enabled`;
        case T.s3Encryption: {
            const algos = asArray(p.rules).map((r) =>
                asString(get(r, "applyServerSideEncryptionByDefault.sseAlgorithm")),
            );
            return algos.some((a) => a === "aws:kms" || a === "aws:kms:dsse" || a === "AES256")
                ? undefined
                : "no rule sets applyServerSideEncryptionByDefault.sseAlgorithm";
        }
        case T.s3PublicAccessBlock: {
            const flags = [
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            ];
            const off = flags.filter((f) => p[f] !== true);
            return off.length === 0 ? undefined : `${off.join(", ")} must be true`;
        }
        case T.s3Lifecycle: {
            const rules = asArray(p.rules).filter((r) => enabled(get(r, "status")));
            if (rules.length === 0) return "has no Enabled rule";
            for (const r of rules) {
                const days = get(r, "expiration.days");
                if (typeof days === "number" && days < minExpirationDays)
                    return `expires objects after ${days} days, before the ${minExpirationDays}-day backup retention`;
                // A backup overwritten or deleted (by Velero's GC, a client or ransomware) survives only as
                // a noncurrent version: it must outlive the retention too.
                const noncurrent = get(r, "noncurrentVersionExpiration.noncurrentDays");
                if (typeof noncurrent === "number" && noncurrent < minExpirationDays)
                    return `expires noncurrent versions after ${noncurrent} days, before the ${minExpirationDays}-day backup retention`;
            }
            return undefined;
        }
        case T.s3BucketPolicy:
            return tlsOnly(ifKnown(() => asString(p.policy), UNKNOWN_POLICY));
        case T.s3Replication:
            // A destination still unknown at preview is the ARN of a bucket being created: it is set.
            return asArray(p.rules).some(
                (r) =>
                    enabled(get(r, "status")) &&
                    ifKnown(() => asString(get(r, "destination.bucket")), "(unknown)"),
            )
                ? undefined
                : "has no Enabled rule with a destination bucket";
        default:
            return undefined;
    }
}

const LABEL: Record<string, string> = {
    [T.s3Versioning]: "versioning (aws.s3.BucketVersioning)",
    [T.s3Encryption]: "default encryption (aws.s3.BucketServerSideEncryptionConfiguration)",
    [T.s3PublicAccessBlock]: "public access block (aws.s3.BucketPublicAccessBlock)",
    [T.s3Lifecycle]: "lifecycle rules (aws.s3.BucketLifecycleConfiguration)",
    [T.s3Replication]: "cross-region replication (aws.s3.BucketReplicationConfig)",
    [T.s3BucketPolicy]:
        "TLS-only bucket policy (aws.s3.BucketPolicy denying aws:SecureTransport false)",
};

function checkGcs(
    b: PolicyResource,
    minExpirationDays: number,
    report: (m: string, urn?: string) => void,
): void {
    const p = b.props;
    if (get(p, "versioning.enabled") !== true)
        report("backup bucket: versioning.enabled must be true", b.urn);
    if (asString(p.publicAccessPrevention) !== "enforced")
        report('backup bucket: publicAccessPrevention must be "enforced"', b.urn);
    if (p.uniformBucketLevelAccess !== true)
        report("backup bucket: uniformBucketLevelAccess must be true", b.urn);
    if (asArray(p.lifecycleRules).length === 0)
        report("backup bucket: lifecycleRules must be set", b.urn);
    for (const rule of asArray(p.lifecycleRules)) {
        const noncurrent = get(rule, "condition.daysSinceNoncurrentTime");
        if (
            asString(get(rule, "action.type")) === "Delete" &&
            typeof noncurrent === "number" &&
            noncurrent < minExpirationDays
        )
            report(
                `backup bucket: a lifecycle rule deletes noncurrent versions after ${noncurrent} days, before the ${minExpirationDays}-day backup retention`,
                b.urn,
            );
        const age = get(rule, "condition.age");
        if (
            asString(get(rule, "action.type")) === "Delete" &&
            typeof age === "number" &&
            age < minExpirationDays
        ) {
            report(
                `backup bucket: a lifecycle rule deletes objects after ${age} days, before the ${minExpirationDays}-day backup retention`,
                b.urn,
            );
        }
    }
    const location = (asString(p.location) ?? "").toUpperCase();
    const dual = asArray(get(p, "customPlacementConfig.dataLocations")).length >= 2;
    const multi = ["ASIA", "EU", "US", "ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4"].includes(
        location,
    );
    if (!dual && !multi)
        report(
            `backup bucket: location ${location || "unset"} is a single region; use a dual- or multi-region location for replication`,
            b.urn,
        );
    // Cloud Storage always encrypts at rest; a CMEK, when set, must be named.
    if (p.encryption !== undefined && !asString(get(p, "encryption.defaultKmsKeyName")))
        report("backup bucket: encryption block without defaultKmsKeyName", b.urn);
}

/**
 * Buckets that are the destination of an enabled replication rule whose source is known: matched by
 * ARN or name, else (destination unknown at preview) the bucket the configuration depends on other
 * than its source, when there is exactly one.
 */
export function replicaBuckets(
    replications: readonly PolicyResource[],
    buckets: readonly PolicyResource[],
): Set<string> {
    const out = new Set<string>();
    for (const rep of replications) {
        const source = bucketOf(rep, buckets);
        if (!source) continue;
        for (const rule of asArray(rep.props.rules)) {
            if (!enabled(get(rule, "status"))) continue;
            const target = ifKnown(() => asString(get(rule, "destination.bucket")), undefined);
            const others = buckets.filter((b) => b.urn !== source.urn);
            const matched =
                target !== undefined
                    ? others.filter((b) => designates(b, target))
                    : rep.dependencies.filter(
                          (d) => BUCKET_TYPES.includes(d.type) && d.urn !== source.urn,
                      );
            if (matched.length === 1) out.add(matched[0].urn);
        }
    }
    return out;
}

/**
 * Is this a bucket Velero writes backups to? A ReadWrite backup storage location of the velero chart
 * (values.configuration.backupStorageLocation[]) or a BackupStorageLocation resource names it; when
 * that name is unknown at preview, the location's resource depending on the bucket stands in. Such a
 * bucket is a primary store even when another bucket also replicates into it.
 */
export function writtenByVelero(
    bucket: PolicyResource,
    resources: readonly PolicyResource[],
): boolean {
    const designated = (owner: PolicyResource, name: () => unknown, accessMode: () => unknown) => {
        if (ifKnown(() => asString(accessMode()), undefined) === "ReadOnly") return false;
        const known = ifKnown(() => asString(name()), UNKNOWN_NAME);
        if (known === UNKNOWN_NAME) return owner.dependencies.some((d) => d.urn === bucket.urn);
        return known !== undefined && designates(bucket, known);
    };
    return resources.some((r) => {
        if (isRelease(r) && chartName(r.props) === "velero") {
            return asArray(get(releaseValues(r.props), "configuration.backupStorageLocation")).some(
                (bsl) =>
                    designated(
                        r,
                        () => get(bsl, "bucket"),
                        () => get(bsl, "accessMode"),
                    ),
            );
        }
        return (
            isKind(r.type, "velero.io", "BackupStorageLocation") &&
            designated(
                r,
                () => get(r.props, "spec.objectStorage.bucket"),
                () => get(r.props, "spec.accessMode"),
            )
        );
    });
}

const UNKNOWN_NAME = "(unknown during preview)";

/** Deletion guards of a backup bucket (either cloud): `protect` where required, never forceDestroy. */
function checkDeletion(
    b: PolicyResource,
    requireProtect: boolean,
    report: (m: string, urn?: string) => void,
): void {
    if (requireProtect && b.opts.protect !== true)
        report(
            `backup bucket ${b.name} is not protected: set the protect resource option (required in this environment) so a preview cannot plan its deletion`,
            b.urn,
        );
    if (ifKnown((): unknown => b.props.forceDestroy, false) === true)
        report(
            `backup bucket ${b.name} sets forceDestroy: true, so deleting it would delete every backup and version in it`,
            b.urn,
        );
}

export const backupBuckets = stackPolicy<{
    bucketPattern: string;
    minExpirationDays: number;
    requireProtect: boolean;
}>({
    name: "backup-bucket-protection",
    description:
        "Backup buckets are protected (where required), never forceDestroy, encrypted, versioned, block public access, deny non-TLS access (S3), keep current and noncurrent versions for the retention, and replicate to another region (S3 settings correlated by bucket).",
    config: {
        bucketPattern: {
            type: "string",
            default: "backup|velero",
            description:
                "Regular expression (case-insensitive) on logical name, bucket name or tags that marks a backup bucket.",
        },
        minExpirationDays: {
            type: "integer",
            minimum: 1,
            default: 30,
            description:
                "Lifecycle expiration may not delete backups (current or noncurrent versions) earlier than this.",
        },
        requireProtect: {
            type: "boolean",
            default: false,
            description: "Backup buckets must have the protect resource option (true in prod).",
        },
    },
    validate: (resources, _args, report, cfg) => {
        const pattern = new RegExp(cfg.bucketPattern, "i");
        const buckets = resources.filter((r) => BUCKET_TYPES.includes(r.type));
        const settings = resources.filter((r) => SETTING_TYPES.includes(r.type));
        const byBucket = new Map<string, PolicyResource[]>();
        for (const s of settings) {
            const b = bucketOf(s, buckets);
            if (!b) continue;
            byBucket.set(b.urn, [...(byBucket.get(b.urn) ?? []), s]);
        }
        const replicas = replicaBuckets(
            settings.filter((s) => s.type === T.s3Replication),
            buckets,
        );
        for (const bucket of buckets.filter((b) => isBackupBucket(b, pattern))) {
            checkDeletion(bucket, cfg.requireProtect, report);
            const own = byBucket.get(bucket.urn) ?? [];
            const primary = writtenByVelero(bucket, resources);
            for (const type of SETTING_TYPES) {
                if (type === T.s3Replication && replicas.has(bucket.urn) && !primary) continue;
                const found = own.filter((s) => s.type === type);
                if (found.length === 0) {
                    const replicaNote =
                        type !== T.s3Replication
                            ? ""
                            : primary
                              ? " (Velero writes backups to it, so they must replicate to another region)"
                              : " (or make it the destination of another bucket's replication)";
                    report(
                        `backup bucket ${bucket.name} has no ${LABEL[type]}${replicaNote}`,
                        bucket.urn,
                    );
                    continue;
                }
                for (const s of found) {
                    const problem = settingProblem(s, cfg.minExpirationDays);
                    if (problem)
                        report(`backup bucket ${bucket.name}: ${LABEL[type]} ${problem}`, s.urn);
                }
            }
            if (
                Object.keys(asRecord(bucket.props)).includes("acl") &&
                /public/.test(asString(bucket.props.acl) ?? "")
            ) {
                report(
                    `backup bucket ${bucket.name} has a public ACL ${asString(bucket.props.acl)}`,
                    bucket.urn,
                );
            }
        }
        for (const gcs of resources.filter(
            (r) => r.type === T.gcsBucket && isBackupBucket(r, pattern),
        )) {
            checkDeletion(gcs, cfg.requireProtect, report);
            checkGcs(gcs, cfg.minExpirationDays, report);
        }
    },
});
