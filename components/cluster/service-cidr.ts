/**
 * The EKS Kubernetes service CIDR (the ClusterIP range): its rules and the default EKS assigns. Pure,
 * so the config rules and the cluster component check the same thing.
 *
 * Source: Amazon EKS user guide, "Create a cluster" (`kubernetesNetworkConfig.serviceIpv4Cidr`): within
 * 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, between /24 and /12, not overlapping the VPC (nor any
 * network connected to it); settable only at creation (a change replaces the cluster). Without it EKS
 * assigns 10.100.0.0/16 or 172.20.0.0/16, the latter when the VPC is inside 10.0.0.0/8.
 */
import { cidrWithin, parseCidr } from "../../lib/cidr";

/** Where an EKS service CIDR may come from. */
export const EKS_SERVICE_CIDR_PARENTS: readonly string[] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
];
/** Largest and smallest service CIDR EKS accepts (prefix lengths). */
export const EKS_SERVICE_CIDR_PREFIX = { min: 12, max: 24 } as const;

/**
 * What EKS assigns when the service CIDR is not set: 172.20.0.0/16 for a VPC inside 10.0.0.0/8,
 * otherwise 10.100.0.0/16. Clusters created before the platform set it explicitly got this value, so
 * it is the default: setting the same value is no change, another value replaces the cluster.
 */
export function eksDefaultServiceCidr(vpcCidr: string): string {
    return cidrWithin(vpcCidr, "10.0.0.0/8") ? "172.20.0.0/16" : "10.100.0.0/16";
}

/** Why `cidr` cannot be an EKS service CIDR (shape only; overlaps are the caller's); undefined if it can. */
export function eksServiceCidrShapeProblem(cidr: string): string | undefined {
    const p = parseCidr(cidr);
    if (!p) return "is not an IPv4 CIDR";
    if (p.prefix < EKS_SERVICE_CIDR_PREFIX.min || p.prefix > EKS_SERVICE_CIDR_PREFIX.max)
        return `must be between /${EKS_SERVICE_CIDR_PREFIX.min} and /${EKS_SERVICE_CIDR_PREFIX.max}`;
    if (!EKS_SERVICE_CIDR_PARENTS.some((parent) => cidrWithin(cidr, parent)))
        return `must lie within ${EKS_SERVICE_CIDR_PARENTS.join(", ")}`;
    return undefined;
}
