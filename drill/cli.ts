/**
 * DR drill CLI (node:util parseArgs).
 *
 *   npm run drill -- [run] --stack <name> [--fault ingress-outage|dns|fis] [--execute [--yes]] [--restore] ...
 *   npm run drill -- recover --stack <name> --outputs <file>
 *
 * Dry run by default. Exit codes (docs/drill.md): 0 PASSED or RECOVERED, 1 FAILED or NOT PASSED,
 * 2 bad usage or unusable outputs, 3 ABORTED (stop condition, deadline, SIGINT/SIGTERM), 4 REFUSED
 * (another drill holds the lock). The CLI exits with these itself once its undo is done, so
 * `npm run` passes them on.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { parseArgs as parseNodeArgs } from "util";
import { CloudWatchAlarms, DynamoLockStore, Route53HealthChecks } from "./aws";
import { Interrupted } from "./deadline";
import { DrillReport, EXIT_CODES, FAULTS, Fault, RegionFailoverDrill } from "./engine";
import { KubeClusters } from "./kube";
import {
    defaultOutputsFile,
    loadDrillOutputs,
    MASKED,
    maskedSecrets,
    OutputsError,
} from "./outputs";
import type { DrillPorts } from "./ports";
import { HttpsProbe } from "./probe";
import { ReportWriter } from "./report";
import { LocalStateMirror } from "./state";
import type { DrillOutputs } from "../lib/drill-contract";

export const USAGE = `usage: npm run drill -- [run|recover] --stack <name> [options]

  run (default)          the region-failover drill; a dry run unless --execute
  recover                undo what a crashed drill left (state in the lock table)

  --stack <name>         stack whose outputs are used (required)
  --outputs <file>       pulumi stack output --json --show-secrets (default out/<stack>/outputs.json)
  --fault <f>            ingress-outage (default) | dns | fis
  --execute              change things; on a prod stack asks for the stack name unless --yes
  --yes                  no confirmation
  --restore              restore the latest exams backup into a scratch namespace and verify it
  --hold <s>             seconds to hold on the secondary (default 120)
  --poll <s>             probe and poll interval (default 1)
  --call-timeout <s>     deadline of every API call (default 10)
  --lease <s>            lock lease, renewed every third (default 120)
  --expected-window <s>  errors tolerated this long after injection (default worst case x 2)
  --error-threshold <r>  stop when the error rate over 10 s exceeds r after that (default 0.5)
  --aws-endpoint <url>   every AWS client (moto_server)
  --dns-server <ip[:p]>  resolver for the public probe (repeatable; default: the system's)
  --probe-port <n>       ingress port (default 443); --probe-ca <pem file>: extra CA
  --report-dir <dir>     default drill-reports/<stack>; --state-dir <dir>: local state mirror
  --scenario region-failover (the only one)
  -h, --help             this text

exit: 0 PASSED/RECOVERED, 1 FAILED/NOT PASSED, 2 usage, 3 ABORTED, 4 REFUSED (lock held)`;

export class UsageError extends Error {}

export interface CliArgs {
    readonly command: "run" | "recover";
    readonly stack: string;
    readonly fault: Fault;
    readonly execute: boolean;
    readonly yes: boolean;
    readonly restore: boolean;
    readonly outputs?: string;
    readonly holdSeconds: number;
    readonly pollSeconds: number;
    readonly callTimeoutSeconds: number;
    readonly leaseSeconds: number;
    readonly expectedWindowSeconds?: number;
    readonly errorThreshold: number;
    readonly awsEndpoint?: string;
    readonly dnsServers: readonly string[];
    readonly probePort?: number;
    readonly probeCa?: string;
    readonly reportDir?: string;
    readonly stateDir?: string;
    readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
    let parsed;
    try {
        parsed = parseNodeArgs({
            args: [...argv],
            allowPositionals: true,
            strict: true,
            options: {
                stack: { type: "string" },
                scenario: { type: "string" },
                fault: { type: "string" },
                execute: { type: "boolean" },
                yes: { type: "boolean" },
                restore: { type: "boolean" },
                outputs: { type: "string" },
                hold: { type: "string" },
                poll: { type: "string" },
                "call-timeout": { type: "string" },
                lease: { type: "string" },
                "expected-window": { type: "string" },
                "error-threshold": { type: "string" },
                "aws-endpoint": { type: "string" },
                "dns-server": { type: "string", multiple: true },
                "probe-port": { type: "string" },
                "probe-ca": { type: "string" },
                "report-dir": { type: "string" },
                "state-dir": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        throw new UsageError(`${(e as Error).message}\n${USAGE}`);
    }
    const v = parsed.values;
    const help = v.help === true;
    const [command = "run", ...extra] = parsed.positionals;
    if (command !== "run" && command !== "recover")
        throw new UsageError(`unknown command ${command}; allowed: run, recover\n${USAGE}`);
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}\n${USAGE}`);
    if (!v.stack && !help) throw new UsageError(`--stack is required\n${USAGE}`);
    if (v.scenario !== undefined && v.scenario !== "region-failover")
        throw new UsageError(`--scenario must be region-failover (got ${v.scenario})`);
    const fault = (v.fault ?? "ingress-outage") as Fault;
    if (!FAULTS.includes(fault))
        throw new UsageError(`--fault must be one of ${FAULTS.join(", ")} (got ${v.fault})`);
    const num = (k: string, raw: string | undefined, def: number, min: number, max = Infinity) => {
        if (raw === undefined) return def;
        const n = Number(raw);
        if (!Number.isFinite(n) || n < min || n > max)
            throw new UsageError(
                `--${k} must be a number from ${min}${max === Infinity ? "" : ` to ${max}`} (got ${raw})`,
            );
        return n;
    };
    return {
        command,
        stack: v.stack ?? "",
        fault,
        execute: v.execute === true,
        yes: v.yes === true,
        restore: v.restore === true,
        outputs: v.outputs,
        holdSeconds: num("hold", v.hold, 120, 0),
        pollSeconds: num("poll", v.poll, 1, 0.05),
        callTimeoutSeconds: num("call-timeout", v["call-timeout"], 10, 0.1),
        leaseSeconds: num("lease", v.lease, 120, 1),
        expectedWindowSeconds:
            v["expected-window"] === undefined
                ? undefined
                : num("expected-window", v["expected-window"], 0, 0),
        errorThreshold: num("error-threshold", v["error-threshold"], 0.5, 0, 1),
        awsEndpoint: v["aws-endpoint"],
        dnsServers: v["dns-server"] ?? [],
        probePort:
            v["probe-port"] === undefined
                ? undefined
                : num("probe-port", v["probe-port"], 443, 1, 65535),
        probeCa: v["probe-ca"],
        reportDir: v["report-dir"],
        stateDir: v["state-dir"],
        help,
    };
}

/** The real ports: AWS SDK clients, the clusters' Kubernetes APIs and the HTTPS probe. */
export function realPorts(args: CliArgs, outputs: DrillOutputs): DrillPorts {
    const aws = { endpoint: args.awsEndpoint, requestTimeoutMs: args.callTimeoutSeconds * 1000 };
    return {
        healthChecks: new Route53HealthChecks(aws),
        alarms: new CloudWatchAlarms(aws),
        lock: new DynamoLockStore(outputs.lock.tableName, outputs.stack, outputs.lock.region, aws),
        cluster: new KubeClusters(outputs.smoke),
        probe: new HttpsProbe(outputs, {
            dnsServers: args.dnsServers,
            port: args.probePort,
            ca: args.probeCa ? fs.readFileSync(args.probeCa, "utf8") : undefined,
            timeoutMs: Math.min(3000, args.callTimeoutSeconds * 1000),
        }),
    };
}

async function confirm(stack: string): Promise<boolean> {
    if (!process.stdin.isTTY) return false;
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await new Promise<string>((resolve) =>
        rl.question(
            `This injects a real outage into prod stack ${stack}. Type the stack name to go on: `,
            resolve,
        ),
    );
    rl.close();
    return answer.trim() === stack;
}

export async function main(
    argv: readonly string[],
    root = path.resolve(__dirname, ".."),
): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        return 2;
    }
    if (args.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const outputsFile = args.outputs ?? defaultOutputsFile(root, args.stack);
    if (args.outputs === undefined && !fs.existsSync(outputsFile)) {
        process.stderr.write(
            `no stack outputs for stack "${args.stack}": ${outputsFile} does not exist.\n` +
                `  For a practice dry run, plan the stack first: npm run plan -- --stack ${args.stack}\n` +
                "  For a real drill: pulumi stack output --json --show-secrets > outputs.json, then --outputs outputs.json\n",
        );
        return 2;
    }
    let outputs: DrillOutputs;
    try {
        outputs = loadDrillOutputs(outputsFile);
    } catch (e) {
        if (e instanceof OutputsError) {
            process.stderr.write(`${e.message}\n`);
            return 2;
        }
        throw e;
    }
    if (outputs.stack !== args.stack) {
        process.stderr.write(
            `${outputsFile} holds the outputs of stack "${outputs.stack}", not "${args.stack}"\n`,
        );
        return 2;
    }
    const masked = maskedSecrets(outputs);
    const changes = args.execute || args.command === "recover";
    if (changes && masked.length > 0) {
        process.stderr.write(
            `${outputsFile} has masked secrets (${masked.join(", ")} = "${MASKED}"): it can only drive a dry run.\n` +
                "  For --execute or recover: pulumi stack output --json --show-secrets > outputs.json, then --outputs outputs.json\n",
        );
        return 2;
    }
    if (
        args.execute &&
        outputs.environment === "prod" &&
        !args.yes &&
        !(await confirm(outputs.stack))
    ) {
        process.stderr.write(
            `--execute on prod stack ${outputs.stack}: not confirmed (pass --yes in automation)\n`,
        );
        return 2;
    }

    const controller = new AbortController();
    // `npm run` forwards the signal it got to the drill as well: a repeat within a second is the
    // same Ctrl-C, not a second one.
    let firstSignalAt = 0;
    const onSignal = (sig: NodeJS.Signals) => {
        if (firstSignalAt === 0) {
            firstSignalAt = Date.now();
            process.stdout.write(
                `\n${sig}: aborting the drill and undoing what it changed (again to leave without undo)\n`,
            );
            controller.abort(new Interrupted(sig));
        } else if (Date.now() - firstSignalAt > 1000) {
            process.stdout.write(
                "leaving without undo; the state is kept: run `npm run drill -- recover`\n",
            );
            process.exit(EXIT_CODES.ABORTED);
        }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const reportDir = args.reportDir ?? path.join(root, "drill-reports", args.stack);
    const drillId = `drill-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").toLowerCase()}-${process.pid}`;
    const writer = new ReportWriter(reportDir, drillId);
    process.stdout.write(`report (appended as it happens): ${writer.markdown}\n`);
    const drill = new RegionFailoverDrill({
        outputs,
        ports: realPorts(args, outputs),
        execute: args.execute,
        fault: args.fault,
        restore: args.restore,
        offline: masked.length > 0,
        holdMs: args.holdSeconds * 1000,
        pollMs: args.pollSeconds * 1000,
        callTimeoutMs: args.callTimeoutSeconds * 1000,
        leaseMs: args.leaseSeconds * 1000,
        expectedWindowMs:
            args.expectedWindowSeconds === undefined
                ? undefined
                : args.expectedWindowSeconds * 1000,
        errorRateThreshold: args.errorThreshold,
        signal: controller.signal,
        drillId,
        owner: `${os.userInfo().username}@${os.hostname()} pid ${process.pid}`,
        onEvent: (e) => {
            writer.append(e);
            process.stdout.write(
                `[${e.at.slice(11, 19)}] ${e.kind === "note" ? "    " : ""}${e.message}\n`,
            );
        },
    });
    let report: DrillReport;
    try {
        report = args.command === "recover" ? await drill.recover() : await drill.run();
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
    writer.finish(report);
    LocalStateMirror.forStack(
        args.stateDir ?? path.join(root, "drill-reports", "state"),
        args.stack,
    ).write(
        report.pending?.length
            ? {
                  version: 2,
                  stack: report.stack,
                  drillId: report.drillId,
                  owner: "",
                  updatedAt: report.endedAt ?? "",
                  changes: [],
              }
            : undefined,
    );
    process.stdout.write(`report: ${writer.json}\n        ${writer.markdown}\n`);
    if (!args.execute && args.command === "run")
        process.stdout.write("dry run: nothing was changed; add --execute to run the drill\n");
    return EXIT_CODES[report.verdict];
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`drill crashed: ${(e as Error).stack ?? String(e)}\n`);
            process.exit(EXIT_CODES.ABORTED);
        },
    );
}
