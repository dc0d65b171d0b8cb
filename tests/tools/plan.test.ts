import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify as toYaml } from "yaml";
import { canonicalJson } from "../../lib/plan-format";
import { planStack, PlanResult } from "../../tools/plan";
import { estimateDeploy, manifestsByCluster, toPlanDocument } from "../../tools/planfile";
import { runPlanPolicies } from "../../tools/planpolicies";
import { runAccessStep } from "../../policies/access";
import { readStackFile } from "../../tools/runtime";
import { committedStacks, ROOT, runStack } from "../harness";
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

/**
 * The plan tool's artefacts written from the harness's own (cached) run of the same stack: a second,
 * independent run of the program, so comparing it with `planStack` proves the output is deterministic
 * without planning every stack twice more.
 */
async function artefactsOfHarnessRun(stack: string, dir: string): Promise<void> {
    const run = (await runStack(stack)).result;
    const plan = toPlanDocument(run);
    fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
    fs.writeFileSync(path.join(dir, "plan.json"), canonicalJson(plan));
    fs.writeFileSync(path.join(dir, "outputs.json"), canonicalJson(run.maskedOutputs));
    for (const [cluster, yaml] of manifestsByCluster(run)) {
        fs.writeFileSync(path.join(dir, "manifests", `${cluster}.yaml`), yaml);
    }
    runAccessStep(run.resources, dir, silent);
    await runPlanPolicies(plan, readStackFile(ROOT, stack).config, dir, silent);
}

describe("offline plan", () => {
    let tmp: string;
    /** One `planStack` per committed stack, shared by the tests below. */
    const planned = new Map<string, Promise<PlanResult>>();
    const planOnce = (stack: string): Promise<PlanResult> => {
        let p = planned.get(stack);
        if (!p) {
            p = planStack(stack, path.join(tmp, "a"), silent);
            planned.set(stack, p);
        }
        return p;
    };
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
            const a = await planOnce(stack);
            const b = { dir: path.join(tmp, "b", stack) };
            await artefactsOfHarnessRun(stack, b.dir);
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
                    files(a.dir).includes("access.json") &&
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
                        .filter(
                            (k) =>
                                ![
                                    "parent",
                                    "provider",
                                    "aliases",
                                    "additionalSecretOutputs",
                                ].includes(k),
                        )
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
        const res = await planOnce("prod");
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
        const res = await planOnce("prod");
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
