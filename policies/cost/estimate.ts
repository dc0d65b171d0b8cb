/**
 * Estimated monthly cost of a stack from its declared resources and the pinned price table
 * (policies/cost/prices.ts): instances (node groups and node pools at their minimum, desired and
 * maximum size: EKS scalingConfig min/desired/max, GKE autoscaling totals or per-zone counts times
 * zones, initialNodeCount as desired), managed control planes (EKS extended support by the dated
 * calendar in prices.ts), NAT gateways, load balancers (including the LoadBalancer Services that
 * gateway charts create) with their capacity units, public IPv4 addresses, block storage (node disks,
 * volumes, PVCs, chart volume claims and ECK Elasticsearch data volumes), and the usage charges that
 * are material here, from explicit traffic assumptions (`TrafficAssumptions`, pack config): NAT data
 * processing, data transfer between regions, log ingestion and storage, S3 Replication Time Control.
 *
 * Works on a neutral resource view so the same code serves the CrossGuard stack policy (PolicyResource)
 * and the offline plan (PlanResource).
 *
 * Longer than the house's 400 lines on purpose: one walk over every priced resource type, each case a
 * few lines, kept together so the estimate reads as one price list.
 */
import type { PolicyResource } from "@pulumi/policy";
import { chartName, isGatewayRelease, releaseValues, T } from "../lib/kinds";
import {
    asArray,
    asRecord,
    asString,
    asStringMap,
    display,
    get,
    GIB,
    isKind,
    isObject,
    knownEntries,
    parseBytes,
    Props,
} from "../lib/values";
import {
    EKS_EXTENDED_SUPPORT_HOUR,
    EKS_STANDARD_SUPPORT_END,
    HOURS_PER_MONTH,
    instanceHourly,
    PRICE_SOURCES,
    PRICE_TABLE_DATE,
    PRICES,
    RegionPrices,
    SPOT_FACTOR,
} from "./prices";

export interface CostResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly props: Props;
    /** URN of the resource's provider. */
    readonly provider?: string;
    /** The provider's properties, when known without looking the provider up (CrossGuard gives them). */
    readonly providerProps?: Props;
    readonly dependencies: readonly string[];
}

export type CostCategory =
    | "instances"
    | "control-planes"
    | "nat-gateways"
    | "load-balancers"
    | "storage"
    | "public-ipv4"
    | "data-transfer"
    | "logs"
    | "backup-replication";

export const COST_CATEGORIES: readonly CostCategory[] = [
    "instances",
    "control-planes",
    "nat-gateways",
    "load-balancers",
    "storage",
    "public-ipv4",
    "data-transfer",
    "logs",
    "backup-replication",
];

/**
 * Usage the estimate assumes (monthly, per stack unless said otherwise). Explicit because no plan can
 * know traffic; the cost pack config carries the figures per environment.
 */
export interface TrafficAssumptions {
    /** GB processed by each NAT gateway (AWS) / Cloud NAT gateway (GCP) per month. */
    readonly natGbPerGateway: number;
    /** GB each region sends to the other regions per month (east-west mesh traffic, telemetry). */
    readonly interRegionGbPerRegion: number;
    /** GB ingested into each CloudWatch log group per month (EKS control plane logs, flow logs). */
    readonly logsGbPerLogGroup: number;
    /** GB of backups each replicating bucket copies to its peer region per month. */
    readonly replicatedGbPerBucket: number;
    /** Average load balancer capacity units (NLCU) per load balancer. */
    readonly lcuPerLoadBalancer: number;
    /** Public IPv4 addresses of an internet-facing load balancer (one per subnet / zone). */
    readonly publicIpsPerInternetLoadBalancer: number;
}

export const DEFAULT_TRAFFIC: TrafficAssumptions = {
    natGbPerGateway: 100,
    interRegionGbPerRegion: 200,
    logsGbPerLogGroup: 10,
    replicatedGbPerBucket: 50,
    lcuPerLoadBalancer: 1,
    publicIpsPerInternetLoadBalancer: 3,
};

export interface EstimateOptions {
    readonly traffic?: Partial<TrafficAssumptions>;
    /** The date the EKS calendar is read at (YYYY-MM-DD); default today. */
    readonly asOf?: string;
}

export type Scenario = "min" | "desired" | "max";

export interface CostLine {
    readonly category: CostCategory;
    readonly region: string;
    readonly urn: string;
    readonly description: string;
    /** At desired size. */
    readonly monthlyUsd: number;
    /** Every autoscaled group at its minimum / maximum size. */
    readonly minUsd: number;
    readonly maxUsd: number;
}

export interface CostEstimate {
    readonly currency: "USD";
    /** At desired size (EKS desiredSize, GKE initial node count). */
    readonly totalUsd: number;
    /** Every autoscaled group at its minimum size. */
    readonly minTotalUsd: number;
    /** Worst case: every autoscaled group at its maximum size. */
    readonly maxTotalUsd: number;
    readonly traffic: TrafficAssumptions;
    readonly byRegion: Readonly<Record<string, number>>;
    readonly byCategory: Readonly<Record<CostCategory, number>>;
    readonly lines: readonly CostLine[];
    /** Resources that cost money but could not be priced (region or instance type not in the table). */
    readonly unpriced: readonly { readonly urn: string; readonly reason: string }[];
    readonly priceTableDate: string;
    readonly priceSources: readonly string[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** `asia-southeast1-a` -> `asia-southeast1`; regions pass through. */
function gcpRegion(location: string): string {
    return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location) ? location.slice(0, -2) : location;
}

function isZone(location: string): boolean {
    return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location);
}

const CLUSTER_TYPES: string[] = [T.eksCluster, T.gkeCluster];

/** Resolves the cloud region of any resource: own location, its provider, or (Kubernetes) its cluster. */
function regionResolver(
    resources: readonly CostResource[],
): (r: CostResource) => string | undefined {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const memo = new Map<string, string | undefined>();
    const resolve = (r: CostResource | undefined, depth: number): string | undefined => {
        if (!r || depth > 6) return undefined;
        if (memo.has(r.urn)) return memo.get(r.urn);
        let region: string | undefined;
        if (r.type === "pulumi:providers:aws" || r.type === "pulumi:providers:gcp")
            region = asString(r.props.region);
        if (!region && r.type.startsWith("gcp:")) {
            const loc = asString(r.props.location) ?? asString(r.props.region);
            if (loc) region = gcpRegion(loc);
        }
        if (!region && (r.type.startsWith("aws:") || r.type.startsWith("gcp:")) && r.providerProps)
            region = asString(r.providerProps.region);
        if (!region && r.type === "pulumi:providers:kubernetes") {
            const deps = r.dependencies
                .map((d) => byUrn.get(d))
                .filter((d): d is CostResource => !!d);
            const ordered = [
                ...deps.filter((d) => CLUSTER_TYPES.includes(d.type)),
                ...deps.filter((d) => !CLUSTER_TYPES.includes(d.type)),
            ];
            for (const d of ordered) {
                region = resolve(d, depth + 1);
                if (region) break;
            }
        }
        if (!region && r.provider) region = resolve(byUrn.get(r.provider), depth + 1);
        memo.set(r.urn, region);
        return region;
    };
    return (r) => resolve(r, 0);
}

/** Storage requested by a chart's values: every volumeClaimTemplate and enabled persistence block, times sibling replicas. */
export function chartStorageGiB(values: unknown): number {
    let total = 0;
    const visit = (v: unknown) => {
        if (Array.isArray(v)) return v.forEach(visit);
        if (!isObject(v)) return;
        const replicas = typeof v.replicas === "number" ? v.replicas : 1;
        const vct = asRecord(v.volumeClaimTemplate);
        const claim = parseBytes(
            get(vct, "spec.resources.requests.storage") ?? get(vct, "resources.requests.storage"),
        );
        if (claim !== undefined) total += (claim / GIB) * replicas;
        const storageSpecClaim = parseBytes(
            get(v, "storageSpec.volumeClaimTemplate.spec.resources.requests.storage"),
        );
        if (storageSpecClaim !== undefined) total += (storageSpecClaim / GIB) * replicas;
        const persistence = asRecord(v.persistence);
        if (persistence.enabled === true) {
            const size = parseBytes(persistence.size);
            if (size !== undefined) total += (size / GIB) * replicas;
        }
        for (const [k, child] of knownEntries(v)) {
            if (k === "volumeClaimTemplate" || k === "persistence" || k === "storageSpec") continue;
            visit(child);
        }
    };
    visit(values);
    return total;
}

interface Item {
    readonly category: CostCategory;
    readonly description: string;
    /** USD per month given the region, its prices and the scenario; undefined = cannot price. */
    readonly price: (
        prices: RegionPrices,
        region: string,
        scenario: Scenario,
    ) => number | undefined;
}

interface Counts {
    readonly min: number;
    readonly desired: number;
    readonly max: number;
}

/**
 * Root volume size of a node group: `diskSize` on the group, or (when the group uses a launch template,
 * which AWS requires to carry the disk instead) the template's first block device. The template is
 * found among the group's dependencies, which works both offline and in CrossGuard.
 */
function nodeGroupDiskGiB(r: CostResource, byUrn: ReadonlyMap<string, CostResource>): number {
    if (typeof r.props.diskSize === "number") return r.props.diskSize;
    for (const dep of r.dependencies) {
        const lt = byUrn.get(dep);
        if (lt?.type !== T.launchTemplate) continue;
        const size = Number(get(lt.props, "blockDeviceMappings.0.ebs.volumeSize"));
        if (Number.isFinite(size) && size > 0) return size;
    }
    return EKS_DEFAULT_DISK_GIB;
}

/** EKS managed node groups default to a 20 GiB root volume. */
const EKS_DEFAULT_DISK_GIB = 20;

/** The billable items one resource stands for. */
function itemsOf(
    r: CostResource,
    byUrn: ReadonlyMap<string, CostResource>,
    traffic: TrafficAssumptions,
    asOf: string,
): Item[] {
    const p = r.props;
    const month = (hourly: number) => hourly * HOURS_PER_MONTH;
    switch (r.type) {
        case T.eksCluster: {
            const version = asString(p.version);
            const standardEnd = version ? EKS_STANDARD_SUPPORT_END[version] : undefined;
            const extended =
                asString(get(p, "upgradePolicy.supportType")) === "EXTENDED" &&
                // A version missing from the calendar is priced at the extended rate (errs expensive).
                (standardEnd === undefined || asOf >= standardEnd);
            if (extended)
                return [
                    {
                        category: "control-planes",
                        description: `managed control plane (EKS extended support: ${version ?? "version unset"} left standard support ${standardEnd ?? "(not in the calendar)"})`,
                        price: () => month(EKS_EXTENDED_SUPPORT_HOUR),
                    },
                ];
            return [
                {
                    category: "control-planes",
                    description: "managed control plane",
                    price: (t) => month(t.controlPlaneHour),
                },
            ];
        }
        case T.gkeCluster:
            return [
                {
                    category: "control-planes",
                    description: "managed control plane",
                    price: (t) => month(t.controlPlaneHour),
                },
            ];
        case T.eksNodeGroup: {
            const desired = Number(get(p, "scalingConfig.desiredSize") ?? 0);
            // A desired size outside [min, max] widens the range rather than hiding the cost.
            const counts: Counts = {
                desired,
                min: Math.min(desired, Number(get(p, "scalingConfig.minSize") ?? desired)),
                max: Math.max(desired, Number(get(p, "scalingConfig.maxSize") ?? desired)),
            };
            const type = display(asArray(p.instanceTypes)[0], "t3.medium");
            const spot = asString(p.capacityType) === "SPOT";
            const disk = nodeGroupDiskGiB(r, byUrn);
            return [instanceItem(type, counts, spot), diskItem(disk, counts)];
        }
        case T.gkeNodePool: {
            const location = asString(p.location) ?? "";
            const zones = asArray(p.nodeLocations).length || (isZone(location) ? 1 : 3);
            const num = (v: unknown) => (typeof v === "number" ? v : undefined);
            const fixed = num(p.nodeCount);
            const perZoneMin = num(get(p, "autoscaling.minNodeCount"));
            const perZoneMax = num(get(p, "autoscaling.maxNodeCount"));
            const totalMin = num(get(p, "autoscaling.totalMinNodeCount"));
            const totalMax = num(get(p, "autoscaling.totalMaxNodeCount"));
            // Per-zone counts (nodeCount, initialNodeCount, min/maxNodeCount) apply in every zone.
            const desired = (fixed ?? num(p.initialNodeCount) ?? perZoneMin ?? 0) * zones;
            const counts: Counts =
                fixed !== undefined
                    ? { min: desired, desired, max: desired }
                    : {
                          desired,
                          min:
                              totalMin ?? (perZoneMin !== undefined ? perZoneMin * zones : desired),
                          max:
                              totalMax ?? (perZoneMax !== undefined ? perZoneMax * zones : desired),
                      };
            const type = asString(get(p, "nodeConfig.machineType")) ?? "e2-medium";
            const spot =
                get(p, "nodeConfig.spot") === true || get(p, "nodeConfig.preemptible") === true;
            const disk = Number(get(p, "nodeConfig.diskSizeGb") ?? 100);
            return [instanceItem(type, counts, spot), diskItem(disk, counts)];
        }
        case T.natGateway:
        case T.gcpRouterNat:
            return [
                {
                    category: "nat-gateways",
                    description: "NAT gateway",
                    price: (t) => month(t.natGatewayHour),
                },
                {
                    category: "data-transfer",
                    description: `NAT data processing (${traffic.natGbPerGateway} GB assumed)`,
                    price: (t) => t.usage.natGb * traffic.natGbPerGateway,
                },
            ];
        case T.eip:
            return [publicIpItem("Elastic IP", 1)];
        case T.gcpAddress:
            return (asString(p.addressType) ?? "EXTERNAL") === "EXTERNAL"
                ? [publicIpItem("external IP address", 1)]
                : [];
        case T.logGroup:
            return logItems(
                `log group (${traffic.logsGbPerLogGroup} GB/month assumed)`,
                traffic.logsGbPerLogGroup,
                typeof p.retentionInDays === "number" ? p.retentionInDays : undefined,
            );
        case T.s3Replication: {
            const rtc = asArray(p.rules).some(
                (rule) => get(rule, "destination.replicationTime.status") === "Enabled",
            );
            const gb = traffic.replicatedGbPerBucket;
            const items: Item[] = [
                {
                    category: "data-transfer",
                    description: `cross-region replication transfer (${gb} GB assumed)`,
                    price: (t) => t.usage.interRegionGb * gb,
                },
            ];
            if (rtc)
                items.push({
                    category: "backup-replication",
                    description: `S3 Replication Time Control (${gb} GB assumed)`,
                    price: (t) => t.usage.replicationTimeControlGb * gb,
                });
            return items;
        }
        case T.loadBalancer:
        case T.gcpForwardingRule:
            return loadBalancerItems(
                "load balancer",
                r.type === T.loadBalancer && p.internal !== true,
                traffic,
            );
        case T.service:
            return asString(get(p, "spec.type")) === "LoadBalancer"
                ? loadBalancerItems(
                      "Service type LoadBalancer",
                      !internalService(asStringMap(get(p, "metadata.annotations"))),
                      traffic,
                  )
                : [];
        case T.ebsVolume:
        case T.gcpDisk: {
            const size = Number(p.size ?? 0);
            return [
                {
                    category: "storage",
                    description: `${size} GiB volume`,
                    price: (t) => t.storageGiBMonth * size,
                },
            ];
        }
        case T.pvc: {
            const size = (parseBytes(get(p, "spec.resources.requests.storage")) ?? 0) / GIB;
            return [
                {
                    category: "storage",
                    description: `${size} GiB claim`,
                    price: (t) => t.storageGiBMonth * size,
                },
            ];
        }
        case T.helmRelease: {
            const items: Item[] = [];
            const values = releaseValues(p);
            if (
                isGatewayRelease({ type: r.type, props: p }) &&
                (asString(get(values, "service.type")) ?? "LoadBalancer") === "LoadBalancer"
            ) {
                items.push(
                    ...loadBalancerItems(
                        `${chartName(p)} chart Service type LoadBalancer`,
                        !internalService(asStringMap(get(values, "service.annotations"))),
                        traffic,
                    ),
                );
            }
            const gib = chartStorageGiB(values);
            if (gib > 0)
                items.push({
                    category: "storage",
                    description: `${round2(gib)} GiB volume claims of chart ${chartName(p)}`,
                    price: (t) => t.storageGiBMonth * gib,
                });
            return items;
        }
        default:
            if (isKind(r.type, "elasticsearch.k8s.elastic.co", "Elasticsearch")) {
                // ECK: every node of a nodeSet gets each volume claim template (1Gi when none is given).
                const gib = asArray(get(p, "spec.nodeSets")).reduce<number>((sum, ns) => {
                    const count = Number(get(ns, "count") ?? 1);
                    const claims = asArray(get(ns, "volumeClaimTemplates"));
                    const perNode =
                        claims.length === 0
                            ? 1
                            : claims.reduce<number>(
                                  (s2, c) =>
                                      s2 +
                                      (parseBytes(get(c, "spec.resources.requests.storage")) ?? 0) /
                                          GIB,
                                  0,
                              );
                    return sum + count * perNode;
                }, 0);
                return gib > 0
                    ? [
                          {
                              category: "storage",
                              description: `${gib} GiB Elasticsearch data volumes`,
                              price: (t) => t.storageGiBMonth * gib,
                          },
                      ]
                    : [];
            }
            return [];
    }
}

function instanceItem(type: string, counts: Counts, spot: boolean): Item {
    const range =
        counts.min === counts.max
            ? `${counts.desired}`
            : `${counts.desired} (${counts.min}-${counts.max})`;
    return {
        category: "instances",
        description: `${range} x ${type}${spot ? " (spot)" : ""}`,
        price: (_prices, region, scenario) => {
            const hourly = instanceHourly(region, type);
            return hourly === undefined
                ? undefined
                : hourly * HOURS_PER_MONTH * counts[scenario] * (spot ? SPOT_FACTOR : 1);
        },
    };
}

function diskItem(gib: number, counts: Counts): Item {
    return {
        category: "storage",
        description: `${counts.desired} x ${gib} GiB node disks`,
        price: (t, _region, scenario) => t.storageGiBMonth * gib * counts[scenario],
    };
}

function publicIpItem(what: string, count: number): Item {
    return {
        category: "public-ipv4",
        description: `${count} public IPv4 (${what})`,
        price: (t) => t.usage.publicIpv4Hour * HOURS_PER_MONTH * count,
    };
}

/** Ingestion of `gb` per month and its storage over the retention (a month's worth when unset: never expires). */
function logItems(what: string, gb: number, retentionDays: number | undefined): Item[] {
    const storedGb = gb * ((retentionDays ?? 30) / 30);
    return [
        {
            category: "logs",
            description: `${what}: ingestion`,
            price: (t) => t.usage.logsIngestGb * gb,
        },
        {
            category: "logs",
            description: `${what}: storage (${retentionDays ?? "no"} day retention)`,
            price: (t) => t.usage.logsStorageGbMonth * storedGb,
        },
    ];
}

/** A Service's annotations that make its load balancer internal (AWS LB controller, GKE). */
function internalService(annotations: Record<string, string>): boolean {
    const scheme = annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"];
    if (scheme !== undefined) return scheme === "internal";
    if (annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] === "true")
        return true;
    return /^internal$/i.test(annotations["networking.gke.io/load-balancer-type"] ?? "");
}

function loadBalancerItems(
    what: string,
    internetFacing: boolean,
    traffic: TrafficAssumptions,
): Item[] {
    const hour = (h: number) => h * HOURS_PER_MONTH;
    const items: Item[] = [
        {
            category: "load-balancers",
            description: what,
            price: (t) => hour(t.loadBalancerHour),
        },
        {
            category: "load-balancers",
            description: `${what}: capacity units (${traffic.lcuPerLoadBalancer} assumed)`,
            price: (t) => hour(t.usage.lbCapacityUnitHour) * traffic.lcuPerLoadBalancer,
        },
    ];
    if (internetFacing)
        items.push(
            publicIpItem(`internet-facing ${what}`, traffic.publicIpsPerInternetLoadBalancer),
        );
    return items;
}

/** Data sent from each region to the others (assumption), priced at the sending region's rate. */
function interRegionLines(
    regions: readonly string[],
    traffic: TrafficAssumptions,
): { region: string; usd: number }[] {
    if (regions.length < 2) return [];
    return regions
        .filter((r) => PRICES[r])
        .map((region) => ({
            region,
            usd: PRICES[region].usage.interRegionGb * traffic.interRegionGbPerRegion,
        }));
}

export function estimateCost(
    resources: readonly CostResource[],
    opts: EstimateOptions = {},
): CostEstimate {
    const traffic: TrafficAssumptions = { ...DEFAULT_TRAFFIC, ...(opts.traffic ?? {}) };
    const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
    const regionOf = regionResolver(resources);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const lines: CostLine[] = [];
    const unpriced: { urn: string; reason: string }[] = [];
    const clusterRegions = new Set<string>();
    for (const r of resources) {
        const items = itemsOf(r, byUrn, traffic, asOf);
        if (items.length === 0) continue;
        const region = regionOf(r);
        const prices = region ? PRICES[region] : undefined;
        if (region && CLUSTER_TYPES.includes(r.type)) clusterRegions.add(region);
        for (const item of items) {
            if (!region || !prices) {
                unpriced.push({
                    urn: r.urn,
                    reason: region
                        ? `region ${region} is not in the price table`
                        : "region unknown",
                });
                break; // one entry per resource: every item of it lacks the region's prices
            }
            const usd = item.price(prices, region, "desired");
            if (usd === undefined) {
                unpriced.push({ urn: r.urn, reason: `${item.description}: no price in ${region}` });
                continue;
            }
            const min = item.price(prices, region, "min") ?? usd;
            const max = item.price(prices, region, "max") ?? usd;
            if (usd === 0 && max === 0) continue;
            lines.push({
                category: item.category,
                region,
                urn: r.urn,
                description: item.description,
                monthlyUsd: round2(usd),
                minUsd: round2(min),
                maxUsd: round2(max),
            });
        }
    }
    const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "(stack)";
    for (const { region, usd } of interRegionLines([...clusterRegions].sort(), traffic))
        lines.push({
            category: "data-transfer",
            region,
            urn: stack,
            description: `data transfer to the other regions (${traffic.interRegionGbPerRegion} GB assumed)`,
            monthlyUsd: round2(usd),
            minUsd: round2(usd),
            maxUsd: round2(usd),
        });
    const byRegion: Record<string, number> = {};
    const byCategory = Object.fromEntries(COST_CATEGORIES.map((c) => [c, 0])) as Record<
        CostCategory,
        number
    >;
    for (const l of lines) {
        byRegion[l.region] = round2((byRegion[l.region] ?? 0) + l.monthlyUsd);
        byCategory[l.category] = round2(byCategory[l.category] + l.monthlyUsd);
    }
    const sum = (f: (l: CostLine) => number) => round2(lines.reduce((s, l) => s + f(l), 0));
    return {
        currency: "USD",
        totalUsd: sum((l) => l.monthlyUsd),
        minTotalUsd: sum((l) => l.minUsd),
        maxTotalUsd: sum((l) => l.maxUsd),
        traffic,
        byRegion,
        byCategory,
        lines,
        unpriced,
        priceTableDate: PRICE_TABLE_DATE,
        priceSources: PRICE_SOURCES,
    };
}

/** The neutral view of CrossGuard's stack resources. */
export function fromPolicyResources(resources: readonly PolicyResource[]): CostResource[] {
    return resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: r.props,
        provider: r.provider?.urn,
        providerProps: r.provider?.props,
        dependencies: r.dependencies.map((d) => d.urn),
    }));
}

/** Printable summary, the way the plan shows it. */
export function formatEstimate(stack: string, e: CostEstimate, budgetUsd?: number): string[] {
    const usd = (n: number) => `$${n.toFixed(2)}`;
    const out = [
        `\nEstimated monthly cost of ${stack}: ${usd(e.totalUsd)} at desired size, ${usd(e.minTotalUsd)} at minimum, ${usd(e.maxTotalUsd)} worst case (every autoscaler at its maximum) (list prices of ${e.priceTableDate}, policies/cost/prices.ts)`,
    ];
    for (const [region, total] of Object.entries(e.byRegion).sort())
        out.push(`    ${region.padEnd(16)} ${usd(total)}`);
    for (const [cat, total] of Object.entries(e.byCategory))
        if (total > 0) out.push(`    ${cat.padEnd(16)} ${usd(total)}`);
    if (budgetUsd !== undefined)
        out.push(
            `    budget           ${usd(budgetUsd)} (${e.totalUsd <= budgetUsd ? "within" : "OVER"})`,
        );
    const t = e.traffic;
    out.push(
        `    assumed usage: ${t.natGbPerGateway} GB per NAT gateway, ${t.interRegionGbPerRegion} GB per region to the others, ${t.logsGbPerLogGroup} GB per log group, ${t.replicatedGbPerBucket} GB replicated per bucket, ${t.lcuPerLoadBalancer} LCU per load balancer (monthly-cost-budget.traffic)`,
    );
    for (const u of e.unpriced) out.push(`    not priced: ${u.urn.split("::").pop()}: ${u.reason}`);
    return out;
}
