/**
 * ServiceNamespace: a namespace for MeshServices. Sidecar injection by the labels the composition passes
 * (the mesh's revision or tag label, never a hard-coded revision) and a default-deny AuthorizationPolicy,
 * so nothing in it is callable until a service declares its callers.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IstioManifest, istioResource, SECURITY } from "../mesh/istio-resource";

export interface ServiceNamespaceArgs {
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** The namespace's name (a DNS label). */
    readonly namespace: string;
    /**
     * Labels that put the namespace's pods into the mesh (the mesh's `injectionLabels`, e.g.
     * `istio.io/rev: <tag>`). Required and non-empty: a namespace outside the mesh would take plaintext.
     */
    readonly injectionLabels: Readonly<Record<string, string>>;
    /**
     * Extra labels on the namespace.
     * @default {}
     */
    readonly labels?: Readonly<Record<string, string>>;
    /**
     * What the namespace waits for (the cluster's readiness).
     * @default []
     */
    readonly dependsOn?: readonly pulumi.Resource[];
    /**
     * What the default-deny policy waits for (the mesh's CRDs and validating webhook).
     * @default []
     */
    readonly meshConfigReady?: readonly pulumi.Resource[];
}

/** ALLOW with no rules: every request into the namespace is denied unless another policy allows it. */
export function namespaceDefaultDeny(namespace: string): IstioManifest {
    return istioResource(SECURITY, "AuthorizationPolicy", "default-deny", namespace, {});
}

export class ServiceNamespace extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    /** The namespace's name (plain: it decides hosts and principals). */
    readonly name: string;

    constructor(name: string, args: ServiceNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:service:ServiceNamespace", name, {}, opts);
        const where = `ServiceNamespace ${name}`;
        if (!args.provider) throw new Error(`${where}: args.provider is required`);
        if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(args.namespace ?? ""))
            throw new Error(
                `${where}: args.namespace ${JSON.stringify(args.namespace)} is not a DNS label`,
            );
        if (Object.keys(args.injectionLabels ?? {}).length === 0)
            throw new Error(
                `${where}: args.injectionLabels is empty; the namespace's pods would not join the mesh`,
            );
        this.name = args.namespace;
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    // Fixed: MeshServices address the namespace in hosts and principals.
                    name: args.namespace,
                    labels: {
                        "app.kubernetes.io/managed-by": "pulumi",
                        ...(args.labels ?? {}),
                        ...args.injectionLabels,
                    },
                },
            },
            { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] },
        );
        const deny = namespaceDefaultDeny(args.namespace);
        new k8s.apiextensions.CustomResource(
            `${name}-default-deny`,
            {
                apiVersion: deny.apiVersion,
                kind: deny.kind,
                metadata: deny.metadata,
                spec: deny.spec,
            },
            {
                parent: this,
                provider: args.provider,
                dependsOn: [this.namespace, ...(args.meshConfigReady ?? [])],
            },
        );
        this.registerOutputs({ name: this.name });
    }
}
