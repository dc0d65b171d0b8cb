/**
 * Day-0 config rules: the Kubernetes support calendar against an input clock, extended support opt-in,
 * SMTP AUTH for authenticating smarthosts, one stack region per cloud region, did-you-mean for unknown
 * keys and namespaces, and the one message for an unquoted version.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../support/config";
import {
    KUBERNETES_RELEASES,
    KUBERNETES_VERSIONS,
    DEFAULT_KUBERNETES_VERSION,
} from "../../config/catalog";
import { namespaceProblems } from "../../config/load";
import { EKS_ADDON_VERSIONS } from "../../components/cluster/versions";
import { committedStacks, runStack, TEST_NOW } from "../harness";
import type { RecordedResource } from "../harness";
import { committedStackRaw } from "../cluster/stackconfig";
import { validGcpRawConfig, validRawConfig } from "../support/fixtures";

type Raw = Record<string, unknown>;
const day = (d: string) => new Date(`${d}T00:00:00Z`);

function problems(raw: Raw, now = TEST_NOW, secrets: string[] = []): ConfigError["problems"] {
    try {
        parseConfig("t", raw, new Set(secrets), now);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}
const k8s = (patch: Raw, base: Raw = validRawConfig()): Raw => ({
    ...base,
    kubernetes: { ...(base.kubernetes as Raw), ...patch },
});

describe("config: Kubernetes support calendar (clock is an input)", () => {
    it("dates every catalogued minor and pins add-ons only for verified ones", () => {
        assert.deepEqual(KUBERNETES_VERSIONS, ["1.32", "1.33", "1.34", "1.35", "1.36"]);
        assert.deepEqual(KUBERNETES_RELEASES["1.35"], {
            released: "2025-12-17",
            eksReleased: "2026-01-28",
            eksEndOfStandard: "2027-03-27",
            eksEndOfExtended: "2028-03-27",
            gkeEndOfStandard: "2027-04-11",
        });
        assert.equal(KUBERNETES_RELEASES["1.34"].eksEndOfStandard, "2026-12-02");
        assert.equal(DEFAULT_KUBERNETES_VERSION, "1.35");
        assert.ok(EKS_ADDON_VERSIONS["1.35"], "the default has pins");
        assert.equal(EKS_ADDON_VERSIONS["1.36"], undefined, "1.36: coredns build unverified");
    });

    it("accepts the default (1.35) on 2026-12-02 and refuses it from 2027-03-27 without extended support", () => {
        const raw = k8s({ version: undefined });
        assert.deepEqual(problems(raw, day("2026-12-02")), []);
        const [p, ...rest] = problems(raw, day("2027-03-27"));
        assert.deepEqual(rest, []);
        assert.equal(p.key, "mesh-platform:kubernetes.version");
        assert.equal(p.value, "1.35");
        assert.match(p.message, /left EKS standard support on 2027-03-27/);
        assert.match(p.message, /kubernetes\.supportType: EXTENDED/);
    });

    it("refuses 1.34 on the day it leaves standard support, naming the date and the choices", () => {
        const ps = problems(k8s({ version: "1.34" }), day("2026-12-02"));
        assert.equal(ps.length, 1, JSON.stringify(ps));
        assert.equal(ps[0].key, "mesh-platform:kubernetes.version");
        assert.equal(ps[0].value, "1.34");
        assert.match(
            ps[0].message,
            /left EKS standard support on 2026-12-02 \(today is 2026-12-02\)/,
        );
        assert.match(ps[0].message, /allowed: "1\.35" \(standard support until EKS 2027-03-27\)/);
        assert.match(ps[0].message, /until 2027-12-02 with kubernetes\.supportType: EXTENDED/);
        // The day before, 1.34 is still in standard support.
        assert.deepEqual(problems(k8s({ version: "1.34" }), day("2026-12-01")), []);
    });

    it("keeps a version in extended support only with supportType EXTENDED, never past its end", () => {
        assert.deepEqual(problems(k8s({ version: "1.33", supportType: "EXTENDED" })), []);
        const ended = problems(
            k8s({ version: "1.33", supportType: "EXTENDED" }),
            day("2027-07-29"),
        );
        assert.equal(ended.length, 1);
        assert.match(ended[0].message, /reached the end of EKS extended support on 2027-07-29/);
        const cfg = parseConfig(
            "t",
            k8s({ version: "1.33", supportType: "EXTENDED" }),
            new Set(),
            TEST_NOW,
        );
        assert.equal(cfg.kubernetes.supportType, "EXTENDED");
        assert.equal(
            parseConfig("t", validRawConfig(), new Set(), TEST_NOW).kubernetes.supportType,
            "STANDARD",
        );
    });

    it("refuses 1.36 on EKS (no verified add-on pins) but accepts it on GKE", () => {
        const aws = problems(k8s({ version: "1.36" }));
        assert.deepEqual(
            aws.map((p) => p.key),
            ["mesh-platform:kubernetes.version"],
        );
        assert.match(aws[0].message, /has no verified EKS add-on versions/);
        assert.deepEqual(problems(k8s({ version: "1.36" }, validGcpRawConfig())), []);
    });

    it("refuses a GKE version past GKE end of standard support, whatever supportType says", () => {
        const ps = problems(k8s({ version: "1.34" }, validGcpRawConfig()), day("2026-11-01"));
        assert.equal(ps.length, 1, JSON.stringify(ps));
        assert.match(ps[0].message, /left GKE standard support on 2026-10-01/);
        const ext = problems(k8s({ supportType: "EXTENDED" }, validGcpRawConfig()));
        assert.deepEqual(
            ext.map((p) => p.key),
            ["mesh-platform:kubernetes.supportType"],
        );
    });

    it("gives an unquoted version one precise message, not a second false one", () => {
        for (const [value, text] of [
            [1.33, '"1.33"'],
            [1.3, '"1.30" (YAML drops a trailing zero) or "1.3"'],
        ] as const) {
            const ps = problems(k8s({ version: value }));
            assert.equal(ps.length, 1, JSON.stringify(ps));
            assert.equal(ps[0].key, "mesh-platform:kubernetes.version");
            assert.equal(ps[0].value, value);
            assert.ok(ps[0].message.includes(`write it as a string: ${text}`), ps[0].message);
        }
    });
});

describe("config -> EKS: version and support type reach the cluster and its node groups", () => {
    it("maps kubernetes.supportType to upgradePolicy.supportType and the version to cluster and nodes", async () => {
        const run = await runStack("extended", k8s({ version: "1.34", supportType: "EXTENDED" }));
        for (const region of ["singapore", "tokyo"]) {
            const cluster = run.one("aws:eks/cluster:Cluster", `${region}-eks`);
            assert.deepEqual(cluster.inputs.upgradePolicy, { supportType: "EXTENDED" });
            assert.equal(cluster.inputs.version, "1.34");
            for (const role of ["system", "workloads"])
                assert.equal(
                    run.one("aws:eks/nodeGroup:NodeGroup", `${region}-${role}`).inputs.version,
                    cluster.outputs.version ?? "1.34",
                );
            assert.equal(
                run.one("aws:eks/addon:Addon", `${region}-kube-proxy`).inputs.addonVersion,
                EKS_ADDON_VERSIONS["1.34"]["kube-proxy"],
            );
        }
        const standard = await runStack("standard", validRawConfig());
        assert.deepEqual(
            standard.one("aws:eks/cluster:Cluster", "singapore-eks").inputs.upgradePolicy,
            { supportType: "STANDARD" },
        );
    });
});

describe("config: alert e-mail through an authenticating smarthost", () => {
    const alerting = (smtpSmarthost: string, extra: Raw = {}): Raw => ({
        ...validRawConfig(),
        alerting: { ...(validRawConfig().alerting as Raw), smtpSmarthost, ...extra },
    });
    for (const host of [
        "email-smtp.ap-southeast-1.amazonaws.com:587",
        "email-smtp.eu-west-1.amazonaws.com:25",
        "smtp.sendgrid.net:587",
        "smtp.example.com:465",
    ]) {
        it(`needs smtpUsername and the secret password for ${host}`, () => {
            const ps = problems(alerting(host));
            assert.deepEqual(
                ps.map((p) => p.key),
                ["mesh-platform:alerting.smtpUsername", "mesh-platform:alertingSmtpPassword"],
            );
            assert.ok(ps.every((p) => p.message.includes(host) && p.message.includes("SMTP AUTH")));
            assert.deepEqual(
                problems(
                    {
                        ...alerting(host, { smtpUsername: "AKIAEXAMPLE" }),
                        alertingSmtpPassword: "password-123",
                    },
                    TEST_NOW,
                    ["alertingSmtpPassword"],
                ),
                [],
            );
        });
    }
    it("lets a relay on port 25 go without credentials", () => {
        assert.deepEqual(problems(alerting("relay.internal.example.com:25")), []);
    });
});

describe("config: regions, unknown keys and namespaces", () => {
    it("refuses two stack regions in one AWS region, before any resource is declared", async () => {
        const raw = validRawConfig();
        (raw.regions as Raw[])[1].region = "ap-southeast-1";
        const ps = problems(raw);
        assert.equal(ps.length, 1, JSON.stringify(ps));
        assert.equal(ps[0].key, "mesh-platform:regions[1].region");
        assert.equal(ps[0].value, "ap-southeast-1");
        assert.match(ps[0].message, /is also regions\[0\]\.region/);
        const error = await runStack("same-region", raw).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof ConfigError, String(error));
        const recorded = (error as unknown as { recorded: RecordedResource[] }).recorded;
        assert.deepEqual(
            recorded.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
    });

    it("suggests the key meant for an unknown key and an unknown field", () => {
        const raw = validRawConfig();
        raw.dnss = raw.dns;
        const ps = problems(raw);
        assert.deepEqual(
            ps.map((p) => p.key),
            ["mesh-platform:dnss"],
        );
        assert.match(ps[0].message, /unknown key \(did you mean dns\?\)/);
        const field = problems(k8s({ verison: "1.35" }));
        assert.deepEqual(
            field.map((p) => p.key),
            ["mesh-platform:kubernetes"],
        );
        assert.match(field[0].message, /unknown field verison \(did you mean version\?\)/);
    });

    it("refuses keys in a misspelled namespace with a did-you-mean, in the loader", async () => {
        const [p] = namespaceProblems([
            "mesh-platfrom:dns",
            "pulumi:disable-default-providers",
            "aws:region",
        ]);
        assert.equal(p.key, "mesh-platfrom:dns");
        assert.match(
            p.message,
            /unknown config namespace "mesh-platfrom" \(did you mean mesh-platform:dns\?\)/,
        );
        assert.equal(namespaceProblems(["pulumi:x", "aws:region", "mesh-platform:dns"]).length, 0);
        const raw: Raw = { ...validRawConfig(), "mesh-platfrom:tags": validRawConfig().tags };
        const error = await runStack("namespace", raw).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof ConfigError, String(error));
        assert.deepEqual(
            error.problems.map((q) => q.key),
            ["mesh-platfrom:tags"],
        );
        const recorded = (error as unknown as { recorded: RecordedResource[] }).recorded;
        assert.deepEqual(
            recorded.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
    });
});

describe("config: committed stacks on 2026-12-02", () => {
    for (const stack of committedStacks()) {
        it(`${stack}: a supported version and SMTP credentials for its smarthost`, () => {
            const { raw, secrets } = committedStackRaw(stack);
            const cfg = parseConfig(stack, raw, secrets, TEST_NOW);
            assert.equal(cfg.kubernetes.version, "1.35");
            assert.equal(cfg.kubernetes.supportType, "STANDARD");
            assert.ok(cfg.alerting.smtpUsername);
            assert.ok(secrets.has("alertingSmtpPassword"), "the password is a secure: value");
        });
    }
});
