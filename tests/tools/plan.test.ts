import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify as toYaml } from "yaml";
import { planStack } from "../../tools/plan";
import { estimateDeploy } from "../../tools/planfile";
import { committedStacks, ROOT } from "../harness";
import { validRawConfig } from "../support/fixtures";

const silent = () => undefined;

function writeStack(dir: string, stack: string, raw: Record<string, unknown>): void {
    const config: Record<string, unknown> = { "pulumi:disable-default-providers": ["*"] };
    for (const [k, v] of Object.entries(raw)) config[`mesh-platform:${k}`] = v;
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), toYaml({ config }));
}

function runPlanCli(args: string[]) {
    return spawnSync(
        process.execPath,
        [require.resolve("ts-node/dist/bin.js"), path.join(ROOT, "tools/plan.ts"), ...args],
        {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 120_000,
        },
    );
}

describe("offline plan", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("commits the four stacks", () => {
        assert.deepEqual(committedStacks(), ["dev", "gcp", "prod", "staging"]);
    });

    for (const stack of ["dev", "gcp", "prod", "staging"]) {
        it(`plans ${stack} twice into byte-identical files`, async function () {
            this.timeout(300_000);
            const a = await planStack(stack, path.join(tmp, "a"), silent);
            const b = await planStack(stack, path.join(tmp, "b"), silent);
            const files = (dir: string) =>
                fs
                    .readdirSync(dir, { recursive: true })
                    .map(String)
                    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
                    .sort();
            assert.deepEqual(files(a.dir), files(b.dir));
            assert.ok(
                files(a.dir).includes("plan.json") &&
                    files(a.dir).includes("policy.json") &&
                    files(a.dir).includes("outputs.json"),
            );
            for (const f of files(a.dir)) {
                assert.equal(
                    fs.readFileSync(path.join(a.dir, f), "utf8"),
                    fs.readFileSync(path.join(b.dir, f), "utf8"),
                    `${f} differs between runs`,
                );
            }
            const plan = JSON.parse(fs.readFileSync(path.join(a.dir, "plan.json"), "utf8"));
            assert.equal(plan.stack, stack);
            const urns = plan.resources.map((r: { urn: string }) => r.urn);
            assert.deepEqual(
                urns,
                [...urns].sort(),
                "resources are not in a stable (sorted) order",
            );
            for (const r of plan.resources) {
                assert.deepEqual(
                    Object.keys(r)
                        .filter((k) => k !== "parent" && k !== "provider" && k !== "aliases")
                        .sort(),
                    ["custom", "dependencies", "inputs", "name", "protect", "type", "urn"],
                );
                if ("aliases" in r)
                    assert.ok(
                        r.aliases.length > 0 &&
                            r.aliases.every((a: string) => a.startsWith(`urn:pulumi:${stack}::`)),
                        `${r.urn}: aliases must be omitted when empty`,
                    );
            }
            assert.equal(a.mandatoryViolations, 0, `mandatory policy violations in ${stack}`);
        });
    }

    it("never writes a secret into plan.json", async function () {
        this.timeout(300_000);
        const res = await planStack("prod", path.join(tmp, "s"), silent);
        const text = fs.readFileSync(path.join(res.dir, "plan.json"), "utf8");
        for (const r of res.run.resources) {
            for (const p of r.secretInputPaths) {
                const plain = p
                    .split(/\.|\[|\]/)
                    .filter(Boolean)
                    .reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], r.plainInputs);
                if (typeof plain === "string" && plain.length >= 12)
                    assert.ok(
                        !text.includes(JSON.stringify(plain).slice(1, -1)),
                        `secret ${r.name}.${p} leaked into plan.json`,
                    );
            }
        }
        assert.ok(!/BEGIN [A-Z ]*PRIVATE KEY/.test(text), "a private key appears in plan.json");
    });

    it("rejects bad config with exit code 2, names every key, and writes no plan", function () {
        this.timeout(120_000);
        writeStack(tmp, "broken", {
            ...validRawConfig(),
            environment: "qa",
            dns: { zoneId: "Z1", zoneName: "example.com", hostname: "x.example.org" },
        });
        const out = path.join(tmp, "out");
        fs.mkdirSync(path.join(out, "broken"), { recursive: true });
        fs.writeFileSync(path.join(out, "broken", "plan.json"), "stale");
        const res = runPlanCli(["--stack", "broken", "--stack-dir", tmp, "--out", out]);
        assert.equal(res.status, 2, res.stderr + res.stdout);
        assert.match(
            res.stderr,
            /mesh-platform:environment: must be one of "dev", "staging", "prod" \(got "qa"\)/,
        );
        assert.match(
            res.stderr,
            /mesh-platform:dns\.hostname: must be inside the zone example\.com/,
        );
        assert.ok(!fs.existsSync(path.join(out, "broken")), "a plan directory was left behind");
    });

    it("exits 2 on an unknown stack and lists the committed ones", function () {
        this.timeout(120_000);
        const res = runPlanCli(["--stack", "nope", "--out", path.join(tmp, "o")]);
        assert.equal(res.status, 2);
        assert.match(res.stderr, /no stack file Pulumi\.nope\.yaml; committed stacks: .*prod/);
    });

    it("estimates the deploy along the longest chain with regions in parallel", async function () {
        this.timeout(300_000);
        const res = await planStack("prod", path.join(tmp, "d"), silent);
        const est = estimateDeploy(res.run);
        assert.ok(est.chain.length > 1, "no dependency chain found");
        assert.ok(
            est.totalSeconds < est.serialSeconds / 2,
            `deploy ${est.totalSeconds}s is not parallel (serial ${est.serialSeconds}s)`,
        );
        const eks = res.run.resources.filter((r) => r.type === "aws:eks/cluster:Cluster");
        assert.equal(eks.length, 2);
        // Both regions' clusters can start without waiting for each other: a serial chain would hold both.
        assert.ok(
            est.chain.filter((r) => r.type === "aws:eks/cluster:Cluster").length === 1,
            "the critical path runs through both regions' clusters",
        );
    });
});
