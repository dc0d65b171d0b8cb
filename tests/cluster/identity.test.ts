import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runDeclarations } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import { gcpAccountId, irsaTrustPolicy, WorkloadIdentity } from "../../components/cluster/identity";
import { regionTags } from "../../platform/tags";

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("clusters: workload identity helper", function () {
    this.timeout(120000);

    it("builds the IRSA trust policy with sub and aud conditions on the issuer", () => {
        const trust = JSON.parse(irsaTrustPolicy("arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-southeast-1.amazonaws.com/id/ABC", "https://oidc.eks.ap-southeast-1.amazonaws.com/id/ABC", "velero", "velero-server"));
        assert.deepEqual(trust, {
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-southeast-1.amazonaws.com/id/ABC" },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: {
                    "oidc.eks.ap-southeast-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:velero:velero-server",
                    "oidc.eks.ap-southeast-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                } },
            }],
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
        for (const id of [long, gcpAccountId("1-odd--name-")]) assert.match(id, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
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
                    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] },
                    managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                },
                gcp: { roles: ["roles/storage.admin"] },
            });
        });
        const role = run.one("aws:iam/role:Role", "tokyo-velero-role");
        assert.equal(run.providerOf(role)!.name, "tokyo-aws");
        assert.deepEqual(role.inputs.tags, regionTags(cfg, cfg.regions[1]));
        assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals, {
            "oidc.eks.ap-northeast-1.amazonaws.com/id/TESTTOKYO:sub": "system:serviceaccount:velero:velero-server",
            "oidc.eks.ap-northeast-1.amazonaws.com/id/TESTTOKYO:aud": "sts.amazonaws.com",
        });
        const inline = run.one("aws:iam/rolePolicy:RolePolicy", "tokyo-velero-policy");
        assert.deepEqual(JSON.parse(String(inline.inputs.policy)).Statement, [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }]);
        assert.equal(inline.inputs.role, role.outputs.name);
        assert.equal(run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "tokyo-velero-managed-0").inputs.policyArn, "arn:aws:iam::aws:policy/ReadOnlyAccess");
        assert.deepEqual(run.ofType("gcp:serviceaccount/account:Account"), [], "the gcp section is ignored on AWS");
        assert.deepEqual(await value(id.annotations), { "eks.amazonaws.com/role-arn": role.outputs.arn });
        assert.equal(run.one("mesh-platform:cluster:WorkloadIdentity", "tokyo-velero").type, "mesh-platform:cluster:WorkloadIdentity");
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
        const binding = run.one("gcp:serviceaccount/iAMMember:IAMMember", "singapore-cert-manager-wi-user");
        assert.equal(binding.inputs.role, "roles/iam.workloadIdentityUser");
        assert.equal(binding.inputs.member, "serviceAccount:edtech-platform-prod.svc.id.goog[cert-manager/cert-manager]");
        assert.equal(binding.inputs.serviceAccountId, gsa.outputs.name);
        const role = run.one("gcp:projects/iAMMember:IAMMember", "singapore-cert-manager-dns-admin");
        assert.deepEqual([role.inputs.project, role.inputs.role, role.inputs.member], ["edtech-platform-prod", "roles/dns.admin", `serviceAccount:${gsa.outputs.email}`]);
        assert.deepEqual(run.ofType("aws:iam/role:Role"), []);
        assert.deepEqual(await value(id.annotations), { "iam.gke.io/gcp-service-account": "singapore-cert-manager@edtech-platform-prod.iam.gserviceaccount.com" });
    });

    it("rejects names that are not Kubernetes names", async () => {
        const cfg = testConfig();
        await assert.rejects(runDeclarations(() => {
            new WorkloadIdentity("x", { cluster: testCluster(cfg, "singapore"), namespace: "Velero", serviceAccount: "velero" });
        }), /namespace "Velero" and serviceAccount "velero" must be Kubernetes names/);
    });
});
