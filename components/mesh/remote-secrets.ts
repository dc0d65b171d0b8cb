/** Pure builders for a remote secret: its metadata and the kubeconfig it carries. */
import { ISTIO_NAMESPACE } from "../constants";
import { CLUSTER_ANNOTATION, MULTICLUSTER_SECRET_LABEL, remoteSecretName } from "./naming";

/** Metadata of the secret in the target cluster through which its istiod watches `source`. */
export function remoteSecretMetadata(source: string): {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
} {
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
export function remoteKubeconfig(
    source: string,
    server: string,
    caDataBase64: string,
    token: string,
): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            { name: source, cluster: { server, "certificate-authority-data": caDataBase64 } },
        ],
        users: [{ name: source, user: { token } }],
        contexts: [{ name: source, context: { cluster: source, user: source } }],
        "current-context": source,
    });
}
