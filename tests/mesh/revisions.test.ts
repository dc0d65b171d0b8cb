import { strict as assert } from "assert";
import {
    compareVersions,
    resolveClusterIstio,
    revisionTagWebhook,
} from "../../components/mesh/revisions";
import { readerBindingName, readerClusterRole } from "../../components/mesh/naming";
import { collectClusterFacts } from "../../components/mesh/consistency";
import { istioCharts, pinnedChart } from "../../lib/charts";

describe("mesh: revisions and tags", () => {
    const two = {
        revisions: [
            { version: "1.30.3", tags: ["stable"] },
            { version: "1.31.0", tags: ["canary"] },
        ],
    };

    it("names each istiod release by revision; the revision that predates revisions keeps `istiod`", () => {
        const r = resolveClusterIstio("t", two);
        assert.deepEqual(
            r.revisions.map((x) => [x.revision, x.releaseName, x.logicalSuffix]),
            [
                ["1-30-3", "istiod", ""],
                ["1-31-0", "istiod-1-31-0", "-1-31-0"],
            ],
        );
        assert.equal(r.baseVersion, "1.31.0", "CRDs from the newest version");
        assert.equal(r.defaultRevision.revision, "1-30-3", "the namespace tag's revision");
        assert.deepEqual([r.gatewayTag, r.namespaceTag], ["stable", "stable"]);
        assert.deepEqual(
            [...r.tagRevision].map(([t, x]) => [t, x.revision]),
            [
                ["stable", "1-30-3"],
                ["canary", "1-31-0"],
            ],
        );
    });

    it("refuses what would leave a pod without a sidecar or a mesh past upstream's skew", () => {
        const bad: [unknown, RegExp][] = [
            [{ revisions: [] }, /istio\.revisions is empty/],
            [
                { revisions: [{ version: "1.29.0" }] },
                /revisions\[0\]\.version "1\.29\.0" has no pinned charts; allowed: 1\.30\.3, 1\.31\.0/,
            ],
            [
                { revisions: [{ version: "1.30.3", tags: ["stable"] }, { version: "1.30.3" }] },
                /revisions\[1\]\.version 1\.30\.3 is listed at \[0\] too/,
            ],
            [
                {
                    revisions: [
                        { version: "1.30.3", tags: ["stable"] },
                        { version: "1.31.0", tags: ["stable"] },
                    ],
                },
                /revisions\[1\]\.tags "stable" already points at 1\.30\.3/,
            ],
            [
                { revisions: [{ version: "1.30.3", tags: ["default"] }] },
                /must be a lower-case DNS label, not "default"/,
            ],
            [
                { revisions: [{ version: "1.30.3", tags: ["canary"] }] },
                /istio\.gatewayTag "stable" is not a tag of any revision \(tags: canary\)/,
            ],
            [
                { revisions: [{ version: "1.31.0", tags: ["stable"] }], namespaceTag: "canary" },
                /istio\.namespaceTag "canary" is not a tag/,
            ],
        ];
        for (const [args, re] of bad)
            assert.throws(
                () => resolveClusterIstio("Mesh m", args as never, "args."),
                (e: Error) => {
                    assert.match(e.message, /^Mesh m: args\.istio/);
                    assert.match(e.message, re);
                    return true;
                },
            );
    });

    it("renders the tag webhook like the chart's revision-tags-mwc.yaml, pointing at the revision's istiod", () => {
        const hook = revisionTagWebhook("stable", "1-31-0");
        assert.equal(hook.metadata.name, "istio-revision-tag-stable");
        assert.equal(hook.metadata.labels["istio.io/tag"], "stable");
        assert.equal(
            hook.metadata.labels["istio.io/rev"],
            "1-31-0",
            "istiod patches the caBundle of webhooks of its revision",
        );
        assert.deepEqual(
            hook.webhooks.map((w) => [
                w.name,
                (w.clientConfig as { service: { name: string } }).service.name,
            ]),
            [
                ["rev.namespace.sidecar-injector.istio.io", "istiod-1-31-0"],
                ["rev.object.sidecar-injector.istio.io", "istiod-1-31-0"],
            ],
        );
        assert.deepEqual(
            (hook.webhooks[0].namespaceSelector as { matchExpressions: unknown[] })
                .matchExpressions[0],
            {
                key: "istio.io/rev",
                operator: "In",
                values: ["stable"],
            },
        );
        assert.ok(
            hook.webhooks.every(
                (w) =>
                    w.failurePolicy === "Fail" &&
                    (w.clientConfig as { caBundle?: string }).caBundle === undefined,
            ),
        );
    });

    it("binds one link's reader per revision; names and roles follow the chart", () => {
        assert.equal(readerBindingName("tokyo", "1-30-3"), "istio-reader-tokyo");
        assert.equal(readerBindingName("tokyo", "1-31-0"), "istio-reader-tokyo-1-31-0");
        assert.equal(readerClusterRole("1-31-0"), "istio-reader-clusterrole-1-31-0-istio-system");
    });

    it("pins the charts of every Istio version and finds the pin of a release's version", () => {
        const repo = istioCharts("1.31.0").istiod.repo;
        assert.equal(pinnedChart("istiod", repo, "1.31.0")?.version, "1.31.0");
        assert.equal(pinnedChart("istiod", repo, "1.30.3")?.version, "1.30.3");
        assert.equal(
            pinnedChart("istiod", repo, "1.29.9")?.version,
            "1.30.3",
            "unknown: the default pin",
        );
        assert.ok(compareVersions("1.31.0", "1.30.10") > 0);
    });

    it("counts a cluster with a canary revision once in the mesh facts", () => {
        const istiod = (provider: string, revision: string, cluster: string) => ({
            type: "kubernetes:helm.sh/v3:Release",
            provider,
            inputs: {
                chart: "istiod",
                values: { revision, global: { multiCluster: { clusterName: cluster } } },
            },
        });
        const facts = collectClusterFacts([
            istiod("p-sg", "1-30-3", "singapore"),
            istiod("p-sg", "1-31-0", "singapore"),
            istiod("p-tk", "1-30-3", "tokyo"),
        ]);
        assert.deepEqual(
            facts.map((f) => f.cluster),
            ["singapore", "tokyo"],
        );
    });
});
