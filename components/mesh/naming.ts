/**
 * Names and labels that Istio and the mesh's resources agree on: label keys, resource names, SPIFFE
 * principals and service hosts. Pure constants and functions.
 */
import { ISTIO_NAMESPACE } from "../constants";
import type { MeshMember } from "./member";
import { LEGACY_REVISION, TRUST_DOMAIN } from "./version";

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
/** ClusterRole that a revision's istiod chart creates for remote-secret readers (templates/reader-clusterrole.yaml). */
export const readerClusterRole = (revision: string): string =>
    `istio-reader-clusterrole-${revision}-${ISTIO_NAMESPACE}`;
/**
 * The binding of one link's reader to one revision's reader ClusterRole: one per installed revision, so
 * adding or removing a revision adds or removes a binding and never rewrites one (a roleRef is immutable).
 * LEGACY_REVISION's keeps the name it had before revisions were configurable.
 */
export const readerBindingName = (target: string, revision: string): string =>
    revision === LEGACY_REVISION
        ? readerServiceAccountName(target)
        : `${readerServiceAccountName(target)}-${revision}`;

export const spiffePrincipal = (namespace: string, serviceAccount: string): string =>
    `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
export const serviceHost = (namespace: string, service: string): string =>
    `${service}.${namespace}.svc.cluster.local`;

export const istioNamespaceLabels = (member: MeshMember): Record<string, string> => ({
    [NETWORK_LABEL]: member.network,
});
/**
 * App namespaces: injection by revision tag (never `istio-injection`, which would pin the default
 * revision, and never a raw revision, which would pin a version).
 */
export const injectedNamespaceLabels = (tag: string): Record<string, string> => ({
    [REVISION_LABEL]: tag,
});

/** On each cluster's `cacerts`: the root generations it trusts (comma-separated), and the one signing. */
export const TRUST_ROOTS_ANNOTATION = "mesh-platform.io/trusted-roots";
export const SIGNING_ROOT_ANNOTATION = "mesh-platform.io/signing-root";
