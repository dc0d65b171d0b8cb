/**
 * The tenant's traffic: per-service DestinationRules (the guide's pool, breaker and outlier numbers
 * with locality failover across the mesh's regions), per-service retries, and the public routes.
 *
 * Retries by method: a retry on `5xx` repeats a request the upstream may already have processed, which
 * for a POST (an exam submission) means a second submission. So every route is split in two: the
 * idempotent methods (RFC 9110 9.2.2) get the guide's retries; everything else (POST, PATCH and any
 * method not listed) is retried only when the request provably never reached the upstream
 * (`connect-failure`: no connection; `refused-stream`: HTTP/2 REFUSED_STREAM, not processed). The
 * fallback is the safe one, so a method nobody thought of is never retried on 5xx. An explicit policy
 * also replaces Istio's default (2 attempts on connect-failure,refused-stream,unavailable,cancelled,
 * retriable-status-codes=503), which would retry a POST answered with 503.
 */
import { IstioManifest, istioResource, NETWORKING } from "../mesh/istio-resource";
import type { MeshLocality } from "../mesh/member";
import { serviceHost } from "../mesh/naming";
import { CLIENT_IDENTITY_HEADERS, namespaceOf, PUBLIC_ROUTES } from "./domains";

/** Guide: retry_policy. Only for IDEMPOTENT_METHODS. */
export const RETRY_POLICY = {
    attempts: 3,
    perTryTimeout: "5s",
    retryOn: "5xx,gateway-error,connect-failure",
} as const;

/** Methods a repeat cannot change the outcome of (RFC 9110 9.2.2): the guide's retries apply. */
export const IDEMPOTENT_METHODS: readonly string[] = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];

/**
 * Every other method (POST, PATCH, ...): retried only if the request never reached the upstream. No
 * perTryTimeout: a slow submission is not cut off and tried again.
 */
export const NON_IDEMPOTENT_RETRY_POLICY = {
    attempts: 2,
    retryOn: "connect-failure,refused-stream",
} as const;

/** HTTP match entries: each of `matches` (or none) AND-ed with each idempotent method; Istio ORs entries. */
function idempotentMatches(matches: readonly Record<string, unknown>[]): Record<string, unknown>[] {
    const base = matches.length > 0 ? matches : [{}];
    return base.flatMap((m) =>
        IDEMPOTENT_METHODS.map((method) => ({ ...m, method: { exact: method } })),
    );
}

/**
 * Two HTTP routes to one destination: idempotent methods with the guide's retries first, then the
 * same matches for every other method with NON_IDEMPOTENT_RETRY_POLICY.
 */
function routesByMethod(
    name: string,
    matches: readonly Record<string, unknown>[],
    rest: Record<string, unknown>,
): Record<string, unknown>[] {
    return [
        {
            name: `${name}-idempotent`,
            match: idempotentMatches(matches),
            ...rest,
            retries: { ...RETRY_POLICY },
        },
        {
            name: `${name}-other-methods`,
            ...(matches.length > 0 ? { match: matches.map((m) => ({ ...m })) } : {}),
            ...rest,
            retries: { ...NON_IDEMPOTENT_RETRY_POLICY },
        },
    ];
}

/**
 * Guide: connection_pooling and circuit_breaker, mapped to Istio's names (consecutive_errors ->
 * consecutive5xxErrors; pending and per-connection limits are HTTP settings; idle timeout is HTTP's).
 *
 * maxEjectionPercent is 100, not the guide's 50, on purpose. With locality failover the local
 * endpoints are Envoy priority 0 and the other region is priority 1; traffic only moves to priority 1
 * once the local endpoints are ejected. A 50 % cap would keep half of a dead region's endpoints in
 * rotation, so a regional failure would keep failing half the requests instead of failing over.
 * The cost: across networks the whole remote side is one endpoint (the east-west gateway of that
 * network), and it may be ejected too; it comes back after baseEjectionTime (30 s, growing with
 * repeated ejections), and it only takes 5 consecutive 5xx to get there, the same bar as any endpoint.
 * minHealthPercent stays 0 (Istio's default), so Envoy's panic mode never sends to ejected endpoints.
 */
export const TRAFFIC_POLICY = {
    connectionPool: {
        tcp: { maxConnections: 100, connectTimeout: "10s" },
        http: { http1MaxPendingRequests: 50, maxRequestsPerConnection: 10, idleTimeout: "60s" },
    },
    outlierDetection: {
        consecutive5xxErrors: 5,
        interval: "30s",
        baseEjectionTime: "30s",
        maxEjectionPercent: 100,
    },
} as const;

/**
 * Locality failover: the primary region fails over to the secondary (the first non-primary region),
 * every other region fails over to the primary. One entry per region, so failover covers every region.
 */
export function localityFailover(members: readonly MeshLocality[]): { from: string; to: string }[] {
    const primary = members.find((m) => m.primary);
    const secondary = members.find((m) => !m.primary);
    if (!primary || !secondary) return [];
    return members
        .map((m) => ({ from: m.locality, to: m.primary ? secondary.locality : primary.locality }))
        .filter((f) => f.from !== f.to);
}

/** Pool, circuit breaker, outlier detection and locality failover for one domain service. */
export function serviceDestinationRule(
    namespace: string,
    service: string,
    members: readonly MeshLocality[],
): IstioManifest {
    const failover = localityFailover(members);
    return istioResource(NETWORKING, "DestinationRule", service, namespace, {
        host: serviceHost(namespace, service),
        trafficPolicy: {
            connectionPool: TRAFFIC_POLICY.connectionPool,
            outlierDetection: TRAFFIC_POLICY.outlierDetection,
            loadBalancer: {
                localityLbSetting:
                    failover.length > 0 ? { enabled: true, failover } : { enabled: true },
            },
        },
    });
}

/** Retries for one domain service (mesh-internal routes): the guide's for idempotent methods only. */
export function serviceVirtualService(namespace: string, service: string): IstioManifest {
    const host = serviceHost(namespace, service);
    return istioResource(NETWORKING, "VirtualService", service, namespace, {
        hosts: [host],
        http: routesByMethod(service, [], { route: [{ destination: { host } }] }),
    });
}

/** What the public routes bind to: the mesh's public gateway, its hostnames and namespace. */
export interface PublicGatewayBinding {
    /** Namespace of the public Gateway (the VirtualService lives next to it). */
    readonly gatewayNamespaceName: string;
    /** `<namespace>/<name>` of the public Gateway. */
    readonly publicGatewayRef: string;
    /** Hostnames the public gateway serves. */
    readonly publicHostnames: readonly string[];
}

/**
 * The public routes -> front-door services, retried by method; client-supplied identity headers are
 * stripped (the exam session token is not one: see EXAM_SESSION_HEADER).
 */
export function publicVirtualService(gateway: PublicGatewayBinding): IstioManifest {
    return istioResource(
        NETWORKING,
        "VirtualService",
        "public-routes",
        gateway.gatewayNamespaceName,
        {
            hosts: [...gateway.publicHostnames],
            gateways: [gateway.publicGatewayRef],
            http: PUBLIC_ROUTES.flatMap((r) =>
                routesByMethod(
                    r.service,
                    [{ uri: { exact: r.prefix } }, { uri: { prefix: `${r.prefix}/` } }],
                    {
                        headers: { request: { remove: [...CLIENT_IDENTITY_HEADERS] } },
                        route: [
                            {
                                destination: {
                                    host: serviceHost(namespaceOf(r.service), r.service),
                                },
                            },
                        ],
                    },
                ),
            ),
        },
    );
}
