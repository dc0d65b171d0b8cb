/**
 * One direction of endpoint discovery between two primaries: the target cluster's istiod reads the
 * source cluster's API server. In the source: a reader service account (one per target, so one link
 * can be revoked alone) bound to the istiod chart's reader ClusterRole, and a long-lived token for it.
 * In the target: `istio-system/istio-remote-secret-<source>`, labelled and annotated the way istiod's
 * secret controller (pkg/kube/multicluster) watches for, holding a kubeconfig with that token.
 *
 * Token rotation (docs/remote-secret-rotation.md): the token secret's name carries
 * `tokenGeneration` (the mesh's readerTokenGeneration). Changing it replaces the token secret create-before-delete: the new
 * token exists, the remote secret in the target is updated to it (istiod rebuilds that cluster's
 * client on change), and only then is the old token secret, and with it the old token, deleted.
 * The remote secret's update must happen in place (the cluster provider's enableSecretMutable): a
 * replaced secret is deleted first, and istiod drops the source cluster until the new one syncs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import { READER_CLUSTER_ROLE, readerServiceAccountName, readerTokenSecretName } from "./naming";
import { remoteKubeconfig, remoteSecretMetadata } from "./remote-secrets";

export interface RemoteSecretArgs {
    /** The cluster whose API is read. */
    readonly source: ClusterInfo;
    /** The cluster whose istiod reads it. */
    readonly target: ClusterInfo;
    /** istio-system in the source (created by the source's ClusterMesh). */
    readonly sourceIstioNamespace: k8s.core.v1.Namespace;
    /** istio-system in the target (created by the target's ClusterMesh). */
    readonly targetIstioNamespace: k8s.core.v1.Namespace;
    /** Generation of the reader token (part of the token secret's name): a new value rotates the link. */
    readonly tokenGeneration: string;
    /** The source's istiod release (it creates the reader ClusterRole). */
    readonly sourceIstiod: pulumi.Resource;
}

export class RemoteSecret extends pulumi.ComponentResource {
    readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: RemoteSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:RemoteSecret", name, {}, opts);
        const { source, target } = args;
        if (source.name === target.name) {
            throw new Error(
                `RemoteSecret ${name}: args.source and args.target are both ${source.name}; a cluster never gets a remote secret for itself`,
            );
        }
        const inSource: pulumi.CustomResourceOptions = { parent: this, provider: source.provider };

        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-reader`,
            {
                metadata: {
                    name: readerServiceAccountName(target.name),
                    namespace: args.sourceIstioNamespace.metadata.name,
                    labels: { app: "istio-reader" },
                },
            },
            inSource,
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-reader-binding`,
            {
                metadata: {
                    name: readerServiceAccountName(target.name),
                    labels: { app: "istio-reader" },
                },
                roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "ClusterRole",
                    name: READER_CLUSTER_ROLE,
                },
                subjects: [
                    {
                        kind: "ServiceAccount",
                        name: sa.metadata.name,
                        namespace: sa.metadata.namespace,
                    },
                ],
            },
            { ...inSource, dependsOn: [args.sourceIstiod] },
        );
        // The token controller fills `data.token` and `data.ca.crt`; the provider waits for it.
        const token = new k8s.core.v1.Secret(
            `${name}-reader-token`,
            {
                metadata: {
                    name: readerTokenSecretName(target.name, args.tokenGeneration),
                    namespace: sa.metadata.namespace,
                    annotations: { "kubernetes.io/service-account.name": sa.metadata.name },
                },
                type: "kubernetes.io/service-account-token",
            },
            { ...inSource, additionalSecretOutputs: ["data"] },
        );

        const bearer = token.data.apply((d) =>
            Buffer.from(d?.token ?? "", "base64").toString("utf8"),
        );
        const kubeconfig = pulumi.secret(
            pulumi
                .all([source.endpoint, source.certificateAuthority, bearer])
                .apply(([server, ca, t]) => remoteKubeconfig(source.name, server, ca, t)),
        );
        const meta = remoteSecretMetadata(source.name);
        this.secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { ...meta, namespace: args.targetIstioNamespace.metadata.name },
                type: "Opaque",
                stringData: { [source.name]: kubeconfig },
            },
            {
                parent: this,
                provider: target.provider,
                additionalSecretOutputs: ["stringData", "data"],
            },
        );

        this.registerOutputs({});
    }
}
