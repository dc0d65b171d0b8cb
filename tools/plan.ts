/**
 * Offline plan: `npm run plan -- --stack <name> [--out <dir>] [--stack-dir <dir>] [--no-tree]`.
 *
 * Runs the real program in-process under Pulumi's mock runtime with the values of
 * Pulumi.<stack>.yaml (no Pulumi CLI, no credentials, no network), then writes
 *   out/<stack>/plan.json            every resource and component, secrets masked, stable order
 *   out/<stack>/manifests/<c>.yaml   every Kubernetes object declared for cluster <c>
 *   out/<stack>/outputs.json         the stack outputs (secrets masked), which the drill can read
 *   out/<stack>/policy.json          policy violations from the CrossGuard packs
 * and prints a preview-like tree, counts per type, the deploy-time estimate and the policy results.
 *
 * Exit codes: 0 ok; 1 program error, missing provider or mandatory policy violation; 2 bad config or usage.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, loadConfig } from "../stacks/config";
import { buildPlatform } from "../stacks/platform";
import { readStackFile, runUnderMocks, UsageError, RunResult } from "./runtime";
import { canonicalJson, sortKeys, type PlanDocument } from "../lib/plan-format";
import {
    countByType, estimateDeploy, formatDuration, manifestsByCluster, missingProviders, renderTree, toPlanDocument,
    DEPLOY_SECONDS, DEFAULT_DEPLOY_SECONDS,
} from "./planfile";
import { runPlanPolicies } from "./planpolicies";

export const ROOT = path.resolve(__dirname, "..");

interface Args {
    stack: string;
    out: string;
    tree: boolean;
    stackDir: string;
}

function parseArgs(argv: string[]): Args {
    let stack: string | undefined;
    let out = path.join(ROOT, "out");
    let tree = true;
    let stackDir = ROOT;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack" || a === "-s") stack = argv[++i];
        else if (a.startsWith("--stack=")) stack = a.slice(8);
        else if (a === "--out") out = path.resolve(argv[++i]);
        else if (a === "--stack-dir") stackDir = path.resolve(argv[++i]);
        else if (a === "--no-tree") tree = false;
        else if (a === "--tree") tree = true;
        else throw new UsageError(`unknown argument ${a}; usage: npm run plan -- --stack <name> [--out <dir>] [--stack-dir <dir>] [--no-tree]`);
    }
    if (!stack) throw new UsageError("missing --stack <name>; usage: npm run plan -- --stack <name> [--out <dir>] [--stack-dir <dir>] [--no-tree]");
    return { stack, out, tree, stackDir };
}

export interface PlanResult {
    readonly run: RunResult;
    readonly plan: PlanDocument;
    readonly dir: string;
    readonly mandatoryViolations: number;
}

/** Plan one stack and write its artefacts; throws ConfigError / UsageError / program errors. */
export async function planStack(stack: string, outRoot: string, log: (s: string) => void = console.log, showTree = true, stackDir = ROOT): Promise<PlanResult> {
    const { config, secretKeys } = readStackFile(stackDir, stack);
    const dir = path.join(outRoot, stack);
    // A failed plan must not leave an older plan behind that looks current.
    fs.rmSync(dir, { recursive: true, force: true });

    const run = await runUnderMocks({ stack, config, secretKeys, program: () => buildPlatform(loadConfig()) });

    const orphans = missingProviders(run.resources);
    if (orphans.length > 0) {
        throw new Error(`default providers are disabled, but ${orphans.length} resource(s) have no explicit provider:\n` +
            orphans.map((r) => `  - ${r.type} ${r.name}`).join("\n"));
    }

    const plan = toPlanDocument(run);
    fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
    fs.writeFileSync(path.join(dir, "plan.json"), canonicalJson(plan));
    fs.writeFileSync(path.join(dir, "outputs.json"), canonicalJson(run.maskedOutputs));
    for (const [cluster, yaml] of manifestsByCluster(run)) {
        fs.writeFileSync(path.join(dir, "manifests", `${cluster}.yaml`), yaml);
    }

    if (showTree) {
        log(`Previewing stack ${stack} (offline, mock runtime)\n`);
        log(renderTree(run));
    }
    log("\nResources:");
    const counts = countByType(run);
    for (const [type, n] of counts) log(`    ${String(n).padStart(4)} ${type}`);
    log(`    ${String(run.resources.length).padStart(4)} total`);

    const est = estimateDeploy(run);
    log(`\nEstimated deploy time (longest dependency chain): ${formatDuration(est.totalSeconds)} (a serial deploy would take ${formatDuration(est.serialSeconds)})`);
    log("  chain: " + est.chain.map((r) => `${r.name} (${formatDuration(DEPLOY_SECONDS[r.type] ?? DEFAULT_DEPLOY_SECONDS)})`).join(" -> "));
    log("  finish per region/cluster: " + est.finishByGroup.map(([g, s]) => `${g} ${formatDuration(s)}`).join(", "));
    log("  durations used: " + Object.entries(DEPLOY_SECONDS).map(([t, s]) => `${t.split(":").pop()} ${formatDuration(s)}`).join(", ") + `, others ${DEFAULT_DEPLOY_SECONDS}s`);

    const policies = await runPlanPolicies(plan, config, dir, log);
    log(`\nWrote ${path.relative(process.cwd(), dir) || dir}/{plan.json,outputs.json,policy.json,manifests/}`);
    return { run, plan, dir, mandatoryViolations: policies.mandatory };
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(`error: ${(e as Error).message}`);
        return 2;
    }
    try {
        const result = await planStack(args.stack, args.out, console.log, args.tree, args.stackDir);
        if (result.mandatoryViolations > 0) {
            console.error(`\nerror: ${result.mandatoryViolations} mandatory policy violation(s); see ${path.join(result.dir, "policy.json")}`);
            return 1;
        }
        return 0;
    } catch (e) {
        if (e instanceof ConfigError) {
            console.error(`error: ${e.message}\nNo resources were declared and no plan was written.`);
            return 2;
        }
        if (e instanceof UsageError) {
            console.error(`error: ${e.message}`);
            return 2;
        }
        console.error(`error: the program failed: ${(e as Error).stack ?? String(e)}`);
        return 1;
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code), (e) => {
        console.error(e);
        process.exit(1);
    });
}

export { sortKeys };
