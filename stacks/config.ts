/**
 * The one stack-config loader. It reads every `mesh-platform:*` key, validates all of them with zod
 * plus cross-key checks, applies the environment profile, and either returns a fully resolved
 * `PlatformConfig` or throws a `ConfigError` listing every problem at once (key, bad value, what is
 * allowed). It runs before any resource is declared, so bad config creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    CLOUD_REGIONS, Cloud, DEFAULT_KUBERNETES_VERSION, INSTANCE_TYPES, KUBERNETES_VERSIONS,
} from "./catalog";
import {
    CapacityType, Environment, GCP_INSTANCE_DEFAULTS, LogLevel, MtlsMode, NodeGroupSizing, Profile, PROFILES,
} from "./profiles";

export const CONFIG_NAMESPACE = "mesh-platform";

/* ------------------------------------------------------------------ resolved types */

export interface RegionConfig {
    /** Short stable name (`singapore`): used in logical names, cluster names and mesh network names. */
    readonly name: string;
    readonly cloud: Cloud;
    /** The cloud's region id (`ap-southeast-1`, `asia-southeast1`). */
    readonly region: string;
    readonly primary: boolean;
    readonly vpcCidr: string;
    /** GKE only: secondary ranges for pods and services. */
    readonly podsCidr?: string;
    readonly servicesCidr?: string;
    /** Number of availability zones the network and node groups span. @default 3 */
    readonly availabilityZones: number;
}

export interface KubernetesConfig {
    readonly version: string;
    /** AWS: IAM role ARN granted cluster-admin through an EKS access entry. */
    readonly adminRoleArn?: string;
    /** CIDRs allowed to reach the public API endpoint. Empty = public endpoint off. Never 0.0.0.0/0. */
    readonly publicAccessCidrs: readonly string[];
}

export interface MeshConfig {
    readonly meshId: string;
    /** Number of services in the mesh; chooses istiod's size band (guide: small < 50, medium 50-200, large 200+). */
    readonly serviceCount: number;
    readonly mtlsMode: MtlsMode;
    readonly outboundTrafficPolicy: "REGISTRY_ONLY" | "ALLOW_ANY";
    readonly jwt: { readonly issuer: string; readonly jwksUri: string; readonly audiences: readonly string[] };
    /**
     * Name of the TLS secret the public ingress gateway serves, issued by cert-manager into the gateway
     * namespace (`istio-gateways`), where the gateway's `credentialName` is looked up.
     */
    readonly ingressTlsSecretName: string;
    /**
     * Root CA generations that are trusted; the last one listed signs the intermediates. Rotation takes
     * three `pulumi up`s so that no workload ever meets a root it does not trust yet: [new, old] (both
     * trusted, old signs), then [old, new] (new signs), then [new]. See docs/ca-rotation.md.
     */
    readonly caGenerations: readonly string[];
    /**
     * Generation of the reader tokens behind the cross-cluster remote secrets. Changing it rotates every
     * link: new tokens are created, remote secrets switch to them, then the old tokens are deleted.
     */
    readonly readerTokenGeneration: string;
}

export interface DnsConfig {
    readonly provider: "route53" | "clouddns";
    /** Route 53 hosted zone id, or Cloud DNS managed zone name. The zone itself is owned outside this stack. */
    readonly zoneId: string;
    readonly zoneName: string;
    /** The public hostname that fails over between regions, e.g. `learn.example.com`. */
    readonly hostname: string;
    readonly ttlSeconds: number;
    readonly healthCheckIntervalSeconds: 10 | 30;
    readonly healthCheckFailureThreshold: number;
}

export interface CertificatesConfig {
    readonly acmeEmail: string;
    /** Hostnames on the ingress certificate. @default [dns.hostname] */
    readonly hostnames: readonly string[];
    /** Which ClusterIssuer signs the ingress certificate. */
    readonly issuer: "letsencrypt-staging" | "letsencrypt-prod";
}

export interface AlertingConfig {
    /** PagerDuty Events v2 routing key (secret config `alertingPagerKey`). Critical alerts. */
    readonly pagerRoutingKey?: pulumi.Output<string>;
    /** Slack-compatible incoming webhook URL (secret config `alertingChatWebhook`). Warning alerts. */
    readonly chatWebhookUrl?: pulumi.Output<string>;
    /** Info alerts go to this address by email. */
    readonly emailTo: string;
    readonly emailFrom: string;
    readonly smtpSmarthost: string;
    /** SMTP AUTH user (e.g. an SES SMTP user); set together with the secret `alertingSmtpPassword`. */
    readonly smtpUsername?: string;
    readonly smtpPassword?: pulumi.Output<string>;
}

export interface ObservabilityConfig {
    readonly logLevel: LogLevel;
    readonly traceSamplingPercent: number;
    readonly metricsRetentionDays: number;
    readonly logsRetentionDays: number;
    readonly tracesRetentionDays: number;
    readonly prometheusStorageGiB: number;
    readonly elasticsearchNodes: number;
    readonly elasticsearchStorageGiB: number;
}

export interface BackupConfig {
    readonly retentionDays: number;
    /** Recovery point objective for the assessment (exams) namespace, in minutes. */
    readonly examsRpoMinutes: number;
}

export interface Tags {
    readonly team: string;
    readonly costCenter: string;
}

export interface PlatformConfig {
    readonly stack: string;
    readonly environment: Environment;
    readonly profile: Profile;
    readonly protect: boolean;
    readonly tags: Tags;
    /** Primary region first, then the others in stack-file order. */
    readonly regions: readonly RegionConfig[];
    readonly primaryRegion: RegionConfig;
    readonly gcpProject?: string;
    readonly kubernetes: KubernetesConfig;
    readonly nodeGroups: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    /** Per-cloud instance types actually used (GCP regions use GCP machine types). */
    readonly gcpNodeGroups?: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    readonly natGateways: "perAz" | "single";
    readonly flowLogsRetentionDays: number;
    readonly mesh: MeshConfig;
    readonly dns: DnsConfig;
    readonly certificates: CertificatesConfig;
    readonly alerting: AlertingConfig;
    readonly observability: ObservabilityConfig;
    readonly backup: BackupConfig;
}

/* ------------------------------------------------------------------ errors */

export interface ConfigProblem {
    /** Full config key with path, e.g. `mesh-platform:regions[1].region`. */
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(ConfigError.format(problems));
        this.name = "ConfigError";
    }

    static format(problems: readonly ConfigProblem[]): string {
        const lines = problems.map((p) => `  - ${p.key}: ${p.message} (got ${show(p.value)})`);
        return `invalid stack config, ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
    }
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/* ------------------------------------------------------------------ schema */

const NAME = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, {
    message: "must be an IPv4 CIDR like 10.10.0.0/16 with the host bits zero",
});

const intIn = (min: number, max: number) => z.number().int().min(min).max(max);

const nodeGroupSchema = z.object({
    instanceTypes: z.array(z.string()).min(1).optional(),
    minSize: intIn(0, 1000).optional(),
    maxSize: intIn(1, 1000).optional(),
    desiredSize: intIn(0, 1000).optional(),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).optional(),
    diskSizeGiB: intIn(20, 2000).optional(),
}).strict();

/** Every key the program reads, with its schema. Keys are validated independently so all problems surface. */
const KEY_SCHEMAS = {
    environment: z.enum(["dev", "staging", "prod"]),
    tags: z.object({
        team: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
        "cost-center": z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    }).strict(),
    regions: z.array(z.object({
        name: z.string().regex(NAME, "3-20 lower-case letters, digits and dashes, starting with a letter"),
        cloud: z.enum(["aws", "gcp"]),
        region: z.string(),
        primary: z.boolean().optional(),
        vpcCidr: cidr,
        podsCidr: cidr.optional(),
        servicesCidr: cidr.optional(),
        availabilityZones: intIn(2, 3).optional(),
    }).strict()).min(1, "at least one region is required"),
    gcpProject: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id (6-30 lower-case letters, digits, dashes)"),
    kubernetes: z.object({
        version: z.string().optional(),
        adminRoleArn: z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN").optional(),
        publicAccessCidrs: z.array(cidr).optional(),
    }).strict(),
    nodeGroups: z.object({ system: nodeGroupSchema.optional(), workloads: nodeGroupSchema.optional() }).strict(),
    natGateways: z.enum(["perAz", "single"]),
    flowLogsRetentionDays: intIn(1, 3653),
    mesh: z.object({
        meshId: z.string().regex(NAME, "3-20 lower-case letters, digits and dashes").optional(),
        serviceCount: intIn(1, 100000).optional(),
        mtlsMode: z.enum(["STRICT", "PERMISSIVE"]).optional(),
        outboundTrafficPolicy: z.enum(["REGISTRY_ONLY", "ALLOW_ANY"]).optional(),
        jwt: z.object({
            issuer: z.string().url(),
            jwksUri: z.string().url().refine((u) => u.startsWith("https://"), "must be an https:// URL"),
            audiences: z.array(z.string().min(1)).optional(),
        }).strict(),
        ingressTlsSecretName: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a Kubernetes secret name").optional(),
        caGenerations: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,15}$/, "short lower-case ids like 2026")).min(1).max(2).optional(),
        readerTokenGeneration: z.string().regex(/^[a-z0-9][a-z0-9-]{0,15}$/, "short lower-case ids like t2").optional(),
    }).strict(),
    dns: z.object({
        provider: z.enum(["route53", "clouddns"]).optional(),
        zoneId: z.string().min(1),
        zoneName: z.string().regex(HOSTNAME, "a DNS zone name like example.com"),
        hostname: z.string().regex(HOSTNAME, "a fully qualified hostname like learn.example.com"),
        ttlSeconds: intIn(5, 60).optional(),
        healthCheckIntervalSeconds: z.union([z.literal(10), z.literal(30)]).optional(),
        healthCheckFailureThreshold: intIn(1, 10).optional(),
    }).strict(),
    certificates: z.object({
        acmeEmail: z.string().email(),
        hostnames: z.array(z.string().regex(HOSTNAME, "fully qualified hostnames")).min(1).optional(),
        issuer: z.enum(["letsencrypt-staging", "letsencrypt-prod"]).optional(),
    }).strict(),
    alerting: z.object({
        emailTo: z.string().email(),
        emailFrom: z.string().email(),
        smtpSmarthost: z.string().regex(/^[a-z0-9.-]+:\d{2,5}$/, "host:port"),
        smtpUsername: z.string().min(1).optional(),
    }).strict(),
    alertingSmtpPassword: z.string().min(8),
    alertingPagerKey: z.string().min(8),
    alertingChatWebhook: z.string().url().refine((u) => u.startsWith("https://"), "must be an https:// URL"),
    observability: z.object({
        logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).optional(),
        traceSamplingPercent: z.number().min(0).max(100).optional(),
        metricsRetentionDays: intIn(1, 400).optional(),
        logsRetentionDays: intIn(1, 400).optional(),
        tracesRetentionDays: intIn(1, 30).optional(),
        prometheusStorageGiB: intIn(5, 10000).optional(),
        elasticsearchNodes: intIn(1, 9).optional(),
        elasticsearchStorageGiB: intIn(5, 10000).optional(),
    }).strict(),
    backup: z.object({
        retentionDays: intIn(1, 3650).optional(),
        examsRpoMinutes: intIn(5, 1440).optional(),
    }).strict(),
} as const;

type KeyName = keyof typeof KEY_SCHEMAS;
const REQUIRED_KEYS: readonly KeyName[] = ["environment", "tags", "regions", "mesh", "dns", "certificates", "alerting"];
/** Keys whose values must be set with `pulumi config set --secret`. */
export const SECRET_KEYS: readonly KeyName[] = ["alertingPagerKey", "alertingChatWebhook", "alertingSmtpPassword"];

type Parsed = { [K in KeyName]?: z.infer<(typeof KEY_SCHEMAS)[K]> };

/* ------------------------------------------------------------------ loader */

/**
 * Validate raw config values (key without namespace -> parsed YAML value) and resolve profile defaults.
 * `secretKeys` names the keys that arrived as secrets.
 */
export function parseConfig(stack: string, raw: Readonly<Record<string, unknown>>, secretKeys: ReadonlySet<string> = new Set()): PlatformConfig {
    const problems: ConfigProblem[] = [];
    const add = (key: string, value: unknown, message: string) => problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, value, message });

    for (const key of Object.keys(raw)) {
        if (!(key in KEY_SCHEMAS)) {
            add(key, raw[key], `unknown key; allowed keys: ${Object.keys(KEY_SCHEMAS).join(", ")}`);
        }
    }
    for (const key of REQUIRED_KEYS) {
        if (raw[key] === undefined) add(key, undefined, "is required");
    }
    for (const key of SECRET_KEYS) {
        if (raw[key] !== undefined && !secretKeys.has(key)) {
            add(key, "[redacted]", `must be set as a secret: pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>`);
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
                const bad = issue.code === "unrecognized_keys" ? issue.keys : valueAt(value, issue.path);
                const isSecret = SECRET_KEYS.includes(key);
                add(path, isSecret ? "[redacted]" : bad, describeIssue(issue));
            }
        }
    }

    const env: Environment = parsed.environment ?? "dev";
    const profile = PROFILES[env];

    // ---- regions: semantics and cross-region checks
    const regions: RegionConfig[] = [];
    if (parsed.regions) {
        const seen = new Map<string, number>();
        const primaries: number[] = [];
        parsed.regions.forEach((r, i) => {
            const allowed = CLOUD_REGIONS[r.cloud];
            if (!allowed.includes(r.region)) {
                add(`regions[${i}].region`, r.region, `is not a ${r.cloud.toUpperCase()} region; allowed: ${allowed.join(", ")}`);
            }
            if (seen.has(r.name)) add(`regions[${i}].name`, r.name, `duplicates regions[${seen.get(r.name)}].name; region names must be unique`);
            seen.set(r.name, i);
            if (r.primary) primaries.push(i);
            if (r.cloud === "gcp" && (!r.podsCidr || !r.servicesCidr)) {
                add(`regions[${i}]`, { podsCidr: r.podsCidr, servicesCidr: r.servicesCidr }, "a gcp region needs podsCidr and servicesCidr (GKE secondary ranges)");
            }
            if (r.cloud === "aws" && (r.podsCidr || r.servicesCidr)) {
                add(`regions[${i}]`, { podsCidr: r.podsCidr, servicesCidr: r.servicesCidr }, "podsCidr and servicesCidr apply to gcp regions only; EKS pods use VPC addresses");
            }
            const prefix = parseCidr(r.vpcCidr)?.prefix;
            if (prefix !== undefined && (prefix < 16 || prefix > 20)) {
                add(`regions[${i}].vpcCidr`, r.vpcCidr, "prefix must be between /16 and /20 to fit 3 public and 3 private subnets");
            }
            regions.push({
                name: r.name, cloud: r.cloud, region: r.region, primary: r.primary === true, vpcCidr: r.vpcCidr,
                podsCidr: r.podsCidr, servicesCidr: r.servicesCidr, availabilityZones: r.availabilityZones ?? 3,
            });
        });
        if (primaries.length !== 1) {
            add("regions", parsed.regions.map((r) => ({ name: r.name, primary: r.primary ?? false })),
                `exactly one region must have primary: true (found ${primaries.length})`);
        }
        // No two address ranges may overlap, across regions and within a region (VPC, pods, services).
        const ranges: { key: string; cidr: string }[] = [];
        parsed.regions.forEach((r, i) => {
            ranges.push({ key: `regions[${i}].vpcCidr`, cidr: r.vpcCidr });
            if (r.podsCidr) ranges.push({ key: `regions[${i}].podsCidr`, cidr: r.podsCidr });
            if (r.servicesCidr) ranges.push({ key: `regions[${i}].servicesCidr`, cidr: r.servicesCidr });
        });
        for (let a = 0; a < ranges.length; a++) {
            for (let b = a + 1; b < ranges.length; b++) {
                if (cidrsOverlap(ranges[a].cidr, ranges[b].cidr)) {
                    add(ranges[b].key, ranges[b].cidr, `overlaps ${CONFIG_NAMESPACE}:${ranges[a].key} (${ranges[a].cidr}); address ranges must not overlap`);
                }
            }
        }
    }
    // Checks that depend on which clouds are in use run only when the regions themselves parsed.
    const regionsKnown = parsed.regions !== undefined;
    const clouds = new Set(regions.map((r) => r.cloud));
    if (clouds.has("gcp") && !parsed.gcpProject) add("gcpProject", raw.gcpProject, "is required when any region has cloud: gcp");

    // ---- kubernetes
    const k8s = parsed.kubernetes ?? {};
    const version = k8s.version ?? DEFAULT_KUBERNETES_VERSION;
    if (!KUBERNETES_VERSIONS.includes(version)) {
        add("kubernetes.version", version, `is not a supported Kubernetes version; allowed: ${KUBERNETES_VERSIONS.join(", ")}`);
    }
    const publicAccessCidrs = k8s.publicAccessCidrs ?? [];
    publicAccessCidrs.forEach((c, i) => {
        if (parseCidr(c)?.prefix === 0) add(`kubernetes.publicAccessCidrs[${i}]`, c, "must not open the API to the whole internet; list your office or VPN ranges");
    });
    if (env === "prod" && publicAccessCidrs.length > 0) {
        add("kubernetes.publicAccessCidrs", publicAccessCidrs, "must be empty in prod: the prod API endpoint is private only");
    }
    if (clouds.has("aws") && !k8s.adminRoleArn) add("kubernetes.adminRoleArn", undefined, "is required for aws regions (the EKS access entry for administrators)");

    // ---- node groups (per cloud instance types)
    const resolveGroups = (cloud: Cloud) => {
        const out: Record<"system" | "workloads", NodeGroupSizing> = { ...profile.nodeGroups };
        for (const role of ["system", "workloads"] as const) {
            const over = parsed.nodeGroups?.[role] ?? {};
            const base = profile.nodeGroups[role];
            const defaultTypes = cloud === "gcp" ? GCP_INSTANCE_DEFAULTS[env][role] : base.instanceTypes;
            const merged: NodeGroupSizing = {
                instanceTypes: over.instanceTypes ?? defaultTypes,
                minSize: over.minSize ?? base.minSize,
                maxSize: over.maxSize ?? base.maxSize,
                desiredSize: over.desiredSize ?? base.desiredSize,
                capacityType: (over.capacityType ?? base.capacityType) as CapacityType,
                diskSizeGiB: over.diskSizeGiB ?? base.diskSizeGiB,
            };
            out[role] = merged;
        }
        return out;
    };
    const awsGroups = resolveGroups("aws");
    const gcpGroups = clouds.has("gcp") ? resolveGroups("gcp") : undefined;
    for (const role of ["system", "workloads"] as const) {
        const g = awsGroups[role];
        const key = `nodeGroups.${role}`;
        if (g.minSize > g.maxSize) add(`${key}.minSize`, g.minSize, `must be <= ${key}.maxSize (${g.maxSize})`);
        if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) {
            add(`${key}.desiredSize`, g.desiredSize, `must be within [minSize, maxSize] = [${g.minSize}, ${g.maxSize}]`);
        }
        if (role === "system" && g.capacityType === "SPOT") add(`${key}.capacityType`, "SPOT", "system nodes run critical add-ons and must be ON_DEMAND");
        if (env === "prod" && role === "workloads" && g.capacityType === "SPOT") add(`${key}.capacityType`, "SPOT", "prod workloads must be ON_DEMAND; allowed in prod: ON_DEMAND");
        for (const cloud of clouds) {
            const types = (cloud === "gcp" ? gcpGroups![role] : g).instanceTypes;
            types.forEach((t, i) => {
                if (!INSTANCE_TYPES[cloud].includes(t)) {
                    add(`${key}.instanceTypes[${i}]`, t, `is not a known ${cloud.toUpperCase()} instance type; allowed: ${INSTANCE_TYPES[cloud].join(", ")}`);
                }
            });
        }
    }

    // ---- mesh
    const mesh = parsed.mesh;
    const mtlsMode: MtlsMode = mesh?.mtlsMode ?? profile.mtlsMode;
    if (mtlsMode === "PERMISSIVE" && env !== "dev") add("mesh.mtlsMode", mtlsMode, `must be STRICT in ${env}; PERMISSIVE is allowed only in dev`);
    if (mesh?.outboundTrafficPolicy === "ALLOW_ANY" && env === "prod") add("mesh.outboundTrafficPolicy", mesh.outboundTrafficPolicy, "must be REGISTRY_ONLY in prod; ALLOW_ANY is allowed only in dev and staging");
    const caGenerations = mesh?.caGenerations ?? ["g1"];
    if (new Set(caGenerations).size !== caGenerations.length) add("mesh.caGenerations", caGenerations, "generations must be unique");

    // ---- dns
    const dns = parsed.dns;
    if (dns && !(dns.hostname === dns.zoneName || dns.hostname.endsWith(`.${dns.zoneName}`))) {
        add("dns.hostname", dns.hostname, `must be inside the zone ${dns.zoneName}`);
    }
    const dnsProvider = dns?.provider ?? (clouds.has("aws") || !regionsKnown ? "route53" : "clouddns");
    if (regionsKnown && dnsProvider === "route53" && !clouds.has("aws")) add("dns.provider", dnsProvider, "route53 needs at least one aws region; allowed here: clouddns");
    if (regionsKnown && dnsProvider === "clouddns" && !clouds.has("gcp")) add("dns.provider", dnsProvider, "clouddns needs a gcp region; allowed here: route53");

    // ---- one cloud per stack: DNS failover, backup replication and cert-manager's DNS-01 identity all
    // stay inside one cloud (a mixed stack would need cross-cloud identities nobody has built yet).
    if (clouds.size > 1) {
        add("regions", parsed.regions!.map((r) => ({ name: r.name, cloud: r.cloud })),
            "all regions of a stack must be on one cloud (aws or gcp): DNS failover, backup replication and DNS-01 challenges do not cross clouds");
    }
    if (dns && dnsProvider === "route53" && dns.hostname === dns.zoneName) {
        add("dns.hostname", dns.hostname, `is the zone apex; route53 failover records are CNAMEs to the load balancers and need a name below the zone, e.g. app.${dns.zoneName}`);
    }
    if (clouds.size === 1 && clouds.has("gcp") && regions.length > 1) {
        // Backups live in one dual-region GCS bucket per region pair, which must sit inside one continent.
        const continent = (r: string) => /^(asia|europe|us|northamerica)-/.exec(r)?.[1];
        const first = continent(regions[0].region);
        regions.forEach((r, i) => {
            if (!first || continent(r.region) !== first) {
                add(`regions[${i}].region`, r.region, `gcp regions of a stack must be in one GCS multi-region for dual-region backups (all asia-*, all europe-* or all us-*; the first region is ${regions[0].region})`);
            }
        });
    }
    const zone = dns?.zoneName;
    if (zone && parsed.certificates?.hostnames) {
        parsed.certificates.hostnames.forEach((h, i) => {
            if (h !== zone && !h.endsWith(`.${zone}`)) {
                add(`certificates.hostnames[${i}]`, h, `is outside the DNS zone ${zone}; DNS-01 can only prove names in dns.zoneName (allowed: ${zone} and names ending in .${zone})`);
            }
        });
    }

    // ---- alerting: SMTP AUTH needs both halves
    if (parsed.alerting && (parsed.alerting.smtpUsername === undefined) !== (parsed.alertingSmtpPassword === undefined)) {
        add(parsed.alerting.smtpUsername === undefined ? "alerting.smtpUsername" : "alertingSmtpPassword", undefined,
            "alerting.smtpUsername and the secret alertingSmtpPassword are set together (SMTP AUTH), or neither");
    }

    // ---- observability
    const obs = parsed.observability ?? {};
    const traceSamplingPercent = obs.traceSamplingPercent ?? profile.traceSamplingPercent;
    if (env === "prod" && traceSamplingPercent > 1) add("observability.traceSamplingPercent", traceSamplingPercent, "must be <= 1 in prod (guide: 1 % sampling in production)");

    if (problems.length > 0) throw new ConfigError(problems);

    const ordered = [...regions.filter((r) => r.primary), ...regions.filter((r) => !r.primary)];
    const secretOf = (key: KeyName): pulumi.Output<string> | undefined =>
        parsed[key] === undefined ? undefined : pulumi.secret(parsed[key] as string);
    const hostnames = parsed.certificates!.hostnames ?? [dns!.hostname];

    return {
        stack,
        environment: env,
        profile,
        protect: profile.protect,
        tags: { team: parsed.tags!.team, costCenter: parsed.tags!["cost-center"] },
        regions: ordered,
        primaryRegion: ordered[0],
        gcpProject: parsed.gcpProject,
        kubernetes: { version, adminRoleArn: k8s.adminRoleArn, publicAccessCidrs },
        nodeGroups: awsGroups,
        gcpNodeGroups: gcpGroups,
        natGateways: parsed.natGateways ?? profile.natGateways,
        flowLogsRetentionDays: parsed.flowLogsRetentionDays ?? profile.retention.flowLogsDays,
        mesh: {
            meshId: mesh!.meshId ?? "edtech-mesh",
            serviceCount: mesh!.serviceCount ?? 40,
            mtlsMode,
            outboundTrafficPolicy: mesh!.outboundTrafficPolicy ?? profile.outboundTrafficPolicy,
            jwt: { issuer: mesh!.jwt.issuer, jwksUri: mesh!.jwt.jwksUri, audiences: mesh!.jwt.audiences ?? [] },
            ingressTlsSecretName: mesh!.ingressTlsSecretName ?? "ingress-tls",
            caGenerations,
            readerTokenGeneration: mesh!.readerTokenGeneration ?? "t1",
        },
        dns: {
            provider: dnsProvider,
            zoneId: dns!.zoneId,
            zoneName: dns!.zoneName,
            hostname: dns!.hostname,
            ttlSeconds: dns!.ttlSeconds ?? 60,
            healthCheckIntervalSeconds: dns!.healthCheckIntervalSeconds ?? 10,
            healthCheckFailureThreshold: dns!.healthCheckFailureThreshold ?? 3,
        },
        certificates: {
            acmeEmail: parsed.certificates!.acmeEmail,
            hostnames,
            issuer: parsed.certificates!.issuer ?? (env === "prod" ? "letsencrypt-prod" : "letsencrypt-staging"),
        },
        alerting: {
            pagerRoutingKey: secretOf("alertingPagerKey"),
            chatWebhookUrl: secretOf("alertingChatWebhook"),
            emailTo: parsed.alerting!.emailTo,
            emailFrom: parsed.alerting!.emailFrom,
            smtpSmarthost: parsed.alerting!.smtpSmarthost,
            smtpUsername: parsed.alerting!.smtpUsername,
            smtpPassword: secretOf("alertingSmtpPassword"),
        },
        observability: {
            logLevel: obs.logLevel ?? profile.logLevel,
            traceSamplingPercent,
            metricsRetentionDays: obs.metricsRetentionDays ?? profile.retention.metricsDays,
            logsRetentionDays: obs.logsRetentionDays ?? profile.retention.logsDays,
            tracesRetentionDays: obs.tracesRetentionDays ?? profile.retention.tracesDays,
            prometheusStorageGiB: obs.prometheusStorageGiB ?? profile.storage.prometheusGiB,
            elasticsearchNodes: obs.elasticsearchNodes ?? profile.storage.elasticsearchNodes,
            elasticsearchStorageGiB: obs.elasticsearchStorageGiB ?? profile.storage.elasticsearchGiB,
        },
        backup: {
            retentionDays: parsed.backup?.retentionDays ?? profile.retention.backupsDays,
            examsRpoMinutes: parsed.backup?.examsRpoMinutes ?? 60,
        },
    };
}

/**
 * Whether a config key was set with --secret. The SDK tracks this (it is how `Config.get` warns about
 * secrets read as plain values) but does not declare it in its typings.
 */
const isConfigSecret = (require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean }).isConfigSecret;

/** Read the current stack's config from the Pulumi runtime and validate it. */
export function loadConfig(): PlatformConfig {
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = decodeConfigValue(text);
        if (isConfigSecret(fullKey)) secretKeys.add(key);
    }
    return parseConfig(pulumi.getStack(), raw, secretKeys);
}

/** Pulumi hands every config value over as a string; structured values are JSON. */
export function decodeConfigValue(text: string): unknown {
    const t = text.trim();
    if (t.startsWith("{") || t.startsWith("[") || t === "true" || t === "false" || /^-?\d+(\.\d+)?$/.test(t)) {
        try {
            return JSON.parse(t);
        } catch {
            return text;
        }
    }
    return text;
}

/* ------------------------------------------------------------------ helpers */

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

function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_value":
            return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "unrecognized_keys":
            return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
        case "invalid_type":
            return `must be ${issue.expected}`;
        case "too_small":
            return issue.origin === "array" ? `needs at least ${String(issue.minimum)} item(s)` : `must be >= ${String(issue.minimum)}`;
        case "too_big":
            return issue.origin === "array" ? `takes at most ${String(issue.maximum)} item(s)` : `must be <= ${String(issue.maximum)}`;
        case "invalid_format":
            return `must be ${issue.message.replace(/^Invalid /, "a valid ")}`;
        default:
            return issue.message;
    }
}

export interface ParsedCidr {
    readonly base: number;
    readonly prefix: number;
}

export function parseCidr(s: string): ParsedCidr | undefined {
    const m = CIDR.exec(s);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((base & ~mask) >>> 0 !== 0) return undefined;
    return { base, prefix };
}

export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    if (!x || !y) return false;
    const prefix = Math.min(x.prefix, y.prefix);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return ((x.base & mask) >>> 0) === ((y.base & mask) >>> 0);
}

/** Split a CIDR into 2^bits subnets and return subnet `index`, e.g. subnet("10.0.0.0/16", 4, 3) = 10.0.48.0/20. */
export function subnetCidr(parent: string, newBits: number, index: number): string {
    const p = parseCidr(parent);
    if (!p) throw new Error(`not a CIDR: ${parent}`);
    const prefix = p.prefix + newBits;
    if (prefix > 28 || index >= 2 ** newBits) throw new Error(`cannot carve subnet ${index} of /${prefix} from ${parent}`);
    const base = (p.base + index * 2 ** (32 - prefix)) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join(".")}/${prefix}`;
}
