/**
 * A MeshService's traffic: DestinationRule (the guide's pool, breaker and outlier numbers, locality
 * failover, per-cluster subsets), VirtualServices whose retries repeat only idempotent methods, the
 * optional public route on the ingress gateway, and the opt-in Envoy HTTP cache.
 */
import { IstioManifest, istioResource, NETWORKING } from "../mesh/istio-resource";
import type { MeshLocality } from "../mesh/member";
import { serviceHost } from "../mesh/naming";
import type { ResolvedServiceArgs } from "./args";
import {
    CANARY_ROUTES,
    canaryServiceName,
    publicVirtualServiceName,
    selectorLabels,
} from "./workload";

/** Methods that may be repeated without a side effect beyond the first (RFC 9110 section 9.2.2). */
export const IDEMPOTENT_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"] as const;

/** Guide: retry_policy (max_retries 3, per_try_timeout 5s, retry_on 5xx,gateway-error,connect-failure). */
export const IDEMPOTENT_RETRIES = {
    attempts: 3,
    perTryTimeout: "5s",
    retryOn: "5xx,gateway-error,connect-failure",
} as const;

/**
 * Retries for POST, PATCH and other non-idempotent methods: only when the request cannot have reached
 * the service (no connection, or the upstream refused the stream before reading it). Set explicitly:
 * a route without `retries` gets Istio's default (2 attempts on connect-failure, refused-stream,
 * unavailable, cancelled and retriable 503s), which can repeat a POST the service already processed.
 */
export const NON_IDEMPOTENT_RETRIES = {
    "connect-failure": {
        attempts: 2,
        perTryTimeout: "5s",
        retryOn: "connect-failure,refused-stream",
    },
    none: { attempts: 0 },
} as const;

/**
 * Guide: connection_pooling and circuit_breaker in Istio's names. maxEjectionPercent 100, not the
 * guide's 50, for the reason given in components/tenant/traffic.ts (locality failover needs every
 * local endpoint ejectable, or a dead region keeps half its traffic).
 */
export const SERVICE_TRAFFIC_POLICY = {
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

/** Istio puts this label on every endpoint it discovers, with the Istio cluster name as value. */
export const CLUSTER_LABEL = "topology.istio.io/cluster";

/** Primary fails over to the first other region; every other region fails over to the primary. */
export function failoverOf(members: readonly MeshLocality[]): { from: string; to: string }[] {
    const primary = members.find((m) => m.primary);
    const secondary = members.find((m) => !m.primary);
    if (!primary || !secondary) return [];
    return members
        .map((m) => ({ from: m.locality, to: m.primary ? secondary.locality : primary.locality }))
        .filter((f) => f.from !== f.to);
}

function trafficPolicy(a: ResolvedServiceArgs): Record<string, unknown> {
    const failover = failoverOf(a.localities);
    return {
        connectionPool: SERVICE_TRAFFIC_POLICY.connectionPool,
        outlierDetection: SERVICE_TRAFFIC_POLICY.outlierDetection,
        loadBalancer: {
            localityLbSetting:
                failover.length > 0 ? { enabled: true, failover } : { enabled: true },
        },
    };
}

/** DestinationRules: the service's host (with per-cluster subsets) and, for a canary, the canary host. */
export function destinationRules(a: ResolvedServiceArgs): IstioManifest[] {
    const subsets = (a.clusterRouting?.clusters ?? []).map((c) => ({
        name: c,
        labels: { [CLUSTER_LABEL]: c },
    }));
    const out = [
        istioResource(NETWORKING, "DestinationRule", a.name, a.namespace, {
            host: serviceHost(a.namespace, a.name),
            trafficPolicy: trafficPolicy(a),
            ...(subsets.length > 0 ? { subsets } : {}),
        }),
    ];
    if (a.canary) {
        const canary = canaryServiceName(a.name);
        out.push(
            istioResource(NETWORKING, "DestinationRule", canary, a.namespace, {
                host: serviceHost(a.namespace, canary),
                trafficPolicy: trafficPolicy(a),
            }),
        );
    }
    return out;
}

/** Where a route sends traffic: the service, or stable and canary with the weights Argo changes. */
function destinations(a: ResolvedServiceArgs): Record<string, unknown>[] {
    const port = { number: a.servicePort };
    if (!a.canary) return [{ destination: { host: serviceHost(a.namespace, a.name), port } }];
    // Short names: Argo Rollouts matches these hosts against stableService and canaryService.
    return [
        { destination: { host: a.name, port }, weight: 100 },
        { destination: { host: canaryServiceName(a.name), port }, weight: 0 },
    ];
}

/**
 * The routes of one VirtualService: header-selected cluster routes first, then idempotent methods with
 * the guide's retries, then everything else with connect-failure retries (or none). `match` adds the
 * public prefix; `rewrite` its replacement.
 */
function routes(
    a: ResolvedServiceArgs,
    prefix?: { readonly prefix: string; readonly rewrite: string },
): Record<string, unknown>[] {
    const uri = prefix ? { uri: { prefix: prefix.prefix } } : {};
    const rewrite = prefix ? { rewrite: { uri: prefix.rewrite } } : {};
    const retriesOther = { ...NON_IDEMPOTENT_RETRIES[a.nonIdempotentRetries] };
    const out: Record<string, unknown>[] = [];
    const cr = a.clusterRouting;
    for (const cluster of cr?.clusters ?? []) {
        out.push({
            name: `cluster-${cluster}`,
            match: [{ ...uri, headers: { [cr!.header]: { exact: cluster } } }],
            ...rewrite,
            route: [
                {
                    destination: {
                        host: serviceHost(a.namespace, a.name),
                        subset: cluster,
                        port: { number: a.servicePort },
                    },
                },
            ],
            timeout: a.timeout,
            // A diagnostic route: never retried, so a failure in that cluster shows.
            retries: { attempts: 0 },
        });
    }
    out.push(
        {
            name: CANARY_ROUTES[0],
            match: IDEMPOTENT_METHODS.map((m) => ({ ...uri, method: { exact: m } })),
            ...rewrite,
            route: destinations(a),
            timeout: a.timeout,
            retries: { ...IDEMPOTENT_RETRIES },
        },
        {
            name: CANARY_ROUTES[1],
            ...(prefix ? { match: [uri] } : {}),
            ...rewrite,
            route: destinations(a),
            timeout: a.timeout,
            retries: retriesOther,
        },
    );
    return out;
}

/** The in-mesh VirtualService (sidecars of callers apply it). */
export function meshVirtualService(a: ResolvedServiceArgs): IstioManifest {
    return istioResource(NETWORKING, "VirtualService", a.name, a.namespace, {
        hosts: [serviceHost(a.namespace, a.name)],
        http: routes(a),
    });
}

/** The public route, bound to the mesh's ingress Gateway, in the service's own namespace. */
export function publicVirtualService(a: ResolvedServiceArgs): IstioManifest | undefined {
    const r = a.publicRoute;
    if (!r) return undefined;
    return istioResource(
        NETWORKING,
        "VirtualService",
        publicVirtualServiceName(a.name),
        a.namespace,
        {
            hosts: [...r.hosts],
            gateways: [r.gateway],
            http: routes(a, { prefix: r.prefix, rewrite: r.rewrite }),
        },
    );
}

/** The Envoy extensions the cache filter uses (in istio/proxy 1.30.3's extensions_build_config.bzl). */
export const CACHE_FILTER = {
    name: "envoy.filters.http.cache",
    config: "type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig",
    storage:
        "type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig",
} as const;
export const cacheFilterName = (name: string): string => `${name}-http-cache`;

/**
 * The guide's HTTP cache, scoped to this service's pods (workloadSelector) and its inbound port, inserted
 * before the router so it runs after the authorization filter: a cached response is only served to a
 * caller the AuthorizationPolicy admits. SimpleHttpCache is in memory, per sidecar.
 */
export function cacheFilter(a: ResolvedServiceArgs): IstioManifest | undefined {
    if (!a.cache) return undefined;
    return istioResource(
        "networking.istio.io/v1alpha3",
        "EnvoyFilter",
        cacheFilterName(a.name),
        a.namespace,
        {
            workloadSelector: { labels: selectorLabels(a.name) },
            configPatches: [
                {
                    applyTo: "HTTP_FILTER",
                    match: {
                        context: "SIDECAR_INBOUND",
                        listener: {
                            portNumber: a.containerPort,
                            filterChain: {
                                filter: {
                                    name: "envoy.filters.network.http_connection_manager",
                                    subFilter: { name: "envoy.filters.http.router" },
                                },
                            },
                        },
                    },
                    patch: {
                        operation: "INSERT_BEFORE",
                        value: {
                            name: CACHE_FILTER.name,
                            typed_config: {
                                "@type": CACHE_FILTER.config,
                                typed_config: { "@type": CACHE_FILTER.storage },
                            },
                        },
                    },
                },
            ],
        },
    );
}
