/**
 * Authorization: a default-deny AuthorizationPolicy in every app namespace, and no ALLOW policy that
 * admits every caller on every path. Istio semantics: entries of `rules` are OR-ed; `from`, `to` and
 * `when` inside one rule are AND-ed; entries of `from` (and of `to`) are OR-ed; fields inside one
 * source / operation are AND-ed; a field's values are OR-ed and its `not*` values excluded. So a rule
 * admits "anyone" when one of its sources constrains nothing (no field, only wildcards, or only
 * negations, which every caller but the listed ones satisfies), and "anything" when one of its
 * operations leaves the path open (no `paths`, a wildcard, or only `notPaths`). A rule that admits
 * anyone to anything makes the whole policy allow-all, whatever its other rules say; this is also what
 * splitting "who" and "what" into separate rules does, while "/healthz from anyone, everything from one
 * principal" admits a narrow set and passes.
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

/** A value list that admits every value: `["*"]` (or any list containing the full wildcard). */
function wildcard(values: unknown[]): boolean {
    return values.some((v) => v === "*");
}

/**
 * Does this field pair (`principals` / `notPrincipals`, `paths` / `notPaths`, ...) constrain the
 * request? Only a positive list without the full wildcard does: a negation alone admits everyone but
 * the few it names.
 */
function constrains(entry: Props, field: string): boolean {
    const positive = asArray(entry[field]);
    return positive.length > 0 && !wildcard(positive);
}

const SOURCE_FIELDS = [
    "principals",
    "requestPrincipals",
    "namespaces",
    "ipBlocks",
    "remoteIpBlocks",
    "serviceAccounts",
];

/**
 * `when` keys that say who the caller is (by identity or address). Request headers and the like do
 * not: the caller sets them.
 */
const IDENTITY_KEY = /^(source\.|request\.auth\.|remote\.ip$|connection\.sni$)/;

/** Does the rule admit any caller (some source entry, or the absent `from`, constrains nothing)? */
function anyCaller(rule: Props): boolean {
    const identityCondition = asArray(rule.when).some(
        (w) =>
            IDENTITY_KEY.test(asString(get(w, "key")) ?? "") && constrains(asRecord(w), "values"),
    );
    if (identityCondition) return false;
    const from = asArray(rule.from);
    if (from.length === 0) return true;
    return from.some((f) => {
        const source = asRecord(get(f, "source"));
        return !SOURCE_FIELDS.some((field) => constrains(source, field));
    });
}

/** An Istio path pattern that matches more than one path: `*`, a prefix/suffix `*`, `{*}` or `{**}`. */
const PATTERN = /\*|\{\*\*?\}/;

/**
 * Which paths the rule admits: "all" (some operation entry, or the absent `to`, leaves the path open:
 * no `paths`, the wildcard, or only `notPaths`), "subtree" (a pattern admits a whole prefix or
 * suffix) or "exact" (only literal paths).
 */
function pathScope(rule: Props): "all" | "subtree" | "exact" {
    const to = asArray(rule.to);
    if (to.length === 0) return "all";
    const operations = to.map((t) => asRecord(get(t, "operation")));
    if (operations.some((o) => !constrains(o, "paths"))) return "all";
    return operations.some((o) => asArray(o.paths).some((p) => PATTERN.test(String(p))))
        ? "subtree"
        : "exact";
}

/** Why this ALLOW rule is (or splits into) an allow-all, or undefined when it admits a narrow set. */
export function allowAllReason(rule: unknown): string | undefined {
    const r = asRecord(rule);
    if (constrainingParts(r).length === 0) return "constrains nothing";
    if (!anyCaller(r)) return undefined;
    const scope = pathScope(r);
    if (scope === "all")
        return "admits any caller (no source field with a concrete value: wildcards and negations admit everyone else) on any path";
    if (scope === "subtree")
        return "admits any caller (no source field with a concrete value) to a whole path pattern; only exact paths (e.g. /healthz) may be open to every caller";
    return undefined;
}

export const noAllowAll = resourcePolicy({
    name: "istio-no-allow-all-authorization",
    description:
        "No ALLOW AuthorizationPolicy admits every caller on every path (Istio semantics: rules OR-ed, wildcards and negation-only fields admit everyone, so conditions split into separate rules each grant access alone).",
    types: isAuthorizationPolicy,
    validate: (props, _args, report) => {
        const spec = asRecord(props.spec);
        if (action(spec) !== "ALLOW") return;
        asArray(spec.rules).forEach((rule, i) => {
            const why = allowAllReason(rule);
            if (why === "constrains nothing")
                report(`rules[${i}] constrains nothing, so this ALLOW policy allows every request`);
            else if (why)
                report(
                    `rules[${i}] ${why}, so this ALLOW policy admits every request; rules are OR-ed, so keep who (from) and what (to.paths) in the same rule`,
                );
        });
    },
});
