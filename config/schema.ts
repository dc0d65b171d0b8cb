/**
 * The schema of every `mesh-platform:*` key (zod), and the key-level checks: unknown keys, required
 * keys, keys that must be secrets, and each value against its schema. Every key is parsed on its own so
 * that all problems surface at once.
 */
import { z } from "zod";
import { parseCidr } from "../lib/cidr";
import { didYouMean } from "../lib/suggest";
import { KUBERNETES_VERSIONS } from "./catalog";
import { AddProblem, CONFIG_NAMESPACE } from "./errors";

const NAME = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, {
    message: "must be an IPv4 CIDR like 10.10.0.0/16 with the host bits zero",
});

const intIn = (min: number, max: number) => z.number().int().min(min).max(max);

// --- Istio and Kubernetes versions (day 2) ---
const ISTIO_TAG = z
    .string()
    .regex(
        /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/,
        "a revision tag: a lower-case DNS label like stable",
    );
/** Istio in a cluster: the istiod releases (version + tags) and the tags gateways and namespaces select. */
const istioSchema = z
    .object({
        revisions: z
            .array(
                z
                    .object({
                        version: z.string(),
                        tags: z.array(ISTIO_TAG).optional(),
                    })
                    .strict(),
            )
            .min(1)
            .max(2)
            .optional(),
        gatewayTag: ISTIO_TAG.optional(),
        namespaceTag: ISTIO_TAG.optional(),
        /** Per app namespace, a tag other than namespaceTag (one namespace goes first). */
        namespaceTags: z.record(z.string(), ISTIO_TAG).optional(),
    })
    .strict();
// --- end Istio and Kubernetes versions ---

const nodeGroupSchema = z
    .object({
        instanceTypes: z.array(z.string()).min(1).optional(),
        minSize: intIn(0, 1000).optional(),
        maxSize: intIn(1, 1000).optional(),
        desiredSize: intIn(0, 1000).optional(),
        capacityType: z.enum(["ON_DEMAND", "SPOT"]).optional(),
        diskSizeGiB: intIn(20, 2000).optional(),
    })
    .strict();

/** Every key the program reads, with its schema. Keys are validated independently so all problems surface. */
const KEY_SCHEMAS = {
    environment: z.enum(["dev", "staging", "prod"]),
    tags: z
        .object({
            team: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
            "cost-center": z
                .string()
                .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
        })
        .strict(),
    regions: z
        .array(
            z
                .object({
                    name: z
                        .string()
                        .regex(
                            NAME,
                            "3-20 lower-case letters, digits and dashes, starting with a letter",
                        ),
                    cloud: z.enum(["aws", "gcp"]),
                    region: z.string(),
                    primary: z.boolean().optional(),
                    vpcCidr: cidr,
                    podsCidr: cidr.optional(),
                    servicesCidr: cidr.optional(),
                    availabilityZones: intIn(2, 3).optional(),
                    // EKS only: the Kubernetes service (ClusterIP) range; see deployerRules/serviceCidrRules.
                    serviceCidr: cidr.optional(),
                    // Day 2: this region's Kubernetes minor and Istio instead of the stack's (one goes first).
                    kubernetesVersion: z.string().optional(),
                    istio: istioSchema.optional(),
                })
                .strict(),
        )
        .min(1, "at least one region is required"),
    gcpProject: z
        .string()
        .regex(
            /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
            "a GCP project id (6-30 lower-case letters, digits, dashes)",
        ),
    kubernetes: z
        .object({
            version: z.string().optional(),
            adminRoleArn: z
                .string()
                .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN")
                .optional(),
            publicAccessCidrs: z.array(cidr).optional(),
            supportType: z.enum(["STANDARD", "EXTENDED"]).optional(),
        })
        .strict(),
    nodeGroups: z
        .object({ system: nodeGroupSchema.optional(), workloads: nodeGroupSchema.optional() })
        .strict(),
    natGateways: z.enum(["perAz", "single"]),
    flowLogsRetentionDays: intIn(1, 3653),
    mesh: z
        .object({
            meshId: z.string().regex(NAME, "3-20 lower-case letters, digits and dashes").optional(),
            serviceCount: intIn(1, 100000).optional(),
            mtlsMode: z.enum(["STRICT", "PERMISSIVE"]).optional(),
            outboundTrafficPolicy: z.enum(["REGISTRY_ONLY", "ALLOW_ANY"]).optional(),
            jwt: z
                .object({
                    issuer: z.string().url(),
                    jwksUri: z
                        .string()
                        .url()
                        .refine((u) => u.startsWith("https://"), "must be an https:// URL"),
                    audiences: z.array(z.string().min(1)).optional(),
                })
                .strict(),
            ingressTlsSecretName: z
                .string()
                .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a Kubernetes secret name")
                .optional(),
            caGenerations: z
                .array(
                    z.string().regex(/^[a-z0-9][a-z0-9-]{0,15}$/, "short lower-case ids like 2026"),
                )
                .min(1)
                .max(2)
                .optional(),
            readerTokenGeneration: z
                .string()
                .regex(/^[a-z0-9][a-z0-9-]{0,15}$/, "short lower-case ids like t2")
                .optional(),
            readerTokenRotationDays: intIn(1, 365).optional(),
            caRetiredGenerations: z
                .array(
                    z.string().regex(/^[a-z0-9][a-z0-9-]{0,15}$/, "short lower-case ids like 2026"),
                )
                .max(4)
                .optional(),
            istio: istioSchema.optional(),
        })
        .strict(),
    dns: z
        .object({
            provider: z.enum(["route53", "clouddns"]).optional(),
            zoneId: z.string().min(1),
            zoneName: z.string().regex(HOSTNAME, "a DNS zone name like example.com"),
            hostname: z
                .string()
                .regex(HOSTNAME, "a fully qualified hostname like learn.example.com"),
            ttlSeconds: intIn(5, 60).optional(),
            healthCheckIntervalSeconds: z.union([z.literal(10), z.literal(30)]).optional(),
            healthCheckFailureThreshold: intIn(1, 10).optional(),
        })
        .strict(),
    certificates: z
        .object({
            acmeEmail: z.string().email(),
            hostnames: z
                .array(z.string().regex(HOSTNAME, "fully qualified hostnames"))
                .min(1)
                .optional(),
            issuer: z.enum(["letsencrypt-staging", "letsencrypt-prod"]).optional(),
        })
        .strict(),
    alerting: z
        .object({
            emailTo: z.string().email(),
            emailFrom: z.string().email(),
            smtpSmarthost: z.string().regex(/^[a-z0-9.-]+:\d{2,5}$/, "host:port"),
            smtpUsername: z.string().min(1).optional(),
            // --- observability: dead man's switch ---
            heartbeatUrl: z
                .string()
                .regex(
                    /^https:\/\/[^\s]*\{secret\}[^\s]*$/,
                    "an https:// URL with {secret} (the secret alertingHeartbeatSecret) and {cluster} in it",
                )
                .refine((u) => u.includes("{cluster}"), "must contain {cluster}")
                .optional(),
            // --- observability: per-service critical error rates, database probes ---
            criticalErrorRates: z
                .record(
                    z.string(),
                    z
                        .number()
                        .refine((v) => v > 0 && v <= 100, "a percentage above 0 and at most 100"),
                )
                .superRefine((rates, ctx) => {
                    for (const service of Object.keys(rates))
                        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service))
                            ctx.addIssue({
                                code: z.ZodIssueCode.custom,
                                path: [service],
                                message: `key "${service}" must be a Kubernetes Service name (destination_service_name: [a-z0-9-])`,
                            });
                })
                .optional(),
            databaseTargets: z
                .array(
                    z
                        .object({
                            name: z
                                .string()
                                .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a short name [a-z0-9-]"),
                            host: z
                                .string()
                                .regex(
                                    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
                                    "a DNS name or IPv4 address",
                                ),
                            port: intIn(1, 65535),
                        })
                        .strict(),
                )
                .optional(),
        })
        .strict(),
    alertingSmtpPassword: z.string().min(8),
    alertingPagerKey: z.string().min(8),
    alertingChatWebhook: z
        .string()
        .url()
        .refine((u) => u.startsWith("https://"), "must be an https:// URL"),
    // --- observability: dead man's switch (the secret part of alerting.heartbeatUrl) ---
    alertingHeartbeatSecret: z.string().min(8),
    observability: z
        .object({
            logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).optional(),
            traceSamplingPercent: z.number().min(0).max(100).optional(),
            metricsRetentionDays: intIn(1, 400).optional(),
            logsRetentionDays: intIn(1, 400).optional(),
            tracesRetentionDays: intIn(1, 30).optional(),
            prometheusStorageGiB: intIn(5, 10000).optional(),
            elasticsearchNodes: intIn(1, 9).optional(),
            elasticsearchStorageGiB: intIn(5, 10000).optional(),
        })
        .strict(),
    deployer: z
        .object({
            cidrs: z.array(cidr).optional(),
            managementVpc: z
                .object({
                    id: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "a VPC id like vpc-0123abcd"),
                    region: z.string(),
                    cidr,
                    routeTableIds: z
                        .array(
                            z
                                .string()
                                .regex(/^rtb-[0-9a-f]{8,17}$/, "route table ids like rtb-0123abcd"),
                        )
                        .optional(),
                    accountId: z
                        .string()
                        .regex(/^\d{12}$/, "a 12-digit AWS account id")
                        .optional(),
                })
                .strict()
                .optional(),
        })
        .strict(),
    backup: z
        .object({
            retentionDays: intIn(1, 3650).optional(),
            examsRpoMinutes: intIn(5, 1440).optional(),
        })
        .strict(),
    // --- egress (allowed external hosts; cross-key checks in rules-services.ts egressRules) ---
    egress: z
        .object({
            hosts: z
                .array(
                    z
                        .object({
                            host: z
                                .string()
                                .regex(
                                    HOSTNAME,
                                    "a fully qualified lower-case host name like pay.example.com (no wildcard, no IP)",
                                ),
                            port: intIn(1, 65535),
                            protocol: z.enum(["TLS", "HTTPS"]),
                            namespaces: z.array(z.string()).min(1),
                        })
                        .strict(),
                )
                .optional(),
        })
        .strict(),
    // --- CA vault and backup secrets ---
    // Who may read and manage the mesh CA secret: IAM role ARNs on AWS (deployers may use `*` as in
    // an ArnLike condition, e.g. SSO roles), service account emails on GCP; config/rules-secrets.ts checks
    // the form per cloud.
    caVault: z
        .object({
            deployers: z.array(z.string().min(1)).min(1),
            breakGlass: z.string().min(1),
        })
        .strict(),
    backupRepositoryPassword: z.string().min(16),
    backupPagerUrl: z
        .string()
        .url()
        .refine((u) => u.startsWith("https://"), "must be an https:// URL"),
    // --- services (golden path: example MeshServices per cluster) ---
    exampleServices: z
        .array(
            z
                .object({
                    name: z
                        .string()
                        .regex(
                            /^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/,
                            "a DNS label of at most 42 characters",
                        ),
                    canary: z.boolean().optional(),
                    cache: z.boolean().optional(),
                    image: z
                        .string()
                        .regex(
                            /@sha256:[a-f0-9]{64}$/,
                            "an image pinned by digest (...@sha256:<64 hex>)",
                        )
                        .optional(),
                })
                .strict(),
        )
        .max(10),
    // --- drill ---
    drill: z
        .object({
            /** CloudWatch alarms whose ALARM state stops a running drill. */
            stopAlarms: z
                .array(z.object({ name: z.string().min(1), region: z.string().min(1) }).strict())
                .optional(),
            /** Declare the AWS FIS experiment template (off by default; needs FIS in the account). */
            fis: z
                .object({
                    enabled: z.boolean(),
                    stopAlarmArn: z
                        .string()
                        .regex(
                            /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/,
                            "a CloudWatch alarm ARN",
                        ),
                    duration: z
                        .string()
                        .regex(/^PT(\d+H)?(\d+M)?(\d+S)?$/, "an ISO 8601 duration like PT10M")
                        .optional(),
                })
                .strict()
                .optional(),
        })
        .strict(),
} as const;

export type KeyName = keyof typeof KEY_SCHEMAS;
const REQUIRED_KEYS: readonly KeyName[] = [
    "environment",
    "tags",
    "regions",
    "mesh",
    "dns",
    "certificates",
    "alerting",
    // --- CA vault and backup secrets ---
    "caVault",
    "backupRepositoryPassword",
];
/** Keys whose values must be set with `pulumi config set --secret`. */
export const SECRET_KEYS: readonly KeyName[] = [
    "alertingPagerKey",
    "alertingChatWebhook",
    "alertingSmtpPassword",
    "alertingHeartbeatSecret",
    // --- CA vault and backup secrets ---
    "backupRepositoryPassword",
    "backupPagerUrl",
];

export type Parsed = { [K in KeyName]?: z.infer<(typeof KEY_SCHEMAS)[K]> };

/** Validate each raw key on its own; every problem goes to `add`. Returns the keys that parsed. */
export function parseKeys(
    raw: Readonly<Record<string, unknown>>,
    secretKeys: ReadonlySet<string>,
    add: AddProblem,
): Parsed {
    for (const key of Object.keys(raw)) {
        if (!(key in KEY_SCHEMAS)) {
            const known = Object.keys(KEY_SCHEMAS);
            add(
                key,
                raw[key],
                `unknown key${didYouMean(key, known)}; allowed keys: ${known.join(", ")}`,
            );
        }
    }
    for (const key of REQUIRED_KEYS) {
        if (raw[key] === undefined) add(key, undefined, "is required");
    }
    for (const key of SECRET_KEYS) {
        if (raw[key] !== undefined && !secretKeys.has(key)) {
            add(
                key,
                "[redacted]",
                `must be set as a secret: pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>`,
            );
        }
    }

    const parsed: Parsed = {};
    for (const key of Object.keys(KEY_SCHEMAS) as KeyName[]) {
        const value = raw[key];
        if (value === undefined) continue;
        const result = KEY_SCHEMAS[key].safeParse(value);
        if (result.success) {
            (parsed as Record<string, unknown>)[key] = result.data;
        } else {
            for (const issue of result.error.issues) {
                const path = formatPath(key, issue.path);
                const bad =
                    issue.code === "unrecognized_keys" ? issue.keys : valueAt(value, issue.path);
                const isSecret = SECRET_KEYS.includes(key);
                add(
                    path,
                    isSecret ? "[redacted]" : bad,
                    describeIssue(issue, bad, fieldsAt(KEY_SCHEMAS[key], issue.path)),
                );
            }
        }
    }

    return parsed;
}

function formatPath(key: string, path: readonly PropertyKey[]): string {
    let out = key;
    for (const p of path) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = value;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p as string];
    }
    return cur;
}

type Def = { type?: string; innerType?: Schema; shape?: Record<string, Schema>; element?: Schema };
type Schema = { def?: Def };

/** Unwrap `.optional()`. */
const unwrap = (s: Schema | undefined): Schema | undefined =>
    s?.def?.type === "optional" ? unwrap(s.def.innerType) : s;

/** The fields the object schema at `path` inside `schema` accepts (for did-you-mean on unknown fields). */
function fieldsAt(schema: Schema, path: readonly PropertyKey[]): string[] {
    let cur = unwrap(schema);
    for (const p of path) {
        const def = cur?.def;
        if (def?.type === "object") cur = unwrap(def.shape?.[String(p)]);
        else if (def?.type === "array") cur = unwrap(def.element);
        else return [];
    }
    return cur?.def?.type === "object" ? Object.keys(cur.def.shape ?? {}) : [];
}

function describeIssue(issue: z.core.$ZodIssue, bad: unknown, fields: readonly string[]): string {
    if (issue.code === "invalid_type" && issue.expected === "string" && typeof bad === "number") {
        // YAML reads `version: 1.33` as the number 1.33 (and `1.30` as 1.3).
        const text = String(bad);
        const quoted = /^\d+\.\d$/.test(text)
            ? KUBERNETES_VERSIONS.includes(`${text}0`)
                ? `"${text}0"`
                : `"${text}0" (YAML drops a trailing zero) or "${text}"`
            : `"${text}"`;
        return `must be a string, and YAML reads an unquoted ${text} as a number: write it as a string: ${quoted}`;
    }
    if (issue.code === "unrecognized_keys")
        return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys
            .map((k) => `${k}${didYouMean(k, fields)}`)
            .join(", ")}; allowed: ${fields.join(", ")}`;
    switch (issue.code) {
        case "invalid_value":
            return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "invalid_type":
            return `must be ${issue.expected}`;
        case "too_small":
            return issue.origin === "array"
                ? `needs at least ${String(issue.minimum)} item(s)`
                : `must be >= ${String(issue.minimum)}`;
        case "too_big":
            return issue.origin === "array"
                ? `takes at most ${String(issue.maximum)} item(s)`
                : `must be <= ${String(issue.maximum)}`;
        case "invalid_format":
            return `must be ${issue.message.replace(/^Invalid /, "a valid ")}`;
        default:
            return issue.message;
    }
}
