/**
 * Offline plan: `npm run plan -- --stack <name> [--out <dir>] [--stack-dir <dir>] [--no-tree]`.
 *
 * Runs the real program in-process under Pulumi's mock runtime with the values of
 * Pulumi.<stack>.yaml (no Pulumi CLI, no credentials, no network), then writes
 *   out/<stack>/plan.json            every resource and component, secrets masked, stable order
 *   out/<stack>/manifests/<c>.yaml   every Kubernetes object declared for cluster <c>
 *   out/<stack>/outputs.json         the stack outputs (secrets masked), which the drill can read
 *   out/<stack>/policy.json          policy violations from the CrossGuard packs
 *   out/<stack>/access.json          the access matrix (policies/access): who can reach and do what
 * and prints a preview-like tree, counts per type, the deploy-time estimate and the policy results.
 *
 * With `--against <old plan.json>` (or `--against=<file>`) it then compares the new plan with the old one
 * (tools/plandiff.ts) and prints what a `pulumi up` of a stack deployed from the old plan would do: adds,
 * deletes, updates, replaces (approximated) and renames through aliases; deletes and replaces of protected
 * or stateful resources are flagged (red on a terminal or with FORCE_COLOR) and counted apart. It also
 * writes out/<stack>/diff.json. The old file is read before anything is written, so it may be the
 * out/<stack>/plan.json the new plan replaces.
 *
 * `--now <YYYY-MM-DD>` checks the Kubernetes support windows against that day instead of today.
 *
 * Exit codes: 0 ok (with --against: also no dangerous change, no unsafe day-2 step and no alias conflict; adds, updates,
 * renames and non-dangerous replaces are fine); 1 program error, missing provider, mandatory policy
 * violation, an access-matrix row whose result differs from its expectation, a dangerous delete/replace (unless --allow-dangerous) or an alias conflict the engine would
 * reject; 2 bad config or usage (also: an unreadable --against file or one of another stack).
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, loadConfig } from "../config";
import { buildPlatform } from "../platform";
import { readStackFile, runUnderMocks, UsageError, RunResult } from "./runtime";
import { canonicalJson, sortKeys, type PlanDocument } from "../lib/plan-format";
import {
    countByType,
    estimateDeploy,
    formatDuration,
    manifestsByCluster,
    missingProviders,
    renderTree,
    toPlanDocument,
    DEPLOY_SECONDS,
    DEFAULT_DEPLOY_SECONDS,
} from "./planfile";
import { diffPlans, formatDiff, isEmptyDiff, useColor, type PlanDiff } from "./plandiff";
import { runPlanPolicies } from "./planpolicies";
import { apiReachability, formatReachability } from "./reachability";
import { planAccessStep } from "../policies/access";
import { transitionProblems } from "../components/mesh/transitions";

export const ROOT = path.resolve(__dirname, "..");

export interface Args {
    stack: string;
    out: string;
    tree: boolean;
    stackDir: string;
    /** An older plan.json to diff the new plan against. */
    against?: string;
    allowDangerous: boolean;
    /** The day the config's support windows are checked against. @default today */
    now?: Date;
}

const USAGE =
    "usage: npm run plan -- --stack <name> [--out <dir>] [--stack-dir <dir>] [--no-tree] [--against <old plan.json> [--allow-dangerous]] [--now <YYYY-MM-DD>]";

export function parseArgs(argv: string[]): Args {
    let stack: string | undefined;
    let out = path.join(ROOT, "out");
    let tree = true;
    let stackDir = ROOT;
    let against: string | undefined;
    let allowDangerous = false;
    let now: Date | undefined;
    for (let i = 0; i < argv.length; i++) {
        let a = argv[i];
        let inline: string | undefined;
        const eq = a.indexOf("=");
        if (a.startsWith("--") && eq > 0) {
            inline = a.slice(eq + 1);
            a = a.slice(0, eq);
        }
        const value = () => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === "") throw new UsageError(`${a} needs a value; ${USAGE}`);
            return v;
        };
        const flag = () => {
            if (inline !== undefined) throw new UsageError(`${a} takes no value; ${USAGE}`);
        };
        if (a === "--stack" || a === "-s") stack = value();
        else if (a === "--out") out = path.resolve(value());
        else if (a === "--stack-dir") stackDir = path.resolve(value());
        else if (a === "--against") against = path.resolve(value());
        else if (a === "--now") {
            const v = value();
            now = new Date(`${v}T00:00:00Z`);
            if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(now.getTime()))
                throw new UsageError(`--now ${v} is not a date like 2026-12-02; ${USAGE}`);
        } else if (a === "--allow-dangerous") {
            flag();
            allowDangerous = true;
        } else if (a === "--no-tree") {
            flag();
            tree = false;
        } else if (a === "--tree") {
            flag();
            tree = true;
        } else throw new UsageError(`unknown argument ${argv[i]}; ${USAGE}`);
    }
    if (!stack) throw new UsageError(`missing --stack <name>; ${USAGE}`);
    if (allowDangerous && !against)
        throw new UsageError(`--allow-dangerous needs --against; ${USAGE}`);
    return { stack, out, tree, stackDir, against, allowDangerous, now };
}

/** Read an older plan.json for --against; a missing, unreadable or foreign file is a usage error. */
export function readPlanFile(file: string, stack: string): PlanDocument {
    let doc: PlanDocument;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new UsageError(`--against ${file}: ${(e as Error).message}`);
    }
    if (
        !doc ||
        typeof doc !== "object" ||
        !Array.isArray(doc.resources) ||
        typeof doc.stack !== "string"
    ) {
        throw new UsageError(`--against ${file}: not a plan.json (no stack and resources)`);
    }
    if (doc.stack !== stack)
        throw new UsageError(`--against ${file} is a plan of stack ${doc.stack}, not ${stack}`);
    return doc;
}

export interface PlanResult {
    readonly run: RunResult;
    readonly plan: PlanDocument;
    readonly dir: string;
    readonly mandatoryViolations: number;
    /** Access-matrix rows whose result differs from their expectation. */
    readonly accessFailures: number;
}

/** Plan one stack and write its artefacts; throws ConfigError / UsageError / program errors. */
export async function planStack(
    stack: string,
    outRoot: string,
    log: (s: string) => void = console.log,
    showTree = true,
    stackDir = ROOT,
    now: Date = new Date(),
): Promise<PlanResult> {
    const dir = path.join(outRoot, stack);
    // A failed plan must not leave an older plan behind that looks current: clear it before anything
    // can fail, reading the stack file included.
    fs.rmSync(dir, { recursive: true, force: true });
    const { config, secretKeys } = readStackFile(stackDir, stack);

    const run = await runUnderMocks({
        stack,
        config,
        secretKeys,
        program: () => buildPlatform(loadConfig(now)),
    });

    const orphans = missingProviders(run.resources);
    if (orphans.length > 0) {
        throw new Error(
            `default providers are disabled, but ${orphans.length} resource(s) have no explicit provider:\n` +
                orphans.map((r) => `  - ${r.type} ${r.name}`).join("\n"),
        );
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
    log(
        `\nEstimated deploy time (longest dependency chain): ${formatDuration(est.totalSeconds)} (a serial deploy would take ${formatDuration(est.serialSeconds)})`,
    );
    log(
        "  chain: " +
            est.chain
                .map(
                    (r) =>
                        `${r.name} (${formatDuration(DEPLOY_SECONDS[r.type] ?? DEFAULT_DEPLOY_SECONDS)})`,
                )
                .join(" -> "),
    );
    log(
        "  finish per region/cluster: " +
            est.finishByGroup.map(([g, s]) => `${g} ${formatDuration(s)}`).join(", "),
    );
    log(
        "  durations used: " +
            Object.entries(DEPLOY_SECONDS)
                .map(([t, s]) => `${t.split(":").pop()} ${formatDuration(s)}`)
                .join(", ") +
            `, others ${DEFAULT_DEPLOY_SECONDS}s`,
    );

    for (const line of formatReachability(apiReachability(run.resources))) log(line);
    const access = planAccessStep(run.resources, dir, log);

    // The security pack's access-matrix policy reports from the access step's evaluation.
    const policies = await runPlanPolicies(plan, config, dir, log, access);
    log(
        `\nWrote ${path.relative(process.cwd(), dir) || dir}/{plan.json,outputs.json,policy.json,access.json,manifests/}`,
    );
    return {
        run,
        plan,
        dir,
        mandatoryViolations: policies.mandatory,
        accessFailures: access.failures,
    };
}

export interface PlanIo {
    readonly log: (s: string) => void;
    readonly error: (s: string) => void;
    readonly color: boolean;
}

const consoleIo = (): PlanIo => ({ log: console.log, error: console.error, color: useColor() });

/** The CLI after argument parsing: plan, optionally diff; returns the exit code. */
export async function runPlan(args: Args, io: PlanIo = consoleIo()): Promise<number> {
    try {
        // Before planStack, which clears out/<stack>/: the old plan may live there.
        const old = args.against ? readPlanFile(args.against, args.stack) : undefined;
        const result = await planStack(
            args.stack,
            args.out,
            io.log,
            args.tree,
            args.stackDir,
            args.now,
        );
        let code = 0;
        if (result.mandatoryViolations > 0) {
            io.error(
                `\nerror: ${result.mandatoryViolations} mandatory policy violation(s); see ${path.join(result.dir, "policy.json")}`,
            );
            code = 1;
        }
        if (result.accessFailures > 0) {
            io.error(
                `\nerror: ${result.accessFailures} access-matrix row(s) differ from their expectation; see ${path.join(result.dir, "access.json")}`,
            );
            code = 1;
        }
        if (old && args.against) {
            const diff = diffPlans(old, result.plan);
            writeDiff(result.dir, diff);
            io.log(
                `\nDiff against ${args.against} (what \`pulumi up\` would do; offline approximation):`,
            );
            if (isEmptyDiff(diff)) io.log("  no changes");
            for (const line of formatDiff(diff, io.color)) io.log(line);
            io.log(`Wrote ${path.relative(process.cwd(), result.dir) || result.dir}/diff.json`);
            // Day-2 steps: one Istio minor at a time, no cluster signing with a root its peers do not
            // trust yet (components/mesh/transitions.ts).
            const unsafe = transitionProblems(old.resources, result.plan.resources);
            for (const p of unsafe) io.error(`error: unsafe step: ${p}`);
            if (unsafe.length > 0) code = 1;
            if (diff.conflicts.length > 0) {
                io.error(
                    `\nerror: ${diff.conflicts.length} alias conflict(s): the engine would reject this program`,
                );
                code = 1;
            }
            if (diff.dangerous.length > 0) {
                if (args.allowDangerous) {
                    io.error(
                        `\nwarning: ${diff.dangerous.length} dangerous change(s) allowed by --allow-dangerous`,
                    );
                } else {
                    io.error(
                        `\nerror: ${diff.dangerous.length} dangerous change(s) (delete or replace of a protected or stateful resource); ` +
                            "add aliases, or pass --allow-dangerous if they are intended",
                    );
                    code = 1;
                }
            }
        }
        return code;
    } catch (e) {
        if (e instanceof ConfigError) {
            io.error(`error: ${e.message}\nNo resources were declared and no plan was written.`);
            return 2;
        }
        if (e instanceof UsageError) {
            io.error(`error: ${e.message}`);
            return 2;
        }
        io.error(`error: the program failed: ${(e as Error).stack ?? String(e)}`);
        return 1;
    }
}

/** out/<stack>/diff.json: the machine-readable diff. */
export function writeDiff(dir: string, diff: PlanDiff): void {
    fs.writeFileSync(path.join(dir, "diff.json"), canonicalJson(diff));
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(`error: ${(e as Error).message}`);
        return 2;
    }
    return runPlan(args);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}

export { sortKeys };
