/**
 * The cost pack's policies, in the order the pack registers them. Importable without starting a
 * policy server (tests and the offline plan use this list; index.ts hands it to `new PolicyPack`).
 */
import type { PackPolicy } from "../lib/policy";
import { estimateComplete, monthlyBudget } from "./rules/budget";
import { instanceFamilies, instanceSizeCeiling, spotForNonProd } from "./rules/compute";
import { autoscalingTargets, istiodSizing, sidecarResources, traceSampling } from "./rules/mesh";
import { retention } from "./rules/retention";
import { costAllocationTags, providerDefaultTags } from "./rules/tags";

export const COST_PACK = "mesh-platform-cost";

export const costPolicies: PackPolicy[] = [
    istiodSizing,
    sidecarResources,
    autoscalingTargets,
    instanceFamilies,
    spotForNonProd,
    retention,
    traceSampling,
    costAllocationTags,
    monthlyBudget,
    // --- policy gating and coverage ---
    instanceSizeCeiling,
    providerDefaultTags,
    estimateComplete,
];
