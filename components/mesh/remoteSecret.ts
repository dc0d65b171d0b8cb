/**
 * One direction of endpoint discovery between two primaries: the target cluster's istiod reads the
 * source cluster's API server. In the source: a reader service account (one per target, so one link
 * can be revoked alone) bound to the reader ClusterRole of every revision installed in the source (one
 * binding per revision: adding or removing a revision never rewrites a binding, whose roleRef is
 * immutable), and a token for it. In the target: `istio-system/istio-remote-secret-<source>`, labelled
 * and annotated the way istiod's secret controller (pkg/kube/multicluster) watches for, holding a
 * kubeconfig with that token. The remote secret serves every revision of the target: each istiod
 * watches every labelled secret in istio-system.
 *
 * Token rotation (docs/remote-secret-rotation.md): the token secret is named by the provider
 * (auto-naming) and replaced together with the mesh's `rotation` resource: `replaceWith` when the
 * rotation is replaced (new generation or period), and its `rotated-at` annotation (the rotation's base
 * time, `replaceOnChanges`) when the time provider dropped the expired rotation on refresh and the same
 * `pulumi up --refresh` created it anew. A replacement is
 * create-before-delete: the new token exists, the remote secret in the target is updated to it in place
 * (istiod 1.30.3+ rebuilds that cluster's client on change), and the old token secret is deleted only
 * after an `overlap` sleep resource tied to it has waited on its own delete, so old and new tokens are
 * both valid while istiod switches. The remote secret's update must happen in place (the cluster
 * provider's enableSecretMutable): a replaced secret is deleted first, and istiod drops the source
 * cluster until the new one syncs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as time from "@pulumiverse/time";
import type { ClusterInfo } from "../types";
import { readerBindingName, readerClusterRole, readerServiceAccountName } from "./naming";
import { remoteKubeconfig, remoteSecretMetadata } from "./remote-secrets";
import { LEGACY_REVISION } from "./version";

/** On each reader token: the base time of the rotation that issued it. */
export const ROTATED_AT_ANNOTATION = "mesh-platform.io/rotated-at";

/** How long an old reader token stays valid after the remote secret carries the new one. */
export const TOKEN_OVERLAP = "120s";

export interface RemoteSecretArgs {
    /** The cluster whose API is read. */
    readonly source: ClusterInfo;
    /** The cluster whose istiod reads it. */
    readonly target: ClusterInfo;
    /** istio-system in the source (created by the source's ClusterMesh). */
    readonly sourceIstioNamespace: k8s.core.v1.Namespace;
    /** istio-system in the target (created by the target's ClusterMesh). */
    readonly targetIstioNamespace: k8s.core.v1.Namespace;
    /**
     * The source's istiod revisions, each with its release (the release creates the revision's reader
     * ClusterRole). At least one.
     */
    readonly sourceRevisions: readonly {
        readonly revision: string;
        readonly istiod: pulumi.Resource;
    }[];
    /** The mesh's token rotation: replacing it replaces this link's token. */
    readonly rotation: time.Rotating;
    /** Provider of the overlap sleep (`@pulumiverse/time`). */
    readonly timeProvider: time.Provider;
}

export class RemoteSecret extends pulumi.ComponentResource {
    readonly secret: k8s.core.v1.Secret;
    /** The reader token secret (auto-named, replaced on rotation). */
    readonly token: k8s.core.v1.Secret;

    constructor(name: string, args: RemoteSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:RemoteSecret", name, {}, opts);
        const { source, target } = args;
        if (source.name === target.name) {
            throw new Error(
                `RemoteSecret ${name}: args.source and args.target are both ${source.name}; a cluster never gets a remote secret for itself`,
            );
        }
        if (args.sourceRevisions.length === 0)
            throw new Error(
                `RemoteSecret ${name}: args.sourceRevisions is empty; the reader needs a revision's ClusterRole`,
            );
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
        for (const { revision, istiod } of args.sourceRevisions) {
            new k8s.rbac.v1.ClusterRoleBinding(
                revision === LEGACY_REVISION
                    ? `${name}-reader-binding`
                    : `${name}-reader-binding-${revision}`,
                {
                    metadata: {
                        name: readerBindingName(target.name, revision),
                        labels: { app: "istio-reader" },
                    },
                    roleRef: {
                        apiGroup: "rbac.authorization.k8s.io",
                        kind: "ClusterRole",
                        name: readerClusterRole(revision),
                    },
                    subjects: [
                        {
                            kind: "ServiceAccount",
                            name: sa.metadata.name,
                            namespace: sa.metadata.namespace,
                        },
                    ],
                },
                { ...inSource, dependsOn: [istiod] },
            );
        }
        // The token controller fills `data.token` and `data.ca.crt`; the provider waits for it. No fixed
        // name: the provider names it `<logical name>-<suffix>`, so a rotation creates the new token
        // before the old one goes.
        const token = new k8s.core.v1.Secret(
            `${name}-reader-token`,
            {
                metadata: {
                    namespace: sa.metadata.namespace,
                    labels: { app: "istio-reader" },
                    annotations: {
                        "kubernetes.io/service-account.name": sa.metadata.name,
                        // The rotation's base time: a re-created rotation (the time provider drops an
                        // expired one on refresh, and the next up creates it) changes it.
                        [ROTATED_AT_ANNOTATION]: args.rotation.rfc3339,
                    },
                },
                type: "kubernetes.io/service-account-token",
            },
            {
                ...inSource,
                additionalSecretOutputs: ["data"],
                // Replaced with the rotation (a new generation or period), and whenever the rotation
                // was re-created (its time changes the annotation).
                replaceWith: [args.rotation],
                replaceOnChanges: ["metadata.annotations"],
            },
        );
        this.token = token;
        // Replaced with the token (its trigger is the token's name); its delete waits TOKEN_OVERLAP, and
        // the old token, which it depends on, is deleted only after it.
        new time.Sleep(
            `${name}-reader-token-overlap`,
            { destroyDuration: TOKEN_OVERLAP, triggers: { token: token.metadata.name } },
            { parent: this, provider: args.timeProvider, dependsOn: [token] },
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
