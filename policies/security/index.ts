/**
 * CrossGuard entry for the security pack:
 *   pulumi preview --policy-pack policies/security --policy-pack-config policies/config/security.<env>.json
 * Constructing the PolicyPack starts the analyzer server, so this is the only place it happens.
 */
import { PolicyPack } from "@pulumi/policy";
import { SECURITY_PACK, securityPolicies } from "./policies";

new PolicyPack(SECURITY_PACK, {
    description:
        "Security rules of the mesh platform: mTLS, authorization, ingress JWT and TLS, cluster hardening, backups, pinned charts, no plaintext secrets, mesh consistency.",
    enforcementLevel: "mandatory",
    policies: securityPolicies,
});
