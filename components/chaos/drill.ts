/**
 * What the DR drill needs from the cloud, declared by the program:
 *
 * - the **lock table** (DynamoDB, on-demand, encrypted with a KMS key, point-in-time recovery,
 *   deletion protection and `protect` in prod): one item per stack holds the lock (owner, start,
 *   expiry; taken with a conditional put) and one the drill's state (what it injected), so every
 *   runner sees a running or crashed drill, not only the machine that started it;
 * - optionally (`fis`), an **AWS FIS experiment template** that cuts the network of the primary's
 *   private subnets (`aws:network:disrupt-connectivity`, scope `all`) for a bounded duration, with a
 *   CloudWatch alarm as its stop condition, and the IAM role FIS assumes to do it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** The FIS action that blocks traffic to and from the targeted subnets (FIS actions reference). */
export const FIS_NETWORK_ACTION = "aws:network:disrupt-connectivity";
/** AWS managed policy that lets FIS change network ACLs for that action. */
export const FIS_NETWORK_POLICY_ARN =
    "arn:aws:iam::aws:policy/service-role/AWSFaultInjectionSimulatorNetworkAccess";

export interface DrillFisArgs {
    /** Tags that select the primary's private subnets (all must match). */
    readonly subnetTags: Readonly<Record<string, string>>;
    /** CloudWatch alarm ARN whose ALARM state stops the experiment (same region as the subnets). */
    readonly stopAlarmArn: string;
    /**
     * How long the disruption lasts (ISO 8601 duration, at most PT12H).
     * @default "PT10M"
     */
    readonly duration?: string;
    /** Provider of the primary region (the experiment runs there). */
    readonly provider: aws.Provider;
}

export interface DrillResourcesArgs {
    /** Stack name: part of the table name. */
    readonly stack: string;
    /** Provider of the region that holds the table: the side a drill does not fail (the secondary). */
    readonly provider: aws.Provider;
    /** Tags on every resource. */
    readonly tags: Readonly<Record<string, string>>;
    /**
     * Protect the table and its key (prod), and turn on DynamoDB deletion protection.
     * @default false
     */
    readonly protect?: boolean;
    /**
     * Declare the FIS experiment template.
     * @default undefined: no template
     */
    readonly fis?: DrillFisArgs;
}

const ISO_DURATION = /^PT(?:\d+H)?(?:\d+M)?(?:\d+S)?$/;

/** Every problem with the args, each naming the arg. */
export function drillResourcesProblems(args: DrillResourcesArgs): string[] {
    const problems: string[] = [];
    if (!/^[a-z0-9][a-z0-9-]*$/.test(args.stack))
        problems.push(`args.stack "${args.stack}" must be lower-case letters, digits and dashes`);
    if (args.fis) {
        if (Object.keys(args.fis.subnetTags).length === 0)
            problems.push("args.fis.subnetTags is empty: the experiment would target every subnet");
        if (!/^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/.test(args.fis.stopAlarmArn))
            problems.push(
                `args.fis.stopAlarmArn "${args.fis.stopAlarmArn}" is not a CloudWatch alarm ARN`,
            );
        const d = args.fis.duration ?? "PT10M";
        if (!ISO_DURATION.test(d) || d === "PT")
            problems.push(`args.fis.duration "${d}" is not an ISO 8601 duration like PT10M`);
    }
    return problems;
}

export class DrillResources extends pulumi.ComponentResource {
    /** Name of the lock and state table. */
    readonly lockTableName: pulumi.Output<string>;
    /** The FIS experiment template id, when declared. */
    readonly fisTemplateId?: pulumi.Output<string>;

    constructor(name: string, args: DrillResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:chaos:DrillResources", name, {}, opts);
        const problems = drillResourcesProblems(args);
        if (problems.length > 0) throw new Error(`DrillResources ${name}: ${problems.join("; ")}`);
        const protect = args.protect ?? false;
        const tags = { ...args.tags };
        const key = new aws.kms.Key(
            `${name}-lock-key`,
            {
                description: `DR drill lock and state of stack ${args.stack}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            { parent: this, provider: args.provider, protect },
        );
        const table = new aws.dynamodb.Table(
            `${name}-lock`,
            {
                name: `mesh-platform-drill-${args.stack}`,
                billingMode: "PAY_PER_REQUEST",
                hashKey: "pk",
                attributes: [{ name: "pk", type: "S" }],
                serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
                pointInTimeRecovery: { enabled: true },
                deletionProtectionEnabled: protect,
                tags,
            },
            { parent: this, provider: args.provider, protect },
        );
        this.lockTableName = table.name;

        if (args.fis) {
            const fis = args.fis;
            const role = new aws.iam.Role(
                `${name}-fis-role`,
                {
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "fis.amazonaws.com" },
                                Action: "sts:AssumeRole",
                            },
                        ],
                    }),
                    tags,
                },
                { parent: this, provider: fis.provider },
            );
            new aws.iam.RolePolicyAttachment(
                `${name}-fis-network`,
                { role: role.name, policyArn: FIS_NETWORK_POLICY_ARN },
                { parent: this, provider: fis.provider },
            );
            const template = new aws.fis.ExperimentTemplate(
                `${name}-fis-primary-network`,
                {
                    description: `DR drill ${args.stack}: cut the primary's private subnets`,
                    roleArn: role.arn,
                    stopConditions: [{ source: "aws:cloudwatch:alarm", value: fis.stopAlarmArn }],
                    targets: [
                        {
                            name: "primary-subnets",
                            resourceType: "aws:ec2:subnet",
                            selectionMode: "ALL",
                            resourceTags: Object.entries(fis.subnetTags).map(([k, v]) => ({
                                key: k,
                                value: v,
                            })),
                        },
                    ],
                    actions: [
                        {
                            name: "disrupt-connectivity",
                            actionId: FIS_NETWORK_ACTION,
                            parameters: [
                                { key: "duration", value: fis.duration ?? "PT10M" },
                                { key: "scope", value: "all" },
                            ],
                            target: { key: "Subnets", value: "primary-subnets" },
                        },
                    ],
                    tags,
                },
                { parent: this, provider: fis.provider },
            );
            this.fisTemplateId = template.id;
        }
        this.registerOutputs({ lockTableName: this.lockTableName });
    }
}
