/**
 * The tenant's authorization: default deny in every domain namespace, the ingress let into the front
 * doors on their routes only, and the guide's two AuthorizationPolicies as intended (one rule each, so
 * source, operation and conditions are AND-ed; the guide's version OR-ed them).
 */
import { IstioManifest, istioResource, SECURITY } from "../mesh/istio-resource";
import { spiffePrincipal } from "../mesh/naming";
import { namespaceOf, PublicRoute, routePaths } from "./domains";

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
 * Guide "user_data_protection", as intended: only frontend-service may read or update user records,
 * and only for admins or the owner. The guide lists from, to and when as three separate rules; Istio
 * ORs rules, so that version let any workload in, any GET/PUT from anyone, and anyone sending the
 * header. Here they are one rule, so all three must hold.
 */
export function userDataProtection(): IstioManifest {
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
                            },
                        },
                    ],
                    to: [{ operation: { methods: ["GET", "PUT"], paths: ["/api/v1/users/*"] } }],
                    when: [
                        { key: "request.headers[x-user-role]", values: ["admin", "user-owner"] },
                    ],
                },
            ],
        },
    );
}

/**
 * Guide "exam_integrity", as intended: only exam-frontend may fetch exam questions, with a session
 * token and a verified user. Fixes beyond merging the three OR-ed rules into one:
 * - the guide's path has a bare `*` as its middle segment, which Istio does not treat as a glob (only
 *   a leading or trailing `*` is); the 1.30 path template `{*}` matches exactly one segment;
 * - `notValues: [""]` alone also matches a request without the header (the negated exact match on an
 *   absent header is true), so a missing token got through. `values: ["*"]` is Envoy's present_match,
 *   which an empty header still satisfies; both in one condition (ANDed by Istio) mean "present and
 *   not empty", which is what the guide intends.
 */
export function examIntegrity(): IstioManifest {
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
                            },
                        },
                    ],
                    to: [
                        { operation: { methods: ["GET"], paths: ["/api/v1/exams/{*}/questions"] } },
                    ],
                    when: [
                        {
                            key: "request.headers[exam-session-token]",
                            values: ["*"],
                            notValues: [""],
                        },
                        { key: "request.headers[user-verification]", values: ["verified"] },
                    ],
                },
            ],
        },
    );
}
