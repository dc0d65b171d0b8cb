/**
 * The IAM evaluator against hand-checked cases from the AWS documentation, and against
 * iam-simulate's validated `runSimulation` for the same inputs.
 * - Explicit deny wins: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * - Same account: an identity allow suffices without a resource policy (no SCPs here).
 * - KMS: the key policy must allow the account (or the principal):
 *   https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * - Cross account: both the identity policy and the resource policy must allow:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * - IRSA trust StringEquals on `:sub`: https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
import { strict as assert } from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { defaultKeyPolicy } from "../../policies/access/iam";
import { authorize, type AuthzPolicy } from "../../policies/access/k8s";
import { type IamRequest, simulate } from "../../policies/access/simulate";

const ACCT = "111122223333";
const ROLE = `arn:aws:iam::${ACCT}:role/app`;
const doc = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });
const allowGet = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });

async function both(req: IamRequest): Promise<string> {
    const ours = simulate(req).result;
    const res = await runSimulation(
        {
            request: {
                principal: req.principal,
                action: req.action,
                resource: { resource: req.resource, accountId: req.resourceAccount },
                contextVariables: req.context ?? {},
            },
            identityPolicies: req.identityPolicies.map((p) => ({
                name: p.name,
                policy: p.document,
            })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: req.resourcePolicy?.document,
        },
        {},
    );
    assert.equal(res.resultType, "single", JSON.stringify(res));
    assert.equal(ours, res.overallResult, "core evaluator and runSimulation agree");
    return ours;
}

describe("access evaluator: AWS documented cases", () => {
    it("an explicit deny wins over an allow", async () => {
        const r = await both({
            principal: ROLE,
            action: "s3:GetObject",
            resource: "arn:aws:s3:::b/k",
            resourceAccount: ACCT,
            identityPolicies: [{ name: "allow", document: allowGet }],
            resourcePolicy: {
                name: "rp",
                document: doc({
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: "arn:aws:s3:::b/*",
                }),
            },
        });
        assert.equal(r, "ExplicitlyDenied");
    });
    it("same account, no SCP: the identity allow suffices", async () => {
        assert.equal(
            await both({
                principal: ROLE,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                resourceAccount: ACCT,
                identityPolicies: [{ name: "allow", document: allowGet }],
            }),
            "Allowed",
        );
    });
    it("KMS: without a key policy admitting the account the identity allow is not enough", async () => {
        const id = {
            name: "kms",
            document: doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }),
        };
        const key = `arn:aws:kms:ap-southeast-1:${ACCT}:key/k1`;
        const only = doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCT}:role/deployer` },
            Action: "kms:*",
            Resource: "*",
        });
        assert.equal(
            await both({
                principal: ROLE,
                action: "kms:Decrypt",
                resource: key,
                resourceAccount: ACCT,
                identityPolicies: [id],
                resourcePolicy: { name: "kp", document: only },
            }),
            "ImplicitlyDenied",
        );
        assert.equal(
            await both({
                principal: ROLE,
                action: "kms:Decrypt",
                resource: key,
                resourceAccount: ACCT,
                identityPolicies: [id],
                resourcePolicy: { name: "kp", document: defaultKeyPolicy(ACCT) },
            }),
            "Allowed",
        );
    });
    it("cross account: both sides must allow", async () => {
        const other = "arn:aws:iam::444455556666:role/app";
        assert.equal(
            await both({
                principal: other,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                resourceAccount: ACCT,
                identityPolicies: [{ name: "allow", document: allowGet }],
            }),
            "ImplicitlyDenied",
        );
        const rp = doc({
            Effect: "Allow",
            Principal: { AWS: other },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::b/*",
        });
        assert.equal(
            await both({
                principal: other,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                resourceAccount: ACCT,
                identityPolicies: [{ name: "allow", document: allowGet }],
                resourcePolicy: { name: "rp", document: rp },
            }),
            "Allowed",
        );
        assert.equal(
            await both({
                principal: other,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                resourceAccount: ACCT,
                identityPolicies: [],
                resourcePolicy: { name: "rp", document: rp },
            }),
            "ImplicitlyDenied",
        );
    });
    it("IRSA trust: StringEquals on sub admits only that service account", () => {
        const issuer = "oidc.eks.ap-southeast-1.amazonaws.com/id/ABC";
        const provider = `arn:aws:iam::${ACCT}:oidc-provider/${issuer}`;
        const trust = doc({
            Effect: "Allow",
            Principal: { Federated: provider },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${issuer}:sub`]: "system:serviceaccount:velero:velero",
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                },
            },
        });
        const req = (sub: string): IamRequest => ({
            principal: provider,
            action: "sts:AssumeRoleWithWebIdentity",
            resource: ROLE,
            resourceAccount: ACCT,
            context: { [`${issuer}:sub`]: sub, [`${issuer}:aud`]: "sts.amazonaws.com" },
            identityPolicies: [],
            resourcePolicy: { name: "trust", document: trust },
        });
        assert.equal(simulate(req("system:serviceaccount:velero:velero")).result, "Allowed");
        assert.equal(
            simulate(req("system:serviceaccount:default:default")).result,
            "ImplicitlyDenied",
        );
    });
});

describe("access evaluator: Istio authorization semantics", () => {
    const base = { label: "c", namespace: "user" };
    const allow: AuthzPolicy = {
        ...base,
        name: "a",
        action: "ALLOW",
        selector: { app: "svc" },
        rules: [
            {
                from: [{ source: { principals: ["cluster.local/ns/user/sa/fe"] } }],
                to: [{ operation: { methods: ["GET"], paths: ["/api/*"] } }],
            },
        ],
    };
    const req = {
        principal: "cluster.local/ns/user/sa/fe",
        namespace: "user",
        workloadLabels: { app: "svc" },
        method: "GET",
        path: "/api/x",
    };
    it("from and to are AND-ed", () => {
        assert.equal(authorize([allow], req).allowed, true);
        assert.equal(authorize([allow], { ...req, method: "DELETE" }).allowed, false);
        assert.equal(
            authorize([allow], { ...req, principal: "cluster.local/ns/x/sa/y" }).allowed,
            false,
        );
    });
    it("DENY is evaluated before ALLOW; default-deny {} allows nothing", () => {
        const deny: AuthzPolicy = {
            ...base,
            name: "d",
            action: "DENY",
            rules: [{ to: [{ operation: { paths: ["/api/x"] } }] }],
        };
        assert.equal(authorize([allow, deny], req).allowed, false);
        const dd: AuthzPolicy = { ...base, name: "default-deny", action: "ALLOW" };
        assert.equal(authorize([dd], { ...req, workloadLabels: { app: "other" } }).allowed, false);
        assert.equal(authorize([dd, allow], req).allowed, true);
    });
});
