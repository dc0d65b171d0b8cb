/**
 * The arguments of a MeshService: what an app team decides about one service. Everything else (probes,
 * sizing bands, the guide's traffic numbers, retries by idempotency, authorization on top of default
 * deny) follows from these, with the defaults stated on each property.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { MeshLocality } from "../mesh/member";
import type { ServiceSize } from "./sizing";

/** HTTP methods a caller rule may name. */
export const HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A caller identified by its workload: the Kubernetes service account it runs as. */
export interface ServiceCaller {
    /** `<namespace>/<service account>` of the calling workload (its SPIFFE identity in the mesh's trust domain). */
    readonly service: string;
    /**
     * Methods the caller may use.
     * @default any method
     */
    readonly methods?: readonly HttpMethod[];
    /**
     * Paths the caller may reach (Istio path matching: exact, `prefix*`, `*suffix`, or `{*}` templates).
     * @default any path
     */
    readonly paths?: readonly string[];
}

/** A caller identified by a full SPIFFE principal (e.g. the ingress gateway's, from the mesh). */
export interface PrincipalCaller {
    /** `<trust domain>/ns/<namespace>/sa/<service account>`. */
    readonly principal: string;
    /**
     * Methods the caller may use.
     * @default any method
     */
    readonly methods?: readonly HttpMethod[];
    /**
     * Paths the caller may reach.
     * @default any path
     */
    readonly paths?: readonly string[];
}

/** One declared caller: becomes one AuthorizationPolicy rule whose source, methods and paths are AND-ed. */
export type Caller = ServiceCaller | PrincipalCaller;

/** Progressive delivery with Argo Rollouts (guide: canary_deployment). */
export interface CanaryArgs {
    /**
     * Canary traffic weights in percent, increasing, ending at 100.
     * @default [5, 25, 50, 100]
     */
    readonly steps?: readonly number[];
    /**
     * Pause after every weight below 100 (an Argo duration: `30s`, `15m`, `1h`).
     * @default "15m" (guide: 15 minutes per stage)
     */
    readonly pause?: string;
    /**
     * Base URL of the cluster's Prometheus, queried by the analysis (`http://<service>.<namespace>.svc:9090`).
     * The composition passes the cluster's in-cluster Prometheus.
     */
    readonly prometheusAddress: string;
    /**
     * Error ratio (5xx / all) of the canary above which the analysis fails and the rollout aborts.
     * @default 0.01 (guide: automated rollback on error rate > 1 %)
     */
    readonly maxErrorRatio?: number;
    /**
     * Minimum canary traffic (requests per second over 5 minutes) before the error ratio counts; below it
     * the measurement reports 0, so a handful of requests cannot abort a rollout on one error.
     * @default 0.5
     */
    readonly minRequestsPerSecond?: number;
    /**
     * Seconds the old ReplicaSet keeps running after promotion (traffic may still reach it while
     * sidecars pick up the new weights).
     * @default 30 (guide)
     */
    readonly scaleDownDelaySeconds?: number;
    /**
     * Seconds the canary ReplicaSet keeps running after an abort.
     * @default 30 (guide)
     */
    readonly abortScaleDownDelaySeconds?: number;
}

/** JWT validation for requests into the service (a per-service RequestAuthentication). */
export interface ServiceJwtArgs {
    /** `iss` of accepted tokens. */
    readonly issuer: string;
    /** Where the issuer publishes its signing keys (https). */
    readonly jwksUri: string;
    /**
     * Accepted `aud` values.
     * @default any audience
     */
    readonly audiences?: readonly string[];
}

/** A route from the public ingress gateway to this service. */
export interface PublicRouteArgs {
    /** `<namespace>/<name>` of the Gateway to bind to (the mesh's public gateway). */
    readonly gateway: string;
    /** Hostnames the route serves (the gateway's public hostnames). */
    readonly hosts: readonly string[];
    /** Path prefix on the public hostnames, with a trailing slash (`/smoke/`). */
    readonly prefix: string;
    /**
     * What the prefix is rewritten to before the request reaches the service.
     * @default "/"
     */
    readonly rewrite?: string;
}

/** Routing a request to the service's pods in one named cluster of the mesh, chosen by a header. */
export interface ClusterRoutingArgs {
    /** Request header whose value names the target cluster (`x-mesh-cluster: tokyo`). */
    readonly header: string;
    /** Istio cluster names that get a subset (`topology.istio.io/cluster`) and a route. */
    readonly clusters: readonly string[];
}

/** Liveness and readiness probe paths (HTTP GET on the container port). */
export interface ProbeArgs {
    /** @default "/health" */
    readonly liveness?: string;
    /** @default "/ready" */
    readonly readiness?: string;
}

export interface MeshServiceArgs {
    /** The cluster's Kubernetes provider: every object of the service is created with it. */
    readonly provider: k8s.Provider;
    /**
     * Kubernetes name of the service (Service, service account, workload, `app` label): a DNS label of at
     * most 52 characters.
     * @default the component's logical name
     */
    readonly serviceName?: string;
    /**
     * Namespace of the service. It must exist with sidecar injection and a default-deny policy
     * (ServiceNamespace does both); the service's AuthorizationPolicy opens it to `allowFrom` only.
     */
    readonly namespace: string;
    /**
     * Container image pinned by digest (`registry/repo@sha256:<64 hex>`, a tag before the digest is allowed).
     */
    readonly image: string;
    /**
     * Port the container listens on (named `http`).
     * @default 8080
     */
    readonly containerPort?: number;
    /**
     * Port of the Kubernetes Service (what callers use: `<name>.<namespace>.svc.cluster.local:<port>`).
     * @default 80
     */
    readonly servicePort?: number;
    /**
     * Probe paths, for images whose health endpoints differ from the guide's.
     * @default { liveness: "/health", readiness: "/ready" } (guide: health_check_endpoints)
     */
    readonly probes?: ProbeArgs;
    /**
     * Size band of the app container's requests and limits (APP_RESOURCES); the sidecar always gets the
     * guide's 100m/128Mi requests and 200m/256Mi limits.
     * @default "small"
     */
    readonly size?: ServiceSize;
    /**
     * Replica floor of the HorizontalPodAutoscaler (and the initial replica count).
     * @default 2
     */
    readonly minReplicas?: number;
    /**
     * Replica ceiling of the HorizontalPodAutoscaler.
     * @default 5
     */
    readonly maxReplicas?: number;
    /**
     * Also scale on requests per second per pod (metric `istio_requests_per_second` through the custom
     * metrics API; needs an adapter such as prometheus-adapter serving it).
     * @default off (CPU 70 % and memory 80 % only)
     */
    readonly requestsPerSecond?: number;
    /**
     * Deliver through an Argo Rollout with a canary, VirtualService weights and error-rate analysis.
     * Needs Argo Rollouts in the cluster (components/rollouts).
     * @default off (a Deployment with a rolling update)
     */
    readonly canary?: CanaryArgs;
    /**
     * Who may call the service. One AuthorizationPolicy rule per caller (source, methods and paths
     * AND-ed); rules are OR-ed. Empty: no policy, so the namespace's default deny refuses every call.
     * @default []
     */
    readonly allowFrom?: readonly Caller[];
    /**
     * Validate JWTs on requests into the service (a RequestAuthentication selecting its pods). A request
     * without a token still passes it; require a principal in the callers' policy if it must carry one.
     * @default off
     */
    readonly jwt?: ServiceJwtArgs;
    /**
     * Envoy's HTTP cache on the service's inbound sidecar (only responses that carry cache headers
     * are stored; see docs/decisions.md "Golden path").
     * @default false
     */
    readonly cache?: boolean;
    /**
     * Route timeout of the VirtualService: the whole request, retries included.
     * @default "15s" (three tries of the guide's 5 s per-try timeout)
     */
    readonly timeout?: string;
    /**
     * Retries for methods that are not idempotent (POST, PATCH and any other not in GET, HEAD, OPTIONS,
     * PUT, DELETE): `connect-failure` retries only when the request never reached the service
     * (`connect-failure,refused-stream`); `none` never retries. Idempotent methods always get the
     * guide's policy (3 attempts, 5 s per try, `5xx,gateway-error,connect-failure`).
     * @default "connect-failure"
     */
    readonly nonIdempotentRetries?: "connect-failure" | "none";
    /**
     * Localities of the mesh's members (primary first) for locality failover in the DestinationRule.
     * @default [] (locality load balancing without explicit failover)
     */
    readonly localities?: readonly MeshLocality[];
    /**
     * Plain environment variables of the container (never secrets: use a Secret volume for those).
     * @default {}
     */
    readonly env?: Readonly<Record<string, string>>;
    /**
     * User id the container runs as (the pod always runs as non-root).
     * @default the image's user
     */
    readonly runAsUser?: number;
    /**
     * A route from the public ingress gateway to the service.
     * @default none (reachable inside the mesh only)
     */
    readonly publicRoute?: PublicRouteArgs;
    /**
     * Header-selected routes to the service's pods in one cluster (subsets by `topology.istio.io/cluster`),
     * on the public route and inside the mesh: how a caller reaches another region's pods on purpose.
     * @default none
     */
    readonly clusterRouting?: ClusterRoutingArgs;
    /**
     * Resources the service's objects wait for (the namespace, the mesh's CRDs and istiod, Argo Rollouts).
     * @default []
     */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/** The args with every default filled in (what the builders work from). */
export interface ResolvedServiceArgs {
    readonly name: string;
    readonly namespace: string;
    readonly image: string;
    readonly containerPort: number;
    readonly servicePort: number;
    readonly probes: Required<ProbeArgs>;
    readonly size: ServiceSize;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly requestsPerSecond?: number;
    readonly canary?: Required<CanaryArgs> & { readonly steps: readonly number[] };
    readonly allowFrom: readonly Caller[];
    readonly jwt?: ServiceJwtArgs;
    readonly cache: boolean;
    readonly timeout: string;
    readonly nonIdempotentRetries: "connect-failure" | "none";
    readonly localities: readonly MeshLocality[];
    readonly env: Readonly<Record<string, string>>;
    readonly runAsUser?: number;
    readonly publicRoute?: Required<PublicRouteArgs>;
    readonly clusterRouting?: ClusterRoutingArgs;
}

export const DEFAULTS = {
    containerPort: 8080,
    servicePort: 80,
    probes: { liveness: "/health", readiness: "/ready" },
    size: "small",
    minReplicas: 2,
    maxReplicas: 5,
    timeout: "15s",
    nonIdempotentRetries: "connect-failure",
    canary: {
        steps: [5, 25, 50, 100],
        pause: "15m",
        maxErrorRatio: 0.01,
        minRequestsPerSecond: 0.5,
        scaleDownDelaySeconds: 30,
        abortScaleDownDelaySeconds: 30,
    },
} as const;
