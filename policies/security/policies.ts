/**
 * The security pack's policies, in the order the pack registers them. Importable without starting a
 * policy server (tests and the offline plan use this list; index.ts hands it to `new PolicyPack`).
 */
import type { PackPolicy } from "../lib/policy";
import { accessMatrix } from "./rules/access";
import { defaultDenyPerAppNamespace, noAllowAll } from "./rules/authz";
import { backupBuckets } from "./rules/backup";
import {
    apiServerNotWorldOpen,
    eastWestGatewayInternal,
    eksControlPlaneLogs,
    eksPrivateEndpoint,
    eksPublicAccessRestricted,
    eksSecretsEncryption,
    gkePrivateNodes,
    gkeShieldedNodes,
    gkeWorkloadIdentity,
    kmsKeyRotation,
    launchTemplateHardening,
} from "./rules/clusters";
import {
    claimsNeedRequestAuthentication,
    egressAllowlist,
    noHeaderIdentity,
    noRetryOfNonIdempotent,
} from "./rules/identity";
import { gatewayMinTls, ingressJwt } from "./rules/ingress";
import { meshConsistency } from "./rules/mesh";
import { destinationRuleMtls, mtlsStrictMeshWide, noMtlsDowngrade } from "./rules/mtls";
import { kubernetesVersionSkew } from "./rules/versions";
import { helmReleasePinned, noPlaintextSecretMaterial, sidecarInjection } from "./rules/workloads";
import {
    backupAccessLogging,
    caMaterialVault,
    launchTemplateVolumeKms,
    veleroRepositoryPassword,
} from "./rules/secrets";

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
    // identity, retries and egress (rules/identity.ts)
    noHeaderIdentity,
    claimsNeedRequestAuthentication,
    noRetryOfNonIdempotent,
    egressAllowlist,
    accessMatrix,
    // --- secrets, backups and node volumes ---
    caMaterialVault,
    backupAccessLogging,
    veleroRepositoryPassword,
    launchTemplateVolumeKms,
    // --- policy gating and coverage ---
    destinationRuleMtls,
    launchTemplateHardening,
    apiServerNotWorldOpen,
    eastWestGatewayInternal,
    // --- Istio and Kubernetes versions ---
    kubernetesVersionSkew,
];
