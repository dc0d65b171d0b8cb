import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main, parseArgs, UsageError } from "../../drill/cli";
import { planStack } from "../../tools/plan";
import { loadDrillOutputs, OutputsError, parseDrillOutputs } from "../../drill/outputs";
import { Route53Health } from "../../drill/aws";
import {
    drillOutputs,
    kubeconfigFor,
    Moto,
    PRIMARY_LB,
    SECONDARY_LB,
    seedAws,
    startDnsServer,
    startKubeApi,
    tempDir,
} from "./support";

const ROOT = path.resolve(__dirname, "../..");
const BACKUP = "velero-hourly-assessment-20261125110000";

describe("drill: CLI arguments and outputs", () => {
    it("parses the documented flags with defaults", () => {
        assert.deepEqual(parseArgs(["--stack", "prod", "--scenario", "region-failover"]), {
            stack: "prod",
            scenario: "region-failover",
            execute: false,
            restore: false,
            outputs: undefined,
            holdSeconds: 120,
            pollSeconds: 5,
            awsEndpoint: undefined,
            dnsServers: [],
            reportDir: undefined,
            stateDir: undefined,
        });
        const a = parseArgs([
            "--stack",
            "dev",
            "--scenario",
            "region-failover",
            "--execute",
            "--restore",
            "--outputs",
            "o.json",
            "--dns-server",
            "10.0.0.2",
            "--dns-server",
            "10.0.0.3:5353",
            "--hold",
            "30",
        ]);
        assert.equal(a.execute, true);
        assert.equal(a.restore, true);
        assert.equal(a.outputs, "o.json");
        assert.deepEqual(a.dnsServers, ["10.0.0.2", "10.0.0.3:5353"]);
        assert.equal(a.holdSeconds, 30);
    });

    it("rejects bad usage naming the flag", () => {
        const cases: [string[], RegExp][] = [
            [["--scenario", "region-failover"], /^--stack is required/],
            [["--stack", "prod"], /^--scenario must be one of region-failover \(got nothing\)/],
            [
                ["--stack", "prod", "--scenario", "zone-outage"],
                /^--scenario must be one of region-failover \(got zone-outage\)/,
            ],
            [
                ["--stack", "prod", "--scenario", "region-failover", "--hold", "-1"],
                /^--hold must be a number of seconds >= 0 \(got -1\)/,
            ],
            [
                ["--stack", "prod", "--scenario", "region-failover", "--force"],
                /^unknown argument --force/,
            ],
            [["--stack", "--scenario", "region-failover"], /^--stack needs a value/],
        ];
        for (const [argv, re] of cases)
            assert.throws(
                () => parseArgs(argv),
                (e: Error) => e instanceof UsageError && re.test(e.message),
                argv.join(" "),
            );
    });

    it("reads the drill object from full stack outputs and names every bad field", () => {
        const d = drillOutputs({ primaryCheck: "hc-1", secondaryCheck: "hc-2" });
        assert.deepEqual(parseDrillOutputs({ environment: "prod", drill: d }, "x.json"), d);
        assert.throws(
            () =>
                parseDrillOutputs(
                    { drill: { ...d, dns: { ...d.dns, ttlSeconds: "60" }, regions: [] } },
                    "x.json",
                ),
            (e: Error) =>
                e instanceof OutputsError &&
                e.message.includes("drill.regions: Too small: expected array to have >=1 items") &&
                e.message.includes(
                    "drill.dns.ttlSeconds: Invalid input: expected number, received string",
                ),
        );
        assert.throws(
            () => parseDrillOutputs({ ...d, primaryRegion: "tokyo" }, "x.json"),
            /exactly one region must be primary and match primaryRegion "tokyo"/,
        );
        assert.throws(
            () => loadDrillOutputs("/nonexistent/outputs.json"),
            /cannot read stack outputs \/nonexistent\/outputs.json: .*npm run plan -- --stack <name>/,
        );
    });
});

/**
 * Start `npm run drill` the way a user does (a child process, so SIGINT and exit codes are real), with
 * `--execute` against moto and the test's DNS server, outputs written to `dir/outputs.json`.
 */
function spawnDrill(
    dir: string,
    outputs: unknown,
    awsEndpoint: string,
    dnsServer: string,
    extra: string[],
) {
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ environment: "prod", drill: outputs }));
    return spawn(
        process.execPath,
        [
            "-r",
            "ts-node/register",
            "drill/cli.ts",
            "--stack",
            "drilltest",
            "--scenario",
            "region-failover",
            "--execute",
            "--outputs",
            file,
            "--aws-endpoint",
            awsEndpoint,
            "--dns-server",
            dnsServer,
            "--poll",
            "0.05",
            "--report-dir",
            path.join(dir, "reports"),
            "--state-dir",
            path.join(dir, "state"),
            ...extra,
        ],
        {
            cwd: ROOT,
            env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
}

/** The child's exit code; a child still running after `ms` is killed (the wait is bounded). */
function exitCode(child: ReturnType<typeof spawn>, ms = 90000): Promise<number | null> {
    return new Promise((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), ms);
        child.on("exit", (c) => {
            clearTimeout(t);
            resolve(c);
        });
    });
}

/** Run the CLI in-process with stdout and stderr captured. */
async function runMain(
    argv: string[],
    root: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = (chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
    };
    process.stderr.write = (chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
    };
    try {
        return { code: await main(argv, root), stdout, stderr };
    } finally {
        process.stdout.write = out;
        process.stderr.write = err;
    }
}

describe("drill: practice mode from the offline plan (fresh checkout)", function () {
    this.timeout(60000);
    let root: string;
    const argv = (...extra: string[]) => [
        "--stack",
        "prod",
        "--scenario",
        "region-failover",
        "--report-dir",
        path.join(root, "reports"),
        "--state-dir",
        path.join(root, "state"),
        ...extra,
    ];

    before(() => {
        root = tempDir("drill-practice-");
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("says to run the plan first when out/<stack>/outputs.json does not exist yet", async () => {
        const r = await runMain(argv(), root);
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr.split("\n")[0],
            `no stack outputs for stack "prod": ${path.join(root, "out", "prod", "outputs.json")} does not exist.`,
        );
        assert.match(
            r.stderr,
            /^ {2}For a practice dry run, plan the stack first: npm run plan -- --stack prod$/m,
        );
        assert.equal(fs.existsSync(path.join(root, "reports")), false);
    });

    it("dry-runs from the plan's outputs after `npm run plan -- --stack prod` and refuses --execute on them", async () => {
        await planStack("prod", path.join(root, "out"), () => undefined, false);
        const r = await runMain(argv(), root);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
            r.stdout,
            /^practice mode: .*out\/prod\/outputs\.json has masked secrets; dry run only$/m,
        );
        assert.match(
            r.stdout,
            /\[dry-run\] would set Inverted=true on health check dns-singapore-health-\w+ \(singapore\)/,
        );
        assert.match(
            r.stdout,
            /verdict: PASSED \(dry run: static checks passed, nothing was measured or changed\)/,
        );
        const files = fs.readdirSync(path.join(root, "reports")).sort();
        assert.deepEqual(
            files.map((f) => path.extname(f)),
            [".json", ".md"],
        );
        const report = JSON.parse(fs.readFileSync(path.join(root, "reports", files[0]), "utf8"));
        assert.deepEqual(
            [
                report.stack,
                report.mode,
                report.verdict,
                report.primaryRegion,
                report.secondaryRegion,
            ],
            ["prod", "dry-run", "PASSED", "singapore", "tokyo"],
        );
        assert.equal(fs.existsSync(path.join(root, "state")), false);

        const x = await runMain(argv("--execute"), root);
        assert.equal(x.code, 2);
        assert.match(
            x.stderr,
            /outputs\.json has masked secrets \(drill\.regions\[0\]\.kubeconfig, drill\.regions\[1\]\.kubeconfig = "\[secret\]"\): it is the offline plan's practice file/,
        );
        assert.equal(fs.readdirSync(path.join(root, "reports")).length, 2);
        assert.equal(fs.existsSync(path.join(root, "state")), false);
    });
});

describe("drill: CLI as a child process", function () {
    this.timeout(120000);
    let moto: Moto;
    let dir: string;

    beforeEach(async () => {
        moto = await Moto.start();
        dir = tempDir("drill-cli-");
    });
    afterEach(async () => {
        await moto.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("passes a whole --execute --restore drill through the real Route 53, S3, DNS and Kubernetes clients, never calling the primary after injection", async () => {
        const aws = await seedAws(moto, { replicaBackup: BACKUP });
        const backup = {
            apiVersion: "velero.io/v1",
            kind: "Backup",
            metadata: {
                name: BACKUP,
                namespace: "velero",
                labels: { "velero.io/schedule-name": "velero-hourly-assessment" },
            },
            spec: { storageLocation: "replica-singapore" },
            status: {
                phase: "Completed",
                completionTimestamp: new Date(Date.now() - 10 * 60000).toISOString(),
            },
        };
        const primaryKube = await startKubeApi(() => []);
        const secondaryKube = await startKubeApi(() => [backup]);
        // Route 53 as the drill's DNS sees it: the secondary while the primary's check is inverted in moto.
        const r53 = new Route53Health({ endpoint: moto.endpoint });
        let answer = PRIMARY_LB;
        let polling = true;
        const poller = (async () => {
            while (polling) {
                answer = (await r53.getInverted(aws.primaryCheck).catch(() => false))
                    ? SECONDARY_LB
                    : PRIMARY_LB;
                await new Promise((r) => setTimeout(r, 30));
            }
        })();
        const dns = await startDnsServer(() => answer);
        try {
            const outputs = drillOutputs(aws, {
                primary: kubeconfigFor(primaryKube.server, "singapore"),
                secondary: kubeconfigFor(secondaryKube.server, "tokyo"),
            });
            const child = spawnDrill(dir, outputs, moto.endpoint, dns.address, [
                "--restore",
                "--hold",
                "0.3",
            ]);
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += String(d)));
            child.stderr.on("data", (d) => (stderr += String(d)));
            const code = await exitCode(child);
            assert.equal(code, 0, `${stdout}\n${stderr}`);
            const reports = fs.readdirSync(path.join(dir, "reports"));
            const report = JSON.parse(
                fs.readFileSync(
                    path.join(
                        dir,
                        "reports",
                        reports.find((f) => f.endsWith(".json"))!,
                    ),
                    "utf8",
                ),
            );
            assert.equal(report.verdict, "PASSED", report.reason);
            assert.deepEqual(
                report.phases.map((p: { name: string }) => p.name),
                [
                    "preflight",
                    "baseline",
                    "inject",
                    "detect",
                    "failover",
                    "verify-hold",
                    "failback",
                    "report",
                ],
            );
            assert.equal(report.checks.length, 11);
            assert.ok(report.checks.every((c: { ok: boolean }) => c.ok));
            assert.ok(
                report.measurements.detectionSeconds < 5 &&
                    report.measurements.failoverSeconds < 5 &&
                    report.measurements.failbackSeconds < 5,
            );
            assert.equal(await r53.getInverted(aws.primaryCheck), false);
            assert.equal(fs.existsSync(path.join(dir, "state", "drilltest.state.json")), false);

            const injectAt = Date.parse(
                report.phases.find((p: { name: string }) => p.name === "inject").start,
            );
            // The primary's Kubernetes API answered the preflight only.
            assert.deepEqual(
                primaryKube.requests.map((r) => r.url),
                ["/version"],
            );
            assert.ok(primaryKube.requests.every((r) => r.at < injectAt));
            const created = secondaryKube.requests.filter((r) => r.method === "POST");
            assert.deepEqual(
                created.map((r) => [r.url, r.body?.kind, r.body?.metadata.name, r.body?.spec]),
                [
                    [
                        "/apis/velero.io/v1/namespaces/velero/restores",
                        "Restore",
                        `${report.drillId}-assessment`,
                        {
                            backupName: BACKUP,
                            includedNamespaces: ["assessment"],
                            existingResourcePolicy: "none",
                            restorePVs: true,
                        },
                    ],
                ],
            );
            assert.ok(created[0].at > injectAt);
            assert.equal(report.restoreName, `${report.drillId}-assessment`);
        } finally {
            polling = false;
            await poller;
            await dns.close();
            await primaryKube.close();
            await secondaryKube.close();
        }
    });

    it("SIGINT in the middle aborts, restores the inverted flag and reports ABORTED", async () => {
        const aws = await seedAws(moto, { replicaBackup: BACKUP });
        const kube = await startKubeApi(() => [
            {
                apiVersion: "velero.io/v1",
                kind: "Backup",
                metadata: {
                    name: BACKUP,
                    namespace: "velero",
                    labels: { "velero.io/schedule-name": "velero-hourly-assessment" },
                },
                spec: { storageLocation: "replica-singapore" },
                status: {
                    phase: "Completed",
                    completionTimestamp: new Date(Date.now() - 10 * 60000).toISOString(),
                },
            },
        ]);
        // DNS keeps answering the primary, so the drill waits in the failover phase until interrupted.
        const dns = await startDnsServer(() => PRIMARY_LB);
        try {
            const outputs = drillOutputs(aws, {
                primary: kubeconfigFor(kube.server, "singapore"),
                secondary: kubeconfigFor(kube.server, "tokyo"),
            });
            const child = spawnDrill(dir, outputs, moto.endpoint, dns.address, ["--hold", "60"]);
            let stdout = "";
            let stderr = "";
            let sent = false;
            const r53 = new Route53Health({ endpoint: moto.endpoint });
            child.stdout.on("data", (d) => {
                stdout += String(d);
                if (!sent && stdout.includes("phase 5/8 failover")) {
                    sent = true;
                    // The flag is inverted at this point; interrupt.
                    void r53.getInverted(aws.primaryCheck).then((inv) => {
                        assert.equal(inv, true);
                        child.kill("SIGINT");
                    });
                }
            });
            child.stderr.on("data", (d) => (stderr += String(d)));
            const code = await exitCode(child);
            assert.equal(sent, true, `never reached the failover phase:\n${stdout}\n${stderr}`);
            assert.equal(code, 3, `${stdout}\n${stderr}`);
            assert.match(stdout, /interrupt: aborting the drill and undoing what it changed/);
            assert.match(stdout, /verdict: ABORTED \(interrupted by the operator \(SIGINT\)\)/);
            assert.equal(await r53.getInverted(aws.primaryCheck), false);
            assert.equal(fs.existsSync(path.join(dir, "state", "drilltest.state.json")), false);
            const reports = fs.readdirSync(path.join(dir, "reports"));
            assert.equal(reports.length, 2);
            const report = JSON.parse(
                fs.readFileSync(
                    path.join(
                        dir,
                        "reports",
                        reports.find((f) => f.endsWith(".json"))!,
                    ),
                    "utf8",
                ),
            );
            assert.equal(report.verdict, "ABORTED");
            assert.deepEqual(
                report.phases.map((p: { name: string }) => p.name),
                ["preflight", "baseline", "inject", "detect", "failover", "undo", "report"],
            );
            assert.equal(
                report.phases.find((p: { name: string }) => p.name === "failover").status,
                "aborted",
            );
            assert.ok(report.checks.every((c: { ok: boolean }) => c.ok));
            assert.equal(
                report.measurements.rpoMinutes >= 10 && report.measurements.rpoMinutes < 11,
                true,
            );
            assert.match(
                fs.readFileSync(
                    path.join(
                        dir,
                        "reports",
                        reports.find((f) => f.endsWith(".md"))!,
                    ),
                    "utf8",
                ),
                /```mermaid\ngantt/,
            );
        } finally {
            await dns.close();
            await kube.close();
        }
    });
});
