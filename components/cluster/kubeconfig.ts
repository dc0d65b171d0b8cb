/**
 * Kubeconfigs for the clusters. Both authenticate with an exec plugin (short-lived tokens, nothing
 * long-lived stored in state): `aws eks get-token` on EKS, `gke-gcloud-auth-plugin` on GKE.
 * The document is JSON, which is valid YAML, so kubectl, client-go and the Kubernetes provider read it.
 */

export interface KubeconfigParts {
    /** Context, cluster and user name inside the kubeconfig (the region's short name). */
    readonly contextName: string;
    /** https URL of the API server. */
    readonly server: string;
    /** Base64 PEM of the cluster CA. */
    readonly certificateAuthorityData: string;
    /** The exec credential plugin that gets the user's token. */
    readonly exec: {
        /** The plugin's executable (`aws`, `gke-gcloud-auth-plugin`). */
        readonly command: string;
        /** Its arguments. */
        readonly args: readonly string[];
        /** What kubectl prints when the executable is missing. */
        readonly installHint: string;
        /** Pass the cluster's details to the plugin (`KUBERNETES_EXEC_INFO`). @default false */
        readonly provideClusterInfo?: boolean;
    };
}

export function renderKubeconfig(p: KubeconfigParts): string {
    return JSON.stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                {
                    name: p.contextName,
                    cluster: {
                        server: p.server,
                        "certificate-authority-data": p.certificateAuthorityData,
                    },
                },
            ],
            contexts: [
                { name: p.contextName, context: { cluster: p.contextName, user: p.contextName } },
            ],
            "current-context": p.contextName,
            users: [
                {
                    name: p.contextName,
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: p.exec.command,
                            args: [...p.exec.args],
                            interactiveMode: "Never",
                            installHint: p.exec.installHint,
                            ...(p.exec.provideClusterInfo ? { provideClusterInfo: true } : {}),
                        },
                    },
                },
            ],
        },
        null,
        2,
    );
}

/**
 * EKS: token from `aws eks get-token --cluster-name <name> --region <region> --role-arn <admin role>`.
 *
 * `--role-arn` (AWS CLI v2 reference, `aws eks get-token`: "Assume this role for credentials when
 * signing the token") makes the token the admin role's whatever identity runs the plugin (an SSO
 * profile, the CI deploy role): the cluster's only access entry admits that role, so any other
 * identity would get 401. The caller needs `sts:AssumeRole` on the role and the role's trust policy
 * must trust the caller (docs/deploy.md).
 */
export function eksKubeconfig(
    contextName: string,
    clusterName: string,
    region: string,
    endpoint: string,
    caData: string,
    roleArn: string,
): string {
    return renderKubeconfig({
        contextName,
        server: endpoint,
        certificateAuthorityData: caData,
        exec: {
            command: "aws",
            args: [
                "eks",
                "get-token",
                "--cluster-name",
                clusterName,
                "--region",
                region,
                "--role-arn",
                roleArn,
                "--output",
                "json",
            ],
            installHint:
                "Install the AWS CLI v2 (https://docs.aws.amazon.com/cli/) and configure credentials that can assume the platform admin role.",
        },
    });
}

/** GKE: token from gke-gcloud-auth-plugin. `endpoint` is the bare IP or host GKE reports. */
export function gkeKubeconfig(contextName: string, endpoint: string, caData: string): string {
    return renderKubeconfig({
        contextName,
        server: endpoint.startsWith("https://") ? endpoint : `https://${endpoint}`,
        certificateAuthorityData: caData,
        exec: {
            command: "gke-gcloud-auth-plugin",
            args: [],
            installHint:
                "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
            provideClusterInfo: true,
        },
    });
}
