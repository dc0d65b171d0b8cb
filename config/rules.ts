/**
 * Cross-key rules: everything that needs only config, checked before any resource is declared. One
 * function per concern, grouped by area (rules-network.ts, rules-clusters.ts, rules-services.ts); each
 * reports through `add`, so the loader lists every problem at once. Keys are named by their position in
 * the stack file (`regions[1]`), which is why rules see regions in file order.
 */
import { ruleContext, RuleContext } from "./rule-context";
// --- Istio and Kubernetes versions (day 2) ---
import { istioRules, kubernetesVersionRules } from "./rules-versions";
import {
    kubernetesRules,
    nodeGroupRules,
    eksRules,
    gkeRules,
    standardSupportChoices,
} from "./rules-clusters";
import {
    addressRangeRules,
    cloudRules,
    deployerRules,
    regionRules,
    serviceCidrRules,
} from "./rules-network";
import {
    alertingRules,
    heartbeatRules,
    certificateRules,
    dnsRules,
    egressRules,
    meshRules,
    observabilityRules,
    smarthostNeedsAuth,
    exampleServiceRules,
} from "./rules-services";
// --- CA vault and backup secrets ---
import { caVaultRules } from "./rules-secrets";

export { ruleContext, standardSupportChoices, smarthostNeedsAuth };
export type { RuleContext };
export {
    addressRangeRules,
    alertingRules,
    certificateRules,
    cloudRules,
    deployerRules,
    dnsRules,
    eksRules,
    gkeRules,
    kubernetesRules,
    meshRules,
    nodeGroupRules,
    observabilityRules,
    regionRules,
    serviceCidrRules,
    caVaultRules,
    exampleServiceRules,
};

/** Every rule, in the order their problems are listed. */
export const RULES: readonly ((ctx: RuleContext) => void)[] = [
    regionRules,
    addressRangeRules,
    kubernetesRules,
    nodeGroupRules,
    meshRules,
    dnsRules,
    cloudRules,
    certificateRules,
    alertingRules,
    heartbeatRules,
    observabilityRules,
    eksRules,
    gkeRules,
    deployerRules,
    serviceCidrRules,
    // --- egress ---
    egressRules,
    // --- CA vault and backup secrets ---
    caVaultRules,
    exampleServiceRules,
    // --- Istio and Kubernetes versions (day 2) ---
    kubernetesVersionRules,
    istioRules,
];

export function checkRules(ctx: RuleContext): void {
    for (const rule of RULES) rule(ctx);
}
