/**
 * Pinned price table for the monthly cost estimate: USD list prices (Linux, on-demand, no discounts,
 * no free tiers, no data transfer) for the regions the stacks use. Prices change: re-pin the table and
 * its date together when you refresh it from the sources below.
 *
 * Instance prices are stored per size unit of a family (see `sizeUnits`), because within a family AWS
 * and Google price sizes linearly (m6i.xlarge = 2 x m6i.large; n2-standard-4 = 2 x n2-standard-2).
 */

import { REFRESHED } from "./prices.refreshed";

/** Prices read from the providers' price APIs by `npm run prices` (tools/prices.ts). */
export interface RefreshedTable {
    /** YYYY-MM-DD the prices were read. */
    readonly date: string;
    readonly sources: readonly string[];
    /** Per region: USD per size unit-hour by family (as this table stores them) and single prices. */
    readonly regions: Readonly<
        Record<
            string,
            {
                readonly vcpuHour: Readonly<Record<string, number>>;
                readonly natGatewayHour?: number;
                readonly natGb?: number;
                readonly controlPlaneHour?: number;
            }
        >
    >;
}

/** Date of the pinned (hand-written) table below. */
export const PINNED_TABLE_DATE = "2025-06-01";
/**
 * Date of the prices in use: the refresh's when `npm run prices` has written prices.refreshed.ts
 * (its rows override the measured regions below), else the pinned table's.
 */
export const PRICE_TABLE_DATE = REFRESHED ? REFRESHED.date : PINNED_TABLE_DATE;
const PINNED_SOURCES: readonly string[] = [
    "https://aws.amazon.com/ec2/pricing/on-demand/",
    "https://aws.amazon.com/vpc/pricing/ (NAT gateway hour)",
    "https://aws.amazon.com/elasticloadbalancing/pricing/ (Network Load Balancer hour)",
    "https://aws.amazon.com/eks/pricing/ (cluster hour, standard support)",
    "http://aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing (extended support: $0.60 per cluster-hour in total, effective 2024-04-01)",
    "https://aws.amazon.com/ebs/pricing/ (gp3 GB-month)",
    "https://cloud.google.com/compute/vm-instance-pricing",
    "https://cloud.google.com/kubernetes-engine/pricing (cluster management fee)",
    "https://cloud.google.com/nat/pricing",
    "https://cloud.google.com/vpc/network-pricing (forwarding rules)",
    "https://cloud.google.com/compute/disks-image-pricing (pd-balanced GB-month)",
    "https://aws.amazon.com/vpc/pricing/ (NAT data processing per GB; public IPv4 $0.005 per hour)",
    "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer (inter-region)",
    "https://aws.amazon.com/cloudwatch/pricing/ (Logs ingestion, storage)",
    "https://aws.amazon.com/s3/pricing/ (Replication Time Control per GB)",
    "https://aws.amazon.com/elasticloadbalancing/pricing/ (NLCU hour)",
];
export const PRICE_SOURCES: readonly string[] = [
    ...(REFRESHED ? REFRESHED.sources.map((s) => `${s}, read ${REFRESHED!.date}`) : []),
    ...PINNED_SOURCES,
];

/**
 * EKS control plane of a cluster in extended support (`upgradePolicy.supportType: EXTENDED` once its
 * version left standard support): $0.60 per cluster-hour in total ($0.10 standard + $0.50), the same in
 * every commercial region (AWS Containers blog, "Amazon EKS extended support for Kubernetes versions
 * pricing", effective 2024-04-01; read 2026-12-02).
 */
export const EKS_EXTENDED_SUPPORT_HOUR = 0.6;

/**
 * EKS Kubernetes version calendar carried inside the pack (it must not import config/): the first day a
 * minor is no longer in standard support (then billed at the extended rate when the cluster's
 * upgradePolicy.supportType is EXTENDED; with STANDARD, AWS upgrades it). Same dates as
 * config/catalog.ts KUBERNETES_VERSIONS (AWS "Amazon EKS Kubernetes versions" release calendar, via
 * endoflife.date products/amazon-eks.md @ a70eca33, 2026-07-08); tests/policies/cost.test.ts keeps
 * the two equal.
 */
export const EKS_STANDARD_SUPPORT_END: Readonly<Record<string, string>> = {
    "1.32": "2026-03-23",
    "1.33": "2026-07-29",
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
    "1.36": "2027-08-02",
};
export const EKS_CALENDAR_DATE = "2026-07-08";

/** Hours in a billing month as both clouds count it (365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;

/**
 * Spot / Spot VM price as a fraction of on-demand. Spot prices float; 0.4 is a planning figure
 * (the typical 60 % discount both clouds advertise for general-purpose families), not a quote.
 */
export const SPOT_FACTOR = 0.4;

export interface RegionPrices {
    readonly cloud: "aws" | "gcp";
    /** USD per size-unit-hour by family (AWS: `m6i`, per half a large; GCP: `n2-standard`, per vCPU). */
    readonly vcpuHour: Readonly<Record<string, number>>;
    /** Managed control plane, USD per cluster-hour. */
    readonly controlPlaneHour: number;
    /** NAT gateway (AWS) / Cloud NAT gateway (GCP, upper bound of the per-VM charge), USD per hour. */
    readonly natGatewayHour: number;
    /** Network load balancer (AWS NLB) / forwarding rule (GCP), USD per hour. */
    readonly loadBalancerHour: number;
    /** Block storage (gp3 / pd-balanced), USD per GiB-month. */
    readonly storageGiBMonth: number;
    /** Usage prices (see USAGE_PRICES); the traffic they apply to is an assumption of the pack config. */
    readonly usage: UsagePrices;
}

export interface UsagePrices {
    /** NAT gateway (AWS) / Cloud NAT (GCP) data processing, USD per GB. */
    readonly natGb: number;
    /** Data transfer to another region of the same cloud, USD per GB (the sender pays). */
    readonly interRegionGb: number;
    /** A public IPv4 address in use, USD per hour. */
    readonly publicIpv4Hour: number;
    /** Log ingestion (CloudWatch Logs / Cloud Logging), USD per GB. */
    readonly logsIngestGb: number;
    /** Log storage, USD per GB-month. */
    readonly logsStorageGbMonth: number;
    /** S3 Replication Time Control (AWS) / turbo replication (GCP), USD per GB replicated. */
    readonly replicationTimeControlGb: number;
    /** Load balancer capacity unit (AWS NLCU), USD per LCU-hour; 0 where the cloud has none. */
    readonly lbCapacityUnitHour: number;
}

/**
 * Usage prices per region (same date and sources as the rest of the table; `npm run prices` refreshes
 * the AWS and GCP rows from the price APIs into policies/cost/prices.generated.ts when run).
 */
export const USAGE_PRICES: Readonly<Record<string, UsagePrices>> = {
    "ap-southeast-1": {
        natGb: 0.059,
        interRegionGb: 0.09,
        publicIpv4Hour: 0.005,
        logsIngestGb: 0.7,
        logsStorageGbMonth: 0.033,
        replicationTimeControlGb: 0.015,
        lbCapacityUnitHour: 0.006,
    },
    "ap-northeast-1": {
        natGb: 0.062,
        interRegionGb: 0.09,
        publicIpv4Hour: 0.005,
        logsIngestGb: 0.76,
        logsStorageGbMonth: 0.033,
        replicationTimeControlGb: 0.015,
        lbCapacityUnitHour: 0.006,
    },
    aws: {
        natGb: 0.045,
        interRegionGb: 0.02,
        publicIpv4Hour: 0.005,
        logsIngestGb: 0.5,
        logsStorageGbMonth: 0.03,
        replicationTimeControlGb: 0.015,
        lbCapacityUnitHour: 0.006,
    },
    gcp: {
        natGb: 0.045,
        interRegionGb: 0.08,
        publicIpv4Hour: 0.005,
        logsIngestGb: 0.5,
        logsStorageGbMonth: 0.01,
        replicationTimeControlGb: 0.04,
        lbCapacityUnitHour: 0,
    },
};

/** AWS large (2 vCPU) price / 2. */
const aws = (large: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(large).map(([family, price]) => [family, price / 2]));

/** GCP price of the 2-vCPU shape / 2 (t2d: the 1-vCPU shape). */
const gcp = (perTwo: Record<string, number>): Record<string, number> =>
    Object.fromEntries(
        Object.entries(perTwo).map(([family, price]) => [
            family,
            family.startsWith("t2d") ? price : price / 2,
        ]),
    );

/** Regions priced from their own price pages. */
const MEASURED_PRICES: Readonly<Record<string, RegionPrices>> = {
    // Asia Pacific (Singapore)
    "ap-southeast-1": {
        cloud: "aws",
        vcpuHour: aws({
            t3: 0.1056,
            t3a: 0.0944,
            m5: 0.12,
            m6i: 0.12,
            m6a: 0.108,
            m7i: 0.126,
            m6g: 0.096,
            m7g: 0.1008,
            c6i: 0.098,
            c7i: 0.1029,
            c6g: 0.0784,
            r6i: 0.152,
            r7i: 0.1596,
        }),
        controlPlaneHour: 0.1,
        natGatewayHour: 0.059,
        loadBalancerHour: 0.0252,
        storageGiBMonth: 0.096,
        usage: USAGE_PRICES["ap-southeast-1"],
    },
    // Asia Pacific (Tokyo)
    "ap-northeast-1": {
        cloud: "aws",
        vcpuHour: aws({
            t3: 0.1088,
            t3a: 0.0979,
            m5: 0.124,
            m6i: 0.124,
            m6a: 0.1116,
            m7i: 0.1302,
            m6g: 0.099,
            m7g: 0.1047,
            c6i: 0.107,
            c7i: 0.1124,
            c6g: 0.0856,
            r6i: 0.152,
            r7i: 0.1596,
        }),
        controlPlaneHour: 0.1,
        natGatewayHour: 0.062,
        loadBalancerHour: 0.0243,
        storageGiBMonth: 0.096,
        usage: USAGE_PRICES["ap-northeast-1"],
    },
    // Singapore
    "asia-southeast1": {
        cloud: "gcp",
        vcpuHour: gcp({
            "e2-standard": 0.0826,
            "e2-highmem": 0.1115,
            "n2-standard": 0.1195,
            "n2-highmem": 0.1613,
            "n2d-standard": 0.104,
            "n2d-highmem": 0.1403,
            "c3-standard": 0.1285,
            "c3-highmem": 0.1734,
            "t2d-standard": 0.052,
        }),
        controlPlaneHour: 0.1,
        natGatewayHour: 0.044,
        loadBalancerHour: 0.025,
        storageGiBMonth: 0.11,
        usage: USAGE_PRICES.gcp,
    },
    // Tokyo
    "asia-northeast1": {
        cloud: "gcp",
        vcpuHour: gcp({
            "e2-standard": 0.0859,
            "e2-highmem": 0.1159,
            "n2-standard": 0.1245,
            "n2-highmem": 0.168,
            "n2d-standard": 0.1083,
            "n2d-highmem": 0.1461,
            "c3-standard": 0.134,
            "c3-highmem": 0.1807,
            "t2d-standard": 0.0542,
        }),
        controlPlaneHour: 0.1,
        natGatewayHour: 0.044,
        loadBalancerHour: 0.025,
        storageGiBMonth: 0.12,
        usage: USAGE_PRICES.gcp,
    },
};

/**
 * US East (N. Virginia) and Iowa list prices (same sources and date as the table): the base of every
 * region below that was not priced from its own page.
 */
const AWS_BASE: RegionPrices = {
    cloud: "aws",
    vcpuHour: aws({
        t3: 0.0832,
        t3a: 0.0752,
        m5: 0.096,
        m6i: 0.096,
        m6a: 0.0864,
        m7i: 0.1008,
        m6g: 0.077,
        m7g: 0.0816,
        c6i: 0.085,
        c7i: 0.08925,
        c6g: 0.068,
        r6i: 0.126,
        r7i: 0.1323,
    }),
    controlPlaneHour: 0.1,
    natGatewayHour: 0.045,
    loadBalancerHour: 0.0225,
    storageGiBMonth: 0.08,
    usage: USAGE_PRICES.aws,
};
const GCP_BASE: RegionPrices = {
    cloud: "gcp",
    vcpuHour: gcp({
        "e2-standard": 0.067,
        "e2-highmem": 0.0904,
        "n2-standard": 0.0971,
        "n2-highmem": 0.131,
        "n2d-standard": 0.0845,
        "n2d-highmem": 0.114,
        "c3-standard": 0.1044,
        "c3-highmem": 0.1409,
        "t2d-standard": 0.0422,
    }),
    controlPlaneHour: 0.1,
    natGatewayHour: 0.044,
    loadBalancerHour: 0.025,
    storageGiBMonth: 0.1,
    usage: USAGE_PRICES.gcp,
};

/**
 * Regions priced by a planning multiplier over the base region's prices, NOT from their own price pages
 * (not verified: the stored sources of 2026-12-02 have no per-region tables). Each multiplier is the
 * ratio of the region's general-purpose on-demand price to us-east-1 (AWS) or us-central1 (GCP),
 * rounded up to the next 0.05 so the budget check errs on the expensive side; the managed control plane
 * ($0.10 per cluster-hour on both clouds) is the same everywhere and is not multiplied. Replace a row
 * with measured prices (like the four at the top) before relying on its estimate.
 */
export const REGION_MULTIPLIERS: Readonly<Record<"aws" | "gcp", Readonly<Record<string, number>>>> =
    {
        aws: {
            "us-east-1": 1,
            "us-east-2": 1,
            "us-west-2": 1,
            "us-west-1": 1.2,
            "ca-central-1": 1.1,
            "ca-west-1": 1.1,
            "mx-central-1": 1.15,
            "sa-east-1": 1.6,
            "eu-west-1": 1.1,
            "eu-west-2": 1.2,
            "eu-west-3": 1.2,
            "eu-central-1": 1.2,
            "eu-central-2": 1.35,
            "eu-north-1": 1.05,
            "eu-south-1": 1.2,
            "eu-south-2": 1.1,
            "il-central-1": 1.2,
            "me-central-1": 1.25,
            "me-south-1": 1.25,
            "af-south-1": 1.35,
            "ap-south-1": 1.05,
            "ap-south-2": 1.05,
            "ap-east-1": 1.4,
            "ap-east-2": 1.3,
            "ap-northeast-2": 1.25,
            "ap-northeast-3": 1.3,
            "ap-southeast-2": 1.25,
            "ap-southeast-3": 1.25,
            "ap-southeast-4": 1.3,
            "ap-southeast-5": 1.2,
            "ap-southeast-7": 1.2,
        },
        gcp: {
            "us-central1": 1,
            "us-east1": 1,
            "us-east4": 1.15,
            "us-east5": 1.05,
            "us-south1": 1.2,
            "us-west1": 1,
            "us-west2": 1.2,
            "us-west3": 1.2,
            "us-west4": 1.15,
            "northamerica-northeast1": 1.1,
            "northamerica-northeast2": 1.1,
            "northamerica-south1": 1.2,
            "southamerica-east1": 1.6,
            "southamerica-west1": 1.45,
            "europe-west1": 1.1,
            "europe-west2": 1.3,
            "europe-west3": 1.3,
            "europe-west4": 1.1,
            "europe-west6": 1.45,
            "europe-west8": 1.2,
            "europe-west9": 1.2,
            "europe-west10": 1.3,
            "europe-west12": 1.3,
            "europe-central2": 1.3,
            "europe-north1": 1.1,
            "europe-north2": 1.15,
            "europe-southwest1": 1.2,
            "me-central1": 1.3,
            "me-central2": 1.45,
            "me-west1": 1.2,
            "africa-south1": 1.3,
            "asia-east1": 1.15,
            "asia-east2": 1.45,
            "asia-northeast2": 1.3,
            "asia-northeast3": 1.3,
            "asia-south1": 1.2,
            "asia-south2": 1.2,
            "asia-southeast2": 1.3,
            "australia-southeast1": 1.45,
            "australia-southeast2": 1.45,
        },
    };

function scaled(base: RegionPrices, m: number): RegionPrices {
    const r6 = (x: number) => Math.round(x * m * 1e6) / 1e6;
    return {
        cloud: base.cloud,
        vcpuHour: Object.fromEntries(Object.entries(base.vcpuHour).map(([f, p]) => [f, r6(p)])),
        controlPlaneHour: base.controlPlaneHour,
        natGatewayHour: r6(base.natGatewayHour),
        loadBalancerHour: r6(base.loadBalancerHour),
        storageGiBMonth: r6(base.storageGiBMonth),
        usage: base.usage,
    };
}

/** The regions priced by multiplier (see REGION_MULTIPLIERS): an estimate for them is a planning figure. */
export const ESTIMATED_REGIONS: readonly string[] = [
    ...Object.keys(REGION_MULTIPLIERS.aws),
    ...Object.keys(REGION_MULTIPLIERS.gcp),
];

/** Every region's prices: measured where the table has them, else the base region times its multiplier. */
/** A measured row with the refreshed prices of its region laid over it. */
function refreshed(region: string, row: RegionPrices): RegionPrices {
    const r = REFRESHED?.regions[region];
    if (!r) return row;
    return {
        ...row,
        vcpuHour: { ...row.vcpuHour, ...r.vcpuHour },
        natGatewayHour: r.natGatewayHour ?? row.natGatewayHour,
        controlPlaneHour: r.controlPlaneHour ?? row.controlPlaneHour,
        usage: { ...row.usage, natGb: r.natGb ?? row.usage.natGb },
    };
}

export const PRICES: Readonly<Record<string, RegionPrices>> = {
    ...Object.fromEntries(
        (["aws", "gcp"] as const).flatMap((cloud) =>
            Object.entries(REGION_MULTIPLIERS[cloud]).map(([region, m]) => [
                region,
                scaled(cloud === "aws" ? AWS_BASE : GCP_BASE, m),
            ]),
        ),
    ),
    ...Object.fromEntries(
        Object.entries(MEASURED_PRICES).map(([region, row]) => [region, refreshed(region, row)]),
    ),
};

/** Family key of an instance type in the table: `m6i.large` -> `m6i`, `n2-standard-4` -> `n2-standard`. */
export function priceFamily(instanceType: string): string {
    const gcpShape = /^([a-z0-9]+-(?:standard|highmem|highcpu))-\d+$/.exec(instanceType);
    return gcpShape ? gcpShape[1] : instanceType.split(".")[0];
}

/**
 * Price units of an instance type: GCP vCPUs; AWS normalized size (medium 1, large 2, xlarge 4,
 * Nxlarge 4N), which is how AWS scales prices within a family (also for burstable t3, where a medium
 * has 2 vCPUs but costs half a large).
 */
export function sizeUnits(instanceType: string): number | undefined {
    const gcpShape = /^[a-z0-9]+-(?:standard|highmem|highcpu)-(\d+)$/.exec(instanceType);
    if (gcpShape) return Number(gcpShape[1]);
    const m = /^[a-z0-9]+\.(\d*)(nano|micro|small|medium|large|xlarge)$/.exec(instanceType);
    if (!m) return undefined;
    if (m[2] === "xlarge") return 4 * (m[1] ? Number(m[1]) : 1);
    return { nano: 0.0625, micro: 0.125, small: 0.25, medium: 1, large: 2 }[m[2] as "large"];
}

/** On-demand USD per hour of an instance type in a region; undefined when not in the table. */
export function instanceHourly(region: string, instanceType: string): number | undefined {
    const table = PRICES[region];
    const rate = table?.vcpuHour[priceFamily(instanceType)];
    const cpus = sizeUnits(instanceType);
    if (rate === undefined || cpus === undefined) return undefined;
    return Math.round(rate * cpus * 1e6) / 1e6;
}
