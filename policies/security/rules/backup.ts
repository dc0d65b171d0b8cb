/**
 * Backup buckets: encrypted, versioned, never public, with lifecycle rules and replicated to another
 * region. With @pulumi/aws v7 those settings are separate resources (BucketVersioning,
 * BucketServerSideEncryptionConfiguration, BucketPublicAccessBlock, BucketLifecycleConfiguration,
 * BucketReplicationConfig), so this is a stack policy that correlates them with their bucket: by the
 * bucket name when known, else by the dependency on the bucket resource.
 */
import type { PolicyResource } from "@pulumi/policy";
import { T } from "../../lib/kinds";
import { stackPolicy } from "../../lib/policy";
import { asArray, asRecord, asString, asStringMap, get } from "../../lib/values";

const BUCKET_TYPES: string[] = [T.s3Bucket, T.s3BucketV2];
const SETTING_TYPES: string[] = [T.s3Versioning, T.s3Encryption, T.s3PublicAccessBlock, T.s3Lifecycle, T.s3Replication];

/** Is this bucket a backup bucket? Matches its logical name, bucket name/prefix and tags. */
export function isBackupBucket(r: PolicyResource, pattern: RegExp): boolean {
    const tags = asStringMap(r.props.tags);
    const candidates = [r.name, asString(r.props.bucket), asString(r.props.bucketPrefix), asString(r.props.name), ...Object.values(tags)];
    return candidates.some((c) => c !== undefined && pattern.test(c));
}

/** The bucket a setting resource configures. */
export function bucketOf(setting: PolicyResource, buckets: readonly PolicyResource[]): PolicyResource | undefined {
    const name = asString(setting.props.bucket);
    if (name) {
        const byName = buckets.find((b) => asString(b.props.bucket) === name || asString(b.props.id) === name);
        if (byName) return byName;
    }
    const viaProperty = (setting.propertyDependencies?.bucket ?? []).filter((d) => BUCKET_TYPES.includes(d.type));
    if (viaProperty.length === 1) return viaProperty[0];
    const deps = setting.dependencies.filter((d) => BUCKET_TYPES.includes(d.type));
    return deps.length === 1 ? deps[0] : undefined;
}

function enabled(status: unknown): boolean {
    return status === "Enabled";
}

/** What is wrong with one setting resource, if anything. */
function settingProblem(s: PolicyResource, minExpirationDays: number): string | undefined {
    const p = s.props;
    switch (s.type) {
        case T.s3Versioning:
            return asString(get(p, "versioningConfiguration.status")) === "Enabled" ? undefined
                : `versioningConfiguration.status is ${asString(get(p, "versioningConfiguration.status")) ?? "unset"}, not Enabled`;
        case T.s3Encryption: {
            const algos = asArray(p.rules).map((r) => asString(get(r, "applyServerSideEncryptionByDefault.sseAlgorithm")));
            return algos.some((a) => a === "aws:kms" || a === "aws:kms:dsse" || a === "AES256") ? undefined : "no rule sets applyServerSideEncryptionByDefault.sseAlgorithm";
        }
        case T.s3PublicAccessBlock: {
            const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
            const off = flags.filter((f) => p[f] !== true);
            return off.length === 0 ? undefined : `${off.join(", ")} must be true`;
        }
        case T.s3Lifecycle: {
            const rules = asArray(p.rules).filter((r) => enabled(get(r, "status")));
            if (rules.length === 0) return "has no Enabled rule";
            for (const r of rules) {
                const days = get(r, "expiration.days");
                if (typeof days === "number" && days < minExpirationDays) return `expires objects after ${days} days, before the ${minExpirationDays}-day backup retention`;
            }
            return undefined;
        }
        case T.s3Replication:
            return asArray(p.rules).some((r) => enabled(get(r, "status")) && asString(get(r, "destination.bucket"))) ? undefined : "has no Enabled rule with a destination bucket";
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
};

function checkGcs(b: PolicyResource, minExpirationDays: number, report: (m: string, urn?: string) => void): void {
    const p = b.props;
    if (get(p, "versioning.enabled") !== true) report("backup bucket: versioning.enabled must be true", b.urn);
    if (asString(p.publicAccessPrevention) !== "enforced") report("backup bucket: publicAccessPrevention must be \"enforced\"", b.urn);
    if (p.uniformBucketLevelAccess !== true) report("backup bucket: uniformBucketLevelAccess must be true", b.urn);
    if (asArray(p.lifecycleRules).length === 0) report("backup bucket: lifecycleRules must be set", b.urn);
    for (const rule of asArray(p.lifecycleRules)) {
        const age = get(rule, "condition.age");
        if (asString(get(rule, "action.type")) === "Delete" && typeof age === "number" && age < minExpirationDays) {
            report(`backup bucket: a lifecycle rule deletes objects after ${age} days, before the ${minExpirationDays}-day backup retention`, b.urn);
        }
    }
    const location = (asString(p.location) ?? "").toUpperCase();
    const dual = asArray(get(p, "customPlacementConfig.dataLocations")).length >= 2;
    const multi = ["ASIA", "EU", "US", "ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4"].includes(location);
    if (!dual && !multi) report(`backup bucket: location ${location || "unset"} is a single region; use a dual- or multi-region location for replication`, b.urn);
    // Cloud Storage always encrypts at rest; a CMEK, when set, must be named.
    if (p.encryption !== undefined && !asString(get(p, "encryption.defaultKmsKeyName"))) report("backup bucket: encryption block without defaultKmsKeyName", b.urn);
}

/**
 * Buckets that are the destination of a replication rule: matched by ARN or name when known, else the
 * buckets the replication config depends on other than its source.
 */
export function replicaBuckets(replications: readonly PolicyResource[], buckets: readonly PolicyResource[]): Set<string> {
    const out = new Set<string>();
    for (const rep of replications) {
        const source = bucketOf(rep, buckets);
        const targets = asArray(rep.props.rules).map((r) => asString(get(r, "destination.bucket"))).filter((t): t is string => !!t);
        for (const b of buckets) {
            const name = asString(b.props.bucket);
            const arn = asString(b.props.arn);
            if (targets.some((t) => t === arn || (name !== undefined && t === `arn:aws:s3:::${name}`))) out.add(b.urn);
        }
        for (const d of rep.dependencies) if (BUCKET_TYPES.includes(d.type) && d.urn !== source?.urn) out.add(d.urn);
    }
    return out;
}

export const backupBuckets = stackPolicy<{ bucketPattern: string; minExpirationDays: number }>({
    name: "backup-bucket-protection",
    description: "Backup buckets are encrypted, versioned, block public access, have lifecycle rules and replicate to another region (S3 settings correlated by bucket).",
    config: {
        bucketPattern: { type: "string", default: "backup|velero", description: "Regular expression (case-insensitive) on logical name, bucket name or tags that marks a backup bucket." },
        minExpirationDays: { type: "integer", minimum: 1, default: 30, description: "Lifecycle expiration may not delete backups earlier than this." },
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
        const replicas = replicaBuckets(settings.filter((s) => s.type === T.s3Replication), buckets);
        for (const bucket of buckets.filter((b) => isBackupBucket(b, pattern))) {
            const own = byBucket.get(bucket.urn) ?? [];
            const isReplica = replicas.has(bucket.urn);
            for (const type of SETTING_TYPES) {
                if (type === T.s3Replication && isReplica) continue;
                const found = own.filter((s) => s.type === type);
                if (found.length === 0) {
                    const replicaNote = type === T.s3Replication ? " (or make it the destination of another bucket's replication)" : "";
                    report(`backup bucket ${bucket.name} has no ${LABEL[type]}${replicaNote}`, bucket.urn);
                    continue;
                }
                for (const s of found) {
                    const problem = settingProblem(s, cfg.minExpirationDays);
                    if (problem) report(`backup bucket ${bucket.name}: ${LABEL[type]} ${problem}`, s.urn);
                }
            }
            if (Object.keys(asRecord(bucket.props)).includes("acl") && /public/.test(asString(bucket.props.acl) ?? "")) {
                report(`backup bucket ${bucket.name} has a public ACL ${asString(bucket.props.acl)}`, bucket.urn);
            }
        }
        for (const gcs of resources.filter((r) => r.type === T.gcsBucket && isBackupBucket(r, pattern))) checkGcs(gcs, cfg.minExpirationDays, report);
    },
});
