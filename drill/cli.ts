/**
 * DR drill CLI.
 *
 *   npm run drill -- --stack <name> --scenario region-failover [--execute] [--outputs file.json] [--restore]
 *
 * Dry run by default: prints every action and changes nothing. Exit codes: 0 PASSED, 1 FAILED,
 * 3 ABORTED, 2 bad usage or unusable outputs. See docs/drill.md.
 */
import * as fs from "fs";
import * as path from "path";
import { Route53Health, S3Replicas } from "./aws";
import { AuthoritativeDns } from "./dns";
import { DrillReport, RegionFailoverDrill, Verdict } from "./engine";
import { KubeVelero } from "./kube";
import {
    defaultOutputsFile,
    loadDrillOutputs,
    MASKED,
    maskedSecrets,
    OutputsError,
} from "./outputs";
import type { DrillPorts } from "./ports";
import { writeReports } from "./report";
import { StateFile } from "./state";

export const SCENARIOS = ["region-failover"] as const;

export interface CliArgs {
    readonly stack: string;
    readonly scenario: (typeof SCENARIOS)[number];
    readonly execute: boolean;
    readonly restore: boolean;
    readonly outputs?: string;
    readonly holdSeconds: number;
    readonly pollSeconds: number;
    readonly awsEndpoint?: string;
    readonly dnsServers: readonly string[];
    readonly reportDir?: string;
    readonly stateDir?: string;
}

export class UsageError extends Error {}

const USAGE = `usage: npm run drill -- --stack <name> --scenario region-failover [--execute] [--outputs file.json] [--restore]
       [--hold <seconds, default 120>] [--poll <seconds, default 5>] [--aws-endpoint <url>] [--dns-server <ip[:port]>]...
       [--report-dir <dir, default drill-reports/<stack>>] [--state-dir <dir, default drill-reports/state>]`;

export function parseArgs(argv: readonly string[]): CliArgs {
    const flags = new Set(["--execute", "--restore"]);
    const valued = new Set([
        "--stack",
        "--scenario",
        "--outputs",
        "--hold",
        "--poll",
        "--aws-endpoint",
        "--dns-server",
        "--report-dir",
        "--state-dir",
    ]);
    const values = new Map<string, string[]>();
    const seen = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (flags.has(a)) {
            seen.add(a);
        } else if (valued.has(a)) {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--"))
                throw new UsageError(`${a} needs a value\n${USAGE}`);
            values.set(a, [...(values.get(a) ?? []), v]);
        } else {
            throw new UsageError(`unknown argument ${a}\n${USAGE}`);
        }
    }
    const one = (k: string) => values.get(k)?.at(-1);
    const stack = one("--stack");
    if (!stack) throw new UsageError(`--stack is required\n${USAGE}`);
    const scenario = one("--scenario");
    if (!scenario || !(SCENARIOS as readonly string[]).includes(scenario)) {
        throw new UsageError(
            `--scenario must be one of ${SCENARIOS.join(", ")} (got ${scenario ?? "nothing"})\n${USAGE}`,
        );
    }
    const seconds = (k: string, def: number, min: number) => {
        const raw = one(k);
        if (raw === undefined) return def;
        const n = Number(raw);
        if (!Number.isFinite(n) || n < min)
            throw new UsageError(`${k} must be a number of seconds >= ${min} (got ${raw})`);
        return n;
    };
    return {
        stack,
        scenario: scenario as CliArgs["scenario"],
        execute: seen.has("--execute"),
        restore: seen.has("--restore"),
        outputs: one("--outputs"),
        holdSeconds: seconds("--hold", 120, 0),
        pollSeconds: seconds("--poll", 5, 0.01),
        awsEndpoint: one("--aws-endpoint"),
        dnsServers: values.get("--dns-server") ?? [],
        reportDir: one("--report-dir"),
        stateDir: one("--state-dir"),
    };
}

export const EXIT_CODES: Readonly<Record<Verdict, number>> = { PASSED: 0, FAILED: 1, ABORTED: 3 };

/** The real ports: Route 53 and S3 through the AWS SDK, DNS from the zone's name servers, Kubernetes. */
export function realPorts(args: CliArgs, zoneId: string): DrillPorts {
    const route53 = new Route53Health({ endpoint: args.awsEndpoint });
    const kube = new KubeVelero();
    const servers =
        args.dnsServers.length > 0
            ? async () => args.dnsServers
            : () => route53.nameServers(zoneId);
    return {
        control: route53,
        health: route53,
        dns: new AuthoritativeDns(servers),
        backups: kube,
        replicas: new S3Replicas({ endpoint: args.awsEndpoint }),
        restores: kube,
        clusters: kube,
    };
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
    const outputsFile = args.outputs ?? defaultOutputsFile(root, args.stack);
    if (args.outputs === undefined && !fs.existsSync(outputsFile)) {
        process.stderr.write(
            `no stack outputs for stack "${args.stack}": ${outputsFile} does not exist.\n` +
                `  For a practice dry run, plan the stack first: npm run plan -- --stack ${args.stack}\n` +
                "  For a real drill, pass the deployed stack's outputs: pulumi stack output --json --show-secrets > outputs.json, then --outputs outputs.json\n",
        );
        return 2;
    }
    let outputs;
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
    if (args.execute && masked.length > 0) {
        process.stderr.write(
            `${outputsFile} has masked secrets (${masked.join(", ")} = "${MASKED}"): it is the offline plan's practice file ` +
                "or was written without --show-secrets, so it can only drive a dry run.\n" +
                "  For --execute, pass the deployed stack's outputs: pulumi stack output --json --show-secrets > outputs.json, then --outputs outputs.json\n",
        );
        return 2;
    }
    if (masked.length > 0)
        process.stdout.write(`practice mode: ${outputsFile} has masked secrets; dry run only\n`);

    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
        interrupts += 1;
        if (interrupts === 1) {
            process.stdout.write(
                "\ninterrupt: aborting the drill and undoing what it changed (Ctrl-C again to leave without undoing)\n",
            );
            controller.abort();
        } else {
            process.stdout.write(
                "leaving without undo; the next --execute run restores the health check from the state file\n",
            );
            process.exit(130);
        }
    };
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigint);

    const drill = new RegionFailoverDrill({
        outputs,
        ports: realPorts(args, outputs.dns.zoneId),
        stateFile: StateFile.forStack(
            args.stateDir ?? path.join(root, "drill-reports", "state"),
            args.stack,
        ),
        execute: args.execute,
        restore: args.restore,
        pollMs: args.pollSeconds * 1000,
        holdMs: args.holdSeconds * 1000,
        signal: controller.signal,
    });
    let report: DrillReport;
    try {
        report = await drill.run();
    } finally {
        process.off("SIGINT", onSigint);
        process.off("SIGTERM", onSigint);
    }
    const files = writeReports(
        args.reportDir ?? path.join(root, "drill-reports", args.stack),
        report,
    );
    process.stdout.write(`report: ${files.json}\n        ${files.markdown}\n`);
    if (!args.execute) {
        process.stdout.write(
            masked.length > 0
                ? "dry run: nothing was changed; for a real drill pass --outputs from `pulumi stack output --json --show-secrets` and add --execute\n"
                : "dry run: nothing was changed; add --execute to run the drill\n",
        );
    }
    return EXIT_CODES[report.verdict];
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`drill crashed: ${(e as Error).stack ?? String(e)}\n`);
            process.exit(3);
        },
    );
}
