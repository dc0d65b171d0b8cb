/**
 * cert-manager in one cluster: the jetstack chart (with its CRDs), a cloud identity for DNS-01 (IRSA on
 * EKS, workload identity on GKE), the Let's Encrypt staging and production ClusterIssuers, and the
 * ingress gateway Certificate (renewed 30 days before expiry).
 *
 * Both clusters of a stack request the same hostnames independently, so each region keeps serving TLS
 * when the other is gone. Both write TXT values under the same `_acme-challenge` name: cert-manager
 * v1.21's Route 53 and Cloud DNS solvers add their value to the record set and remove only their own
 * on cleanup (multi-value records), so two concurrent orders do not overwrite each other. The 30-day
 * renewal margin is for an issuer outage, not for a race.
 */
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import { CERT_MANAGER_NAMESPACE, GATEWAY_NAMESPACE } from "../constants";
import { WorkloadIdentity } from "../cluster/identity";
import { CHARTS, fixedNamespace, pinnedRelease } from "../observability/charts";
import { ArgProblems, EMAIL, K8S_NAME } from "../observability/validate";
import { DNS01_CLOUD, Dns01Target, route53Policy } from "./dns01";
import {
    clusterIssuer,
    ingressCertificate,
    inZone,
    ISSUER_NAMES,
    IssuerName,
    Manifest,
} from "./manifests";

/** The chart's controller service account (fixed so the cloud identity can trust exactly it). */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";

/** Replicas of the controller, webhook and cainjector when CertManagerArgs.replicas is not given. */
export const DEFAULT_CERT_MANAGER_REPLICAS = 2;

export interface CertManagerArgs {
    /**
     * The cluster to install into: its Kubernetes provider and readiness, and the cloud identity
     * (IRSA on EKS, workload identity on GKE) that answers DNS-01 challenges.
     */
    readonly cluster: ClusterInfo;
    /** Where challenge records are written; the provider must be the cluster's own cloud (route53 on EKS, clouddns on GKE). */
    readonly dns01: Dns01Target;
    /** The DNS zone the issuers solve challenges in (`example.com`); every hostname must be in it. */
    readonly zoneName: string;
    /** ACME account email (Let's Encrypt expiry notices). */
    readonly acmeEmail: string;
    /** Names on the ingress certificate (at least one), each in `zoneName` (a wildcard `*.name` too). */
    readonly hostnames: readonly string[];
    /** The ClusterIssuer that signs the ingress certificate (both issuers always exist). */
    readonly issuer: IssuerName;
    /** The TLS secret the ingress certificate is written to: the ingress gateway's `credentialName`. */
    readonly tlsSecretName: string;
    /**
     * Namespace of the ingress gateway, where the Certificate and its secret live.
     * @default GATEWAY_NAMESPACE (`istio-gateways`)
     */
    readonly gatewayNamespace?: string;
    /**
     * Replicas of the cert-manager controller, webhook and cainjector; with more than one, a
     * PodDisruptionBudget keeps one available.
     * @default 2
     */
    readonly replicas?: number;
    /**
     * Resources the ingress Certificate waits for besides the issuers (the gateway namespace at least).
     * @default none
     */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Throw naming every bad arg (each message starts with `args.<path>`). */
function checkArgs(
    name: string,
    args: CertManagerArgs,
    replicas: number,
    gatewayNamespace: string,
): void {
    const { cluster, dns01, zoneName } = args;
    const problems = new ArgProblems(`CertManager ${name}`);
    const needs = DNS01_CLOUD[dns01.provider];
    problems.check(
        needs === cluster.cloud,
        `args.dns01.provider "${dns01.provider}" cannot be written by cert-manager in ${cluster.cloud} cluster ${cluster.name}: ` +
            `its workload identity only reaches its own cloud (allowed for ${cluster.cloud} clusters: ${cluster.cloud === "aws" ? "route53" : "clouddns"})`,
    );
    if (dns01.provider === "route53") {
        problems.check(dns01.hostedZoneId.length > 0, "args.dns01.hostedZoneId must not be empty");
        problems.check(dns01.region.length > 0, "args.dns01.region must not be empty");
    } else {
        problems.check(dns01.project.length > 0, "args.dns01.project must not be empty");
        problems.check(dns01.managedZone.length > 0, "args.dns01.managedZone must not be empty");
    }
    problems.check(
        args.hostnames.length > 0,
        "args.hostnames must name at least one hostname (got [])",
    );
    args.hostnames.forEach((h, i) =>
        problems.check(
            inZone(h, zoneName),
            `args.hostnames[${i}] "${h}" is outside args.zoneName ${zoneName}; DNS-01 can only prove names in that zone (allowed: ${zoneName} and names ending in .${zoneName})`,
        ),
    );
    problems
        .matches("args.acmeEmail", args.acmeEmail, EMAIL, "an email address")
        .oneOf("args.issuer", args.issuer, ISSUER_NAMES)
        .matches("args.tlsSecretName", args.tlsSecretName, K8S_NAME, "a Kubernetes secret name")
        .matches("args.gatewayNamespace", gatewayNamespace, K8S_NAME, "a Kubernetes namespace name")
        .integer("args.replicas", replicas, 1)
        .throwIfAny();
}

export function certManagerValues(
    replicas: number,
    serviceAccountAnnotations: pulumi.Input<Record<string, string>>,
): Record<string, unknown> {
    return {
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
        // Leader election in its own namespace instead of kube-system (least privilege; works on GKE Autopilot).
        global: { leaderElection: { namespace: CERT_MANAGER_NAMESPACE } },
        serviceAccount: {
            create: true,
            name: CERT_MANAGER_SERVICE_ACCOUNT,
            annotations: serviceAccountAnnotations,
        },
        webhook: { replicaCount: replicas },
        cainjector: { replicaCount: replicas },
        // The metrics Service (port 9402, http-metrics); the observability area's ServiceMonitor scrapes it.
        prometheus: { enabled: true, servicemonitor: { enabled: false } },
    };
}

export class CertManager extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly release: k8s.helm.v3.Release;
    readonly issuers: k8s.apiextensions.CustomResource[];
    readonly certificate: k8s.apiextensions.CustomResource;
    /** The manifests declared (for the offline plan and tests). */
    readonly manifests: Manifest[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:certificates:CertManager", name, {}, opts);
        const { cluster, dns01: target } = args;
        const replicas = args.replicas ?? DEFAULT_CERT_MANAGER_REPLICAS;
        const gatewayNamespace = args.gatewayNamespace ?? GATEWAY_NAMESPACE;
        checkArgs(name, args, replicas, gatewayNamespace);
        const provider = cluster.provider;

        this.namespace = fixedNamespace(
            `${name}-namespace`,
            CERT_MANAGER_NAMESPACE,
            {},
            { parent: this, provider, dependsOn: cluster.ready },
        );

        const identity = new WorkloadIdentity(
            `${name}-dns01`,
            {
                cluster,
                namespace: CERT_MANAGER_NAMESPACE,
                serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
                aws:
                    target.provider === "route53"
                        ? { policy: route53Policy(target.hostedZoneId) }
                        : undefined,
            },
            { parent: this },
        );
        if (target.provider === "clouddns" && cluster.cloud === "gcp") {
            // On the platform's managed zone only, not the project (every zone). Enough because the
            // solver names the zone (hostedZoneName), so cert-manager never lists managed zones.
            new gcp.dns.DnsManagedZoneIamMember(
                `${name}-dns01-zone-dns-admin`,
                {
                    project: target.project,
                    managedZone: target.managedZone,
                    role: "roles/dns.admin",
                    member: pulumi.interpolate`serviceAccount:${identity.gcpServiceAccountEmail!}`,
                },
                { parent: this, provider: cluster.gcpProvider },
            );
        }

        this.release = pinnedRelease(
            `${name}-release`,
            CHARTS.certManager,
            {
                releaseName: "cert-manager",
                namespace: this.namespace.metadata.name,
                values: certManagerValues(replicas, identity.annotations),
            },
            { parent: this, provider, dependsOn: [this.namespace, identity] },
        );

        const issuerManifests = ISSUER_NAMES.map((issuer) =>
            clusterIssuer(issuer, args.acmeEmail, args.zoneName, target),
        );
        this.issuers = issuerManifests.map(
            (m) =>
                new k8s.apiextensions.CustomResource(`${name}-${m.metadata.name}`, m, {
                    parent: this,
                    provider,
                    dependsOn: [this.release],
                }),
        );

        const cert = ingressCertificate({
            hostnames: args.hostnames,
            issuer: args.issuer,
            secretName: args.tlsSecretName,
            namespace: gatewayNamespace,
        });
        this.certificate = new k8s.apiextensions.CustomResource(
            `${name}-ingress-certificate`,
            cert,
            {
                parent: this,
                provider,
                dependsOn: [...this.issuers, ...(args.dependsOn ?? [])],
            },
        );
        this.manifests = [...issuerManifests, cert];

        this.registerOutputs({
            releaseStatus: this.release.status,
            certificate: this.certificate.metadata.name,
        });
    }
}
