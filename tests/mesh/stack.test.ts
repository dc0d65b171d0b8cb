import { strict as assert } from "assert";
import { RecordedRun, runStack } from "../harness";
import { validRawConfig } from "../support/fixtures";
import { checkMeshConsistency, collectClusterFacts } from "../../components/mesh/consistency";
import { strictProblems } from "./schema";

const facts = (run: RecordedRun) =>
    collectClusterFacts(
        run.resources.map((r) => ({ type: r.type, provider: r.provider, inputs: r.plainInputs })),
    );
const remoteSecrets = (run: RecordedRun) =>
    run
        .ofType("kubernetes:core/v1:Secret")
        .filter(
            (r) => ((r.plainInputs.metadata as any).labels ?? {})["istio/multiCluster"] === "true",
        );

/** The committed prod regions plus two more on other continents, non-overlapping CIDRs. */
function fourRegionConfig(): Record<string, unknown> {
    const raw = validRawConfig();
    return {
        ...raw,
        regions: [
            ...(raw.regions as object[]),
            { name: "frankfurt", cloud: "aws", region: "eu-central-1", vpcCidr: "10.30.0.0/16" },
            { name: "virginia", cloud: "aws", region: "us-east-1", vpcCidr: "10.40.0.0/16" },
        ],
    };
}

describe("mesh: whole program", () => {
    it("plans a generated 4-region stack with 12 remote secrets and a consistent mesh", async () => {
        const run = await runStack("four-regions", fourRegionConfig());
        const secrets = remoteSecrets(run);
        assert.equal(secrets.length, 12);
        const pairs = new Set(
            secrets.map(
                (s) =>
                    `${(s.plainInputs.metadata as any).annotations["networking.istio.io/cluster"]}->${s.provider}`,
            ),
        );
        assert.equal(pairs.size, 12);
        assert.deepEqual(
            checkMeshConsistency(facts(run), [
                "ap-southeast-1",
                "ap-northeast-1",
                "eu-central-1",
                "us-east-1",
            ]),
            [],
        );
        assert.equal(run.ofType("mesh-platform:mesh:ClusterMesh").length, 4);
    });

    for (const stack of ["prod", "gcp"]) {
        it(`${stack}: the committed stack's mesh is consistent and its Istio resources pass the schemas`, async () => {
            const run = await runStack(stack);
            const f = facts(run);
            assert.equal(f.length, 2);
            const localities =
                stack === "gcp"
                    ? ["asia-southeast1", "asia-northeast1"]
                    : ["ap-southeast-1", "ap-northeast-1"];
            assert.deepEqual(checkMeshConsistency(f, localities), []);
            assert.equal(remoteSecrets(run).length, 2);
            const crs = run.resources.filter((r) =>
                /^kubernetes:[a-z.]+\.istio\.io\//.test(r.type),
            );
            const kinds = new Set(crs.map((r) => r.type));
            for (const type of kinds) {
                // One of each kind per stack is enough here; tests/mesh/mesh.test.ts checks every resource.
                const r = crs.find((x) => x.type === type)!;
                assert.deepEqual(
                    await strictProblems(r.plainInputs as { apiVersion: string; kind: string }),
                    [],
                    r.name,
                );
            }
        });
    }

    it("prod: remote secrets point at the real cluster endpoints, and the ingress address comes from the Service", async () => {
        const run = await runStack("prod");
        const toTokyo = remoteSecrets(run).find(
            (s) =>
                (s.plainInputs.metadata as any).annotations["networking.istio.io/cluster"] ===
                "singapore",
        )!;
        const kubeconfig = JSON.parse(
            (toTokyo.plainInputs.stringData as Record<string, string>).singapore,
        );
        assert.match(
            kubeconfig.clusters[0].cluster.server,
            /^https:\/\/[0-9A-F]{32}\.gr7\.ap-southeast-1\.eks\.amazonaws\.com$/,
        );
        assert.ok(kubeconfig.users[0].user.token.length > 40);
        const istiod = run.one("kubernetes:helm.sh/v3:Release", "mesh-singapore-istiod");
        assert.equal(
            (istiod.plainInputs.values as any).resources.requests.memory,
            "2Gi",
            "120 services: medium band",
        );
        // Nothing is read back from a cluster: a read of a resource that a release creates in the same
        // update fails the preview of a new stack.
        assert.deepEqual(
            run.resources.filter((r) => r.read).map((r) => r.name),
            [],
        );
        const services = run
            .ofType("kubernetes:core/v1:Service")
            .filter((r) => (r.inputs.spec as { type?: string }).type === "LoadBalancer");
        assert.deepEqual(services.map((r) => r.name).sort(), [
            "mesh-singapore-ingress-service",
            "mesh-tokyo-ingress-service",
        ]);
    });
});
