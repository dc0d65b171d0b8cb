/**
 * Pure builders for everything the mesh declares: Helm values of the three Istio charts and the Istio
 * custom resources. No Pulumi resources here, so tests and the policy pack reuse them directly.
 *
 * Every shape was checked against Istio 1.30.3: chart values keys against the charts' values.yaml, CR
 * fields against the istio/api protos at tag 1.30.3 (tests validate every CR against the
 * @kubernetes-models/istio schemas as well). The guide's YAML is the intent; where it says something
 * other than it means, the builder says so next to the fix.
 */
import type { Cloud } from "../../lib/cloud";
import type { PlatformConfig } from "../../config";
import type { LogLevel } from "../types";
import {
    APP_DOMAINS, EASTWEST_GATEWAY_NAME, GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME, ISTIO_NAMESPACE,
    JAEGER_COLLECTOR_HOST, JAEGER_OTLP_GRPC_PORT, TRACING_PROVIDER_NAME,
} from "../constants";
import { ISTIO_REVISION, TRUST_DOMAIN } from "./version";

/* ------------------------------------------------------------------ shared types */

/** What the builders need to know about one cluster of the mesh (plain data, decided at plan time). */
export interface MeshMember {
    /** Istio cluster name (`global.multiCluster.clusterName`) = the region's short name. */
    readonly name: string;
    /** Istio network (`global.network`, `topology.istio.io/network`). */
    readonly network: string;
    readonly cloud: Cloud;
    /** The cloud region, i.e. the Istio locality region of the cluster's nodes (`topology.kubernetes.io/region`). */
    readonly locality: string;
    readonly primary: boolean;
    /** Address ranges of the region (VPC, and on GKE pods and services): who may reach the east-west gateway. */
    readonly addressRanges: readonly string[];
}

export interface IstioManifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Readonly<Record<string, string>> };
    readonly spec: Record<string, unknown>;
}

export interface ResourceSpec {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Build the members from the config and the clusters' plain facts (order = cfg.regions order, primary first). */
export function meshMembers(cfg: PlatformConfig, clusters: readonly { readonly name: string; readonly network: string }[]): MeshMember[] {
    return clusters.map((c) => {
        const region = cfg.regions.find((r) => r.name === c.name);
        if (!region) throw new Error(`mesh: cluster ${c.name} has no region in mesh-platform:regions; regions are ${cfg.regions.map((r) => r.name).join(", ")}`);
        const ranges = [region.vpcCidr, region.podsCidr, region.servicesCidr].filter((x): x is string => x !== undefined);
        return { name: c.name, network: c.network, cloud: region.cloud, locality: region.region, primary: region.primary, addressRanges: ranges };
    });
}

/* ------------------------------------------------------------------ names */

export const NETWORK_LABEL = "topology.istio.io/network";
export const REVISION_LABEL = "istio.io/rev";
export const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";
export const CLUSTER_ANNOTATION = "networking.istio.io/cluster";
/** Pod template annotation on istiod carrying a digest of the plugged-in CA: a new CA rolls istiod. */
export const CACERTS_DIGEST_ANNOTATION = "mesh-platform.io/cacerts-sha256";

/** The `istio` selector label the gateway chart puts on its pods: the release name without `istio-`. */
export const gatewaySelector = (releaseName: string): Record<string, string> => ({ istio: releaseName.replace(/^istio-/, "") });
export const CROSS_NETWORK_GATEWAY = "cross-network-gateway";
export const PUBLIC_GATEWAY = "public-gateway";
/** Port of the east-west gateway that carries mTLS traffic from other networks (Istio's default). */
export const CROSS_NETWORK_PORT = 15443;
/** Where a load balancer health check can probe the ingress gateway (the chart's status port). */
export const INGRESS_HEALTH_CHECK = { port: 15021, path: "/healthz/ready", protocol: "HTTP" } as const;

export const remoteSecretName = (source: string): string => `istio-remote-secret-${source}`;
export const readerServiceAccountName = (target: string): string => `istio-reader-${target}`;
export const readerTokenSecretName = (target: string, generation: string): string => `istio-reader-${target}-token-${generation}`;
/** ClusterRole that the istiod chart creates for remote-secret readers (templates/reader-clusterrole.yaml). */
export const READER_CLUSTER_ROLE = `istio-reader-clusterrole-${ISTIO_REVISION}-${ISTIO_NAMESPACE}`;

export const spiffePrincipal = (namespace: string, serviceAccount: string): string => `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
export const serviceHost = (namespace: string, service: string): string => `${service}.${namespace}.svc.cluster.local`;

/** Namespace of an app service from APP_DOMAINS; throws for an unknown service. */
export function namespaceOf(service: string): string {
    for (const [ns, services] of Object.entries(APP_DOMAINS)) if (services.includes(service)) return ns;
    throw new Error(`mesh: ${service} is not a service of any app domain (${Object.keys(APP_DOMAINS).join(", ")})`);
}

/* ------------------------------------------------------------------ sizing (guide: resource_optimization) */

export type SizeBand = "small" | "medium" | "large";

/** Guide bands: small < 50 services, medium 50-200, large 200+ (200 itself counts as large). */
export function sizeBand(serviceCount: number): SizeBand {
    if (serviceCount < 50) return "small";
    if (serviceCount < 200) return "medium";
    return "large";
}

export const ISTIOD_RESOURCES: Readonly<Record<SizeBand, ResourceSpec>> = {
    small: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
    medium: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "1000m", memory: "4Gi" } },
    large: { requests: { cpu: "1000m", memory: "4Gi" }, limits: { cpu: "2000m", memory: "8Gi" } },
};
/** HPA ceiling of istiod per band (the guide gives only requests/limits; ceilings grow with the band). */
export const ISTIOD_MAX_REPLICAS: Readonly<Record<SizeBand, number>> = { small: 3, medium: 5, large: 10 };
/** Guide: istio_envoy sidecar requests 100m/128Mi, limits 200m/256Mi. */
export const SIDECAR_RESOURCES: ResourceSpec = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } };
/** The guide has no gateway numbers: the gateway chart's defaults, stated so the HPA memory target has a request. */
export const GATEWAY_RESOURCES: ResourceSpec = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2000m", memory: "1024Mi" } };
export const GATEWAY_MAX_REPLICAS = 5;
/** Guide: horizontal_scaling cpu_threshold 70 %, memory_threshold 80 %. */
export const HPA_TARGETS = { cpu: 70, memory: 80 } as const;

/* ------------------------------------------------------------------ TLS and traffic numbers (guide) */

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

/** Guide: retry_policy. */
export const RETRY_POLICY = { attempts: 3, perTryTimeout: "5s", retryOn: "5xx,gateway-error,connect-failure" } as const;

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
    outlierDetection: { consecutive5xxErrors: 5, interval: "30s", baseEjectionTime: "30s", maxEjectionPercent: 100 },
} as const;

/**
 * Locality failover: the primary region fails over to the secondary (the first non-primary region),
 * every other region fails over to the primary. One entry per region, so failover covers every region.
 */
export function localityFailover(members: readonly MeshMember[]): { from: string; to: string }[] {
    const primary = members.find((m) => m.primary);
    const secondary = members.find((m) => !m.primary);
    if (!primary || !secondary) return [];
    return members
        .map((m) => ({ from: m.locality, to: m.primary ? secondary.locality : primary.locality }))
        .filter((f) => f.from !== f.to);
}

/* ------------------------------------------------------------------ Helm values */

const ISTIO_LOG_LEVEL: Readonly<Record<LogLevel, string>> = { DEBUG: "debug", INFO: "info", WARN: "warn", ERROR: "error" };
const PROXY_LOG_LEVEL: Readonly<Record<LogLevel, string>> = { DEBUG: "debug", INFO: "info", WARN: "warning", ERROR: "error" };

/** Mesh-wide MeshConfig (istiod chart `meshConfig`, merged over the chart's own defaults). */
export function meshConfig(cfg: PlatformConfig): Record<string, unknown> {
    return {
        trustDomain: TRUST_DOMAIN,
        // Guide: structured JSON logs. Envoy access logs to stdout as JSON, picked up by the log shipper.
        accessLogFile: "/dev/stdout",
        accessLogEncoding: "JSON",
        outboundTrafficPolicy: { mode: cfg.mesh.outboundTrafficPolicy },
        // Guide: minimum TLS 1.2, strong ciphers. meshMTLS covers ISTIO_MUTUAL, tlsDefaults everything else.
        meshMTLS: { minProtocolVersion: MIN_TLS_VERSION },
        tlsDefaults: { minProtocolVersion: MIN_TLS_VERSION, cipherSuites: [...STRONG_CIPHER_SUITES] },
        enablePrometheusMerge: true,
        extensionProviders: [
            { name: TRACING_PROVIDER_NAME, opentelemetry: { service: JAEGER_COLLECTOR_HOST, port: JAEGER_OTLP_GRPC_PORT } },
        ],
        defaultConfig: {
            // The agent asks for 24 h certificates; istiod caps them at 24 h too (env below).
            proxyMetadata: { SECRET_TTL: WORKLOAD_CERT_TTL },
            holdApplicationUntilProxyStarts: true,
        },
    };
}

/** Values of the `base` chart: CRDs, and the default-revision validator pointed at our revision. */
export function baseValues(): Record<string, unknown> {
    return { defaultRevision: ISTIO_REVISION, global: { istioNamespace: ISTIO_NAMESPACE } };
}

/**
 * Values of the `istiod` chart for one cluster. `caDigest` is a digest of the plugged-in CA so that a
 * CA change rolls istiod (istiod 1.30 hot-reloads a new intermediate but ignores a changed root bundle
 * unless ISTIO_MULTIROOT_MESH is on, which we keep off; a restart is the supported path).
 */
export function istiodValues(cfg: PlatformConfig, member: MeshMember, caDigest: unknown): Record<string, unknown> {
    const band = sizeBand(cfg.mesh.serviceCount);
    return {
        revision: ISTIO_REVISION,
        global: {
            istioNamespace: ISTIO_NAMESPACE,
            meshID: cfg.mesh.meshId,
            multiCluster: { clusterName: member.name },
            network: member.network,
            logAsJson: true,
            logging: { level: `default:${ISTIO_LOG_LEVEL[cfg.observability.logLevel]}` },
            proxy: { resources: SIDECAR_RESOURCES, logLevel: PROXY_LOG_LEVEL[cfg.observability.logLevel] },
        },
        resources: ISTIOD_RESOURCES[band],
        autoscaleEnabled: true,
        autoscaleMin: cfg.profile.minReplicas,
        autoscaleMax: ISTIOD_MAX_REPLICAS[band],
        cpu: { targetAverageUtilization: HPA_TARGETS.cpu },
        memory: { targetAverageUtilization: HPA_TARGETS.memory },
        // Legacy default sampling for proxies without Telemetry; the mesh Telemetry resource sets the same.
        traceSampling: cfg.observability.traceSamplingPercent,
        env: {
            // AWS load balancers publish a hostname, not an IP. In 1.30 the remote cluster's registry
            // takes the east-west Service (found by its topology.istio.io/network label, in any
            // namespace) with the address from status.loadBalancer.ingress, IP or hostname
            // (pilot/pkg/serviceregistry/kube/conversion.go, controller/network.go). A hostname is resolved by
            // istiod itself (pilot/pkg/model/network.go resolveHostnameGateways: one gateway per
            // resolved IP, re-resolved on the record's TTL, 30 s minimum, 1 h maximum) when
            // RESOLVE_HOSTNAME_GATEWAYS is true; otherwise the gateway is dropped with a warning.
            // true is the 1.30 default; it is set explicitly so an upgrade that flips the default cannot
            // silently cut AWS networks off. An internal NLB name resolves in public DNS to its private
            // IPs, which the other regions reach over the VPC peering.
            RESOLVE_HOSTNAME_GATEWAYS: "true",
            DEFAULT_WORKLOAD_CERT_TTL: WORKLOAD_CERT_TTL,
            MAX_WORKLOAD_CERT_TTL: WORKLOAD_CERT_TTL,
        },
        podAnnotations: { [CACERTS_DIGEST_ANNOTATION]: caDigest },
        meshConfig: meshConfig(cfg),
    };
}

export type GatewayRole = "eastwest" | "ingress";

/** Cloud load balancer annotations for a gateway Service. */
export function loadBalancerAnnotations(cloud: Cloud, role: GatewayRole, tags: Readonly<Record<string, string>>): Record<string, string> {
    if (cloud === "aws") {
        // AWS Load Balancer Controller (v2.2+): an NLB with IP targets; east-west stays inside the VPCs.
        return {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": role === "eastwest" ? "internal" : "internet-facing",
            "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
            "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags":
                Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(","),
        };
    }
    if (role === "eastwest") {
        // GKE internal passthrough LB; global access so other regions' clusters can reach it.
        return {
            "networking.gke.io/load-balancer-type": "Internal",
            "networking.gke.io/internal-load-balancer-allow-global-access": "true",
        };
    }
    return {};
}

/**
 * Values of the `gateway` chart for the east-west (network) gateway or the public ingress gateway.
 *
 * The ingress gateway's Service is not the chart's (`service.type: None`): the program declares it
 * (`ingressService`), so its load-balancer address is an output of a resource Pulumi creates and awaits.
 * Reading the chart's Service back instead fails every preview in which the release does not exist yet
 * (the read runs against the cluster before the release is installed).
 */
export function gatewayValues(cfg: PlatformConfig, member: MeshMember, role: GatewayRole, members: readonly MeshMember[],
    tags: Readonly<Record<string, string>>): Record<string, unknown> {
    const minReplicas = cfg.profile.minReplicas;
    const service: Record<string, unknown> = role === "ingress"
        ? { type: "None" }
        : { type: "LoadBalancer", annotations: loadBalancerAnnotations(member.cloud, role, tags) };
    if (role === "eastwest") {
        // Only the mesh's own address ranges may reach the cross-network port.
        service.loadBalancerSourceRanges = members.flatMap((m) => m.addressRanges);
    }
    return {
        revision: ISTIO_REVISION,
        ...(role === "eastwest" ? { networkGateway: member.network } : {}),
        service,
        resources: GATEWAY_RESOURCES,
        autoscaling: {
            enabled: true,
            minReplicas,
            maxReplicas: GATEWAY_MAX_REPLICAS,
            targetCPUUtilizationPercentage: HPA_TARGETS.cpu,
            targetMemoryUtilizationPercentage: HPA_TARGETS.memory,
        },
        // The chart allows a PDB only when more than one replica is guaranteed.
        podDisruptionBudget: minReplicas > 1 ? { minAvailable: 1 } : {},
    };
}

/**
 * The public ingress gateway's LoadBalancer Service: what the gateway chart would render with its default
 * ports (status 15021, http2 80, https 443, container ports equal), selecting the chart's pod labels.
 */
export function ingressService(member: MeshMember, tags: Readonly<Record<string, string>>): {
    metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: Record<string, unknown>;
} {
    const selector = { app: INGRESS_GATEWAY_NAME, ...gatewaySelector(INGRESS_GATEWAY_NAME) };
    return {
        metadata: { name: INGRESS_GATEWAY_NAME, namespace: GATEWAY_NAMESPACE, labels: selector, annotations: loadBalancerAnnotations(member.cloud, "ingress", tags) },
        spec: {
            type: "LoadBalancer",
            ports: [
                { name: "status-port", port: INGRESS_HEALTH_CHECK.port, targetPort: INGRESS_HEALTH_CHECK.port, protocol: "TCP" },
                { name: "http2", port: 80, targetPort: 80, protocol: "TCP" },
                { name: "https", port: 443, targetPort: 443, protocol: "TCP" },
            ],
            selector,
        },
    };
}

/* ------------------------------------------------------------------ Istio resources */

const cr = (apiVersion: string, kind: string, name: string, namespace: string, spec: Record<string, unknown>): IstioManifest =>
    ({ apiVersion, kind, metadata: { name, namespace }, spec });
const NETWORKING = "networking.istio.io/v1";
const SECURITY = "security.istio.io/v1";
const TELEMETRY = "telemetry.istio.io/v1";

/** Exposes every `*.local` service to the other networks through the east-west gateway (mTLS passthrough). */
export function crossNetworkGateway(): IstioManifest {
    return cr(NETWORKING, "Gateway", CROSS_NETWORK_GATEWAY, GATEWAY_NAMESPACE, {
        selector: gatewaySelector(EASTWEST_GATEWAY_NAME),
        servers: [{
            port: { number: CROSS_NETWORK_PORT, name: "tls", protocol: "TLS" },
            tls: { mode: "AUTO_PASSTHROUGH" },
            hosts: ["*.local"],
        }],
    });
}

/** Public HTTPS (certificate from cert-manager in the gateway namespace); HTTP only redirects. */
export function publicGateway(cfg: PlatformConfig): IstioManifest {
    const hosts = [...cfg.certificates.hostnames];
    return cr(NETWORKING, "Gateway", PUBLIC_GATEWAY, GATEWAY_NAMESPACE, {
        selector: gatewaySelector(INGRESS_GATEWAY_NAME),
        servers: [
            {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts,
                tls: { mode: "SIMPLE", credentialName: cfg.mesh.ingressTlsSecretName, minProtocolVersion: MIN_TLS_VERSION, cipherSuites: [...STRONG_CIPHER_SUITES] },
            },
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts, tls: { httpsRedirect: true } },
        ],
    });
}

/** The routes users reach from the internet; each lands on a domain's front door, never on a data service. */
export const PUBLIC_ROUTES: readonly { readonly prefix: string; readonly service: string }[] = [
    { prefix: "/api/v1/users", service: "frontend-service" },
    { prefix: "/api/v1/content", service: "content-delivery" },
    { prefix: "/api/v1/exams", service: "exam-frontend" },
];
/** Headers that internal policies trust; the ingress strips them from client requests. */
export const INTERNAL_TRUST_HEADERS: readonly string[] = ["x-user-role", "exam-session-token", "user-verification"];
const routePaths = (prefix: string): string[] => [prefix, `${prefix}/*`];

export function publicVirtualService(cfg: PlatformConfig): IstioManifest {
    return cr(NETWORKING, "VirtualService", "public-routes", GATEWAY_NAMESPACE, {
        hosts: [...cfg.certificates.hostnames],
        gateways: [`${GATEWAY_NAMESPACE}/${PUBLIC_GATEWAY}`],
        http: PUBLIC_ROUTES.map((r) => ({
            name: r.service,
            match: [{ uri: { exact: r.prefix } }, { uri: { prefix: `${r.prefix}/` } }],
            headers: { request: { remove: [...INTERNAL_TRUST_HEADERS] } },
            route: [{ destination: { host: serviceHost(namespaceOf(r.service), r.service) } }],
            retries: { ...RETRY_POLICY },
        })),
    });
}

/** Validates JWTs at the ingress gateway. A missing token passes here; the policy below rejects it. */
export function ingressRequestAuthentication(cfg: PlatformConfig): IstioManifest {
    const rule: Record<string, unknown> = { issuer: cfg.mesh.jwt.issuer, jwksUri: cfg.mesh.jwt.jwksUri, forwardOriginalToken: true };
    if (cfg.mesh.jwt.audiences.length > 0) rule.audiences = [...cfg.mesh.jwt.audiences];
    return cr(SECURITY, "RequestAuthentication", "ingress-jwt", GATEWAY_NAMESPACE, {
        selector: { matchLabels: gatewaySelector(INGRESS_GATEWAY_NAME) },
        jwtRules: [rule],
    });
}

/**
 * Requires a valid token on every public route: DENY requests without a request principal. A DENY
 * (rather than an ALLOW) keeps the HTTP->HTTPS redirect and gateway health endpoints working.
 */
export function ingressRequireJwt(): IstioManifest {
    return cr(SECURITY, "AuthorizationPolicy", "ingress-require-jwt", GATEWAY_NAMESPACE, {
        selector: { matchLabels: gatewaySelector(INGRESS_GATEWAY_NAME) },
        action: "DENY",
        rules: [{
            from: [{ source: { notRequestPrincipals: ["*"] } }],
            to: [{ operation: { paths: PUBLIC_ROUTES.flatMap((r) => routePaths(r.prefix)) } }],
        }],
    });
}

/** Mesh-wide mTLS (root namespace). */
export function meshPeerAuthentication(cfg: PlatformConfig): IstioManifest {
    return cr(SECURITY, "PeerAuthentication", "default", ISTIO_NAMESPACE, { mtls: { mode: cfg.mesh.mtlsMode } });
}

/** Mesh-wide tracing to Jaeger with the environment's sampling (guide: 1 % prod, 100 % dev). */
export function meshTelemetry(cfg: PlatformConfig): IstioManifest {
    return cr(TELEMETRY, "Telemetry", "mesh-default", ISTIO_NAMESPACE, {
        tracing: [{ providers: [{ name: TRACING_PROVIDER_NAME }], randomSamplingPercentage: cfg.observability.traceSamplingPercent }],
    });
}

/** An ALLOW policy with no rules matches nothing: every request into the namespace is denied unless another policy allows it. */
export function defaultDeny(namespace: string): IstioManifest {
    return cr(SECURITY, "AuthorizationPolicy", "default-deny", namespace, {});
}

/** Lets the ingress gateway reach a public route's front-door service, on that route's paths only. */
export function allowFromIngress(route: { readonly prefix: string; readonly service: string }): IstioManifest {
    return cr(SECURITY, "AuthorizationPolicy", `allow-ingress-${route.service}`, namespaceOf(route.service), {
        selector: { matchLabels: { app: route.service } },
        action: "ALLOW",
        rules: [{
            from: [{ source: { principals: [spiffePrincipal(GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME)] } }],
            to: [{ operation: { paths: routePaths(route.prefix) } }],
        }],
    });
}

/**
 * Guide "user_data_protection", as intended: only frontend-service may read or update user records,
 * and only for admins or the owner. The guide lists from, to and when as three separate rules; Istio
 * ORs rules, so that version let any workload in, any GET/PUT from anyone, and anyone sending the
 * header. Here they are one rule, so all three must hold.
 */
export function userDataProtection(): IstioManifest {
    return cr(SECURITY, "AuthorizationPolicy", "user-data-protection", namespaceOf("user-service"), {
        selector: { matchLabels: { app: "user-service" } },
        action: "ALLOW",
        rules: [{
            from: [{ source: { principals: [spiffePrincipal(namespaceOf("frontend-service"), "frontend-service")] } }],
            to: [{ operation: { methods: ["GET", "PUT"], paths: ["/api/v1/users/*"] } }],
            when: [{ key: "request.headers[x-user-role]", values: ["admin", "user-owner"] }],
        }],
    });
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
    return cr(SECURITY, "AuthorizationPolicy", "exam-integrity", namespaceOf("exam-service"), {
        selector: { matchLabels: { app: "exam-service" } },
        action: "ALLOW",
        rules: [{
            from: [{ source: { principals: [spiffePrincipal(namespaceOf("exam-frontend"), "exam-frontend")] } }],
            to: [{ operation: { methods: ["GET"], paths: ["/api/v1/exams/{*}/questions"] } }],
            when: [
                { key: "request.headers[exam-session-token]", values: ["*"], notValues: [""] },
                { key: "request.headers[user-verification]", values: ["verified"] },
            ],
        }],
    });
}

/** Pool, circuit breaker, outlier detection and locality failover for one domain service. */
export function serviceDestinationRule(namespace: string, service: string, members: readonly MeshMember[]): IstioManifest {
    const failover = localityFailover(members);
    return cr(NETWORKING, "DestinationRule", service, namespace, {
        host: serviceHost(namespace, service),
        trafficPolicy: {
            connectionPool: TRAFFIC_POLICY.connectionPool,
            outlierDetection: TRAFFIC_POLICY.outlierDetection,
            loadBalancer: { localityLbSetting: failover.length > 0 ? { enabled: true, failover } : { enabled: true } },
        },
    });
}

/** The guide's retry policy for one domain service (mesh-internal routes). */
export function serviceVirtualService(namespace: string, service: string): IstioManifest {
    const host = serviceHost(namespace, service);
    return cr(NETWORKING, "VirtualService", service, namespace, {
        hosts: [host],
        http: [{ route: [{ destination: { host } }], retries: { ...RETRY_POLICY } }],
    });
}

/**
 * Every Istio resource that one cluster of the mesh gets. Multi-primary: each istiod reads only its
 * own cluster's config, so the mesh-wide policy is declared identically in every cluster.
 */
export function clusterIstioResources(cfg: PlatformConfig, members: readonly MeshMember[]): IstioManifest[] {
    const out: IstioManifest[] = [
        meshPeerAuthentication(cfg),
        meshTelemetry(cfg),
        crossNetworkGateway(),
        publicGateway(cfg),
        publicVirtualService(cfg),
        ingressRequestAuthentication(cfg),
        ingressRequireJwt(),
    ];
    for (const [ns, services] of Object.entries(APP_DOMAINS)) {
        out.push(defaultDeny(ns));
        for (const svc of services) out.push(serviceDestinationRule(ns, svc, members), serviceVirtualService(ns, svc));
    }
    out.push(...PUBLIC_ROUTES.map(allowFromIngress), userDataProtection(), examIntegrity());
    return out;
}

/* ------------------------------------------------------------------ namespaces and remote secrets */

export const istioNamespaceLabels = (member: MeshMember): Record<string, string> => ({ [NETWORK_LABEL]: member.network });
/** Gateways and apps: injection by revision (never `istio-injection`, which would pin the default revision). */
export const injectedNamespaceLabels = (): Record<string, string> => ({ [REVISION_LABEL]: ISTIO_REVISION });

/** Metadata of the secret in the target cluster through which its istiod watches `source`. */
export function remoteSecretMetadata(source: string): { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } {
    return {
        name: remoteSecretName(source),
        namespace: ISTIO_NAMESPACE,
        labels: { [MULTICLUSTER_SECRET_LABEL]: "true" },
        annotations: { [CLUSTER_ANNOTATION]: source },
    };
}

/**
 * Kubeconfig for istiod to read `source`'s API server with a bearer token (what
 * `istioctl create-remote-secret` writes: one cluster, one user, one context, all named after the source).
 * JSON is valid YAML, which is what client-go loads.
 */
export function remoteKubeconfig(source: string, server: string, caDataBase64: string, token: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: source, cluster: { server, "certificate-authority-data": caDataBase64 } }],
        users: [{ name: source, user: { token } }],
        contexts: [{ name: source, context: { cluster: source, user: source } }],
        "current-context": source,
    });
}
