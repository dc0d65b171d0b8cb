/**
 * Elasticsearch's HTTP certificate, issued by the platform instead of ECK: a CA per cluster and a
 * leaf for the HTTP service, both made by the TLS provider inside `pulumi up`. Nothing in the cluster
 * has to exist first, and the CA certificate is a plain output every client can be given on the same
 * deploy (Grafana in its provisioning file, the pods in `logging` through a ConfigMap). The CA key
 * stays in the Pulumi state: it signs the leaf there and never reaches a Kubernetes object.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** CA lifetime: ten years. Replacing it is a planned step (clients roll onto the new CA), not a renewal. */
export const ES_CA_VALIDITY_HOURS = 10 * 365 * 24;
/** The leaf lives a year and is re-issued 60 days before expiry by the weekly `pulumi up --refresh`. */
export const ES_CERT_VALIDITY_HOURS = 365 * 24;
export const ES_CERT_EARLY_RENEWAL_HOURS = 60 * 24;
const KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;
const KEY_SECRETS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"];

/** Every name a client in the cluster may use for `service` in `namespace`. */
export function serviceDnsNames(service: string, namespace: string): string[] {
    return [
        service,
        `${service}.${namespace}`,
        `${service}.${namespace}.svc`,
        `${service}.${namespace}.svc.cluster.local`,
    ];
}

export interface HttpCertificateArgs {
    /** The cluster (subjects name it: each cluster has its own CA). */
    readonly clusterName: string;
    /** The Service the certificate is for. */
    readonly service: string;
    /** The Service's namespace. */
    readonly namespace: string;
    /** What the certificate is for, in the subjects (`Elasticsearch HTTP`). */
    readonly purpose: string;
    /** Protect the CA key and certificate against deletion (prod). */
    readonly protect: boolean;
}

/** The PEM material of an issued HTTP certificate. */
export interface HttpCertificate {
    /** The CA certificate (public): what clients trust. */
    readonly caCertPem: pulumi.Output<string>;
    /** SHA-256 (hex) of the CA certificate: changes whenever clients must load a new CA. */
    readonly caDigest: pulumi.Output<string>;
    /** The leaf certificate (`tls.crt`). */
    readonly certPem: pulumi.Output<string>;
    /** The leaf's private key (`tls.key`, SEC1 "EC PRIVATE KEY", which ECK parses), a Pulumi secret. */
    readonly keyPem: pulumi.Output<string>;
}

/**
 * A CA and a leaf for `service`, as children of `opts.parent` on the TLS provider `opts.provider`.
 * ECDSA P-256 throughout: Elasticsearch, ECK, Go (Grafana, the exporter), OpenSSL (Fluent Bit, curl)
 * and Node (Kibana) all accept it, and ECK rejects PKCS#8 EC keys, so the leaf key is SEC1.
 */
export function issueHttpCertificate(
    name: string,
    args: HttpCertificateArgs,
    opts: { parent: pulumi.Resource; provider: pulumi.ProviderResource },
): HttpCertificate {
    const child = (protect: boolean, secrets: string[] = []): pulumi.CustomResourceOptions => ({
        parent: opts.parent,
        provider: opts.provider,
        protect,
        additionalSecretOutputs: secrets,
    });
    const subject = (commonName: string) => ({
        organization: "mesh-platform",
        organizationalUnit: args.clusterName,
        commonName,
    });

    const caKey = new tls.PrivateKey(`${name}-ca-key`, KEY, child(args.protect, KEY_SECRETS));
    const ca = new tls.SelfSignedCert(
        `${name}-ca`,
        {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            setSubjectKeyId: true,
            validityPeriodHours: ES_CA_VALIDITY_HOURS,
            allowedUses: ["cert_signing", "crl_signing"],
            subject: subject(`${args.clusterName} ${args.purpose} CA`),
        },
        child(args.protect),
    );

    // The leaf is not protected: re-issuing it from the protected CA is harmless, and early renewal
    // replaces it on schedule.
    const key = new tls.PrivateKey(`${name}-key`, KEY, child(false, KEY_SECRETS));
    const dnsNames = serviceDnsNames(args.service, args.namespace);
    const csr = new tls.CertRequest(
        `${name}-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: subject(dnsNames[2]),
            dnsNames,
        },
        child(false),
    );
    const cert = new tls.LocallySignedCert(
        `${name}-cert`,
        {
            certRequestPem: csr.certRequestPem,
            caCertPem: ca.certPem,
            caPrivateKeyPem: caKey.privateKeyPem,
            validityPeriodHours: ES_CERT_VALIDITY_HOURS,
            earlyRenewalHours: ES_CERT_EARLY_RENEWAL_HOURS,
            allowedUses: ["digital_signature", "server_auth"],
        },
        child(false),
    );

    return {
        caCertPem: ca.certPem,
        caDigest: ca.certPem.apply((pem) => crypto.createHash("sha256").update(pem).digest("hex")),
        certPem: cert.certPem,
        keyPem: pulumi.secret(key.privateKeyPem),
    };
}
