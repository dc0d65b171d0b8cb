/**
 * The EdTech tenant in one cluster of the mesh: a namespace per domain (injected by the mesh's
 * revision), a service account per service (the identities its policies name), default deny per
 * domain namespace, the public routes to the front doors, the guide's authorization policies, and the
 * per-service traffic policy.
 *
 * State: these resources were children of the cluster's `mesh-platform:mesh:ClusterMesh` before the
 * tenant was split from the mesh. Their logical names are unchanged (`<name>-ns-<ns>`, ...: the
 * composition names the tenant like the ClusterMesh, `mesh-<cluster>`), and `formerParent` gives each
 * an alias to the old parent, so an existing stack renames them instead of replacing them. Replacing a
 * domain Namespace (a fixed physical name) would delete everything in it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { MeshTenantContext } from "../mesh/tenant-context";
import { istioResourceName } from "../mesh/istio-resource";
import type { TenantJwt } from "./authorization";
import { APP_DOMAINS } from "./domains";
import { tenantIstioResources } from "./resources";

export interface EdTechTenantArgs {
    /** The cluster's Kubernetes provider: every object of the tenant is created with it. */
    readonly provider: k8s.Provider;
    /** What the cluster's mesh offers tenants (`ClusterMesh.tenantContext`). */
    readonly mesh: MeshTenantContext;
    /**
     * The end users' token issuer (the one the ingress validates). user-service and exam-service
     * validate the forwarded JWT against it and authorize on its claims; no default, because a tenant
     * without it could only trust headers.
     */
    readonly jwt: TenantJwt;
    /**
     * Resources the domain namespaces wait for (the cluster's node groups and add-ons).
     * @default [] (namespaces are created as soon as the provider can reach the cluster)
     */
    readonly clusterReady?: readonly pulumi.Resource[];
    /**
     * The parent these resources had before the tenant was split from the mesh (the cluster's
     * ClusterMesh, or its URN). Every child gets `aliases: [{ parent: formerParent }]`.
     * @default no alias (a stack that never had the resources under the mesh)
     */
    readonly formerParent?: pulumi.Resource | pulumi.Input<pulumi.URN>;
}

export class EdTechTenant extends pulumi.ComponentResource {
    /** Domain namespaces by domain (APP_DOMAINS keys). */
    readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;

    constructor(name: string, args: EdTechTenantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:tenant:EdTechTenant", name, {}, opts);
        validate(name, args);
        const aliases =
            args.formerParent !== undefined ? [{ parent: args.formerParent }] : undefined;
        const on = (
            dependsOn: pulumi.Input<pulumi.Resource>[] = [],
            extra: pulumi.CustomResourceOptions = {},
        ): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: args.provider,
            dependsOn,
            ...(aliases ? { aliases } : {}),
            ...extra,
        });

        const namespaces: Record<string, k8s.core.v1.Namespace> = {};
        for (const [ns, services] of Object.entries(APP_DOMAINS)) {
            const namespace = new k8s.core.v1.Namespace(
                `${name}-ns-${ns}`,
                {
                    metadata: {
                        name: ns,
                        labels: {
                            ...(args.mesh.namespaceInjectionLabels?.[ns] ??
                                args.mesh.injectionLabels),
                            "mesh-platform.io/domain": ns,
                        },
                    },
                },
                on([...(args.clusterReady ?? [])]),
            );
            namespaces[ns] = namespace;
            // One identity per service: the principals that authorization policies name.
            for (const svc of services) {
                new k8s.core.v1.ServiceAccount(
                    `${name}-sa-${ns}-${svc}`,
                    {
                        metadata: {
                            name: svc,
                            namespace: namespace.metadata.name,
                            labels: { app: svc },
                        },
                    },
                    on(),
                );
            }
        }
        this.namespaces = namespaces;

        // CRDs and the validating webhook come from the mesh; the namespaces must exist.
        const after = [...args.mesh.configReady, ...Object.values(namespaces)];
        for (const m of tenantIstioResources(args.mesh, args.jwt)) {
            new k8s.apiextensions.CustomResource(
                istioResourceName(name, m),
                {
                    apiVersion: m.apiVersion,
                    kind: m.kind,
                    metadata: m.metadata,
                    spec: m.spec,
                },
                on(after),
            );
        }
        this.registerOutputs({});
    }
}

function validate(name: string, args: EdTechTenantArgs): void {
    const where = `EdTechTenant ${name}`;
    if (!args.provider)
        throw new Error(`${where}: args.provider is required (the cluster's Kubernetes provider)`);
    const m = args.mesh;
    if (Object.keys(m.injectionLabels).length === 0) {
        throw new Error(
            `${where}: args.mesh.injectionLabels is empty; the domain namespaces would not join the mesh`,
        );
    }
    if (m.publicHostnames.length === 0)
        throw new Error(
            `${where}: args.mesh.publicHostnames is empty; the public routes would serve no host`,
        );
    if (!/^[^/\s]+\/[^/\s]+$/.test(m.publicGatewayRef)) {
        throw new Error(
            `${where}: args.mesh.publicGatewayRef "${m.publicGatewayRef}" is not <namespace>/<name>`,
        );
    }
    const jwt = args.jwt as TenantJwt | undefined;
    if (!jwt?.issuer)
        throw new Error(`${where}: args.jwt.issuer is required (the end users' token issuer)`);
    if (!/^https:\/\//.test(jwt.jwksUri ?? ""))
        throw new Error(
            `${where}: args.jwt.jwksUri "${jwt.jwksUri ?? ""}" must be an https:// URL (the issuer's signing keys)`,
        );
    if (m.localities.length > 1 && m.localities.filter((l) => l.primary).length !== 1) {
        throw new Error(
            `${where}: args.mesh.localities needs exactly one primary for failover (got ${m.localities.filter((l) => l.primary).length})`,
        );
    }
}
