/**
 * The mesh's one root of trust: a root CA per configured generation (all trusted, the last one signs)
 * and an intermediate CA per cluster signed by it. Istio's plug-in CA reads the result from each
 * cluster's `istio-system/cacerts` secret (see ./cluster.ts). Rotation is configuration: see
 * docs/ca-rotation.md.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ISTIO_NAMESPACE } from "../constants";

/** Root lifetime: one year in service (guide: yearly rotation) plus one year of slack to rotate. */
export const ROOT_VALIDITY_HOURS = 2 * 365 * 24;
/** Intermediates live a year and are re-issued 30 days before expiry (guide: alert 30 days before). */
export const INTERMEDIATE_VALIDITY_HOURS = 365 * 24;
export const INTERMEDIATE_EARLY_RENEWAL_HOURS = 30 * 24;
const KEY = { algorithm: "RSA", rsaBits: 4096 } as const;
const KEY_SECRETS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"];

export interface MeshTrustArgs {
    /** Mesh id, used in the certificates' subjects. */
    readonly meshId: string;
    /** Root generations, all trusted; the last one signs the intermediates. */
    readonly generations: readonly string[];
    /**
     * Root generations kept (their keys and certificates stay in state, protected like the others) but no
     * longer trusted: the last step of a rotation retires the old root instead of deleting it, so no
     * state surgery is needed and a rollback can trust it again. Disjoint from `generations`.
     * @default []
     */
    readonly retiredGenerations?: readonly string[];
    /** Cluster names that get an intermediate CA. */
    readonly clusters: readonly string[];
    /**
     * Protect the root keys and certificates against deletion.
     * @default true
     */
    readonly protect?: boolean;
}

/** What a cluster's `cacerts` secret holds (PEM). */
export interface ClusterCa {
    /** Intermediate certificate (`ca-cert.pem`). */
    readonly certPem: pulumi.Output<string>;
    /** Intermediate private key (`ca-key.pem`), a Pulumi secret. */
    readonly keyPem: pulumi.Output<string>;
    /** Every trusted root, the signing root first (`root-cert.pem`). */
    readonly rootBundlePem: pulumi.Output<string>;
    /** Intermediate then signing root (`cert-chain.pem`). */
    readonly certChainPem: pulumi.Output<string>;
    /** SHA-256 of the public CA material (bundle + intermediate): changes whenever istiod must reload. */
    readonly digest: pulumi.Output<string>;
    /** The generations in `root-cert.pem`, the signing one first (plain data: policies and checks read it). */
    readonly trustedGenerations: readonly string[];
    /** The generation whose root signed `ca-cert.pem`. */
    readonly signingGeneration: string;
}

export class MeshTrust extends pulumi.ComponentResource {
    readonly signingGeneration: string;
    readonly rootBundlePem: pulumi.Output<string>;
    readonly clusters: Readonly<Record<string, ClusterCa>>;
    /** JSON of every root and intermediate with keys (a Pulumi secret), for the encrypted backup. */
    readonly material: pulumi.Output<string>;

    constructor(name: string, args: MeshTrustArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:Trust", name, {}, opts);
        if (args.generations.length === 0) {
            throw new Error(
                `MeshTrust ${name}: args.generations needs at least one root CA generation (got [])`,
            );
        }
        if (new Set(args.generations).size !== args.generations.length) {
            throw new Error(
                `MeshTrust ${name}: args.generations must be unique (got ${JSON.stringify(args.generations)})`,
            );
        }
        const retired = args.retiredGenerations ?? [];
        retired.forEach((g, i) => {
            if (args.generations.includes(g) || retired.indexOf(g) !== i)
                throw new Error(
                    `MeshTrust ${name}: args.retiredGenerations[${i}] "${g}" is trusted or listed twice; a retired root is in neither args.generations nor listed again`,
                );
        });
        const protectRoots = args.protect ?? true;
        const provider = new tls.Provider(`${name}-tls`, {}, { parent: this });
        const child = (protect: boolean, secrets: string[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider,
            protect,
            additionalSecretOutputs: secrets,
        });

        const declareRoot = (generation: string) => {
            const key = new tls.PrivateKey(
                `${name}-root-${generation}-key`,
                KEY,
                child(protectRoots, KEY_SECRETS),
            );
            const cert = new tls.SelfSignedCert(
                `${name}-root-${generation}`,
                {
                    privateKeyPem: key.privateKeyPem,
                    isCaCertificate: true,
                    setSubjectKeyId: true,
                    validityPeriodHours: ROOT_VALIDITY_HOURS,
                    allowedUses: ["cert_signing", "crl_signing"],
                    subject: {
                        organization: args.meshId,
                        commonName: `${args.meshId} root CA ${generation}`,
                    },
                },
                child(protectRoots),
            );
            return { generation, key, cert };
        };
        const roots = args.generations.map(declareRoot);
        const retiredRoots = retired.map(declareRoot);
        const signing = roots[roots.length - 1];
        this.signingGeneration = signing.generation;
        const ordered = [signing, ...roots.filter((r) => r !== signing)];
        this.rootBundlePem = pulumi
            .all(ordered.map((r) => r.cert.certPem))
            .apply((pems) => pems.map(endWithNewline).join(""));

        const clusters: Record<string, ClusterCa> = {};
        const intermediates = args.clusters.map((cluster) => {
            // Intermediates are not protected: re-issuing one from the protected root is harmless, and
            // early renewal replaces them on schedule.
            const key = new tls.PrivateKey(
                `${name}-${cluster}-ca-key`,
                KEY,
                child(false, KEY_SECRETS),
            );
            const csr = new tls.CertRequest(
                `${name}-${cluster}-ca-csr`,
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: {
                        organization: args.meshId,
                        organizationalUnit: cluster,
                        commonName: `${args.meshId} ${cluster} intermediate CA`,
                    },
                    dnsNames: [`istiod.${ISTIO_NAMESPACE}.svc`],
                },
                child(false),
            );
            const cert = new tls.LocallySignedCert(
                `${name}-${cluster}-ca`,
                {
                    certRequestPem: csr.certRequestPem,
                    caCertPem: signing.cert.certPem,
                    caPrivateKeyPem: signing.key.privateKeyPem,
                    isCaCertificate: true,
                    // Subject Key Identifier on the intermediate: chain building and the authority key id
                    // of every workload certificate istiod issues refer to it.
                    setSubjectKeyId: true,
                    maxPathLength: 0,
                    validityPeriodHours: INTERMEDIATE_VALIDITY_HOURS,
                    earlyRenewalHours: INTERMEDIATE_EARLY_RENEWAL_HOURS,
                    allowedUses: [
                        "cert_signing",
                        "crl_signing",
                        "digital_signature",
                        "key_encipherment",
                    ],
                },
                child(false),
            );
            const certChainPem = pulumi
                .all([cert.certPem, signing.cert.certPem])
                .apply(([c, r]) => endWithNewline(c) + endWithNewline(r));
            clusters[cluster] = {
                certPem: cert.certPem,
                keyPem: pulumi.secret(key.privateKeyPem),
                rootBundlePem: this.rootBundlePem,
                certChainPem,
                digest: pulumi
                    .all([this.rootBundlePem, cert.certPem])
                    .apply(([b, c]) =>
                        crypto.createHash("sha256").update(b).update(c).digest("hex"),
                    ),
                trustedGenerations: ordered.map((r) => r.generation),
                signingGeneration: signing.generation,
            };
            return { cluster, key, cert, certChainPem };
        });
        this.clusters = clusters;

        this.material = pulumi.secret(
            pulumi
                .all({
                    roots: pulumi.all(
                        [...roots, ...retiredRoots].map((r) =>
                            pulumi.all({
                                generation: r.generation,
                                signing: r === signing,
                                trusted: roots.includes(r),
                                certPem: r.cert.certPem,
                                keyPem: r.key.privateKeyPem,
                            }),
                        ),
                    ),
                    intermediates: pulumi.all(
                        intermediates.map((i) =>
                            pulumi.all({
                                cluster: i.cluster,
                                certPem: i.cert.certPem,
                                keyPem: i.key.privateKeyPem,
                                certChainPem: i.certChainPem,
                            }),
                        ),
                    ),
                })
                .apply((m) => JSON.stringify(m)),
        );

        this.registerOutputs({
            signingGeneration: this.signingGeneration,
            rootBundlePem: this.rootBundlePem,
            material: this.material,
        });
    }
}

function endWithNewline(pem: string): string {
    return pem.endsWith("\n") ? pem : `${pem}\n`;
}
