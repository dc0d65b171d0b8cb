/**
 * The CI workflows: a structural check of every file in .github/workflows (action-validator, the
 * JSON schema of GitHub workflows), supply-chain rules for all of them (third-party actions pinned by
 * commit SHA with the tag in a comment, no workflow-wide id-token/pull-requests write), and the shape
 * of the preview and deploy gates (runner groups, credentials, both policy packs before any `up`, the
 * approved update applying the saved plan).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { committedStacks, ROOT } from "../harness";

const DIR = path.join(ROOT, ".github", "workflows");
const FILES = fs
    .readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const VALIDATOR = path.join(ROOT, "node_modules", ".bin", "action-validator");

type Step = {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
};
type Job = {
    "runs-on"?: unknown;
    environment?: string;
    needs?: string | string[];
    if?: string;
    permissions?: Record<string, string> | string;
    env?: Record<string, string>;
    strategy?: { matrix: { include: Record<string, string>[] } };
    steps: Step[];
};
type Workflow = {
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
};
const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const load = (f: string) => parse(text(f)) as Workflow;
const stacksOf = (job: Job) => job.strategy!.matrix.include.map((m) => m.stack).sort();
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
/** Does a job run `pulumi preview` / `pulumi up` as a command (at the start of a line)? */
const runsPulumi = (job: Job, cmd = "preview|up") =>
    new RegExp(`(^|\\n)\\s*pulumi (${cmd})\\b`).test(runs(job));
const PULUMI_VERSION = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
    }
).dependencies["@pulumi/pulumi"];

function environmentOf(stack: string): string {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, string>;
    };
    return doc.config["mesh-platform:environment"];
}

function validate(file: string): { status: number | null; out: string } {
    const r = spawnSync(VALIDATOR, [file], { encoding: "utf8", timeout: 60_000 });
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Problems with the `uses:` lines of a workflow's text: each non-local action pinned by SHA, tag in a comment. */
export function pinProblems(source: string): string[] {
    const out: string[] = [];
    source.split("\n").forEach((line, i) => {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) return;
        const [, ref, rest] = m;
        if (ref.startsWith("./")) return;
        if (ref.startsWith("docker://")) {
            if (!/@sha256:[0-9a-f]{64}$/.test(ref))
                out.push(`line ${i + 1}: ${ref} is not pinned by digest`);
            return;
        }
        if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref))
            out.push(`line ${i + 1}: ${ref} is not pinned by a full commit SHA`);
        else if (!/^\s+#\s*v\d+(\.\d+){0,2}\b/.test(rest))
            out.push(`line ${i + 1}: ${ref} has no "# vX.Y.Z" comment naming its tag`);
    });
    return out;
}

/** Workflow-wide permissions that hand every job a powerful token. */
export function topLevelPermissionProblems(wf: Workflow): string[] {
    const p = wf.permissions;
    if (p === undefined) return ["no top-level permissions: every job gets the repository default"];
    if (typeof p === "string") return p === "read-all" ? [] : [`top-level permissions: ${p}`];
    return ["id-token", "pull-requests", "contents", "actions", "packages", "deployments"]
        .filter((k) => p[k] === "write")
        .map(
            (k) =>
                `top-level permissions give every job ${k}: write; grant it in the job that needs it`,
        );
}

describe("CI workflows: structure and supply chain (every file in .github/workflows)", () => {
    it("finds the workflows", () => {
        for (const f of ["preview.yml", "deploy.yml", "drill.yml"]) assert.ok(FILES.includes(f), f);
    });

    for (const f of FILES) {
        it(`${f} passes action-validator (the workflow schema)`, () => {
            const r = validate(path.join(DIR, f));
            assert.equal(r.status, 0, r.out);
        });
        it(`${f} pins every third-party action by commit SHA with its tag in a comment`, () => {
            assert.deepEqual(pinProblems(text(f)), []);
        });
        it(`${f} gives no workflow-wide write permission (id-token, pull-requests, ...)`, () => {
            assert.deepEqual(topLevelPermissionProblems(load(f)), []);
        });
    }

    it("action-validator fails a broken workflow (the check can fail)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wf-"));
        try {
            const bad = path.join(dir, "bad.yml");
            fs.writeFileSync(
                bad,
                "name: bad\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo\n",
            );
            assert.notEqual(validate(bad).status, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the pin and permission checks fail on what they guard against", () => {
        assert.deepEqual(
            pinProblems(
                [
                    "      - uses: actions/checkout@v4",
                    "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
                    "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
                    "      - uses: ./.github/actions/local",
                ].join("\n"),
            ),
            [
                "line 1: actions/checkout@v4 is not pinned by a full commit SHA",
                'line 2: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 has no "# vX.Y.Z" comment naming its tag',
            ],
        );
        assert.deepEqual(
            topLevelPermissionProblems({
                on: {},
                jobs: {},
                permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
            }),
            [
                "top-level permissions give every job id-token: write; grant it in the job that needs it",
                "top-level permissions give every job pull-requests: write; grant it in the job that needs it",
            ],
        );
    });
});

const PREVIEW_GROUP = "mesh-platform-preview";
const DEPLOY_GROUP = "mesh-platform-deploy";
const groupOf = (job: Job) => (job["runs-on"] as { group?: string } | undefined)?.group;
const packArgs = (env: string) =>
    [
        "--policy-pack policies/security",
        `--policy-pack-config "policies/config/security.${env}.json"`,
        "--policy-pack policies/cost",
        `--policy-pack-config "policies/config/cost.${env}.json"`,
    ].join(" ");
/** A step's run text with line continuations and folded newlines collapsed. */
const flat = (s: string) => s.replace(/\\\n/g, " ").replace(/\s+/g, " ");

describe("CI workflows: preview and deploy gates", () => {
    const preview = load("preview.yml");
    const deploy = load("deploy.yml");
    const pulumiJobs = (wf: Workflow) => Object.entries(wf.jobs).filter(([, j]) => runsPulumi(j));

    it("states permissions per job, nothing workflow-wide", () => {
        for (const wf of [preview, deploy]) {
            assert.deepEqual(wf.permissions, {});
            for (const [name, job] of Object.entries(wf.jobs))
                assert.ok(typeof job.permissions === "object", `${name} states its permissions`);
        }
        // Only the comment job may write to pull requests, and it runs no code of the pull request.
        for (const [name, job] of Object.entries({ ...preview.jobs, ...deploy.jobs })) {
            const p = job.permissions as Record<string, string>;
            if (p["pull-requests"] === "write") {
                assert.equal(name, "comment");
                assert.ok(!job.steps.some((s) => String(s.uses).startsWith("actions/checkout@")));
                assert.ok(!runsPulumi(job) && !/(^|\n)\s*(npm|npx|node|\.ci\/)/.test(runs(job)));
            }
            if (p["id-token"] === "write")
                assert.ok(runsPulumi(job), `${name} uses its OIDC token`);
        }
    });

    it("runs PR previews on the ephemeral preview group with read-only credentials, never forks", () => {
        const jobs = pulumiJobs(preview);
        assert.deepEqual(
            jobs.map(([n]) => n),
            ["preview"],
        );
        for (const [name, job] of jobs) {
            assert.equal(groupOf(job), PREVIEW_GROUP, name);
            assert.equal(job.env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_PREVIEW_TOKEN }}");
            assert.ok(!text("preview.yml").includes("DEPLOY"), "no deploy credential in previews");
            assert.equal(
                job.if,
                "github.event.pull_request.head.repo.full_name == github.repository",
            );
            assert.ok(!runsPulumi(job, "up"));
        }
        const job = preview.jobs.preview;
        assert.deepEqual(stacksOf(job), committedStacks());
        for (const m of job.strategy!.matrix.include) {
            assert.equal(m.environment, environmentOf(m.stack), m.stack);
            // prod-state previews wait for a reviewer of preview-production.
            assert.equal(
                m.gate,
                m.environment === "prod" ? "preview-production" : "preview",
                m.stack,
            );
        }
        assert.ok(
            flat(runs(job)).includes(packArgs("${{ matrix.environment }}")),
            "both packs with the environment's configs",
        );
    });

    it("deploys on the deploy group only: a preview with both packs and a saved plan, then up --plan after approval", () => {
        assert.deepEqual((deploy.on.push as { branches: string[] }).branches, ["main"]);
        const jobs = deploy.jobs;
        const ups = Object.entries(jobs).filter(([, j]) => runsPulumi(j, "up"));
        assert.deepEqual(
            ups.map(([n]) => n),
            ["up-nonprod", "up-prod"],
        );
        const deployed: string[] = [];
        for (const [name, job] of pulumiJobs(deploy))
            assert.equal(groupOf(job), DEPLOY_GROUP, name);
        for (const [name, up] of ups) {
            const gateName = String(up.needs);
            const gate = jobs[gateName];
            assert.ok(gate, `${name} needs its preview job`);
            assert.deepEqual(
                stacksOf(gate),
                stacksOf(up),
                `${name} applies what ${gateName} previewed`,
            );
            deployed.push(...stacksOf(up));
            for (const m of up.strategy!.matrix.include)
                assert.equal(m.environment, environmentOf(m.stack), m.stack);
            // The gate: a preview with both packs, saving the plan, uploaded for the up job.
            const g = flat(runs(gate));
            assert.match(
                g,
                /pulumi preview --stack "\$STACK" .*--save-plan "\$RUNNER_TEMP\/plan\.json"/,
            );
            assert.ok(g.includes(packArgs("${{ matrix.environment }}")), gateName);
            assert.equal(gate.env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_PREVIEW_TOKEN }}");
            assert.equal(gate.environment, "plan");
            assert.ok(!runsPulumi(gate, "up"));
            assert.ok(
                gate.steps.some(
                    (s) =>
                        String(s.uses).startsWith("actions/upload-artifact@") &&
                        s.with?.name === "plan-${{ matrix.stack }}",
                ),
            );
            // The update: the saved plan, both packs again, the deploy token only here.
            const u = flat(runs(up));
            assert.match(
                u,
                /pulumi up --stack "\$STACK" --yes .*--plan "\$RUNNER_TEMP\/plan\/plan\.json"/,
            );
            assert.ok(!u.includes("--skip-preview"), name);
            assert.ok(u.includes(packArgs("${{ matrix.environment }}")), name);
            assert.equal(up.env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_DEPLOY_TOKEN }}");
            assert.ok(
                up.steps.some(
                    (s) =>
                        String(s.uses).startsWith("actions/download-artifact@") &&
                        s.with?.name === "plan-${{ matrix.stack }}",
                ),
            );
        }
        assert.deepEqual(deployed.sort(), committedStacks());
        assert.equal(jobs["up-prod"].environment, "production");
        for (const m of jobs["up-prod"].strategy!.matrix.include)
            assert.equal(environmentOf(m.stack), "prod");
        assert.equal(jobs["preview-prod"].needs, "up-nonprod");
        assert.equal(deploy.env!.PULUMI_EXPERIMENTAL, "true", "update plans are experimental");
    });

    it("runs no pulumi command through pulumi/actions (its `up` skips the preview) and pins the CLI to the SDK's version", () => {
        for (const f of ["preview.yml", "deploy.yml"]) {
            for (const [name, job] of Object.entries(load(f).jobs)) {
                for (const s of job.steps.filter((x) =>
                    String(x.uses).startsWith("pulumi/actions@"),
                )) {
                    assert.deepEqual(s.with, { "pulumi-version": PULUMI_VERSION }, `${f} ${name}`);
                }
                if (runsPulumi(job))
                    assert.ok(
                        job.steps.some((x) => String(x.uses).startsWith("pulumi/actions@")),
                        `${f} ${name} installs the pinned CLI`,
                    );
            }
        }
        for (const pack of ["security", "cost"]) {
            assert.ok(fs.existsSync(path.join(ROOT, "policies", pack, "PulumiPolicy.yaml")), pack);
            for (const env of ["dev", "staging", "prod"])
                assert.ok(
                    fs.existsSync(path.join(ROOT, "policies", "config", `${pack}.${env}.json`)),
                    `${pack}.${env}.json`,
                );
        }
    });
});

describe("CI workflows: the weekly game day", () => {
    it("runs a real ingress-outage drill against staging, behind an approval, on the deploy runners", () => {
        const wf = load("drill.yml");
        assert.deepEqual(wf.on.schedule, [{ cron: "0 1 * * 1" }]);
        const job = wf.jobs["game-day"];
        assert.equal(job.environment, "drill-staging");
        assert.equal((job["runs-on"] as { group?: string }).group, "mesh-platform-deploy");
        const run = job.steps
            .map((s) => String(s.run ?? ""))
            .find((r) => r.includes("npm run drill"))!;
        for (const flag of ["--execute", "--yes", "--fault ingress-outage", "--restore"])
            assert.ok(run.includes(flag), `${flag} missing in: ${run}`);
        const matrix = job.strategy!.matrix.include as unknown as {
            stack: string;
            driven: boolean;
        }[];
        assert.deepEqual(
            matrix.filter((m) => m.driven).map((m) => m.stack),
            ["staging"],
        );
        // A cloud the drill does not drive is skipped with a notice, not failed.
        const skip = job.steps.find((s) => String(s.run ?? "").includes("::notice::drill skipped"));
        assert.ok(skip && String(skip.if).includes("!matrix.driven"));
        assert.ok(
            job.steps.some(
                (s) =>
                    String(s.uses ?? "").startsWith("actions/upload-artifact@") &&
                    String(s.if).includes("always()"),
            ),
            "the report is uploaded even when the drill fails",
        );
    });
});

describe("CI workflows: scheduled rotations", () => {
    it("deploys weekly with refresh in the gated preview and in the approved up (reader-token rotation)", () => {
        const wf = load("deploy.yml");
        assert.deepEqual(wf.on.schedule, [{ cron: "0 2 * * 1" }]);
        const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => String(s.run ?? "")));
        const previews = runs.filter((r) => r.includes("pulumi preview --stack"));
        const ups = runs.filter((r) => r.includes("pulumi up --stack"));
        assert.ok(previews.length > 0 && ups.length > 0);
        for (const r of [...previews, ...ups]) assert.match(r, /--refresh\b/, r);
    });
});
