/**
 * The cluster area: an EKS or a GKE cluster per region (with their add-ons), and the workload identity
 * helper every other area uses for its cloud permissions. The composition (platform/clusters.ts) decides
 * which regions get which cluster.
 */
export { EksCluster } from "./eks";
export type { EksClusterArgs } from "./eks";
export { GkeCluster } from "./gke";
export type { GkeClusterArgs } from "./gke";
export type { CapacityType, NodeGroupSizing } from "./sizing";

export { WorkloadIdentity } from "./identity";
export type { WorkloadIdentityArgs, IdentityCluster } from "./identity";

