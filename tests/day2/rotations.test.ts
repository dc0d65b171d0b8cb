/**
 * Rotations that run themselves or take the fewest safe steps (docs/remote-secret-rotation.md,
 * docs/ca-rotation.md), planned step by step with the real program.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../config";
import { buildPlatform } from "../../platform";
import { transitionProblems } from "../../components/mesh/transitions";
import { evaluatePolicies } from "../../policies/offline";
import type { PlanDocument } from "../../lib/plan-format";
import { runUnderMocks } from "../../tools/runtime";
import { parseConfig } from "../support/config";
import { validRawConfig } from "../support/fixtures";
import { TEST_NOW } from "../harness";
import { cachedPlan, configProblems, stackConfig, step, withKey } from "./walk";

const { config: base, secretKeys } = stackConfig("prod");
const withMesh = (extra: Record<string, unknown>) =>
    withKey<Record<string, unknown>>(base, "mesh", (m) => ({ ...m, ...extra }));

describe("day 2: reader tokens rotate on a schedule", function () {
    this.timeout(600000);
    /** Every resource's options as the SDK passed them (a stack transformation sees them all). */
    let seen: {
        type: string;
        name: string;
        opts: pulumi.CustomResourceOptions;
        props: Record<string, unknown>;
    }[] = [];
    before(async () => {
        seen = [];
        await runUnderMocks({
            stack: "prod",
            config: base,
            secretKeys,
            program: () => {
                pulumi.runtime.registerStackTransformation((a) => {
                    seen.push({ type: a.type, name: a.name, opts: a.opts, props: a.props });
                    return undefined;
                });
                return buildPlatform(loadConfig(TEST_NOW));
            },
        });
    });

    it("one time.Rotating of 30 days (by default) triggered by the generation", () => {
        const rotation = seen.filter((s) => s.type === "time:index/rotating:Rotating");
        assert.deepEqual(
            rotation.map((r) => [r.name, r.props.rotationDays, r.props.triggers]),
            [["mesh-reader-token-rotation", 30, { generation: "t1" }]],
        );
        assert.ok(rotation[0].opts.provider, "the rotation has an explicit provider");
    });

    it("every link's token has no fixed name and is replaced with the rotation; an overlap sleep guards the old one", () => {
        const tokens = seen.filter((s) => /-reader-token$/.test(s.name));
        assert.deepEqual(tokens.map((t) => t.name).sort(), [
            "mesh-singapore-to-tokyo-reader-token",
            "mesh-tokyo-to-singapore-reader-token",
        ]);
        for (const t of tokens) {
            assert.equal((t.props.metadata as Record<string, unknown>).name, undefined, t.name);
            const replaceWith = t.opts.replaceWith ?? [];
            assert.equal(replaceWith.length, 1, t.name);
            assert.deepEqual(t.opts.replaceOnChanges, ["metadata.annotations"], t.name);
            assert.ok(
                "mesh-platform.io/rotated-at" in
                    ((t.props.metadata as { annotations: object }).annotations ?? {}),
                `${t.name} carries the rotation's base time`,
            );
        }
        const sleeps = seen.filter((s) => s.type === "time:index/sleep:Sleep");
        assert.deepEqual(sleeps.map((s) => [s.name, s.props.destroyDuration]).sort(), [
            ["mesh-singapore-to-tokyo-reader-token-overlap", "120s"],
            ["mesh-tokyo-to-singapore-reader-token-overlap", "120s"],
        ]);
        for (const s of sleeps) assert.equal((s.opts.dependsOn as unknown[]).length, 1, s.name);
    });

    it("a new period or generation changes the rotation resource and nothing else in the plan", async () => {
        const p0 = await cachedPlan("prod", base, secretKeys);
        for (const extra of [{ readerTokenRotationDays: 7 }, { readerTokenGeneration: "t2" }]) {
            const s = step(p0, await cachedPlan("prod", withMesh(extra), secretKeys), "prod");
            const key =
                Object.keys(extra)[0] === "readerTokenGeneration" ? "triggers" : "rotationDays";
            assert.deepEqual(s.changes, [`update mesh-reader-token-rotation [${key}]`]);
            assert.deepEqual(s.findings, []);
        }
    });

    it("config: the period is 1-365 whole days", () => {
        const r = validRawConfig();
        r.mesh = { ...(r.mesh as object), readerTokenRotationDays: 0 };
        assert.deepEqual(
            configProblems(() => parseConfig("prod", r)),
            ["mesh-platform:mesh.readerTokenRotationDays: must be >= 1"],
        );
    });
});

describe("day 2: root CA rotation g1 -> g2 in three declarative steps", function () {
    this.timeout(600000);
    const states = [
        { caGenerations: ["g1"] },
        { caGenerations: ["g2", "g1"] }, // 1. trust g2 everywhere; g1 still signs
        { caGenerations: ["g1", "g2"] }, // 2. sign with g2; g1 still trusted
        { caGenerations: ["g2"], caRetiredGenerations: ["g1"] }, // 3. stop trusting g1; keep it retired
    ];
    let plans: PlanDocument[] = [];
    before(async () => {
        plans = [];
        for (const s of states) plans.push(await cachedPlan("prod", withMesh(s), secretKeys));
    });
    const cacertsAnnotations = (plan: PlanDocument) =>
        plan.resources
            .filter(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    (r.inputs.metadata as { name?: string }).name === "cacerts",
            )
            .map((r) => (r.inputs.metadata as { annotations: Record<string, string> }).annotations);

    it("1. trust: the new root is created (protected); every cacerts and istiod changes; no intermediate is re-issued", () => {
        const s = step(plans[0], plans[1], "prod");
        assert.deepEqual(s.changes, [
            "add mesh-trust-root-g2",
            "add mesh-trust-root-g2-key",
            "update mesh-singapore-cacerts [metadata]",
            "update mesh-singapore-istiod [values]",
            "update mesh-singapore-istiod-1-31-1 [values]",
            "update mesh-tokyo-cacerts [metadata]",
            "update mesh-tokyo-istiod [values]",
        ]);
        assert.ok(
            plans[1].resources
                .filter((r) => /^mesh-trust-root-g2/.test(r.name))
                .every((r) => r.protect),
        );
        assert.deepEqual(cacertsAnnotations(plans[1]), [
            { "mesh-platform.io/signing-root": "g1", "mesh-platform.io/trusted-roots": "g1,g2" },
            { "mesh-platform.io/signing-root": "g1", "mesh-platform.io/trusted-roots": "g1,g2" },
        ]);
    });

    it("2. sign: both intermediates are re-issued from g2; g1 stays trusted", () => {
        const s = step(plans[1], plans[2], "prod");
        assert.deepEqual(s.changes, [
            "update mesh-singapore-cacerts [metadata]",
            "update mesh-singapore-istiod [values]",
            "update mesh-singapore-istiod-1-31-1 [values]",
            "update mesh-tokyo-cacerts [metadata]",
            "update mesh-tokyo-istiod [values]",
            "update mesh-trust-singapore-ca [caCertPem]",
            "update mesh-trust-tokyo-ca [caCertPem]",
        ]);
        assert.deepEqual(cacertsAnnotations(plans[2])[0], {
            "mesh-platform.io/signing-root": "g2",
            "mesh-platform.io/trusted-roots": "g2,g1",
        });
    });

    it("3. retire g1: no longer trusted, but kept in state (protected): no state surgery, no delete", () => {
        const s = step(plans[2], plans[3], "prod");
        assert.deepEqual(s.diff.deletes, []);
        assert.ok(plans[3].resources.some((r) => r.name === "mesh-trust-root-g1-key" && r.protect));
        assert.deepEqual(cacertsAnnotations(plans[3])[1], {
            "mesh-platform.io/signing-root": "g2",
            "mesh-platform.io/trusted-roots": "g2",
        });
    });

    it("intermediates carry a Subject Key Identifier; roots too", () => {
        const certs = plans[0].resources.filter(
            (r) =>
                [
                    "tls:index/locallySignedCert:LocallySignedCert",
                    "tls:index/selfSignedCert:SelfSignedCert",
                ].includes(r.type) && r.name.startsWith("mesh-trust-"),
        );
        assert.deepEqual(certs.map((r) => [r.name, r.inputs.setSubjectKeyId]).sort(), [
            ["mesh-trust-root-g1", true],
            ["mesh-trust-singapore-ca", true],
            ["mesh-trust-tokyo-ca", true],
        ]);
    });

    it("every step is a safe transition with no finding and nothing stateful replaced or deleted", () => {
        for (let i = 1; i < plans.length; i++) {
            const s = step(plans[i - 1], plans[i], "prod");
            assert.deepEqual(s.unsafe, [], `step ${i}`);
            assert.deepEqual(s.findings, [], `step ${i}`);
            assert.deepEqual(s.diff.dangerous, [], `step ${i}`);
        }
    });

    it("refused: signing with a root not yet trusted, and dropping the root that signed", () => {
        assert.deepEqual(transitionProblems(plans[0].resources, plans[2].resources), [
            "root g2 would sign before every cluster trusts it (deployed trust: g1); first add it to mesh.caGenerations without signing",
        ]);
        assert.deepEqual(transitionProblems(plans[1].resources, plans[3].resources), [
            "root g1 signed the certificates in use and would no longer be trusted; sign with the new root first and wait a certificate lifetime",
        ]);
    });

    it("refused by the policy: a cluster signing with a root another cluster does not trust", () => {
        const broken: PlanDocument = {
            ...plans[1],
            resources: plans[1].resources.map((r) =>
                r.name === "mesh-tokyo-cacerts"
                    ? {
                          ...r,
                          inputs: {
                              ...r.inputs,
                              metadata: {
                                  ...(r.inputs.metadata as object),
                                  annotations: {
                                      "mesh-platform.io/signing-root": "g2",
                                      "mesh-platform.io/trusted-roots": "g2,g1",
                                  },
                              },
                          },
                      }
                    : r,
            ),
        };
        // Singapore trusts g1,g2 here: still fine. Make Singapore trust only g1.
        const worse: PlanDocument = {
            ...broken,
            resources: broken.resources.map((r) =>
                r.name === "mesh-singapore-cacerts"
                    ? {
                          ...r,
                          inputs: {
                              ...r.inputs,
                              metadata: {
                                  ...(r.inputs.metadata as object),
                                  annotations: {
                                      "mesh-platform.io/signing-root": "g1",
                                      "mesh-platform.io/trusted-roots": "g1",
                                  },
                              },
                          },
                      }
                    : r,
            ),
        };
        const found = evaluatePolicies(worse.resources, { stack: "prod", environment: "prod" }).map(
            (v) => `${v.policyName}: ${v.message}`,
        );
        assert.deepEqual(
            found.filter((f) => f.startsWith("mesh-consistency")),
            [
                "mesh-consistency: cluster tokyo signs with root g2, which cluster singapore does not trust (g1); mTLS between them would fail: trust a root everywhere before any cluster signs with it",
            ],
        );
    });

    it("config: a root both trusted and retired", () => {
        const r = validRawConfig();
        r.mesh = { ...(r.mesh as object), caGenerations: ["g2"], caRetiredGenerations: ["g2"] };
        assert.deepEqual(
            configProblems(() => parseConfig("prod", r)),
            [
                "mesh-platform:mesh.caRetiredGenerations[0]: is also in mesh.caGenerations; a root is either trusted or retired",
            ],
        );
    });
});
