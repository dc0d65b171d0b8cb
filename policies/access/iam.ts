/**
 * The AWS IAM side of the access matrix: roles with their trust policies, inline, customer and AWS
 * managed identity policies (managed ones from the pinned copies in ./managed), S3 buckets with their
 * bucket policies and objects, KMS keys with their key policies (AWS's default key policy when the
 * program sets none), Secrets Manager secrets with their resource policies, KMS keys and replicas.
 * Decisions come from @cloud-copilot/iam-simulate (./simulate.ts).
 */
import * as fs from "fs";
import * as path from "path";
import {
    type AccessResource,
    arr,
    isUnknown,
    labelOf,
    policyDoc,
    rec,
    refersTo,
    type SkippedCheck,
    str,
} from "./model";
import { type IamDecision, type NamedPolicy, simulate } from "./simulate";

export interface ManagedPolicy {
    readonly arn: string;
    readonly version: string;
    readonly source: string;
    readonly retrieved: string;
    readonly complete: boolean;
    readonly document: unknown;
}

let managedCache: Map<string, ManagedPolicy> | undefined;
/** The pinned AWS managed policy documents (policies/access/managed/*.json), by ARN. */
export function managedPolicies(): Map<string, ManagedPolicy> {
    if (!managedCache) {
        const dir = path.join(__dirname, "managed");
        managedCache = new Map();
        for (const f of fs
            .readdirSync(dir)
            .filter((n) => n.endsWith(".json"))
            .sort()) {
            const p = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as ManagedPolicy;
            managedCache.set(p.arn, p);
        }
    }
    return managedCache;
}

export interface Role {
    readonly r: AccessResource;
    readonly arn: string;
    readonly label: string;
    readonly trust?: Record<string, unknown>;
    readonly policies: NamedPolicy[];
    /** Managed policy ARNs attached without a pinned document. */
    readonly unknownManaged: string[];
    /** IRSA: the OIDC provider ARN and the `system:serviceaccount:<ns>:<sa>` the trust names. */
    readonly irsa?: { provider: string; issuer: string; sub: string };
    /** Service principals the trust admits (ec2.amazonaws.com, pods.eks.amazonaws.com, ...). */
    readonly services: string[];
}

export interface Bucket {
    readonly r: AccessResource;
    readonly name: string;
    readonly arn: string;
    readonly label: string;
    policy?: NamedPolicy;
}

export interface KmsKey {
    readonly r: AccessResource;
    /** The key's ARN: its `arn` when known, else the ARN other resources use for it. */
    readonly arn: string;
    readonly arnRef: (ref: string) => boolean;
    readonly label: string;
    policy: NamedPolicy;
    readonly explicitPolicy: boolean;
}

export interface CaStore {
    readonly description: string;
    readonly label: string;
    /** The reads that together give the plaintext: [action, resource ARN, resource policy, context]. */
    readonly steps: {
        action: string;
        resource: string;
        resourcePolicy?: NamedPolicy;
        context?: Record<string, string | string[]>;
    }[];
}

export interface IamModel {
    readonly account: string;
    readonly roles: Role[];
    readonly buckets: Bucket[];
    readonly keys: KmsKey[];
    readonly caStores: CaStore[];
    readonly regionOf: (label: string) => string;
}

const ARN_ACCOUNT = /arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/;

export function defaultKeyPolicy(account: string): Record<string, unknown> {
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Enable IAM User Permissions",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${account}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    };
}

export const CA_PATTERN = /mesh-ca|ca-material|cacerts|root-ca/i;

export function buildIam(
    resources: readonly AccessResource[],
    skipped: SkippedCheck[],
): IamModel | undefined {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const of = (t: string) => resources.filter((r) => r.type === t);
    const safe = <T>(r: AccessResource, fn: () => T): T | undefined => {
        try {
            return fn();
        } catch (e) {
            if (!isUnknown(e)) throw e;
            skipped.push({
                kind: "iam",
                what: `${r.type} ${r.name}`,
                reason: (e as Error).message,
            });
            return undefined;
        }
    };
    let account = "";
    for (const r of resources) {
        if (!/^aws:(iam|kms|s3|eks|secretsmanager)\//.test(r.type)) continue;
        const m = safe(r, () => ARN_ACCOUNT.exec(JSON.stringify(r.props)));
        if (m) {
            account = m[1];
            break;
        }
    }
    const roleResources = of("aws:iam/role:Role");
    if (roleResources.length === 0) return undefined;
    const providerRegion = new Map<string, string>();
    for (const p of of("pulumi:providers:aws")) {
        const region = safe(p, () => str(p.props.region));
        if (region) providerRegion.set(p.name.replace(/^aws-/, ""), region);
    }
    const regionOf = (label: string) => providerRegion.get(label) ?? "";

    const rolePolicies = of("aws:iam/rolePolicy:RolePolicy");
    const attachments = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    const customer = of("aws:iam/policy:Policy");
    const roles: Role[] = [];
    for (const r of roleResources) {
        const role = safe(r, (): Role => {
            const refs = [...rolePolicies, ...attachments]
                .map((p) => str(p.props.role))
                .filter((ref) => refersTo(ref, r));
            const physical = str(r.props.name) || refs[0] || r.name;
            const arn = str(r.props.arn) || `arn:aws:iam::${account}:role/${physical}`;
            const trust = policyDoc(r.props.assumeRolePolicy);
            const policies: NamedPolicy[] = [];
            const unknownManaged: string[] = [];
            for (const p of rolePolicies.filter((p) => refersTo(str(p.props.role), r))) {
                const doc = policyDoc(p.props.policy);
                if (doc) policies.push({ name: `inline ${p.name}`, document: doc });
            }
            for (const ip of arr(r.props.inlinePolicies)) {
                const doc = policyDoc(rec(ip).policy);
                if (doc) policies.push({ name: `inline ${str(rec(ip).name)}`, document: doc });
            }
            const attached = [
                ...attachments
                    .filter((a) => refersTo(str(a.props.role), r))
                    .map((a) => str(a.props.policyArn)),
                ...arr(r.props.managedPolicyArns).map(str),
            ];
            for (const pa of attached) {
                const managed = managedPolicies().get(pa);
                const own = customer.find((c) => refersTo(pa, c));
                if (managed)
                    policies.push({ name: pa.split("/").pop()!, document: managed.document });
                else if (own && policyDoc(own.props.policy))
                    policies.push({
                        name: `policy ${own.name}`,
                        document: policyDoc(own.props.policy),
                    });
                else unknownManaged.push(pa);
            }
            const services: string[] = [];
            let irsa: Role["irsa"];
            for (const s of arr(trust?.Statement)) {
                const st = rec(s);
                if (st.Effect !== "Allow") continue;
                const principal = rec(st.Principal);
                for (const svc of [principal.Service].flat())
                    if (typeof svc === "string") services.push(svc);
                const fed = [principal.Federated]
                    .flat()
                    .find((f): f is string => typeof f === "string");
                if (fed && fed.includes(":oidc-provider/")) {
                    const issuer = fed.split(":oidc-provider/")[1];
                    const cond = rec(st.Condition);
                    const subs = [
                        rec(cond.StringEquals)[`${issuer}:sub`],
                        rec(cond.StringLike)[`${issuer}:sub`],
                    ]
                        .flat()
                        .filter((x): x is string => typeof x === "string");
                    irsa = { provider: fed, issuer, sub: subs[0] ?? "*" };
                }
            }
            return {
                r,
                arn,
                label: labelOf(r, byUrn),
                trust,
                policies,
                unknownManaged,
                irsa,
                services,
            };
        });
        if (role) roles.push(role);
    }

    const bucketPolicies = of("aws:s3/bucketPolicy:BucketPolicy");
    const buckets: Bucket[] = [];
    for (const r of of("aws:s3/bucket:Bucket").concat(of("aws:s3/bucketV2:BucketV2"))) {
        const b = safe(r, (): Bucket => {
            const refs = resources
                .filter((x) => x.type.startsWith("aws:s3/") && x !== r)
                .map((x) => str(x.props.bucket))
                .filter((ref) => refersTo(ref, r));
            const name = str(r.props.bucket) || refs[0] || r.name;
            const bp = bucketPolicies.find((p) => refersTo(str(p.props.bucket), r));
            const doc = bp ? policyDoc(bp.props.policy) : undefined;
            return {
                r,
                name,
                arn: `arn:aws:s3:::${name}`,
                label: labelOf(r, byUrn),
                policy: doc ? { name: `bucket policy ${bp!.name}`, document: doc } : undefined,
            };
        });
        if (b) buckets.push(b);
    }

    const keyPolicies = of("aws:kms/keyPolicy:KeyPolicy");
    const kmsArns = new Set<string>();
    for (const r of resources) {
        if (!r.type.startsWith("aws:") && !r.type.startsWith("kubernetes:")) continue;
        const text = safe(r, () => JSON.stringify(r.props)) ?? "";
        for (const m of text.matchAll(/arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+/g))
            kmsArns.add(m[0]);
    }
    const keys: KmsKey[] = [];
    for (const r of of("aws:kms/key:Key").concat(of("aws:kms/replicaKey:ReplicaKey"))) {
        const k = safe(r, (): KmsKey => {
            const separate = keyPolicies.find((p) => refersTo(str(p.props.keyId), r));
            const doc =
                policyDoc(r.props.policy) ??
                (separate ? policyDoc(separate.props.policy) : undefined);
            const primary = str(r.props.primaryKeyArn);
            const known = str(r.props.arn) || [...kmsArns].find((a) => refersTo(a, r)) || "";
            return {
                r,
                arn: known || `arn:aws:kms:${regionOf(labelOf(r, byUrn))}:${account}:key/${r.name}`,
                arnRef: (ref: string) =>
                    refersTo(ref, r) || (primary !== "" && ref.endsWith(primary.split("/").pop()!)),
                label: labelOf(r, byUrn),
                policy: doc
                    ? { name: `key policy ${r.name}`, document: doc }
                    : { name: `default key policy ${r.name}`, document: defaultKeyPolicy(account) },
                explicitPolicy: !!doc,
            };
        });
        if (k) keys.push(k);
    }
    const keyOf = (ref: string) => keys.find((k) => k.arnRef(ref));

    const caStores: CaStore[] = [];
    for (const r of of("aws:s3/bucketObjectv2:BucketObjectv2").concat(
        of("aws:s3/bucketObject:BucketObject"),
    )) {
        safe(r, () => {
            const key = str(r.props.key);
            if (!CA_PATTERN.test(key) && !CA_PATTERN.test(r.name)) return;
            const bucket = buckets.find((b) => refersTo(str(r.props.bucket), b.r));
            if (!bucket) return;
            const region = regionOf(bucket.label);
            const steps: CaStore["steps"] = [
                {
                    action: "s3:GetObject",
                    resource: `${bucket.arn}/${key}`,
                    resourcePolicy: bucket.policy,
                    context: { "aws:SecureTransport": "true" },
                },
            ];
            const kmsRef = str(r.props.kmsKeyId);
            const k = kmsRef ? keyOf(kmsRef) : undefined;
            if (k)
                steps.push({
                    action: "kms:Decrypt",
                    resource: kmsRef,
                    resourcePolicy: k.policy,
                    context: {
                        "kms:ViaService": `s3.${region}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": bucket.arn,
                    },
                });
            caStores.push({
                description: `s3://${bucket.name}/${key}`,
                label: bucket.label,
                steps,
            });
        });
    }
    const secretPolicies = of("aws:secretsmanager/secretPolicy:SecretPolicy");
    for (const r of of("aws:secretsmanager/secret:Secret")) {
        safe(r, () => {
            const name = str(r.props.name) || r.name;
            if (
                !CA_PATTERN.test(name) &&
                !CA_PATTERN.test(r.name) &&
                !CA_PATTERN.test(str(r.props.description))
            )
                return;
            const label = labelOf(r, byUrn);
            const sp = secretPolicies.find((p) => refersTo(str(p.props.secretArn), r));
            const doc = policyDoc(r.props.policy) ?? (sp ? policyDoc(sp.props.policy) : undefined);
            const resourcePolicy = doc
                ? { name: `secret policy ${sp?.name ?? r.name}`, document: doc }
                : undefined;
            const regions = [
                regionOf(label),
                ...arr(r.props.replicas).map((x) => str(rec(x).region)),
            ];
            for (const [i, region] of regions.entries()) {
                const arnOf = `arn:aws:secretsmanager:${region || "*"}:${account}:secret:${name}`;
                const kmsRef =
                    i === 0
                        ? str(r.props.kmsKeyId)
                        : str(rec(arr(r.props.replicas)[i - 1]).kmsKeyId);
                const steps: CaStore["steps"] = [
                    { action: "secretsmanager:GetSecretValue", resource: arnOf, resourcePolicy },
                ];
                const k = kmsRef ? keyOf(kmsRef) : undefined;
                // Without a customer key the secret uses aws/secretsmanager, which every principal of the
                // account with GetSecretValue may use through Secrets Manager.
                if (k)
                    steps.push({
                        action: "kms:Decrypt",
                        resource: kmsRef.startsWith("arn:")
                            ? kmsRef
                            : `arn:aws:kms:${region}:${account}:key/${kmsRef}`,
                        resourcePolicy: k.policy,
                        context: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
                    });
                caStores.push({
                    description: `secretsmanager ${name}${i > 0 ? ` (replica ${region})` : ""}`,
                    label,
                    steps,
                });
            }
        });
    }
    return { account, roles, buckets, keys, caStores, regionOf };
}

export interface Step {
    readonly action: string;
    readonly resource: string;
    readonly resourcePolicy?: NamedPolicy;
    readonly context?: Record<string, string | string[]>;
}

/** Every step allowed for the role (identity policies vs the step's resource policy). */
export function roleCan(
    model: IamModel,
    role: Role,
    steps: readonly Step[],
): { allowed: boolean; why: string[] } {
    const why: string[] = [];
    let allowed = true;
    for (const s of steps) {
        const d: IamDecision = simulate({
            principal: role.arn,
            action: s.action,
            resource: s.resource,
            resourceAccount: model.account,
            context: s.context,
            identityPolicies: role.policies,
            resourcePolicy: s.resourcePolicy,
        });
        why.push(`${s.action} ${d.allowed ? "allowed" : "denied"}: ${d.why.join(", ")}`);
        if (!d.allowed) {
            allowed = false;
            break;
        }
    }
    return { allowed, why };
}

/** Can `<ns>:<sa>` of the cluster behind the role's OIDC issuer assume the role? */
export function webIdentityCan(model: IamModel, role: Role, sub: string): IamDecision {
    const irsa = role.irsa!;
    return simulate({
        principal: irsa.provider,
        action: "sts:AssumeRoleWithWebIdentity",
        resource: role.arn,
        resourceAccount: model.account,
        context: { [`${irsa.issuer}:sub`]: sub, [`${irsa.issuer}:aud`]: "sts.amazonaws.com" },
        identityPolicies: [],
        resourcePolicy: role.trust
            ? { name: `trust ${role.r.name}`, document: role.trust }
            : undefined,
    });
}

/** Can the AWS service assume the role (with the given context: aws:SourceArn, aws:SourceAccount)? */
export function serviceCan(
    model: IamModel,
    role: Role,
    service: string,
    context: Record<string, string>,
): IamDecision {
    return simulate({
        principal: service,
        action: "sts:AssumeRole",
        resource: role.arn,
        resourceAccount: model.account,
        context,
        identityPolicies: [],
        resourcePolicy: role.trust
            ? { name: `trust ${role.r.name}`, document: role.trust }
            : undefined,
    });
}
