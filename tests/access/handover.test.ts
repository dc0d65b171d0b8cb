/**
 * The offline plan evaluates the access matrix once: its access step's evaluation is handed to the
 * security pack's `access-matrix` policy (policies/offline.ts `evaluatePolicies({ access })`). These
 * tests show the pack reports the same from it as from its own evaluation, on the committed stacks
 * and with a broken row, that the only difference is the deployer rows a masked kubeconfig hides from
 * the pack's own evaluation (CrossGuard sees the plaintext, as the access step does), and that an
 * evaluation of other resources is refused.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planAccessStep, type PlanAccess } from "../../policies/access";
import { evaluatePolicies, type Environment, type PolicyViolation } from "../../policies/offline";
import type { PlanResource } from "../../lib/plan-format";
import { toPlanDocument } from "../../tools/planfile";
import { readStackFile, type RunResult } from "../../tools/runtime";
import { committedStacks, ROOT, runStack, type RecordedResource } from "../harness";

const silent = () => undefined;

const environmentOf = (stack: string) =>
    String(readStackFile(ROOT, stack).config["mesh-platform:environment"]) as Environment;

/** The access step over `resources` (written to a scratch directory). */
function accessStep(resources: readonly RecordedResource[]): PlanAccess {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "access-"));
    try {
        return planAccessStep(resources, dir, silent);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const accessFindings = (vs: readonly PolicyViolation[]) =>
    vs.filter((v) => v.policyName === "access-matrix").map((v) => `${v.urn} ${v.message}`);

describe("access matrix: one evaluation per plan", function () {
    this.timeout(600_000);

    for (const stack of committedStacks()) {
        it(`${stack}: the packs report the same with the access step's evaluation as without`, async () => {
            const run = await runStack(stack);
            const plan = toPlanDocument(run.result);
            const opts = { stack, environment: environmentOf(stack) };
            const access = accessStep(run.resources);
            assert.ok(access.evaluation.rows.length > 20, "the matrix has rows");
            assert.deepStrictEqual(
                evaluatePolicies(plan.resources, { ...opts, access }),
                evaluatePolicies(plan.resources, opts),
            );
        });
    }

    describe("prod with broken rows", () => {
        let baseRun: RunResult;
        let base: RecordedResource[];
        before(async () => {
            baseRun = (await runStack("prod")).result;
            base = baseRun.resources;
        });
        const planOf = (resources: RecordedResource[]) => toPlanDocument({ ...baseRun, resources });
        const opts = { stack: "prod", environment: "prod" as const };
        /** `base` with the inputs of one resource changed (a deep copy; the cached run stays as it is). */
        const mutated = (
            name: string,
            f: (i: Record<string, unknown>) => Record<string, unknown>,
        ) => {
            const copy = structuredClone(base);
            const hit = copy.find((r) => r.name === name);
            assert.ok(hit, `no resource ${name}`);
            Object.assign(hit, { inputs: f(hit.inputs) });
            return copy;
        };

        it("a row that does not hold is reported alike, from either evaluation", () => {
            const broken = mutated("tokyo-api-10-10-0-0-16", (i) => ({
                ...i,
                cidrIpv4: "0.0.0.0/0",
            }));
            const plan = planOf(broken);
            const access = accessStep(broken);
            assert.ok(access.failures > 0, "the mutation breaks a row");
            const handedOver = accessFindings(
                evaluatePolicies(plan.resources, { ...opts, access }),
            );
            const own = accessFindings(evaluatePolicies(plan.resources, opts));
            assert.ok(
                own.some((m) => /0\.0\.0\.0\/0.*mesh-prod-tokyo/.test(m)),
                JSON.stringify(own),
            );
            assert.deepStrictEqual(handedOver, own);
        });

        it("a deployer row the masked kubeconfig hides from the pack is reported from the access step's evaluation", () => {
            const entries = base.filter(
                (r) =>
                    r.type === "aws:eks/accessEntry:AccessEntry" &&
                    String(r.inputs.principalArn).endsWith(":role/platform-admin"),
            );
            assert.ok(entries.length > 0, "prod has access entries for the deployer role");
            const broken = mutated(entries[0].name, (i) => ({
                ...i,
                principalArn: "arn:aws:iam::111122223333:role/someone-else",
            }));
            const plan = planOf(broken);
            const access = accessStep(broken);
            const failed = access.evaluation.rows.filter((r) => r.result !== r.expect);
            assert.ok(
                failed.some((r) => r.subject.startsWith("kubeconfig identity")),
                JSON.stringify(failed),
            );
            const handedOver = accessFindings(
                evaluatePolicies(plan.resources, { ...opts, access }),
            );
            assert.ok(
                handedOver.some((m) => /kubeconfig identity .*platform-admin/.test(m)),
                JSON.stringify(handedOver),
            );
            // The pack's own evaluation reads "[secret]" for the kubeconfig and skips the row.
            assert.ok(
                !accessFindings(evaluatePolicies(plan.resources, opts)).some((m) =>
                    /kubeconfig identity/.test(m),
                ),
            );
        });

        it("refuses an evaluation of other resources", () => {
            const plan = planOf(base);
            const access = accessStep(base);
            const fewer: PlanResource[] = plan.resources.slice(1);
            assert.throws(
                () => evaluatePolicies(fewer, { ...opts, access }),
                /access evaluation handed to the policy packs is of other resources/,
            );
            const reordered = [...plan.resources].reverse();
            assert.throws(
                () => evaluatePolicies(reordered, { ...opts, access }),
                /of other resources/,
            );
        });
    });
});
