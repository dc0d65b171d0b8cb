import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../support/config";
import { cidrsOverlap, parseCidr, subnetCidr } from "../../lib/cidr";
import { PROFILES } from "../../config/profiles";
import { validRawConfig, validGcpRawConfig } from "../support/fixtures";
import { runStack } from "../harness";
import type { RecordedResource } from "../harness";

type Raw = Record<string, unknown>;
const base = validRawConfig;
const regionsWith = (patch: (rs: Raw[]) => void): Raw[] => {
    const rs = JSON.parse(JSON.stringify(base().regions)) as Raw[];
    patch(rs);
    return rs;
};
const mesh = (patch: Raw): Raw => ({ ...(base().mesh as Raw), ...patch });

interface BadCase {
    readonly title: string;
    readonly raw: Raw;
    /** Every problem expected: the full key and a fragment of the message (what is allowed). */
    readonly expect: readonly { key: string; fragment: string; value?: string }[];
}

const BAD: BadCase[] = [
    {
        title: "missing environment",
        raw: (() => {
            const r = base();
            delete r.environment;
            return r;
        })(),
        expect: [{ key: "mesh-platform:environment", fragment: "is required" }],
    },
    {
        title: "unknown environment",
        raw: { ...base(), environment: "production" },
        expect: [
            {
                key: "mesh-platform:environment",
                fragment: 'must be one of "dev", "staging", "prod"',
                value: '"production"',
            },
        ],
    },
    {
        title: "missing tags",
        raw: (() => {
            const r = base();
            delete r.tags;
            return r;
        })(),
        expect: [{ key: "mesh-platform:tags", fragment: "is required" }],
    },
    {
        title: "missing cost-center tag",
        raw: { ...base(), tags: { team: "platform" } },
        expect: [{ key: "mesh-platform:tags.cost-center", fragment: "must be string" }],
    },
    {
        title: "upper-case team tag",
        raw: { ...base(), tags: { team: "Platform", "cost-center": "x" } },
        expect: [{ key: "mesh-platform:tags.team", fragment: "lower-case", value: '"Platform"' }],
    },
    {
        title: "no regions",
        raw: { ...base(), regions: [] },
        expect: [{ key: "mesh-platform:regions", fragment: "at least 1" }],
    },
    {
        title: "unknown cloud",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[1].cloud = "azure";
            }),
        },
        expect: [
            { key: "mesh-platform:regions[1].cloud", fragment: '"aws", "gcp"', value: '"azure"' },
        ],
    },
    {
        title: "region not of that cloud",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[1].region = "asia-northeast1";
            }),
        },
        expect: [
            {
                key: "mesh-platform:regions[1].region",
                fragment: "is not a AWS region; allowed: af-south-1",
                value: '"asia-northeast1"',
            },
        ],
    },
    {
        title: "duplicate region names",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[1].name = "singapore";
            }),
        },
        expect: [{ key: "mesh-platform:regions[1].name", fragment: "must be unique" }],
    },
    {
        title: "two primaries",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[1].primary = true;
            }),
        },
        expect: [
            {
                key: "mesh-platform:regions",
                fragment: "exactly one region must have primary: true (found 2)",
            },
        ],
    },
    {
        title: "no primary",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                delete rs[0].primary;
            }),
        },
        expect: [{ key: "mesh-platform:regions", fragment: "(found 0)" }],
    },
    {
        title: "overlapping VPC CIDRs",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[1].vpcCidr = "10.10.128.0/17";
            }),
        },
        expect: [
            {
                key: "mesh-platform:regions[1].vpcCidr",
                fragment: "overlaps mesh-platform:regions[0].vpcCidr (10.10.0.0/16)",
            },
        ],
    },
    {
        title: "malformed CIDR",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[0].vpcCidr = "10.10.0.1/16";
            }),
        },
        expect: [
            {
                key: "mesh-platform:regions[0].vpcCidr",
                fragment: "host bits zero",
                value: '"10.10.0.1/16"',
            },
        ],
    },
    {
        title: "VPC too small",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[0].vpcCidr = "10.10.0.0/24";
            }),
        },
        expect: [{ key: "mesh-platform:regions[0].vpcCidr", fragment: "between /16 and /20" }],
    },
    {
        title: "unknown region field",
        raw: {
            ...base(),
            regions: regionsWith((rs) => {
                rs[0].zone = "a";
            }),
        },
        expect: [{ key: "mesh-platform:regions[0]", fragment: "unknown field zone" }],
    },
    {
        title: "unknown top-level key",
        raw: { ...base(), meshh: {} },
        expect: [
            {
                key: "mesh-platform:meshh",
                fragment: "unknown key (did you mean mesh?); allowed keys: environment",
            },
        ],
    },
    {
        title: "unsupported kubernetes version",
        raw: {
            ...base(),
            kubernetes: { version: "1.25", adminRoleArn: "arn:aws:iam::111122223333:role/a" },
        },
        expect: [
            {
                key: "mesh-platform:kubernetes.version",
                fragment: "is not a Kubernetes version the platform knows; allowed on 2026-",
                value: '"1.25"',
            },
        ],
    },
    {
        title: "public API open to the world",
        raw: {
            ...base(),
            environment: "staging",
            kubernetes: {
                adminRoleArn: "arn:aws:iam::111122223333:role/a",
                publicAccessCidrs: ["0.0.0.0/0"],
            },
        },
        expect: [
            { key: "mesh-platform:kubernetes.publicAccessCidrs[0]", fragment: "whole internet" },
        ],
    },
    {
        title: "public API in prod",
        raw: {
            ...base(),
            kubernetes: {
                adminRoleArn: "arn:aws:iam::111122223333:role/a",
                publicAccessCidrs: ["203.0.113.0/24"],
            },
        },
        expect: [
            {
                key: "mesh-platform:kubernetes.publicAccessCidrs",
                fragment: "must be empty in prod",
            },
        ],
    },
    {
        title: "missing admin role on AWS",
        raw: { ...base(), kubernetes: {} },
        expect: [
            {
                key: "mesh-platform:kubernetes.adminRoleArn",
                fragment: "is required for aws regions",
            },
        ],
    },
    {
        title: "node group min > max",
        raw: { ...base(), nodeGroups: { workloads: { minSize: 5, maxSize: 2, desiredSize: 3 } } },
        expect: [
            {
                key: "mesh-platform:nodeGroups.workloads.minSize",
                fragment: "must be <= nodeGroups.workloads.maxSize (2)",
            },
            {
                key: "mesh-platform:nodeGroups.workloads.desiredSize",
                fragment: "within [minSize, maxSize] = [5, 2]",
            },
        ],
    },
    {
        title: "desired outside range",
        raw: { ...base(), nodeGroups: { system: { desiredSize: 9 } } },
        expect: [
            {
                key: "mesh-platform:nodeGroups.system.desiredSize",
                fragment: "within [minSize, maxSize] = [3, 6]",
                value: "9",
            },
        ],
    },
    {
        title: "unknown instance type",
        raw: { ...base(), nodeGroups: { workloads: { instanceTypes: ["m6i.huge"] } } },
        expect: [
            {
                key: "mesh-platform:nodeGroups.workloads.instanceTypes[0]",
                fragment: "is not a known AWS instance type; allowed: t3.medium",
                value: '"m6i.huge"',
            },
        ],
    },
    {
        title: "GCP machine type on AWS",
        raw: { ...base(), nodeGroups: { system: { instanceTypes: ["n2-standard-4"] } } },
        expect: [
            {
                key: "mesh-platform:nodeGroups.system.instanceTypes[0]",
                fragment: "AWS instance type",
            },
        ],
    },
    {
        title: "spot workloads in prod",
        raw: { ...base(), nodeGroups: { workloads: { capacityType: "SPOT" } } },
        expect: [
            {
                key: "mesh-platform:nodeGroups.workloads.capacityType",
                fragment: "allowed in prod: ON_DEMAND",
            },
        ],
    },
    {
        title: "PERMISSIVE mTLS in prod",
        raw: { ...base(), mesh: mesh({ mtlsMode: "PERMISSIVE" }) },
        expect: [
            { key: "mesh-platform:mesh.mtlsMode", fragment: "PERMISSIVE is allowed only in dev" },
        ],
    },
    {
        title: "open egress in prod",
        raw: { ...base(), mesh: mesh({ outboundTrafficPolicy: "ALLOW_ANY" }) },
        expect: [
            {
                key: "mesh-platform:mesh.outboundTrafficPolicy",
                fragment: "must be REGISTRY_ONLY in prod",
                value: '"ALLOW_ANY"',
            },
        ],
    },
    {
        title: "JWKS over http",
        raw: {
            ...base(),
            mesh: mesh({
                jwt: { issuer: "https://a.example.com/", jwksUri: "http://a.example.com/jwks" },
            }),
        },
        expect: [{ key: "mesh-platform:mesh.jwt.jwksUri", fragment: "https://" }],
    },
    {
        title: "hostname outside the zone",
        raw: {
            ...base(),
            dns: { zoneId: "Z1", zoneName: "example.com", hostname: "app.example.org" },
        },
        expect: [{ key: "mesh-platform:dns.hostname", fragment: "inside the zone example.com" }],
    },
    {
        title: "TTL above 60 s",
        raw: {
            ...base(),
            dns: {
                zoneId: "Z1",
                zoneName: "example.com",
                hostname: "app.example.com",
                ttlSeconds: 300,
            },
        },
        expect: [{ key: "mesh-platform:dns.ttlSeconds", fragment: "must be <= 60", value: "300" }],
    },
    {
        title: "bad acme email",
        raw: { ...base(), certificates: { acmeEmail: "nobody" } },
        expect: [{ key: "mesh-platform:certificates.acmeEmail", fragment: "email" }],
    },
    {
        title: "prod sampling above 1 %",
        raw: { ...base(), observability: { traceSamplingPercent: 10 } },
        expect: [
            {
                key: "mesh-platform:observability.traceSamplingPercent",
                fragment: "must be <= 1 in prod",
            },
        ],
    },
    {
        title: "gcp region without project",
        raw: (() => {
            const r = validGcpRawConfig();
            delete r.gcpProject;
            return r;
        })(),
        expect: [
            {
                key: "mesh-platform:gcpProject",
                fragment: "is required when any region has cloud: gcp",
            },
        ],
    },
    {
        title: "gcp region without secondary ranges",
        raw: (() => {
            const r = validGcpRawConfig();
            (r.regions as Raw[])[1].podsCidr = undefined;
            return r;
        })(),
        expect: [{ key: "mesh-platform:regions[1]", fragment: "needs podsCidr and servicesCidr" }],
    },
    {
        title: "route53 on an all-gcp stack",
        raw: {
            ...validGcpRawConfig(),
            dns: {
                provider: "route53",
                zoneId: "Z1",
                zoneName: "example.com",
                hostname: "app.example.com",
            },
        },
        expect: [{ key: "mesh-platform:dns.provider", fragment: "allowed here: clouddns" }],
    },
    {
        title: "SMTP user without its password",
        raw: { ...base(), alerting: { ...(base().alerting as Raw), smtpUsername: "AKIASMTPUSER" } },
        expect: [
            {
                key: "mesh-platform:alertingSmtpPassword",
                fragment: "set together (SMTP AUTH), or neither",
            },
        ],
    },
    {
        title: "reader token generation with capitals",
        raw: { ...base(), mesh: mesh({ readerTokenGeneration: "T2" }) },
        expect: [
            {
                key: "mesh-platform:mesh.readerTokenGeneration",
                fragment: "short lower-case ids like t2",
                value: '"T2"',
            },
        ],
    },
    {
        title: "regions on two clouds",
        raw: (() => {
            const r = validGcpRawConfig();
            (r.regions as Raw[])[1] = {
                name: "tokyo",
                cloud: "aws",
                region: "ap-northeast-1",
                vpcCidr: "10.20.0.0/16",
            };
            r.kubernetes = { adminRoleArn: "arn:aws:iam::111122223333:role/a" };
            return r;
        })(),
        expect: [
            {
                key: "mesh-platform:regions",
                fragment: "all regions of a stack must be on one cloud",
            },
        ],
    },
    {
        title: "failover hostname at the zone apex",
        raw: { ...base(), dns: { zoneId: "Z1", zoneName: "example.com", hostname: "example.com" } },
        expect: [{ key: "mesh-platform:dns.hostname", fragment: "is the zone apex" }],
    },
    {
        title: "gcp regions on two continents",
        raw: (() => {
            const r = validGcpRawConfig();
            (r.regions as Raw[])[1].region = "europe-west1";
            return r;
        })(),
        expect: [
            {
                key: "mesh-platform:regions[1].region",
                fragment: "one GCS multi-region",
                value: '"europe-west1"',
            },
        ],
    },
    {
        title: "certificate hostname outside the zone",
        raw: {
            ...base(),
            certificates: {
                acmeEmail: "platform@example.com",
                hostnames: [
                    "app.example.com",
                    "singapore.app.example.com",
                    "tokyo.app.example.com",
                    "learn.example.org",
                ],
            },
        },
        expect: [
            {
                key: "mesh-platform:certificates.hostnames[3]",
                fragment: "outside the DNS zone example.com",
                value: '"learn.example.org"',
            },
        ],
    },
    {
        title: "secret given in plain text",
        raw: { ...base(), alertingPagerKey: "0123456789abcdef" },
        expect: [
            {
                key: "mesh-platform:alertingPagerKey",
                fragment: "pulumi config set --secret",
                value: '"[redacted]"',
            },
        ],
    },
];

describe("stack config validation", () => {
    it("has a table of at least 20 bad configs", () => {
        assert.ok(BAD.length >= 20, `only ${BAD.length} cases`);
    });

    for (const c of BAD) {
        it(`rejects ${c.title}, naming the key, the value and what is allowed`, () => {
            let error: unknown;
            try {
                parseConfig("test", c.raw);
            } catch (e) {
                error = e;
            }
            assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
            for (const want of c.expect) {
                const match = error.problems.find(
                    (p) => p.key === want.key && p.message.includes(want.fragment),
                );
                assert.ok(
                    match,
                    `no problem for ${want.key} containing "${want.fragment}"; got:\n${error.message}`,
                );
                if (want.value !== undefined)
                    assert.ok(
                        error.message.includes(`(got ${want.value})`),
                        `value ${want.value} not shown in:\n${error.message}`,
                    );
            }
            assert.equal(
                error.problems.length,
                c.expect.length,
                `unexpected extra problems:\n${error.message}`,
            );
        });
    }

    it("declares nothing when the config is bad, whichever area's check rejects it", async () => {
        const cases: Raw[] = [
            { ...base(), environment: "qa" },
            { ...base(), dns: { zoneId: "Z1", zoneName: "example.com", hostname: "example.com" } },
            { ...base(), nodeGroups: { system: { instanceTypes: ["m6i.large", "m6g.large"] } } }, // the clusters area's own check
        ];
        for (const raw of cases) {
            const error = await runStack("bad", raw).then(
                () => undefined,
                (e: unknown) => e,
            );
            assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
            const recorded = (error as unknown as { recorded: RecordedResource[] }).recorded;
            assert.deepEqual(
                recorded
                    .filter((r) => r.type !== "pulumi:pulumi:Stack")
                    .map((r) => `${r.type} ${r.name}`),
                [],
                "resources were declared before the config was rejected",
            );
        }
    });

    it("reports every problem at once", () => {
        const raw = {
            ...base(),
            environment: "qa",
            dns: { zoneId: "Z1", zoneName: "example.com", hostname: "x.example.org" },
            regions: regionsWith((rs) => {
                rs[1].vpcCidr = rs[0].vpcCidr;
                rs[1].region = "mars-1";
            }),
        };
        try {
            parseConfig("test", raw);
            assert.fail("accepted a config with four problems");
        } catch (e) {
            const keys = (e as ConfigError).problems.map((p) => p.key).sort();
            assert.deepEqual(keys, [
                "mesh-platform:dns.hostname",
                "mesh-platform:environment",
                "mesh-platform:regions[1].region",
                "mesh-platform:regions[1].vpcCidr",
            ]);
        }
    });

    it("never echoes a secret value", () => {
        try {
            parseConfig(
                "test",
                { ...base(), alertingChatWebhook: "http://hooks.example.com/T000/SECRETVALUE" },
                new Set(["alertingChatWebhook"]),
            );
            assert.fail("accepted an http webhook");
        } catch (e) {
            assert.ok(!(e as Error).message.includes("SECRETVALUE"), (e as Error).message);
            assert.ok((e as Error).message.includes("mesh-platform:alertingChatWebhook"));
        }
    });
});

describe("profile resolution", () => {
    it("applies the environment profile and lets the stack override it", () => {
        for (const env of ["dev", "staging", "prod"] as const) {
            const cfg = parseConfig("t", {
                ...base(),
                environment: env,
                kubernetes: { adminRoleArn: "arn:aws:iam::111122223333:role/a" },
            });
            assert.equal(cfg.observability.logLevel, PROFILES[env].logLevel);
            assert.equal(
                cfg.observability.traceSamplingPercent,
                PROFILES[env].traceSamplingPercent,
            );
            assert.equal(
                cfg.nodeGroups.workloads.capacityType,
                PROFILES[env].nodeGroups.workloads.capacityType,
            );
            assert.equal(cfg.protect, env === "prod");
        }
        const dev = parseConfig("t", {
            ...base(),
            environment: "dev",
            observability: { logLevel: "INFO", traceSamplingPercent: 25 },
            mesh: mesh({ mtlsMode: "PERMISSIVE" }),
        });
        assert.equal(dev.observability.logLevel, "INFO");
        assert.equal(dev.observability.traceSamplingPercent, 25);
        assert.equal(dev.mesh.mtlsMode, "PERMISSIVE");
    });

    it("orders the primary region first and resolves GCP machine types for GCP regions", () => {
        const cfg = parseConfig("t", {
            ...base(),
            regions: regionsWith((rs) => {
                rs.reverse();
            }),
        });
        assert.deepEqual(
            cfg.regions.map((r) => r.name),
            ["singapore", "tokyo"],
        );
        assert.equal(cfg.primaryRegion.name, "singapore");
        const gcp = parseConfig("t", validGcpRawConfig());
        assert.deepEqual(gcp.gcpNodeGroups?.workloads.instanceTypes, ["n2-standard-4"]);
        assert.equal(gcp.dns.provider, "clouddns");
    });
});

describe("CIDR helpers", () => {
    it("parses, overlaps and carves subnets", () => {
        assert.deepEqual(parseCidr("10.10.0.0/16"), {
            base: ((10 << 24) >>> 0) + (10 << 16),
            prefix: 16,
        });
        assert.equal(parseCidr("10.10.0.0/33"), undefined);
        assert.equal(cidrsOverlap("10.0.0.0/16", "10.0.255.0/24"), true);
        assert.equal(cidrsOverlap("10.0.0.0/16", "10.1.0.0/16"), false);
        assert.equal(subnetCidr("10.10.0.0/16", 4, 3), "10.10.48.0/20");
        assert.equal(subnetCidr("10.70.0.0/20", 3, 7), "10.70.14.0/23");
        assert.throws(() => subnetCidr("10.10.0.0/16", 2, 4), /cannot carve/);
    });
});
