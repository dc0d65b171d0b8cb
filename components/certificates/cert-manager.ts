/**
 * cert-manager in one cluster: the jetstack chart (with its CRDs), a cloud identity for DNS-01 (IRSA on
 * EKS, workload identity on GKE), the Let's Encrypt staging and production ClusterIssuers, and the
 * ingress gateway Certificate (renewed 30 days before expiry).
 *
 * Both clusters of a stack request the same hostnames independently, so each region keeps serving TLS
 * when the other is gone. They write the same `_acme-challenge` TXT name; a renewal that races the
 * other cluster's is retried by cert-manager, which is why the certificate renews 30 days early.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { CERT_MANAGER_NAMESPACE } from "../constants";
import { WorkloadIdentity } from "../cluster/identity";
import { CHARTS, fixedNamespace, pinnedRelease } from "../observability/charts";
import { checkHostnames, clusterIssuer, Dns01Target, ingressCertificate, ISSUER_NAMES, Manifest } from "./manifests";

/** The chart's controller service account (fixed so the cloud identity can trust exactly it). */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";

export interface CertManagerArgs {
    readonly cfg: PlatformConfig;
    readonly cluster: ClusterInfo;
    /** The ingress gateway namespace (and anything else) the Certificate must wait for. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The IAM policy cert-manager needs to answer DNS-01 challenges in one hosted zone (TXT records only). */
export function route53Policy(hostedZoneId: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
            {
                Effect: "Allow",
                Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}`,
                Condition: { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] } },
            },
            { Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
        ],
    };
}

/** Where this cluster's cert-manager writes challenge records; the DNS provider must be this cluster's cloud. */
export function dns01Target(cfg: PlatformConfig, cluster: Pick<ClusterInfo, "name" | "cloud" | "cloudRegion">): Dns01Target {
    const provider = cfg.dns.provider;
    const needs = provider === "route53" ? "aws" : "gcp";
    if (cluster.cloud !== needs) {
        throw new Error(`mesh-platform:dns.provider: "${provider}" cannot be written by cert-manager in ${cluster.cloud} cluster ${cluster.name}: ` +
            `its workload identity only reaches its own cloud (allowed for ${cluster.cloud} clusters: ${cluster.cloud === "aws" ? "route53" : "clouddns"})`);
    }
    if (provider === "route53") return { provider, hostedZoneId: cfg.dns.zoneId, region: cluster.cloudRegion };
    if (!cfg.gcpProject) throw new Error("mesh-platform:gcpProject: is required for clouddns DNS-01 challenges (got nothing)");
    return { provider, project: cfg.gcpProject, managedZone: cfg.dns.zoneId };
}

export function certManagerValues(replicas: number, serviceAccountAnnotations: pulumi.Input<Record<string, string>>): Record<string, unknown> {
    return {
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
        // Leader election in its own namespace instead of kube-system (least privilege; works on GKE Autopilot).
        global: { leaderElection: { namespace: CERT_MANAGER_NAMESPACE } },
        serviceAccount: { create: true, name: CERT_MANAGER_SERVICE_ACCOUNT, annotations: serviceAccountAnnotations },
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
        const { cfg, cluster } = args;
        checkHostnames(cfg);
        const target = dns01Target(cfg, cluster);
        const provider = cluster.provider;

        this.namespace = fixedNamespace(`${name}-namespace`, CERT_MANAGER_NAMESPACE, {}, { parent: this, provider, dependsOn: cluster.ready });

        const identity = new WorkloadIdentity(`${name}-dns01`, {
            cluster,
            namespace: CERT_MANAGER_NAMESPACE,
            serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
            aws: target.provider === "route53" ? { policy: route53Policy(target.hostedZoneId) } : undefined,
            gcp: target.provider === "clouddns" ? { roles: ["roles/dns.admin"] } : undefined,
        }, { parent: this });

        this.release = pinnedRelease(`${name}-release`, CHARTS.certManager, {
            releaseName: "cert-manager",
            namespace: this.namespace.metadata.name,
            values: certManagerValues(cfg.profile.minReplicas, identity.annotations),
        }, { parent: this, provider, dependsOn: [this.namespace, identity] });

        const issuerManifests = ISSUER_NAMES.map((issuer) => clusterIssuer(issuer, cfg.certificates.acmeEmail, cfg.dns.zoneName, target));
        this.issuers = issuerManifests.map((m) => new k8s.apiextensions.CustomResource(`${name}-${m.metadata.name}`, m, {
            parent: this, provider, dependsOn: [this.release],
        }));

        const cert = ingressCertificate(cfg);
        this.certificate = new k8s.apiextensions.CustomResource(`${name}-ingress-certificate`, cert, {
            parent: this, provider, dependsOn: [...this.issuers, ...(args.dependsOn ?? [])],
        });
        this.manifests = [...issuerManifests, cert];

        this.registerOutputs({ releaseStatus: this.release.status, certificate: this.certificate.metadata.name });
    }
}
