/**
 * Kubernetes RBAC over the Roles, ClusterRoles and bindings the program declares (not chart
 * internals), and Istio AuthorizationPolicy evaluation with Istio's semantics: CUSTOM is not modelled;
 * DENY policies first (any match denies), then ALLOW policies (if any ALLOW policy selects the workload,
 * the request needs a match; none selecting it means allowed); within a policy rules are OR-ed, and
 * within a rule `from`, `to` and `when` are AND-ed, each list inside OR-ed; an empty spec `{}` is
 * allow-nothing (default deny). https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
import { type AccessResource, arr, isUnknown, labelOf, rec, type SkippedCheck, str } from "./model";

// --- RBAC -------------------------------------------------------------------------------------------

/** Built-in ClusterRoles that grant Secrets (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles). */
const BUILTIN_SECRET_VERBS: Record<string, string[]> = {
    "cluster-admin": ["*"],
    admin: ["get", "list", "watch", "create", "update", "patch", "delete"],
    edit: ["get", "list", "watch", "create", "update", "patch", "delete"],
};

export interface SecretGrant {
    readonly label: string;
    readonly subject: string;
    readonly verbs: string[];
    readonly names: string[];
    readonly via: string;
}

/** Who may act on Secrets in `namespace` through the declared bindings. */
export function secretGrants(
    resources: readonly AccessResource[],
    namespace: string,
    skipped: SkippedCheck[],
): SecretGrant[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const roles = new Map<string, { rules: Record<string, unknown>[] }>();
    const out: SecretGrant[] = [];
    const guard = (r: AccessResource, fn: () => void) => {
        try {
            fn();
        } catch (e) {
            if (!isUnknown(e)) throw e;
            skipped.push({
                kind: "rbac",
                what: `${r.type} ${r.name}`,
                reason: (e as Error).message,
            });
        }
    };
    for (const r of resources) {
        if (!/^kubernetes:rbac\.authorization\.k8s\.io\/v1:(Cluster)?Role$/.test(r.type)) continue;
        guard(r, () => {
            const meta = rec(r.props.metadata);
            const key = `${labelOf(r, byUrn)}|${r.type.endsWith("ClusterRole") ? "" : str(meta.namespace)}|${str(meta.name)}`;
            roles.set(key, { rules: arr(r.props.rules).map(rec) });
        });
    }
    for (const r of resources) {
        if (!/^kubernetes:rbac\.authorization\.k8s\.io\/v1:(Cluster)?RoleBinding$/.test(r.type))
            continue;
        guard(r, () => {
            const label = labelOf(r, byUrn);
            const meta = rec(r.props.metadata);
            const cluster = r.type.endsWith("ClusterRoleBinding");
            if (!cluster && str(meta.namespace) !== namespace) return;
            const ref = rec(r.props.roleRef);
            const refName = str(ref.name);
            const declared = roles.get(
                `${label}|${ref.kind === "ClusterRole" ? "" : str(meta.namespace)}|${refName}`,
            );
            let verbs: string[] = [];
            let names: string[] = [];
            if (declared) {
                for (const rule of declared.rules) {
                    const groups = arr(rule.apiGroups).map(str);
                    const res = arr(rule.resources).map(str);
                    if (!groups.some((g) => g === "" || g === "*")) continue;
                    if (!res.some((x) => x === "secrets" || x === "*")) continue;
                    verbs.push(...arr(rule.verbs).map(str));
                    names.push(...arr(rule.resourceNames).map(str));
                }
            } else if (ref.kind === "ClusterRole" && BUILTIN_SECRET_VERBS[refName]) {
                verbs = BUILTIN_SECRET_VERBS[refName];
            } else return; // a role the program does not declare (chart internal): not modelled
            if (verbs.length === 0) return;
            if (names.length > 0 && verbs.length > 0 && names.length < verbs.length)
                names = [...new Set(names)];
            for (const s of arr(r.props.subjects).map(rec)) {
                const subject =
                    s.kind === "ServiceAccount"
                        ? `system:serviceaccount:${str(s.namespace)}:${str(s.name)}`
                        : `${str(s.kind)}:${str(s.name)}`;
                out.push({
                    label,
                    subject,
                    verbs: [...new Set(verbs)],
                    names: [...new Set(names)],
                    via: `${r.type.split(":").pop()} ${str(meta.name)} -> ${str(ref.kind)} ${refName}`,
                });
            }
        });
    }
    return out;
}

export const READ_VERBS = ["get", "list", "watch"];
export const WRITE_VERBS = ["create", "update", "patch", "delete"];

export function grantAllows(
    g: SecretGrant,
    verbs: readonly string[],
    secretName?: string,
): boolean {
    const verbOk = g.verbs.includes("*") || verbs.some((v) => g.verbs.includes(v));
    const nameOk =
        g.names.length === 0 || (secretName !== undefined && g.names.includes(secretName));
    return verbOk && nameOk;
}

// --- Istio authorization ----------------------------------------------------------------------------

export interface AuthzPolicy {
    readonly label: string;
    readonly name: string;
    readonly namespace: string;
    readonly action: "ALLOW" | "DENY" | "AUDIT" | "CUSTOM";
    readonly selector?: Record<string, string>;
    readonly rules?: Record<string, unknown>[];
}

export interface MeshRequest {
    /** SPIFFE-style principal `cluster.local/ns/<ns>/sa/<sa>`, or "" for a plaintext / unauthenticated peer. */
    readonly principal: string;
    /** JWT request principal (`iss/sub`), or "" when none. */
    readonly requestPrincipal?: string;
    readonly namespace: string;
    readonly workloadLabels: Record<string, string>;
    readonly method: string;
    readonly path: string;
    readonly headers?: Record<string, string>;
    /** Claims of the validated JWT (`request.auth.claims[<name>]`), when there is one. */
    readonly claims?: Record<string, string>;
}

export function authzPolicies(
    resources: readonly AccessResource[],
    skipped: SkippedCheck[],
): AuthzPolicy[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out: AuthzPolicy[] = [];
    for (const r of resources) {
        if (
            r.type !== "kubernetes:security.istio.io/v1:AuthorizationPolicy" &&
            r.type !== "kubernetes:security.istio.io/v1beta1:AuthorizationPolicy"
        )
            continue;
        try {
            const meta = rec(r.props.metadata);
            const spec = rec(r.props.spec);
            const sel = rec(spec.selector).matchLabels;
            out.push({
                label: labelOf(r, byUrn),
                name: str(meta.name),
                namespace: str(meta.namespace),
                action: (str(spec.action) || "ALLOW") as AuthzPolicy["action"],
                selector: sel ? (rec(sel) as Record<string, string>) : undefined,
                rules: spec.rules === undefined ? undefined : arr(spec.rules).map(rec),
            });
        } catch (e) {
            if (!isUnknown(e)) throw e;
            skipped.push({
                kind: "mesh",
                what: `${r.type} ${r.name}`,
                reason: (e as Error).message,
            });
        }
    }
    return out;
}

/** Istio string match: exact, prefix `abc*`, suffix `*abc`, or `*` (non-empty presence). */
function strMatch(pattern: string, value: string): boolean {
    if (pattern === "*") return value !== "";
    if (pattern.endsWith("*")) return value.startsWith(pattern.slice(0, -1));
    if (pattern.startsWith("*")) return value.endsWith(pattern.slice(1));
    return pattern === value;
}

/** Path match incl. the `{*}` (one segment) and `{**}` (any) templates. */
function pathMatch(pattern: string, value: string): boolean {
    if (pattern.includes("{*}") || pattern.includes("{**}")) {
        const re = pattern
            .split(/(\{\*\*\}|\{\*\})/)
            .map((p) =>
                p === "{**}"
                    ? ".*"
                    : p === "{*}"
                      ? "[^/]+"
                      : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
            )
            .join("");
        return new RegExp(`^${re}$`).test(value);
    }
    return strMatch(pattern, value);
}

const anyOf = (list: unknown, pred: (s: string) => boolean) => arr(list).map(str).some(pred);

function fieldOk(
    obj: Record<string, unknown>,
    pos: string,
    neg: string,
    pred: (p: string) => boolean,
): boolean {
    if (obj[pos] !== undefined && !anyOf(obj[pos], pred)) return false;
    if (obj[neg] !== undefined && anyOf(obj[neg], pred)) return false;
    return true;
}

function ruleMatches(rule: Record<string, unknown>, req: MeshRequest): boolean {
    const ns = req.principal.match(/\/ns\/([^/]+)\//)?.[1] ?? "";
    const from = arr(rule.from).map((f) => rec(rec(f).source));
    if (from.length > 0) {
        const ok = from.some(
            (s) =>
                fieldOk(s, "principals", "notPrincipals", (p) => strMatch(p, req.principal)) &&
                fieldOk(s, "requestPrincipals", "notRequestPrincipals", (p) =>
                    strMatch(p, req.requestPrincipal ?? ""),
                ) &&
                fieldOk(s, "namespaces", "notNamespaces", (p) => strMatch(p, ns)),
        );
        if (!ok) return false;
    }
    const to = arr(rule.to).map((t) => rec(rec(t).operation));
    if (to.length > 0) {
        const ok = to.some(
            (o) =>
                fieldOk(o, "methods", "notMethods", (p) => strMatch(p, req.method)) &&
                fieldOk(o, "paths", "notPaths", (p) => pathMatch(p, req.path)),
        );
        if (!ok) return false;
    }
    for (const w of arr(rule.when).map(rec)) {
        const key = str(w.key);
        const h = /^request\.headers\[(.+)\]$/.exec(key);
        const c = /^request\.auth\.claims\[(.+)\]$/.exec(key);
        const value = h
            ? (req.headers?.[h[1].toLowerCase()] ?? "")
            : c
              ? (req.claims?.[c[1]] ?? "")
              : key === "source.principal"
                ? req.principal
                : "";
        if (w.values !== undefined && !anyOf(w.values, (p) => strMatch(p, value))) return false;
        if (
            w.notValues !== undefined &&
            anyOf(w.notValues, (p) => (p === "" ? value === "" : strMatch(p, value)))
        )
            return false;
    }
    return true;
}

function selects(p: AuthzPolicy, req: MeshRequest, rootNamespace: string): boolean {
    if (p.namespace !== req.namespace && p.namespace !== rootNamespace) return false;
    if (!p.selector) return true;
    return Object.entries(p.selector).every(([k, v]) => req.workloadLabels[k] === v);
}

/** Istio's decision for one request to one workload of one cluster. */
export function authorize(
    policies: readonly AuthzPolicy[],
    req: MeshRequest,
    rootNamespace = "istio-system",
): { allowed: boolean; why: string[] } {
    const applicable = policies.filter((p) => selects(p, req, rootNamespace));
    for (const p of applicable.filter((x) => x.action === "DENY")) {
        const hit = (p.rules ?? []).findIndex((r) => ruleMatches(r, req));
        if (hit >= 0) return { allowed: false, why: [`DENY ${p.namespace}/${p.name} rule ${hit}`] };
    }
    const allows = applicable.filter((x) => x.action === "ALLOW");
    if (allows.length === 0)
        return { allowed: true, why: ["no ALLOW policy selects the workload"] };
    for (const p of allows) {
        const hit = (p.rules ?? []).findIndex((r) => ruleMatches(r, req));
        if (hit >= 0) return { allowed: true, why: [`ALLOW ${p.namespace}/${p.name} rule ${hit}`] };
    }
    return {
        allowed: false,
        why: [`no rule of ${allows.map((p) => `${p.namespace}/${p.name}`).join(", ")} matches`],
    };
}
