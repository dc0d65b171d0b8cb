/**
 * Runs the CrossGuard packs over an offline plan the way `pulumi preview --policy-pack` would, prints
 * the results and writes policy.json. The packs' rules live in importable modules (policies/), so this
 * evaluates exactly the policies that the packs register. With the access step's result (`access`) the
 * security pack's access-matrix policy reports from it rather than evaluating the matrix again.
 */
import * as fs from "fs";
import * as path from "path";
import { canonicalJson, type PlanDocument } from "../lib/plan-format";
import type { PlanAccess } from "../policies/access";

export interface PlanPolicyResult {
    readonly mandatory: number;
    readonly advisory: number;
}

export async function runPlanPolicies(
    plan: PlanDocument,
    config: Record<string, unknown>,
    dir: string,
    log: (s: string) => void,
    access?: PlanAccess,
): Promise<PlanPolicyResult> {
    const offline = path.resolve(__dirname, "..", "policies", "offline.ts");
    if (!fs.existsSync(offline)) {
        fs.writeFileSync(path.join(dir, "policy.json"), canonicalJson([]));
        log("\nPolicies: no policy packs found (policies/offline.ts)");
        return { mandatory: 0, advisory: 0 };
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path, only when policies/offline.ts exists
    const mod = require(offline);
    const environment = String(config["mesh-platform:environment"] ?? "dev") as
        "dev" | "staging" | "prod";
    const violations: {
        policyName: string;
        pack: string;
        enforcementLevel: string;
        urn: string;
        message: string;
    }[] = await mod.evaluatePolicies(plan.resources, { stack: plan.stack, environment, access });
    const sorted = [...violations].sort((a, b) =>
        `${a.pack}|${a.policyName}|${a.urn}|${a.message}`.localeCompare(
            `${b.pack}|${b.policyName}|${b.urn}|${b.message}`,
        ),
    );
    fs.writeFileSync(path.join(dir, "policy.json"), canonicalJson(sorted));
    const mandatory = sorted.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = sorted.filter((v) => v.enforcementLevel === "advisory").length;
    log(`\nPolicies:`);
    if (sorted.length === 0) log("    all policies passed");
    for (const v of sorted) {
        const name = v.urn.split("::").pop();
        log(
            `    ${v.enforcementLevel === "mandatory" ? "mandatory" : "advisory "}  [${v.pack}] ${v.policyName}  ${name}: ${v.message}`,
        );
    }
    log(`    ${mandatory} mandatory, ${advisory} advisory`);
    if (typeof mod.printCostEstimate === "function")
        mod.printCostEstimate(plan.resources, { stack: plan.stack, environment }, log);
    return { mandatory, advisory };
}
