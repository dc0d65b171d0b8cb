/**
 * Estimated monthly cost of a stack from its declared resources and the pinned price table
 * (policies/cost/prices.ts): instances (node groups and node pools at their desired size), managed
 * control planes, NAT gateways, load balancers (including the LoadBalancer Services that gateway
 * charts create) and block storage (node disks, volumes, PVCs, chart volume claims and ECK
 * Elasticsearch data volumes). Usage-based
 * charges (data transfer, requests, logs ingestion) are out of scope.
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
    "instances" | "control-planes" | "nat-gateways" | "load-balancers" | "storage";

export interface CostLine {
    readonly category: CostCategory;
    readonly region: string;
    readonly urn: string;
    readonly description: string;
    readonly monthlyUsd: number;
}

export interface CostEstimate {
    readonly currency: "USD";
    readonly totalUsd: number;
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
    /** USD per month given the region and its prices; undefined = cannot price. */
    readonly price: (prices: RegionPrices, region: string) => number | undefined;
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
function itemsOf(r: CostResource, byUrn: ReadonlyMap<string, CostResource>): Item[] {
    const p = r.props;
    const month = (hourly: number) => hourly * HOURS_PER_MONTH;
    switch (r.type) {
        case T.eksCluster:
            if (asString(get(p, "upgradePolicy.supportType")) === "EXTENDED")
                // Billed at this rate only once the version leaves standard support; priced as if it had,
                // since the stack opted in to stay on a version past that date.
                return [
                    {
                        category: "control-planes",
                        description: "managed control plane (EKS extended support)",
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
        case T.gkeCluster:
            return [
                {
                    category: "control-planes",
                    description: "managed control plane",
                    price: (t) => month(t.controlPlaneHour),
                },
            ];
        case T.eksNodeGroup: {
            const count = Number(get(p, "scalingConfig.desiredSize") ?? 0);
            const type = display(asArray(p.instanceTypes)[0], "t3.medium");
            const spot = asString(p.capacityType) === "SPOT";
            const disk = nodeGroupDiskGiB(r, byUrn);
            return [
                instanceItem(type, count, spot),
                {
                    category: "storage",
                    description: `${count} x ${disk} GiB node disks`,
                    price: (t) => t.storageGiBMonth * disk * count,
                },
            ];
        }
        case T.gkeNodePool: {
            const location = asString(p.location) ?? "";
            const zones = asArray(p.nodeLocations).length || (isZone(location) ? 1 : 3);
            const perZone = Number(
                p.nodeCount ?? p.initialNodeCount ?? get(p, "autoscaling.minNodeCount") ?? 0,
            );
            const total = get(p, "autoscaling.totalMinNodeCount");
            const count =
                typeof total === "number" && p.nodeCount === undefined ? total : perZone * zones;
            const type = asString(get(p, "nodeConfig.machineType")) ?? "e2-medium";
            const spot =
                get(p, "nodeConfig.spot") === true || get(p, "nodeConfig.preemptible") === true;
            const disk = Number(get(p, "nodeConfig.diskSizeGb") ?? 100);
            return [
                instanceItem(type, count, spot),
                {
                    category: "storage",
                    description: `${count} x ${disk} GiB node disks`,
                    price: (t) => t.storageGiBMonth * disk * count,
                },
            ];
        }
        case T.natGateway:
        case T.gcpRouterNat:
            return [
                {
                    category: "nat-gateways",
                    description: "NAT gateway",
                    price: (t) => month(t.natGatewayHour),
                },
            ];
        case T.loadBalancer:
        case T.gcpForwardingRule:
            return [
                {
                    category: "load-balancers",
                    description: "load balancer",
                    price: (t) => month(t.loadBalancerHour),
                },
            ];
        case T.service:
            return asString(get(p, "spec.type")) === "LoadBalancer"
                ? [
                      {
                          category: "load-balancers",
                          description: "Service type LoadBalancer",
                          price: (t) => month(t.loadBalancerHour),
                      },
                  ]
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
                items.push({
                    category: "load-balancers",
                    description: `${chartName(p)} chart Service type LoadBalancer`,
                    price: (t) => month(t.loadBalancerHour),
                });
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

function instanceItem(type: string, count: number, spot: boolean): Item {
    return {
        category: "instances",
        description: `${count} x ${type}${spot ? " (spot)" : ""}`,
        price: (_prices, region) => {
            const hourly = instanceHourly(region, type);
            return hourly === undefined
                ? undefined
                : hourly * HOURS_PER_MONTH * count * (spot ? SPOT_FACTOR : 1);
        },
    };
}

export function estimateCost(resources: readonly CostResource[]): CostEstimate {
    const regionOf = regionResolver(resources);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const lines: CostLine[] = [];
    const unpriced: { urn: string; reason: string }[] = [];
    for (const r of resources) {
        const items = itemsOf(r, byUrn);
        if (items.length === 0) continue;
        const region = regionOf(r);
        const prices = region ? PRICES[region] : undefined;
        for (const item of items) {
            if (!region || !prices) {
                unpriced.push({
                    urn: r.urn,
                    reason: region
                        ? `region ${region} is not in the price table`
                        : "region unknown",
                });
                continue;
            }
            const usd = item.price(prices, region);
            if (usd === undefined) {
                unpriced.push({ urn: r.urn, reason: `${item.description}: no price in ${region}` });
                continue;
            }
            if (usd === 0) continue;
            lines.push({
                category: item.category,
                region,
                urn: r.urn,
                description: item.description,
                monthlyUsd: round2(usd),
            });
        }
    }
    const byRegion: Record<string, number> = {};
    const byCategory: Record<CostCategory, number> = {
        instances: 0,
        "control-planes": 0,
        "nat-gateways": 0,
        "load-balancers": 0,
        storage: 0,
    };
    for (const l of lines) {
        byRegion[l.region] = round2((byRegion[l.region] ?? 0) + l.monthlyUsd);
        byCategory[l.category] = round2(byCategory[l.category] + l.monthlyUsd);
    }
    const totalUsd = round2(lines.reduce((s, l) => s + l.monthlyUsd, 0));
    return {
        currency: "USD",
        totalUsd,
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
        `\nEstimated monthly cost of ${stack}: ${usd(e.totalUsd)} (list prices of ${e.priceTableDate}, policies/cost/prices.ts)`,
    ];
    for (const [region, total] of Object.entries(e.byRegion).sort())
        out.push(`    ${region.padEnd(16)} ${usd(total)}`);
    for (const [cat, total] of Object.entries(e.byCategory))
        if (total > 0) out.push(`    ${cat.padEnd(16)} ${usd(total)}`);
    if (budgetUsd !== undefined)
        out.push(
            `    budget           ${usd(budgetUsd)} (${e.totalUsd <= budgetUsd ? "within" : "OVER"})`,
        );
    for (const u of e.unpriced) out.push(`    not priced: ${u.urn.split("::").pop()}: ${u.reason}`);
    return out;
}
