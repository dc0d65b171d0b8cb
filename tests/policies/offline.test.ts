import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
    evaluatePack,
    evaluatePolicies,
    loadPackConfig,
    PACKS,
    PolicyViolation,
} from "../../policies/offline";
import { PolicyConfigError, validatePackConfig } from "../../policies/lib/packconfig";
import { eksPrivateEndpoint } from "../../policies/security/rules/clusters";
import { noMtlsDowngrade } from "../../policies/security/rules/mtls";
import { costPolicies } from "../../policies/cost/policies";
import { securityPolicies } from "../../policies/security/policies";
import { committedStacks, runStack } from "../harness";
import { toPlanDocument } from "../../tools/planfile";
import { awsProvider, check, cr, k8sProvider, res, STACK } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("policies: packs", () => {
    it("construct PolicyPack only in each pack's entry file", () => {
        const hits: string[] = [];
        const walk = (dir: string) => {
            for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, f.name);
                if (f.isDirectory() && f.name !== "node_modules") walk(p);
                else if (
                    f.name.endsWith(".ts") &&
                    fs.readFileSync(p, "utf8").includes("new PolicyPack(")
                )
                    hits.push(path.relative(ROOT, p));
            }
        };
        walk(path.join(ROOT, "policies"));
        assert.deepStrictEqual(hits.sort(), [
            "policies/cost/index.ts",
            "policies/security/index.ts",
        ]);
    });

    it("are real packs: PulumiPolicy.yaml with runtime nodejs, a versioned package.json, unique policy names", () => {
        for (const dir of ["security", "cost"]) {
            assert.match(
                fs.readFileSync(path.join(ROOT, "policies", dir, "PulumiPolicy.yaml"), "utf8"),
                /^runtime: nodejs$/m,
            );
            const pkg = JSON.parse(
                fs.readFileSync(path.join(ROOT, "policies", dir, "package.json"), "utf8"),
            );
            assert.strictEqual(pkg.version, "0.1.0");
            assert.strictEqual(pkg.dependencies["@pulumi/policy"], "1.21.0");
        }
        const names = [...securityPolicies, ...costPolicies].map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        assert.strictEqual(securityPolicies.length, 19 + 1 + 4 + 4 + 4 + 1); // + rules/versions.ts, rules/identity.ts, rules/secrets.ts, the hardening rules, rules/access.ts
        assert.strictEqual(costPolicies.length, 12);
    });
});

describe("policies: config files", () => {
    it("committed per-environment configs are valid and name every policy", () => {
        for (const env of ["dev", "staging", "prod"] as const) {
            for (const pack of PACKS) {
                const cfg = loadPackConfig(pack, env);
                assert.strictEqual(
                    cfg.all,
                    env === "dev" ? "advisory" : "mandatory",
                    `${pack.dir}.${env}`,
                );
            }
        }
        const cost = loadPackConfig(PACKS[1], "prod");
        assert.deepStrictEqual(cost["spot-for-non-prod-workloads"], { requireSpot: false });
        assert.deepStrictEqual(cost["trace-sampling-cap"], { maxPercent: 1 });
        assert.deepStrictEqual(loadPackConfig(PACKS[1], "staging")["spot-for-non-prod-workloads"], {
            requireSpot: true,
        });
    });

    it("rejects unknown policies, bad levels, unknown properties and wrong types, all at once", () => {
        const bad = {
            "no-such-policy": "mandatory",
            "trace-sampling-cap": { maxPercent: "1", enforcementLevel: "strict" },
            "monthly-cost-budget": {
                budgetUsd: -5,
                stackBudgetsUsd: { prod: "lots" },
                currency: "EUR",
            },
            "instance-families-allowed": { allowedFamilies: [] },
            "retention-periods": 7,
        };
        assert.throws(
            () =>
                validatePackConfig(
                    "policies/config/cost.prod.json",
                    "mesh-platform-cost",
                    costPolicies,
                    bad,
                ),
            (e: unknown) => {
                assert.ok(e instanceof PolicyConfigError);
                assert.deepStrictEqual(e.problems, [
                    `no-such-policy: unknown policy in pack mesh-platform-cost; known policies: all, ${costPolicies.map((p) => p.name).join(", ")}`,
                    'trace-sampling-cap.maxPercent: must be number (got "1")',
                    'trace-sampling-cap.enforcementLevel: must be one of "advisory", "mandatory", "remediate", "disabled" (got "strict")',
                    "monthly-cost-budget.budgetUsd: must be >= 0 (got -5)",
                    'monthly-cost-budget.stackBudgetsUsd.prod: must be number (got "lots")',
                    "monthly-cost-budget.currency: unknown config property; allowed: enforcementLevel, budgetUsd, stackBudgetsUsd, worstCaseBudgetUsd, stackWorstCaseBudgetsUsd, traffic",
                    "instance-families-allowed.allowedFamilies: needs at least 1 item(s) (got 0)",
                    "retention-periods: must be an enforcement level or an object (got 7)",
                ]);
                assert.match(
                    e.message,
                    /^invalid policy pack config policies\/config\/cost\.prod\.json, 8 problems:\n {2}- no-such-policy/,
                );
                return true;
            },
        );
        assert.throws(
            () => validatePackConfig("f.json", "p", costPolicies, ["all"]),
            /the file must hold a JSON object of policy name -> config \(got \["all"\]\)/,
        );
        assert.throws(
            () =>
                validatePackConfig("f.json", "p", securityPolicies, {
                    "istio-no-mtls-downgrade": { mode: "x" },
                }),
            /istio-no-mtls-downgrade\.mode: unknown config property; this policy takes only enforcementLevel/,
        );
    });
});

describe("policies: offline runner", () => {
    const k8s = k8sProvider("singapore-k8s");
    const weak = cr(
        "security.istio.io/v1",
        "PeerAuthentication",
        "legacy",
        "user",
        { mtls: { mode: "PERMISSIVE" } },
        k8s,
    );
    const pack = {
        name: "p",
        dir: "security" as const,
        policies: [noMtlsDowngrade],
        enforcementLevel: "mandatory" as const,
    };

    it("resolves enforcement like the policy server: specific over all over the policy default; disabled skips; remediate reports mandatory", () => {
        const level = (cfg: object) =>
            evaluatePack(pack, cfg as never, [weak], STACK).map((v) => v.enforcementLevel);
        assert.deepStrictEqual(level({}), ["mandatory"]);
        assert.deepStrictEqual(level({ all: "advisory" }), ["advisory"]);
        assert.deepStrictEqual(level({ all: "advisory", "istio-no-mtls-downgrade": "mandatory" }), [
            "mandatory",
        ]);
        assert.deepStrictEqual(
            level({ "istio-no-mtls-downgrade": { enforcementLevel: "disabled" } }),
            [],
        );
        assert.deepStrictEqual(level({ "istio-no-mtls-downgrade": "remediate" }), ["mandatory"]);
    });

    it("turns a policy that reads an unknown value into an advisory, and copes with [secret] values", () => {
        const aws = awsProvider("aws-singapore", "ap-southeast-1");
        const unknown = res(
            "aws:eks/cluster:Cluster",
            "eks",
            { vpcConfig: UNKNOWN },
            { provider: aws },
        );
        assert.deepStrictEqual(check(eksPrivateEndpoint, [unknown]), [
            {
                policyName: "eks-private-endpoint",
                pack: "test-pack",
                enforcementLevel: "advisory",
                urn: unknown.urn,
                message:
                    "can't run policy 'eks-private-endpoint' from policy pack 'test-pack' during preview: string value at .vpcConfig can't be known during preview",
            },
        ]);
        const secret = res(
            "aws:eks/cluster:Cluster",
            "eks2",
            { vpcConfig: "[secret]", encryptionConfig: "[secret]" },
            { provider: aws },
        );
        const all = PACKS.flatMap((p) => evaluatePack(p, {}, [aws, secret], STACK));
        assert.ok(
            all.some(
                (v) =>
                    v.policyName === "eks-private-endpoint" && v.enforcementLevel === "mandatory",
            ),
        );
    });

    it("hands resource policies faithful ResourceValidationArgs and stack policies linked resources", () => {
        const aws = awsProvider("aws-singapore", "ap-southeast-1");
        const parent = res("mesh-platform:cluster:EksCluster", "singapore", {});
        const key = {
            ...res(
                "aws:kms/key:Key",
                "singapore-key",
                { enableKeyRotation: true },
                { provider: aws, parent, protect: true },
            ),
            additionalSecretOutputs: ["description"],
        };
        const seen: ResourceValidationArgs[] = [];
        let stackSeen: StackValidationArgs | undefined;
        class KeyClass {
            static __pulumiType = "aws:kms/key:Key";
        }
        class OtherClass {
            static __pulumiType = "aws:s3/bucket:Bucket";
        }
        const probe = {
            name: "probe",
            description: "records its arguments",
            validateResource: (args: ResourceValidationArgs) => {
                if (args.type !== "aws:kms/key:Key") args.notApplicable("keys only");
                seen.push(args);
            },
        };
        const stackProbe = {
            name: "stack-probe",
            description: "records",
            validateStack: (
                args: StackValidationArgs,
                report: (m: string, urn?: string) => void,
            ) => {
                stackSeen = args;
                report("whole stack");
            },
        };
        const v: PolicyViolation[] = evaluatePack(
            {
                name: "p",
                dir: "security",
                policies: [probe, stackProbe],
                enforcementLevel: "advisory",
            },
            { probe: { enforcementLevel: "mandatory", answer: 42 } } as never,
            [aws, parent, key],
            STACK,
        );
        assert.strictEqual(seen.length, 1);
        const a = seen[0];
        assert.deepStrictEqual(
            [a.type, a.urn, a.name],
            ["aws:kms/key:Key", key.urn, "singapore-key"],
        );
        assert.strictEqual(a.props.enableKeyRotation, true);
        assert.deepStrictEqual(a.opts, {
            protect: true,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            // As the plan records it (plan.json additionalSecretOutputs), not an empty list.
            additionalSecretOutputs: ["description"],
            parent: parent.urn,
        });
        assert.deepStrictEqual(
            [a.provider?.type, a.provider?.urn, a.provider?.props.region],
            ["pulumi:providers:aws", aws.urn, "ap-southeast-1"],
        );
        assert.strictEqual(a.isType(KeyClass as never), true);
        assert.strictEqual(a.isType(OtherClass as never), false);
        assert.strictEqual(
            (a.asType(KeyClass as never) as { enableKeyRotation: boolean }).enableKeyRotation,
            true,
        );
        assert.deepStrictEqual(a.getConfig(), { answer: 42 });
        assert.strictEqual(a.stackTags.size, 0);
        const stackKey = stackSeen!.resources.find((r) => r.urn === key.urn) as PolicyResource;
        assert.strictEqual(stackKey.parent?.urn, parent.urn);
        assert.strictEqual(stackKey.provider?.urn, aws.urn);
        assert.deepStrictEqual(
            v.map((x) => [x.policyName, x.enforcementLevel, x.urn, x.message]),
            [
                [
                    "stack-probe",
                    "advisory",
                    `urn:pulumi:${STACK}::mesh-platform::pulumi:pulumi:Stack::mesh-platform-${STACK}`,
                    "whole stack",
                ],
            ],
        );
    });
});

describe("policies: committed stacks", function () {
    this.timeout(300000);
    for (const stack of committedStacks()) {
        it(`${stack}: 0 mandatory violations over the offline plan`, async () => {
            const run = await runStack(stack);
            const plan = toPlanDocument(run.result);
            const environment = String(
                (await import("../../tools/runtime")).readStackFile(ROOT, stack).config[
                    "mesh-platform:environment"
                ],
            ) as "dev" | "staging" | "prod";
            const violations = evaluatePolicies(plan.resources, { stack, environment });
            const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepStrictEqual(
                mandatory.map((v) => `${v.policyName} ${v.urn.split("::").pop()}: ${v.message}`),
                [],
            );
            // Dev runs the packs as advisory: the same rules must still find nothing there.
            assert.deepStrictEqual(
                violations.map((v) => `${v.policyName}: ${v.message}`),
                [],
            );
        });
    }
});
