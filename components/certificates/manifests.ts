/**
 * cert-manager custom resources as plain manifests (pure functions, validated in tests against the
 * upstream schemas from @kubernetes-models/cert-manager).
 */
import { GATEWAY_NAMESPACE } from "../constants";
import { Dns01Target, dns01Solver } from "./dns01";

/** The Let's Encrypt ClusterIssuers every cluster gets. */
export type IssuerName = "letsencrypt-staging" | "letsencrypt-prod";

export const ACME_SERVERS: Readonly<Record<IssuerName, string>> = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
};
export const ISSUER_NAMES: readonly IssuerName[] = ["letsencrypt-staging", "letsencrypt-prod"];

/** Renew the ingress certificate 30 days before it expires (Let's Encrypt certificates live 90 days). */
export const RENEW_BEFORE = "720h";
export const CERT_DURATION = "2160h";
export const INGRESS_CERTIFICATE_NAME = "ingress-tls";

export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Record<string, string>;
    };
    readonly spec: Record<string, unknown>;
}

/** An ACME ClusterIssuer solving DNS-01 for names in `zoneName`. */
export function clusterIssuer(
    name: IssuerName,
    email: string,
    zoneName: string,
    target: Dns01Target,
): Manifest {
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

/** What the ingress Certificate is made of. */
export interface IngressCertificateSpec {
    /** Names on the certificate. */
    readonly hostnames: readonly string[];
    /** The ClusterIssuer that signs it. */
    readonly issuer: IssuerName;
    /** The TLS secret it is written to: what the ingress gateway's `credentialName` names. */
    readonly secretName: string;
    /** Namespace of the Certificate and its secret (the gateway's). @default GATEWAY_NAMESPACE (`istio-gateways`) */
    readonly namespace?: string;
}

/** The public ingress gateway's certificate; its secret is what the gateway's credentialName names. */
export function ingressCertificate(c: IngressCertificateSpec): Manifest {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: INGRESS_CERTIFICATE_NAME, namespace: c.namespace ?? GATEWAY_NAMESPACE },
        spec: {
            secretName: c.secretName,
            dnsNames: [...c.hostnames],
            issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: c.issuer },
            duration: CERT_DURATION,
            renewBefore: RENEW_BEFORE,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            usages: ["digital signature", "server auth"],
        },
    };
}

/** Whether DNS-01 in `zone` can prove `hostname` (the zone apex, a name below it, or a wildcard below it). */
export function inZone(hostname: string, zone: string): boolean {
    const name = hostname.startsWith("*.") ? hostname.slice(2) : hostname;
    return name === zone || name.endsWith(`.${zone}`);
}
