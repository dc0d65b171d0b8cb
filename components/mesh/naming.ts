/**
 * Names and labels that Istio and the mesh's resources agree on: label keys, resource names, SPIFFE
 * principals and service hosts. Pure constants and functions.
 */
import { ISTIO_NAMESPACE } from "../constants";
import type { MeshMember } from "./member";
import { ISTIO_REVISION, TRUST_DOMAIN } from "./version";

export const NETWORK_LABEL = "topology.istio.io/network";
export const REVISION_LABEL = "istio.io/rev";
export const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";
export const CLUSTER_ANNOTATION = "networking.istio.io/cluster";
/** Pod template annotation on istiod carrying a digest of the plugged-in CA: a new CA rolls istiod. */
export const CACERTS_DIGEST_ANNOTATION = "mesh-platform.io/cacerts-sha256";

/** The `istio` selector label the gateway chart puts on its pods: the release name without `istio-`. */
export const gatewaySelector = (releaseName: string): Record<string, string> => ({
    istio: releaseName.replace(/^istio-/, ""),
});
export const CROSS_NETWORK_GATEWAY = "cross-network-gateway";
export const PUBLIC_GATEWAY = "public-gateway";
/** Port of the east-west gateway that carries mTLS traffic from other networks (Istio's default). */
export const CROSS_NETWORK_PORT = 15443;
/** Where a load balancer health check can probe the ingress gateway (the chart's status port). */
export const INGRESS_HEALTH_CHECK = {
    port: 15021,
    path: "/healthz/ready",
    protocol: "HTTP",
} as const;

export const remoteSecretName = (source: string): string => `istio-remote-secret-${source}`;
export const readerServiceAccountName = (target: string): string => `istio-reader-${target}`;
export const readerTokenSecretName = (target: string, generation: string): string =>
    `istio-reader-${target}-token-${generation}`;
/** ClusterRole that the istiod chart creates for remote-secret readers (templates/reader-clusterrole.yaml). */
export const READER_CLUSTER_ROLE = `istio-reader-clusterrole-${ISTIO_REVISION}-${ISTIO_NAMESPACE}`;

export const spiffePrincipal = (namespace: string, serviceAccount: string): string =>
    `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
export const serviceHost = (namespace: string, service: string): string =>
    `${service}.${namespace}.svc.cluster.local`;

export const istioNamespaceLabels = (member: MeshMember): Record<string, string> => ({
    [NETWORK_LABEL]: member.network,
});
/** Gateways and apps: injection by revision (never `istio-injection`, which would pin the default revision). */
export const injectedNamespaceLabels = (): Record<string, string> => ({
    [REVISION_LABEL]: ISTIO_REVISION,
});
