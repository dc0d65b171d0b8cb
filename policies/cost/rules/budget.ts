/**
 * The stack's estimated monthly cost (pinned price table) stays within the environment's budget;
 * a stack may have its own budget (`stackBudgetsUsd`).
 */
import { stackPolicy } from "../../lib/policy";
import { stackOfUrn } from "../../lib/values";
import { estimateCost, fromPolicyResources } from "../estimate";

export const monthlyBudget = stackPolicy<{
    budgetUsd: number;
    stackBudgetsUsd: Record<string, number>;
}>({
    name: "monthly-cost-budget",
    description:
        "The stack's estimated monthly cost (instances, NAT gateways, load balancers, control planes, storage; pinned list prices) is within budget.",
    config: {
        budgetUsd: {
            type: "number",
            minimum: 0,
            default: 5000,
            description: "Monthly budget in USD for stacks of this environment.",
        },
        stackBudgetsUsd: {
            type: "object",
            additionalProperties: { type: "number", minimum: 0 },
            default: {},
            description: "Per-stack budgets overriding budgetUsd.",
        },
    },
    validate: (resources, _args, report, cfg) => {
        if (resources.length === 0) return;
        const stack = stackOfUrn(resources[0].urn) ?? "";
        const budget = cfg.stackBudgetsUsd[stack] ?? cfg.budgetUsd;
        const e = estimateCost(fromPolicyResources(resources));
        if (e.totalUsd > budget) {
            const parts = Object.entries(e.byCategory)
                .filter(([, v]) => v > 0)
                .map(([k, v]) => `${k} $${v.toFixed(2)}`)
                .join(", ");
            report(
                `estimated monthly cost $${e.totalUsd.toFixed(2)} exceeds the budget of $${budget.toFixed(2)} for stack ${stack} (${parts}; prices of ${e.priceTableDate})`,
            );
        }
        if (e.unpriced.length > 0) {
            report(
                `cost estimate is incomplete: ${e.unpriced.map((u) => `${u.urn.split("::").pop()} (${u.reason})`).join("; ")}`,
            );
        }
    },
});
