/**
 * Config rules for regions and address ranges: region ids, names, one primary, one cloud, the deployer
 * network and the EKS service ranges, none overlapping another.
 */
import { cidrsOverlap, parseCidr } from "../lib/cidr";
import { CLOUD_REGIONS } from "./catalog";
import { CONFIG_NAMESPACE } from "./errors";
import { resolveDeployer } from "./resolve";
import { eksServiceCidrShapeProblem } from "../components/cluster/service-cidr";
import type { RuleContext } from "./rule-context";

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
