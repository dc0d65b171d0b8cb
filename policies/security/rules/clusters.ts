/**
 * Managed Kubernetes control planes and node pools: EKS (secrets envelope encryption, private endpoint,
 * no world-open public endpoint, every control-plane log type) and GKE (private nodes, workload
 * identity, shielded nodes); KMS keys rotate.
 */
import { T } from "../../lib/kinds";
import { resourcePolicy } from "../../lib/policy";
import { asArray, asRecord, asString, get, ifKnown, parseDays } from "../../lib/values";

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
