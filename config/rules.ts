/**
 * Cross-key rules: everything that needs only config, checked before any resource is declared. One
 * function per concern; each reports through `add`, so the loader lists every problem at once. Keys are
 * named by their position in the stack file (`regions[1]`), which is why rules see regions in file order.
 */
import { cidrsOverlap, parseCidr } from "../lib/cidr";
import type { Cloud } from "../lib/cloud";
import { CLOUDWATCH_RETENTION_DAYS, EKS_ADDON_VERSIONS } from "../components/cluster/versions";
import {
    CLOUD_REGIONS,
    gkeMasterCidr,
    INSTANCE_TYPES,
    isArmInstanceType,
    KUBERNETES_RELEASES,
    KUBERNETES_VERSIONS,
    supportStatus,
} from "./catalog";
import { AddProblem, CONFIG_NAMESPACE } from "./errors";
import type { Environment } from "./profiles";
import {
    caGenerationsOf,
    dnsProviderOf,
    environmentOf,
    flowLogsRetentionOf,
    kubernetesVersionOf,
    mtlsModeOf,
    NODE_GROUP_ROLES,
    resolveNodeGroups,
    resolveRegions,
    traceSamplingOf,
} from "./resolve";
import type { Parsed } from "./schema";
import { resolveDeployer } from "./resolve";
import { eksServiceCidrShapeProblem } from "../components/cluster/service-cidr";
import type { RegionConfig } from "./types";

/** What every rule sees: the keys that parsed, the raw values, and facts derived from them. */
export interface RuleContext {
    readonly parsed: Parsed;
    readonly raw: Readonly<Record<string, unknown>>;
    readonly env: Environment;
    /** Regions in stack-file order. */
    readonly regions: readonly RegionConfig[];
    /** Whether `regions` itself parsed: checks that depend on the clouds in use run only then. */
    readonly regionsKnown: boolean;
    readonly clouds: ReadonlySet<Cloud>;
    /** The day the Kubernetes support windows are checked against (an input, so tests are deterministic). */
    readonly now: Date;
    readonly add: AddProblem;
}

export function ruleContext(
    parsed: Parsed,
    raw: Readonly<Record<string, unknown>>,
    add: AddProblem,
    now: Date = new Date(),
): RuleContext {
    const regions = resolveRegions(parsed);
    return {
        parsed,
        raw,
        env: environmentOf(parsed),
        regions,
        regionsKnown: parsed.regions !== undefined,
        clouds: new Set(regions.map((r) => r.cloud)),
        now,
        add,
    };
}

/** Every rule, in the order their problems are listed. */
export const RULES: readonly ((ctx: RuleContext) => void)[] = [
    regionRules,
    addressRangeRules,
    kubernetesRules,
    nodeGroupRules,
    meshRules,
    dnsRules,
    cloudRules,
    certificateRules,
    alertingRules,
    observabilityRules,
    eksRules,
    gkeRules,
    deployerRules,
    serviceCidrRules,
];

export function checkRules(ctx: RuleContext): void {
    for (const rule of RULES) rule(ctx);
}

/** Region ids, unique names, one primary, per-cloud ranges, VPC sizes. */
export function regionRules({ parsed, raw, add }: RuleContext): void {
    if (!parsed.regions) return;
    const seen = new Map<string, number>();
    const seenCloudRegion = new Map<string, number>();
    const primaries: number[] = [];
    parsed.regions.forEach((r, i) => {
        const allowed = CLOUD_REGIONS[r.cloud];
        if (!allowed.includes(r.region)) {
            add(
                `regions[${i}].region`,
                r.region,
                `is not a ${r.cloud.toUpperCase()} region; allowed: ${allowed.join(", ")}`,
            );
        }
        if (seen.has(r.name))
            add(
                `regions[${i}].name`,
                r.name,
                `duplicates regions[${seen.get(r.name)}].name; region names must be unique`,
            );
        seen.set(r.name, i);
        const cloudRegion = `${r.cloud}:${r.region}`;
        const twin = seenCloudRegion.get(cloudRegion);
        if (twin !== undefined)
            add(
                `regions[${i}].region`,
                r.region,
                `is also regions[${twin}].region; every region of a stack needs its own ${r.cloud.toUpperCase()} region (the provider, backup bucket and replication are per cloud region, and failover needs two); allowed: any ${r.cloud.toUpperCase()} region not yet used by this stack`,
            );
        else seenCloudRegion.set(cloudRegion, i);
        if (r.primary) primaries.push(i);
        if (r.cloud === "gcp" && (!r.podsCidr || !r.servicesCidr)) {
            add(
                `regions[${i}]`,
                { podsCidr: r.podsCidr, servicesCidr: r.servicesCidr },
                "a gcp region needs podsCidr and servicesCidr (GKE secondary ranges)",
            );
        }
        if (r.cloud === "aws" && (r.podsCidr || r.servicesCidr)) {
            add(
                `regions[${i}]`,
                { podsCidr: r.podsCidr, servicesCidr: r.servicesCidr },
                "podsCidr and servicesCidr apply to gcp regions only; EKS pods use VPC addresses",
            );
        }
        const prefix = parseCidr(r.vpcCidr)?.prefix;
        if (prefix !== undefined && (prefix < 16 || prefix > 20)) {
            add(
                `regions[${i}].vpcCidr`,
                r.vpcCidr,
                "prefix must be between /16 and /20 to fit 3 public and 3 private subnets",
            );
        }
    });
    if (primaries.length !== 1) {
        add(
            "regions",
            parsed.regions.map((r) => ({ name: r.name, primary: r.primary ?? false })),
            `exactly one region must have primary: true (found ${primaries.length})`,
        );
    }
    const clouds = new Set(parsed.regions.map((r) => r.cloud));
    if (clouds.has("gcp") && !parsed.gcpProject)
        add("gcpProject", raw.gcpProject, "is required when any region has cloud: gcp");
}

/** No two address ranges may overlap, across regions and within a region (VPC, pods, services). */
export function addressRangeRules({ parsed, add }: RuleContext): void {
    if (!parsed.regions) return;
    const ranges: { key: string; cidr: string }[] = [];
    parsed.regions.forEach((r, i) => {
        ranges.push({ key: `regions[${i}].vpcCidr`, cidr: r.vpcCidr });
        if (r.podsCidr) ranges.push({ key: `regions[${i}].podsCidr`, cidr: r.podsCidr });
        if (r.servicesCidr)
            ranges.push({ key: `regions[${i}].servicesCidr`, cidr: r.servicesCidr });
    });
    for (let a = 0; a < ranges.length; a++) {
        for (let b = a + 1; b < ranges.length; b++) {
            if (cidrsOverlap(ranges[a].cidr, ranges[b].cidr)) {
                add(
                    ranges[b].key,
                    ranges[b].cidr,
                    `overlaps ${CONFIG_NAMESPACE}:${ranges[a].key} (${ranges[a].cidr}); address ranges must not overlap`,
                );
            }
        }
    }
}

/** The day of `now` as YYYY-MM-DD (UTC). */
const dayOf = (now: Date): string => now.toISOString().slice(0, 10);

/**
 * The versions a stack on `clouds` may choose on `now` without extended support: in standard support on
 * every cloud in use, and with verified EKS add-on pins when AWS is in use; each with its end date.
 */
export function standardSupportChoices(clouds: ReadonlySet<Cloud>, now: Date): string[] {
    return KUBERNETES_VERSIONS.filter(
        (v) =>
            (!clouds.has("aws") ||
                (EKS_ADDON_VERSIONS[v] !== undefined &&
                    supportStatus(v, now, "eks") === "standard")) &&
            (!clouds.has("gcp") || supportStatus(v, now, "gke") === "standard"),
    ).map((v) => {
        const r = KUBERNETES_RELEASES[v];
        const ends = [
            ...(clouds.has("aws") ? [`EKS ${r.eksEndOfStandard}`] : []),
            ...(clouds.has("gcp") && r.gkeEndOfStandard ? [`GKE ${r.gkeEndOfStandard}`] : []),
        ];
        return `"${v}" (standard support until ${ends.join(", ")})`;
    });
}

/**
 * The Kubernetes version: known, inside its support window on `now` (EKS: standard support, or extended
 * support when the stack opts in with `kubernetes.supportType: EXTENDED`; GKE: standard support, as the
 * platform uses no GKE Extended channel), plus the API endpoint and admin rules.
 */
export function kubernetesRules({
    parsed,
    raw,
    env,
    clouds,
    regionsKnown,
    now,
    add,
}: RuleContext): void {
    const version = kubernetesVersionOf(parsed);
    const supportType = parsed.kubernetes?.supportType ?? "STANDARD";
    const release = KUBERNETES_RELEASES[version];
    const day = dayOf(now);
    const choices = () => {
        const c = standardSupportChoices(clouds, now);
        return c.length > 0 ? c.join(", ") : "none (update the catalog, config/catalog.ts)";
    };
    if (!release) {
        add(
            "kubernetes.version",
            version,
            `is not a Kubernetes version the platform knows; allowed on ${day}: ${choices()}`,
        );
    } else {
        if (clouds.has("aws") && EKS_ADDON_VERSIONS[version]) {
            const status = supportStatus(version, now, "eks");
            if (status === "ended")
                add(
                    "kubernetes.version",
                    version,
                    `reached the end of EKS extended support on ${release.eksEndOfExtended} (today is ${day}); allowed: ${choices()}`,
                );
            else if (status === "extended" && supportType !== "EXTENDED")
                add(
                    "kubernetes.version",
                    version,
                    `left EKS standard support on ${release.eksEndOfStandard} (today is ${day}); allowed: ${choices()}, or keep ${version} until ${release.eksEndOfExtended} with kubernetes.supportType: EXTENDED (billed as extended support, $0.60 instead of $0.10 per cluster-hour)`,
                );
        }
        if (clouds.has("gcp") && supportStatus(version, now, "gke") !== "standard")
            add(
                "kubernetes.version",
                version,
                release.gkeEndOfStandard
                    ? `left GKE standard support on ${release.gkeEndOfStandard} (today is ${day}); allowed on GKE: ${choices()}`
                    : `has no known GKE end-of-support date in the catalog; allowed on GKE: ${choices()}`,
            );
    }
    if (supportType === "EXTENDED" && regionsKnown && !clouds.has("aws"))
        add(
            "kubernetes.supportType",
            supportType,
            "applies to EKS clusters only and this stack has no aws region; allowed here: STANDARD (or leave it out)",
        );
    const publicAccessCidrs = parsed.kubernetes?.publicAccessCidrs ?? [];
    publicAccessCidrs.forEach((c, i) => {
        if (parseCidr(c)?.prefix === 0)
            add(
                `kubernetes.publicAccessCidrs[${i}]`,
                c,
                "must not open the API to the whole internet; list your office or VPN ranges",
            );
    });
    if (env === "prod" && publicAccessCidrs.length > 0) {
        add(
            "kubernetes.publicAccessCidrs",
            publicAccessCidrs,
            "must be empty in prod: the prod API endpoint is private only",
        );
    }
    // When `kubernetes` itself did not parse, its problem is already listed: do not add a false one.
    const kubernetesBroken = raw.kubernetes !== undefined && parsed.kubernetes === undefined;
    if (clouds.has("aws") && !kubernetesBroken && !parsed.kubernetes?.adminRoleArn)
        add(
            "kubernetes.adminRoleArn",
            undefined,
            "is required for aws regions (the EKS access entry for administrators)",
        );
}

/** Sizes after the profile applies, capacity types per environment, instance types per cloud. */
export function nodeGroupRules({ parsed, env, clouds, add }: RuleContext): void {
    const awsGroups = resolveNodeGroups(parsed, "aws");
    const gcpGroups = resolveNodeGroups(parsed, "gcp");
    for (const role of NODE_GROUP_ROLES) {
        const g = awsGroups[role];
        const key = `nodeGroups.${role}`;
        if (g.minSize > g.maxSize)
            add(`${key}.minSize`, g.minSize, `must be <= ${key}.maxSize (${g.maxSize})`);
        if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) {
            add(
                `${key}.desiredSize`,
                g.desiredSize,
                `must be within [minSize, maxSize] = [${g.minSize}, ${g.maxSize}]`,
            );
        }
        if (role === "system" && g.capacityType === "SPOT")
            add(
                `${key}.capacityType`,
                "SPOT",
                "system nodes run critical add-ons and must be ON_DEMAND",
            );
        if (env === "prod" && role === "workloads" && g.capacityType === "SPOT")
            add(
                `${key}.capacityType`,
                "SPOT",
                "prod workloads must be ON_DEMAND; allowed in prod: ON_DEMAND",
            );
        for (const cloud of clouds) {
            const types = (cloud === "gcp" ? gcpGroups[role] : g).instanceTypes;
            types.forEach((t, i) => {
                if (!INSTANCE_TYPES[cloud].includes(t)) {
                    add(
                        `${key}.instanceTypes[${i}]`,
                        t,
                        `is not a known ${cloud.toUpperCase()} instance type; allowed: ${INSTANCE_TYPES[cloud].join(", ")}`,
                    );
                }
            });
        }
    }
}

export function meshRules({ parsed, env, add }: RuleContext): void {
    const mesh = parsed.mesh;
    const mtlsMode = mtlsModeOf(parsed);
    if (mtlsMode === "PERMISSIVE" && env !== "dev")
        add(
            "mesh.mtlsMode",
            mtlsMode,
            `must be STRICT in ${env}; PERMISSIVE is allowed only in dev`,
        );
    if (mesh?.outboundTrafficPolicy === "ALLOW_ANY" && env === "prod")
        add(
            "mesh.outboundTrafficPolicy",
            mesh.outboundTrafficPolicy,
            "must be REGISTRY_ONLY in prod; ALLOW_ANY is allowed only in dev and staging",
        );
    const caGenerations = caGenerationsOf(parsed);
    if (new Set(caGenerations).size !== caGenerations.length)
        add("mesh.caGenerations", caGenerations, "generations must be unique");
}

export function dnsRules({ parsed, regionsKnown, clouds, add }: RuleContext): void {
    const dns = parsed.dns;
    if (dns && !(dns.hostname === dns.zoneName || dns.hostname.endsWith(`.${dns.zoneName}`))) {
        add("dns.hostname", dns.hostname, `must be inside the zone ${dns.zoneName}`);
    }
    const dnsProvider = dnsProviderOf(parsed);
    if (regionsKnown && dnsProvider === "route53" && !clouds.has("aws"))
        add(
            "dns.provider",
            dnsProvider,
            "route53 needs at least one aws region; allowed here: clouddns",
        );
    if (regionsKnown && dnsProvider === "clouddns" && !clouds.has("gcp"))
        add("dns.provider", dnsProvider, "clouddns needs a gcp region; allowed here: route53");
    if (dns && dnsProvider === "route53" && dns.hostname === dns.zoneName) {
        add(
            "dns.hostname",
            dns.hostname,
            `is the zone apex; route53 failover records are CNAMEs to the load balancers and need a name below the zone, e.g. app.${dns.zoneName}`,
        );
    }
}

/**
 * One cloud per stack: DNS failover, backup replication and cert-manager's DNS-01 identity all stay inside
 * one cloud (a mixed stack would need cross-cloud identities nobody has built yet). GCP regions share one
 * GCS multi-region for the dual-region backup bucket.
 */
export function cloudRules({ parsed, regions, clouds, add }: RuleContext): void {
    if (clouds.size > 1) {
        add(
            "regions",
            parsed.regions!.map((r) => ({ name: r.name, cloud: r.cloud })),
            "all regions of a stack must be on one cloud (aws or gcp): DNS failover, backup replication and DNS-01 challenges do not cross clouds",
        );
    }
    if (clouds.size === 1 && clouds.has("gcp") && regions.length > 1) {
        const continent = (r: string) => /^(asia|europe|us|northamerica)-/.exec(r)?.[1];
        const first = continent(regions[0].region);
        regions.forEach((r, i) => {
            if (!first || continent(r.region) !== first) {
                add(
                    `regions[${i}].region`,
                    r.region,
                    `gcp regions of a stack must be in one GCS multi-region for dual-region backups (all asia-*, all europe-* or all us-*; the first region is ${regions[0].region})`,
                );
            }
        });
    }
}

export function certificateRules({ parsed, add }: RuleContext): void {
    const zone = parsed.dns?.zoneName;
    if (!zone || !parsed.certificates?.hostnames) return;
    parsed.certificates.hostnames.forEach((h, i) => {
        if (h !== zone && !h.endsWith(`.${zone}`)) {
            add(
                `certificates.hostnames[${i}]`,
                h,
                `is outside the DNS zone ${zone}; DNS-01 can only prove names in dns.zoneName (allowed: ${zone} and names ending in .${zone})`,
            );
        }
    });
}

/**
 * Whether a smarthost takes mail only with SMTP AUTH: the Amazon SES SMTP endpoints
 * (`email-smtp.<region>.amazonaws.com`, any port: SES requires SMTP credentials), and any host on the
 * submission ports 587 (STARTTLS) and 465 (implicit TLS), which are authenticated by definition (RFC 6409,
 * RFC 8314).
 */
export function smarthostNeedsAuth(smarthost: string): boolean {
    const [host, port] = [
        smarthost.slice(0, smarthost.lastIndexOf(":")),
        smarthost.split(":").pop(),
    ];
    return (
        /^email-smtp(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/.test(host) ||
        port === "587" ||
        port === "465"
    );
}

/**
 * SMTP AUTH needs both halves, and a smarthost that requires authentication needs them: without, no alert
 * e-mail leaves (and until the pager and chat secrets are set, every alert goes to e-mail).
 */
export function alertingRules({ parsed, add }: RuleContext): void {
    const alerting = parsed.alerting;
    if (!alerting) return;
    const hasUser = alerting.smtpUsername !== undefined;
    const hasPassword = parsed.alertingSmtpPassword !== undefined;
    if (smarthostNeedsAuth(alerting.smtpSmarthost)) {
        const why = `alerting.smtpSmarthost ${alerting.smtpSmarthost} accepts mail only with SMTP AUTH (Amazon SES SMTP endpoints and ports 587/465 always authenticate)`;
        if (!hasUser)
            add(
                "alerting.smtpUsername",
                undefined,
                `is required: ${why}; set it to the SMTP user name (for SES: the SMTP credentials of that SES region) together with the secret alertingSmtpPassword, or use a relay on port 25 that needs no authentication`,
            );
        if (!hasPassword)
            add(
                "alertingSmtpPassword",
                undefined,
                `is required: ${why}; set it with pulumi config set --secret ${CONFIG_NAMESPACE}:alertingSmtpPassword <SMTP password>`,
            );
        return;
    }
    if (hasUser !== hasPassword) {
        add(
            hasUser ? "alertingSmtpPassword" : "alerting.smtpUsername",
            undefined,
            "alerting.smtpUsername and the secret alertingSmtpPassword are set together (SMTP AUTH), or neither",
        );
    }
}

export function observabilityRules({ parsed, env, add }: RuleContext): void {
    const traceSamplingPercent = traceSamplingOf(parsed);
    if (env === "prod" && traceSamplingPercent > 1)
        add(
            "observability.traceSamplingPercent",
            traceSamplingPercent,
            "must be <= 1 in prod (guide: 1 % sampling in production)",
        );
}

/** What an EKS region needs beyond the generic keys: CloudWatch retention values, pinned add-ons, one architecture per node group. */
export function eksRules({ parsed, clouds, add }: RuleContext): void {
    if (!clouds.has("aws")) return;
    const retention = flowLogsRetentionOf(parsed);
    if (!CLOUDWATCH_RETENTION_DAYS.includes(retention)) {
        add(
            "flowLogsRetentionDays",
            retention,
            `is not a CloudWatch Logs retention; allowed: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
        );
    }
    const version = kubernetesVersionOf(parsed);
    if (KUBERNETES_VERSIONS.includes(version) && !EKS_ADDON_VERSIONS[version]) {
        add(
            "kubernetes.version",
            version,
            `has no verified EKS add-on versions (components/cluster/versions.ts); allowed on EKS: ${Object.keys(EKS_ADDON_VERSIONS).join(", ")}`,
        );
    }
    const groups = resolveNodeGroups(parsed, "aws");
    for (const role of NODE_GROUP_ROLES) {
        const arm = groups[role].instanceTypes.map(isArmInstanceType);
        if (arm.some((a) => a !== arm[0])) {
            add(
                `nodeGroups.${role}.instanceTypes`,
                groups[role].instanceTypes,
                "mixes ARM (Graviton, e.g. m7g) and x86 types; one node group takes one architecture",
            );
        }
    }
}

/** GKE: one machine type per node pool, region ranges clear of the control plane ranges. */
export function gkeRules({ parsed, regions, clouds, add }: RuleContext): void {
    if (!clouds.has("gcp")) return;
    const groups = resolveNodeGroups(parsed, "gcp");
    for (const role of NODE_GROUP_ROLES) {
        const types = groups[role].instanceTypes;
        if (types.length !== 1)
            add(
                `nodeGroups.${role}.instanceTypes`,
                types,
                "a GKE node pool takes exactly one machine type",
            );
    }
    const masters = regions.map((_r, j) => gkeMasterCidr(j));
    regions.forEach((r, i) => {
        for (const [field, cidr] of [
            ["vpcCidr", r.vpcCidr],
            ["podsCidr", r.podsCidr],
            ["servicesCidr", r.servicesCidr],
        ] as const) {
            const hit = masters.find((m) => cidr !== undefined && cidrsOverlap(cidr, m));
            if (hit)
                add(
                    `regions[${i}].${field}`,
                    cidr,
                    `overlaps the GKE control plane range ${hit}; use ranges outside 172.16.0.0/24`,
                );
        }
    });
}

/**
 * The deployer network: where `pulumi up` and the CI runners reach the cluster APIs from. Prod must
 * declare it (its APIs are private on EKS and allow-listed on GKE, so an undeclared deployer cannot
 * reach them); no /0; a management VPC must be an AWS VPC in a catalog region, disjoint from every
 * platform range (it is peered with every regional VPC).
 */
export function deployerRules({
    parsed,
    env,
    regions,
    regionsKnown,
    clouds,
    add,
}: RuleContext): void {
    const deployer = resolveDeployer(parsed);
    const mgmt = deployer?.managementVpc;
    if (env === "prod" && !deployer) {
        add(
            "deployer",
            undefined,
            "is required in prod: declare where pulumi up and the CI runners come from, e.g. { cidrs: [10.0.0.0/16], managementVpc: { id: vpc-..., region: ap-southeast-1, cidr: 10.0.0.0/16, routeTableIds: [rtb-...] } } (docs/deploy.md)",
        );
    }
    if (!deployer) return;
    deployer.cidrs.forEach((c, i) => {
        if (parseCidr(c)?.prefix === 0)
            add(
                `deployer.cidrs[${i}]`,
                c,
                "must not admit the whole internet; allowed: the runners' network ranges, /1 to /32",
            );
    });
    if (env === "prod" && deployer.cidrs.length === 0 && !mgmt)
        add(
            "deployer",
            parsed.deployer,
            "declares no network in prod; allowed: cidrs with at least one range, a managementVpc, or both",
        );
    if (regionsKnown && clouds.has("gcp") && !clouds.has("aws") && deployer.cidrs.length === 0)
        add(
            "deployer.cidrs",
            [],
            "is required on gcp: GKE admits the deployer through the master authorized networks (the runners' egress CIDRs); a managementVpc is AWS only",
        );
    if (!mgmt) return;
    if (regionsKnown && !clouds.has("aws"))
        add(
            "deployer.managementVpc",
            mgmt.id,
            "peers an AWS VPC, and this stack has no aws region; allowed on gcp: deployer.cidrs",
        );
    if (!CLOUD_REGIONS.aws.includes(mgmt.region))
        add(
            "deployer.managementVpc.region",
            mgmt.region,
            `is not an AWS region; allowed: ${CLOUD_REGIONS.aws.join(", ")}`,
        );
    if (parseCidr(mgmt.cidr)?.prefix === 0)
        add("deployer.managementVpc.cidr", mgmt.cidr, "must be the VPC's CIDR, not a /0");
    regions.forEach((r, i) => {
        for (const [field, cidr] of [
            ["vpcCidr", r.vpcCidr],
            ["podsCidr", r.podsCidr],
            ["servicesCidr", r.servicesCidr],
        ] as const) {
            if (cidr && cidrsOverlap(cidr, mgmt.cidr))
                add(
                    "deployer.managementVpc.cidr",
                    mgmt.cidr,
                    `overlaps ${CONFIG_NAMESPACE}:regions[${i}].${field} (${cidr}); a peered VPC needs a disjoint range`,
                );
        }
    });
}

/**
 * EKS service CIDRs: the EKS range rules, and no overlap with any routed range (every region's VPC,
 * pods and services ranges, the deployer network): the VPCs are peered, so a service range that
 * overlaps a peer's addresses makes that peer unreachable from the pods. Service ranges of different
 * clusters may overlap each other (they are never routed). Changing one on a live cluster replaces it.
 */
export function serviceCidrRules({ parsed, regions, add }: RuleContext): void {
    if (!parsed.regions) return;
    const deployer = resolveDeployer(parsed);
    const routed: { key: string; cidr: string }[] = [];
    parsed.regions.forEach((r, i) => {
        routed.push({ key: `regions[${i}].vpcCidr`, cidr: r.vpcCidr });
        if (r.podsCidr) routed.push({ key: `regions[${i}].podsCidr`, cidr: r.podsCidr });
        if (r.servicesCidr)
            routed.push({ key: `regions[${i}].servicesCidr`, cidr: r.servicesCidr });
    });
    deployer?.cidrs.forEach((c, j) => routed.push({ key: `deployer.cidrs[${j}]`, cidr: c }));
    if (deployer?.managementVpc)
        routed.push({ key: "deployer.managementVpc.cidr", cidr: deployer.managementVpc.cidr });
    parsed.regions.forEach((r, i) => {
        if (r.cloud === "gcp" && r.serviceCidr !== undefined) {
            add(
                `regions[${i}].serviceCidr`,
                r.serviceCidr,
                "applies to aws regions only; a gcp region's service range is servicesCidr (the GKE secondary range)",
            );
            return;
        }
        const cidr = regions[i]?.serviceCidr;
        if (r.cloud !== "aws" || !cidr) return;
        const explicit = r.serviceCidr !== undefined;
        const key = `regions[${i}].serviceCidr`;
        const shape = eksServiceCidrShapeProblem(cidr);
        if (shape) {
            add(key, cidr, shape);
            return;
        }
        for (const other of routed) {
            if (
                cidrsOverlap(cidr, other.cidr) &&
                !(/^deployer\.cidrs/.test(other.key) && parseCidr(other.cidr)?.prefix === 0)
            )
                add(
                    key,
                    explicit ? cidr : `${cidr} (the EKS default for this VPC)`,
                    `overlaps ${CONFIG_NAMESPACE}:${other.key} (${other.cidr}); the service range must not overlap any VPC, pods, services or deployer range (set regions[${i}].serviceCidr to a free range within ${"10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"}, /12 to /24; on a live cluster a change replaces it)`,
                );
        }
    });
}
