/** A cluster as the mesh's pure builders see it: plain data, decided at plan time. */
import type { Cloud } from "../../lib/cloud";

/** What the builders need to know about one cluster of the mesh. */
export interface MeshMember {
    /** Istio cluster name (`global.multiCluster.clusterName`) = the region's short name. */
    readonly name: string;
    /** Istio network (`global.network`, `topology.istio.io/network`). */
    readonly network: string;
    /** The cloud the cluster runs on: chooses the load balancer annotations. */
    readonly cloud: Cloud;
    /** The cloud region, i.e. the Istio locality region of the cluster's nodes (`topology.kubernetes.io/region`). */
    readonly locality: string;
    /** Whether this is the primary region (locality failover goes primary -> secondary, others -> primary). */
    readonly primary: boolean;
    /** Address ranges of the region (VPC, and on GKE pods and services): who may reach the east-west gateway. */
    readonly addressRanges: readonly string[];
}

/** A member's place for locality failover: what tenants need to route across regions. */
export interface MeshLocality {
    /** The Istio locality region (the cloud region). */
    readonly locality: string;
    /** Whether this is the primary region. */
    readonly primary: boolean;
}
