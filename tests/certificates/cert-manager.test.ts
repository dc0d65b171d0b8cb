import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { runDeclarations, RecordedRun } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig } from "../../config";
import { CertManager } from "../../components/certificates";
import { route53Policy } from "../../components/certificates/cert-manager";
import { CHARTS } from "../../components/observability/charts";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";

describe("certificates: CertManager component", () => {
    let run: RecordedRun;
    before(async () => {
        const cfg = testConfig();
        run = await runDeclarations(() => {
            const cluster = testCluster(cfg, "singapore");
            const gateways = new k8s.core.v1.Namespace("gateways", { metadata: { name: "istio-gateways" } }, { provider: cluster.provider });
            new CertManager("singapore-certificates", { cfg, cluster, dependsOn: [gateways] });
        });
    });

    it("installs the pinned jetstack chart with its CRDs on the cluster's provider", () => {
        const release = run.one(RELEASE, "singapore-certificates-release");
        assert.equal(run.providerOf(release)?.name, "singapore-k8s");
        assert.equal(release.inputs.chart, "cert-manager");
        assert.equal(release.inputs.version, CHARTS.certManager.version);
        assert.equal(release.inputs.version, "v1.21.1");
        assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://charts.jetstack.io" });
        assert.equal(release.inputs.name, "cert-manager");
        assert.equal(release.inputs.namespace, "cert-manager");
        const values = release.inputs.values as Record<string, any>;
        assert.deepEqual(values.crds, { enabled: true, keep: true });
        assert.equal(values.replicaCount, 2);
        assert.equal(values.serviceAccount.name, "cert-manager");
        const role = run.one("aws:iam/role:Role", "singapore-certificates-dns01-role");
        assert.match(String(role.outputs.arn), /^arn:aws:iam::111122223333:role\//);
        assert.deepEqual(values.serviceAccount.annotations, { "eks.amazonaws.com/role-arn": role.outputs.arn });
        assert.ok(release.dependencies.includes(run.one("kubernetes:core/v1:Namespace", "singapore-certificates-namespace").urn));
    });

    it("gives cert-manager an IRSA role limited to its service account and the zone's TXT records", () => {
        const role = run.one("aws:iam/role:Role", "singapore-certificates-dns01-role");
        assert.equal(run.providerOf(role)?.name, "singapore-aws");
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
        const cond = trust.Statement[0].Condition.StringEquals;
        assert.equal(cond["oidc.eks.ap-southeast-1.amazonaws.com/id/TESTSINGAPORE:sub"], "system:serviceaccount:cert-manager:cert-manager");
        assert.equal((role.inputs.tags as Record<string, string>).environment, "prod");
        const policy = run.one("aws:iam/rolePolicy:RolePolicy", "singapore-certificates-dns01-policy");
        assert.deepEqual(JSON.parse(policy.inputs.policy as string), route53Policy("Z0123456789EXAMPLE"));
    });

    it("declares both ClusterIssuers after the chart, and the Certificate after the issuers and the gateway namespace", () => {
        const release = run.one(RELEASE, "singapore-certificates-release");
        const issuers = run.ofType(ISSUER);
        assert.deepEqual(issuers.map((i) => (i.inputs.metadata as { name: string }).name).sort(), ["letsencrypt-prod", "letsencrypt-staging"]);
        for (const i of issuers) {
            assert.ok(i.dependencies.includes(release.urn), `${i.name} waits for the chart (CRDs)`);
            assert.equal(run.providerOf(i)?.name, "singapore-k8s");
        }
        const cert = run.one(CERT, "singapore-certificates-ingress-certificate");
        for (const i of issuers) assert.ok(cert.dependencies.includes(i.urn));
        assert.ok(cert.dependencies.includes(run.one("kubernetes:core/v1:Namespace", "gateways").urn));
        assert.equal((cert.inputs.spec as Record<string, unknown>).renewBefore, "720h");
    });
});

describe("certificates: CertManager on GKE", () => {
    it("uses a Google service account with Cloud DNS admin through workload identity", async () => {
        const cfg = parseConfig("gcp-test", validGcpRawConfig());
        const run = await runDeclarations(() => new CertManager("singapore-certificates", { cfg, cluster: testCluster(cfg, "singapore") }));
        const member = run.one("gcp:projects/iAMMember:IAMMember", "singapore-certificates-dns01-dns-admin");
        assert.equal(member.inputs.role, "roles/dns.admin");
        assert.equal(run.providerOf(member)?.name, "singapore-gcp");
        const wi = run.one("gcp:serviceaccount/iAMMember:IAMMember", "singapore-certificates-dns01-wi-user");
        assert.equal(wi.inputs.member, "serviceAccount:edtech-platform-prod.svc.id.goog[cert-manager/cert-manager]");
        const gsa = run.one("gcp:serviceaccount/account:Account", "singapore-certificates-dns01-gsa");
        assert.match(String(gsa.outputs.email), /@edtech-platform-prod\.iam\.gserviceaccount\.com$/);
        const values = run.one(RELEASE, "singapore-certificates-release").inputs.values as Record<string, any>;
        assert.deepEqual(values.serviceAccount.annotations, { "iam.gke.io/gcp-service-account": gsa.outputs.email });
        assert.equal(run.ofType("aws:iam/role:Role").length, 0);
    });
});
