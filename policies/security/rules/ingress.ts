/**
 * The public edge: JWT validation (RequestAuthentication) on the ingress gateway, and TLS 1.2 or newer
 * wherever a gateway terminates TLS and for the mesh's own mTLS (meshConfig.meshMTLS).
 */
import type { PolicyResource } from "@pulumi/policy";
import {
    gatewayPodLabels,
    isAuthorizationPolicy,
    isIngressGateway,
    isIstiodRelease,
    isIstioGateway,
    isRequestAuthentication,
    isVirtualService,
    metaNamespace,
    releaseName,
    releaseValues,
} from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy, urnName } from "../../lib/policy";
import { asArray, asRecord, asString, asStringMap, get, isObject, Props } from "../../lib/values";

/** Istio's TLS version enums that are at least TLS 1.2. */
const TLS_OK = ["TLSV1_2", "TLSV1_3"];
/** Server TLS modes where the gateway itself terminates the client's TLS. */
const TERMINATING = ["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"];

function validJwtRules(rules: unknown[]): string | undefined {
    if (rules.length === 0) return "spec.jwtRules is empty";
    for (const [i, rule] of rules.entries()) {
        if (!asString(get(rule, "issuer"))) return `jwtRules[${i}] has no issuer`;
        const jwksUri = asString(get(rule, "jwksUri"));
        if (!jwksUri && !asString(get(rule, "jwks")))
            return `jwtRules[${i}] has neither jwksUri nor jwks`;
        if (jwksUri && !jwksUri.startsWith("https://"))
            return `jwtRules[${i}].jwksUri ${jwksUri} is not https`;
    }
    return undefined;
}

/** Does this namespaced, optionally selector-scoped object apply to the gateway's pods? */
function selectsGateway(r: PolicyResource, gw: PolicyResource, rootNamespace: string): boolean {
    if (providerKey(r) !== providerKey(gw)) return false;
    const namespace = metaNamespace(r.props);
    const hasSelector = isObject(get(r.props, "spec.selector"));
    if (namespace === rootNamespace && !hasSelector) return true;
    if (namespace !== (asString(gw.props.namespace) ?? "default")) return false;
    if (!hasSelector) return true;
    const podLabels = gatewayPodLabels(gw);
    return Object.entries(asStringMap(get(r.props, "spec.selector.matchLabels"))).every(
        ([k, v]) => podLabels[k] === v,
    );
}

/**
 * Does this AuthorizationPolicy make a JWT mandatory? A RequestAuthentication only rejects invalid
 * tokens and lets requests without one through; Istio requires a token with DENY on
 * `notRequestPrincipals` or ALLOW on `requestPrincipals`.
 */
export function requiresJwt(props: Props): boolean {
    const spec = asRecord(props.spec);
    const action = asString(spec.action) ?? "ALLOW";
    const key =
        action === "DENY"
            ? "notRequestPrincipals"
            : action === "ALLOW"
              ? "requestPrincipals"
              : undefined;
    if (!key) return false;
    return asArray(spec.rules).some((rule) =>
        asArray(get(rule, "from")).some((f) => asArray(get(f, `source.${key}`)).length > 0),
    );
}

/** A path the gateway routes: a VirtualService `match.uri` (exact or prefix). */
interface RoutedPath {
    readonly path: string;
    readonly kind: "exact" | "prefix" | "regex";
    readonly via: string;
}

/** Paths routed through the gateway: VirtualServices bound to an Istio Gateway that selects its pods. */
export function routedPaths(
    gw: PolicyResource,
    resources: readonly PolicyResource[],
): RoutedPath[] {
    const podLabels = gatewayPodLabels(gw);
    const gateways = resources.filter(
        (r) =>
            isIstioGateway(r.type) &&
            providerKey(r) === providerKey(gw) &&
            Object.entries(asStringMap(get(r.props, "spec.selector"))).every(
                ([k, v]) => podLabels[k] === v,
            ),
    );
    const names = new Set(
        gateways.flatMap((g) => {
            const name = asString(get(g.props, "metadata.name")) ?? "";
            return [`${metaNamespace(g.props) ?? "default"}/${name}`];
        }),
    );
    const out: RoutedPath[] = [];
    for (const vs of resources.filter(
        (r) => isVirtualService(r.type) && providerKey(r) === providerKey(gw),
    )) {
        const ns = metaNamespace(vs.props) ?? "default";
        const bound = asArray(get(vs.props, "spec.gateways")).some((g) => {
            const ref = String(g);
            return names.has(ref.includes("/") ? ref : `${ns}/${ref}`);
        });
        if (!bound) continue;
        const via = asString(get(vs.props, "metadata.name")) ?? vs.name;
        for (const http of asArray(get(vs.props, "spec.http"))) {
            const matches = asArray(get(http, "match"));
            if (matches.length === 0) out.push({ path: "/", kind: "prefix", via });
            for (const m of matches) {
                const uri = asRecord(get(m, "uri"));
                if (asString(uri.exact)) out.push({ path: String(uri.exact), kind: "exact", via });
                else if (asString(uri.prefix))
                    out.push({ path: String(uri.prefix), kind: "prefix", via });
                else if (asString(uri.regex))
                    out.push({ path: String(uri.regex), kind: "regex", via });
                else out.push({ path: "/", kind: "prefix", via });
            }
        }
    }
    // One entry per path: routes split by method (idempotent retries) repeat the same uri match.
    const seen = new Set<string>();
    return out.filter((r) => {
        const key = `${r.kind} ${r.path} ${r.via}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

/** Does an Istio `paths` entry match every request of this route? (`*`, the exact path, a covering prefix.) */
function patternCovers(pattern: string, route: RoutedPath): boolean {
    if (pattern === "*") return true;
    if (route.kind === "regex") return false;
    if (pattern.endsWith("*")) return route.path.startsWith(pattern.slice(0, -1));
    return route.kind === "exact" && pattern === route.path;
}

/** Does an operation entry apply to every request of the route (no method/host/port narrowing)? */
function operationCovers(op: Props, route: RoutedPath): boolean {
    if (["methods", "hosts", "ports"].some((f) => asArray(op[f]).length > 0)) return false;
    if (asArray(op.notPaths).some((p) => patternCovers(String(p), route) || p === route.path))
        return false;
    const paths = asArray(op.paths);
    return paths.length === 0 || paths.some((p) => patternCovers(String(p), route));
}

/** Does this rule apply to every request of the route, whoever sends it? (No `when`, no other source narrowing.) */
function ruleCoversRoute(rule: unknown, route: RoutedPath): boolean {
    if (asArray(get(rule, "when")).length > 0) return false;
    const to = asArray(get(rule, "to"));
    return to.length === 0 || to.some((t) => operationCovers(asRecord(get(t, "operation")), route));
}

/** Does the policy make a token mandatory for every request of this route? */
export function requiresJwtOn(props: Props, route: RoutedPath): boolean {
    const spec = asRecord(props.spec);
    const action = asString(spec.action) ?? "ALLOW";
    const key =
        action === "DENY"
            ? "notRequestPrincipals"
            : action === "ALLOW"
              ? "requestPrincipals"
              : undefined;
    if (!key) return false;
    return asArray(spec.rules).some(
        (rule) =>
            ruleCoversRoute(rule, route) &&
            asArray(get(rule, "from")).some((f) => {
                const source = asRecord(get(f, "source"));
                if (asArray(source[key]).length === 0) return false;
                // DENY: other positive source fields narrow whom the denial applies to.
                return (
                    action !== "DENY" ||
                    Object.keys(source).every((k) => k === key || asArray(source[k]).length === 0)
                );
            }),
    );
}

/** Would an ALLOW policy without a token requirement admit this route? (Then the JWT ALLOW is moot.) */
function allowsWithoutToken(props: Props, route: RoutedPath): boolean {
    const spec = asRecord(props.spec);
    if ((asString(spec.action) ?? "ALLOW") !== "ALLOW") return false;
    return asArray(spec.rules).some(
        (rule) =>
            ruleCoversRoute(rule, route) &&
            !asArray(get(rule, "from")).some(
                (f) => asArray(get(f, "source.requestPrincipals")).length > 0,
            ),
    );
}

export const ingressJwt = stackPolicy<{ rootNamespace: string; publicPaths: string[] }>({
    name: "istio-ingress-jwt",
    description:
        "Every ingress gateway is covered by a RequestAuthentication with https JWKS (selector on the gateway's pods, its namespace, or mesh-wide) and an AuthorizationPolicy that requires the token.",
    config: {
        rootNamespace: { type: "string", default: "istio-system" },
        publicPaths: {
            type: "array",
            items: { type: "string" },
            default: ["/smoke/"],
            description:
                "Routed path prefixes that may be reached without a token (the smoke service's public probe path).",
        },
    },
    validate: (resources, _args, report, cfg) => {
        for (const gw of resources.filter((r) => isIngressGateway(r))) {
            const ns = asString(gw.props.namespace) ?? "default";
            const covering = resources.filter(
                (r) => isRequestAuthentication(r.type) && selectsGateway(r, gw, cfg.rootNamespace),
            );
            if (covering.length === 0) {
                report(
                    `ingress gateway ${releaseName(gw)} in cluster ${urnName(providerKey(gw))} has no RequestAuthentication selecting it (namespace ${ns}, labels ${JSON.stringify(gatewayPodLabels(gw))})`,
                    gw.urn,
                );
                continue;
            }
            for (const ra of covering) {
                const problem = validJwtRules(asArray(get(ra.props, "spec.jwtRules")));
                if (problem)
                    report(
                        `RequestAuthentication for ingress gateway ${releaseName(gw)}: ${problem}`,
                        ra.urn,
                    );
            }
            const policies = resources.filter(
                (r) => isAuthorizationPolicy(r.type) && selectsGateway(r, gw, cfg.rootNamespace),
            );
            const routes = routedPaths(gw, resources).filter(
                (route) => !cfg.publicPaths.some((p) => route.path.startsWith(p)),
            );
            if (routes.length > 0) {
                for (const route of routes) {
                    const denied = policies.some(
                        (p) =>
                            asString(get(p.props, "spec.action")) === "DENY" &&
                            requiresJwtOn(p.props, route),
                    );
                    const allowedOnlyWithToken =
                        policies.some(
                            (p) =>
                                (asString(get(p.props, "spec.action")) ?? "ALLOW") === "ALLOW" &&
                                requiresJwtOn(p.props, route),
                        ) && !policies.some((p) => allowsWithoutToken(p.props, route));
                    if (!denied && !allowedOnlyWithToken)
                        report(
                            `ingress gateway ${releaseName(gw)} in cluster ${urnName(providerKey(gw))} routes ${route.kind} ${route.path} (VirtualService ${route.via}) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)`,
                            gw.urn,
                        );
                }
                continue;
            }
            if (!policies.some((r) => requiresJwt(r.props))) {
                report(
                    `ingress gateway ${releaseName(gw)} in cluster ${urnName(providerKey(gw))} accepts requests without a JWT: no AuthorizationPolicy selecting it requires one (DENY with notRequestPrincipals or ALLOW with requestPrincipals); a RequestAuthentication alone only rejects invalid tokens`,
                    gw.urn,
                );
            }
        }
    },
});

export const gatewayMinTls = resourcePolicy({
    name: "istio-min-tls-1-2",
    description:
        "Gateways that terminate TLS set tls.minProtocolVersion TLSV1_2 or TLSV1_3 (ISTIO_MUTUAL servers never set an older one); istiod sets meshConfig.meshMTLS.minProtocolVersion likewise.",
    types: (t) => isIstioGateway(t) || t === "kubernetes:helm.sh/v3:Release",
    validate: (props, args, report) => {
        if (isIstioGateway(args.type)) {
            for (const [i, server] of asArray(get(props, "spec.servers")).entries()) {
                const tls = asRecord(get(server, "tls"));
                const mode = asString(tls.mode);
                const min = asString(tls.minProtocolVersion);
                // ISTIO_MUTUAL terminates the mesh's own mTLS: unset, meshConfig.meshMTLS governs it
                // (checked on istiod); an explicit older version weakens it.
                if (mode === "ISTIO_MUTUAL" && min && !TLS_OK.includes(min)) {
                    report(
                        `servers[${i}] terminates Istio mTLS (mode ISTIO_MUTUAL) with minProtocolVersion ${min}; set TLSV1_2 or TLSV1_3 or leave it to meshConfig.meshMTLS`,
                    );
                    continue;
                }
                if (!mode || !TERMINATING.includes(mode)) continue;
                if (!min || !TLS_OK.includes(min)) {
                    report(
                        `servers[${i}] terminates TLS (mode ${mode}) with minProtocolVersion ${min ?? "unset"}; set TLSV1_2 or TLSV1_3`,
                    );
                }
            }
            return;
        }
        if (!isIstiodRelease({ type: args.type, props }))
            args.notApplicable("only istiod releases carry meshConfig");
        const meshConfig = asRecord(releaseValues(props).meshConfig);
        const mtlsMin = asString(get(meshConfig, "meshMTLS.minProtocolVersion"));
        if (!mtlsMin || !TLS_OK.includes(mtlsMin)) {
            report(
                `istiod values meshConfig.meshMTLS.minProtocolVersion is ${mtlsMin ?? "unset"}; set TLSV1_2 or TLSV1_3`,
            );
        }
        const defaultsMin = asString(get(meshConfig, "tlsDefaults.minProtocolVersion"));
        if (defaultsMin && !TLS_OK.includes(defaultsMin)) {
            report(
                `istiod values meshConfig.tlsDefaults.minProtocolVersion is ${defaultsMin}; set TLSV1_2 or TLSV1_3`,
            );
        }
    },
});
