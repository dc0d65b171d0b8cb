export { AwsNetwork, awsSubnetLayout } from "./aws-network";
export type { AwsNetworkArgs } from "./aws-network";
export { GcpNetwork, GKE_PODS_RANGE, GKE_SERVICES_RANGE } from "./gcp-network";
export type { GcpNetworkArgs } from "./gcp-network";
export { GcpNetworkPeering, VpcPeering, pairs } from "./peering";
export type { GcpNetworkPeeringArgs, GcpPeeringSide, VpcPeeringArgs, PeeringSide } from "./peering";
