/** What every config rule sees (config/rules.ts runs them). */
import type { Cloud } from "../lib/cloud";
import { AddProblem } from "./errors";
import type { Environment } from "./profiles";
import { environmentOf, resolveRegions } from "./resolve";
import type { Parsed } from "./schema";
import type { RegionConfig } from "./types";

/** What every rule sees: the keys that parsed, the raw values, and facts derived from them. */
export interface RuleContext {
    readonly parsed: Parsed;
    readonly raw: Readonly<Record<string, unknown>>;
    readonly env: Environment;
    /** Regions in stack-file order. */
    readonly regions: readonly RegionConfig[];
    /** Whether `regions` itself parsed: checks that depend on the clouds in use run only then. */
    readonly regionsKnown: boolean;
    readonly clouds: ReadonlySet<Cloud>;
    /** The day the Kubernetes support windows are checked against (an input, so tests are deterministic). */
    readonly now: Date;
    readonly add: AddProblem;
}

export function ruleContext(
    parsed: Parsed,
    raw: Readonly<Record<string, unknown>>,
    add: AddProblem,
    now: Date = new Date(),
): RuleContext {
    const regions = resolveRegions(parsed);
    return {
        parsed,
        raw,
        env: environmentOf(parsed),
        regions,
        regionsKnown: parsed.regions !== undefined,
        clouds: new Set(regions.map((r) => r.cloud)),
        now,
        add,
    };
}
