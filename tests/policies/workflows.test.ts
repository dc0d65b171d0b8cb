import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { committedStacks } from "../harness";

const DIR = path.resolve(__dirname, "..", "..", ".github", "workflows");
const ROOT = path.resolve(__dirname, "..", "..");
type Job = {
    "runs-on"?: string | string[];
    environment?: string;
    needs?: string;
    strategy?: { matrix: { include: Record<string, string>[] } };
    steps: Record<string, unknown>[];
};
const load = (f: string) =>
    parse(fs.readFileSync(path.join(DIR, f), "utf8")) as {
        on: Record<string, unknown>;
        jobs: Record<string, Job>;
    };
const stacksOf = (job: Job) => job.strategy!.matrix.include.map((m) => m.stack).sort();
const pulumiStep = (job: Job) =>
    job.steps.find((s) => String(s.uses ?? "").startsWith("pulumi/actions@"))!.with as Record<
        string,
        string
    >;

/** Environment a stack's config selects (Pulumi.<stack>.yaml). */
function environmentOf(stack: string): string {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, string>;
    };
    return doc.config["mesh-platform:environment"];
}

/** Inputs of pulumi/actions v6 (action.yml of v6.6.1); anything else in `with:` is silently ignored by GitHub. */
const PULUMI_ACTION_V6_INPUTS = [
    "command",
    "stack-name",
    "pulumi-version",
    "pulumi-version-file",
    "work-dir",
    "comment-on-pr",
    "comment-on-pr-number",
    "comment-on-summary",
    "github-token",
    "cloud-url",
    "secrets-provider",
    "parallel",
    "message",
    "config-map",
    "expect-no-changes",
    "diff",
    "replace",
    "exclude",
    "exclude-dependents",
    "target",
    "target-dependents",
    "policyPacks",
    "policyPackConfigs",
    "refresh",
    "upsert",
    "remove",
    "edit-pr-comment",
    "color",
    "exclude-protected",
    "plan",
    "suppress-outputs",
    "suppress-progress",
    "always-include-summary",
    "continue-on-error",
    "log-verbosity",
    "log-flow",
    "debug",
];

describe("CI workflows", () => {
    it("run every preview and deploy on self-hosted runners inside the platform network (the cluster APIs are not public)", () => {
        for (const file of ["preview.yml", "deploy.yml"]) {
            for (const [name, job] of Object.entries(load(file).jobs)) {
                const command = job.steps
                    .map((s) => ((s.with ?? {}) as Record<string, string>).command)
                    .find((c) => c === "preview" || c === "up");
                if (!command) continue;
                assert.deepStrictEqual(
                    job["runs-on"],
                    ["self-hosted", "linux", "mesh-platform"],
                    `${file} ${name} runs pulumi ${command}`,
                );
            }
        }
    });

    it("use pulumi/actions@v6 with real inputs only, each pack paired with its config in order", () => {
        for (const file of ["preview.yml", "deploy.yml", "drill.yml"]) {
            for (const [name, job] of Object.entries(load(file).jobs)) {
                for (const step of job.steps.filter((s) =>
                    String(s.uses ?? "").startsWith("pulumi/actions"),
                )) {
                    assert.strictEqual(step.uses, "pulumi/actions@v6", `${file} ${name}`);
                    const w = (step.with ?? {}) as Record<string, string>;
                    assert.deepStrictEqual(
                        Object.keys(w).filter((k) => !PULUMI_ACTION_V6_INPUTS.includes(k)),
                        [],
                        `${file} ${name}`,
                    );
                    if (w.policyPacks) {
                        const packs = w.policyPacks.trim().split("\n");
                        const configs = w.policyPackConfigs.trim().split("\n");
                        assert.deepStrictEqual(
                            configs.map((c) =>
                                c.replace(/^policies\/config\/(\w+)\..*$/, "policies/$1"),
                            ),
                            packs,
                            `${file} ${name}`,
                        );
                        for (const pack of packs)
                            assert.ok(
                                fs.existsSync(path.join(ROOT, pack, "PulumiPolicy.yaml")),
                                pack,
                            );
                    }
                }
            }
        }
    });

    it("previews every committed stack on pull requests with both packs and its environment's configs", () => {
        const wf = load("preview.yml");
        assert.deepStrictEqual(Object.keys(wf.on), ["pull_request"]);
        const job = wf.jobs.preview;
        assert.deepStrictEqual(stacksOf(job), committedStacks());
        for (const m of job.strategy!.matrix.include)
            assert.strictEqual(m.environment, environmentOf(m.stack), m.stack);
        const w = pulumiStep(job);
        assert.strictEqual(w.command, "preview");
        assert.deepStrictEqual(w.policyPacks.trim().split("\n"), [
            "policies/security",
            "policies/cost",
        ]);
        assert.deepStrictEqual(w.policyPackConfigs.trim().split("\n"), [
            "policies/config/security.${{ matrix.environment }}.json",
            "policies/config/cost.${{ matrix.environment }}.json",
        ]);
        for (const env of ["dev", "staging", "prod"]) {
            for (const pack of ["security", "cost"])
                assert.ok(
                    fs.existsSync(path.join(ROOT, "policies", "config", `${pack}.${env}.json`)),
                );
        }
    });

    it("runs pulumi up per stack on main, prod stacks behind the production environment's approval", () => {
        const wf = load("deploy.yml");
        assert.deepStrictEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
        assert.deepStrictEqual(
            [...stacksOf(wf.jobs["up-nonprod"]), ...stacksOf(wf.jobs["up-prod"])].sort(),
            committedStacks(),
        );
        assert.strictEqual(wf.jobs["up-prod"].environment, "production");
        assert.strictEqual(wf.jobs["up-prod"].needs, "up-nonprod");
        for (const m of wf.jobs["up-prod"].strategy!.matrix.include)
            assert.strictEqual(environmentOf(m.stack), "prod");
        for (const job of ["up-nonprod", "up-prod"]) {
            const w = pulumiStep(wf.jobs[job]);
            assert.strictEqual(w.command, "up");
            assert.deepStrictEqual(w.policyPacks.trim().split("\n"), [
                "policies/security",
                "policies/cost",
            ]);
        }
    });

    it("runs the region-failover drill weekly in practice mode (no --execute)", () => {
        const wf = load("drill.yml");
        assert.deepStrictEqual(wf.on.schedule, [{ cron: "0 1 * * 1" }]);
        const run = wf.jobs.practice.steps
            .map((s) => String(s.run ?? ""))
            .find((r) => r.includes("npm run drill"))!;
        assert.strictEqual(
            run,
            'npm run drill -- --stack ${{ matrix.stack }} --scenario region-failover --outputs "$RUNNER_TEMP/outputs.json"',
        );
        assert.ok(!run.includes("--execute"));
        assert.deepStrictEqual(stacksOf(wf.jobs.practice), committedStacks());
    });
});
