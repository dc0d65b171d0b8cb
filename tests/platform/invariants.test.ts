import { strict as assert } from "assert";
import { committedStacks, runStack } from "../harness";

/** Properties of the whole program that every area relies on, checked on every committed stack. */
describe("platform invariants", () => {
    for (const stack of committedStacks()) {
        describe(stack, () => {
            it("reads nothing back from a cluster or cloud (a read of what the same update creates fails a new stack's preview)", async () => {
                const run = await runStack(stack);
                assert.deepEqual(
                    run.resources.filter((r) => r.read).map((r) => `${r.type} ${r.name}`),
                    [],
                );
            });

            it("gives every custom resource an explicit provider (default providers are disabled)", async () => {
                const run = await runStack(stack);
                const orphans = run.customResources
                    .filter((r) => !r.provider)
                    .map((r) => `${r.type} ${r.name}`);
                assert.deepEqual(orphans, []);
            });
        });
    }
});
