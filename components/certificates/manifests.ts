/**
 * cert-manager custom resources as plain manifests (pure functions, validated in tests against the
 * upstream schemas from @kubernetes-models/cert-manager).
 */
import type { PlatformConfig } from "../../config";
import { GATEWAY_NAMESPACE } from "../constants";

export type IssuerName = PlatformConfig["certificates"]["issuer"];

export const ACME_SERVERS: Readonly<Record<IssuerName, string>> = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
};
export const ISSUER_NAMES: readonly IssuerName[] = ["letsencrypt-staging", "letsencrypt-prod"];

/** Renew the ingress certificate 30 days before it expires (Let's Encrypt certificates live 90 days). */
export const RENEW_BEFORE = "720h";
export const CERT_DURATION = "2160h";
export const INGRESS_CERTIFICATE_NAME = "ingress-tls";

/** Where DNS-01 challenge records are written. */
export type Dns01Target =
    | { readonly provider: "route53"; readonly hostedZoneId: string; readonly region: string }
    | { readonly provider: "clouddns"; readonly project: string; readonly managedZone: string };

export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
    readonly spec: Record<string, unknown>;
}

function dns01Solver(target: Dns01Target): Record<string, unknown> {
    if (target.provider === "route53") {
        // No accessKeyID/secret: cert-manager uses the ambient IRSA credentials of its service account
        // (ClusterIssuers may use ambient credentials by default).
        return { route53: { region: target.region, hostedZoneID: target.hostedZoneId } };
    }
    // No serviceAccountSecretRef: GKE workload identity supplies the Google service account.
    return { cloudDNS: { project: target.project, hostedZoneName: target.managedZone } };
}

/** An ACME ClusterIssuer solving DNS-01 in the stack's zone. */
export function clusterIssuer(name: IssuerName, email: string, zoneName: string, target: Dns01Target): Manifest {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name },
        spec: {
            acme: {
                server: ACME_SERVERS[name],
                email,
                privateKeySecretRef: { name: `${name}-account-key` },
                solvers: [{ selector: { dnsZones: [zoneName] }, dns01: dns01Solver(target) }],
            },
        },
    };
}

/** The public ingress gateway's certificate; its secret is what the gateway's credentialName names. */
export function ingressCertificate(cfg: Pick<PlatformConfig, "certificates" | "mesh">): Manifest {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: INGRESS_CERTIFICATE_NAME, namespace: GATEWAY_NAMESPACE },
        spec: {
            secretName: cfg.mesh.ingressTlsSecretName,
            dnsNames: [...cfg.certificates.hostnames],
            issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: cfg.certificates.issuer },
            duration: CERT_DURATION,
            renewBefore: RENEW_BEFORE,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            usages: ["digital signature", "server auth"],
        },
    };
}

/** Every hostname must sit in the zone the DNS-01 solver can write to. */
export function checkHostnames(cfg: Pick<PlatformConfig, "certificates" | "dns">): void {
    const zone = cfg.dns.zoneName;
    const bad = cfg.certificates.hostnames
        .map((h, i) => ({ h, i }))
        .filter(({ h }) => !(h === zone || h.endsWith(`.${zone}`) || (h.startsWith("*.") && (h.slice(2) === zone || h.slice(2).endsWith(`.${zone}`)))));
    if (bad.length > 0) {
        throw new Error(bad.map(({ h, i }) =>
            `mesh-platform:certificates.hostnames[${i}]: "${h}" is outside the DNS zone ${zone}; DNS-01 can only prove names in mesh-platform:dns.zoneName (allowed: ${zone} and names ending in .${zone})`).join("\n"));
    }
}
