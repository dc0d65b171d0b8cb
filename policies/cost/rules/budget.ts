/**
 * The stack's estimated monthly cost (pinned price table, traffic assumptions of the pack config)
 * stays within the environment's budget at desired size, and within the worst-case budget with every
 * autoscaler at its maximum; a stack may have its own budgets. Resources the estimate cannot price
 * are reported by a separate, advisory policy: an allowed but unpriced shape must not block a deploy.
 */
import type { PolicyResource } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { stackPolicy } from "../../lib/policy";
import { stackOfUrn } from "../../lib/values";
import {
    CostEstimate,
    DEFAULT_TRAFFIC,
    estimateCost,
    fromPolicyResources,
    TrafficAssumptions,
} from "../estimate";

const TRAFFIC_DESCRIPTIONS: Record<keyof TrafficAssumptions, string> = {
    natGbPerGateway: "GB processed per NAT gateway per month.",
    interRegionGbPerRegion: "GB each region sends to the other regions per month.",
    logsGbPerLogGroup: "GB ingested per CloudWatch log group per month.",
    replicatedGbPerBucket: "GB each replicating backup bucket copies to its peer per month.",
    lcuPerLoadBalancer: "Average capacity units (NLCU) per load balancer.",
    publicIpsPerInternetLoadBalancer: "Public IPv4 addresses per internet-facing load balancer.",
};

/** Config schema of the traffic assumptions (shared by the budget policies). */
export const TRAFFIC_SCHEMA: PolicyConfigJSONSchema = {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(
        Object.entries(TRAFFIC_DESCRIPTIONS).map(([k, description]) => [
            k,
            { type: "number", minimum: 0, description },
        ]),
    ),
    default: { ...DEFAULT_TRAFFIC },
    description: "Monthly usage the estimate assumes (no plan knows traffic).",
};

interface BudgetConfig {
    budgetUsd: number;
    stackBudgetsUsd: Record<string, number>;
    worstCaseBudgetUsd: number;
    stackWorstCaseBudgetsUsd: Record<string, number>;
    traffic: Partial<TrafficAssumptions>;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

function summary(e: CostEstimate): string {
    return Object.entries(e.byCategory)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${usd(v)}`)
        .join(", ");
}

function estimateOf(resources: PolicyResource[], traffic: Partial<TrafficAssumptions>) {
    return estimateCost(fromPolicyResources(resources), { traffic });
}

export const monthlyBudget = stackPolicy<BudgetConfig>({
    name: "monthly-cost-budget",
    description:
        "The stack's estimated monthly cost (instances at min/desired/max, NAT gateways and their data processing, inter-region transfer, load balancers and capacity units, public IPv4, control planes incl. EKS extended support, storage, logs, S3 Replication Time Control; pinned list prices, traffic assumptions from config) is within budget at desired size, and within the worst-case budget with every autoscaler at its maximum.",
    config: {
        budgetUsd: {
            type: "number",
            minimum: 0,
            default: 5000,
            description: "Monthly budget in USD at desired size for stacks of this environment.",
        },
        stackBudgetsUsd: {
            type: "object",
            additionalProperties: { type: "number", minimum: 0 },
            default: {},
            description: "Per-stack budgets overriding budgetUsd.",
        },
        worstCaseBudgetUsd: {
            type: "number",
            minimum: 0,
            default: 10000,
            description:
                "Monthly ceiling in USD with every autoscaler at its maximum (what the autoscalers may spend).",
        },
        stackWorstCaseBudgetsUsd: {
            type: "object",
            additionalProperties: { type: "number", minimum: 0 },
            default: {},
            description: "Per-stack worst-case ceilings overriding worstCaseBudgetUsd.",
        },
        traffic: TRAFFIC_SCHEMA,
    },
    validate: (resources, _args, report, cfg) => {
        if (resources.length === 0) return;
        const stack = stackOfUrn(resources[0].urn) ?? "";
        const budget = cfg.stackBudgetsUsd[stack] ?? cfg.budgetUsd;
        const worst = cfg.stackWorstCaseBudgetsUsd[stack] ?? cfg.worstCaseBudgetUsd;
        const e = estimateOf(resources, cfg.traffic);
        if (e.totalUsd > budget)
            report(
                `estimated monthly cost ${usd(e.totalUsd)} at desired size exceeds the budget of ${usd(budget)} for stack ${stack} (${summary(e)}; prices of ${e.priceTableDate})`,
            );
        if (e.maxTotalUsd > worst) {
            const growth = e.lines
                .filter((l) => l.maxUsd > l.monthlyUsd)
                .sort((a, b) => b.maxUsd - b.monthlyUsd - (a.maxUsd - a.monthlyUsd))
                .slice(0, 3)
                .map((l) => `${l.urn.split("::").pop()} ${l.description} up to ${usd(l.maxUsd)}`)
                .join("; ");
            report(
                `worst-case monthly cost ${usd(e.maxTotalUsd)} (every autoscaler at its maximum; ${usd(e.totalUsd)} at desired size) exceeds the worst-case budget of ${usd(worst)} for stack ${stack}: ${growth}`,
            );
        }
    },
});

export const estimateComplete = stackPolicy<{ traffic: Partial<TrafficAssumptions> }>({
    name: "cost-estimate-complete",
    description:
        "Every resource that costs money is priced by the estimate (advisory: an allowed but unpriced instance shape or region is named, not blocked; add it to policies/cost/prices.ts).",
    enforcementLevel: "advisory",
    config: { traffic: TRAFFIC_SCHEMA },
    validate: (resources, _args, report, cfg) => {
        const e = estimateOf(resources, cfg.traffic);
        for (const u of e.unpriced)
            report(
                `cost estimate is incomplete: ${u.urn.split("::").pop()} (${u.reason}); the budget check leaves it out`,
                u.urn,
            );
    },
});
