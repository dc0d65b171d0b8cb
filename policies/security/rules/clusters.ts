/**
 * Managed Kubernetes control planes and node pools: EKS (secrets envelope encryption, private endpoint,
 * no world-open public endpoint, every control-plane log type) and GKE (private nodes, workload
 * identity, shielded nodes); KMS keys rotate; node launch templates encrypt volumes and require IMDSv2
 * with hop limit 1; no security group opens an EKS API server to the internet; east-west gateways stay
 * internal.
 */
import type { PolicyResource } from "@pulumi/policy";
import { isEastWestGateway, releaseValues, T } from "../../lib/kinds";
import { resourcePolicy, stackPolicy } from "../../lib/policy";
import {
    asArray,
    asRecord,
    asString,
    asStringMap,
    display,
    get,
    ifKnown,
    parseDays,
} from "../../lib/values";

export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const eksSecretsEncryption = resourcePolicy({
    name: "eks-secrets-encryption",
    description:
        "EKS clusters encrypt Kubernetes secrets with a KMS key (encryptionConfig.resources includes secrets).",
    types: [T.eksCluster],
    validate: (props, _args, report) => {
        const enc = asRecord(props.encryptionConfig);
        const resources = asArray(enc.resources).map(String);
        if (!resources.includes("secrets"))
            report(
                'encryptionConfig.resources must include "secrets" (envelope encryption of Kubernetes secrets)',
            );
        // The key is usually created with the cluster, so its ARN is unknown at preview: set, all the same.
        if (!ifKnown(() => asString(get(enc, "provider.keyArn")), "(unknown)"))
            report("encryptionConfig.provider.keyArn must name the KMS key that encrypts secrets");
    },
});

export const eksPrivateEndpoint = resourcePolicy({
    name: "eks-private-endpoint",
    description: "EKS clusters enable the private API endpoint (vpcConfig.endpointPrivateAccess).",
    types: [T.eksCluster],
    validate: (props, _args, report) => {
        if (get(props, "vpcConfig.endpointPrivateAccess") !== true)
            report(
                "vpcConfig.endpointPrivateAccess must be true so nodes and operators reach the API inside the VPC",
            );
    },
});

export const eksPublicAccessRestricted = resourcePolicy({
    name: "eks-public-access-restricted",
    description:
        "An EKS public endpoint, if enabled, lists publicAccessCidrs and never 0.0.0.0/0 (the AWS default when none are given).",
    types: [T.eksCluster],
    validate: (props, _args, report) => {
        const vpc = asRecord(props.vpcConfig);
        if (vpc.endpointPublicAccess === false) return;
        // Entries unknown at preview (e.g. `${eip.publicIp}/32` of NAT addresses being created) are
        // judged at update time; the known ones are judged now.
        const list = asArray(vpc.publicAccessCidrs);
        const cidrs: string[] = [];
        for (let i = 0; i < list.length; i++) {
            const c = ifKnown(() => String(list[i]), undefined);
            if (c !== undefined) cidrs.push(c);
        }
        if (list.length === 0) {
            report(
                "the public endpoint is on (endpointPublicAccess defaults to true) without publicAccessCidrs, which AWS treats as 0.0.0.0/0; disable it or list allowed CIDRs",
            );
        }
        for (const c of cidrs)
            if (/\/0$/.test(c))
                report(
                    `publicAccessCidrs contains ${c}, which opens the API server to the whole internet`,
                );
    },
});

export const eksControlPlaneLogs = resourcePolicy({
    name: "eks-control-plane-logs",
    description: `EKS clusters enable every control plane log type (${EKS_LOG_TYPES.join(", ")}).`,
    types: [T.eksCluster],
    validate: (props, _args, report) => {
        const enabled = asArray(props.enabledClusterLogTypes).map(String);
        const missing = EKS_LOG_TYPES.filter((t) => !enabled.includes(t));
        if (missing.length > 0) report(`enabledClusterLogTypes is missing ${missing.join(", ")}`);
    },
});

export const kmsKeyRotation = resourcePolicy<{ maxRotationDays: number }>({
    name: "kms-key-rotation",
    description:
        "Symmetric AWS KMS keys enable automatic rotation; Cloud KMS crypto keys set a rotationPeriod of at most a year.",
    types: [T.kmsKey, T.gcpKmsKey],
    config: { maxRotationDays: { type: "integer", minimum: 1, default: 365 } },
    validate: (props, args, report, cfg) => {
        if (args.type === T.kmsKey) {
            const spec =
                asString(props.customerMasterKeySpec) ??
                asString(props.keySpec) ??
                "SYMMETRIC_DEFAULT";
            if (spec !== "SYMMETRIC_DEFAULT") args.notApplicable("AWS rotates only symmetric keys");
            if (props.enableKeyRotation !== true) report("enableKeyRotation must be true");
            const period = props.rotationPeriodInDays;
            if (typeof period === "number" && period > cfg.maxRotationDays)
                report(`rotationPeriodInDays ${period} exceeds ${cfg.maxRotationDays}`);
            return;
        }
        const period = asString(props.rotationPeriod);
        const days = period ? parseDays(period) : undefined;
        if (days === undefined) report('rotationPeriod must be set (e.g. "7776000s" for 90 days)');
        else if (days > cfg.maxRotationDays)
            report(`rotationPeriod ${period} is longer than ${cfg.maxRotationDays} days`);
    },
});

export const gkePrivateNodes = resourcePolicy({
    name: "gke-private-nodes",
    description:
        "GKE clusters use private nodes (privateClusterConfig.enablePrivateNodes); node pools do not opt out.",
    types: [T.gkeCluster, T.gkeNodePool],
    validate: (props, args, report) => {
        if (args.type === T.gkeNodePool) {
            if (get(props, "networkConfig.enablePrivateNodes") === false)
                report("networkConfig.enablePrivateNodes is false: this node pool gets public IPs");
            return;
        }
        if (get(props, "privateClusterConfig.enablePrivateNodes") !== true)
            report(
                "privateClusterConfig.enablePrivateNodes must be true (nodes without public IPs)",
            );
    },
});

export const gkeWorkloadIdentity = resourcePolicy({
    name: "gke-workload-identity",
    description:
        "GKE clusters enable workload identity (workloadIdentityConfig.workloadPool); node pools keep the GKE metadata server.",
    types: [T.gkeCluster, T.gkeNodePool],
    validate: (props, args, report) => {
        const mode = asString(get(props, "nodeConfig.workloadMetadataConfig.mode"));
        if (mode && mode !== "GKE_METADATA")
            report(
                `nodeConfig.workloadMetadataConfig.mode is ${mode}; pods would see the node's credentials. Use GKE_METADATA`,
            );
        if (
            args.type === T.gkeCluster &&
            !asString(get(props, "workloadIdentityConfig.workloadPool"))
        ) {
            report("workloadIdentityConfig.workloadPool must be set (<project>.svc.id.goog)");
        }
    },
});

export const gkeShieldedNodes = resourcePolicy({
    name: "gke-shielded-nodes",
    description:
        "GKE clusters keep shielded nodes on; node pools enable secure boot and integrity monitoring.",
    types: [T.gkeCluster, T.gkeNodePool],
    validate: (props, args, report) => {
        if (args.type === T.gkeCluster && props.enableShieldedNodes === false)
            report("enableShieldedNodes is false");
        const shielded = asRecord(get(props, "nodeConfig.shieldedInstanceConfig"));
        if (args.type === T.gkeNodePool || Object.keys(asRecord(props.nodeConfig)).length > 0) {
            if (shielded.enableSecureBoot !== true)
                report("nodeConfig.shieldedInstanceConfig.enableSecureBoot must be true");
            if (shielded.enableIntegrityMonitoring === false)
                report("nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring is false");
        }
    },
});

/** Launch template flags arrive as strings ("true") from the AWS provider's schema, or as booleans. */
const truthy = (v: unknown) => v === true || v === "true";

export const launchTemplateHardening = resourcePolicy({
    name: "node-launch-template-hardening",
    description:
        "Node launch templates encrypt every EBS volume and require IMDSv2 (metadataOptions.httpTokens required) with a hop limit of 1, so pods cannot reach the node's instance credentials.",
    types: [T.launchTemplate],
    validate: (props, _args, report) => {
        for (const [i, m] of asArray(props.blockDeviceMappings).entries()) {
            const ebs = get(m, "ebs");
            if (ebs === undefined) continue;
            if (!truthy(get(ebs, "encrypted")))
                report(
                    `blockDeviceMappings[${i}] (${display(get(m, "deviceName"), "device")}) is not encrypted; set ebs.encrypted true`,
                );
        }
        const md = asRecord(props.metadataOptions);
        if (asString(md.httpEndpoint) === "disabled") return;
        if (asString(md.httpTokens) !== "required")
            report(
                `metadataOptions.httpTokens is ${display(md.httpTokens)}; set "required" (IMDSv2 only: IMDSv1 answers any unauthenticated GET)`,
            );
        const hops = md.httpPutResponseHopLimit;
        if (typeof hops !== "number" || hops > 1)
            report(
                `metadataOptions.httpPutResponseHopLimit is ${display(hops)}; set 1 so a pod (one hop further) cannot fetch the node role's credentials`,
            );
    },
});

/** Does a port range include 443 (the EKS API server)? All traffic (-1 / "all") does. */
function reaches443(from: unknown, to: unknown, protocol: unknown): boolean {
    const proto = typeof protocol === "number" ? String(protocol) : (asString(protocol) ?? "");
    if (proto === "-1" || proto === "all") return true;
    if (proto !== "tcp" && proto !== "6") return false;
    const lo = Number(from);
    const hi = Number(to ?? from);
    return Number.isFinite(lo) && Number.isFinite(hi) && lo <= 443 && 443 <= hi;
}

const WORLD = ["0.0.0.0/0", "::/0"];

export const apiServerNotWorldOpen = stackPolicy({
    name: "eks-api-security-group-not-world-open",
    description:
        "No security group rule admits 0.0.0.0/0 or ::/0 to port 443 of a security group attached to an EKS cluster (vpcConfig.securityGroupIds), inline or as a separate rule resource.",
    validate: (resources, _args, report) => {
        const clusterSgs = new Set<string>();
        for (const c of resources.filter((r) => r.type === T.eksCluster)) {
            for (const d of c.dependencies) if (d.type === T.securityGroup) clusterSgs.add(d.urn);
        }
        const sgs = resources.filter((r) => r.type === T.securityGroup);
        const idOf = (sg: PolicyResource) =>
            ifKnown(() => asString(sg.props.id) ?? asString(sg.props.name), undefined);
        const attached = (rule: PolicyResource): PolicyResource | undefined => {
            const id = ifKnown(() => asString(rule.props.securityGroupId), undefined);
            const byDep = rule.dependencies.filter((d) => clusterSgs.has(d.urn));
            if (byDep.length > 0) return byDep[0];
            return id ? sgs.find((sg) => clusterSgs.has(sg.urn) && idOf(sg) === id) : undefined;
        };
        for (const rule of resources) {
            let cidrs: string[] = [];
            let target: PolicyResource | undefined;
            if (rule.type === T.securityGroupIngressRule) {
                target = attached(rule);
                cidrs = [asString(rule.props.cidrIpv4), asString(rule.props.cidrIpv6)].filter(
                    (c): c is string => !!c,
                );
                if (!reaches443(rule.props.fromPort, rule.props.toPort, rule.props.ipProtocol))
                    continue;
            } else if (rule.type === T.securityGroupRule) {
                if (asString(rule.props.type) !== "ingress") continue;
                target = attached(rule);
                cidrs = [
                    ...asArray(rule.props.cidrBlocks),
                    ...asArray(rule.props.ipv6CidrBlocks),
                ].map(String);
                if (!reaches443(rule.props.fromPort, rule.props.toPort, rule.props.protocol))
                    continue;
            } else if (rule.type === T.securityGroup && clusterSgs.has(rule.urn)) {
                for (const ing of asArray(rule.props.ingress)) {
                    if (!reaches443(get(ing, "fromPort"), get(ing, "toPort"), get(ing, "protocol")))
                        continue;
                    const open = [
                        ...asArray(get(ing, "cidrBlocks")),
                        ...asArray(get(ing, "ipv6CidrBlocks")),
                    ]
                        .map(String)
                        .filter((c) => WORLD.includes(c));
                    for (const c of open)
                        report(
                            `security group ${rule.name} of an EKS cluster admits ${c} to port 443 (inline ingress): the API server is open to the internet`,
                            rule.urn,
                        );
                }
                continue;
            } else continue;
            if (!target) continue;
            for (const c of cidrs.filter((x) => WORLD.includes(x)))
                report(
                    `rule ${rule.name} admits ${c} to port 443 of ${target.name}, a security group of an EKS cluster: the API server is open to the internet`,
                    rule.urn,
                );
        }
    },
});

/** Service annotations that make a gateway's load balancer internal, per cloud / controller. */
function internalLoadBalancer(annotations: Record<string, string>): boolean {
    const scheme = annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"];
    if (scheme !== undefined) return scheme === "internal";
    if (annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] === "true")
        return true;
    if (/^internal$/i.test(annotations["networking.gke.io/load-balancer-type"] ?? "")) return true;
    return annotations["cloud.google.com/load-balancer-type"]?.toLowerCase() === "internal";
}

export const eastWestGatewayInternal = resourcePolicy({
    name: "eastwest-gateway-internal",
    description:
        "East-west gateways (cross-network mesh traffic) are not internet-facing: their LoadBalancer Service is internal (aws-load-balancer-scheme internal, GKE load-balancer-type Internal) or not a LoadBalancer.",
    types: [T.helmRelease],
    validate: (props, args, report) => {
        if (!isEastWestGateway({ type: args.type, props, name: args.name }))
            args.notApplicable("not an east-west gateway");
        const service = asRecord(releaseValues(props).service);
        if ((asString(service.type) ?? "LoadBalancer") !== "LoadBalancer") return;
        if (!internalLoadBalancer(asStringMap(service.annotations)))
            report(
                `east-west gateway ${args.name} gets an internet-facing load balancer: its values.service.annotations do not make it internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal, networking.gke.io/load-balancer-type: Internal); the peered networks reach it privately`,
            );
    },
});
