/**
 * The access matrix: who can reach and do what, proved from a plan's declared resources before
 * anything touches a cloud. `accessMatrix(plan)` evaluates every expectation (./expectations.ts and the
 * teams' policies/access/teams/*.json); the plan writes the rows to out/<stack>/access.json and the
 * security pack's `access-matrix` stack policy reports the rows whose result differs from expect.
 */
import * as fs from "fs";
import * as path from "path";
import type { PlanResource } from "../../lib/plan-format";
import {
    evaluate,
    type Evaluation,
    type EvaluateOptions,
    type TeamExpectation,
} from "./expectations";
import { type AccessRow, fromPlan } from "./model";

export type { AccessRow, SkippedCheck } from "./model";
export { evaluate, type Evaluation, type TeamExpectation } from "./expectations";
export { fromPlan, fromPolicy } from "./model";

export const TEAMS_DIR = path.join(__dirname, "teams");

/** Every team's expectations (policies/access/teams/*.json: a JSON array of TeamExpectation). */
export function loadTeamExpectations(dir = TEAMS_DIR): TeamExpectation[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .flatMap((f) => {
            const list = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as unknown;
            if (!Array.isArray(list))
                throw new Error(`${path.join(dir, f)}: not a JSON array of expectations`);
            return list as TeamExpectation[];
        });
}

export function accessMatrix(
    resources: readonly PlanResource[],
    opts: EvaluateOptions = {},
): Evaluation {
    return evaluate(fromPlan(resources), { team: loadTeamExpectations(), ...opts });
}

export const failing = (rows: readonly AccessRow[]) => rows.filter((r) => r.result !== r.expect);

/** The short table the plan prints: counts per kind and every row that does not hold. */
export function formatAccess(ev: Evaluation): string[] {
    const lines = ["\nAccess matrix (out/<stack>/access.json):"];
    for (const kind of ["iam", "network", "rbac", "mesh"] as const) {
        const rows = ev.rows.filter((r) => r.kind === kind);
        const bad = failing(rows);
        lines.push(
            `  ${kind.padEnd(8)} ${String(rows.length).padStart(4)} checks, ${bad.length} not holding`,
        );
    }
    for (const r of failing(ev.rows)) {
        lines.push(
            `  FAIL [${r.kind}] ${r.subject} | ${r.action} | ${r.resource}: expect ${r.expect}, got ${r.result}`,
        );
        for (const w of r.why.slice(0, 3)) lines.push(`       ${w}`);
    }
    for (const s of ev.skipped) lines.push(`  skipped [${s.kind}] ${s.what}: ${s.reason}`);
    return lines;
}

/** The identities the Kubernetes providers' kubeconfigs assume (`--role-arn`), read from plaintext inputs. */
export function kubeconfigRoles(
    resources: readonly { type: string; plainInputs?: Record<string, unknown> }[],
): string[] {
    const out = new Set<string>();
    for (const r of resources) {
        if (r.type !== "pulumi:providers:kubernetes") continue;
        const kc = r.plainInputs?.kubeconfig;
        const text = typeof kc === "string" ? kc : JSON.stringify(kc ?? "");
        for (const m of text.matchAll(/arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+/g)) out.add(m[0]);
    }
    return [...out].sort();
}

/** What the plan's access step evaluated: the rows it wrote and the resources (by URN, in order) it read. */
export interface PlanAccess {
    readonly evaluation: Evaluation;
    readonly urns: readonly string[];
    /** Rows whose result differs from their expectation. */
    readonly failures: number;
}

/**
 * The plan's access step: evaluate, write <dir>/access.json, print the table. The evaluation is
 * returned for the plan's in-process run of the security pack (policies/offline.ts), whose
 * `access-matrix` policy then reports from it instead of evaluating the same resources again.
 */
export function planAccessStep(
    resources: readonly (PlanResource & { plainInputs?: Record<string, unknown> })[],
    dir: string,
    log: (s: string) => void,
): PlanAccess {
    const ev = accessMatrix(resources, { kubeconfigRoles: kubeconfigRoles(resources) });
    fs.writeFileSync(path.join(dir, "access.json"), JSON.stringify(ev.rows, null, 2) + "\n");
    for (const line of formatAccess(ev)) log(line);
    return { evaluation: ev, urns: resources.map((r) => r.urn), failures: failing(ev.rows).length };
}

/** The plan's access step; returns the failing count. */
export function runAccessStep(
    resources: readonly (PlanResource & { plainInputs?: Record<string, unknown> })[],
    dir: string,
    log: (s: string) => void,
): number {
    return planAccessStep(resources, dir, log).failures;
}

/**
 * Evaluations handed to the `access-matrix` stack policy, keyed by the very resource list the policy
 * is called with (the offline runner registers each list it builds). A pack running on its own under
 * `pulumi preview --policy-pack` finds nothing here and evaluates the matrix itself.
 */
const handedOver = new WeakMap<readonly object[], Evaluation>();

export function handOverEvaluation(policyResources: readonly object[], ev: Evaluation): void {
    handedOver.set(policyResources, ev);
}

export function handedOverEvaluation(policyResources: readonly object[]): Evaluation | undefined {
    return handedOver.get(policyResources);
}
