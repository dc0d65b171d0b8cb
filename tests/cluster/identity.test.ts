import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import {
    gcpAccountId,
    irsaTrustPolicy,
    policyAttachmentNames,
    policyAttachmentSuffix,
    WorkloadIdentity,
} from "../../components/cluster/identity";
import { regionTags } from "../../platform/tags";

const READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const CNI = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy";
const EBS = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";
const CUSTOMER = "arn:aws:iam::111122223333:policy/platform/ReadOnlyAccess";

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("clusters: workload identity helper", function () {
    this.timeout(120000);

    it("builds the IRSA trust policy with sub and aud conditions on the issuer", () => {
        const trust = JSON.parse(
            irsaTrustPolicy(
                "arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-southeast-1.amazonaws.com/id/ABC",
                "https://oidc.eks.ap-southeast-1.amazonaws.com/id/ABC",
                "velero",
                "velero-server",
            ),
        );
        assert.deepEqual(trust, {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: {
                        Federated:
                            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-southeast-1.amazonaws.com/id/ABC",
                    },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "oidc.eks.ap-southeast-1.amazonaws.com/id/ABC:sub":
                                "system:serviceaccount:velero:velero-server",
                            "oidc.eks.ap-southeast-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                        },
                    },
                },
            ],
        });
    });

    it("derives valid Google service account ids", () => {
        assert.equal(gcpAccountId("singapore-velero"), "singapore-velero");
        assert.equal(gcpAccountId("Tokyo_Cert.Manager"), "tokyo-cert-manager");
        const long = gcpAccountId("singapore-aws-load-balancer-controller-irsa");
        assert.equal(long.length, 30);
        assert.match(long, /^singapore-aws-load-bala-[0-9a-f]{6}$/);
        assert.notEqual(long, gcpAccountId("singapore-aws-load-balancer-controller-other"));
        assert.equal(gcpAccountId("a"), "a-sa-sa");
        for (const id of [long, gcpAccountId("1-odd--name-")])
            assert.match(id, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    });

    it("on AWS: an IRSA role in the cluster's region with inline and managed policies, tagged, and the role annotation", async () => {
        const cfg = testConfig();
        let id!: WorkloadIdentity;
        const run = await runDeclarations(() => {
            const cluster = testCluster(cfg, "tokyo");
            id = new WorkloadIdentity("tokyo-velero", {
                cluster,
                namespace: "velero",
                serviceAccount: "velero-server",
                aws: {
                    policy: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Action: ["s3:GetObject"],
                                Resource: ["arn:aws:s3:::b/*"],
                            },
                        ],
                    },
                    managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                },
                gcp: { roles: ["roles/storage.admin"] },
            });
        });
        const role = run.one("aws:iam/role:Role", "tokyo-velero-role");
        assert.equal(run.providerOf(role)!.name, "tokyo-aws");
        assert.deepEqual(role.inputs.tags, regionTags(cfg, cfg.regions[1]));
        assert.deepEqual(
            JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals,
            {
                "oidc.eks.ap-northeast-1.amazonaws.com/id/TESTTOKYO:sub":
                    "system:serviceaccount:velero:velero-server",
                "oidc.eks.ap-northeast-1.amazonaws.com/id/TESTTOKYO:aud": "sts.amazonaws.com",
            },
        );
        const inline = run.one("aws:iam/rolePolicy:RolePolicy", "tokyo-velero-policy");
        assert.deepEqual(JSON.parse(String(inline.inputs.policy)).Statement, [
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
        ]);
        assert.equal(inline.inputs.role, role.outputs.name);
        const attachment = run.one(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            `tokyo-velero-managed-${policyAttachmentSuffix("arn:aws:iam::aws:policy/ReadOnlyAccess")}`,
        );
        assert.equal(attachment.inputs.policyArn, "arn:aws:iam::aws:policy/ReadOnlyAccess");
        assert.equal(attachment.inputs.role, role.outputs.name);
        assert.equal(run.providerOf(attachment)!.name, "tokyo-aws");
        assert.deepEqual(
            run.ofType("gcp:serviceaccount/account:Account"),
            [],
            "the gcp section is ignored on AWS",
        );
        assert.deepEqual(await value(id.annotations), {
            "eks.amazonaws.com/role-arn": role.outputs.arn,
        });
        assert.equal(
            run.one("mesh-platform:cluster:WorkloadIdentity", "tokyo-velero").type,
            "mesh-platform:cluster:WorkloadIdentity",
        );
    });

    it("on GCP: a Google service account, the workloadIdentityUser binding and project roles, and the GSA annotation", async () => {
        const cfg = testConfig(validGcpRawConfig());
        let id!: WorkloadIdentity;
        const run = await runDeclarations(() => {
            id = new WorkloadIdentity("singapore-cert-manager", {
                cluster: testCluster(cfg, "singapore"),
                namespace: "cert-manager",
                serviceAccount: "cert-manager",
                aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
                gcp: { roles: ["roles/dns.admin"] },
            });
        });
        const gsa = run.one("gcp:serviceaccount/account:Account", "singapore-cert-manager-gsa");
        assert.equal(gsa.inputs.accountId, "singapore-cert-manager");
        assert.equal(gsa.inputs.project, "edtech-platform-prod");
        assert.equal(run.providerOf(gsa)!.name, "singapore-gcp");
        const binding = run.one(
            "gcp:serviceaccount/iAMMember:IAMMember",
            "singapore-cert-manager-wi-user",
        );
        assert.equal(binding.inputs.role, "roles/iam.workloadIdentityUser");
        assert.equal(
            binding.inputs.member,
            "serviceAccount:edtech-platform-prod.svc.id.goog[cert-manager/cert-manager]",
        );
        assert.equal(binding.inputs.serviceAccountId, gsa.outputs.name);
        const role = run.one(
            "gcp:projects/iAMMember:IAMMember",
            "singapore-cert-manager-dns-admin",
        );
        assert.deepEqual(
            [role.inputs.project, role.inputs.role, role.inputs.member],
            ["edtech-platform-prod", "roles/dns.admin", `serviceAccount:${gsa.outputs.email}`],
        );
        assert.deepEqual(run.ofType("aws:iam/role:Role"), []);
        assert.deepEqual(await value(id.annotations), {
            "iam.gke.io/gcp-service-account":
                "singapore-cert-manager@edtech-platform-prod.iam.gserviceaccount.com",
        });
    });

    it("rejects names that are not Kubernetes names", async () => {
        const cfg = testConfig();
        await assert.rejects(
            runDeclarations(() => {
                new WorkloadIdentity("x", {
                    cluster: testCluster(cfg, "singapore"),
                    namespace: "Velero",
                    serviceAccount: "velero",
                });
            }),
            /WorkloadIdentity x: args\.namespace "Velero" is not a Kubernetes name/,
        );
        await assert.rejects(
            runDeclarations(() => {
                new WorkloadIdentity("x", {
                    cluster: testCluster(cfg, "singapore"),
                    namespace: "velero",
                    serviceAccount: "Velero_Server",
                });
            }),
            /WorkloadIdentity x: args\.serviceAccount "Velero_Server" is not a Kubernetes name/,
        );
    });

    it("rejects a managed policy that is not a policy ARN, one listed twice, and a bad Google account id, naming the arg", async () => {
        const cfg = testConfig();
        const declare = (aws: { managedPolicyArns: string[] }, gcp?: { accountId: string }) =>
            runDeclarations(() => {
                new WorkloadIdentity("x", {
                    cluster: testCluster(cfg, "singapore"),
                    namespace: "velero",
                    serviceAccount: "velero",
                    aws,
                    gcp,
                });
            });
        await assert.rejects(
            declare({ managedPolicyArns: [READ_ONLY, "ReadOnlyAccess"] }),
            /WorkloadIdentity x: args\.aws\.managedPolicyArns\[1\] "ReadOnlyAccess" is not a managed IAM policy ARN/,
        );
        await assert.rejects(
            declare({ managedPolicyArns: [READ_ONLY, CNI, READ_ONLY] }),
            /WorkloadIdentity x: args\.aws\.managedPolicyArns\[2\] "arn:aws:iam::aws:policy\/ReadOnlyAccess" repeats args\.aws\.managedPolicyArns\[0\]/,
        );
        await assert.rejects(
            declare({ managedPolicyArns: [] }, { accountId: "UPPER" }),
            /WorkloadIdentity x: args\.gcp\.accountId "UPPER" is not a Google service account id/,
        );
        await assert.doesNotReject(declare({ managedPolicyArns: [READ_ONLY, CNI, CUSTOMER] }));
    });

    describe("managed policy attachments are keyed by ARN", () => {
        const arns = [READ_ONLY, CNI, EBS, CUSTOMER];
        const attachments = async (list: string[]) => {
            const run = await runDeclarations(() => {
                new WorkloadIdentity("tokyo-x", {
                    cluster: testCluster(testConfig(), "tokyo"),
                    namespace: "x",
                    serviceAccount: "x",
                    aws: { managedPolicyArns: list },
                });
            });
            return run
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .map((a) => [a.name, a.inputs.policyArn, a.parent] as const);
        };

        it("gives every policy the same name whatever its position in the list", async () => {
            const forward = await attachments(arns);
            const reversed = await attachments([...arns].reverse());
            const rotated = await attachments([...arns.slice(2), ...arns.slice(0, 2)]);
            const sorted = (xs: (readonly [string, unknown, unknown])[]) =>
                [...xs].sort((a, b) => a[0].localeCompare(b[0]));
            assert.equal(forward.length, 4);
            assert.deepEqual(sorted(reversed), sorted(forward));
            assert.deepEqual(sorted(rotated), sorted(forward));
            // Readable and ARN-derived, never positional.
            const slugs = Object.fromEntries(
                forward.map(([n, arn]) => [String(arn), n.replace(/-[0-9a-f]{8}$/, "")]),
            );
            assert.deepEqual(slugs, {
                [READ_ONLY]: "tokyo-x-managed-readonlyaccess",
                [CNI]: "tokyo-x-managed-amazoneks-cni-policy",
                [EBS]: "tokyo-x-managed-amazonebscsidriverpolicy",
                [CUSTOMER]: "tokyo-x-managed-readonlyaccess",
            });
            assert.equal(
                new Set(forward.map(([n]) => n)).size,
                4,
                "same-named policies of two accounts must not collide",
            );
            for (const [n] of forward) assert.doesNotMatch(n, /-managed-\d+$/);
        });

        it("keeps policies with the same name apart (another account or path)", () => {
            assert.notEqual(policyAttachmentSuffix(READ_ONLY), policyAttachmentSuffix(CUSTOMER));
            assert.notEqual(
                policyAttachmentSuffix("arn:aws:iam::aws:policy/a/Foo"),
                policyAttachmentSuffix("arn:aws:iam::aws:policy/b/Foo"),
            );
            assert.equal(policyAttachmentSuffix(CNI), policyAttachmentSuffix(CNI));
            assert.throws(
                () => policyAttachmentSuffix("arn:aws:iam::aws:role/Foo"),
                /not a managed IAM policy ARN/,
            );
        });

        it("aliases each attachment to the index-based name it had, under the same parent", async () => {
            const seen: { type: string; name: string; aliases: unknown; parent?: string }[] = [];
            const run = await runDeclarations(() => {
                new WorkloadIdentity(
                    "tokyo-velero",
                    {
                        cluster: testCluster(testConfig(), "tokyo"),
                        namespace: "velero",
                        serviceAccount: "velero",
                        aws: { managedPolicyArns: arns },
                    },
                    {
                        transformations: [
                            (a) => {
                                seen.push({ type: a.type, name: a.name, aliases: a.opts.aliases });
                                return undefined;
                            },
                        ],
                    },
                );
            });
            const got = seen.filter(
                (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            );
            // The old program named them `${name}-managed-${i}` in list order: each alias is exactly that old name,
            // with no parent of its own (the parent stays the WorkloadIdentity, so the old URN is reproduced).
            assert.deepEqual(
                got.map((r) => [r.name, r.aliases]),
                arns.map((arn, i) => [
                    `tokyo-velero-managed-${policyAttachmentSuffix(arn)}`,
                    [{ name: `tokyo-velero-managed-${i}` }],
                ]),
            );
            const component = run.one("mesh-platform:cluster:WorkloadIdentity", "tokyo-velero");
            for (const r of run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
                assert.equal(r.parent, component.urn);
            assert.deepEqual(
                policyAttachmentNames("p", [CNI, EBS]).map((a) => a.alias),
                ["p-0", "p-1"],
            );
        });
    });
});
