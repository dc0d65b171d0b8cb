/**
 * From where each cluster's API is reachable, read from the recorded resources of a plan: the endpoint
 * (private/public), the CIDRs the API security group admits on 443 (EKS) or the master authorized
 * networks (GKE), and the VPC peerings that give those CIDRs a route (EKS).
 */
import type { RecordedResource } from "./runtime";

export interface ClusterReach {
    /** Logical name of the cluster resource (`singapore-eks`, `singapore-gke`). */
    readonly cluster: string;
    readonly cloud: "aws" | "gcp";
    readonly privateEndpoint: boolean;
    readonly publicEndpoint: boolean;
    /** CIDRs allowed on the public endpoint (EKS publicAccessCidrs / GKE authorized networks). */
    readonly publicCidrs: readonly string[];
    /** EKS: CIDRs the API security group admits on 443, with the rule's description. */
    readonly privateCidrs: readonly { cidr: string; description: string }[];
    /** EKS: the peering connections (logical names) that join the cluster's VPC to another VPC. */
    readonly peerings: readonly string[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** One entry per EKS or GKE cluster of the run. */
export function apiReachability(resources: readonly RecordedResource[]): ClusterReach[] {
    const out: ClusterReach[] = [];
    const ofType = (t: string) => resources.filter((r) => r.type === t);
    const sgs = ofType("aws:ec2/securityGroup:SecurityGroup");
    const rules = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const peerings = ofType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
    for (const c of ofType("aws:eks/cluster:Cluster")) {
        const vpc = (c.inputs.vpcConfig ?? {}) as Record<string, unknown>;
        // The API security group: the one the cluster is given, recognised by its logical dependency.
        const sg = sgs.find((s) => c.dependencies.includes(s.urn));
        const admitted = rules
            .filter((r) => sg && r.dependencies.includes(sg.urn) && r.inputs.fromPort === 443)
            .map((r) => ({ cidr: str(r.inputs.cidrIpv4), description: str(r.inputs.description) }));
        const vpcId = sg ? str(sg.inputs.vpcId) : "";
        out.push({
            cluster: c.name,
            cloud: "aws",
            privateEndpoint: vpc.endpointPrivateAccess === true,
            publicEndpoint: vpc.endpointPublicAccess === true,
            publicCidrs: ((vpc.publicAccessCidrs ?? []) as unknown[]).map(str),
            privateCidrs: admitted,
            peerings: peerings
                .filter(
                    (p) =>
                        vpcId !== "" && (p.inputs.vpcId === vpcId || p.inputs.peerVpcId === vpcId),
                )
                .map((p) => p.name),
        });
    }
    for (const c of ofType("gcp:container/cluster:Cluster")) {
        const priv = (c.inputs.privateClusterConfig ?? {}) as Record<string, unknown>;
        const auth = (c.inputs.masterAuthorizedNetworksConfig ?? {}) as {
            cidrBlocks?: { cidrBlock?: string; displayName?: string }[];
        };
        out.push({
            cluster: c.name,
            cloud: "gcp",
            privateEndpoint: true,
            publicEndpoint: priv.enablePrivateEndpoint !== true,
            publicCidrs: (auth.cidrBlocks ?? []).map(
                (b) => `${str(b.cidrBlock)}${b.displayName ? ` (${b.displayName})` : ""}`,
            ),
            privateCidrs: [],
            peerings: [],
        });
    }
    return out.sort((a, b) => a.cluster.localeCompare(b.cluster));
}

/** Lines for the plan's output. */
export function formatReachability(reach: readonly ClusterReach[]): string[] {
    const lines = ["\nAPI reachability (who can open the cluster APIs on 443):"];
    for (const r of reach) {
        const endpoints = [r.privateEndpoint ? "private" : "", r.publicEndpoint ? "public" : ""]
            .filter(Boolean)
            .join(" + ");
        lines.push(`  ${r.cluster} (${r.cloud}): endpoint ${endpoints || "none"}`);
        if (r.cloud === "aws") {
            for (const a of r.privateCidrs)
                lines.push(
                    `    private 443 from ${a.cidr}${a.description ? ` (${a.description})` : ""}`,
                );
            lines.push(`    routes via peerings: ${r.peerings.join(", ") || "none"}`);
            if (r.publicEndpoint)
                lines.push(`    public endpoint from: ${r.publicCidrs.join(", ") || "nothing"}`);
        } else {
            lines.push(`    master authorized networks: ${r.publicCidrs.join(", ") || "none"}`);
        }
    }
    return lines;
}
