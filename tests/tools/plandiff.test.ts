import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    canonicalJson,
    engineUrns,
    type PlanDocument,
    type PlanResource,
} from "../../lib/plan-format";
import { parseArgs, runPlan, type PlanIo } from "../../tools/plan";
import {
    dangerOf,
    diffPlans,
    formatDiff,
    isEmptyDiff,
    STATEFUL,
    useColor,
} from "../../tools/plandiff";
import { toPlanDocument } from "../../tools/planfile";
import { runUnderMocks, RunResult } from "../../tools/runtime";

const STACK = "prod";
const P = "mesh-platform";
const STACK_URN = `urn:pulumi:${STACK}::${P}::pulumi:pulumi:Stack::${P}-${STACK}`;
const e = (qualifiedType: string, name: string) =>
    `urn:pulumi:${STACK}::${P}::${qualifiedType}::${name}`;

/** A plan resource with the mock monitor's URN (its parent's last type, Stack included). */
function res(
    type: string,
    name: string,
    parent: PlanResource | undefined,
    extra: Partial<PlanResource> = {},
): PlanResource {
    const parentUrn = parent?.urn ?? STACK_URN;
    const parentType = parentUrn.split("::")[2].split("$").pop();
    return {
        urn: `urn:pulumi:${STACK}::${P}::${parentType}$${type}::${name}`,
        type,
        name,
        parent: parentUrn,
        custom: !type.startsWith("mesh-platform:"),
        protect: false,
        inputs: {},
        dependencies: [],
        ...extra,
    };
}

const stackRes: PlanResource = {
    urn: STACK_URN,
    type: "pulumi:pulumi:Stack",
    name: `${P}-${STACK}`,
    custom: false,
    protect: false,
    inputs: {},
    dependencies: [],
};
const doc = (...resources: PlanResource[]): PlanDocument => ({
    stack: STACK,
    resources: [stackRes, ...resources],
});

describe("plan diff (tools/plandiff.ts)", () => {
    const provider = res("pulumi:providers:aws", "aws-tokyo", undefined, {
        custom: true,
        inputs: { region: "ap-northeast-1" },
    });
    const backups = res("mesh-platform:backup:Backups", "backups", undefined);
    const bucket = res("aws:s3/bucket:Bucket", "backup-tokyo", backups, {
        protect: true,
        provider: provider.urn,
        inputs: { bucket: "mesh-backup-tokyo", tags: { team: "a" } },
    });
    const role = res("aws:iam/role:Role", "velero", backups, {
        provider: provider.urn,
        inputs: { assumeRolePolicy: "{}", tags: { team: "a" } },
    });
    const base = doc(provider, backups, bucket, role);

    it("finds nothing between a plan and itself", () => {
        const d = diffPlans(base, JSON.parse(canonicalJson(base)));
        assert.ok(isEmptyDiff(d), JSON.stringify(d));
        assert.equal(d.dangerous.length, 0);
    });

    it("uses engine URNs: no Stack prefix, the parent's whole type chain", () => {
        const urns = engineUrns(base.resources);
        assert.equal(
            urns.get(bucket.urn),
            e("mesh-platform:backup:Backups$aws:s3/bucket:Bucket", "backup-tokyo"),
        );
        assert.equal(urns.get(provider.urn), e("pulumi:providers:aws", "aws-tokyo"));
        assert.equal(urns.get(STACK_URN), STACK_URN);
    });

    it("reports an add and a (harmless) delete", () => {
        const sa = res("aws:iam/role:Role", "extra", backups, { provider: provider.urn });
        const d = diffPlans(base, doc(provider, backups, bucket, sa));
        assert.deepEqual(
            d.adds.map((r) => r.name),
            ["extra"],
        );
        assert.deepEqual(
            d.deletes.map((r) => r.name),
            ["velero"],
        );
        assert.equal(d.dangerous.length, 0);
        assert.equal(d.renames.length + d.updates.length + d.replaces.length, 0);
    });

    it("reports an in-place update with the changed top-level inputs", () => {
        const changed = {
            ...role,
            inputs: { ...role.inputs, tags: { team: "b" }, description: "x" },
        };
        const d = diffPlans(base, doc(provider, backups, bucket, changed));
        assert.deepEqual(d.updates, [
            {
                urn: e("mesh-platform:backup:Backups$aws:iam/role:Role", "velero"),
                type: role.type,
                name: "velero",
                changes: ["description", "tags"],
            },
        ]);
        assert.equal(d.replaces.length + d.adds.length + d.deletes.length, 0);
    });

    it("shows a rename through an alias as a rename, not a delete and an add", () => {
        const old = e("mesh-platform:backup:Backups$aws:iam/role:Role", "velero");
        const renamed = res("aws:iam/role:Role", "velero-role", backups, {
            provider: provider.urn,
            inputs: role.inputs,
            aliases: [old],
        });
        const d = diffPlans(base, doc(provider, backups, bucket, renamed));
        assert.deepEqual(d.renames, [
            {
                urn: e("mesh-platform:backup:Backups$aws:iam/role:Role", "velero-role"),
                from: old,
                type: role.type,
                name: "velero-role",
                changes: [],
            },
        ]);
        assert.equal(d.adds.length + d.deletes.length + d.replaces.length, 0);
        assert.match(formatDiff(d).join("\n"), /rename urn:\S+::velero -> urn:\S+::velero-role/);
    });

    it("does not invent a rename from an alias that names no old resource, nor from a renamed look-alike", () => {
        const renamed = res("aws:iam/role:Role", "velero-role", backups, {
            provider: provider.urn,
            inputs: role.inputs,
            // Wrong parent chain: the old role lived under Backups.
            aliases: [e("aws:iam/role:Role", "velero")],
        });
        const d = diffPlans(base, doc(provider, backups, bucket, renamed));
        assert.equal(d.renames.length, 0);
        assert.deepEqual(
            d.adds.map((r) => r.name),
            ["velero-role"],
        );
        assert.deepEqual(
            d.deletes.map((r) => r.name),
            ["velero"],
        );
    });

    it("flags an alias for an old resource that another resource still is as a conflict", () => {
        const twin = res("aws:iam/role:Role", "velero-2", backups, {
            provider: provider.urn,
            aliases: [e("mesh-platform:backup:Backups$aws:iam/role:Role", "velero")],
        });
        const d = diffPlans(base, doc(provider, backups, bucket, role, twin));
        assert.equal(d.renames.length, 0);
        assert.equal(d.conflicts.length, 1, JSON.stringify(d.conflicts));
        assert.deepEqual(
            d.adds.map((r) => r.name),
            ["velero-2"],
        );
    });

    it("counts the delete of a protected bucket as dangerous, in red only when asked", () => {
        const d = diffPlans(base, doc(provider, backups, role));
        assert.deepEqual(
            d.deletes.map((r) => r.name),
            ["backup-tokyo"],
        );
        assert.deepEqual(d.dangerous, [
            {
                op: "delete",
                urn: e("mesh-platform:backup:Backups$aws:s3/bucket:Bucket", "backup-tokyo"),
                type: bucket.type,
                name: "backup-tokyo",
                why: ["protected", "S3 bucket"],
            },
        ]);
        const plain = formatDiff(d, false).join("\n");
        assert.match(plain, /- delete .*backup-tokyo {2}!! DANGEROUS: protected, S3 bucket/);
        assert.match(plain, /1 dangerous change /);
        assert.ok(!plain.includes("\x1b["), "colour without a terminal");
        assert.ok(
            formatDiff(d, true).some((l) => l.startsWith("\x1b[31m") && l.includes("backup-tokyo")),
        );
        assert.equal(useColor({ isTTY: false }, {}), false);
        assert.equal(useColor({ isTTY: true }, {}), true);
        assert.equal(useColor({ isTTY: false }, { FORCE_COLOR: "1" }), true);
        assert.equal(useColor({ isTTY: true }, { FORCE_COLOR: "0" }), false);
    });

    it("treats a changed physical name as a replace, dangerous for stateful kinds only", () => {
        const d = diffPlans(
            base,
            doc(
                provider,
                backups,
                { ...bucket, inputs: { ...bucket.inputs, bucket: "mesh-backup-tokyo-2" } },
                role,
            ),
        );
        assert.equal(d.replaces.length, 1);
        assert.deepEqual(d.replaces[0].reasons, ["bucket"]);
        assert.deepEqual(
            d.dangerous.map((x) => [x.op, x.name]),
            [["replace", "backup-tokyo"]],
        );
        assert.match(formatDiff(d).join("\n"), /approximation/);

        const ns = res("kubernetes:core/v1:Namespace", "istio-system", undefined, {
            inputs: { metadata: { name: "istio-system" } },
        });
        const moved = { ...ns, inputs: { metadata: { name: "istio-system-2" } } };
        const d2 = diffPlans(doc(ns), doc(moved));
        assert.deepEqual(
            d2.replaces.map((r) => r.reasons),
            [["metadata.name"]],
        );
        assert.equal(d2.dangerous.length, 0, "a namespace is not in the stateful list");
    });

    it("knows the mesh CA secret by name and keeps the stateful kinds in one list", () => {
        const cacerts = res("kubernetes:core/v1:Secret", "cacerts-east", undefined, {
            inputs: { metadata: { name: "cacerts", namespace: "istio-system" } },
        });
        const other = res("kubernetes:core/v1:Secret", "other", undefined, {
            inputs: { metadata: { name: "other", namespace: "istio-system" } },
        });
        assert.deepEqual(dangerOf(cacerts), ["Istio CA secret (cacerts)"]);
        assert.deepEqual(dangerOf(other), []);
        const d = diffPlans(
            doc(cacerts),
            doc({
                ...cacerts,
                inputs: { metadata: { name: "cacerts", namespace: "istio-other" } },
            }),
        );
        assert.deepEqual(
            d.dangerous.map((x) => [x.op, x.why]),
            [["replace", ["Istio CA secret (cacerts)"]]],
        );
        for (const t of [
            "aws:kms/key:Key",
            "gcp:storage/bucket:Bucket",
            "aws:eks/cluster:Cluster",
            "gcp:container/cluster:Cluster",
            "tls:index/privateKey:PrivateKey",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:eks/nodeGroup:NodeGroup",
        ]) {
            assert.ok(
                STATEFUL.some((s) => s.type === t),
                t,
            );
        }
    });

    it("replaces on a changed provider, but not when the provider was renamed through an alias", () => {
        const other = res("pulumi:providers:aws", "aws-osaka", undefined, {
            custom: true,
            inputs: { region: "ap-northeast-3" },
        });
        const d = diffPlans(
            base,
            doc(provider, other, backups, { ...bucket, provider: other.urn }, role),
        );
        assert.deepEqual(
            d.replaces.map((r) => [r.name, r.reasons]),
            [["backup-tokyo", ["provider"]]],
        );
        assert.equal(d.dangerous.length, 1);

        const renamedProvider = res("pulumi:providers:aws", "aws-ap-northeast-1", undefined, {
            custom: true,
            inputs: provider.inputs,
            aliases: [e("pulumi:providers:aws", "aws-tokyo")],
        });
        const d2 = diffPlans(
            base,
            doc(
                renamedProvider,
                backups,
                { ...bucket, provider: renamedProvider.urn },
                { ...role, provider: renamedProvider.urn },
            ),
        );
        assert.equal(d2.replaces.length, 0, JSON.stringify(d2.replaces));
        assert.deepEqual(
            d2.renames.map((r) => r.name),
            ["aws-ap-northeast-1"],
        );
    });

    it("sees grandchildren move when a component moves, though their mock URNs do not change", () => {
        // Backups moves under a new Platform component; the bucket's mock URN (BackupBucket's last type
        // only) stays the same, its engine URN does not.
        const platform = res("mesh-platform:index:Platform", "platform", undefined);
        const movedBackups = res("mesh-platform:backup:Backups", "backups", platform);
        const movedBucket = res("aws:s3/bucket:Bucket", "backup-tokyo", movedBackups, {
            protect: true,
            provider: provider.urn,
            inputs: bucket.inputs,
        });
        assert.equal(movedBucket.urn, bucket.urn);
        const d = diffPlans(
            base,
            doc(provider, platform, movedBackups, movedBucket, {
                ...res("aws:iam/role:Role", "velero", movedBackups),
                provider: provider.urn,
                inputs: role.inputs,
            }),
        );
        assert.ok(
            d.deletes.some((r) => r.name === "backup-tokyo"),
            "the bucket's engine URN changed",
        );
        assert.deepEqual(
            d.dangerous.map((x) => x.name),
            ["backup-tokyo"],
        );
    });
});

describe("alias recording (tools/runtime.ts)", () => {
    const run = (program: () => void) => runUnderMocks({ stack: "dev", config: {}, program });
    const find = (r: RunResult, name: string) => {
        const found = r.resources.find((x) => x.name === name);
        assert.ok(found, `no resource ${name}`);
        return found;
    };
    class App extends pulumi.ComponentResource {
        constructor(
            name: string,
            build: (self: App) => void,
            opts?: pulumi.ComponentResourceOptions,
        ) {
            super("test:index:App", name, {}, opts);
            build(this);
        }
    }
    class Thing extends pulumi.CustomResource {
        constructor(name: string, opts: pulumi.CustomResourceOptions) {
            super("test:index:Thing", name, { size: 1 }, opts);
        }
    }
    const thing = (name: string, opts: pulumi.CustomResourceOptions = {}) => new Thing(name, opts);

    it("resolves `aliases: [{ parent: rootStackResource }]` to the URN the resource had at the top level", async function () {
        this.timeout(60_000);
        const before = await run(() => {
            new App("app", () => undefined);
            thing("app-bucket");
        });
        const after = await run(() => {
            new App("app", (self) => {
                thing("app-bucket", {
                    parent: self,
                    aliases: [{ parent: pulumi.rootStackResource }],
                });
            });
        });
        const was = find(before, "app-bucket");
        const now = find(after, "app-bucket");
        assert.equal(was.engineUrn, "urn:pulumi:dev::mesh-platform::test:index:Thing::app-bucket");
        assert.notEqual(now.engineUrn, was.engineUrn);
        assert.deepEqual(now.aliases, [was.engineUrn]);
        const d = diffPlans(toPlanDocument(before), toPlanDocument(after));
        assert.deepEqual(
            d.renames.map((r) => [r.from, r.urn]),
            [[was.engineUrn, now.engineUrn]],
        );
        assert.equal(d.adds.length + d.deletes.length + d.replaces.length, 0, JSON.stringify(d));
    });

    it("resolves a name alias and the aliases children inherit from a renamed parent, two levels down", async function () {
        this.timeout(60_000);
        const before = await run(() => {
            new App("old-app", (self) => {
                thing("old-app-db", { parent: self });
                thing("old-cache", { parent: self });
                const tier = new App("old-app-tier", () => undefined, { parent: self });
                thing("old-app-tier-disk", { parent: tier });
            });
        });
        const after = await run(() => {
            new App(
                "app",
                (self) => {
                    thing("app-db", { parent: self });
                    thing("cache", { parent: self, aliases: [{ name: "old-cache" }] });
                    const tier = new App("app-tier", () => undefined, { parent: self });
                    thing("app-tier-disk", { parent: tier });
                },
                { aliases: [{ name: "old-app" }] },
            );
        });
        for (const [was, now] of [
            ["old-app", "app"],
            ["old-app-db", "app-db"],
            ["old-cache", "cache"],
            ["old-app-tier", "app-tier"],
            ["old-app-tier-disk", "app-tier-disk"],
        ]) {
            assert.ok(
                find(after, now).aliases.includes(find(before, was).engineUrn),
                `${now}: ${JSON.stringify(find(after, now).aliases)} lacks ${find(before, was).engineUrn}`,
            );
        }
        assert.equal(
            find(before, "old-app-tier-disk").engineUrn,
            "urn:pulumi:dev::mesh-platform::test:index:App$test:index:App$test:index:Thing::old-app-tier-disk",
        );
        const plan = toPlanDocument(after);
        assert.ok(plan.resources.every((r) => r.aliases === undefined || r.aliases.length > 0));
        const d = diffPlans(toPlanDocument(before), plan);
        assert.equal(d.renames.length, 5, JSON.stringify(d));
        assert.equal(
            d.adds.length + d.deletes.length + d.replaces.length + d.conflicts.length,
            0,
            JSON.stringify(d),
        );
    });
});

describe("plan --against (tools/plan.ts)", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plandiff-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const capture = (): PlanIo & { out: string[]; err: string[] } => {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, log: (s) => out.push(s), error: (s) => err.push(s), color: false };
    };

    it("parses --against <file>, --against=<file> and --allow-dangerous", () => {
        assert.equal(
            parseArgs(["--stack", "dev", "--against", "a.json"]).against,
            path.resolve("a.json"),
        );
        const a = parseArgs(["--stack=dev", "--against=b.json", "--allow-dangerous"]);
        assert.equal(a.against, path.resolve("b.json"));
        assert.equal(a.allowDangerous, true);
        assert.throws(() => parseArgs(["--stack", "dev", "--allow-dangerous"]), /needs --against/);
        assert.throws(() => parseArgs(["--stack", "dev", "--against"]), /needs a value/);
    });

    it("exits 0 on an empty diff, 1 on a dangerous one unless allowed, and writes diff.json", async function () {
        this.timeout(300_000);
        const out = path.join(tmp, "out");
        let io = capture();
        assert.equal(
            await runPlan({ ...parseArgs(["--stack", "dev", "--no-tree", "--out", out]) }, io),
            0,
            io.err.join("\n"),
        );
        const planFile = path.join(out, "dev", "plan.json");
        const plan: PlanDocument = JSON.parse(fs.readFileSync(planFile, "utf8"));

        // Against its own output (the file the new plan replaces): nothing to do.
        io = capture();
        assert.equal(
            await runPlan(
                parseArgs(["--stack", "dev", "--no-tree", "--out", out, `--against=${planFile}`]),
                io,
            ),
            0,
            io.err.join("\n"),
        );
        assert.ok(io.out.includes("  no changes"));
        const empty = JSON.parse(fs.readFileSync(path.join(out, "dev", "diff.json"), "utf8"));
        assert.deepEqual(Object.keys(empty).sort(), [
            "adds",
            "conflicts",
            "dangerous",
            "deletes",
            "renames",
            "replaces",
            "stack",
            "updates",
        ]);
        assert.equal(
            empty.adds.length +
                empty.deletes.length +
                empty.updates.length +
                empty.replaces.length +
                empty.renames.length,
            0,
        );

        // An old plan with one more protected bucket and a KMS key that had other tags.
        const buckets = plan.resources.filter((r) => r.type === "aws:s3/bucket:Bucket");
        assert.ok(buckets.length > 0);
        const gone: PlanResource = {
            ...buckets[0],
            urn: buckets[0].urn.replace(/::([^:]+)$/, "::$1-gone"),
            name: `${buckets[0].name}-gone`,
            protect: true,
        };
        const key = plan.resources.find((r) => r.type === "aws:kms/key:Key")!;
        const oldKey = { ...key, inputs: { ...key.inputs, description: "old description" } };
        const old: PlanDocument = {
            stack: "dev",
            resources: [...plan.resources.filter((r) => r !== key), gone, oldKey],
        };
        const oldFile = path.join(tmp, "old-plan.json");
        fs.writeFileSync(oldFile, canonicalJson(old));

        io = capture();
        assert.equal(
            await runPlan(
                parseArgs(["--stack", "dev", "--no-tree", "--out", out, "--against", oldFile]),
                io,
            ),
            1,
        );
        assert.match(io.err.join("\n"), /1 dangerous change/);
        assert.ok(
            io.out.some((l) => /- delete .*-gone {2}!! DANGEROUS: protected, S3 bucket/.test(l)),
            io.out.join("\n"),
        );
        const diff = JSON.parse(fs.readFileSync(path.join(out, "dev", "diff.json"), "utf8"));
        assert.deepEqual(
            diff.deletes.map((r: { name: string }) => r.name),
            [gone.name],
        );
        assert.deepEqual(
            diff.dangerous.map((r: { op: string; name: string }) => [r.op, r.name]),
            [["delete", gone.name]],
        );
        assert.deepEqual(
            diff.updates.map((r: { name: string; changes: string[] }) => [r.name, r.changes]),
            [[key.name, ["description"]]],
        );

        io = capture();
        assert.equal(
            await runPlan(
                parseArgs([
                    "--stack",
                    "dev",
                    "--no-tree",
                    "--out",
                    out,
                    "--against",
                    oldFile,
                    "--allow-dangerous",
                ]),
                io,
            ),
            0,
            io.err.join("\n"),
        );
        assert.match(io.err.join("\n"), /allowed by --allow-dangerous/);

        // An old plan whose istiod ran two minors behind: the step skips a minor (exit 1, named).
        const behind: PlanDocument = {
            stack: "dev",
            resources: plan.resources.map((r) =>
                r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "istiod"
                    ? { ...r, inputs: { ...r.inputs, version: "1.28.2" } }
                    : r,
            ),
        };
        assert.ok(
            behind.resources.some((r, i) => r !== plan.resources[i]),
            "dev has istiod releases",
        );
        const behindFile = path.join(tmp, "behind-plan.json");
        fs.writeFileSync(behindFile, canonicalJson(behind));
        io = capture();
        assert.equal(
            await runPlan(
                parseArgs(["--stack", "dev", "--no-tree", "--out", out, "--against", behindFile]),
                io,
            ),
            1,
        );
        assert.match(
            io.err.join("\n"),
            /unsafe step: .*Istio 1\.30 would run next to or after 1\.28/,
        );
    });

    it("refuses a plan of another stack or a file that is not a plan (exit 2)", async function () {
        this.timeout(60_000);
        const other = path.join(tmp, "other.json");
        fs.writeFileSync(other, canonicalJson({ stack: "prod", resources: [] }));
        let io = capture();
        assert.equal(
            await runPlan(
                parseArgs([
                    "--stack",
                    "dev",
                    "--no-tree",
                    "--out",
                    path.join(tmp, "o2"),
                    "--against",
                    other,
                ]),
                io,
            ),
            2,
        );
        assert.match(io.err.join("\n"), /plan of stack prod, not dev/);
        io = capture();
        assert.equal(
            await runPlan(
                parseArgs([
                    "--stack",
                    "dev",
                    "--no-tree",
                    "--out",
                    path.join(tmp, "o2"),
                    "--against",
                    path.join(tmp, "missing.json"),
                ]),
                io,
            ),
            2,
        );
        assert.ok(
            !fs.existsSync(path.join(tmp, "o2", "dev")),
            "planned although the old plan was unusable",
        );
    });
});
