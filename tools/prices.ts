/**
 * `npm run prices [-- --out <file>] [--timeout-ms <n>]`: refreshes the measured rows of the cost
 * pack's price table from the providers' price APIs and writes them, dated and with their source, to
 * policies/cost/prices.refreshed.ts (which prices.ts overlays on its pinned table):
 *
 * - AWS Price List Query API (`@aws-sdk/client-pricing` GetProducts, endpoint us-east-1, filters
 *   TERM_MATCH on the product attributes): EC2 on-demand Linux shared-tenancy instances (the `large`
 *   size of each family), NAT gateway hours and data processing, EKS cluster hours. Needs AWS
 *   credentials with pricing:GetProducts.
 * - Cloud Billing Catalog API (`GET https://cloudbilling.googleapis.com/v1/services/<id>/skus`, plain
 *   fetch): Compute Engine on-demand core and RAM SKUs per region, priced per vCPU of the `-standard`
 *   shapes (1 vCPU + 4 GiB). Needs an API key in GOOGLE_API_KEY.
 *
 * Every call has a deadline (`--timeout-ms`, default 20 s); SIGINT / SIGTERM abort the calls in flight
 * and exit 130 / 143 without writing. Nothing is written unless every price was found.
 */
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import * as fs from "fs";
import * as path from "path";
import type { RefreshedTable } from "../policies/cost/prices";

/** Regions whose rows are measured (the stacks' regions). */
export const AWS_REGIONS = ["ap-southeast-1", "ap-northeast-1"] as const;
export const GCP_REGIONS = ["asia-southeast1", "asia-northeast1"] as const;
/** Families refreshed from the APIs (the rest of the table stays pinned). */
export const AWS_FAMILIES = ["t3", "m6i", "m6a", "m7i", "c6i", "r6i"] as const;
export const GCP_FAMILIES = ["N2", "E2", "N2D"] as const;

/** Compute Engine's service id in the Cloud Billing Catalog. */
export const COMPUTE_ENGINE_SERVICE = "6F81-5844-456A";

export interface AwsQuery {
    readonly key: string;
    readonly region: string;
    readonly serviceCode: "AmazonEC2" | "AmazonEKS";
    readonly filters: Readonly<Record<string, string>>;
}

/** The Price List usage-type prefix of a region (`APS1-NatGateway-Hours`). */
const USAGE_PREFIX: Readonly<Record<string, string>> = {
    "ap-southeast-1": "APS1",
    "ap-northeast-1": "APN1",
};

export function awsQueries(): AwsQuery[] {
    const out: AwsQuery[] = [];
    for (const region of AWS_REGIONS) {
        for (const family of AWS_FAMILIES)
            out.push({
                key: `${region}/ec2/${family}.large`,
                region,
                serviceCode: "AmazonEC2",
                filters: {
                    regionCode: region,
                    instanceType: `${family}.large`,
                    operatingSystem: "Linux",
                    tenancy: "Shared",
                    preInstalledSw: "NA",
                    capacitystatus: "Used",
                    licenseModel: "No License required",
                },
            });
        const u = USAGE_PREFIX[region];
        out.push(
            {
                key: `${region}/nat/hour`,
                region,
                serviceCode: "AmazonEC2",
                filters: { regionCode: region, usagetype: `${u}-NatGateway-Hours` },
            },
            {
                key: `${region}/nat/gb`,
                region,
                serviceCode: "AmazonEC2",
                filters: { regionCode: region, usagetype: `${u}-NatGateway-Bytes` },
            },
            {
                key: `${region}/eks/hour`,
                region,
                serviceCode: "AmazonEKS",
                filters: { regionCode: region, usagetype: `${u}-AmazonEKS-Hours:perCluster` },
            },
        );
    }
    return out;
}

/**
 * The one on-demand USD price in a GetProducts `PriceList` (each entry a JSON document: `product`,
 * `terms.OnDemand.<sku.offer>.priceDimensions.<rate>.pricePerUnit.USD`). Throws unless the entries
 * agree on exactly one non-zero price (a filter matching several products is a wrong query).
 */
export function onDemandUsd(key: string, priceList: readonly string[]): number {
    const prices = new Set<number>();
    for (const entry of priceList) {
        const doc = JSON.parse(entry) as {
            terms?: {
                OnDemand?: Record<
                    string,
                    { priceDimensions?: Record<string, { pricePerUnit?: { USD?: string } }> }
                >;
            };
        };
        for (const term of Object.values(doc.terms?.OnDemand ?? {}))
            for (const dim of Object.values(term.priceDimensions ?? {})) {
                const usd = Number(dim.pricePerUnit?.USD);
                if (Number.isFinite(usd) && usd > 0) prices.add(usd);
            }
    }
    if (prices.size !== 1)
        throw new Error(
            `${key}: expected one on-demand USD price, found ${prices.size === 0 ? "none" : [...prices].join(", ")}`,
        );
    return [...prices][0];
}

/** A Cloud Billing Catalog SKU (the fields the tool reads; see services.skus.list). */
export interface GcpSku {
    readonly description: string;
    readonly category: { readonly resourceGroup?: string; readonly usageType?: string };
    readonly serviceRegions: readonly string[];
    readonly pricingInfo: readonly {
        readonly pricingExpression: {
            readonly usageUnit: string;
            readonly tieredRates: readonly {
                readonly unitPrice: { readonly units: string; readonly nanos: number };
            }[];
        };
    }[];
}

const money = (m: { units: string; nanos: number }) => Number(m.units) + m.nanos / 1e9;

/**
 * USD per hour of one vCPU of a family's `-standard` shape in a region: the OnDemand "<FAMILY> Instance
 * Core" SKU plus 4 x the "<FAMILY> Instance Ram" SKU (per GiB-hour). Custom, sole-tenant and
 * commitment SKUs are skipped by their usage type and description.
 */
export function gcpStandardVcpuHour(
    skus: readonly GcpSku[],
    family: string,
    region: string,
): number {
    const pick = (what: "Core" | "Ram"): number => {
        const found = skus.filter(
            (s) =>
                s.category.usageType === "OnDemand" &&
                s.serviceRegions.includes(region) &&
                new RegExp(`^${family} (AMD )?Instance ${what} running in `).test(s.description) &&
                !/Custom|Sole Tenancy|Premium/.test(s.description),
        );
        if (found.length !== 1)
            throw new Error(
                `gcp ${region} ${family} ${what}: expected one on-demand SKU, found ${found.length}`,
            );
        const rates = found[0].pricingInfo[0]?.pricingExpression.tieredRates ?? [];
        const rate = rates[rates.length - 1];
        if (!rate) throw new Error(`gcp ${region} ${family} ${what}: SKU has no rate`);
        return money(rate.unitPrice);
    };
    return Math.round((pick("Core") + 4 * pick("Ram")) * 1e6) / 1e6;
}

export interface Fetchers {
    /** GetProducts for one query: the PriceList strings of every page. */
    readonly aws: (q: AwsQuery, signal: AbortSignal) => Promise<string[]>;
    /** Every SKU of a Cloud Billing Catalog service (all pages). */
    readonly gcpSkus: (serviceId: string, signal: AbortSignal) => Promise<GcpSku[]>;
}

/** Read every price and assemble the table; a missing price fails the whole refresh. */
export async function refresh(
    fetchers: Fetchers,
    opts: { date: string; timeoutMs: number; signal?: AbortSignal },
): Promise<RefreshedTable> {
    const deadline = () =>
        opts.signal
            ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
            : AbortSignal.timeout(opts.timeoutMs);
    const regions: Record<
        string,
        {
            vcpuHour: Record<string, number>;
            natGatewayHour?: number;
            natGb?: number;
            controlPlaneHour?: number;
        }
    > = {};
    const row = (r: string) => (regions[r] ??= { vcpuHour: {} });
    for (const q of awsQueries()) {
        const usd = onDemandUsd(q.key, await fetchers.aws(q, deadline()));
        const [, kind, item] = q.key.split("/");
        if (kind === "ec2") row(q.region).vcpuHour[item.split(".")[0]] = usd / 2;
        else if (kind === "nat" && item === "hour") row(q.region).natGatewayHour = usd;
        else if (kind === "nat") row(q.region).natGb = usd;
        else row(q.region).controlPlaneHour = usd;
    }
    const skus = await fetchers.gcpSkus(COMPUTE_ENGINE_SERVICE, deadline());
    for (const region of GCP_REGIONS)
        for (const family of GCP_FAMILIES)
            row(region).vcpuHour[`${family.toLowerCase()}-standard`] = gcpStandardVcpuHour(
                skus,
                family,
                region,
            );
    return {
        date: opts.date,
        sources: [
            "AWS Price List Query API (pricing:GetProducts, us-east-1 endpoint; AmazonEC2, AmazonEKS)",
            `Cloud Billing Catalog API (services/${COMPUTE_ENGINE_SERVICE}/skus, currencyCode USD)`,
        ],
        regions,
    };
}

/** The TypeScript module prices.ts imports (policies/cost/prices.refreshed.ts). */
export function renderModule(table: RefreshedTable | null): string {
    return `/**
 * Written by \`npm run prices\` (tools/prices.ts): measured prices read from the providers' price
 * APIs, overlaid by prices.ts on its pinned table. Do not edit by hand; re-run the tool.
 */
import type { RefreshedTable } from "./prices";

export const REFRESHED: RefreshedTable | null = ${JSON.stringify(table, null, 4)};
`;
}

export interface Endpoints {
    /** Price List Query API endpoint (default: the SDK's us-east-1 endpoint). */
    readonly pricing?: string;
    /** Cloud Billing Catalog API base URL. */
    readonly billing?: string;
}

/** Real fetchers: the Price List API through the SDK, the Billing Catalog through fetch. */
export function liveFetchers(apiKey: string, endpoints: Endpoints = {}): Fetchers {
    const client = new PricingClient({
        region: "us-east-1",
        maxAttempts: 3,
        ...(endpoints.pricing ? { endpoint: endpoints.pricing } : {}),
    });
    const billing = endpoints.billing ?? "https://cloudbilling.googleapis.com";
    return {
        aws: async (q, signal) => {
            const out: string[] = [];
            let token: string | undefined;
            do {
                const page = await client.send(
                    new GetProductsCommand({
                        ServiceCode: q.serviceCode,
                        FormatVersion: "aws_v1",
                        MaxResults: 100,
                        NextToken: token,
                        Filters: Object.entries(q.filters).map(([Field, Value]) => ({
                            Type: "TERM_MATCH",
                            Field,
                            Value,
                        })),
                    }),
                    { abortSignal: signal },
                );
                out.push(...(page.PriceList ?? []));
                token = page.NextToken;
            } while (token);
            return out;
        },
        gcpSkus: async (serviceId, signal) => {
            const out: GcpSku[] = [];
            let token = "";
            do {
                const url = new URL(`${billing}/v1/services/${serviceId}/skus`);
                url.searchParams.set("key", apiKey);
                url.searchParams.set("currencyCode", "USD");
                url.searchParams.set("pageSize", "5000");
                if (token) url.searchParams.set("pageToken", token);
                const res = await fetch(url, { signal });
                if (!res.ok)
                    throw new Error(
                        `Cloud Billing Catalog ${serviceId}: HTTP ${res.status} ${await res.text()}`,
                    );
                const page = (await res.json()) as { skus?: GcpSku[]; nextPageToken?: string };
                out.push(...(page.skus ?? []));
                token = page.nextPageToken ?? "";
            } while (token);
            return out;
        },
    };
}

/** The module as the repository's prettier config formats it (so `format:check` stays clean). */
export async function formatted(source: string, file: string): Promise<string> {
    const prettier = await import("prettier");
    const options = (await prettier.resolveConfig(file)) ?? {};
    return prettier.format(source, { ...options, filepath: file });
}

export const REFRESHED_FILE = path.join(__dirname, "..", "policies", "cost", "prices.refreshed.ts");

async function main(argv: readonly string[]): Promise<void> {
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const out = path.resolve(arg("--out") ?? REFRESHED_FILE);
    const timeoutMs = Number(arg("--timeout-ms") ?? 20000);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
        throw new Error(`--timeout-ms must be a positive integer (got ${arg("--timeout-ms")})`);
    const apiKey = process.env.GOOGLE_API_KEY;
    if (!apiKey)
        throw new Error(
            "GOOGLE_API_KEY is not set: the Cloud Billing Catalog API needs an API key (console: APIs & Services > Credentials)",
        );
    const stop = new AbortController();
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (s: NodeJS.Signals) => {
        signalled = s;
        stop.abort(new Error(`${s}: stopped`));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        const table = await refresh(liveFetchers(apiKey), {
            date: new Date().toISOString().slice(0, 10),
            timeoutMs,
            signal: stop.signal,
        });
        fs.writeFileSync(out, await formatted(renderModule(table), out));
        console.log(`wrote ${path.relative(process.cwd(), out)} (prices of ${table.date})`);
    } catch (e) {
        if (signalled) process.exit(signalled === "SIGINT" ? 130 : 143);
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        console.error(`error: ${(e as Error).message}`);
        process.exit(1);
    });
}
