import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { serviceBand } from "../../policies/cost/rules/mesh";
import { committedStacks, ROOT } from "../harness";

/**
 * The cost pack cannot read stack config in a real preview, so its config carries the service count
 * that sizes istiod. It must stay in the same band as the stack's own `mesh.serviceCount`.
 */
describe("policy config agrees with the committed stacks", () => {
    for (const stack of committedStacks()) {
        it(`${stack}: the cost pack's service count is in the stack's istiod size band`, () => {
            const config = parseYaml(
                fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"),
            ).config;
            const env = config["mesh-platform:environment"] as string;
            const stackCount = Number(config["mesh-platform:mesh"].serviceCount ?? 40);
            const packConfig = JSON.parse(
                fs.readFileSync(path.join(ROOT, "policies", "config", `cost.${env}.json`), "utf8"),
            );
            const packCount = Number(packConfig["istiod-sized-to-service-band"].serviceCount);
            assert.equal(
                serviceBand(packCount),
                serviceBand(stackCount),
                `cost.${env}.json says ${packCount} services, Pulumi.${stack}.yaml ${stackCount}`,
            );
        });
    }
});
