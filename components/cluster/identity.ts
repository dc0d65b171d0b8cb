/**
 * Workload identity: give one Kubernetes service account a cloud identity, the same way on both clouds.
 *
 * API (used by the cluster area itself and by cert-manager, Velero, the AWS Load Balancer Controller,
 * the EBS CSI driver, ...):
 *
 * ```ts
 * import { WorkloadIdentity } from "../cluster/identity";
 *
 * const id = new WorkloadIdentity(`${cluster.name}-velero`, {
 *     cluster,                                  // a ClusterInfo (or the subset in IdentityCluster)
 *     namespace: "velero",
 *     serviceAccount: "velero",
 *     aws: { policy: { Version: "2012-10-17", Statement: [...] } },   // inline policy, and/or
 *     // aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/..."] },
 *     gcp: { roles: ["roles/storage.objectAdmin"] },                  // project-level roles
 * }, { parent: this });
 *
 * // Put these on the ServiceAccount (Helm values `serviceAccount.annotations`):
 * id.annotations   // Output<{ "eks.amazonaws.com/role-arn": ... }> or { "iam.gke.io/gcp-service-account": ... }
 * id.roleArn       // AWS only: the IAM role ARN
 * id.gcpServiceAccountEmail // GCP only
 * ```
 *
 * - AWS (IRSA): an IAM role whose trust policy allows `sts:AssumeRoleWithWebIdentity` from the
 *   cluster's IAM OIDC provider only for `system:serviceaccount:<namespace>:<serviceAccount>` (`sub`)
 *   with audience `sts.amazonaws.com` (`aud`), plus the inline policy and managed policy attachments.
 * - GCP (Workload Identity): a Google service account, `roles/iam.workloadIdentityUser` on it for
 *   `serviceAccount:<pool>[<namespace>/<serviceAccount>]`, and the given project roles.
 * - The cloud section for the other cloud is ignored, so callers can pass both and stay cloud-agnostic.
 *   A cluster of a cloud whose section is missing gets an identity with no permissions.
 * - Every child uses the cluster's own cloud provider (its region); AWS children carry `cluster.tags`.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { EksClusterInfo, GkeClusterInfo } from "../types";

/** The part of a ClusterInfo the helper needs (a cluster component can call it before it has a ClusterInfo). */
export type IdentityCluster =
    | Pick<EksClusterInfo, "name" | "cloud" | "tags" | "oidcIssuer" | "oidcProviderArn" | "awsProvider">
    | Pick<GkeClusterInfo, "name" | "cloud" | "tags" | "workloadIdentityPool" | "gcpProvider">;

export interface WorkloadIdentityArgs {
    readonly cluster: IdentityCluster;
    /** Namespace of the Kubernetes service account. */
    readonly namespace: string;
    /** Name of the Kubernetes service account. */
    readonly serviceAccount: string;
    readonly aws?: {
        /** Inline IAM policy of the role: a policy document object or its JSON. */
        readonly policy?: aws.iam.PolicyDocument | pulumi.Input<string>;
        /** Managed policies attached to the role. */
        readonly managedPolicyArns?: readonly string[];
    };
    readonly gcp?: {
        /** Project-level roles granted to the Google service account, e.g. `roles/storage.objectAdmin`. */
        readonly roles?: readonly string[];
        /** Google service account id (6-30 chars). @default derived from the component name */
        readonly accountId?: string;
    };
}

export const ANNOTATION_AWS_ROLE = "eks.amazonaws.com/role-arn";
export const ANNOTATION_GCP_SA = "iam.gke.io/gcp-service-account";

/** The IRSA trust policy for one service account (pure, exported for tests and reuse). */
export function irsaTrustPolicy(oidcProviderArn: string, oidcIssuer: string, namespace: string, serviceAccount: string): string {
    const issuer = oidcIssuer.replace(/^https:\/\//, "");
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: oidcProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                },
            },
        }],
    });
}

/** A valid Google service account id from any name: [a-z][a-z0-9-]{4,28}[a-z0-9], hashed when too long. */
export function gcpAccountId(name: string): string {
    let id = name.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "");
    if (id.length > 30) {
        const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 6);
        id = `${id.slice(0, 23).replace(/-+$/, "")}-${hash}`;
    }
    while (id.length < 6) id = `${id}-sa`.replace(/^-/, "");
    return id;
}

export class WorkloadIdentity extends pulumi.ComponentResource {
    /** Annotations for the Kubernetes ServiceAccount. */
    readonly annotations: pulumi.Output<Record<string, string>>;
    readonly roleArn?: pulumi.Output<string>;
    readonly gcpServiceAccountEmail?: pulumi.Output<string>;

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:cluster:WorkloadIdentity", name, {}, opts);
        const { cluster, namespace, serviceAccount } = args;
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || !/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(serviceAccount)) {
            throw new Error(`WorkloadIdentity ${name}: namespace "${namespace}" and serviceAccount "${serviceAccount}" must be Kubernetes names`);
        }

        if (cluster.cloud === "aws") {
            if (!cluster.awsProvider || !cluster.oidcProviderArn || !cluster.oidcIssuer) {
                throw new Error(`WorkloadIdentity ${name}: cluster ${cluster.name} has no AWS provider or IAM OIDC provider`);
            }
            const provider = cluster.awsProvider;
            const role = new aws.iam.Role(`${name}-role`, {
                description: `IRSA role for ${namespace}/${serviceAccount} in cluster ${cluster.name}`,
                assumeRolePolicy: pulumi.all([cluster.oidcProviderArn, cluster.oidcIssuer])
                    .apply(([arn, issuer]) => irsaTrustPolicy(arn, issuer, namespace, serviceAccount)),
                tags: cluster.tags,
            }, { parent: this, provider });
            const policy = args.aws?.policy;
            if (policy !== undefined) {
                new aws.iam.RolePolicy(`${name}-policy`, {
                    role: role.name,
                    policy: typeof policy === "object" && !pulumi.Output.isInstance(policy) && !(policy instanceof Promise)
                        ? JSON.stringify(policy)
                        : (policy as pulumi.Input<string>),
                }, { parent: this, provider });
            }
            (args.aws?.managedPolicyArns ?? []).forEach((policyArn, i) => {
                new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: role.name, policyArn }, { parent: this, provider });
            });
            this.roleArn = role.arn;
            this.annotations = role.arn.apply((arn): Record<string, string> => ({ [ANNOTATION_AWS_ROLE]: arn }));
        } else {
            if (!cluster.gcpProvider || !cluster.workloadIdentityPool) {
                throw new Error(`WorkloadIdentity ${name}: cluster ${cluster.name} has no GCP provider or workload identity pool`);
            }
            const provider = cluster.gcpProvider;
            const pool = cluster.workloadIdentityPool;
            const project = pool.apply((p) => p.replace(/\.svc\.id\.goog$/, ""));
            const account = new gcp.serviceaccount.Account(`${name}-gsa`, {
                accountId: args.gcp?.accountId ?? gcpAccountId(name),
                displayName: `${namespace}/${serviceAccount} in ${cluster.name}`,
                project,
            }, { parent: this, provider });
            new gcp.serviceaccount.IAMMember(`${name}-wi-user`, {
                serviceAccountId: account.name,
                role: "roles/iam.workloadIdentityUser",
                member: pulumi.interpolate`serviceAccount:${pool}[${namespace}/${serviceAccount}]`,
            }, { parent: this, provider });
            (args.gcp?.roles ?? []).forEach((role) => {
                new gcp.projects.IAMMember(`${name}-${role.replace(/^roles\//, "").replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`, {
                    project,
                    role,
                    member: pulumi.interpolate`serviceAccount:${account.email}`,
                }, { parent: this, provider });
            });
            this.gcpServiceAccountEmail = account.email;
            this.annotations = account.email.apply((email): Record<string, string> => ({ [ANNOTATION_GCP_SA]: email }));
        }
        this.registerOutputs({ annotations: this.annotations, roleArn: this.roleArn, gcpServiceAccountEmail: this.gcpServiceAccountEmail });
    }
}
