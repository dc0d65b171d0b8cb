/**
 * The plan CLI on day-0 config mistakes (exit 2, the file/key named, no stale plan left) and on stacks of
 * 1 and 3 regions (exit 0: every catalogued region has prices for the mandatory budget policy).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify as toYaml } from "yaml";
import { AWS_REGIONS, GCP_REGIONS } from "../../config/catalog";
import { PRICES } from "../../policies/cost/prices";
import { runPlan } from "../../tools/plan";
import { ROOT, TEST_NOW } from "../harness";
import { validRawConfig } from "../support/fixtures";
import { FIXTURE_SECRET_KEYS } from "../support/config";

type Raw = Record<string, unknown>;

function writeStack(dir: string, stack: string, raw: Raw): void {
    const config: Raw = { "pulumi:disable-default-providers": ["*"] };
    for (const [k, v] of Object.entries(raw))
        config[k.includes(":") ? k : `mesh-platform:${k}`] =
            // A secret key arrives as the stack file's `secure:` form, as `pulumi config set --secret` writes it.
            FIXTURE_SECRET_KEYS.includes(k) ? { secure: "AAABAFixtureCiphertext" } : v;
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), toYaml({ config }));
}

async function plan(dir: string, stack: string) {
    const log: string[] = [];
    const err: string[] = [];
    const code = await runPlan(
        {
            stack,
            out: path.join(dir, "out"),
            tree: false,
            stackDir: dir,
            allowDangerous: false,
            now: TEST_NOW,
        },
        { log: (s) => log.push(s), error: (s) => err.push(s), color: false },
    );
    return { code, log: log.join("\n"), err: err.join("\n") };
}

function stale(dir: string, stack: string): string {
    const d = path.join(dir, "out", stack);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "plan.json"), "stale");
    return d;
}

const regionList = (pairs: [string, string][]): Raw[] =>
    pairs.map(([name, region], i) => ({
        name,
        cloud: "aws",
        region,
        vpcCidr: `10.${10 + i * 10}.0.0/16`,
        ...(i === 0 ? { primary: true } : {}),
    }));

describe("plan CLI: day-0 config errors and region counts", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "day0-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("exits 2 on a YAML syntax error, naming file, line and column, and removes the stale plan", function () {
        this.timeout(120_000);
        fs.writeFileSync(
            path.join(tmp, "Pulumi.yamlbad.yaml"),
            "config:\n  mesh-platform:environment: dev\n  mesh-platform:tags: {team: platform\n",
        );
        const dir = stale(tmp, "yamlbad");
        const res = spawnSync(
            process.execPath,
            [
                require.resolve("ts-node/dist/bin.js"),
                "-T",
                path.join(ROOT, "tools/plan.ts"),
                "--stack",
                "yamlbad",
                "--stack-dir",
                tmp,
                "--out",
                path.join(tmp, "out"),
            ],
            { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
        );
        assert.equal(res.status, 2, res.stderr + res.stdout);
        assert.match(res.stderr, /Pulumi\.yamlbad\.yaml is not valid YAML/);
        assert.match(res.stderr, /Pulumi\.yamlbad\.yaml:\d+:\d+: /);
        assert.ok(!/\n\s+at /.test(res.stderr), `a stack trace was printed:\n${res.stderr}`);
        assert.ok(!fs.existsSync(dir), "the stale plan was left behind");
    });

    it("exits 2 on a misspelled namespace and on an unknown key, with a did-you-mean", async function () {
        this.timeout(120_000);
        writeStack(tmp, "typo", { ...validRawConfig(), "mesh-platfrom:observability": {} });
        const dir = stale(tmp, "typo");
        const a = await plan(tmp, "typo");
        assert.equal(a.code, 2, a.err);
        assert.match(
            a.err,
            /mesh-platfrom:observability: .*did you mean mesh-platform:observability\?/,
        );
        assert.match(a.err, /No resources were declared and no plan was written/);
        assert.ok(!fs.existsSync(dir));
        writeStack(tmp, "typo2", { ...validRawConfig(), certificate: {} });
        const b = await plan(tmp, "typo2");
        assert.equal(b.code, 2, b.err);
        assert.match(
            b.err,
            /mesh-platform:certificate: unknown key \(did you mean certificates\?\)/,
        );
    });

    it("exits 2 with one message on an unquoted version", async function () {
        this.timeout(120_000);
        writeStack(tmp, "numver", {
            ...validRawConfig(),
            kubernetes: { version: 1.35, adminRoleArn: "arn:aws:iam::111122223333:role/a" },
        });
        const r = await plan(tmp, "numver");
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /1 problem:/);
        assert.match(
            r.err,
            /mesh-platform:kubernetes\.version: .*write it as a string: "1\.35" \(got 1\.35\)/,
        );
    });

    it("exits 2 on two stack regions in one AWS region, naming the key and value", async function () {
        this.timeout(120_000);
        writeStack(tmp, "twin", {
            ...validRawConfig(),
            regions: regionList([
                ["singapore", "ap-southeast-1"],
                ["singapore2", "ap-southeast-1"],
            ]),
        });
        const r = await plan(tmp, "twin");
        assert.equal(r.code, 2, r.err);
        assert.match(
            r.err,
            /mesh-platform:regions\[1\]\.region: is also regions\[0\]\.region.*\(got "ap-southeast-1"\)/,
        );
        assert.ok(!fs.existsSync(path.join(tmp, "out", "twin")));
    });

    it("plans a 1-region stack with exit 0", async function () {
        this.timeout(600_000);
        writeStack(tmp, "one", {
            ...validRawConfig(),
            environment: "dev",
            regions: regionList([["singapore", "ap-southeast-1"]]),
        });
        const r = await plan(tmp, "one");
        assert.equal(r.code, 0, r.err + r.log);
        assert.ok(fs.existsSync(path.join(tmp, "out", "one", "plan.json")));
    });

    it("plans a 3-region stack in regions priced by multiplier with exit 0", async function () {
        this.timeout(600_000);
        writeStack(tmp, "three", {
            ...validRawConfig(),
            environment: "dev",
            regions: regionList([
                ["singapore", "ap-southeast-1"],
                ["ireland", "eu-west-1"],
                ["virginia", "us-east-1"],
            ]),
        });
        const r = await plan(tmp, "three");
        assert.equal(r.code, 0, r.err + r.log);
        assert.ok(!/not in the price table/.test(r.log), r.log);
    });

    it("has prices for every region the catalog accepts", () => {
        const missing = [...AWS_REGIONS, ...GCP_REGIONS].filter((r) => !PRICES[r]);
        assert.deepEqual(missing, []);
        for (const r of AWS_REGIONS) assert.equal(PRICES[r].cloud, "aws", r);
        for (const r of GCP_REGIONS) assert.equal(PRICES[r].cloud, "gcp", r);
    });
});
