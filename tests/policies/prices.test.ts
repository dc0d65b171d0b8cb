/**
 * `npm run prices` (tools/prices.ts) on recorded API responses (tests/fixtures/prices: shaped from the
 * AWS Price List Query API and Cloud Billing Catalog API references), served by a local HTTP server
 * that speaks both protocols: the real SDK client and fetch code run, pagination included, and a
 * server that never answers trips the deadline.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import {
    awsQueries,
    formatted,
    gcpStandardVcpuHour,
    GcpSku,
    liveFetchers,
    onDemandUsd,
    refresh,
    renderModule,
} from "../../tools/prices";

const FIXTURES = path.join(__dirname, "..", "fixtures", "prices");
const aws = JSON.parse(fs.readFileSync(path.join(FIXTURES, "aws-getproducts.json"), "utf8"))
    .responses as Record<string, { PriceList: string[]; NextToken?: string }[]>;
const gcp = JSON.parse(fs.readFileSync(path.join(FIXTURES, "gcp-compute-skus.json"), "utf8"))
    .pages as { skus: GcpSku[]; nextPageToken: string }[];

interface Seen {
    targets: string[];
    billing: string[];
}

/** Local stand-in for pricing.us-east-1.amazonaws.com (awsJson1_1) and cloudbilling.googleapis.com. */
function serve(
    opts: { hang?: boolean } = {},
): Promise<{ url: string; seen: Seen; close: () => void }> {
    const seen: Seen = { targets: [], billing: [] };
    const server = http.createServer((req, res) => {
        if (opts.hang) return; // never answers: the caller's deadline must fire
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            if (req.method === "POST") {
                seen.targets.push(String(req.headers["x-amz-target"]));
                const input = JSON.parse(body) as {
                    ServiceCode: string;
                    Filters: { Field: string; Value: string }[];
                    NextToken?: string;
                };
                const q = awsQueries().find(
                    (x) =>
                        x.serviceCode === input.ServiceCode &&
                        Object.entries(x.filters).every(([k, v]) =>
                            input.Filters.some((f) => f.Field === k && f.Value === v),
                        ),
                );
                const pages = q ? aws[q.key] : undefined;
                res.setHeader("content-type", "application/x-amz-json-1.1");
                if (!pages) {
                    res.statusCode = 400;
                    return res.end(
                        JSON.stringify({
                            __type: "InvalidParameterException",
                            message: "no such query",
                        }),
                    );
                }
                const page = pages[input.NextToken ? 1 : 0];
                return res.end(JSON.stringify({ FormatVersion: "aws_v1", ...page }));
            }
            const url = new URL(req.url ?? "/", "http://x");
            seen.billing.push(
                `${url.pathname}?currencyCode=${url.searchParams.get("currencyCode")}&pageToken=${url.searchParams.get("pageToken") ?? ""}&key=${url.searchParams.get("key")}`,
            );
            const page = url.searchParams.get("pageToken") ? gcp[1] : gcp[0];
            res.setHeader("content-type", "application/json");
            return res.end(JSON.stringify(page));
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            resolve({
                url: `http://127.0.0.1:${port}`,
                seen,
                close: () => {
                    server.closeAllConnections();
                    server.close();
                },
            });
        }),
    );
}

describe("tools/prices: refreshing the price table from the price APIs", function () {
    this.timeout(60000);
    const saved = { ...process.env };
    before(() => {
        process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
        process.env.AWS_SECRET_ACCESS_KEY = "example-secret";
        delete process.env.AWS_PROFILE;
    });
    after(() => {
        process.env = saved;
    });

    it("reads the one on-demand price of a product and rejects ambiguous filters", () => {
        assert.strictEqual(
            onDemandUsd("m6i", aws["ap-southeast-1/ec2/m6i.large"][0].PriceList),
            0.12,
        );
        const both = [
            ...aws["ap-southeast-1/ec2/m6i.large"][0].PriceList,
            ...aws["ap-southeast-1/ec2/c6i.large"][0].PriceList,
        ];
        assert.throws(
            () => onDemandUsd("both", both),
            /expected one on-demand USD price, found 0.12, 0.098/,
        );
        assert.throws(() => onDemandUsd("none", []), /found none/);
    });

    it("prices a -standard vCPU from the on-demand core and RAM SKUs only", () => {
        const skus = [...gcp[0].skus, ...gcp[1].skus];
        // 0.038418 + 4 x 0.005148 (spot, custom and commitment SKUs ignored)
        assert.strictEqual(gcpStandardVcpuHour(skus, "N2", "asia-southeast1"), 0.05901);
        assert.strictEqual(gcpStandardVcpuHour(skus, "N2D", "asia-northeast1"), 0.053478);
        assert.throws(
            () => gcpStandardVcpuHour(skus, "C3", "asia-southeast1"),
            /expected one on-demand SKU, found 0/,
        );
    });

    it("queries both APIs through the real clients, follows pages and writes a dated module", async () => {
        const srv = await serve();
        try {
            const table = await refresh(
                liveFetchers("test-key", { pricing: srv.url, billing: srv.url }),
                { date: "2026-12-02", timeoutMs: 10000 },
            );
            assert.strictEqual(table.date, "2026-12-02");
            assert.match(
                table.sources.join("\n"),
                /Price List Query API[\s\S]*Cloud Billing Catalog/,
            );
            assert.deepStrictEqual(table.regions["ap-southeast-1"], {
                vcpuHour: { t3: 0.0528, m6i: 0.06, m6a: 0.054, m7i: 0.063, c6i: 0.049, r6i: 0.076 },
                natGatewayHour: 0.059,
                natGb: 0.059,
                controlPlaneHour: 0.1,
            });
            assert.deepStrictEqual(table.regions["asia-northeast1"].vcpuHour, {
                "n2-standard": 0.061474,
                "e2-standard": 0.042426,
                "n2d-standard": 0.053478,
            });
            // 24 GetProducts calls + 2 second pages (EKS), 2 catalog pages
            assert.strictEqual(srv.seen.targets.length, awsQueries().length + 2);
            assert.ok(srv.seen.targets.every((t) => t === "AWSPriceListService.GetProducts"));
            assert.deepStrictEqual(srv.seen.billing, [
                "/v1/services/6F81-5844-456A/skus?currencyCode=USD&pageToken=&key=test-key",
                "/v1/services/6F81-5844-456A/skus?currencyCode=USD&pageToken=CiQ3NDI5OC0wMDAw&key=test-key",
            ]);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-"));
            const file = path.join(dir, "prices.refreshed.ts");
            const text = await formatted(renderModule(table), file);
            assert.match(text, /export const REFRESHED: RefreshedTable \| null = \{/);
            assert.match(text, /date: "2026-12-02"/);
            fs.rmSync(dir, { recursive: true, force: true });
        } finally {
            srv.close();
        }
    });

    it("gives up at the deadline when an API does not answer", async () => {
        const srv = await serve({ hang: true });
        try {
            const started = Date.now();
            await assert.rejects(
                refresh(liveFetchers("k", { pricing: srv.url, billing: srv.url }), {
                    date: "2026-12-02",
                    timeoutMs: 300,
                }),
                /abort|timeout/i,
            );
            assert.ok(Date.now() - started < 5000, "the deadline, not a socket timeout, ended it");
        } finally {
            srv.close();
        }
    });
});
