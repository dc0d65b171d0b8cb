/**
 * The Istio support calendar against an input clock: a mesh whose every revision is past its minor's end
 * of life is refused (declared or by default), an upgrade under way is allowed with a warning per
 * cluster, a superseded patch is warned about, and the committed stacks are on the canary path.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig, TEST_NOW } from "../support/config";
import { ISTIO_MINORS, ISTIO_PATCHES } from "../../config/catalog";
import { istioAdvisories, supportedIstioVersions } from "../../config/rules-versions";
import { ISTIO_VERSIONS } from "../../lib/charts";
import { validRawConfig } from "../support/fixtures";
import { committedStackRaw } from "../cluster/stackconfig";
import { committedStacks } from "../harness";

type Raw = Record<string, unknown>;
const day = (d: string) => new Date(`${d}T00:00:00Z`);
const EOL = ISTIO_MINORS["1.30"].endOfLife!;

function problems(raw: Raw, now = TEST_NOW): ConfigError["problems"] {
    try {
        parseConfig("t", raw, new Set(), now);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}
const withIstio = (istio: unknown, regionIstio?: unknown): Raw => {
    const r = validRawConfig();
    r.mesh = { ...(r.mesh as Raw), istio };
    if (regionIstio !== undefined) {
        const regions = structuredClone(r.regions) as Raw[];
        regions[0].istio = regionIstio;
        r.regions = regions;
    }
    return r;
};
const only1303 = { revisions: [{ version: "1.30.3", tags: ["stable"] }] };
const canary = {
    revisions: [
        { version: "1.30.3", tags: ["stable"] },
        { version: "1.31.1", tags: ["canary"] },
    ],
};

describe("config: Istio end of life (clock is an input)", () => {
    it("1.30's end of life is dated and 1.31.1 is the one supported, not superseded release", () => {
        assert.equal(EOL, "2026-11-30");
        assert.deepEqual(supportedIstioVersions(TEST_NOW), ["1.31.1"]);
        assert.deepEqual(supportedIstioVersions(day("2026-11-29")), ["1.30.3", "1.31.1"]);
        assert.equal(ISTIO_PATCHES["1.31.1"].supersedes, "1.31.0");
        for (const v of [
            ...Object.keys(ISTIO_PATCHES),
            ...Object.values(ISTIO_PATCHES).map((p) => p.supersedes),
        ])
            assert.ok((ISTIO_VERSIONS as readonly string[]).includes(v), v);
    });

    it("accepts a mesh on 1.30.3 only up to the day before its end of life, then refuses it naming the date and the canary", () => {
        assert.deepEqual(problems(withIstio(only1303), day("2026-11-29")), []);
        const found = problems(withIstio(only1303), day(EOL));
        assert.equal(found.length, 1, JSON.stringify(found));
        assert.equal(found[0].key, "mesh-platform:mesh.istio.revisions");
        assert.deepEqual(found[0].value, ["1.30.3"]);
        assert.match(found[0].message, /Istio 1\.30 reached its end of life on 2026-11-30/);
        assert.match(found[0].message, /add 1\.31\.1 next to it as a canary revision/);
        assert.match(found[0].message, /supported: 1\.31\.1/);
    });

    it("refuses a stack that declares no revisions while the default is past its end of life, with both ways out", () => {
        const raw = validRawConfig();
        raw.mesh = { ...(raw.mesh as Raw), istio: undefined };
        const found = problems(raw);
        assert.equal(found.length, 1, JSON.stringify(found));
        assert.equal(found[0].key, "mesh-platform:mesh.istio.revisions");
        assert.equal(found[0].value, undefined);
        assert.match(found[0].message, /is not set, so the stack would run the default 1\.30\.3/);
        assert.match(found[0].message, /a new stack sets revisions: \[\{version: "1\.31\.1"/);
        assert.match(
            found[0].message,
            /a live stack that runs 1\.30\.3 declares it and adds 1\.31\.1/,
        );
    });

    it("refuses every region's own revisions when all are past end of life, and accepts one cluster going first", () => {
        const both = withIstio(only1303, only1303);
        const found = problems(both);
        assert.deepEqual(found.map((p) => p.key).sort(), [
            "mesh-platform:mesh.istio.revisions",
            "mesh-platform:regions[0].istio.revisions",
        ]);
        assert.deepEqual(problems(withIstio(only1303, canary)), []);
        assert.deepEqual(problems(withIstio(canary)), []);
    });

    it("warns per cluster while the upgrade is under way, and says nothing once it is done", () => {
        const cfg = parseConfig("t", withIstio(only1303, canary));
        assert.deepEqual(cfg.advisories, [
            "singapore: Istio 1.30.3 is past its end of life (2026-11-30); finish moving onto 1.31.1 and remove 1.30.3 (docs/upgrade-istio.md)",
            "tokyo: runs only Istio 1.30.3, past its end of life (2026-11-30); it moves onto 1.31.1 when stable is promoted (docs/upgrade-istio.md step 5)",
        ]);
        const done = parseConfig(
            "t",
            withIstio({ revisions: [{ version: "1.31.1", tags: ["stable"] }] }),
        );
        assert.equal(done.advisories, undefined);
    });

    it("warns about a superseded patch and about an end of life within 60 days", () => {
        const superseded = istioAdvisories([{ region: "tokyo", versions: ["1.31.0"] }], TEST_NOW);
        assert.equal(superseded.length, 1);
        assert.match(
            superseded[0],
            /^tokyo: Istio 1\.31\.0 is superseded by 1\.31\.1 \(security fixes/,
        );
        const soon = istioAdvisories(
            [{ region: "tokyo", versions: ["1.30.3"] }],
            day("2026-10-15"),
        );
        assert.deepEqual(soon, [
            "tokyo: Istio 1.30 reaches its end of life on 2026-11-30; upgrade before then (docs/upgrade-istio.md)",
        ]);
        assert.deepEqual(
            istioAdvisories([{ region: "tokyo", versions: ["1.30.3"] }], day("2026-09-01")),
            [],
        );
    });
});

describe("config: committed stacks and Istio support on 2026-12-02", () => {
    for (const stack of committedStacks())
        it(`${stack}: runs a supported Istio release in at least one cluster, and is warned about the rest`, () => {
            const { raw, secrets } = committedStackRaw(stack);
            const cfg = parseConfig(stack, raw, secrets);
            const versions = cfg.regions.flatMap((r) =>
                (r.istio ?? cfg.mesh.istio).revisions.map((x) => x.version),
            );
            assert.ok(
                versions.some((v) => supportedIstioVersions(TEST_NOW).includes(v)),
                versions.join(", "),
            );
            assert.ok((cfg.advisories ?? []).length > 0);
        });
});
