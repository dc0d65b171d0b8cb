/**
 * Authorization: a default-deny AuthorizationPolicy in every app namespace, and no ALLOW policy that
 * matches every request. Istio semantics: entries of `rules` are OR-ed; `from`, `to` and `when` inside
 * one rule are AND-ed. A rule with nothing in it matches everything, and splitting "who", "what" and
 * "under which condition" into separate rules turns an AND into an OR (the guide's own examples do
 * this), so each part alone grants access.
 */
import { APP_NAMESPACES } from "../../../components/tenant/domains";
import { isAuthorizationPolicy, metaName, metaNamespace, T } from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy, urnName } from "../../lib/policy";
import { asArray, asRecord, asString, get, isObject, Props } from "../../lib/values";

/** A source/operation entry that constrains nothing. */
function emptyEntry(entry: unknown, key: "source" | "operation"): boolean {
    const inner = asRecord(get(entry, key));
    return Object.values(inner).every(
        (v) => v === undefined || (Array.isArray(v) && v.length === 0),
    );
}

/** The parts of a rule that actually constrain the request. */
function constrainingParts(rule: unknown): ("from" | "to" | "when")[] {
    const r = asRecord(rule);
    const parts: ("from" | "to" | "when")[] = [];
    const from = asArray(r.from);
    if (from.length > 0 && !from.every((e) => emptyEntry(e, "source"))) parts.push("from");
    const to = asArray(r.to);
    if (to.length > 0 && !to.every((e) => emptyEntry(e, "operation"))) parts.push("to");
    if (asArray(r.when).length > 0) parts.push("when");
    return parts;
}

function action(spec: Props): string {
    return asString(spec.action) ?? "ALLOW";
}

function hasTarget(spec: Props): boolean {
    return (
        isObject(spec.selector) || isObject(spec.targetRef) || asArray(spec.targetRefs).length > 0
    );
}

/** `spec: {}` (ALLOW with no rules: allow-nothing) or DENY with a rule matching everything. */
export function isDefaultDeny(props: Props): boolean {
    const spec = asRecord(props.spec);
    if (hasTarget(spec)) return false;
    const rules = asArray(spec.rules);
    if (action(spec) === "ALLOW") return rules.length === 0;
    if (action(spec) === "DENY") return rules.some((r) => constrainingParts(r).length === 0);
    return false;
}

export const defaultDenyPerAppNamespace = stackPolicy<{ appNamespaces: string[] }>({
    name: "istio-default-deny-per-app-namespace",
    description:
        "Every app namespace has a default-deny AuthorizationPolicy (no selector; `spec: {}` or DENY matching all).",
    config: {
        appNamespaces: {
            type: "array",
            items: { type: "string" },
            default: [...APP_NAMESPACES],
            description: "Namespaces that hold application workloads.",
        },
    },
    validate: (resources, _args, report, cfg) => {
        const namespaces = resources.filter(
            (r) => r.type === T.namespace && cfg.appNamespaces.includes(metaName(r.props) ?? ""),
        );
        for (const ns of namespaces) {
            const name = metaName(ns.props)!;
            const found = resources.some(
                (r) =>
                    isAuthorizationPolicy(r.type) &&
                    providerKey(r) === providerKey(ns) &&
                    metaNamespace(r.props) === name &&
                    isDefaultDeny(r.props),
            );
            if (!found)
                report(
                    `app namespace ${name} in cluster ${urnName(providerKey(ns))} has no default-deny AuthorizationPolicy (spec: {} with no selector)`,
                    ns.urn,
                );
        }
    },
});

export const noAllowAll = resourcePolicy({
    name: "istio-no-allow-all-authorization",
    description:
        "No ALLOW AuthorizationPolicy matches every request: no empty rule, and no from/to/when conditions split into separate OR-ed rules.",
    types: isAuthorizationPolicy,
    validate: (props, _args, report) => {
        const spec = asRecord(props.spec);
        if (action(spec) !== "ALLOW") return;
        const rules = asArray(spec.rules);
        const parts = rules.map(constrainingParts);
        parts.forEach((p, i) => {
            if (p.length === 0)
                report(`rules[${i}] constrains nothing, so this ALLOW policy allows every request`);
        });
        const single = parts.map((p, i) => ({ i, p })).filter(({ p }) => p.length === 1);
        const kinds = new Set(single.map(({ p }) => p[0]));
        if (kinds.size >= 2) {
            const list = single.map(({ i, p }) => `rules[${i}] has only ${p[0]}`).join(", ");
            report(
                `conditions are split across OR-ed rules (${list}); each rule alone grants access. Put from, to and when in one rule so they are AND-ed`,
            );
        }
    },
});
