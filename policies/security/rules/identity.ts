/**
 * Identity, retries and egress inside the mesh:
 * - no ALLOW AuthorizationPolicy decides on a header's value (any caller can set a header; the end
 *   user's identity is a validated JWT: `request.auth.claims[...]`, `requestPrincipals`);
 * - an ALLOW policy that reads the JWT has a RequestAuthentication for its workload (without one every
 *   request is denied, and someone "fixes" it by trusting a header again);
 * - no VirtualService route that can carry a POST or PATCH retries on anything but "never reached the
 *   upstream" (a retry on 5xx repeats a submission the upstream may have processed);
 * - a ServiceEntry admits only listed external hosts (pack config, per environment), never a wildcard,
 *   never exported to every namespace, never `resolution: NONE` (which forwards to any address).
 */
import { isAuthorizationPolicy, isRequestAuthentication, metaNamespace } from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy } from "../../lib/policy";
import { asArray, asRecord, asString, asStringMap, isKind, Props } from "../../lib/values";

const HEADER_KEY = /^request\.headers\[(.+)\]$/;

/** A `when` condition on a header that only asks for presence (`values: ["*"]`, `notValues: [""]`). */
function presenceOnly(condition: Props): boolean {
    const values = asArray(condition.values).map(String);
    const notValues = asArray(condition.notValues).map(String);
    return values.every((v) => v === "*") && notValues.every((v) => v === "");
}

export const noHeaderIdentity = resourcePolicy({
    name: "istio-no-header-identity",
    description:
        "No ALLOW AuthorizationPolicy grants access on a request header's value (callers set headers); use JWT claims (request.auth.claims[...]) validated by a RequestAuthentication.",
    types: isAuthorizationPolicy,
    validate: (props, _args, report) => {
        const spec = asRecord(props.spec);
        if ((asString(spec.action) ?? "ALLOW") !== "ALLOW") return;
        asArray(spec.rules).forEach((rule, i) => {
            asArray(asRecord(rule).when).forEach((c, j) => {
                const condition = asRecord(c);
                const header = HEADER_KEY.exec(asString(condition.key) ?? "")?.[1];
                if (header === undefined || presenceOnly(condition)) return;
                report(
                    `rules[${i}].when[${j}] grants access on the value of header ${header}, which any caller can set; authorize on a JWT claim (request.auth.claims[...]) validated by a RequestAuthentication instead`,
                );
            });
        });
    },
});

/** Does an ALLOW policy read the end user's token (claims, audiences, request principals)? */
function readsJwt(spec: Props): boolean {
    return asArray(spec.rules).some((rule) => {
        const r = asRecord(rule);
        const when = asArray(r.when).some((c) =>
            /^request\.auth\./.test(asString(asRecord(c).key) ?? ""),
        );
        const from = asArray(r.from).some((f) => {
            const source = asRecord(asRecord(f).source);
            return asArray(source.requestPrincipals).length > 0;
        });
        return when || from;
    });
}

const labelsOf = (spec: Props) => asStringMap(asRecord(spec.selector).matchLabels);
const covers = (raLabels: Record<string, string>, workload: Record<string, string>) =>
    Object.entries(raLabels).every(([k, v]) => workload[k] === v);

export const claimsNeedRequestAuthentication = stackPolicy<{ rootNamespace: string }>({
    name: "istio-jwt-claims-validated",
    description:
        "An ALLOW AuthorizationPolicy that reads JWT claims or request principals has a RequestAuthentication selecting its workload (same cluster and namespace, or the root namespace).",
    config: {
        rootNamespace: {
            type: "string",
            default: "istio-system",
            description: "Istio's root namespace: a RequestAuthentication there applies mesh-wide.",
        },
    },
    validate: (resources, _args, report, cfg) => {
        const ras = resources.filter((r) => isRequestAuthentication(r.type));
        for (const ap of resources.filter((r) => isAuthorizationPolicy(r.type))) {
            const spec = asRecord(ap.props.spec);
            if ((asString(spec.action) ?? "ALLOW") !== "ALLOW" || !readsJwt(spec)) continue;
            const ns = metaNamespace(ap.props);
            const workload = labelsOf(spec);
            const validated = ras.some((ra) => {
                if (providerKey(ra) !== providerKey(ap)) return false;
                const raNs = metaNamespace(ra.props);
                const raSpec = asRecord(ra.props.spec);
                if (asArray(raSpec.jwtRules).length === 0) return false;
                if (raNs === cfg.rootNamespace) return Object.keys(labelsOf(raSpec)).length === 0;
                return raNs === ns && covers(labelsOf(raSpec), workload);
            });
            if (!validated)
                report(
                    `ALLOW policy in ${ns ?? "(no namespace)"} reads JWT claims, but no RequestAuthentication selects its workload (${JSON.stringify(workload)}); every request would be denied. Declare one with the issuer's jwtRules`,
                    ap.urn,
                );
        }
    },
});

/** Retry conditions that only fire when the request never reached (or was refused by) the upstream. */
export const SAFE_RETRY_ON: readonly string[] = [
    "connect-failure",
    "refused-stream",
    "reset-before-request",
    "envoy-ratelimited",
];
/** What Istio retries on when `retries` is set without `retryOn`. */
const ISTIO_DEFAULT_RETRY_ON =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
const NON_IDEMPOTENT = ["POST", "PATCH"];

/** Can this HTTPMatchRequest's method condition match `method`? (Istio StringMatch; regex is RE2, full match.) */
function methodMatches(m: Props, method: string): boolean {
    const sm = asRecord(m.method);
    if (Object.keys(sm).length === 0) return true;
    const exact = asString(sm.exact);
    if (exact !== undefined) return exact === method;
    const prefix = asString(sm.prefix);
    if (prefix !== undefined) return method.startsWith(prefix);
    const regex = asString(sm.regex);
    if (regex !== undefined) {
        try {
            return new RegExp(`^(?:${regex})$`).test(method);
        } catch {
            return true; // an expression we cannot read: assume it matches
        }
    }
    return true;
}

export const noRetryOfNonIdempotent = resourcePolicy({
    name: "istio-no-retry-of-non-idempotent",
    description:
        "No VirtualService route that can match POST or PATCH retries on 5xx, reset, gateway-error, retriable status codes or gRPC statuses: only on conditions where the request never reached the upstream (connect-failure, refused-stream).",
    types: (t) => isKind(t, "networking.istio.io", "VirtualService"),
    validate: (props, _args, report) => {
        asArray(asRecord(props.spec).http).forEach((route, i) => {
            const r = asRecord(route);
            if (r.retries === undefined) return;
            const retries = asRecord(r.retries);
            if (retries.attempts === 0) return;
            const retryOn = asString(retries.retryOn) ?? ISTIO_DEFAULT_RETRY_ON;
            const unsafe = retryOn
                .split(",")
                .map((s) => s.trim())
                .filter((s) => s.length > 0 && !SAFE_RETRY_ON.includes(s));
            if (unsafe.length === 0) return;
            const matches = asArray(r.match).map(asRecord);
            const methods = NON_IDEMPOTENT.filter(
                (method) => matches.length === 0 || matches.some((m) => methodMatches(m, method)),
            );
            if (methods.length === 0) return;
            report(
                `http[${i}]${asString(r.name) ? ` (${asString(r.name)})` : ""} retries ${methods.join(" and ")} requests on ${unsafe.join(", ")}, which repeats a request the upstream may have processed; match the idempotent methods for these retries and give the rest retryOn: ${SAFE_RETRY_ON.slice(0, 2).join(",")} (or attempts: 0)`,
            );
        });
    },
});

export const egressAllowlist = resourcePolicy<{ hosts: string[] }>({
    name: "istio-egress-allowlist",
    description:
        "A ServiceEntry for an external host admits only host:port pairs this environment allows (pack config), no wildcard, not exported to every namespace, and resolved by DNS or static addresses (not NONE).",
    types: (t) => isKind(t, "networking.istio.io", "ServiceEntry"),
    config: {
        hosts: {
            type: "array",
            items: { type: "string" },
            default: [],
            description:
                "Allowed external destinations as host:port (the stack's egress.hosts must be among them).",
        },
    },
    validate: (props, _args, report, cfg) => {
        const spec = asRecord(props.spec);
        if ((asString(spec.location) ?? "MESH_EXTERNAL") !== "MESH_EXTERNAL") return;
        const hosts = asArray(spec.hosts).map(String);
        const ports = asArray(spec.ports).map((p) => String(asRecord(p).number));
        for (const host of hosts) {
            if (host.includes("*")) {
                report(
                    `hosts has the wildcard ${host}, which admits every matching external host; list each host`,
                );
                continue;
            }
            for (const port of ports.length > 0 ? ports : ["(any)"]) {
                if (!cfg.hosts.includes(`${host}:${port}`))
                    report(
                        `${host}:${port} is not an allowed external destination in this environment; allowed: ${cfg.hosts.join(", ") || "none"} (policy config istio-egress-allowlist.hosts)`,
                    );
            }
        }
        const exportTo = asArray(spec.exportTo).map(String);
        if (exportTo.length === 0 || exportTo.includes("*"))
            report(
                `exportTo ${exportTo.length === 0 ? "is unset (every namespace)" : "includes *"}; export the entry only to the namespaces that need it ("." for its own)`,
            );
        if ((asString(spec.resolution) ?? "NONE") === "NONE")
            report(
                `resolution NONE forwards to whatever address the pod dialled, so any server that answers for ${hosts.join(", ")} is reachable; use DNS (or STATIC with addresses)`,
            );
    },
});
