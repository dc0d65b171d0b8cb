/**
 * The DNS failover component's own arg checks and defaults: each bad arg throws an error that names
 * the component and the arg path (never a stack config key), and the component takes plain args.
 */
import { strict as assert } from "assert";
import { runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig } from "../support/config";
import { DnsFailover, DnsFailoverArgs, FailoverRegion, FailoverRole } from "../../components/dns";

const awsCfg = testConfig();
const gcpCfg = parseConfig("gcptest", validGcpRawConfig());

/** Two AWS regions (singapore primary, tokyo secondary) on Route 53, with `extra` replacing any arg. */
function route53(
    extra: Partial<DnsFailoverArgs> = {},
    roles: readonly (FailoverRole | undefined)[] = ["primary", "secondary"],
): () => DnsFailover {
    return () =>
        new DnsFailover("dns", {
            provider: "route53",
            zoneId: "Z1",
            zoneName: "example.com",
            hostname: "app.example.com",
            regions: ["singapore", "tokyo"].map((n, i): FailoverRegion => ({
                cluster: testCluster(awsCfg, n),
                ingressHostname: `${n}.elb.example`,
                role: roles[i],
            })),
            ...extra,
        });
}

async function refuses(program: () => unknown, expected: RegExp): Promise<void> {
    await assert.rejects(runDeclarations(program), (e: Error) => {
        assert.match(e.message, expected);
        assert.doesNotMatch(
            e.message,
            /mesh-platform:/,
            "a component error names its args, not a stack config key",
        );
        return true;
    });
}

describe("dns: DnsFailover args", () => {
    it("defaults to a 10 s interval and 2 failures, aliases with the fixed 60 s TTL (worst case 102 s)", async () => {
        let dns: DnsFailover | undefined;
        const run = await runDeclarations(() => {
            dns = route53()();
        });
        const hc = run.one("aws:route53/healthCheck:HealthCheck", "dns-singapore-health");
        assert.deepEqual([hc.inputs.requestInterval, hc.inputs.failureThreshold], [10, 2]);
        assert.equal(
            run.one("aws:route53/record:Record", "dns-singapore-record").inputs.ttl,
            undefined,
        );
        assert.equal(dns!.ttlSeconds, 60);
        assert.equal(dns!.worstCaseFailoverSeconds, 2 * (10 + 6) + 10 + 60);
    });

    it("health-checks a region without a role but gives it no record; a lone primary gets a plain record", async () => {
        const run = await runDeclarations(route53({}, ["primary", undefined]));
        assert.deepEqual(
            run
                .ofType("aws:route53/healthCheck:HealthCheck")
                .map((r) => r.name)
                .sort(),
            [
                "dns-singapore-app-health",
                "dns-singapore-calculated-health",
                "dns-singapore-health",
                "dns-tokyo-app-health",
                "dns-tokyo-calculated-health",
                "dns-tokyo-health",
            ],
        );
        const records = run
            .ofType("aws:route53/record:Record")
            .filter((r) => r.inputs.name === "app.example.com");
        assert.deepEqual(
            records.map((r) => [r.name, r.inputs.setIdentifier, r.inputs.failoverRoutingPolicies]),
            [["dns-singapore-record", undefined, undefined]],
        );
    });

    it("refuses no regions, no primary, two primaries and two secondaries, naming args.regions", async () => {
        await refuses(route53({ regions: [] }), /^DnsFailover dns: args\.regions is empty/);
        await refuses(
            route53({}, ["secondary", undefined]),
            /exactly one of args\.regions\[\]\.role must be "primary" \(got none\)/,
        );
        await refuses(
            route53({}, ["primary", "primary"]),
            /exactly one of args\.regions\[\]\.role must be "primary" \(got args\.regions\[0\], args\.regions\[1\]\)/,
        );
        await refuses(
            route53({}, ["secondary", "secondary"]),
            /at most one of args\.regions\[\]\.role may be "secondary" \(got args\.regions\[0\], args\.regions\[1\]\)/,
        );
    });

    it("refuses regions on the other cloud than the provider, naming the region's index", async () => {
        await refuses(
            () =>
                new DnsFailover("dns", {
                    provider: "route53",
                    zoneId: "Z1",
                    zoneName: "example.com",
                    hostname: "app.example.com",
                    regions: [
                        {
                            cluster: testCluster(awsCfg, "singapore"),
                            ingressHostname: "lb",
                            role: "primary",
                        },
                        {
                            cluster: testCluster(gcpCfg, "tokyo"),
                            ingressHostname: "34.2.2.2",
                            role: "secondary",
                        },
                    ],
                }),
            /^DnsFailover dns: args\.regions\[1\]\.cluster\.cloud is gcp \(tokyo\); args\.provider route53 fails over between aws regions/,
        );
        await refuses(
            route53({ provider: "clouddns" }),
            /args\.regions\[0\]\.cluster\.cloud is aws \(singapore\); args\.provider clouddns fails over between gcp regions; args\.regions\[1\]/,
        );
    });

    it("refuses a hostname outside the zone, the apex on Route 53, and bad TTL, interval and threshold", async () => {
        await refuses(
            route53({ hostname: "app.example.org" }),
            /^DnsFailover dns: args\.hostname "app\.example\.org" is not inside args\.zoneName "example\.com"/,
        );
        await refuses(
            route53({ hostname: "example.com" }),
            /args\.hostname "example\.com" is the zone apex; route53 failover records are CNAMEs/,
        );
        await refuses(route53({ zoneId: "" }), /args\.zoneId is empty/);
        await refuses(
            route53({ ttlSeconds: 0 }),
            /args\.ttlSeconds must be a whole number >= 1 \(got 0\)/,
        );
        await refuses(
            route53({ healthCheckIntervalSeconds: 15 }),
            /args\.healthCheckIntervalSeconds 15 is not a Route 53 interval; allowed: 10, 30/,
        );
        await refuses(
            route53({ healthCheckFailureThreshold: 11 }),
            /args\.healthCheckFailureThreshold must be a whole number from 1 to 10 \(got 11\)/,
        );
    });
});
