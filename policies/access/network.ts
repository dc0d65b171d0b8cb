/**
 * A small, exact reachability model over what the program declares: VPCs, subnets, route tables and
 * their routes and associations, VPC peering connections (and their accepters), the API security
 * groups and their ingress rules, EKS endpoint settings, Kubernetes LoadBalancer Services (scheme
 * annotation, loadBalancerSourceRanges) and gateway Helm values, launch template IMDS options, GKE
 * master authorized networks and GCP firewall rules. What it does not model is listed in
 * docs/decisions.md ("Access matrix").
 */
import {
    type AccessResource,
    arr,
    cidrContains,
    isUnknown,
    labelOf,
    rec,
    refersTo,
    type SkippedCheck,
    str,
} from "./model";

export interface AwsVpc {
    readonly r: AccessResource;
    readonly label: string;
    readonly cidr: string;
    /** Route tables associated with the VPC's private subnets (the cluster's subnets). */
    readonly privateTables: AccessResource[];
}

export interface Route {
    readonly table: AccessResource;
    readonly r: AccessResource;
    readonly dest: string;
    readonly peering?: string;
}

export interface EksApi {
    readonly r: AccessResource;
    readonly label: string;
    readonly vpc?: AwsVpc;
    readonly privateEndpoint: boolean;
    readonly publicEndpoint: boolean;
    readonly publicCidrs: string[];
    /** Ingress rules of the cluster's security groups on tcp/443. */
    readonly rules: { cidr: string; name: string; description: string }[];
}

export interface NetModel {
    readonly vpcs: AwsVpc[];
    readonly routes: Route[];
    readonly peerings: { r: AccessResource; a: string; b: string; accepted: boolean }[];
    readonly apis: EksApi[];
    readonly byUrn: ReadonlyMap<string, AccessResource>;
    readonly resources: readonly AccessResource[];
}

export function buildNetwork(
    resources: readonly AccessResource[],
    skipped: SkippedCheck[],
): NetModel {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const of = (t: string) => resources.filter((r) => r.type === t);
    const safe = <T>(r: AccessResource, fn: () => T): T | undefined => {
        try {
            return fn();
        } catch (e) {
            if (!isUnknown(e)) throw e;
            skipped.push({
                kind: "network",
                what: `${r.type} ${r.name}`,
                reason: (e as Error).message,
            });
            return undefined;
        }
    };
    const subnets = of("aws:ec2/subnet:Subnet");
    const tables = of("aws:ec2/routeTable:RouteTable");
    const assocs = of("aws:ec2/routeTableAssociation:RouteTableAssociation");
    const vpcs: AwsVpc[] = [];
    for (const v of of("aws:ec2/vpc:Vpc")) {
        const vpc = safe(v, (): AwsVpc => {
            // The subnets an EKS cluster is placed in: where its API ENIs and the pods live.
            const clusterSubnets = of("aws:eks/cluster:Cluster").flatMap((c) =>
                arr(rec(c.props.vpcConfig).subnetIds).map(str),
            );
            const mine = subnets.filter(
                (s) =>
                    refersTo(str(s.props.vpcId), v) &&
                    clusterSubnets.some((ref) => refersTo(ref, s)),
            );
            const privateTables = tables.filter((t) =>
                assocs.some(
                    (a) =>
                        refersTo(str(a.props.routeTableId), t) &&
                        mine.some((s) => refersTo(str(a.props.subnetId), s)),
                ),
            );
            return { r: v, label: labelOf(v, byUrn), cidr: str(v.props.cidrBlock), privateTables };
        });
        if (vpc) vpcs.push(vpc);
    }
    const routes: Route[] = [];
    for (const r of of("aws:ec2/route:Route")) {
        safe(r, () => {
            const table = tables.find((t) => refersTo(str(r.props.routeTableId), t));
            if (table)
                routes.push({
                    table,
                    r,
                    dest: str(r.props.destinationCidrBlock),
                    peering: str(r.props.vpcPeeringConnectionId) || undefined,
                });
        });
    }
    const accepters = of("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter");
    const peerings: NetModel["peerings"] = [];
    for (const p of of("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")) {
        safe(p, () =>
            peerings.push({
                r: p,
                a: str(p.props.vpcId),
                b: str(p.props.peerVpcId),
                accepted:
                    p.props.autoAccept === true ||
                    accepters.some((a) => refersTo(str(a.props.vpcPeeringConnectionId), p)),
            }),
        );
    }
    const sgs = of("aws:ec2/securityGroup:SecurityGroup");
    const sgRules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const legacyRules = of("aws:ec2/securityGroupRule:SecurityGroupRule");
    const apis: EksApi[] = [];
    for (const c of of("aws:eks/cluster:Cluster")) {
        const api = safe(c, (): EksApi => {
            const vc = rec(c.props.vpcConfig);
            const groupRefs = arr(vc.securityGroupIds).map(str);
            const groups = sgs.filter((g) => groupRefs.some((ref) => refersTo(ref, g)));
            const rules: EksApi["rules"] = [];
            const covers443 = (from: unknown, to: unknown, proto: unknown) =>
                str(proto) === "-1" || (Number(from) <= 443 && Number(to) >= 443);
            for (const rule of sgRules) {
                if (!groups.some((g) => refersTo(str(rule.props.securityGroupId), g))) continue;
                if (!covers443(rule.props.fromPort, rule.props.toPort, rule.props.ipProtocol))
                    continue;
                rules.push({
                    cidr: str(rule.props.cidrIpv4),
                    name: rule.name,
                    description: str(rule.props.description),
                });
            }
            for (const rule of legacyRules) {
                if (rule.props.type !== "ingress") continue;
                if (!groups.some((g) => refersTo(str(rule.props.securityGroupId), g))) continue;
                if (!covers443(rule.props.fromPort, rule.props.toPort, rule.props.protocol))
                    continue;
                for (const cidr of arr(rule.props.cidrBlocks).map(str))
                    rules.push({ cidr, name: rule.name, description: str(rule.props.description) });
            }
            for (const g of groups)
                for (const ing of arr(g.props.ingress).map(rec)) {
                    if (!covers443(ing.fromPort, ing.toPort, ing.protocol)) continue;
                    for (const cidr of arr(ing.cidrBlocks).map(str))
                        rules.push({ cidr, name: g.name, description: str(ing.description) });
                }
            const vpc = vpcs.find((v) => groups.some((g) => refersTo(str(g.props.vpcId), v.r)));
            return {
                r: c,
                label: labelOf(c, byUrn),
                vpc,
                privateEndpoint: vc.endpointPrivateAccess !== false,
                publicEndpoint: vc.endpointPublicAccess !== false,
                publicCidrs:
                    vc.endpointPublicAccess === false ? [] : arr(vc.publicAccessCidrs).map(str),
                rules,
            };
        });
        if (api) apis.push(api);
    }
    return { vpcs, routes, peerings, apis, byUrn, resources };
}

/** Is there a route from every private route table of `from` to `dest` over a peering that joins `from` and `to`? */
export function routed(
    net: NetModel,
    from: AwsVpc,
    dest: string,
    toVpcRef?: (ref: string) => boolean,
): { ok: boolean; why: string[] } {
    if (from.privateTables.length === 0)
        return { ok: false, why: [`${from.label}: no private route tables`] };
    const why: string[] = [];
    for (const t of from.privateTables) {
        const hit = net.routes.find((r) => {
            if (r.table !== t || !r.peering || !cidrContains(r.dest, dest)) return false;
            const p = net.peerings.find((x) => refersTo(r.peering!, x.r));
            if (!p || !p.accepted) return false;
            const joins = [p.a, p.b];
            return (
                joins.some((j) => refersTo(j, from.r)) &&
                (!toVpcRef || joins.some((j) => toVpcRef(j)))
            );
        });
        if (!hit)
            return {
                ok: false,
                why: [`no route to ${dest} over an accepted peering in ${t.name}`],
            };
        why.push(`route ${hit.r.name}`);
    }
    return { ok: true, why: [why[0] + (why.length > 1 ? ` (+${why.length - 1} tables)` : "")] };
}

/** The security-group rules of the API that admit `cidr` on 443. */
export function admitted(api: EksApi, cidr: string): string[] {
    return api.rules
        .filter((r) => r.cidr && cidrContains(r.cidr, cidr))
        .map((r) => `sg rule ${r.name} ${r.cidr}`);
}

export interface LbService {
    readonly label: string;
    readonly name: string;
    readonly internal: boolean;
    readonly sourceRanges: string[];
    readonly ports: number[];
    /** GKE internal LB reachable from other regions (`internal-load-balancer-allow-global-access`). */
    readonly globalAccess: boolean;
}

/** Istio gateway LoadBalancers, from Service objects and from gateway Helm releases' `service` values. */
export function loadBalancers(net: NetModel, skipped: SkippedCheck[]): LbService[] {
    const out: LbService[] = [];
    const schemeInternal = (ann: Record<string, unknown>) =>
        str(ann["service.beta.kubernetes.io/aws-load-balancer-scheme"]) === "internal" ||
        str(ann["service.beta.kubernetes.io/aws-load-balancer-internal"]) === "true" ||
        /^internal$/i.test(str(ann["networking.gke.io/load-balancer-type"])) ||
        str(ann["cloud.google.com/load-balancer-type"]) === "Internal";
    const globalAccess = (ann: Record<string, unknown>) =>
        str(ann["networking.gke.io/internal-load-balancer-allow-global-access"]) === "true";
    for (const r of net.resources) {
        try {
            if (r.type === "kubernetes:core/v1:Service") {
                const spec = rec(r.props.spec);
                if (spec.type !== "LoadBalancer") continue;
                const meta = rec(r.props.metadata);
                out.push({
                    label: labelOf(r, net.byUrn),
                    name: `${str(meta.namespace)}/${str(meta.name)}`,
                    internal: schemeInternal(rec(meta.annotations)),
                    sourceRanges: arr(spec.loadBalancerSourceRanges).map(str),
                    ports: arr(spec.ports).map((p) => Number(rec(p).port)),
                    globalAccess: globalAccess(rec(meta.annotations)),
                });
            } else if (
                r.type === "kubernetes:helm.sh/v3:Release" &&
                str(r.props.chart) === "gateway"
            ) {
                const v = rec(r.props.values);
                const svc = rec(v.service);
                if ((svc.type ?? "LoadBalancer") !== "LoadBalancer") continue;
                const ports = arr(svc.ports).map((p) => Number(rec(p).port));
                out.push({
                    label: labelOf(r, net.byUrn),
                    name: `${str(r.props.namespace)}/${r.name}${v.networkGateway ? " (east-west)" : ""}`,
                    internal: schemeInternal(rec(svc.annotations)),
                    sourceRanges: arr(svc.loadBalancerSourceRanges).map(str),
                    ports: ports.length > 0 ? ports : v.networkGateway ? [15443] : [80, 443],
                    globalAccess: globalAccess(rec(svc.annotations)),
                });
            }
        } catch (e) {
            if (!isUnknown(e)) throw e;
            skipped.push({
                kind: "network",
                what: `${r.type} ${r.name}`,
                reason: (e as Error).message,
            });
        }
    }
    return out;
}

/** Does the LB admit a client at `cidr`? (internal: only from routed private space; source ranges apply) */
export function lbAdmits(
    lb: LbService,
    cidr: string,
    fromInternet: boolean,
): { ok: boolean; why: string[] } {
    if (fromInternet && lb.internal)
        return { ok: false, why: [`${lb.name}: internal load balancer scheme`] };
    if (lb.sourceRanges.length === 0)
        return {
            ok: true,
            why: [
                `${lb.name}: ${lb.internal ? "internal" : "internet-facing"}, no loadBalancerSourceRanges`,
            ],
        };
    const hit = lb.sourceRanges.find((s) => cidrContains(s, cidr));
    return hit
        ? { ok: true, why: [`${lb.name}: loadBalancerSourceRanges ${hit}`] }
        : {
              ok: false,
              why: [
                  `${lb.name}: ${cidr} not in loadBalancerSourceRanges ${lb.sourceRanges.join(", ")}`,
              ],
          };
}
