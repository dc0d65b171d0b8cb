/**
 * A Kubernetes minor upgrade of prod, one region at a time (docs/upgrade-kubernetes.md): each step's
 * plan diff is the control plane, its node groups and add-ons of that region and nothing else, nothing
 * stateful is replaced, both packs find nothing; skips, downgrades and skew are refused.
 */
import { strict as assert } from "assert";
import { transitionProblems } from "../../components/mesh/transitions";
import { evaluatePolicies } from "../../policies/offline";
import type { PlanDocument, PlanResource } from "../../lib/plan-format";
import { parseConfig } from "../support/config";
import { validRawConfig } from "../support/fixtures";
import { cachedPlan, configProblems, stackConfig, step, Step, StackConfig, withKey } from "./walk";

type Region = Record<string, unknown>;

describe("day 2: Kubernetes 1.34 -> 1.35 in prod, Singapore first", function () {
    this.timeout(600000);
    const { config: committed, secretKeys } = stackConfig("prod");
    // The starting point: prod on 1.34 (in EKS extended support on 2026-12-02, hence EXTENDED).
    const start = withKey<Record<string, unknown>>(committed, "kubernetes", (k) => ({
        ...k,
        version: "1.34",
        supportType: "EXTENDED",
    }));
    const singaporeFirst = withKey<Region[]>(start, "regions", (rs) => {
        rs[0].kubernetesVersion = "1.35";
        return rs;
    });
    // Then Tokyo: the stack moves to 1.35 and the override goes.
    const everywhere = withKey<Region[]>(
        withKey<Record<string, unknown>>(singaporeFirst, "kubernetes", (k) => ({
            ...k,
            version: "1.35",
            supportType: "STANDARD",
        })),
        "regions",
        (rs) => {
            delete rs[0].kubernetesVersion;
            return rs;
        },
    );
    let plans: PlanDocument[] = [];
    let steps: Step[] = [];
    before(async () => {
        plans = [];
        for (const c of [start, singaporeFirst, everywhere] as StackConfig[])
            plans.push(await cachedPlan("prod", c, secretKeys));
        steps = [step(plans[0], plans[1], "prod"), step(plans[1], plans[2], "prod")];
    });

    const regionChanges = (region: string) => [
        `update ${region}-aws-ebs-csi-driver [addonVersion]`,
        `update ${region}-cluster-autoscaler-release [values]`,
        `update ${region}-coredns [addonVersion]`,
        `update ${region}-eks [version]`,
        `update ${region}-kube-proxy [addonVersion]`,
        `update ${region}-system [version]`,
        `update ${region}-vpc-cni [addonVersion]`,
        `update ${region}-workloads [version]`,
    ];

    it("1. Singapore: its control plane, both node groups, the add-ons and the autoscaler image move to 1.35, in place", () => {
        assert.deepEqual(steps[0].changes, regionChanges("singapore"));
        const eks = plans[1].resources.find((r) => r.name === "singapore-eks")!;
        assert.equal(eks.inputs.version, "1.35");
        const tokyo = plans[1].resources.find((r) => r.name === "tokyo-eks")!;
        assert.equal(tokyo.inputs.version, "1.34");
        for (const group of ["singapore-system", "singapore-workloads"])
            assert.equal(
                plans[1].resources.find(
                    (r) => r.name === group && r.type === "aws:eks/nodeGroup:NodeGroup",
                )!.inputs.version,
                "1.35",
            );
    });

    it("2. Tokyo follows (the stack's version; the override goes), and EXTENDED support can end", () => {
        // supportType is a cluster input too: both clusters' upgradePolicy changes with it.
        assert.deepEqual(
            steps[1].changes,
            [
                ...regionChanges("tokyo"),
                "update singapore-eks [upgradePolicy]",
                "update tokyo-eks [upgradePolicy,version]",
            ]
                .filter((c) => c !== "update tokyo-eks [version]")
                .sort(),
        );
    });

    it("no step replaces or deletes anything, raises a finding, or skips a minor", () => {
        for (const s of steps) {
            assert.deepEqual(s.diff.dangerous, []);
            assert.deepEqual(s.diff.replaces, []);
            assert.deepEqual(s.diff.deletes, []);
            assert.deepEqual(s.findings, []);
            assert.deepEqual(s.unsafe, []);
        }
    });

    describe("unsafe variants are refused", () => {
        it("config: a region two minors from the stack, and a minor without EKS add-on pins", () => {
            const r = validRawConfig();
            const regions = r.regions as Region[];
            regions[0].kubernetesVersion = "1.33";
            regions[1].kubernetesVersion = "1.36";
            r.kubernetes = {
                ...(r.kubernetes as object),
                version: "1.35",
                supportType: "EXTENDED",
            };
            const problems = configProblems(() => parseConfig("prod", r));
            assert.ok(
                problems.some((p) =>
                    /regions\[0\]\.kubernetesVersion: is more than one minor from kubernetes\.version 1\.35/.test(
                        p,
                    ),
                ),
                problems.join("\n"),
            );
            assert.ok(
                problems.some((p) =>
                    /regions\[1\]\.kubernetesVersion: has no verified EKS add-on pins/.test(p),
                ),
                problems.join("\n"),
            );
        });

        const edit = (
            plan: PlanDocument,
            name: string,
            change: (r: PlanResource) => PlanResource,
        ) => ({
            ...plan,
            resources: plan.resources.map((r) =>
                r.name === name ? change(structuredClone(r)) : r,
            ),
        });
        const mandatory = (plan: PlanDocument) =>
            evaluatePolicies(plan.resources, { stack: plan.stack, environment: "prod" })
                .filter((v) => v.enforcementLevel === "mandatory")
                .map((v) => `${v.policyName}: ${v.message}`);

        it("policy: nodes newer than their control plane, or more than three minors older", () => {
            const newer = edit(plans[0], "singapore-workloads", (r) => ({
                ...r,
                inputs: { ...r.inputs, version: "1.35" },
            }));
            assert.ok(
                mandatory(newer).some((f) =>
                    /kubernetes-version-skew: node group .* runs Kubernetes 1\.35, newer than its control plane 1\.34/.test(
                        f,
                    ),
                ),
            );
            const older = edit(plans[0], "singapore-kube-proxy", (r) => ({
                ...r,
                inputs: { ...r.inputs, addonVersion: "v1.30.1-eksbuild.1" },
            }));
            assert.ok(
                mandatory(older).some((f) =>
                    /kubernetes-version-skew: kube-proxy runs Kubernetes v1\.30\.1-eksbuild\.1, more than 3 minors older/.test(
                        f,
                    ),
                ),
                mandatory(older).join("\n"),
            );
        });

        it("transition: skipping a minor or going back", () => {
            const skip = edit(plans[0], "singapore-eks", (r) => ({
                ...r,
                inputs: { ...r.inputs, version: "1.36" },
            }));
            const back = edit(plans[0], "singapore-eks", (r) => ({
                ...r,
                inputs: { ...r.inputs, version: "1.33" },
            }));
            const name = String(
                plans[0].resources.find((r) => r.name === "singapore-eks")!.inputs.name,
            );
            assert.deepEqual(transitionProblems(plans[0].resources, skip.resources), [
                `${name}: Kubernetes 1.34 -> 1.36 skips a minor; upgrade one minor per pulumi up`,
            ]);
            assert.deepEqual(transitionProblems(plans[0].resources, back.resources), [
                `${name}: Kubernetes 1.34 -> 1.33 is a downgrade, which EKS does not support`,
            ]);
        });
    });
});
