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
    | Pick<
          EksClusterInfo,
          "name" | "cloud" | "tags" | "oidcIssuer" | "oidcProviderArn" | "awsProvider"
      >
    | Pick<GkeClusterInfo, "name" | "cloud" | "tags" | "workloadIdentityPool" | "gcpProvider">;

export interface WorkloadIdentityArgs {
    /** The cluster whose service account gets the identity: its cloud decides which section applies. */
    readonly cluster: IdentityCluster;
    /** Namespace of the Kubernetes service account (a Kubernetes name). */
    readonly namespace: string;
    /** Name of the Kubernetes service account (a Kubernetes name). */
    readonly serviceAccount: string;
    /**
     * Permissions on AWS (IRSA); ignored on a GCP cluster.
     * @default no section: on AWS the role has no permissions
     */
    readonly aws?: {
        /**
         * Inline IAM policy of the role: a policy document object or its JSON.
         * @default no inline policy
         */
        readonly policy?: aws.iam.PolicyDocument | pulumi.Input<string>;
        /**
         * Managed policies attached to the role, each at most once. The attachments are named after the
         * policy (see `policyAttachmentName`), so the order of the list does not matter.
         * @default [] (no attachments)
         */
        readonly managedPolicyArns?: readonly string[];
    };
    /**
     * Permissions on GCP (Workload Identity); ignored on an AWS cluster.
     * @default no section: on GCP the Google service account has no project roles
     */
    readonly gcp?: {
        /**
         * Project-level roles granted to the Google service account, e.g. `roles/storage.objectAdmin`.
         * @default [] (no project roles)
         */
        readonly roles?: readonly string[];
        /** Google service account id (6-30 chars). @default derived from the component name (`gcpAccountId(name)`) */
        readonly accountId?: string;
    };
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const K8S_SUBDOMAIN = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

export const ANNOTATION_AWS_ROLE = "eks.amazonaws.com/role-arn";
export const ANNOTATION_GCP_SA = "iam.gke.io/gcp-service-account";

/** The IRSA trust policy for one service account (pure, exported for tests and reuse). */
export function irsaTrustPolicy(
    oidcProviderArn: string,
    oidcIssuer: string,
    namespace: string,
    serviceAccount: string,
): string {
    return irsaTrustPolicyFor(oidcProviderArn, oidcIssuer, [{ namespace, name: serviceAccount }]);
}

/**
 * The IRSA trust policy for the given service accounts of one cluster: `sub` is the one account (a
 * string) or any of several (a list), `aud` is sts.amazonaws.com.
 */
export function irsaTrustPolicyFor(
    oidcProviderArn: string,
    oidcIssuer: string,
    accounts: readonly { readonly namespace: string; readonly name: string }[],
): string {
    const issuer = oidcIssuer.replace(/^https:\/\//, "");
    const subjects = accounts.map((a) => `system:serviceaccount:${a.namespace}:${a.name}`);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    });
}

/** A valid Google service account id from any name: [a-z][a-z0-9-]{4,28}[a-z0-9], hashed when too long. */
export function gcpAccountId(name: string): string {
    let id = name
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+/, "")
        .replace(/-+$/, "");
    if (id.length > 30) {
        const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 6);
        id = `${id.slice(0, 23).replace(/-+$/, "")}-${hash}`;
    }
    while (id.length < 6) id = `${id}-sa`.replace(/^-/, "");
    return id;
}

/** A managed IAM policy ARN: `arn:<partition>:iam::<account or "aws">:policy/<path/><name>`. */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

/**
 * Logical-name suffix of the attachment of one managed policy: a slug of the policy name (readable in
 * plans) and 8 hex digits of the SHA-256 of the whole ARN. The slug alone could collide (the same name
 * under another path, account or partition, or names differing only in case or `_` vs `-`); the hash
 * cannot, so the suffix depends on the ARN alone, never on the policy's position in a list.
 * `arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy` -> `amazoneks-cni-policy-<hash>`.
 */
export function policyAttachmentSuffix(policyArn: string): string {
    const m = POLICY_ARN.exec(policyArn);
    if (!m) throw new Error(`not a managed IAM policy ARN: ${policyArn}`);
    const slug = m[2]
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
    const hash = crypto.createHash("sha256").update(policyArn).digest("hex").slice(0, 8);
    return `${slug || "policy"}-${hash}`;
}

/** One managed policy attachment: its logical name, keyed by the ARN, and the index-based name it replaces. */
export interface PolicyAttachmentName {
    readonly policyArn: string;
    /** `<prefix>-<policyAttachmentSuffix(policyArn)>`. */
    readonly name: string;
    /** `<prefix>-<index>`: the name the attachment had when attachments were named by list position. */
    readonly alias: string;
}

/**
 * Names of the attachments of `policyArns` under `prefix`, and the alias that moves each one over from
 * its old index-based name (`<prefix>-<i>`) in a live stack without a detach and re-attach.
 *
 * The alias is computed from the position the ARN has in the list now. That reproduces the old URN
 * exactly on the first deploy after the rename, as long as the list is not reordered in that same
 * deploy: the state then holds `<prefix>-<i>` for the i-th ARN, and the engine renames it in place.
 * After that deploy no index-named attachment is left in the state, so a later reorder makes some
 * aliases point at names that no longer exist, which Pulumi ignores (an alias only matters when a
 * resource under the old URN is in the state). Reordering in the very deploy that applies the rename
 * would alias ARN X to the old resource of ARN Y: the engine would then see a changed `policyArn` and
 * replace that attachment (a detach and re-attach, as the index naming did on every reorder), so do not
 * reorder and rename at once. The aliases can be dropped once every stack has been deployed with the
 * new names. An alias never equals a new name: new names end in `<slug>-<8 hex>`, old ones in digits only,
 * and the slug is never empty.
 */
export function policyAttachmentNames(
    prefix: string,
    policyArns: readonly string[],
): PolicyAttachmentName[] {
    return policyArns.map((policyArn, i) => ({
        policyArn,
        name: `${prefix}-${policyAttachmentSuffix(policyArn)}`,
        alias: `${prefix}-${i}`,
    }));
}

/** Problems of a managed policy list (arg path `path`): not an ARN, or listed twice. [] when valid. */
export function policyArnProblems(path: string, policyArns: readonly string[]): string[] {
    return policyArns.flatMap((arn, i) => {
        if (!POLICY_ARN.test(arn))
            return [
                `${path}[${i}] "${arn}" is not a managed IAM policy ARN (arn:aws:iam::<account|aws>:policy/<name>)`,
            ];
        const first = policyArns.indexOf(arn);
        return first < i
            ? [`${path}[${i}] "${arn}" repeats ${path}[${first}]; attach each policy once`]
            : [];
    });
}

export class WorkloadIdentity extends pulumi.ComponentResource {
    /** Annotations for the Kubernetes ServiceAccount. */
    readonly annotations: pulumi.Output<Record<string, string>>;
    readonly roleArn?: pulumi.Output<string>;
    readonly gcpServiceAccountEmail?: pulumi.Output<string>;

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:cluster:WorkloadIdentity", name, {}, opts);
        const { cluster, namespace, serviceAccount } = args;
        const problems = [
            ...(K8S_NAME.test(namespace)
                ? []
                : [
                      `args.namespace "${namespace}" is not a Kubernetes name (lower-case alphanumerics and "-")`,
                  ]),
            ...(K8S_SUBDOMAIN.test(serviceAccount)
                ? []
                : [
                      `args.serviceAccount "${serviceAccount}" is not a Kubernetes name (lower-case alphanumerics, "-" and ".")`,
                  ]),
            ...policyArnProblems("args.aws.managedPolicyArns", args.aws?.managedPolicyArns ?? []),
            ...(args.gcp?.accountId === undefined ||
            /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(args.gcp.accountId)
                ? []
                : [
                      `args.gcp.accountId "${args.gcp.accountId}" is not a Google service account id ([a-z][a-z0-9-]{4,28}[a-z0-9])`,
                  ]),
        ];
        if (problems.length > 0)
            throw new Error(`WorkloadIdentity ${name}: ${problems.join("; ")}`);

        if (cluster.cloud === "aws") {
            if (!cluster.awsProvider || !cluster.oidcProviderArn || !cluster.oidcIssuer) {
                throw new Error(
                    `WorkloadIdentity ${name}: cluster ${cluster.name} has no AWS provider or IAM OIDC provider`,
                );
            }
            const provider = cluster.awsProvider;
            const role = new aws.iam.Role(
                `${name}-role`,
                {
                    description: `IRSA role for ${namespace}/${serviceAccount} in cluster ${cluster.name}`,
                    assumeRolePolicy: pulumi
                        .all([cluster.oidcProviderArn, cluster.oidcIssuer])
                        .apply(([arn, issuer]) =>
                            irsaTrustPolicy(arn, issuer, namespace, serviceAccount),
                        ),
                    tags: cluster.tags,
                },
                { parent: this, provider },
            );
            const policy = args.aws?.policy;
            if (policy !== undefined) {
                new aws.iam.RolePolicy(
                    `${name}-policy`,
                    {
                        role: role.name,
                        policy:
                            typeof policy === "object" &&
                            !pulumi.Output.isInstance(policy) &&
                            !(policy instanceof Promise)
                                ? JSON.stringify(policy)
                                : policy,
                    },
                    { parent: this, provider },
                );
            }
            // Named by ARN (reordering the list changes nothing); the alias carries over the old index name.
            for (const a of policyAttachmentNames(
                `${name}-managed`,
                args.aws?.managedPolicyArns ?? [],
            )) {
                new aws.iam.RolePolicyAttachment(
                    a.name,
                    { role: role.name, policyArn: a.policyArn },
                    { parent: this, provider, aliases: [{ name: a.alias }] },
                );
            }
            this.roleArn = role.arn;
            this.annotations = role.arn.apply((arn): Record<string, string> => ({
                [ANNOTATION_AWS_ROLE]: arn,
            }));
        } else {
            if (!cluster.gcpProvider || !cluster.workloadIdentityPool) {
                throw new Error(
                    `WorkloadIdentity ${name}: cluster ${cluster.name} has no GCP provider or workload identity pool`,
                );
            }
            const provider = cluster.gcpProvider;
            const pool = cluster.workloadIdentityPool;
            const project = pool.apply((p) => p.replace(/\.svc\.id\.goog$/, ""));
            const account = new gcp.serviceaccount.Account(
                `${name}-gsa`,
                {
                    accountId: args.gcp?.accountId ?? gcpAccountId(name),
                    displayName: `${namespace}/${serviceAccount} in ${cluster.name}`,
                    project,
                },
                { parent: this, provider },
            );
            new gcp.serviceaccount.IAMMember(
                `${name}-wi-user`,
                {
                    serviceAccountId: account.name,
                    role: "roles/iam.workloadIdentityUser",
                    member: pulumi.interpolate`serviceAccount:${pool}[${namespace}/${serviceAccount}]`,
                },
                { parent: this, provider },
            );
            (args.gcp?.roles ?? []).forEach((role) => {
                new gcp.projects.IAMMember(
                    `${name}-${role
                        .replace(/^roles\//, "")
                        .replace(/[^A-Za-z0-9]+/g, "-")
                        .toLowerCase()}`,
                    {
                        project,
                        role,
                        member: pulumi.interpolate`serviceAccount:${account.email}`,
                    },
                    { parent: this, provider },
                );
            });
            this.gcpServiceAccountEmail = account.email;
            this.annotations = account.email.apply((email): Record<string, string> => ({
                [ANNOTATION_GCP_SA]: email,
            }));
        }
        this.registerOutputs({
            annotations: this.annotations,
            roleArn: this.roleArn,
            gcpServiceAccountEmail: this.gcpServiceAccountEmail,
        });
    }
}
