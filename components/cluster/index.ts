/**
 * The cluster area: an EKS or a GKE cluster per region (with their add-ons), and the workload identity
 * helper every other area uses for its cloud permissions. The composition (platform/clusters.ts) decides
 * which regions get which cluster.
 */
export { EksCluster } from "./eks";
export type { EksClusterArgs, EksClusterNetwork } from "./eks-args";
export { GkeCluster, GKE_RELEASE_CHANNELS } from "./gke";
export type { GkeClusterArgs, GkeClusterNetwork, GkeReleaseChannel } from "./gke";
export type { CapacityType, NodeGroupSizing } from "./sizing";
export { LbController } from "./lb-controller";
export type { LbControllerArgs } from "./lb-controller";

export { WorkloadIdentity } from "./identity";
export type { WorkloadIdentityArgs, IdentityCluster } from "./identity";
