/**
 * Names that several areas must agree on. Physical names here are fixed on purpose (Kubernetes
 * namespaces and service names that other components and Istio address by DNS); cloud resources use
 * auto-naming.
 */

/** Istio's own namespace: fixed by Istio (cacerts, remote secrets and the network label live here). */
export const ISTIO_NAMESPACE = "istio-system";
/** Gateways run in their own namespace so app teams' policies never select them by accident. */
export const GATEWAY_NAMESPACE = "istio-gateways";
export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const MONITORING_NAMESPACE = "monitoring";
export const TRACING_NAMESPACE = "tracing";
export const LOGGING_NAMESPACE = "logging";
export const VELERO_NAMESPACE = "velero";

/** Service names of the gateways (the gateway chart names the Service after the release). */
export const INGRESS_GATEWAY_NAME = "istio-ingressgateway";
export const EASTWEST_GATEWAY_NAME = "istio-eastwestgateway";

/** Tracing: Istio sends OTLP/gRPC spans to the Jaeger collector's service. */
export const JAEGER_COLLECTOR_HOST = `jaeger-collector.${TRACING_NAMESPACE}.svc.cluster.local`;
export const JAEGER_OTLP_GRPC_PORT = 4317;
/** Name of the meshConfig extension provider that Telemetry resources refer to. */
export const TRACING_PROVIDER_NAME = "jaeger";
