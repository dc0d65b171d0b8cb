import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RecordedRun, runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig, PlatformConfig } from "../support/config";
import { DnsFailover, DnsFailoverArgs, worstCaseFailoverSeconds } from "../../components/dns";

type Values = Record<string, any>;
const LB = (region: string) => `${region}-ingress.elb.amazonaws.com`;
const IP: Record<string, string> = { singapore: "34.1.1.1", tokyo: "34.2.2.2" };

/** The args a stack's config maps to (as platform/dns.ts does), with `extra` replacing any of them. */
function declare(
    cfg: PlatformConfig,
    ingress: (region: string) => string,
    extra: Partial<DnsFailoverArgs> = {},
): () => DnsFailover {
    return () =>
        new DnsFailover("dns", {
            provider: cfg.dns.provider,
            zoneId: cfg.dns.zoneId,
            zoneName: cfg.dns.zoneName,
            hostname: cfg.dns.hostname,
            ttlSeconds: cfg.dns.ttlSeconds,
            healthCheckIntervalSeconds: cfg.dns.healthCheckIntervalSeconds,
            healthCheckFailureThreshold: cfg.dns.healthCheckFailureThreshold,
            regions: cfg.regions.map((r, i) => ({
                cluster: testCluster(cfg, r.name),
                ingressHostname: pulumi.output(ingress(r.name)),
                role: i === 0 ? "primary" : "secondary",
            })),
            ...extra,
        });
}

describe("dns: Route 53 failover (AWS)", () => {
    let run: RecordedRun;
    let dns: DnsFailover;
    const cfg = testConfig();

    before(async () => {
        run = await runDeclarations(() => {
            dns = declare(cfg, LB)();
        });
    });

    it("health-checks each region's ingress gateway readiness and leaves the inverted flag to the drill", () => {
        for (const region of ["singapore", "tokyo"]) {
            const hc = run.one("aws:route53/healthCheck:HealthCheck", `dns-${region}-health`);
            assert.deepEqual(
                [
                    hc.inputs.type,
                    hc.inputs.fqdn,
                    hc.inputs.port,
                    hc.inputs.resourcePath,
                    hc.inputs.requestInterval,
                    hc.inputs.failureThreshold,
                ],
                ["HTTP", LB(region), 15021, "/healthz/ready", 10, 3],
            );
            assert.equal(hc.inputs.invertHealthcheck, undefined);
            assert.deepEqual(hc.ignoreChanges, ["invertHealthcheck"]);
            assert.equal(run.providerOf(hc)?.name, "singapore-aws");
            assert.equal((hc.inputs.tags as Values).Name, `app.example.com-${region}`);
            assert.equal((hc.inputs.tags as Values).region, region);
        }
    });

    it("creates PRIMARY and SECONDARY alias records to the NLBs with evaluateTargetHealth, bound to the calculated checks", () => {
        for (const [region, role] of [
            ["singapore", "PRIMARY"],
            ["tokyo", "SECONDARY"],
        ]) {
            const rec = run.one("aws:route53/record:Record", `dns-${region}-record`);
            const hc = run.one(
                "aws:route53/healthCheck:HealthCheck",
                `dns-${region}-calculated-health`,
            );
            const gw = run.one("aws:route53/healthCheck:HealthCheck", `dns-${region}-health`);
            const app = run.one("aws:route53/healthCheck:HealthCheck", `dns-${region}-app-health`);
            assert.deepEqual(hc.inputs.childHealthchecks, [gw.id, app.id]);
            assert.equal(hc.inputs.childHealthThreshold, 2);
            assert.deepEqual(
                [app.inputs.type, app.inputs.fqdn, app.inputs.enableSni, app.inputs.resourcePath],
                ["HTTPS", `${region}.app.example.com`, true, "/smoke/status/200"],
            );
            assert.deepEqual(rec.inputs, {
                zoneId: "Z0123456789EXAMPLE",
                name: "app.example.com",
                type: "A",
                aliases: [
                    {
                        name: LB(region),
                        zoneId: region === "singapore" ? "ZKVM4W9LS7TM" : "Z31USIVHYNEOWT",
                        evaluateTargetHealth: true,
                    },
                ],
                setIdentifier: region,
                failoverRoutingPolicies: [{ type: role }],
                healthCheckId: hc.id,
            });
        }
        // two failover records and the two regional names
        assert.equal(run.ofType("aws:route53/record:Record").length, 4);
    });

    it("computes the worst case as threshold x (interval + 6 s) + 10 s + TTL (Route 53 docs)", () => {
        assert.equal(dns.worstCaseFailoverSeconds, 3 * 16 + 10 + 60);
        assert.equal(worstCaseFailoverSeconds(10, 2, 60), 102);
        assert.equal(worstCaseFailoverSeconds(30, 3, 60, "clouddns"), 165);
    });

    it("refuses a hostname at the zone apex, naming the arg", async () => {
        const raw = { dns: { zoneId: "Z1", zoneName: "example.com", hostname: "example.com" } };
        // The loader rejects this first; the component keeps its own check for args built in code.
        assert.throws(
            () => testConfig(raw),
            /mesh-platform:dns\.hostname: is the zone apex; route53 failover records are CNAMEs/,
        );
        const apex: PlatformConfig = {
            ...cfg,
            dns: { ...cfg.dns, zoneId: "Z1", zoneName: "example.com", hostname: "example.com" },
        };
        await assert.rejects(
            runDeclarations(declare(apex, LB)),
            /DnsFailover dns: args\.hostname "example\.com" is the zone apex/,
        );
    });
});

describe("dns: Cloud DNS failover (GCP)", () => {
    let run: RecordedRun;
    let dns: DnsFailover;
    const cfg = parseConfig("gcptest", validGcpRawConfig());

    before(async () => {
        run = await runDeclarations(() => {
            dns = declare(cfg, (r) => IP[r])();
        });
    });

    it("declares a primary-backup A record health-checked from three source regions", () => {
        const hc = run.one("gcp:compute/healthCheck:HealthCheck", "dns-health");
        // gcpProject left out: the primary region's cluster project
        assert.equal(hc.inputs.project, "edtech-platform-prod");
        assert.deepEqual(hc.inputs.httpHealthCheck, { port: 15021, requestPath: "/healthz/ready" });
        assert.equal(hc.inputs.checkIntervalSec, 30);
        assert.equal(hc.inputs.unhealthyThreshold, 3);
        assert.deepEqual(hc.inputs.sourceRegions, [
            "asia-southeast1",
            "asia-northeast1",
            "asia-east1",
        ]);
        const rec = run.one("gcp:dns/recordSet:RecordSet", "dns-record");
        assert.equal(rec.inputs.managedZone, "example-com");
        assert.equal(rec.inputs.name, "app.example.com.");
        assert.equal(rec.inputs.type, "A");
        assert.equal(rec.inputs.ttl, 60);
        assert.deepEqual(rec.inputs.routingPolicy, {
            healthCheck: hc.id,
            primaryBackup: {
                primary: { externalEndpoints: ["34.1.1.1"] },
                backupGeos: [
                    {
                        location: "asia-northeast1",
                        healthCheckedTargets: { externalEndpoints: ["34.2.2.2"] },
                    },
                ],
                trickleRatio: 0,
            },
        });
        assert.equal(run.providerOf(rec)?.name, "singapore-gcp");
    });

    it("reports the raised 30 s interval in the worst case", () => {
        assert.equal(dns.intervalSeconds, 30);
        assert.equal(dns.worstCaseFailoverSeconds, 3 * (30 + 5) + 60);
    });
});
