/**
 * The access matrix (policies/access) as a stack policy: every row whose result differs from its
 * expectation is a violation. During a first preview many inputs (ARNs, ids, kubeconfigs) are unknown;
 * the checks that need them are skipped, and the policy says which through the SDK's "can't run
 * during preview" advisory (an `UnknownValueError` raised after the known rows are reported).
 *
 * In the offline plan the pack runs in-process after the plan's access step, which hands its
 * evaluation of the same resources over (policies/offline.ts `evaluatePolicies({ access })`), so the
 * matrix is evaluated once per plan.
 */
import { UnknownValueError } from "@pulumi/policy";
import { evaluate, fromPolicy, handedOverEvaluation, loadTeamExpectations } from "../../access";
import { stackPolicy } from "../../lib/policy";

export const accessMatrix = stackPolicy({
    name: "access-matrix",
    description:
        "Who can reach and do what (IAM, network, RBAC, mesh) holds as expected: the same evaluation as out/<stack>/access.json.",
    validate: (resources, _args, report) => {
        // The offline plan hands over its access step's evaluation of these same resources (made
        // with the kubeconfig roles read from the plaintext, as CrossGuard sees them) instead of a
        // second evaluation; under `pulumi preview` nothing is handed over.
        const ev =
            handedOverEvaluation(resources) ??
            evaluate(fromPolicy(resources), { team: loadTeamExpectations() });
        for (const r of ev.rows) {
            if (r.result === r.expect) continue;
            report(
                `[${r.kind}] ${r.subject} | ${r.action} | ${r.resource}: expected ${r.expect}, got ${r.result} (${r.why.slice(0, 3).join("; ")})`,
            );
        }
        // A masked secret is an artefact of the offline runner (CrossGuard shows the policy the
        // plaintext); the offline plan's access step evaluates those rows from the real value.
        const unknown = ev.skipped.filter((s) => s.maskedSecret !== true);
        if (unknown.length > 0) {
            const shown = unknown.slice(0, 10).map((s) => `[${s.kind}] ${s.what}: ${s.reason}`);
            // The SDK's constructor builds its message from a property path; keep the class, set ours.
            // eslint-disable-next-line @typescript-eslint/no-unsafe-member-access -- proxy.d.ts declares nothing; the class is real
            const e = Object.create(UnknownValueError.prototype as object) as Error;
            e.message = `skipped ${unknown.length} access check input(s) unknown until deploy: ${shown.join("; ")}${unknown.length > 10 ? "; ..." : ""}`;
            throw e;
        }
    },
});
