/**
 * CrossGuard entry for the cost pack:
 *   pulumi preview --policy-pack policies/cost --policy-pack-config policies/config/cost.<env>.json
 * Constructing the PolicyPack starts the analyzer server, so this is the only place it happens.
 */
import { PolicyPack } from "@pulumi/policy";
import { COST_PACK, costPolicies } from "./policies";

new PolicyPack(COST_PACK, {
    description:
        "Cost rules of the mesh platform: istiod and sidecar sizing, autoscaling targets, instance families, spot, retention, trace sampling, cost-allocation tags, monthly budget.",
    enforcementLevel: "mandatory",
    policies: costPolicies,
});
