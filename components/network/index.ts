export { AwsNetwork, awsNetworkArgProblems, awsSubnetLayout } from "./aws-network";
export type { AwsNetworkArgs } from "./aws-network";
export {
    GcpNetwork,
    gcpNetworkArgProblems,
    GKE_PODS_RANGE,
    GKE_SERVICES_RANGE,
} from "./gcp-network";
export type { GcpNetworkArgs } from "./gcp-network";
export { GcpNetworkPeering, VpcPeering, pairs, vpcPeeringArgProblems } from "./peering";
export type { GcpNetworkPeeringArgs, GcpPeeringSide, VpcPeeringArgs, PeeringSide } from "./peering";
