/**
 * The mesh CA vault in the real plans: AWS (prod: Secrets Manager in Singapore replicated to Tokyo under
 * a multi-region KMS key) and GCP (Secret Manager with a CMEK per replica), and who may read it. The IAM
 * side is checked with the IAM policy simulator (@cloud-copilot/iam-simulate): the key policy and the
 * secret policy admit the deployers and break-glass, and refuse Velero's IRSA role even with an identity
 * policy that allows everything.
 */
import { strict as assert } from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { RecordedRun, runStack } from "../harness";
import { caVaultKeyPolicy, caVaultProblems, caVaultSecretPolicy } from "../../components/secrets";

const DEPLOYER = "arn:aws:iam::111122223333:role/ci-deploy";
const SSO =
    "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformAdmin_*";
const BREAK_GLASS = "arn:aws:iam::111122223333:role/mesh-ca-break-glass";
const VELERO = "arn:aws:iam::111122223333:role/backup-singapore-velero-irsa";
const ALLOW_ALL = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

async function allowed(
    principal: string,
    action: string,
    resource: string,
    resourcePolicy: string,
): Promise<boolean> {
    const result = await runSimulation(
        {
            request: {
                principal: `${principal.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")}/session`,
                action,
                resource: { resource, accountId: "111122223333" },
                contextVariables: { "aws:PrincipalArn": principal },
            },
            identityPolicies: [{ name: "allow-all", policy: JSON.parse(ALLOW_ALL) }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: JSON.parse(resourcePolicy),
        },
        {},
    );
    if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
    return result.overallResult === "Allowed";
}

describe("CA vault: AWS (prod plan)", () => {
    let run: RecordedRun;
    before(async () => {
        run = await runStack("prod");
    });

    it("stores the CA material in one Secrets Manager secret in the primary region, replicated to the peer under a multi-region key", () => {
        const secret = run.one("aws:secretsmanager/secret:Secret", "mesh-ca-vault-secret");
        const key = run.one("aws:kms/key:Key", "mesh-ca-vault-key");
        const replica = run.one("aws:kms/replicaKey:ReplicaKey", "mesh-ca-vault-key-tokyo");
        assert.equal(run.providerOf(secret)?.name, "aws-singapore");
        assert.equal(run.providerOf(key)?.name, "aws-singapore");
        assert.equal(run.providerOf(replica)?.name, "aws-tokyo");
        assert.equal(key.inputs.multiRegion, true);
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(replica.inputs.primaryKeyArn, key.outputs.arn);
        assert.equal(secret.inputs.kmsKeyId, key.outputs.arn);
        // The offline mocks compute no ARN for a replica key: its use shows as a dependency.
        assert.deepEqual(
            (secret.inputs.replicas as { region: string }[]).map((r) => r.region),
            ["ap-northeast-1"],
        );
        assert.ok(
            secret.dependencies.includes(replica.urn),
            "the replica is under the replica key",
        );
        for (const r of [secret, key, replica]) {
            assert.equal(r.protect, true, `${r.name} protected`);
            assert.equal(r.retainOnDelete, true, `${r.name} retained on delete`);
        }
        const value = run.one(
            "aws:secretsmanager/secretVersion:SecretVersion",
            "mesh-ca-vault-value",
        );
        assert.equal(value.inputs.secretString, "[secret]");
        assert.match(String(value.plainInputs.secretString), /-----BEGIN/);
        assert.ok(value.additionalSecretOutputs.includes("secretString"));
        assert.equal(value.protect, true);
    });

    it("gives the key and the secret policies that name exactly the deployers and break-glass of the config", () => {
        const key = run.one("aws:kms/key:Key", "mesh-ca-vault-key");
        const replica = run.one("aws:kms/replicaKey:ReplicaKey", "mesh-ca-vault-key-tokyo");
        const deployers = [DEPLOYER, SSO];
        assert.equal(key.inputs.policy, caVaultKeyPolicy(deployers, BREAK_GLASS));
        assert.equal(replica.inputs.policy, key.inputs.policy);
        const policy = run.one(
            "aws:secretsmanager/secretPolicy:SecretPolicy",
            "mesh-ca-vault-policy",
        );
        assert.equal(policy.inputs.blockPublicPolicy, true);
        const doc = JSON.parse(policy.inputs.policy as string);
        assert.deepEqual(doc.Statement[0].Condition.ArnNotLike["aws:PrincipalArn"], [
            ...deployers,
            BREAK_GLASS,
        ]);
    });

    it("admits deployers and break-glass and refuses Velero's IRSA role, even with an allow-all identity policy", async () => {
        const keyArn = "arn:aws:kms:ap-southeast-1:111122223333:key/mrk-0123";
        const secretArn =
            "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:mesh-ca-AbCdEf";
        const keyPolicy = caVaultKeyPolicy([DEPLOYER, SSO], BREAK_GLASS);
        const secretPolicy = caVaultSecretPolicy(secretArn, [DEPLOYER, SSO], BREAK_GLASS);
        const sso =
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/ap-southeast-1/AWSReservedSSO_PlatformAdmin_0a1b";
        for (const who of [DEPLOYER, sso, BREAK_GLASS]) {
            assert.equal(await allowed(who, "kms:Decrypt", keyArn, keyPolicy), true, who);
            assert.equal(
                await allowed(who, "secretsmanager:GetSecretValue", secretArn, secretPolicy),
                true,
                who,
            );
        }
        assert.equal(await allowed(VELERO, "kms:Decrypt", keyArn, keyPolicy), false);
        assert.equal(
            await allowed(VELERO, "secretsmanager:GetSecretValue", secretArn, secretPolicy),
            false,
        );
        // Break-glass reads and repairs, but does not schedule the key's deletion.
        assert.equal(
            await allowed(BREAK_GLASS, "kms:ScheduleKeyDeletion", keyArn, keyPolicy),
            false,
        );
        assert.equal(await allowed(DEPLOYER, "kms:ScheduleKeyDeletion", keyArn, keyPolicy), true);
    });

    it("refuses args that would let nobody in, or break-glass as a deployer, naming the arg", () => {
        const home = { name: "singapore", cloud: "aws", cloudRegion: "ap-southeast-1" } as any;
        const base = { material: "x", home, secretName: "s", breakGlass: BREAK_GLASS };
        assert.deepEqual(caVaultProblems({ ...base, deployers: [] }), [
            "args.deployers is empty: nobody could deploy or read the CA secret",
        ]);
        assert.match(
            caVaultProblems({ ...base, deployers: [BREAK_GLASS] }).join("; "),
            /args\.breakGlass .* is also in args\.deployers/,
        );
        assert.match(
            caVaultProblems({
                ...base,
                deployers: [DEPLOYER],
                breakGlass: "arn:aws:iam::1:role/*",
            }).join(),
            /args\.breakGlass .* is not one IAM role ARN/,
        );
    });
});

describe("CA vault: GCP (gcp plan)", () => {
    let run: RecordedRun;
    before(async () => {
        run = await runStack("gcp");
    });

    it("replicates the secret to both regions, each replica under its own CMEK usable only by the Secret Manager agent", () => {
        const secret = run.one("gcp:secretmanager/secret:Secret", "mesh-ca-vault-secret");
        const keys = ["singapore", "tokyo"].map((r) =>
            run.one("gcp:kms/cryptoKey:CryptoKey", `mesh-ca-vault-${r}`),
        );
        assert.deepEqual(secret.inputs.replication, {
            userManaged: {
                replicas: [
                    {
                        location: "asia-southeast1",
                        customerManagedEncryption: { kmsKeyName: keys[0].id },
                    },
                    {
                        location: "asia-northeast1",
                        customerManagedEncryption: { kmsKeyName: keys[1].id },
                    },
                ],
            },
        });
        assert.equal(secret.protect, true);
        for (const r of ["singapore", "tokyo"]) {
            const grant = run.one(
                "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
                `mesh-ca-vault-${r}-agent`,
            );
            assert.equal((grant.inputs.members as string[]).length, 1);
            assert.match(
                (grant.inputs.members as string[])[0],
                /^serviceAccount:service-\d+@gcp-sa-secretmanager\.iam\.gserviceaccount\.com$/,
            );
        }
    });

    it("sets an authoritative secret IAM policy with only the deployers and break-glass", () => {
        const iam = run.one(
            "gcp:secretmanager/secretIamPolicy:SecretIamPolicy",
            "mesh-ca-vault-iam",
        );
        const members = new Set(
            JSON.parse(iam.inputs.policyData as string).bindings.flatMap(
                (b: { members: string[] }) => b.members,
            ),
        );
        assert.deepEqual([...members].sort(), [
            "serviceAccount:ci-deploy@edtech-platform-prod.iam.gserviceaccount.com",
            "serviceAccount:mesh-ca-break-glass@edtech-platform-prod.iam.gserviceaccount.com",
        ]);
        assert.deepEqual(run.ofType("gcp:storage/bucketObject:BucketObject"), []);
    });
});
