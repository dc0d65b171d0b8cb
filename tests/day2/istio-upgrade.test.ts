/**
 * The Istio canary upgrade of prod, step by step, each one a `pulumi up` of the real program: every
 * step's plan diff is exactly the change the runbook (docs/upgrade-istio.md) announces, both packs find
 * nothing, and no step is an unsafe transition; then the unsafe variants are refused by the config,
 * the policies and the transition check.
 */
import { strict as assert } from "assert";
import { transitionProblems } from "../../components/mesh/transitions";
import { evaluatePolicies } from "../../policies/offline";
import type { PlanDocument, PlanResource } from "../../lib/plan-format";
import { parseConfig } from "../support/config";
import { validRawConfig } from "../support/fixtures";
import { cachedPlan, configProblems, stackConfig, step, Step, StackConfig, withKey } from "./walk";

type Region = Record<string, unknown> & { istio?: Record<string, unknown> };

/** A day 1.30 was still supported: the start of the walk was deployed then. */
const START_DAY = new Date("2026-11-29T00:00:00Z");
const STABLE_ONLY = { revisions: [{ version: "1.30.3", tags: ["stable"] }] };
const CANARY = {
    revisions: [
        { version: "1.30.3", tags: ["stable"] },
        { version: "1.31.1", tags: ["canary"] },
    ],
};
const setRegion = (c: StackConfig, i: number, edit: (r: Region) => void) =>
    withKey<Region[]>(c, "regions", (rs) => {
        edit(rs[i]);
        return rs;
    });
const setIstio = (c: StackConfig, istio: unknown) =>
    withKey<Record<string, unknown>>(c, "mesh", (m) => ({ ...m, istio }));
const mandatory = (plan: PlanDocument) =>
    evaluatePolicies(plan.resources, { stack: plan.stack, environment: "prod" })
        .filter((v) => v.enforcementLevel === "mandatory")
        .map((v) => `${v.policyName}: ${v.message}`);

describe("day 2: Istio canary upgrade of prod (1.30.3 -> 1.31.1)", function () {
    this.timeout(600000);
    // The committed stack is at step 1 (Istio 1.30 reached its end of life on 2026-11-30).
    const { config: committed, secretKeys } = stackConfig("prod");
    // The steps of docs/upgrade-istio.md, as config. The start was deployed while 1.30 was supported.
    const configs: Record<string, StackConfig> = {};
    configs.start = setRegion(committed, 0, (r) => delete r.istio);
    configs.canary = committed;
    configs.moveNamespaces = setRegion(
        configs.canary,
        0,
        (r) => (r.istio!.namespaceTag = "canary"),
    );
    configs.moveGateways = setRegion(
        configs.moveNamespaces,
        0,
        (r) => (r.istio!.gatewayTag = "canary"),
    );
    configs.promote = setIstio(
        setRegion(configs.moveGateways, 0, (r) => delete r.istio),
        {
            revisions: [
                { version: "1.30.3", tags: [] },
                { version: "1.31.1", tags: ["stable"] },
            ],
        },
    );
    configs.removeOld = setIstio(configs.promote, {
        revisions: [{ version: "1.31.1", tags: ["stable"] }],
    });
    const order = ["start", "canary", "moveNamespaces", "moveGateways", "promote", "removeOld"];
    const plans: Record<string, PlanDocument> = {};
    const steps: Record<string, Step> = {};

    before(async () => {
        for (const name of order)
            plans[name] = await cachedPlan(
                "prod",
                configs[name],
                secretKeys,
                name === "start" ? START_DAY : undefined,
            );
        for (let i = 1; i < order.length; i++)
            steps[order[i]] = step(plans[order[i - 1]], plans[order[i]], "prod");
    });

    it("the committed stack is at step 1: Singapore runs the canary next to stable; Tokyo and the rest of the mesh stay on stable -> 1.30.3", () => {
        const regions = committed["mesh-platform:regions"] as Region[];
        assert.deepEqual(regions[0].istio, CANARY);
        assert.equal(regions[1].istio, undefined);
        const mesh = committed["mesh-platform:mesh"] as { istio: unknown };
        assert.deepEqual(mesh.istio, {
            ...STABLE_ONLY,
            gatewayTag: "stable",
            namespaceTag: "stable",
        });
    });

    it("1. canary in Singapore: a second istiod named by revision, its tag webhook, its reader binding, and the CRDs of 1.31", () => {
        assert.deepEqual(steps.canary.changes, [
            "add mesh-singapore-istiod-1-31-1",
            "add mesh-singapore-tag-canary",
            "add mesh-singapore-to-tokyo-reader-binding-1-31-1",
            "update mesh-singapore-base [version]",
        ]);
        const istiod = plans.canary.resources.find(
            (r) => r.name === "mesh-singapore-istiod-1-31-1",
        )!;
        assert.equal(istiod.inputs.name, "istiod-1-31-1");
        assert.equal(istiod.inputs.version, "1.31.1");
        assert.equal((istiod.inputs.values as { revision: string }).revision, "1-31-1");
        const binding = plans.canary.resources.find(
            (r) => r.name === "mesh-singapore-to-tokyo-reader-binding-1-31-1",
        )!;
        assert.deepEqual(
            (binding.inputs.roleRef as { name: string }).name,
            "istio-reader-clusterrole-1-31-1-istio-system",
        );
    });

    it("2a. (or first) move one namespace: only that namespace's label changes", async () => {
        const one = setRegion(configs.canary, 0, (r) => {
            r.istio!.namespaceTags = { assessment: "canary" };
        });
        const plan = await cachedPlan("prod", one, secretKeys);
        const s = step(plans.canary, plan, "prod");
        assert.deepEqual(s.changes, ["update mesh-singapore-ns-assessment [metadata]"]);
        const ns = plan.resources.find((r) => r.name === "mesh-singapore-ns-assessment")!;
        assert.equal(
            (ns.inputs.metadata as { labels: Record<string, string> }).labels["istio.io/rev"],
            "canary",
        );
        assert.deepEqual(mandatory(plan), []);
        assert.deepEqual(transitionProblems(plans.canary.resources, plan.resources), []);
    });

    it("2. move Singapore's app namespaces to the canary tag: only their label (and the default validator) change", () => {
        assert.deepEqual(steps.moveNamespaces.changes, [
            "update mesh-singapore-base [values]",
            "update mesh-singapore-ns-analytics [metadata]",
            "update mesh-singapore-ns-assessment [metadata]",
            "update mesh-singapore-ns-content [metadata]",
            "update mesh-singapore-ns-user [metadata]",
            // The platform's own meshed namespaces (smoke service, Thanos) follow the namespace tag too.
            "update singapore-ns-mesh-smoke-namespace [metadata]",
            "update singapore-observability-thanos-namespace [metadata]",
        ]);
        const ns = plans.moveNamespaces.resources.find((r) => r.name === "mesh-singapore-ns-user")!;
        assert.equal(
            (ns.inputs.metadata as { labels: Record<string, string> }).labels["istio.io/rev"],
            "canary",
        );
    });

    it("3. roll the workloads: kubectl rollout restart, no config change, so no plan change", async () => {
        // docs/upgrade-istio.md step 3: the program owns no app Deployments; a second plan of the same
        // config is identical.
        const again = step(
            plans.moveNamespaces,
            await cachedPlan("prod", structuredClone(configs.moveNamespaces), secretKeys),
            "prod",
        );
        assert.deepEqual(again.changes, []);
    });

    it("4. move Singapore's gateways by their own setting: only the two gateway releases change", () => {
        assert.deepEqual(steps.moveGateways.changes, [
            "update mesh-singapore-eastwest [values,version]",
            "update mesh-singapore-ingress [values,version]",
        ]);
    });

    it("5. promote: stable points at 1.31.1 everywhere; Tokyo gets the new istiod and its binding; the canary tag goes", () => {
        assert.deepEqual(steps.promote.changes, [
            "add mesh-tokyo-istiod-1-31-1",
            "add mesh-tokyo-to-singapore-reader-binding-1-31-1",
            "delete mesh-singapore-tag-canary",
            "update mesh-singapore-eastwest [values]",
            "update mesh-singapore-ingress [values]",
            "update mesh-singapore-ns-analytics [metadata]",
            "update mesh-singapore-ns-assessment [metadata]",
            "update mesh-singapore-ns-content [metadata]",
            "update mesh-singapore-ns-user [metadata]",
            "update mesh-singapore-tag-stable [metadata,webhooks]",
            "update mesh-tokyo-base [values,version]",
            "update mesh-tokyo-eastwest [version]",
            "update mesh-tokyo-ingress [version]",
            "update mesh-tokyo-tag-stable [metadata,webhooks]",
            // The platform's own meshed namespaces (smoke service, Thanos) follow the namespace tag too.
            "update singapore-ns-mesh-smoke-namespace [metadata]",
            "update singapore-observability-thanos-namespace [metadata]",
        ]);
    });

    it("6. remove 1.30.3: its istiod releases and reader bindings go, nothing else", () => {
        assert.deepEqual(steps.removeOld.changes, [
            "delete mesh-singapore-istiod",
            "delete mesh-singapore-to-tokyo-reader-binding",
            "delete mesh-tokyo-istiod",
            "delete mesh-tokyo-to-singapore-reader-binding",
        ]);
    });

    it("no step replaces or deletes anything stateful, raises a finding in either pack, or is an unsafe transition", () => {
        for (const name of order.slice(1)) {
            const s = steps[name];
            assert.deepEqual(s.diff.dangerous, [], name);
            assert.deepEqual(s.diff.replaces, [], name);
            assert.deepEqual(s.diff.conflicts, [], name);
            assert.deepEqual(s.findings, [], name);
            assert.deepEqual(s.unsafe, [], name);
        }
    });

    describe("unsafe variants are refused", () => {
        const raw = () => validRawConfig();
        const withMeshIstio = (istio: unknown) => {
            const r = raw();
            r.mesh = { ...(r.mesh as object), istio };
            return r;
        };

        it("config: removing the revision the namespaces' and gateways' tag points at", () => {
            const problems = configProblems(() =>
                parseConfig(
                    "prod",
                    withMeshIstio({ revisions: [{ version: "1.31.1", tags: ["canary"] }] }),
                ),
            );
            assert.deepEqual(problems, [
                "mesh-platform:mesh.istio.gatewayTag: is not a tag of any revision; tags here: canary",
                "mesh-platform:mesh.istio.namespaceTag: is not a tag of any revision; tags here: canary",
            ]);
        });

        it("config: a namespace moved to a tag no revision has, or a namespace that is no app namespace", () => {
            const problems = configProblems(() =>
                parseConfig(
                    "prod",
                    withMeshIstio({
                        ...STABLE_ONLY,
                        namespaceTags: { assessment: "canary", billing: "stable" },
                    }),
                    undefined,
                    START_DAY,
                ),
            );
            assert.deepEqual(problems, [
                "mesh-platform:mesh.istio.namespaceTags.assessment: is not a tag of any revision; tags here: stable",
                "mesh-platform:mesh.istio.namespaceTags.billing: names no app namespace; allowed: user, content, assessment, analytics",
            ]);
        });

        it("config: skipping a minor (1.30 next to 1.32) and a version without pinned charts", () => {
            const problems = configProblems(() =>
                parseConfig(
                    "prod",
                    withMeshIstio({
                        revisions: [
                            { version: "1.30.3", tags: ["stable"] },
                            { version: "1.32.0", tags: ["canary"] },
                        ],
                    }),
                ),
            );
            assert.equal(problems.length, 2, problems.join("\n"));
            assert.match(problems[0], /mesh\.istio\.revisions\[1\]\.version: has no pinned charts/);
            assert.match(
                problems[1],
                /mesh\.istio: the mesh would run Istio minors more than 1 apart/,
            );
        });

        it("config: one tag on two revisions, and a tag named default", () => {
            const problems = configProblems(() =>
                parseConfig(
                    "prod",
                    withMeshIstio({
                        revisions: [
                            { version: "1.30.3", tags: ["stable", "default"] },
                            { version: "1.31.1", tags: ["stable"] },
                        ],
                    }),
                ),
            );
            assert.ok(
                problems.some((p) =>
                    /revisions\[0\]\.tags: "default" has a special meaning/.test(p),
                ),
                problems.join("\n"),
            );
            assert.ok(
                problems.some((p) => /revisions\[1\]\.tags: already points at 1\.30\.3/.test(p)),
                problems.join("\n"),
            );
        });

        const without = (plan: PlanDocument, drop: (r: PlanResource) => boolean): PlanDocument => ({
            ...plan,
            resources: plan.resources.filter((r) => !drop(r)),
        });
        const edit = (
            plan: PlanDocument,
            name: string,
            change: (r: PlanResource) => PlanResource,
        ): PlanDocument => ({
            ...plan,
            resources: plan.resources.map((r) =>
                r.name === name ? change(structuredClone(r)) : r,
            ),
        });

        it("policy: removing a revision a tag still points at", () => {
            const broken = without(plans.promote, (r) => r.name === "mesh-tokyo-istiod-1-31-1");
            const found = mandatory(broken);
            assert.ok(
                found.some((f) =>
                    /mesh-consistency: tag stable in cluster tokyo points at revision 1-31-1, which is not installed there/.test(
                        f,
                    ),
                ),
                found.join("\n"),
            );
        });

        it("policy: removing a revision a namespace or gateway still selects by name", () => {
            const labelled = edit(plans.canary, "mesh-tokyo-ns-user", (r) => {
                (r.inputs.metadata as { labels: Record<string, string> }).labels["istio.io/rev"] =
                    "1-31-1";
                return r;
            });
            const gateway = edit(labelled, "mesh-tokyo-ingress", (r) => {
                (r.inputs.values as { revision: string }).revision = "canary";
                return r;
            });
            const found = mandatory(gateway);
            assert.ok(
                found.some((f) =>
                    /namespace user in cluster tokyo selects istio.io\/rev 1-31-1, which is neither a revision nor a tag there/.test(
                        f,
                    ),
                ),
                found.join("\n"),
            );
            assert.ok(
                found.some((f) =>
                    /gateway istio-ingressgateway in cluster tokyo selects revision canary/.test(f),
                ),
                found.join("\n"),
            );
        });

        it("policy: istiod minors more than one apart across the mesh", () => {
            const skewed = edit(plans.start, "mesh-tokyo-istiod", (r) => ({
                ...r,
                inputs: { ...r.inputs, version: "1.32.0" },
            }));
            const found = mandatory(skewed);
            assert.ok(
                found.some((f) =>
                    /mesh-consistency: istiod versions across the mesh are more than 1 minor apart/.test(
                        f,
                    ),
                ),
                found.join("\n"),
            );
        });

        it("transition: jumping a cluster from 1.30 straight to 1.32", () => {
            const jumped = edit(plans.start, "mesh-tokyo-istiod", (r) => ({
                ...r,
                inputs: { ...r.inputs, version: "1.32.0" },
            }));
            assert.deepEqual(transitionProblems(plans.start.resources, jumped.resources), [
                "tokyo: Istio 1.32 would run next to or after 1.30; a canary upgrade moves one minor at a time (install 1.31 first)",
            ]);
        });
    });
});
