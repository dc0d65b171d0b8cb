import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { runDeclarations, RecordedRun } from "../harness";
import { testCluster, testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig } from "../support/config";
import { CertManager, CertManagerArgs, route53Policy } from "../../components/certificates";
import { CHARTS } from "../../components/observability/charts";
import type { ClusterInfo } from "../../components/types";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";

/** Args for an EKS cluster in ap-southeast-1 answering DNS-01 in the test zone. */
function awsArgs(cluster: ClusterInfo, extra: Partial<CertManagerArgs> = {}): CertManagerArgs {
    return {
        cluster,
        dns01: {
            provider: "route53",
            hostedZoneId: "Z0123456789EXAMPLE",
            region: "ap-southeast-1",
        },
        zoneName: "example.com",
        acmeEmail: "platform@example.com",
        hostnames: ["app.example.com"],
        issuer: "letsencrypt-prod",
        tlsSecretName: "ingress-tls",
        ...extra,
    };
}

describe("certificates: CertManager component", () => {
    let run: RecordedRun;
    before(async () => {
        const cfg = testConfig();
        run = await runDeclarations(() => {
            const cluster = testCluster(cfg, "singapore");
            const gateways = new k8s.core.v1.Namespace(
                "gateways",
                { metadata: { name: "istio-gateways" } },
                { provider: cluster.provider },
            );
            new CertManager(
                "singapore-certificates",
                awsArgs(cluster, { replicas: 2, dependsOn: [gateways] }),
            );
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
        assert.deepEqual(values.serviceAccount.annotations, {
            "eks.amazonaws.com/role-arn": role.outputs.arn,
        });
        assert.ok(
            release.dependencies.includes(
                run.one("kubernetes:core/v1:Namespace", "singapore-certificates-namespace").urn,
            ),
        );
    });

    it("gives cert-manager an IRSA role limited to its service account and the zone's TXT records", () => {
        const role = run.one("aws:iam/role:Role", "singapore-certificates-dns01-role");
        assert.equal(run.providerOf(role)?.name, "singapore-aws");
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
        const cond = trust.Statement[0].Condition.StringEquals;
        assert.equal(
            cond["oidc.eks.ap-southeast-1.amazonaws.com/id/TESTSINGAPORE:sub"],
            "system:serviceaccount:cert-manager:cert-manager",
        );
        assert.equal((role.inputs.tags as Record<string, string>).environment, "prod");
        const policy = run.one(
            "aws:iam/rolePolicy:RolePolicy",
            "singapore-certificates-dns01-policy",
        );
        assert.deepEqual(
            JSON.parse(policy.inputs.policy as string),
            route53Policy("Z0123456789EXAMPLE"),
        );
    });

    it("declares both ClusterIssuers after the chart, and the Certificate after the issuers and the gateway namespace", () => {
        const release = run.one(RELEASE, "singapore-certificates-release");
        const issuers = run.ofType(ISSUER);
        assert.deepEqual(issuers.map((i) => (i.inputs.metadata as { name: string }).name).sort(), [
            "letsencrypt-prod",
            "letsencrypt-staging",
        ]);
        for (const i of issuers) {
            assert.ok(i.dependencies.includes(release.urn), `${i.name} waits for the chart (CRDs)`);
            assert.equal(run.providerOf(i)?.name, "singapore-k8s");
        }
        const cert = run.one(CERT, "singapore-certificates-ingress-certificate");
        for (const i of issuers) assert.ok(cert.dependencies.includes(i.urn));
        assert.ok(
            cert.dependencies.includes(run.one("kubernetes:core/v1:Namespace", "gateways").urn),
        );
        assert.equal((cert.inputs.spec as Record<string, unknown>).renewBefore, "720h");
        assert.equal(
            (cert.inputs.metadata as Record<string, unknown>).namespace,
            "istio-gateways",
            "the gateway namespace by default",
        );
        assert.equal((cert.inputs.spec as Record<string, unknown>).secretName, "ingress-tls");
    });
});

describe("certificates: CertManager defaults", () => {
    it("runs 2 replicas with a PodDisruptionBudget unless told otherwise, and 1 without one when asked", async () => {
        const cfg = testConfig();
        const run = await runDeclarations(() => {
            const cluster = testCluster(cfg, "singapore");
            new CertManager("a-certificates", awsArgs(cluster));
            new CertManager(
                "b-certificates",
                awsArgs(cluster, { replicas: 1, gatewayNamespace: "edge" }),
            );
        });
        const a = run.one(RELEASE, "a-certificates-release").inputs.values as Record<string, any>;
        assert.deepEqual(
            [
                a.replicaCount,
                a.webhook.replicaCount,
                a.cainjector.replicaCount,
                a.podDisruptionBudget.enabled,
            ],
            [2, 2, 2, true],
        );
        const b = run.one(RELEASE, "b-certificates-release").inputs.values as Record<string, any>;
        assert.deepEqual(
            [
                b.replicaCount,
                b.webhook.replicaCount,
                b.cainjector.replicaCount,
                b.podDisruptionBudget.enabled,
            ],
            [1, 1, 1, false],
        );
        assert.equal(
            (
                run.one(CERT, "b-certificates-ingress-certificate").inputs.metadata as Record<
                    string,
                    unknown
                >
            ).namespace,
            "edge",
        );
    });
});

describe("certificates: CertManager arg validation", () => {
    const cfg = testConfig();
    const rejects = (extra: Partial<CertManagerArgs>, error: RegExp) => async () => {
        const failed = runDeclarations(
            () =>
                new CertManager(
                    "singapore-certificates",
                    awsArgs(testCluster(cfg, "singapore"), extra),
                ),
        );
        await assert.rejects(failed, (e: Error & { recorded?: { type: string }[] }) => {
            assert.match(e.message, error);
            assert.doesNotMatch(
                e.message,
                /mesh-platform:/,
                "names the arg, not a stack config key",
            );
            assert.deepEqual(
                (e.recorded ?? []).filter((r) => /^(kubernetes|aws|gcp):/.test(r.type)),
                [],
                "declares nothing",
            );
            return true;
        });
    };

    it(
        "rejects a hostname outside the zone",
        rejects(
            { hostnames: ["app.example.com", "learn.other.org"] },
            /^CertManager singapore-certificates: args\.hostnames\[1\] "learn\.other\.org" is outside args\.zoneName example\.com; .*allowed: example\.com and names ending in \.example\.com/m,
        ),
    );
    it(
        "rejects no hostname at all",
        rejects(
            { hostnames: [] },
            /CertManager singapore-certificates: args\.hostnames must name at least one hostname/,
        ),
    );
    it(
        "rejects a DNS provider the cluster's identity cannot reach",
        rejects(
            { dns01: { provider: "clouddns", project: "p", managedZone: "example-com" } },
            /CertManager singapore-certificates: args\.dns01\.provider "clouddns" cannot be written by cert-manager in aws cluster singapore.*allowed for aws clusters: route53/,
        ),
    );
    it(
        "rejects an empty hosted zone id",
        rejects(
            { dns01: { provider: "route53", hostedZoneId: "", region: "ap-southeast-1" } },
            /CertManager singapore-certificates: args\.dns01\.hostedZoneId must not be empty/,
        ),
    );
    it(
        "rejects zero replicas",
        rejects(
            { replicas: 0 },
            /CertManager singapore-certificates: args\.replicas must be an integer >= 1 \(got 0\)/,
        ),
    );
    it(
        "rejects a bad ACME email",
        rejects(
            { acmeEmail: "platform" },
            /CertManager singapore-certificates: args\.acmeEmail must be an email address \(got "platform"\)/,
        ),
    );
    it(
        "rejects an unknown issuer",
        rejects(
            { issuer: "zerossl" as never },
            /CertManager singapore-certificates: args\.issuer must be one of "letsencrypt-staging", "letsencrypt-prod" \(got "zerossl"\)/,
        ),
    );
    it(
        "rejects a TLS secret name Kubernetes refuses",
        rejects(
            { tlsSecretName: "Ingress_TLS" },
            /CertManager singapore-certificates: args\.tlsSecretName must be a Kubernetes secret name/,
        ),
    );
    it(
        "rejects a bad gateway namespace",
        rejects(
            { gatewayNamespace: "Istio Gateways" },
            /CertManager singapore-certificates: args\.gatewayNamespace must be a Kubernetes namespace name/,
        ),
    );
    it(
        "reports every bad arg at once",
        rejects(
            { replicas: 0, acmeEmail: "x" },
            /args\.acmeEmail[^]*\nCertManager singapore-certificates: args\.replicas/,
        ),
    );
});

describe("certificates: CertManager on GKE", () => {
    it("uses a Google service account with Cloud DNS admin through workload identity", async () => {
        const cfg = parseConfig("gcp-test", validGcpRawConfig());
        const run = await runDeclarations(
            () =>
                new CertManager("singapore-certificates", {
                    cluster: testCluster(cfg, "singapore"),
                    dns01: {
                        provider: "clouddns",
                        project: "edtech-platform-prod",
                        managedZone: "example-com",
                    },
                    zoneName: "example.com",
                    acmeEmail: "platform@example.com",
                    hostnames: ["app.example.com"],
                    issuer: "letsencrypt-prod",
                    tlsSecretName: "ingress-tls",
                }),
        );
        // Cloud DNS admin on the platform's managed zone only, never on the project (every zone).
        assert.equal(run.ofType("gcp:projects/iAMMember:IAMMember").length, 0);
        const member = run.one(
            "gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember",
            "singapore-certificates-dns01-zone-dns-admin",
        );
        assert.equal(member.inputs.role, "roles/dns.admin");
        assert.equal(member.inputs.managedZone, "example-com");
        assert.equal(member.inputs.project, "edtech-platform-prod");
        assert.equal(run.providerOf(member)?.name, "singapore-gcp");
        const wi = run.one(
            "gcp:serviceaccount/iAMMember:IAMMember",
            "singapore-certificates-dns01-wi-user",
        );
        assert.equal(
            wi.inputs.member,
            "serviceAccount:edtech-platform-prod.svc.id.goog[cert-manager/cert-manager]",
        );
        const gsa = run.one(
            "gcp:serviceaccount/account:Account",
            "singapore-certificates-dns01-gsa",
        );
        assert.match(
            String(gsa.outputs.email),
            /@edtech-platform-prod\.iam\.gserviceaccount\.com$/,
        );
        const values = run.one(RELEASE, "singapore-certificates-release").inputs.values as Record<
            string,
            any
        >;
        assert.deepEqual(values.serviceAccount.annotations, {
            "iam.gke.io/gcp-service-account": gsa.outputs.email,
        });
        assert.equal(run.ofType("aws:iam/role:Role").length, 0);
    });
});
