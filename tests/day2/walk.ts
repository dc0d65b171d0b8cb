/**
 * Day-2 walks: the real program under mocks for a sequence of config steps on a committed stack, each
 * step's plan diffed against the previous one (tools/plandiff.ts), policed by both packs and checked for
 * unsafe transitions (components/mesh/transitions.ts).
 */
import { loadConfig } from "../../config";
import { buildPlatform } from "../../platform";
import { transitionProblems } from "../../components/mesh/transitions";
import { evaluatePolicies } from "../../policies/offline";
import { diffPlans, type PlanDiff } from "../../tools/plandiff";
import { toPlanDocument } from "../../tools/planfile";
import { readStackFile, runUnderMocks } from "../../tools/runtime";
import type { PlanDocument } from "../../lib/plan-format";
import { ROOT, TEST_NOW } from "../harness";

export type StackConfig = Record<string, unknown>;

/** The committed stack's config (keys with the `mesh-platform:` namespace). */
export function stackConfig(stack: string): { config: StackConfig; secretKeys: string[] } {
    const { config, secretKeys } = readStackFile(ROOT, stack);
    return { config: structuredClone(config), secretKeys };
}

/** Plan the real program for `config`. */
export async function planOf(
    stack: string,
    config: StackConfig,
    secretKeys: readonly string[],
    now: Date = TEST_NOW,
): Promise<PlanDocument> {
    const run = await runUnderMocks({
        stack,
        config,
        secretKeys: [...secretKeys],
        program: () => buildPlatform(loadConfig(now)),
    });
    return toPlanDocument(run);
}

/** One line per change: `add <name>`, `delete <name>`, `update <name> [keys]`, `replace <name>`. */
export function changes(d: PlanDiff): string[] {
    return [
        ...d.adds.map((r) => `add ${r.name}`),
        ...d.deletes.map((r) => `delete ${r.name}`),
        ...d.updates.map((r) => `update ${r.name} [${r.changes.join(",")}]`),
        ...d.replaces.map((r) => `replace ${r.name}`),
        ...d.renames.map((r) => `rename ${r.name}`),
    ].sort();
}

export interface Step {
    readonly plan: PlanDocument;
    readonly diff: PlanDiff;
    readonly changes: string[];
    /** Mandatory and advisory findings of both packs, as `policy: message`. */
    readonly findings: string[];
    /** Unsafe transitions from the previous step. */
    readonly unsafe: string[];
}

/** Diff, police and check one step against the previous plan. */
export function step(
    previous: PlanDocument,
    plan: PlanDocument,
    environment: "dev" | "staging" | "prod",
): Step {
    const diff = diffPlans(previous, plan);
    const findings = evaluatePolicies(plan.resources, { stack: plan.stack, environment }).map(
        (v) => `${v.policyName}: ${v.message}`,
    );
    return {
        plan,
        diff,
        changes: changes(diff),
        findings,
        unsafe: transitionProblems(previous.resources, plan.resources),
    };
}

/** Set `mesh-platform:<key>` to the result of `edit` on a deep copy of its value. */
export function withKey<T>(config: StackConfig, key: string, edit: (v: T) => T): StackConfig {
    const full = `mesh-platform:${key}`;
    const next = structuredClone(config);
    next[full] = edit(structuredClone(config[full]) as T);
    return next;
}

const plans = new Map<string, Promise<PlanDocument>>();
/** planOf, cached per process by stack and config (the walks share their starting plans). */
export function cachedPlan(
    stack: string,
    config: StackConfig,
    secretKeys: readonly string[],
    now: Date = TEST_NOW,
): Promise<PlanDocument> {
    const key = `${stack}|${now.toISOString()}|${JSON.stringify(config)}`;
    let p = plans.get(key);
    if (!p) {
        p = planOf(stack, config, secretKeys, now);
        plans.set(key, p);
    }
    return p;
}

/** Problems the config loader reports for `raw` (keys without namespace), as `key: message`. */
export function configProblems(parse: () => unknown): string[] {
    try {
        parse();
        return [];
    } catch (e) {
        const problems = (e as { problems?: { key: string; message: string }[] }).problems;
        if (!problems) throw e;
        return problems.map((p) => `${p.key}: ${p.message}`);
    }
}
