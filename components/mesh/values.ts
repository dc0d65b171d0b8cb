/**
 * Helm values of the three Istio charts (base, istiod, gateway) and the ingress gateway's own Service.
 *
 * Every chart values key was checked against Istio 1.30.3's charts' values.yaml (tests check the gateway
 * chart's schema as well).
 */
import type { Cloud } from "../../lib/cloud";
import type { LogLevel } from "../types";
import {
    INGRESS_GATEWAY_NAME,
    GATEWAY_NAMESPACE,
    ISTIO_NAMESPACE,
    JAEGER_COLLECTOR_HOST,
    JAEGER_OTLP_GRPC_PORT,
    TRACING_PROVIDER_NAME,
} from "../constants";
import type { MeshMember } from "./member";
import { CACERTS_DIGEST_ANNOTATION, gatewaySelector, INGRESS_HEALTH_CHECK } from "./naming";
import { MIN_TLS_VERSION, STRONG_CIPHER_SUITES, WORKLOAD_CERT_TTL } from "./security";
import {
    GATEWAY_MAX_REPLICAS,
    GATEWAY_RESOURCES,
    HPA_TARGETS,
    ISTIOD_MAX_REPLICAS,
    ISTIOD_RESOURCES,
    SIDECAR_RESOURCES,
    SizeBand,
} from "./sizing";
import { TRUST_DOMAIN } from "./version";

/** What proxies may reach outside the mesh's registry (meshConfig `outboundTrafficPolicy.mode`). */
export type OutboundTrafficPolicy = "REGISTRY_ONLY" | "ALLOW_ANY";

/** The control plane decisions of one mesh, the same in every cluster. */
export interface ControlPlaneSettings {
    /** `global.meshID`, the same in every cluster. */
    readonly meshId: string;
    /** istiod's size band: its resources and HPA ceiling. */
    readonly band: SizeBand;
    /** Minimum replicas of istiod and of each gateway. */
    readonly minReplicas: number;
    /** istiod and proxy log level. */
    readonly logLevel: LogLevel;
    /** Legacy default trace sampling (the mesh Telemetry resource sets the same). */
    readonly traceSamplingPercent: number;
    /** What proxies may reach outside the registry. */
    readonly outboundTrafficPolicy: OutboundTrafficPolicy;
}

const ISTIO_LOG_LEVEL: Readonly<Record<LogLevel, string>> = {
    DEBUG: "debug",
    INFO: "info",
    WARN: "warn",
    ERROR: "error",
};
const PROXY_LOG_LEVEL: Readonly<Record<LogLevel, string>> = {
    DEBUG: "debug",
    INFO: "info",
    WARN: "warning",
    ERROR: "error",
};

/** Mesh-wide MeshConfig (istiod chart `meshConfig`, merged over the chart's own defaults). */
export function meshConfig(settings: {
    readonly outboundTrafficPolicy: OutboundTrafficPolicy;
}): Record<string, unknown> {
    return {
        trustDomain: TRUST_DOMAIN,
        // Guide: structured JSON logs. Envoy access logs to stdout as JSON, picked up by the log shipper.
        accessLogFile: "/dev/stdout",
        accessLogEncoding: "JSON",
        outboundTrafficPolicy: { mode: settings.outboundTrafficPolicy },
        // Guide: minimum TLS 1.2, strong ciphers. meshMTLS covers ISTIO_MUTUAL, tlsDefaults everything else.
        meshMTLS: { minProtocolVersion: MIN_TLS_VERSION },
        tlsDefaults: {
            minProtocolVersion: MIN_TLS_VERSION,
            cipherSuites: [...STRONG_CIPHER_SUITES],
        },
        enablePrometheusMerge: true,
        extensionProviders: [
            {
                name: TRACING_PROVIDER_NAME,
                opentelemetry: { service: JAEGER_COLLECTOR_HOST, port: JAEGER_OTLP_GRPC_PORT },
            },
        ],
        defaultConfig: {
            // The agent asks for 24 h certificates; istiod caps them at 24 h too (env below).
            // PROXY_CONFIG_XDS_AGENT: the agent takes its trust bundle from istiod over xDS (PCDS), so a
            // root added to or removed from cacerts reaches every proxy at once (ISTIO_MULTIROOT_MESH, below).
            proxyMetadata: { SECRET_TTL: WORKLOAD_CERT_TTL, PROXY_CONFIG_XDS_AGENT: "true" },
            holdApplicationUntilProxyStarts: true,
        },
    };
}

/** Values of the `base` chart: CRDs, and the default-revision validator pointed at `defaultRevision`. */
export function baseValues(defaultRevision: string): Record<string, unknown> {
    return { defaultRevision, global: { istioNamespace: ISTIO_NAMESPACE } };
}

/**
 * Values of the `istiod` chart for one revision in one cluster. `caDigest` is a digest of the plugged-in
 * CA: a CA change also rolls istiod, so every pod runs with what it would load at start. With
 * ISTIO_MULTIROOT_MESH on, istiod 1.30 and 1.31 reload a changed `cacerts` by themselves
 * (pilot/pkg/bootstrap/istio_ca.go handleEvent: a root bundle that is a subset or superset of the
 * current one is accepted, which covers adding and removing a root) and push the new trust bundle to
 * the proxies (pilot/pkg/xds/pcds.go), see docs/ca-rotation.md.
 */
export function istiodValues(
    settings: ControlPlaneSettings,
    member: MeshMember,
    caDigest: unknown,
    revision: string,
): Record<string, unknown> {
    const band = settings.band;
    return {
        revision,
        global: {
            istioNamespace: ISTIO_NAMESPACE,
            meshID: settings.meshId,
            multiCluster: { clusterName: member.name },
            network: member.network,
            logAsJson: true,
            logging: { level: `default:${ISTIO_LOG_LEVEL[settings.logLevel]}` },
            proxy: { resources: SIDECAR_RESOURCES, logLevel: PROXY_LOG_LEVEL[settings.logLevel] },
        },
        resources: ISTIOD_RESOURCES[band],
        autoscaleEnabled: true,
        autoscaleMin: settings.minReplicas,
        autoscaleMax: ISTIOD_MAX_REPLICAS[band],
        cpu: { targetAverageUtilization: HPA_TARGETS.cpu },
        memory: { targetAverageUtilization: HPA_TARGETS.memory },
        // Legacy default sampling for proxies without Telemetry; the mesh Telemetry resource sets the same.
        traceSampling: settings.traceSamplingPercent,
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
            // Multi-root trust (pilot/pkg/features/pilot.go, default false): root CA rotation without
            // restarts, as upstream's tests/integration/security/cacert_rotation runs it.
            ISTIO_MULTIROOT_MESH: "true",
            DEFAULT_WORKLOAD_CERT_TTL: WORKLOAD_CERT_TTL,
            MAX_WORKLOAD_CERT_TTL: WORKLOAD_CERT_TTL,
        },
        podAnnotations: { [CACERTS_DIGEST_ANNOTATION]: caDigest },
        meshConfig: meshConfig(settings),
    };
}

export type GatewayRole = "eastwest" | "ingress";

/** Cloud load balancer annotations for a gateway Service. */
export function loadBalancerAnnotations(
    cloud: Cloud,
    role: GatewayRole,
    tags: Readonly<Record<string, string>>,
): Record<string, string> {
    if (cloud === "aws") {
        // AWS Load Balancer Controller (v2.2+): an NLB with IP targets; east-west stays inside the VPCs.
        return {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme":
                role === "eastwest" ? "internal" : "internet-facing",
            "service.beta.kubernetes.io/aws-load-balancer-attributes":
                "load_balancing.cross_zone.enabled=true",
            "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags": Object.entries(
                tags,
            )
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => `${k}=${v}`)
                .join(","),
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
 * `tag` is the revision tag the gateway's pods select (chart value `revision`, which becomes the pods'
 * `istio.io/rev` label): moving it rolls the gateway onto the tag's revision.
 *
 * The ingress gateway's Service is not the chart's (`service.type: None`): the program declares it
 * (`ingressService`), so its load-balancer address is an output of a resource Pulumi creates and awaits.
 * Reading the chart's Service back instead fails every preview in which the release does not exist yet
 * (the read runs against the cluster before the release is installed).
 */
export function gatewayValues(
    settings: { readonly minReplicas: number },
    member: MeshMember,
    role: GatewayRole,
    members: readonly MeshMember[],
    tags: Readonly<Record<string, string>>,
    tag: string,
): Record<string, unknown> {
    const minReplicas = settings.minReplicas;
    const service: Record<string, unknown> =
        role === "ingress"
            ? { type: "None" }
            : {
                  type: "LoadBalancer",
                  annotations: loadBalancerAnnotations(member.cloud, role, tags),
              };
    if (role === "eastwest") {
        // Only the peer regions' address ranges may reach the cross-network port (nothing in the
        // gateway's own cluster needs it). A mesh of one cluster keeps its own range: an empty list
        // would mean "from anywhere".
        const peers = members.filter((m) => m.name !== member.name).flatMap((m) => m.addressRanges);
        service.loadBalancerSourceRanges = peers.length > 0 ? peers : [...member.addressRanges];
    }
    return {
        revision: tag,
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
export function ingressService(
    member: MeshMember,
    tags: Readonly<Record<string, string>>,
): {
    metadata: {
        name: string;
        namespace: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
    };
    spec: Record<string, unknown>;
} {
    const selector = { app: INGRESS_GATEWAY_NAME, ...gatewaySelector(INGRESS_GATEWAY_NAME) };
    return {
        metadata: {
            name: INGRESS_GATEWAY_NAME,
            namespace: GATEWAY_NAMESPACE,
            labels: selector,
            annotations: loadBalancerAnnotations(member.cloud, "ingress", tags),
        },
        spec: {
            type: "LoadBalancer",
            ports: [
                {
                    name: "status-port",
                    port: INGRESS_HEALTH_CHECK.port,
                    targetPort: INGRESS_HEALTH_CHECK.port,
                    protocol: "TCP",
                },
                { name: "http2", port: 80, targetPort: 80, protocol: "TCP" },
                { name: "https", port: 443, targetPort: 443, protocol: "TCP" },
            ],
            selector,
        },
    };
}
