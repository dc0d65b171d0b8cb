import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../support/config";
import { eksClusterName, gkeMasterCidr } from "../../config/catalog";
import { eksAmiType } from "../../components/cluster/eks";
import { runStack } from "../harness";
import { validGcpRawConfig, validRawConfig } from "../support/fixtures";

type Raw = Record<string, unknown>;
interface Row {
    readonly title: string;
    readonly raw: Raw;
    readonly key: string;
    readonly fragment: string;
    readonly value?: string;
}

const aws = validRawConfig;
const gcp = validGcpRawConfig;
const gcpRegions = (patch: (rs: Raw[]) => void): Raw[] => {
    const rs = JSON.parse(JSON.stringify(gcp().regions)) as Raw[];
    patch(rs);
    return rs;
};

/** Cluster config the loader rejects (config/schema.ts and config/rules.ts). */
const LOADER_ROWS: Row[] = [
    {
        title: "system min > max",
        raw: { ...aws(), nodeGroups: { system: { minSize: 4, maxSize: 3, desiredSize: 3 } } },
        key: "mesh-platform:nodeGroups.system.minSize",
        fragment: "must be <= nodeGroups.system.maxSize (3)",
        value: "4",
    },
    {
        title: "workloads desired below min",
        raw: { ...aws(), nodeGroups: { workloads: { desiredSize: 1 } } },
        key: "mesh-platform:nodeGroups.workloads.desiredSize",
        fragment: "within [minSize, maxSize] = [3, 12]",
        value: "1",
    },
    {
        title: "workloads desired above max",
        raw: { ...aws(), nodeGroups: { workloads: { desiredSize: 13 } } },
        key: "mesh-platform:nodeGroups.workloads.desiredSize",
        fragment: "within [minSize, maxSize] = [3, 12]",
        value: "13",
    },
    {
        title: "unknown AWS size",
        raw: { ...aws(), nodeGroups: { system: { instanceTypes: ["m6i.medium"] } } },
        key: "mesh-platform:nodeGroups.system.instanceTypes[0]",
        fragment: "is not a known AWS instance type",
        value: '"m6i.medium"',
    },
    {
        title: "AWS type on a GCP stack",
        raw: { ...gcp(), nodeGroups: { workloads: { instanceTypes: ["m6i.large"] } } },
        key: "mesh-platform:nodeGroups.workloads.instanceTypes[0]",
        fragment: "is not a known GCP instance type; allowed: e2-standard-2",
        value: '"m6i.large"',
    },
    {
        title: "Kubernetes version too old",
        raw: {
            ...aws(),
            kubernetes: { version: "1.30", adminRoleArn: "arn:aws:iam::111122223333:role/a" },
        },
        key: "mesh-platform:kubernetes.version",
        fragment: "is not a Kubernetes version the platform knows",
        value: '"1.30"',
    },
    {
        title: "Kubernetes version not a minor",
        raw: {
            ...aws(),
            kubernetes: { version: "1.33.2", adminRoleArn: "arn:aws:iam::111122223333:role/a" },
        },
        key: "mesh-platform:kubernetes.version",
        fragment: "is not a Kubernetes version the platform knows",
        value: '"1.33.2"',
    },
    {
        title: "spot system nodes",
        raw: { ...aws(), environment: "staging", nodeGroups: { system: { capacityType: "SPOT" } } },
        key: "mesh-platform:nodeGroups.system.capacityType",
        fragment: "must be ON_DEMAND",
        value: '"SPOT"',
    },
];

/** Cluster config that only EKS or GKE cannot build: rejected by the loader too (config/rules.ts eksRules, gkeRules). */
const AREA_ROWS: Row[] = [
    {
        title: "flow log retention CloudWatch does not offer",
        raw: { ...aws(), flowLogsRetentionDays: 10 },
        key: "mesh-platform:flowLogsRetentionDays",
        fragment: "is not a CloudWatch Logs retention; allowed: 1, 3, 5, 7, 14, 30",
        value: "10",
    },
    {
        title: "ARM and x86 in one node group",
        raw: {
            ...aws(),
            nodeGroups: { workloads: { instanceTypes: ["m6i.xlarge", "m7g.xlarge"] } },
        },
        key: "mesh-platform:nodeGroups.workloads.instanceTypes",
        fragment: "mixes ARM (Graviton, e.g. m7g) and x86 types",
        value: '["m6i.xlarge","m7g.xlarge"]',
    },
    {
        title: "two machine types for a GKE pool",
        raw: {
            ...gcp(),
            nodeGroups: { workloads: { instanceTypes: ["n2-standard-4", "n2d-standard-4"] } },
        },
        key: "mesh-platform:nodeGroups.workloads.instanceTypes",
        fragment: "a GKE node pool takes exactly one machine type",
    },
    {
        title: "GKE range on the control plane range",
        raw: {
            ...gcp(),
            regions: gcpRegions((rs) => {
                rs[1].servicesCidr = "172.16.0.0/20";
            }),
        },
        key: "mesh-platform:regions[1].servicesCidr",
        fragment: "overlaps the GKE control plane range 172.16.0.0/28",
        value: '"172.16.0.0/20"',
    },
];

function problemsOf(fn: () => void): ConfigError {
    try {
        fn();
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    assert.fail("expected a ConfigError");
}

describe("clusters: config validation", () => {
    for (const row of LOADER_ROWS) {
        it(`loader rejects: ${row.title}`, () => {
            const err = problemsOf(() => parseConfig("t", row.raw));
            const p = err.problems.find((x) => x.key === row.key);
            assert.ok(
                p,
                `no problem for ${row.key}; got ${err.problems.map((x) => x.key).join(", ")}`,
            );
            assert.ok(p.message.includes(row.fragment), `${p.message} lacks "${row.fragment}"`);
            if (row.value)
                assert.ok(
                    err.message.includes(`${row.key}: `) &&
                        err.message.includes(`(got ${row.value})`),
                    err.message,
                );
        });
    }

    for (const row of AREA_ROWS) {
        it(`clusters area rejects: ${row.title}`, () => {
            const err = problemsOf(() => parseConfig("t", row.raw));
            assert.deepEqual(
                err.problems.map((x) => x.key),
                [row.key],
            );
            assert.ok(err.problems[0].message.includes(row.fragment), err.problems[0].message);
            if (row.value) assert.ok(err.message.includes(`(got ${row.value})`), err.message);
        });
    }

    it("accepts every committed stack's cluster config", () => {
        for (const raw of [
            aws(),
            gcp(),
            {
                ...aws(),
                environment: "dev",
                kubernetes: {
                    adminRoleArn: "arn:aws:iam::111122223333:role/a",
                    publicAccessCidrs: ["203.0.113.0/24"],
                },
            },
        ]) {
            assert.doesNotThrow(() => parseConfig("t", raw));
        }
    });

    it("fails the program with the key-naming message", async () => {
        await assert.rejects(
            runStack("bad-retention", { ...aws(), flowLogsRetentionDays: 10 }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /mesh-platform:flowLogsRetentionDays: is not a CloudWatch Logs retention/,
                );
                return true;
            },
        );
    });

    it("validates before declaring any provider or resource", async () => {
        let error: unknown;
        await runStack("bad-area", { ...aws(), flowLogsRetentionDays: 10 }).catch((e: unknown) => {
            error = e;
        });
        assert.ok(error instanceof ConfigError, String(error));
        const recorded = (error as { recorded?: { type: string }[] }).recorded ?? [];
        assert.deepEqual(
            recorded.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
            [],
        );
    });

    it("derives names and ranges deterministically", () => {
        const cfg = parseConfig("prod", aws());
        assert.equal(eksClusterName(cfg.stack, cfg.regions[1].name), "mesh-prod-tokyo");
        assert.deepEqual([0, 1, 2].map(gkeMasterCidr), [
            "172.16.0.0/28",
            "172.16.0.16/28",
            "172.16.0.32/28",
        ]);
        assert.equal(eksAmiType(["m7g.large", "c6g.xlarge"]), "AL2023_ARM_64_STANDARD");
        assert.equal(eksAmiType(["t3a.large"]), "AL2023_x86_64_STANDARD");
    });
});
