/**
 * The mesh CA vault: the CA material (roots and intermediates with their private keys) in a store that
 * no cluster identity can reach, in the primary region and replicated to the peer region for recovery.
 *
 * AWS: a Secrets Manager secret in the primary region, replicated to the peer region, encrypted with a
 * dedicated multi-region KMS key (primary key in the primary region, replica key in the peer). The key
 * policies and the secret's resource policy admit only the deployers (the roles that run `pulumi up`)
 * and the break-glass role: the key policies grant nothing to the account root without a condition on
 * `aws:PrincipalArn`, so no IAM policy in the account (an IRSA role of Velero, the LB controller, ...)
 * can use the key, and the secret's policy denies every other principal outright.
 *
 * GCP: a Secret Manager secret with user-managed replication to both regions, each replica encrypted
 * with a customer-managed key in its own region (usable by the Secret Manager service agent only), and
 * an authoritative secret IAM policy with only the deployers and break-glass as accessors.
 *
 * Stateful: `protect` and `retainOnDelete` on the keys, the secret and its value (in prod).
 * Recovery: docs/ca-recovery.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { EksClusterInfo, ClusterInfo, GkeClusterInfo } from "../types";
import { toLabels } from "../types";

/** Rotation period of the GCP CA vault keys (90 days). */
export const CA_VAULT_GCP_KEY_ROTATION = "7776000s";
/** Days a deleted CA secret can still be restored (the Secrets Manager maximum). */
export const CA_VAULT_RECOVERY_WINDOW_DAYS = 30;

export interface CaVaultArgs {
    /** Pulumi secret: the mesh CA material JSON (MeshInfo.caMaterial). */
    readonly material: pulumi.Input<string>;
    /** The primary region's cluster: the vault's home region, provider and tags. */
    readonly home: ClusterInfo;
    /**
     * The peer region's cluster (same cloud): the replica lives there.
     * @default no replica (a single-region stack)
     */
    readonly peer?: ClusterInfo;
    /**
     * Name of the secret: Secrets Manager secret name (AWS) or secret id (GCP; letters, digits, `-`, `_`).
     */
    readonly secretName: string;
    /**
     * Who runs `pulumi up`: IAM role ARNs, `*` allowed as in ArnLike (AWS), or service account emails (GCP).
     */
    readonly deployers: readonly string[];
    /** The break-glass identity: an IAM role ARN (AWS) or a service account email (GCP). */
    readonly breakGlass: string;
    /**
     * `protect` and `retainOnDelete` on the keys, the secret and its value.
     * @default true
     */
    readonly protect?: boolean;
    /**
     * GCP only: the project of the secret and its keys.
     * @default the home cluster's project
     */
    readonly gcpProject?: string;
}

/** Every problem with the args, each naming the arg path; empty when the args are usable. */
export function caVaultProblems(args: CaVaultArgs): string[] {
    const problems: string[] = [];
    if (args.deployers.length === 0)
        problems.push("args.deployers is empty: nobody could deploy or read the CA secret");
    if (args.deployers.includes(args.breakGlass))
        problems.push(`args.breakGlass ${args.breakGlass} is also in args.deployers`);
    if (args.peer && args.peer.cloud !== args.home.cloud)
        problems.push(
            `args.peer ${args.peer.name} (${args.peer.cloud}) is not on the cloud of args.home ${args.home.name} (${args.home.cloud})`,
        );
    if (args.peer && args.peer.cloudRegion === args.home.cloudRegion)
        problems.push(
            `args.peer.cloudRegion ${args.peer.cloudRegion} equals args.home.cloudRegion; the replica needs another region`,
        );
    if (args.home.cloud === "aws") {
        const form = /^arn:aws:iam::\d{12}:role\/\S+$/;
        args.deployers.forEach((d, i) => {
            if (!form.test(d)) problems.push(`args.deployers[${i}] ${d} is not an IAM role ARN`);
        });
        if (!form.test(args.breakGlass) || /[*?]/.test(args.breakGlass))
            problems.push(`args.breakGlass ${args.breakGlass} is not one IAM role ARN`);
    } else {
        const form = /^[^@\s]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/;
        [...args.deployers, args.breakGlass].forEach((d) => {
            if (!form.test(d)) problems.push(`args principal ${d} is not a service account email`);
        });
        if (!/^[A-Za-z0-9_-]{1,255}$/.test(args.secretName))
            problems.push(`args.secretName ${args.secretName} is not a Secret Manager secret id`);
    }
    return problems;
}

/** The account id in an IAM role ARN. */
const accountOf = (roleArn: string): string => roleArn.split(":")[4];

/**
 * Key policy of the CA vault key (primary and replica): deployers administer and use it, break-glass
 * may decrypt and repair the policy; nobody else, whatever their IAM policies say. Each grant names the
 * account root as principal and narrows it with `aws:PrincipalArn` (ArnLike, so deployers may be SSO
 * role patterns and a role that does not exist yet does not make the policy invalid).
 */
export function caVaultKeyPolicy(deployers: readonly string[], breakGlass: string): string {
    const root = `arn:aws:iam::${accountOf(breakGlass)}:root`;
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DeployersAdministerAndUse",
                Effect: "Allow",
                Principal: { AWS: root },
                Action: "kms:*",
                Resource: "*",
                Condition: { ArnLike: { "aws:PrincipalArn": [...deployers] } },
            },
            {
                Sid: "BreakGlassDecryptAndRepair",
                Effect: "Allow",
                Principal: { AWS: root },
                Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"],
                Resource: "*",
                Condition: { ArnEquals: { "aws:PrincipalArn": breakGlass } },
            },
        ],
    });
}

/**
 * Resource policy of the CA secret: deny every Secrets Manager action to any principal that is neither
 * a deployer nor break-glass (an explicit deny beats any identity policy in the account).
 */
export function caVaultSecretPolicy(
    secretArn: string,
    deployers: readonly string[],
    breakGlass: string,
): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OnlyDeployersAndBreakGlass",
                Effect: "Deny",
                Principal: "*",
                Action: "secretsmanager:*",
                Resource: secretArn,
                Condition: {
                    ArnNotLike: { "aws:PrincipalArn": [...deployers, breakGlass] },
                },
            },
        ],
    });
}

export class CaVault extends pulumi.ComponentResource {
    /** AWS: the secret's ARN (primary region); GCP: the secret's resource name. */
    readonly secretId: pulumi.Output<string>;
    /** The secret's name (AWS) or id (GCP), for the recovery commands. */
    readonly secretName: string;
    /** Regions holding a copy (cloud region ids): home first. */
    readonly regions: readonly string[];

    constructor(name: string, args: CaVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:secrets:CaVault", name, {}, opts);
        const problems = caVaultProblems(args);
        if (problems.length > 0) throw new Error(`CaVault ${name}: ${problems.join("; ")}`);
        const protect = args.protect ?? true;
        this.secretName = args.secretName;
        this.regions = [args.home.cloudRegion, ...(args.peer ? [args.peer.cloudRegion] : [])];
        this.secretId =
            args.home.cloud === "aws"
                ? this.aws(name, args, args.home, args.peer as EksClusterInfo | undefined, protect)
                : this.gcp(name, args, args.home, args.peer as GkeClusterInfo | undefined, protect);
        this.registerOutputs({ secretId: this.secretId });
    }

    private aws(
        name: string,
        args: CaVaultArgs,
        home: EksClusterInfo,
        peer: EksClusterInfo | undefined,
        protect: boolean,
    ): pulumi.Output<string> {
        const stateful = { parent: this, protect, retainOnDelete: protect };
        const policy = caVaultKeyPolicy(args.deployers, args.breakGlass);
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Mesh CA material vault (${args.secretName}); deployers and break-glass only`,
                multiRegion: true,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy,
                tags: home.tags,
            },
            { ...stateful, provider: home.awsProvider },
        );
        const replicaKey = peer
            ? new aws.kms.ReplicaKey(
                  `${name}-key-${peer.name}`,
                  {
                      description: `Mesh CA material vault replica (${args.secretName}) in ${peer.cloudRegion}`,
                      primaryKeyArn: key.arn,
                      deletionWindowInDays: 30,
                      policy,
                      tags: peer.tags,
                  },
                  { ...stateful, provider: peer.awsProvider },
              )
            : undefined;
        const secret = new aws.secretsmanager.Secret(
            `${name}-secret`,
            {
                name: args.secretName,
                description:
                    "Mesh root and intermediate CAs with private keys (recovery: docs/ca-recovery.md)",
                kmsKeyId: key.arn,
                recoveryWindowInDays: CA_VAULT_RECOVERY_WINDOW_DAYS,
                replicas:
                    peer && replicaKey
                        ? [{ region: peer.cloudRegion, kmsKeyId: replicaKey.arn }]
                        : [],
                forceOverwriteReplicaSecret: false,
                tags: home.tags,
            },
            { ...stateful, provider: home.awsProvider },
        );
        new aws.secretsmanager.SecretPolicy(
            `${name}-policy`,
            {
                secretArn: secret.arn,
                policy: secret.arn.apply((arn) =>
                    caVaultSecretPolicy(arn, args.deployers, args.breakGlass),
                ),
                blockPublicPolicy: true,
            },
            { parent: this, provider: home.awsProvider },
        );
        new aws.secretsmanager.SecretVersion(
            `${name}-value`,
            { secretId: secret.id, secretString: pulumi.secret(args.material) },
            {
                ...stateful,
                provider: home.awsProvider,
                additionalSecretOutputs: ["secretString"],
            },
        );
        return secret.arn;
    }

    private gcp(
        name: string,
        args: CaVaultArgs,
        home: GkeClusterInfo,
        peer: GkeClusterInfo | undefined,
        protect: boolean,
    ): pulumi.Output<string> {
        const stateful = { parent: this, protect, retainOnDelete: protect };
        const project = args.gcpProject ?? home.project;
        const provider = home.gcpProvider;
        const labels = toLabels(home.tags);
        // The Secret Manager service agent (service-<number>@gcp-sa-secretmanager) encrypts each replica.
        const agent = new gcp.projects.ServiceIdentity(
            `${name}-agent`,
            { project, service: "secretmanager.googleapis.com" },
            { parent: this, provider },
        );
        const projectNumber = gcp.organizations.getProjectOutput(
            { projectId: project },
            { parent: this, provider },
        ).number;
        const agentMember = pulumi.interpolate`serviceAccount:service-${projectNumber}@gcp-sa-secretmanager.iam.gserviceaccount.com`;
        const replicas = [home, ...(peer ? [peer] : [])].map((c) => {
            const p = { ...stateful, provider: c.gcpProvider };
            const ring = new gcp.kms.KeyRing(
                `${name}-${c.name}`,
                { project, location: c.cloudRegion },
                p,
            );
            const key = new gcp.kms.CryptoKey(
                `${name}-${c.name}`,
                {
                    keyRing: ring.id,
                    purpose: "ENCRYPT_DECRYPT",
                    rotationPeriod: CA_VAULT_GCP_KEY_ROTATION,
                    labels,
                },
                p,
            );
            // Authoritative for the role: only the service agent may use the key.
            const grant = new gcp.kms.CryptoKeyIAMBinding(
                `${name}-${c.name}-agent`,
                {
                    cryptoKeyId: key.id,
                    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    members: [agentMember],
                },
                { parent: this, provider: c.gcpProvider, dependsOn: [agent] },
            );
            return { location: c.cloudRegion, key, grant };
        });
        const secret = new gcp.secretmanager.Secret(
            `${name}-secret`,
            {
                project,
                secretId: args.secretName,
                labels,
                replication: {
                    userManaged: {
                        replicas: replicas.map((r) => ({
                            location: r.location,
                            customerManagedEncryption: { kmsKeyName: r.key.id },
                        })),
                    },
                },
            },
            { ...stateful, provider, dependsOn: replicas.map((r) => r.grant) },
        );
        // Authoritative: the secret's own policy names only the deployers and break-glass.
        const members = [...args.deployers, args.breakGlass].map((sa) => `serviceAccount:${sa}`);
        new gcp.secretmanager.SecretIamPolicy(
            `${name}-iam`,
            {
                project,
                secretId: secret.secretId,
                policyData: JSON.stringify({
                    bindings: [
                        { role: "roles/secretmanager.secretAccessor", members },
                        {
                            role: "roles/secretmanager.secretVersionManager",
                            members: args.deployers.map((sa) => `serviceAccount:${sa}`),
                        },
                    ],
                }),
            },
            { parent: this, provider },
        );
        new gcp.secretmanager.SecretVersion(
            `${name}-value`,
            { secret: secret.id, secretData: pulumi.secret(args.material) },
            { ...stateful, provider, additionalSecretOutputs: ["secretData"] },
        );
        return secret.name;
    }
}
