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

export const ingressJwt = stackPolicy<{ rootNamespace: string }>({
    name: "istio-ingress-jwt",
    description:
        "Every ingress gateway is covered by a RequestAuthentication with https JWKS (selector on the gateway's pods, its namespace, or mesh-wide) and an AuthorizationPolicy that requires the token.",
    config: { rootNamespace: { type: "string", default: "istio-system" } },
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
            if (
                !resources.some(
                    (r) =>
                        isAuthorizationPolicy(r.type) &&
                        selectsGateway(r, gw, cfg.rootNamespace) &&
                        requiresJwt(r.props),
                )
            ) {
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
        "Gateways that terminate TLS set tls.minProtocolVersion TLSV1_2 or TLSV1_3; istiod sets meshConfig.meshMTLS.minProtocolVersion likewise.",
    types: (t) => isIstioGateway(t) || t === "kubernetes:helm.sh/v3:Release",
    validate: (props, args, report) => {
        if (isIstioGateway(args.type)) {
            for (const [i, server] of asArray(get(props, "spec.servers")).entries()) {
                const tls = asRecord(get(server, "tls"));
                const mode = asString(tls.mode);
                if (!mode || !TERMINATING.includes(mode)) continue;
                const min = asString(tls.minProtocolVersion);
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
