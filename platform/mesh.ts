/**
 * Composition of the mesh area: the stack config mapped to the generic mesh's args, and the EdTech
 * tenant joined to the mesh in every cluster.
 */
import type { PlatformConfig } from "../config";
import type { IstioConfig } from "../config/types";
import { ClusterIstioArgs, Mesh, MeshArgs, MeshInfo, MeshMember } from "../components/mesh";
import { EdTechTenant, publicRoutePaths } from "../components/tenant";
import type { ClusterInfo } from "../components/types";

/** Logical name of the mesh; its ClusterMesh components are `mesh-<cluster>`. */
const MESH_NAME = "mesh";

/** The mesh plus its tenant, per cluster. */
export interface ComposedMesh extends MeshInfo {
    /** The EdTech tenant of each cluster, by cluster name. */
    readonly tenants: Readonly<Record<string, EdTechTenant>>;
}

/** Build the members from the config and the clusters' plain facts (order = cfg.regions order, primary first). */
export function meshMembers(
    cfg: PlatformConfig,
    clusters: readonly { readonly name: string; readonly network: string }[],
): MeshMember[] {
    return clusters.map((c) => {
        const region = cfg.regions.find((r) => r.name === c.name);
        if (!region)
            throw new Error(
                `mesh: cluster ${c.name} has no region in mesh-platform:regions; regions are ${cfg.regions.map((r) => r.name).join(", ")}`,
            );
        const ranges = [region.vpcCidr, region.podsCidr, region.servicesCidr].filter(
            (x): x is string => x !== undefined,
        );
        return {
            name: c.name,
            network: c.network,
            cloud: region.cloud,
            locality: region.region,
            primary: region.primary,
            addressRanges: ranges,
        };
    });
}

/** A cluster's Istio args from the resolved config (the region's override or the stack's). */
export function clusterIstio(istio: IstioConfig): ClusterIstioArgs {
    return {
        revisions: istio.revisions.map((r) => ({ version: r.version, tags: [...r.tags] })),
        gatewayTag: istio.gatewayTag,
        namespaceTag: istio.namespaceTag,
        namespaceTags: { ...istio.namespaceTags },
    };
}

/** The mesh's args from the stack config. */
export function meshArgs(cfg: PlatformConfig, clusters: readonly ClusterInfo[]): MeshArgs {
    const members = meshMembers(cfg, clusters);
    return {
        meshId: cfg.mesh.meshId,
        trustGenerations: cfg.mesh.caGenerations,
        retiredTrustGenerations: cfg.mesh.caRetiredGenerations,
        protect: cfg.protect,
        istio: clusterIstio(cfg.mesh.istio),
        members: members.map((m, i) => {
            const region = cfg.regions.find((r) => r.name === m.name);
            return {
                ...m,
                cluster: clusters[i],
                ...(region?.istio ? { istio: clusterIstio(region.istio) } : {}),
            };
        }),
        sizing: { serviceCount: cfg.mesh.serviceCount },
        minReplicas: cfg.profile.minReplicas,
        mtlsMode: cfg.mesh.mtlsMode,
        outboundTrafficPolicy: cfg.mesh.outboundTrafficPolicy,
        jwt: { ...cfg.mesh.jwt, requiredPaths: publicRoutePaths() },
        ingress: {
            hostnames: cfg.certificates.hostnames,
            tlsSecretName: cfg.mesh.ingressTlsSecretName,
        },
        logLevel: cfg.observability.logLevel,
        traceSamplingPercent: cfg.observability.traceSamplingPercent,
        readerTokenGeneration: cfg.mesh.readerTokenGeneration,
        readerTokenRotationDays: cfg.mesh.readerTokenRotationDays,
    };
}

/** Join every cluster of the stack into one mesh, and the EdTech tenant into every cluster of it. */
export function composeMesh(cfg: PlatformConfig, clusters: readonly ClusterInfo[]): ComposedMesh {
    const mesh = new Mesh(MESH_NAME, meshArgs(cfg, clusters)).info;
    const tenants: Record<string, EdTechTenant> = {};
    for (const cluster of clusters) {
        const m = mesh.clusters[cluster.name];
        // Named like the cluster's ClusterMesh: the tenant's resources keep their logical names, and
        // alias to the ClusterMesh that was their parent before the tenant was split from the mesh.
        tenants[cluster.name] = new EdTechTenant(`${MESH_NAME}-${cluster.name}`, {
            provider: cluster.provider,
            mesh: m.tenant,
            // The tag webhooks first: a namespace labelled with a tag before its webhook exists would
            // admit pods without a sidecar.
            clusterReady: [...cluster.ready, ...m.component.tagWebhooks],
            // The URN, not the resource: the SDK walks an alias's value for unknowns, and a resource object drags
            // the whole component graph into that walk for every aliased child (8 regions: 20 s).
            formerParent: m.component.urn,
            jwt: cfg.mesh.jwt,
        });
    }
    return { ...mesh, tenants };
}
