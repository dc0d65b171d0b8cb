/**
 * Where secrets live and who can read them: the mesh CA material only in its vault, backup
 * buckets with server access logs, Velero's kopia repository under a password of the stack's own, and
 * node volumes under a customer-managed KMS key.
 */
import type { PolicyResource } from "@pulumi/policy";
import { chartName, isRelease, metaName, metaNamespace, T } from "../../lib/kinds";
import { resourcePolicy, stackPolicy } from "../../lib/policy";
import { asArray, asRecord, asString, get, ifKnown, SECRET_PLACEHOLDER } from "../../lib/values";
import { bucketOf, isBackupBucket } from "./backup";

const TS = {
    s3Object: "aws:s3/bucketObject:BucketObject",
    s3ObjectV2: "aws:s3/bucketObjectv2:BucketObjectv2",
    gcsObject: "gcp:storage/bucketObject:BucketObject",
    ssmParameter: "aws:ssm/parameter:Parameter",
    smSecret: "aws:secretsmanager/secret:Secret",
    smSecretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
    kmsReplicaKey: "aws:kms/replicaKey:ReplicaKey",
    gcpSecret: "gcp:secretmanager/secret:Secret",
    gcpSecretIamPolicy: "gcp:secretmanager/secretIamPolicy:SecretIamPolicy",
    gcpSecretIamMember: "gcp:secretmanager/secretIamMember:SecretIamMember",
    gcpSecretIamBinding: "gcp:secretmanager/secretIamBinding:SecretIamBinding",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamPolicy: "aws:iam/policy:Policy",
    s3Logging: "aws:s3/bucketLogging:BucketLogging",
    s3LoggingV2: "aws:s3/bucketLoggingV2:BucketLoggingV2",
    k8sSecretPatch: "kubernetes:core/v1:SecretPatch",
} as const;

const GCP_SECRET_IAM: ReadonlySet<string> = new Set([
    TS.gcpSecretIamPolicy,
    TS.gcpSecretIamMember,
    TS.gcpSecretIamBinding,
]);

/** Does a store key, name or id designate mesh CA material? */
function namesCaMaterial(s: string | undefined, pattern: RegExp): boolean {
    return s !== undefined && pattern.test(s);
}

interface Statement {
    Effect?: string;
    Action?: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a JSON policy document read by `doc`; none when it is unknown or not JSON. */
function statementsOf(doc: () => unknown): Statement[] {
    const text = ifKnown(() => asString(doc()), undefined);
    if (!text) return [];
    try {
        return asArray((JSON.parse(text) as { Statement?: unknown }).Statement) as Statement[];
    } catch {
        return [];
    }
}

/** Is the value read unknown (during preview)? */
const isUnknown = (read: () => unknown): boolean =>
    ifKnown(() => {
        read();
        return false;
    }, true);

const list = (v: string | string[] | undefined): string[] =>
    v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Does the statement let its holder read Secrets Manager secret values or decrypt with any key? */
function readsSecrets(st: Statement, caPattern: RegExp): boolean {
    if (st.Effect !== "Allow") return false;
    const reads = list(st.Action).some((a) =>
        /^(\*|secretsmanager:(\*|GetSecretValue|BatchGetSecretValue|Get\*)|ssm:(\*|GetParameters?|GetParametersByPath|Get\*))$/i.test(
            a,
        ),
    );
    if (!reads) return false;
    return list(st.Resource).some((r) => r === "*" || /:secret:\*$/.test(r) || caPattern.test(r));
}

/** A policy condition block names `aws:PrincipalArn` (any operator). */
function narrowsPrincipal(st: Statement): boolean {
    return Object.values(st.Condition ?? {}).some((c) =>
        Object.keys(c ?? {}).some((k) => k.toLowerCase() === "aws:principalarn"),
    );
}

export const caMaterialVault = stackPolicy<{ caPattern: string }>({
    name: "mesh-ca-material-vault",
    description:
        "Mesh CA material is never in a bucket object or SSM parameter, lives in a vault secret under a customer-managed key whose policies narrow every grant by aws:PrincipalArn (AWS: replicated, with a deny-all-others resource policy; GCP: CMEK on every replica, authoritative IAM policy), and no IAM policy of the stack (a cluster or service identity) may read secrets broadly or the CA secret.",
    config: {
        caPattern: {
            type: "string",
            default: "mesh-ca|ca-material|root-ca",
            description:
                "Regular expression (case-insensitive) on object keys, parameter names and secret names that marks mesh CA material.",
        },
    },
    validate: (resources, _args, report, cfg) => {
        const ca = new RegExp(cfg.caPattern, "i");
        const known = (r: PolicyResource, key: string) =>
            ifKnown(() => asString(r.props[key]), undefined);
        for (const r of resources) {
            if (
                (r.type === TS.s3Object || r.type === TS.s3ObjectV2) &&
                (namesCaMaterial(known(r, "key"), ca) || ca.test(r.name))
            )
                report(
                    `CA material in bucket object ${known(r, "key") ?? r.name}: a bucket is readable by the backup identity; keep the CA in its vault (components/secrets)`,
                    r.urn,
                );
            if (
                r.type === TS.gcsObject &&
                (namesCaMaterial(known(r, "name"), ca) || ca.test(r.name))
            )
                report(
                    `CA material in GCS object ${known(r, "name") ?? r.name}: keep the CA in its vault (components/secrets)`,
                    r.urn,
                );
            if (r.type === TS.ssmParameter && namesCaMaterial(known(r, "name"), ca))
                report(
                    `CA material in SSM parameter ${known(r, "name")}: keep the CA in its vault (Secrets Manager with its own key and resource policy)`,
                    r.urn,
                );
            if (r.type === TS.iamRolePolicy || r.type === TS.iamPolicy) {
                if (statementsOf(() => r.props.policy).some((st) => readsSecrets(st, ca)))
                    report(
                        `IAM policy ${r.name} lets an identity of the stack read every secret or the CA secret; grant only the secrets it needs`,
                        r.urn,
                    );
            }
        }

        const keys = resources.filter((r) => r.type === T.kmsKey || r.type === TS.kmsReplicaKey);
        const keyOf = (secret: PolicyResource, arn: string | undefined) =>
            keys.find(
                (k) => arn !== undefined && ifKnown(() => asString(k.props.arn), undefined) === arn,
            ) ??
            keys.find(
                (k) => secret.dependencies.some((d) => d.urn === k.urn) && k.type === T.kmsKey,
            );
        for (const s of resources.filter(
            (r) => r.type === TS.smSecret && (ca.test(known(r, "name") ?? "") || ca.test(r.name)),
        )) {
            const keyArn = ifKnown(() => asString(s.props.kmsKeyId), "(unknown)");
            if (!keyArn || keyArn.includes("alias/aws/"))
                report(
                    "CA secret without a customer-managed kmsKeyId: the AWS-managed key lets every identity of the account with secretsmanager:GetSecretValue decrypt",
                    s.urn,
                );
            const key = keyOf(s, keyArn);
            if (key) {
                const grants = statementsOf(() => key.props.policy).filter(
                    (st) => st.Effect === "Allow",
                );
                if (grants.length === 0 || grants.some((st) => !narrowsPrincipal(st)))
                    report(
                        `CA secret key ${key.name}: every Allow of its key policy must be narrowed by aws:PrincipalArn to the deployers and break-glass (the default key policy delegates to every IAM policy in the account)`,
                        key.urn,
                    );
                if (key.props.multiRegion !== true)
                    report(
                        `CA secret key ${key.name} must be multiRegion (its replica key decrypts the replica)`,
                        key.urn,
                    );
            }
            if (asArray(ifKnown((): unknown => s.props.replicas, [{}])).length === 0)
                report("CA secret has no replica in the peer region (replicas is empty)", s.urn);
            const policy = resources.find(
                (p) =>
                    p.type === TS.smSecretPolicy &&
                    (p.dependencies.some((d) => d.urn === s.urn) ||
                        ifKnown(() => asString(p.props.secretArn), undefined) ===
                            ifKnown(() => asString(s.props.arn), "(none)")),
            );
            // A policy document computed from the secret's ARN is unknown in a first preview: set.
            const unknownDoc = policy !== undefined && isUnknown(() => policy.props.policy);
            const denies =
                unknownDoc ||
                statementsOf(() => policy?.props.policy).some(
                    (st) => st.Effect === "Deny" && st.Principal === "*" && narrowsPrincipal(st),
                );
            if (!denies)
                report(
                    "CA secret without a resource policy (aws.secretsmanager.SecretPolicy) that denies every principal but the deployers and break-glass",
                    s.urn,
                );
        }

        for (const s of resources.filter(
            (r) =>
                r.type === TS.gcpSecret && (ca.test(known(r, "secretId") ?? "") || ca.test(r.name)),
        )) {
            const replicas = asArray(
                ifKnown(() => get(s.props, "replication.userManaged.replicas"), []),
            );
            if (replicas.length < 1)
                report(
                    "CA secret: replication.userManaged.replicas must list the regions (auto replication cannot use CMEK per region)",
                    s.urn,
                );
            replicas.forEach((rep, i) => {
                if (
                    !ifKnown(
                        () => asString(get(rep, "customerManagedEncryption.kmsKeyName")),
                        "(unknown)",
                    )
                )
                    report(
                        `CA secret: replicas[${i}] has no customerManagedEncryption.kmsKeyName`,
                        s.urn,
                    );
            });
            const iam = resources.filter(
                (p) => GCP_SECRET_IAM.has(p.type) && p.dependencies.some((d) => d.urn === s.urn),
            );
            if (!iam.some((p) => p.type === TS.gcpSecretIamPolicy))
                report(
                    "CA secret without an authoritative gcp.secretmanager.SecretIamPolicy naming only the deployers and break-glass",
                    s.urn,
                );
        }
    },
});

export const backupAccessLogging = stackPolicy<{ bucketPattern: string }>({
    name: "backup-bucket-access-logging",
    description:
        "Every S3 backup bucket logs its requests (S3 server access logging, aws.s3.BucketLogging) into another bucket.",
    config: {
        bucketPattern: {
            type: "string",
            default: "backup|velero",
            description:
                "Regular expression (case-insensitive) on logical name, bucket name or tags that marks a backup bucket.",
        },
    },
    validate: (resources, _args, report, cfg) => {
        const pattern = new RegExp(cfg.bucketPattern, "i");
        const buckets = resources.filter((r) => r.type === T.s3Bucket || r.type === T.s3BucketV2);
        const logging = resources.filter(
            (r) => r.type === TS.s3Logging || r.type === TS.s3LoggingV2,
        );
        // A logging resource depends on its source and its target bucket; when the source's name is
        // unknown (first preview), the source is the dependency that is a backup bucket.
        const loggedBucket = (l: PolicyResource): PolicyResource | undefined => {
            const nameKnown = ifKnown(() => asString(l.props.bucket) !== undefined, false);
            const byName = nameKnown ? bucketOf(l, buckets) : undefined;
            if (byName) return byName;
            const backups = l.dependencies.filter(
                (d) =>
                    (d.type === T.s3Bucket || d.type === T.s3BucketV2) &&
                    isBackupBucket(d, pattern),
            );
            return backups.length === 1 ? backups[0] : bucketOf(l, buckets);
        };
        for (const b of buckets.filter((x) => isBackupBucket(x, pattern))) {
            const own = logging.filter((l) => loggedBucket(l)?.urn === b.urn);
            if (own.length === 0) {
                report(
                    `backup bucket ${b.name} has no server access logging (aws.s3.BucketLogging)`,
                    b.urn,
                );
                continue;
            }
            for (const l of own) {
                const target = ifKnown(() => asString(l.props.targetBucket), "(unknown)");
                if (!target) report(`access logging of ${b.name} has no targetBucket`, l.urn);
                const self = ifKnown(
                    () => asString(b.props.bucket) ?? asString(b.props.id),
                    undefined,
                );
                if (target && self && target === self)
                    report(
                        `backup bucket ${b.name} logs into itself; use a separate log bucket`,
                        l.urn,
                    );
            }
        }
    },
});

/** Velero's built-in kopia repository password (pkg/repository/keys/keys.go, v1.18.1). */
const VELERO_DEFAULT_PASSWORD = "static-passw0rd";

export const veleroRepositoryPassword = stackPolicy({
    name: "velero-repository-password",
    description:
        "Every Velero release has its kopia repository password set by the program: a Secret velero-repo-credentials with key repository-password in its namespace, on its cluster, that is not Velero's built-in default.",
    validate: (resources, _args, report) => {
        const secrets = resources.filter(
            (r) => r.type === T.secret || r.type === TS.k8sSecretPatch,
        );
        for (const rel of resources.filter(
            (r) => isRelease(r) && chartName(r.props) === "velero",
        )) {
            const ns = ifKnown(() => asString(rel.props.namespace), undefined) ?? "velero";
            const providerUrn = rel.provider?.urn;
            const match = secrets.find(
                (s) =>
                    metaName(s.props) === "velero-repo-credentials" &&
                    (metaNamespace(s.props) ?? "default") === ns &&
                    s.provider?.urn === providerUrn,
            );
            if (!match) {
                report(
                    `Velero release ${rel.name} has no repository password Secret velero-repo-credentials in ${ns}: Velero would create one with its built-in password`,
                    rel.urn,
                );
                continue;
            }
            // A secret map shows as one placeholder offline (and a value unknown at preview is set).
            const whole = ifKnown(
                (): unknown => match.props.stringData ?? match.props.data,
                SECRET_PLACEHOLDER,
            );
            const value =
                whole === SECRET_PLACEHOLDER
                    ? SECRET_PLACEHOLDER
                    : ifKnown((): unknown => get(whole, "repository-password"), SECRET_PLACEHOLDER);
            if (value === undefined)
                report(`Secret ${match.name} has no repository-password key`, match.urn);
            else if (
                value === VELERO_DEFAULT_PASSWORD ||
                value === Buffer.from(VELERO_DEFAULT_PASSWORD).toString("base64")
            )
                report(`Secret ${match.name} sets Velero's built-in default password`, match.urn);
            if (!rel.dependencies.some((d) => d.urn === match.urn))
                report(
                    `Velero release ${rel.name} does not depend on ${match.name}: Velero could start first and initialize repositories with its built-in password`,
                    rel.urn,
                );
        }
    },
});

export const launchTemplateVolumeKms = resourcePolicy({
    name: "launch-template-volume-kms",
    description:
        "Every EBS volume of a launch template is encrypted with a customer-managed KMS key (ebs.encrypted and ebs.kmsKeyId).",
    types: [T.launchTemplate],
    validate: (props, _args, report) => {
        asArray(props.blockDeviceMappings).forEach((m, i) => {
            const ebs = asRecord(get(m, "ebs"));
            if (Object.keys(ebs).length === 0) return;
            if (String(ifKnown(() => ebs.encrypted, "true")) !== "true")
                report(`blockDeviceMappings[${i}].ebs.encrypted must be "true"`);
            if (!ifKnown(() => asString(ebs.kmsKeyId), "(unknown)"))
                report(
                    `blockDeviceMappings[${i}].ebs.kmsKeyId must name a customer-managed KMS key (its policy must admit AWSServiceRoleForAutoScaling)`,
                );
        });
    },
});
