/** Every rule group the platform installs in a cluster, and their rendering as a Prometheus rule file. */
import { stringify } from "yaml";
import { alertGroups } from "./alerts";
import { recordingGroups } from "./recording";
import type { RuleContext, RuleGroup } from "./types";

export * from "./types";
export { ALERT_THRESHOLDS, EXAM_SERVICE, PAYMENT_SERVICE } from "./alerts";

/** Alerting groups first, then recording groups; names are unique across the list. */
export function ruleGroups(ctx: RuleContext): RuleGroup[] {
    const groups = [...alertGroups(ctx), ...recordingGroups()];
    const names = new Set<string>();
    for (const g of groups) {
        if (names.has(g.name)) throw new Error(`duplicate rule group name ${g.name}`);
        names.add(g.name);
    }
    return groups;
}

/** A Prometheus rule file (the format `promtool check rules` reads and the PrometheusRule spec embeds). */
export function renderRuleFile(groups: readonly RuleGroup[]): string {
    return stringify({ groups }, { lineWidth: 0 });
}
