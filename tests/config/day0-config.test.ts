/** Config rules of the deployer network and the EKS service CIDR: every bad value exits 2 with its key. */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../support/config";
import { validGcpRawConfig, validRawConfig } from "../support/fixtures";

type Raw = Record<string, unknown>;

function problems(raw: Raw): { key: string; value: unknown; message: string }[] {
    try {
        parseConfig("t", raw);
    } catch (e) {
        if (e instanceof ConfigError) return [...e.problems];
        throw e;
    }
    return [];
}

const withRegions = (raw: Raw, patch: (rs: Raw[]) => void): Raw => {
    const rs = JSON.parse(JSON.stringify(raw.regions)) as Raw[];
    patch(rs);
    return { ...raw, regions: rs };
};
const mgmt = (patch: Raw): Raw => ({
    managementVpc: {
        id: "vpc-0a1b2c3d4e5f60789",
        region: "ap-southeast-1",
        cidr: "10.0.0.0/16",
        ...patch,
    },
});

const CASES: { title: string; raw: Raw; key: string; fragment: RegExp }[] = [
    {
        title: "prod without a deployer",
        raw: (() => {
            const r = validRawConfig();
            delete r.deployer;
            return r;
        })(),
        key: "mesh-platform:deployer",
        fragment: /is required in prod/,
    },
    {
        title: "prod with an empty deployer",
        raw: { ...validRawConfig(), deployer: {} },
        key: "mesh-platform:deployer",
        fragment: /declares no network in prod/,
    },
    {
        title: "a /0 deployer CIDR",
        raw: { ...validRawConfig(), deployer: { cidrs: ["0.0.0.0/0"] } },
        key: "mesh-platform:deployer.cidrs[0]",
        fragment: /must not admit the whole internet; allowed/,
    },
    {
        title: "a management VPC overlapping a region",
        raw: { ...validRawConfig(), deployer: mgmt({ cidr: "10.10.0.0/16" }) },
        key: "mesh-platform:deployer.managementVpc.cidr",
        fragment: /overlaps mesh-platform:regions\[0\]\.vpcCidr/,
    },
    {
        title: "a management VPC in an unknown region",
        raw: { ...validRawConfig(), deployer: mgmt({ region: "ap-moon-1" }) },
        key: "mesh-platform:deployer.managementVpc.region",
        fragment: /is not an AWS region; allowed: af-south-1/,
    },
    {
        title: "a management VPC id that is not one",
        raw: { ...validRawConfig(), deployer: mgmt({ id: "my-vpc" }) },
        key: "mesh-platform:deployer.managementVpc.id",
        fragment: /VPC id/,
    },
    {
        title: "a management VPC on a gcp stack",
        raw: { ...validGcpRawConfig(), deployer: { cidrs: ["198.51.100.0/28"], ...mgmt({}) } },
        key: "mesh-platform:deployer.managementVpc",
        fragment: /no aws region/,
    },
    {
        title: "a gcp stack without deployer CIDRs",
        raw: { ...validGcpRawConfig(), deployer: { cidrs: [] } },
        key: "mesh-platform:deployer.cidrs",
        fragment: /is required on gcp/,
    },
    {
        title: "a service CIDR larger than /12",
        raw: withRegions(validRawConfig(), (rs) => (rs[0].serviceCidr = "172.0.0.0/8")),
        key: "mesh-platform:regions[0].serviceCidr",
        fragment: /between \/12 and \/24/,
    },
    {
        title: "a public service CIDR",
        raw: withRegions(validRawConfig(), (rs) => (rs[0].serviceCidr = "100.64.0.0/16")),
        key: "mesh-platform:regions[0].serviceCidr",
        fragment: /within 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16/,
    },
    {
        title: "a service CIDR overlapping the peer region's VPC",
        raw: withRegions(validRawConfig(), (rs) => (rs[0].serviceCidr = "10.20.0.0/16")),
        key: "mesh-platform:regions[0].serviceCidr",
        fragment: /overlaps mesh-platform:regions\[1\]\.vpcCidr \(10\.20\.0\.0\/16\)/,
    },
    {
        title: "the default service CIDR overlapping the management VPC",
        raw: { ...validRawConfig(), deployer: mgmt({ cidr: "172.20.0.0/16" }) },
        key: "mesh-platform:regions[0].serviceCidr",
        fragment: /overlaps mesh-platform:deployer\.managementVpc\.cidr/,
    },
    {
        title: "a service CIDR on a gcp region",
        raw: withRegions(validGcpRawConfig(), (rs) => (rs[0].serviceCidr = "172.20.0.0/16")),
        key: "mesh-platform:regions[0].serviceCidr",
        fragment: /aws regions only/,
    },
];

describe("config: deployer network and service CIDR", () => {
    it("the fixtures are valid (prod with a management VPC, gcp with CIDRs)", () => {
        assert.deepEqual(problems(validRawConfig()), []);
        assert.deepEqual(problems(validGcpRawConfig()), []);
    });
    for (const c of CASES) {
        it(`refuses ${c.title}, naming the key and the value`, () => {
            const found = problems(c.raw).filter((p) => p.key === c.key);
            assert.ok(
                found.length > 0,
                `no problem for ${c.key}: ${JSON.stringify(problems(c.raw))}`,
            );
            assert.match(found.map((p) => p.message).join(" | "), c.fragment);
        });
    }
    it("resolves the service CIDR to the EKS default for the VPC, or the given one", () => {
        const cfg = parseConfig("t", validRawConfig());
        assert.deepEqual(
            cfg.regions.map((r) => r.serviceCidr),
            ["172.20.0.0/16", "172.20.0.0/16"],
        );
        const nonTen = withRegions(validRawConfig(), (rs) => {
            rs[0].vpcCidr = "192.168.0.0/16";
            rs[1].serviceCidr = "172.21.0.0/16";
        });
        assert.deepEqual(
            parseConfig("t", nonTen).regions.map((r) => r.serviceCidr),
            ["10.100.0.0/16", "172.21.0.0/16"],
        );
        assert.deepEqual(
            parseConfig("t", validRawConfig()).deployer?.managementVpc?.routeTableIds,
            ["rtb-0a1b2c3d4e5f60789"],
        );
    });
});

describe("config: regional hostnames for the Route 53 app health checks", () => {
    const base = validRawConfig();
    const dns = base.dns as { hostname: string; zoneName: string };
    const certs = base.certificates as Raw;

    it("serves <region>.<hostname> by default on Route 53, and not on Cloud DNS", () => {
        const cfg = parseConfig("t", { ...base, certificates: { ...certs, hostnames: undefined } });
        const regions = cfg.regions.map((r) => `${r.name}.${dns.hostname}`);
        assert.deepEqual(cfg.certificates.hostnames, [dns.hostname, ...regions]);
        const gcp = parseConfig("t", validGcpRawConfig());
        assert.ok(gcp.certificates.hostnames.every((h) => !/^(singapore|tokyo)\./.test(h)));
    });

    it("refuses explicit hostnames that leave a regional name out, naming the key and what is missing", () => {
        const found = problems({ ...base, certificates: { ...certs, hostnames: [dns.hostname] } });
        assert.equal(found.length, 1, JSON.stringify(found));
        assert.equal(found[0].key, "mesh-platform:certificates.hostnames");
        assert.match(
            found[0].message,
            new RegExp(`must also list singapore\\.${dns.hostname.replace(/\./g, "\\.")}`),
        );
    });
});
