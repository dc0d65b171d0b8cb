/**
 * A MeshService's authorization: one ALLOW rule per declared caller (source, methods and paths in one
 * rule, so Istio ANDs them; rules are OR-ed), on top of the namespace's default deny; and the optional
 * per-service JWT validation.
 */
import { IstioManifest, istioResource, SECURITY } from "../mesh/istio-resource";
import { spiffePrincipal } from "../mesh/naming";
import type { Caller, ResolvedServiceArgs } from "./args";
import { selectorLabels } from "./workload";

/** The SPIFFE principal of a declared caller. */
export function callerPrincipal(c: Caller): string {
    if ("principal" in c) return c.principal;
    const [namespace, account] = c.service.split("/");
    return spiffePrincipal(namespace, account);
}

/** One rule for one caller: `from` its principal, `to` its methods and paths (when it names any). */
export function callerRule(c: Caller): Record<string, unknown> {
    const operation: Record<string, string[]> = {};
    if (c.methods) operation.methods = [...c.methods];
    if (c.paths) operation.paths = [...c.paths];
    return {
        from: [{ source: { principals: [callerPrincipal(c)] } }],
        ...(Object.keys(operation).length > 0 ? { to: [{ operation }] } : {}),
    };
}

/**
 * The service's ALLOW policy, or none when nobody may call it: an ALLOW policy needs at least one rule
 * (with none it would match nothing, which the namespace's default deny already says).
 */
export function authorizationPolicy(a: ResolvedServiceArgs): IstioManifest | undefined {
    if (a.allowFrom.length === 0) return undefined;
    return istioResource(SECURITY, "AuthorizationPolicy", a.name, a.namespace, {
        selector: { matchLabels: selectorLabels(a.name) },
        action: "ALLOW",
        rules: a.allowFrom.map(callerRule),
    });
}

/** JWT validation on the service's own sidecars (tokens from `jwt.issuer` only). */
export function requestAuthentication(a: ResolvedServiceArgs): IstioManifest | undefined {
    if (!a.jwt) return undefined;
    const rule: Record<string, unknown> = {
        issuer: a.jwt.issuer,
        jwksUri: a.jwt.jwksUri,
        forwardOriginalToken: true,
    };
    if (a.jwt.audiences && a.jwt.audiences.length > 0) rule.audiences = [...a.jwt.audiences];
    return istioResource(SECURITY, "RequestAuthentication", a.name, a.namespace, {
        selector: { matchLabels: selectorLabels(a.name) },
        jwtRules: [rule],
    });
}
