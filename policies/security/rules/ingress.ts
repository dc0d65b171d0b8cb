/**
 * The public edge: JWT validation (RequestAuthentication) on the ingress gateway, and TLS 1.2 or newer
 * wherever a gateway terminates TLS and for the mesh's own mTLS (meshConfig.meshMTLS).
 */
import {
    gatewayPodLabels, isIngressGateway, isIstiodRelease, isIstioGateway, isRequestAuthentication, metaNamespace,
    releaseName, releaseValues,
} from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy, urnName } from "../../lib/policy";
import { asArray, asRecord, asString, asStringMap, get, isObject } from "../../lib/values";

/** Istio's TLS version enums that are at least TLS 1.2. */
const TLS_OK = ["TLSV1_2", "TLSV1_3"];
/** Server TLS modes where the gateway itself terminates the client's TLS. */
const TERMINATING = ["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"];

function validJwtRules(rules: unknown[]): string | undefined {
    if (rules.length === 0) return "spec.jwtRules is empty";
    for (const [i, rule] of rules.entries()) {
        if (!asString(get(rule, "issuer"))) return `jwtRules[${i}] has no issuer`;
        const jwksUri = asString(get(rule, "jwksUri"));
        if (!jwksUri && !asString(get(rule, "jwks"))) return `jwtRules[${i}] has neither jwksUri nor jwks`;
        if (jwksUri && !jwksUri.startsWith("https://")) return `jwtRules[${i}].jwksUri ${jwksUri} is not https`;
    }
    return undefined;
}

export const ingressJwt = stackPolicy<{ rootNamespace: string }>({
    name: "istio-ingress-jwt",
    description: "Every ingress gateway is covered by a RequestAuthentication with https JWKS (selector on the gateway's pods, its namespace, or mesh-wide).",
    config: { rootNamespace: { type: "string", default: "istio-system" } },
    validate: (resources, _args, report, cfg) => {
        for (const gw of resources.filter((r) => isIngressGateway(r))) {
            const ns = asString(gw.props.namespace) ?? "default";
            const podLabels = gatewayPodLabels(gw);
            const covering = resources.filter((r) => {
                if (!isRequestAuthentication(r.type) || providerKey(r) !== providerKey(gw)) return false;
                const namespace = metaNamespace(r.props);
                const selector = get(r.props, "spec.selector.matchLabels");
                if (namespace === cfg.rootNamespace && !isObject(get(r.props, "spec.selector"))) return true;
                if (namespace !== ns) return false;
                if (!isObject(selector)) return !isObject(get(r.props, "spec.selector"));
                return Object.entries(asStringMap(selector)).every(([k, v]) => podLabels[k] === v);
            });
            if (covering.length === 0) {
                report(`ingress gateway ${releaseName(gw)} in cluster ${urnName(providerKey(gw))} has no RequestAuthentication selecting it (namespace ${ns}, labels ${JSON.stringify(podLabels)})`, gw.urn);
                continue;
            }
            for (const ra of covering) {
                const problem = validJwtRules(asArray(get(ra.props, "spec.jwtRules")));
                if (problem) report(`RequestAuthentication for ingress gateway ${releaseName(gw)}: ${problem}`, ra.urn);
            }
        }
    },
});

export const gatewayMinTls = resourcePolicy({
    name: "istio-min-tls-1-2",
    description: "Gateways that terminate TLS set tls.minProtocolVersion TLSV1_2 or TLSV1_3; istiod sets meshConfig.meshMTLS.minProtocolVersion likewise.",
    types: (t) => isIstioGateway(t) || t === "kubernetes:helm.sh/v3:Release",
    validate: (props, args, report) => {
        if (isIstioGateway(args.type)) {
            for (const [i, server] of asArray(get(props, "spec.servers")).entries()) {
                const tls = asRecord(get(server, "tls"));
                const mode = asString(tls.mode);
                if (!mode || !TERMINATING.includes(mode)) continue;
                const min = asString(tls.minProtocolVersion);
                if (!min || !TLS_OK.includes(min)) {
                    report(`servers[${i}] terminates TLS (mode ${mode}) with minProtocolVersion ${min ?? "unset"}; set TLSV1_2 or TLSV1_3`);
                }
            }
            return;
        }
        if (!isIstiodRelease({ type: args.type, props })) args.notApplicable("only istiod releases carry meshConfig");
        const meshConfig = asRecord(releaseValues(props).meshConfig);
        const mtlsMin = asString(get(meshConfig, "meshMTLS.minProtocolVersion"));
        if (!mtlsMin || !TLS_OK.includes(mtlsMin)) {
            report(`istiod values meshConfig.meshMTLS.minProtocolVersion is ${mtlsMin ?? "unset"}; set TLSV1_2 or TLSV1_3`);
        }
        const defaultsMin = asString(get(meshConfig, "tlsDefaults.minProtocolVersion"));
        if (defaultsMin && !TLS_OK.includes(defaultsMin)) {
            report(`istiod values meshConfig.tlsDefaults.minProtocolVersion is ${defaultsMin}; set TLSV1_2 or TLSV1_3`);
        }
    },
});
