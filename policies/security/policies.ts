/**
 * The security pack's policies, in the order the pack registers them. Importable without starting a
 * policy server (tests and the offline plan use this list; index.ts hands it to `new PolicyPack`).
 */
import type { PackPolicy } from "../lib/policy";
import { defaultDenyPerAppNamespace, noAllowAll } from "./rules/authz";
import { backupBuckets } from "./rules/backup";
import {
    eksControlPlaneLogs,
    eksPrivateEndpoint,
    eksPublicAccessRestricted,
    eksSecretsEncryption,
    gkePrivateNodes,
    gkeShieldedNodes,
    gkeWorkloadIdentity,
    kmsKeyRotation,
} from "./rules/clusters";
import { gatewayMinTls, ingressJwt } from "./rules/ingress";
import { meshConsistency } from "./rules/mesh";
import { mtlsStrictMeshWide, noMtlsDowngrade } from "./rules/mtls";
import { kubernetesVersionSkew } from "./rules/versions";
import { helmReleasePinned, noPlaintextSecretMaterial, sidecarInjection } from "./rules/workloads";

export const SECURITY_PACK = "mesh-platform-security";

export const securityPolicies: PackPolicy[] = [
    mtlsStrictMeshWide,
    noMtlsDowngrade,
    defaultDenyPerAppNamespace,
    noAllowAll,
    ingressJwt,
    gatewayMinTls,
    eksSecretsEncryption,
    eksPrivateEndpoint,
    eksPublicAccessRestricted,
    eksControlPlaneLogs,
    kmsKeyRotation,
    backupBuckets,
    gkePrivateNodes,
    gkeWorkloadIdentity,
    gkeShieldedNodes,
    helmReleasePinned,
    noPlaintextSecretMaterial,
    sidecarInjection,
    meshConsistency,
    kubernetesVersionSkew,
];
