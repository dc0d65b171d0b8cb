/**
 * Config rules for the clusters: Kubernetes versions against their support windows, node groups, and what
 * EKS or GKE alone needs.
 */
import { cidrsOverlap, parseCidr } from "../lib/cidr";
import type { Cloud } from "../lib/cloud";
import { CLOUDWATCH_RETENTION_DAYS, EKS_ADDON_VERSIONS } from "../components/cluster/versions";
import {
    gkeMasterCidr,
    INSTANCE_TYPES,
    isArmInstanceType,
    KUBERNETES_RELEASES,
    KUBERNETES_VERSIONS,
    supportStatus,
} from "./catalog";
import {
    flowLogsRetentionOf,
    kubernetesVersionOf,
    NODE_GROUP_ROLES,
    resolveNodeGroups,
} from "./resolve";
import type { RuleContext } from "./rule-context";

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
