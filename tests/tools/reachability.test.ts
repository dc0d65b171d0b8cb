/** The plan's "from where is each API reachable" report, and the deployer rule's exit code. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runStack } from "../harness";
import { apiReachability, formatReachability } from "../../tools/reachability";
import { runPlan } from "../../tools/plan";
import { validRawConfig } from "../support/fixtures";

describe("plan: API reachability", function () {
    this.timeout(300000);

    it("prod: private endpoints, admitted from the VPCs and the management VPC, over the peerings", async () => {
        const run = await runStack("prod");
        const reach = apiReachability(run.resources);
        assert.deepEqual(
            reach.map((r) => [
                r.cluster,
                r.privateEndpoint,
                r.publicEndpoint,
                r.privateCidrs.map((c) => c.cidr).sort(),
                [...r.peerings].sort(),
            ]),
            [
                [
                    "singapore-eks",
                    true,
                    false,
                    ["10.0.0.0/16", "10.10.0.0/16", "10.20.0.0/16"],
                    ["management-singapore-request", "peering-singapore-tokyo-request"],
                ],
                [
                    "tokyo-eks",
                    true,
                    false,
                    ["10.0.0.0/16", "10.10.0.0/16", "10.20.0.0/16"],
                    ["management-tokyo-request", "peering-singapore-tokyo-request"],
                ],
            ],
        );
        const text = formatReachability(reach).join("\n");
        assert.match(text, /singapore-eks \(aws\): endpoint private\n/);
        assert.match(text, /private 443 from 10\.0\.0\.0\/16 \(deployer network/);
    });

    it("gcp: public endpoint limited to the authorized networks, the deployer's among them", async () => {
        const run = await runStack("gcp");
        const reach = apiReachability(run.resources);
        assert.deepEqual(
            reach.map((r) => r.cluster),
            ["singapore-gke", "tokyo-gke"],
        );
        for (const r of reach) {
            assert.equal(r.publicEndpoint, true);
            assert.ok(
                r.publicCidrs.some((c) => c.startsWith("198.51.100.0/28")),
                r.cluster,
            );
        }
    });

    it("a prod stack without a deployer exits 2 naming the key, and writes no plan", async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reach-"));
        const raw = validRawConfig();
        delete raw.deployer;
        const config: Record<string, unknown> = { "pulumi:disable-default-providers": ["*"] };
        for (const [k, v] of Object.entries(raw)) config[`mesh-platform:${k}`] = v;
        fs.writeFileSync(path.join(tmp, "Pulumi.nodeployer.yaml"), JSON.stringify({ config }));
        const errors: string[] = [];
        const code = await runPlan(
            {
                stack: "nodeployer",
                out: path.join(tmp, "out"),
                tree: false,
                stackDir: tmp,
                allowDangerous: false,
            },
            { log: () => undefined, error: (s) => errors.push(s), color: false },
        );
        assert.equal(code, 2);
        assert.match(errors.join("\n"), /mesh-platform:deployer: is required in prod/);
        assert.match(errors.join("\n"), /No resources were declared/);
        assert.ok(!fs.existsSync(path.join(tmp, "out", "nodeployer")));
    });
});
