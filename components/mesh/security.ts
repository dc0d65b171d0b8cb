/**
 * Mesh-wide security: TLS numbers (guide), mesh-wide mTLS, and JWT validation at the public ingress
 * gateway. Nothing here names a tenant: the paths that require a token are an argument.
 */
import { GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME, ISTIO_NAMESPACE } from "../constants";
import { IstioManifest, istioResource, SECURITY } from "./istio-resource";
import { gatewaySelector } from "./naming";

/** Guide: "Strong ciphers only" -> ECDHE with AEAD for TLS 1.2 (TLS 1.3 suites are not configurable). */
export const STRONG_CIPHER_SUITES: readonly string[] = [
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
];
export const MIN_TLS_VERSION = "TLSV1_2";
/** Guide: workload certificates rotate every 24 hours. */
export const WORKLOAD_CERT_TTL = "24h";

/** Mesh-wide mTLS mode (PeerAuthentication in the root namespace). */
export type MtlsMode = "STRICT" | "PERMISSIVE";

/** The token issuer the public ingress gateway validates. */
export interface IngressJwt {
    /** `iss` of accepted tokens. */
    readonly issuer: string;
    /** Where the issuer publishes its signing keys. */
    readonly jwksUri: string;
    /** Accepted `aud` values; empty: any audience. */
    readonly audiences: readonly string[];
}

/** Mesh-wide mTLS (root namespace). */
export function meshPeerAuthentication(mtlsMode: MtlsMode): IstioManifest {
    return istioResource(SECURITY, "PeerAuthentication", "default", ISTIO_NAMESPACE, {
        mtls: { mode: mtlsMode },
    });
}

/** Validates JWTs at the ingress gateway. A missing token passes here; `ingressRequireJwt` rejects it. */
export function ingressRequestAuthentication(jwt: IngressJwt): IstioManifest {
    const rule: Record<string, unknown> = {
        issuer: jwt.issuer,
        jwksUri: jwt.jwksUri,
        forwardOriginalToken: true,
    };
    if (jwt.audiences.length > 0) rule.audiences = [...jwt.audiences];
    return istioResource(SECURITY, "RequestAuthentication", "ingress-jwt", GATEWAY_NAMESPACE, {
        selector: { matchLabels: gatewaySelector(INGRESS_GATEWAY_NAME) },
        jwtRules: [rule],
    });
}

/**
 * Requires a valid token on `paths` (the tenants' public routes): DENY requests without a request
 * principal. A DENY (rather than an ALLOW) keeps the HTTP->HTTPS redirect and gateway health endpoints working.
 */
export function ingressRequireJwt(paths: readonly string[]): IstioManifest {
    return istioResource(
        SECURITY,
        "AuthorizationPolicy",
        "ingress-require-jwt",
        GATEWAY_NAMESPACE,
        {
            selector: { matchLabels: gatewaySelector(INGRESS_GATEWAY_NAME) },
            action: "DENY",
            rules: [
                {
                    from: [{ source: { notRequestPrincipals: ["*"] } }],
                    to: [{ operation: { paths: [...paths] } }],
                },
            ],
        },
    );
}
