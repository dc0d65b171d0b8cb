/**
 * The Istio multi-primary, multi-network mesh across every cluster of the stack: one root of trust,
 * per cluster a control plane with east-west and ingress gateways, a remote secret for every ordered
 * pair of clusters, and the guide's security and traffic policy in every cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { ClusterMesh } from "./cluster";
import { INGRESS_HEALTH_CHECK, meshMembers } from "./manifests";
import { RemoteSecret } from "./remoteSecret";
import { MeshTrust } from "./trust";
import { ISTIO_REVISION, ISTIO_VERSION } from "./version";

export { ISTIO_REVISION, ISTIO_VERSION } from "./version";

/** What the mesh gives one cluster's later areas (certificates, observability, backup, dns). */
export interface ClusterMeshInfo {
    readonly name: string;
    readonly istioNamespace: k8s.core.v1.Namespace;
    /** GATEWAY_NAMESPACE: ingress and east-west gateways; cert-manager puts the ingress TLS secret here. */
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    /** App namespaces by domain (APP_DOMAINS keys), injected by revision. */
    readonly appNamespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
    /** Public ingress load balancer: hostname on AWS, IP on GKE. DNS failover health checks target it. */
    readonly ingressHostname: pulumi.Output<string>;
    /** Where a health check can probe the ingress gateway on that address. */
    readonly ingressHealthCheck: typeof INGRESS_HEALTH_CHECK;
    /** Depend on these before deploying meshed workloads or Istio resources in this cluster. */
    readonly ready: pulumi.Resource[];
}

export interface MeshInfo {
    readonly meshId: string;
    readonly version: string;
    /** Control plane revision (`istio.io/rev` value). */
    readonly revision: string;
    readonly clusters: Readonly<Record<string, ClusterMeshInfo>>;
    /** Pulumi secret: JSON of every root and intermediate CA with certificates and keys (for encrypted backup). */
    readonly caMaterial: pulumi.Output<string>;
    /** The trusted root bundle (public). */
    readonly rootBundlePem: pulumi.Output<string>;
}

export interface MeshArgs {
    readonly cfg: PlatformConfig;
    readonly clusters: readonly ClusterInfo[];
}

export class Mesh extends pulumi.ComponentResource {
    readonly info: MeshInfo;

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:Mesh", name, {}, opts);
        const { cfg, clusters } = args;
        validateClusters(clusters);
        const members = meshMembers(cfg, clusters);

        const trust = new MeshTrust(`${name}-trust`, {
            meshId: cfg.mesh.meshId,
            generations: cfg.mesh.caGenerations,
            clusters: clusters.map((c) => c.name),
            protect: cfg.protect,
        }, { parent: this });

        const perCluster = new Map<string, ClusterMesh>();
        clusters.forEach((cluster, i) => {
            perCluster.set(cluster.name, new ClusterMesh(`${name}-${cluster.name}`, {
                cfg, cluster, member: members[i], members, ca: trust.clusters[cluster.name],
            }, { parent: this }));
        });

        // Every ordered pair: N x (N - 1) remote secrets, none from a cluster to itself.
        for (const source of clusters) {
            for (const target of clusters) {
                if (source.name === target.name) continue;
                const s = perCluster.get(source.name)!;
                const t = perCluster.get(target.name)!;
                new RemoteSecret(`${name}-${source.name}-to-${target.name}`, {
                    source, target,
                    sourceIstioNamespace: s.istioNamespace,
                    targetIstioNamespace: t.istioNamespace,
                    tokenGeneration: cfg.mesh.readerTokenGeneration,
                    sourceIstiod: s.istiod,
                }, { parent: this });
            }
        }

        const infos: Record<string, ClusterMeshInfo> = {};
        for (const [clusterName, cm] of perCluster) {
            infos[clusterName] = {
                name: clusterName,
                istioNamespace: cm.istioNamespace,
                gatewayNamespace: cm.gatewayNamespace,
                appNamespaces: cm.appNamespaces,
                ingressHostname: cm.ingressHostname,
                ingressHealthCheck: INGRESS_HEALTH_CHECK,
                ready: cm.ready,
            };
        }
        this.info = {
            meshId: cfg.mesh.meshId,
            version: ISTIO_VERSION,
            revision: ISTIO_REVISION,
            clusters: infos,
            caMaterial: trust.material,
            rootBundlePem: trust.rootBundlePem,
        };
        this.registerOutputs({ revision: ISTIO_REVISION, rootBundlePem: trust.rootBundlePem });
    }
}

/** Cluster names are Istio cluster ids and networks must be distinct: one network per cluster. */
function validateClusters(clusters: readonly ClusterInfo[]): void {
    const seen = (pick: (c: ClusterInfo) => string, what: string) => {
        const values = clusters.map(pick);
        const dup = values.find((v, i) => values.indexOf(v) !== i);
        if (dup !== undefined) throw new Error(`mesh: ${what} must be unique across clusters; ${dup} appears twice (got ${values.join(", ")})`);
    };
    seen((c) => c.name, "cluster names (mesh-platform:regions[].name)");
    seen((c) => c.network, "Istio networks");
}

/** Join every cluster of the stack into one mesh. */
export function createMesh(cfg: PlatformConfig, clusters: readonly ClusterInfo[]): MeshInfo {
    return new Mesh("mesh", { cfg, clusters }).info;
}
