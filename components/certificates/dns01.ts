/**
 * DNS-01 challenges: where cert-manager writes the `_acme-challenge` TXT records, the solver block of a
 * ClusterIssuer for it, and the least IAM that Route 53 needs. The credentials are the cluster's own
 * workload identity (IRSA on EKS, workload identity on GKE), so a cluster can only write to DNS in its
 * own cloud.
 */
import type * as aws from "@pulumi/aws";
import type { Cloud } from "../types";

/** Where DNS-01 challenge records are written. */
export type Dns01Target =
    | {
          readonly provider: "route53";
          /** The Route 53 hosted zone id (`Z0123456789EXAMPLE`). */
          readonly hostedZoneId: string;
          /** The AWS region cert-manager calls Route 53 from (the cluster's region). */
          readonly region: string;
      }
    | {
          readonly provider: "clouddns";
          /** The GCP project holding the managed zone. */
          readonly project: string;
          /** The Cloud DNS managed zone name (`example-com`). */
          readonly managedZone: string;
      };

/** The cloud whose workload identity can write to each DNS provider. */
export const DNS01_CLOUD: Readonly<Record<Dns01Target["provider"], Cloud>> = {
    route53: "aws",
    clouddns: "gcp",
};

/** The `dns01` block of an ACME solver for `target`. */
export function dns01Solver(target: Dns01Target): Record<string, unknown> {
    if (target.provider === "route53") {
        // No accessKeyID/secret: cert-manager uses the ambient IRSA credentials of its service account
        // (ClusterIssuers may use ambient credentials by default).
        return { route53: { region: target.region, hostedZoneID: target.hostedZoneId } };
    }
    // No serviceAccountSecretRef: GKE workload identity supplies the Google service account.
    return { cloudDNS: { project: target.project, hostedZoneName: target.managedZone } };
}

/** The IAM policy cert-manager needs to answer DNS-01 challenges in one hosted zone (TXT records only). */
export function route53Policy(hostedZoneId: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: "route53:GetChange",
                Resource: "arn:aws:route53:::change/*",
            },
            {
                Effect: "Allow",
                Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}`,
                Condition: {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                    },
                },
            },
            { Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
        ],
    };
}
