/**
 * Mutation tests of the secrets rules (policies/security/rules/secrets.ts) against the real program:
 * each row takes the offline plan of a committed stack, breaks the one property a rule guards, and
 * asserts that the security pack reports exactly that (and nothing else). The unmutated plans of all
 * four stacks report nothing from these rules.
 */
import { strict as assert } from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { evaluatePolicies, PlanResource, PolicyViolation } from "../../policies/offline";
import { readStackFile } from "../../tools/runtime";
import { toPlanDocument } from "../../tools/planfile";
import { ROOT, runStack } from "../harness";

type Env = "dev" | "staging" | "prod";
type Mutable = PlanResource & { inputs: Record<string, any> };

const RULES = [
    "mesh-ca-material-vault",
    "backup-bucket-access-logging",
    "velero-repository-password",
    "launch-template-volume-kms",
];

const plans = new Map<string, Promise<{ resources: PlanResource[]; environment: Env }>>();
function planOf(stack: string): Promise<{ resources: PlanResource[]; environment: Env }> {
    let p = plans.get(stack);
    if (!p) {
        p = runStack(stack).then((run) => ({
            resources: toPlanDocument(run.result).resources,
            environment: String(
                readStackFile(ROOT, stack).config["mesh-platform:environment"],
            ) as Env,
        }));
        plans.set(stack, p);
    }
    return p;
}

class Plan {
    constructor(readonly resources: Mutable[]) {}
    named(name: string, type?: string): Mutable {
        const found = this.resources.filter((r) => r.name === name && (!type || r.type === type));
        if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.length}`);
        return found[0];
    }
    remove(name: string): void {
        this.resources.splice(this.resources.indexOf(this.named(name)), 1);
    }
    addLike(like: Mutable, type: string, name: string, inputs: Record<string, unknown>): void {
        const head = like.urn.slice(0, like.urn.lastIndexOf("$") + 1);
        this.resources.push({ ...like, urn: `${head}${type}::${name}`, type, name, inputs });
    }
}

const found = (vs: readonly PolicyViolation[]) =>
    vs
        .filter((v) => RULES.includes(v.policyName))
        .map((v) => [v.policyName, v.urn.split("::").pop(), v.message]);

interface Row {
    readonly stack: "prod" | "gcp";
    readonly breaks: string;
    readonly mutate: (p: Plan) => void;
    readonly expect: readonly (readonly [string, string, string | RegExp])[];
}

const keyPolicyWithRoot = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
        {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "kms:*",
            Resource: "*",
        },
    ],
});

const ROWS: Row[] = [
    {
        stack: "prod",
        breaks: "the CA material back in a backup bucket object",
        mutate: (p) =>
            p.addLike(
                p.named("backup-singapore-tls-only"),
                "aws:s3/bucketObjectv2:BucketObjectv2",
                "backup-singapore-ca-material",
                { key: "mesh-ca/ca-material.json", content: "[secret]" },
            ),
        expect: [
            [
                "mesh-ca-material-vault",
                "backup-singapore-ca-material",
                /^CA material in bucket object mesh-ca\/ca-material\.json: a bucket is readable by the backup identity/,
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "the CA key policy delegating to every IAM policy of the account",
        mutate: (p) => {
            p.named("mesh-ca-vault-key").inputs.policy = keyPolicyWithRoot;
        },
        expect: [
            [
                "mesh-ca-material-vault",
                "mesh-ca-vault-key",
                /every Allow of its key policy must be narrowed by aws:PrincipalArn/,
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "no resource policy on the CA secret",
        mutate: (p) => p.remove("mesh-ca-vault-policy"),
        expect: [
            [
                "mesh-ca-material-vault",
                "mesh-ca-vault-secret",
                /^CA secret without a resource policy/,
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "the CA secret without its replica",
        mutate: (p) => {
            p.named("mesh-ca-vault-secret").inputs.replicas = [];
        },
        expect: [
            ["mesh-ca-material-vault", "mesh-ca-vault-secret", /no replica in the peer region/],
        ],
    },
    {
        stack: "prod",
        breaks: "Velero's IRSA role allowed to read every secret",
        mutate: (p) => {
            const pol = p.named("backup-singapore-velero-identity-policy");
            const doc = JSON.parse(pol.inputs.policy as string);
            doc.Statement.push({
                Effect: "Allow",
                Action: ["secretsmanager:GetSecretValue"],
                Resource: "*",
            });
            pol.inputs.policy = JSON.stringify(doc);
        },
        expect: [
            [
                "mesh-ca-material-vault",
                "backup-singapore-velero-identity-policy",
                /lets an identity of the stack read every secret or the CA secret/,
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "no server access logging on one backup bucket",
        mutate: (p) => p.remove("s3-access-logs-tokyo-delivery"),
        expect: [
            [
                "backup-bucket-access-logging",
                "backup-tokyo",
                "backup bucket backup-tokyo has no server access logging (aws.s3.BucketLogging)",
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "no repository password Secret for Velero",
        mutate: (p) => {
            p.remove("backup-singapore-velero-repo-credentials");
        },
        expect: [
            [
                "velero-repository-password",
                "backup-singapore-velero-release",
                /has no repository password Secret velero-repo-credentials in velero: Velero would create one with its built-in password/,
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "Velero's built-in password set explicitly",
        mutate: (p) => {
            p.named("backup-tokyo-velero-repo-credentials").inputs.stringData = {
                "repository-password": "static-passw0rd",
            };
        },
        expect: [
            [
                "velero-repository-password",
                "backup-tokyo-velero-repo-credentials",
                /sets Velero's built-in default password/,
            ],
        ],
    },
    {
        stack: "prod",
        breaks: "a launch template volume without kmsKeyId",
        mutate: (p) => {
            delete p.named("tokyo-workloads", "aws:ec2/launchTemplate:LaunchTemplate").inputs
                .blockDeviceMappings[0].ebs.kmsKeyId;
        },
        expect: [
            [
                "launch-template-volume-kms",
                "tokyo-workloads",
                /blockDeviceMappings\[0\]\.ebs\.kmsKeyId must name a customer-managed KMS key/,
            ],
        ],
    },
    {
        stack: "gcp",
        breaks: "a CA secret replica without CMEK",
        mutate: (p) => {
            delete p.named("mesh-ca-vault-secret").inputs.replication.userManaged.replicas[1]
                .customerManagedEncryption;
        },
        expect: [
            [
                "mesh-ca-material-vault",
                "mesh-ca-vault-secret",
                "CA secret: replicas[1] has no customerManagedEncryption.kmsKeyName",
            ],
        ],
    },
    {
        stack: "gcp",
        breaks: "no authoritative IAM policy on the CA secret",
        mutate: (p) => p.remove("mesh-ca-vault-iam"),
        expect: [
            [
                "mesh-ca-material-vault",
                "mesh-ca-vault-secret",
                /^CA secret without an authoritative gcp\.secretmanager\.SecretIamPolicy/,
            ],
        ],
    },
];

describe("policies: secrets, backups and node volumes (mutations of the real plans)", function () {
    this.timeout(300000);

    for (const stack of ["prod", "staging", "dev", "gcp"]) {
        it(`${stack}: the real plan passes every secrets rule`, async () => {
            const { resources, environment } = await planOf(stack);
            assert.deepStrictEqual(found(evaluatePolicies(resources, { stack, environment })), []);
        });
    }

    for (const row of ROWS) {
        it(`${row.stack}: catches ${row.breaks}`, async () => {
            const { resources, environment } = await planOf(row.stack);
            const plan = new Plan(structuredClone(resources));
            row.mutate(plan);
            const got = found(evaluatePolicies(plan.resources, { stack: row.stack, environment }));
            assert.equal(got.length, row.expect.length, JSON.stringify(got, null, 1));
            row.expect.forEach(([policy, name, message], i) => {
                assert.equal(got[i][0], policy);
                assert.equal(got[i][1], name);
                if (typeof message === "string") assert.equal(got[i][2], message);
                else assert.match(String(got[i][2]), message);
            });
            // The original plan is untouched by the mutation (a deep copy): it still passes.
            assert.deepStrictEqual(
                found(evaluatePolicies(resources, { stack: row.stack, environment })),
                [],
            );
        });
    }
});

describe("node volume key: the Auto Scaling service-linked role may use it (prod plan)", function () {
    this.timeout(120000);
    const ASG =
        "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
    const KEY = "arn:aws:kms:ap-southeast-1:111122223333:key/0123";

    async function asgMay(action: string, policy: string, grantForAws: boolean): Promise<boolean> {
        const r = await runSimulation(
            {
                request: {
                    principal:
                        "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling",
                    action,
                    resource: { resource: KEY, accountId: "111122223333" },
                    contextVariables: {
                        "aws:PrincipalArn": ASG,
                        "kms:GrantIsForAWSResource": grantForAws ? "true" : "false",
                    },
                },
                identityPolicies: [],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy: JSON.parse(policy),
            },
            {},
        );
        if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
        return r.overallResult === "Allowed";
    }

    it("lets the role encrypt, decrypt and create grants for AWS resources, not other grants", async () => {
        const { resources } = await planOf("prod");
        const key = resources.find((r) => r.name === "singapore-node-volumes")!;
        // The offline account id (tools/mocks.ts) differs from the simulated one: compare by shape.
        const policy = (key.inputs.policy as string).replace(/\d{12}/g, "111122223333");
        for (const a of ["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncryptFrom"])
            assert.equal(await asgMay(a, policy, false), true, a);
        assert.equal(await asgMay("kms:CreateGrant", policy, true), true);
        assert.equal(await asgMay("kms:CreateGrant", policy, false), false);
        assert.equal(await asgMay("kms:ScheduleKeyDeletion", policy, false), false);
    });
});
