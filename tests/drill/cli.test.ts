import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs, UsageError } from "../../drill/cli";
import { loadDrillOutputs, OutputsError, parseDrillOutputs } from "../../drill/outputs";
import { Route53Health } from "../../drill/aws";
import {
    drillOutputs, kubeconfigFor, Moto, PRIMARY_LB, seedAws, startDnsServer, startKubeApi, tempDir,
} from "./support";

const ROOT = path.resolve(__dirname, "../..");
const BACKUP = "velero-hourly-assessment-20261125110000";

describe("drill: CLI arguments and outputs", () => {
    it("parses the documented flags with defaults", () => {
        assert.deepEqual(parseArgs(["--stack", "prod", "--scenario", "region-failover"]), {
            stack: "prod", scenario: "region-failover", execute: false, restore: false, outputs: undefined,
            holdSeconds: 120, pollSeconds: 5, awsEndpoint: undefined, dnsServers: [], reportDir: undefined, stateDir: undefined,
        });
        const a = parseArgs(["--stack", "dev", "--scenario", "region-failover", "--execute", "--restore", "--outputs", "o.json",
            "--dns-server", "10.0.0.2", "--dns-server", "10.0.0.3:5353", "--hold", "30"]);
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
            [["--stack", "prod", "--scenario", "zone-outage"], /^--scenario must be one of region-failover \(got zone-outage\)/],
            [["--stack", "prod", "--scenario", "region-failover", "--hold", "-1"], /^--hold must be a number of seconds >= 0 \(got -1\)/],
            [["--stack", "prod", "--scenario", "region-failover", "--force"], /^unknown argument --force/],
            [["--stack", "--scenario", "region-failover"], /^--stack needs a value/],
        ];
        for (const [argv, re] of cases) assert.throws(() => parseArgs(argv), (e: Error) => e instanceof UsageError && re.test(e.message), argv.join(" "));
    });

    it("reads the drill object from full stack outputs and names every bad field", () => {
        const d = drillOutputs({ primaryCheck: "hc-1", secondaryCheck: "hc-2" });
        assert.deepEqual(parseDrillOutputs({ environment: "prod", drill: d }, "x.json"), d);
        assert.throws(() => parseDrillOutputs({ drill: { ...d, dns: { ...d.dns, ttlSeconds: "60" }, regions: [] } }, "x.json"),
            (e: Error) => e instanceof OutputsError
                && e.message.includes("drill.regions: Too small: expected array to have >=1 items")
                && e.message.includes("drill.dns.ttlSeconds: Invalid input: expected number, received string"));
        assert.throws(() => parseDrillOutputs({ ...d, primaryRegion: "tokyo" }, "x.json"), /exactly one region must be primary and match primaryRegion "tokyo"/);
        assert.throws(() => loadDrillOutputs("/nonexistent/outputs.json"), /cannot read stack outputs \/nonexistent\/outputs.json: .*npm run plan -- --stack <name>/);
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

    it("SIGINT in the middle aborts, restores the inverted flag and reports ABORTED", async () => {
        const aws = await seedAws(moto, { replicaBackup: BACKUP });
        const kube = await startKubeApi(() => [{
            apiVersion: "velero.io/v1", kind: "Backup",
            metadata: { name: BACKUP, namespace: "velero", labels: { "velero.io/schedule-name": "velero-hourly-assessment" } },
            spec: { storageLocation: "replica-singapore" },
            status: { phase: "Completed", completionTimestamp: new Date(Date.now() - 10 * 60000).toISOString() },
        }]);
        // DNS keeps answering the primary, so the drill waits in the failover phase until interrupted.
        const dns = await startDnsServer(() => PRIMARY_LB);
        try {
            const outputs = drillOutputs(aws, { primary: kubeconfigFor(kube.server, "singapore"), secondary: kubeconfigFor(kube.server, "tokyo") });
            const file = path.join(dir, "outputs.json");
            fs.writeFileSync(file, JSON.stringify({ environment: "prod", drill: outputs }));
            const child = spawn(process.execPath, ["-r", "ts-node/register", "drill/cli.ts",
                "--stack", "drilltest", "--scenario", "region-failover", "--execute", "--outputs", file,
                "--aws-endpoint", moto.endpoint, "--dns-server", dns.address, "--poll", "0.05", "--hold", "60",
                "--report-dir", path.join(dir, "reports"), "--state-dir", path.join(dir, "state")], {
                cwd: ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
                stdio: ["ignore", "pipe", "pipe"],
            });
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
            const code = await new Promise<number | null>((resolve) => {
                const t = setTimeout(() => child.kill("SIGKILL"), 90000);
                child.on("exit", (c) => {
                    clearTimeout(t);
                    resolve(c);
                });
            });
            assert.equal(sent, true, `never reached the failover phase:\n${stdout}\n${stderr}`);
            assert.equal(code, 3, `${stdout}\n${stderr}`);
            assert.match(stdout, /interrupt: aborting the drill and undoing what it changed/);
            assert.match(stdout, /verdict: ABORTED \(interrupted by the operator \(SIGINT\)\)/);
            assert.equal(await r53.getInverted(aws.primaryCheck), false);
            assert.equal(fs.existsSync(path.join(dir, "state", "drilltest.state.json")), false);
            const reports = fs.readdirSync(path.join(dir, "reports"));
            assert.equal(reports.length, 2);
            const report = JSON.parse(fs.readFileSync(path.join(dir, "reports", reports.find((f) => f.endsWith(".json"))!), "utf8"));
            assert.equal(report.verdict, "ABORTED");
            assert.deepEqual(report.phases.map((p: { name: string }) => p.name),
                ["preflight", "baseline", "inject", "detect", "failover", "undo", "report"]);
            assert.equal(report.phases.find((p: { name: string }) => p.name === "failover").status, "aborted");
            assert.ok(report.checks.every((c: { ok: boolean }) => c.ok));
            assert.equal(report.measurements.rpoMinutes >= 10 && report.measurements.rpoMinutes < 11, true);
            assert.match(fs.readFileSync(path.join(dir, "reports", reports.find((f) => f.endsWith(".md"))!), "utf8"), /```mermaid\ngantt/);
        } finally {
            await dns.close();
            await kube.close();
        }
    });
});
