/**
 * Composition of the egress area: the stack's allowed external hosts (`egress.hosts`) become
 * ServiceEntries in every cluster, in the namespaces the config names (the tenant's domain namespaces).
 */
import type { PlatformConfig } from "../config";
import { EgressHost, MeshEgress } from "../components/egress";
import type { ClusterInfo } from "../components/types";
import type { ComposedMesh } from "./mesh";

/** The component's hosts from the config. */
export const egressHosts = (cfg: Pick<PlatformConfig, "egress">): EgressHost[] =>
    cfg.egress.hosts.map((h) => ({ ...h, namespaces: [...h.namespaces] }));

/** One MeshEgress per cluster (none when the config allows no host). */
export function composeEgress(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    mesh: ComposedMesh,
): MeshEgress[] {
    const hosts = egressHosts(cfg);
    if (hosts.length === 0) return [];
    return clusters.map((cluster) => {
        const tenant = mesh.tenants[cluster.name];
        const namespaces = [...new Set(hosts.flatMap((h) => h.namespaces))].map((ns) => {
            const n = tenant.namespaces[ns];
            if (!n)
                throw new Error(
                    `egress: namespace ${ns} of egress.hosts is not a namespace of the tenant (${Object.keys(tenant.namespaces).join(", ")})`,
                );
            return n;
        });
        return new MeshEgress(`egress-${cluster.name}`, {
            provider: cluster.provider,
            hosts,
            dependsOn: [...mesh.clusters[cluster.name].tenant.configReady, ...namespaces],
        });
    });
}
