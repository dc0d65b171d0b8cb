/**
 * The tenant's authorization: default deny in every domain namespace, the ingress let into the front
 * doors on their routes only, and the guide's two AuthorizationPolicies as intended (one rule each, so
 * source, operation and conditions are AND-ed; the guide's version OR-ed them). The end user's identity
 * comes from the JWT, validated again at each protected workload (`workloadRequestAuthentication`),
 * never from a header a caller can set.
 */
import { IstioManifest, istioResource, SECURITY } from "../mesh/istio-resource";
import { spiffePrincipal } from "../mesh/naming";
import {
    EXAM_SESSION_HEADER,
    IDENTITY_CLAIMS,
    namespaceOf,
    PublicRoute,
    routePaths,
} from "./domains";

/** The token issuer the tenant's workloads accept (the stack's `mesh.jwt`). */
export interface TenantJwt {
    /** `iss` of accepted tokens. */
    readonly issuer: string;
    /** Where the issuer publishes its signing keys (istiod fetches them). */
    readonly jwksUri: string;
    /** Accepted `aud` values. @default [] (any audience) */
    readonly audiences?: readonly string[];
}

/** Request principals (`<iss>/<sub>`) of every token from `issuer`: a source entry naming them needs a valid JWT. */
export const issuerPrincipals = (issuer: string): string[] => [`${issuer}/*`];

/** An ALLOW policy with no rules matches nothing: every request into the namespace is denied unless another policy allows it. */
export function defaultDeny(namespace: string): IstioManifest {
    return istioResource(SECURITY, "AuthorizationPolicy", "default-deny", namespace, {});
}

/** Lets the ingress gateway reach a public route's front-door service, on that route's paths only. */
export function allowFromIngress(route: PublicRoute, ingressPrincipal: string): IstioManifest {
    return istioResource(
        SECURITY,
        "AuthorizationPolicy",
        `allow-ingress-${route.service}`,
        namespaceOf(route.service),
        {
            selector: { matchLabels: { app: route.service } },
            action: "ALLOW",
            rules: [
                {
                    from: [{ source: { principals: [ingressPrincipal] } }],
                    to: [{ operation: { paths: routePaths(route.prefix) } }],
                },
            ],
        },
    );
}

/**
 * Validates the end user's JWT at one workload (the token the front door forwards in `Authorization`).
 * An invalid token is rejected with 401; a request without one passes here and is then denied by the
 * workload's ALLOW policy, which requires a request principal and claims.
 */
export function workloadRequestAuthentication(service: string, jwt: TenantJwt): IstioManifest {
    const rule: Record<string, unknown> = { issuer: jwt.issuer, jwksUri: jwt.jwksUri };
    if (jwt.audiences && jwt.audiences.length > 0) rule.audiences = [...jwt.audiences];
    return istioResource(
        SECURITY,
        "RequestAuthentication",
        `jwt-${service}`,
        namespaceOf(service),
        {
            selector: { matchLabels: { app: service } },
            jwtRules: [rule],
        },
    );
}

/**
 * Guide "user_data_protection", as intended: only frontend-service may read or update user records,
 * and only for admins or the owner. The guide lists from, to and when as three separate rules; Istio
 * ORs rules, so that version let any workload in, any GET/PUT from anyone, and anyone sending the
 * header. Here they are one rule, so all three must hold, and the role is the JWT's `role` claim
 * (validated at user-service by `jwt-user-service`) instead of the `x-user-role` header, which any
 * caller could set. The source entry names both the peer (mTLS) and the token's issuer: AND-ed.
 */
export function userDataProtection(jwt: TenantJwt): IstioManifest {
    return istioResource(
        SECURITY,
        "AuthorizationPolicy",
        "user-data-protection",
        namespaceOf("user-service"),
        {
            selector: { matchLabels: { app: "user-service" } },
            action: "ALLOW",
            rules: [
                {
                    from: [
                        {
                            source: {
                                principals: [
                                    spiffePrincipal(
                                        namespaceOf("frontend-service"),
                                        "frontend-service",
                                    ),
                                ],
                                requestPrincipals: issuerPrincipals(jwt.issuer),
                            },
                        },
                    ],
                    to: [{ operation: { methods: ["GET", "PUT"], paths: ["/api/v1/users/*"] } }],
                    when: [
                        {
                            key: `request.auth.claims[${IDENTITY_CLAIMS.role}]`,
                            values: ["admin", "user-owner"],
                        },
                    ],
                },
            ],
        },
    );
}

/**
 * Guide "exam_integrity", as intended: only exam-frontend may fetch exam questions, with a session
 * token and a verified user. Fixes beyond merging the three OR-ed rules into one:
 * - the verified user is the JWT's `user_verification` claim (validated at exam-service by
 *   `jwt-exam-service`), not the `user-verification` header any caller could set;
 * - the guide's path has a bare `*` as its middle segment, which Istio does not treat as a glob (only
 *   a leading or trailing `*` is); the 1.30 path template `{*}` matches exactly one segment;
 * - `notValues: [""]` alone also matches a request without the header (the negated exact match on an
 *   absent header is true), so a missing token got through. `values: ["*"]` is Envoy's present_match,
 *   which an empty header still satisfies; both in one condition (ANDed by Istio) mean "present and
 *   not empty", which is what the guide intends. The session token is a capability the learner's
 *   client sends, not an identity: the ingress passes it through (see EXAM_SESSION_HEADER).
 */
export function examIntegrity(jwt: TenantJwt): IstioManifest {
    return istioResource(
        SECURITY,
        "AuthorizationPolicy",
        "exam-integrity",
        namespaceOf("exam-service"),
        {
            selector: { matchLabels: { app: "exam-service" } },
            action: "ALLOW",
            rules: [
                {
                    from: [
                        {
                            source: {
                                principals: [
                                    spiffePrincipal(namespaceOf("exam-frontend"), "exam-frontend"),
                                ],
                                requestPrincipals: issuerPrincipals(jwt.issuer),
                            },
                        },
                    ],
                    to: [
                        { operation: { methods: ["GET"], paths: ["/api/v1/exams/{*}/questions"] } },
                    ],
                    when: [
                        {
                            key: `request.headers[${EXAM_SESSION_HEADER}]`,
                            values: ["*"],
                            notValues: [""],
                        },
                        {
                            key: `request.auth.claims[${IDENTITY_CLAIMS.verification}]`,
                            values: ["verified"],
                        },
                    ],
                },
            ],
        },
    );
}
