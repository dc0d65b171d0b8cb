import { strict as assert } from "assert";
import { validateManifest } from "../support/esm";
import { testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig, PlatformConfig } from "../support/config";
import {
    ACME_SERVERS,
    clusterIssuer,
    ingressCertificate,
    inZone,
    Manifest,
    RENEW_BEFORE,
    route53Policy,
} from "../../components/certificates";
import { GATEWAY_NAMESPACE } from "../../components/constants";
import { certManagerArgs, dns01Target } from "../../platform/addons";

/** The ingress certificate as the composition asks for it. */
const certOf = (cfg: PlatformConfig) =>
    ingressCertificate({
        hostnames: cfg.certificates.hostnames,
        issuer: cfg.certificates.issuer,
        secretName: cfg.mesh.ingressTlsSecretName,
    });

const hours = (d: string) => Number(/^(\d+)h$/.exec(d)![1]);

describe("certificates: manifests", () => {
    const cfg = testConfig();
    const singapore = cfg.regions[0];
    const route53 = dns01Target(cfg, { cloudRegion: singapore.region });

    it("ClusterIssuers point at Let's Encrypt staging and production and solve DNS-01 in Route 53", async () => {
        for (const name of ["letsencrypt-staging", "letsencrypt-prod"] as const) {
            const m = clusterIssuer(name, "platform@example.com", "example.com", route53);
            await validateManifest("cert-manager", m);
            assert.deepEqual(m.spec, {
                acme: {
                    server: ACME_SERVERS[name],
                    email: "platform@example.com",
                    privateKeySecretRef: { name: `${name}-account-key` },
                    solvers: [
                        {
                            selector: { dnsZones: ["example.com"] },
                            dns01: {
                                route53: {
                                    region: "ap-southeast-1",
                                    hostedZoneID: "Z0123456789EXAMPLE",
                                },
                            },
                        },
                    ],
                },
            });
        }
        assert.equal(
            ACME_SERVERS["letsencrypt-prod"],
            "https://acme-v02.api.letsencrypt.org/directory",
        );
        assert.equal(
            ACME_SERVERS["letsencrypt-staging"],
            "https://acme-staging-v02.api.letsencrypt.org/directory",
        );
    });

    it("on GCP the ClusterIssuer uses Cloud DNS with workload identity (no key secret)", async () => {
        const gcpCfg = parseConfig("gcp-test", validGcpRawConfig());
        const target = dns01Target(gcpCfg, { cloudRegion: gcpCfg.regions[0].region });
        const m = clusterIssuer("letsencrypt-prod", "platform@example.com", "example.com", target);
        await validateManifest("cert-manager", m);
        const solver = (m.spec.acme as { solvers: { dns01: unknown }[] }).solvers[0].dns01;
        assert.deepEqual(solver, {
            cloudDNS: { project: "edtech-platform-prod", hostedZoneName: "example-com" },
        });
    });

    it("the ingress Certificate renews at least 30 days ahead with the configured issuer into the gateway secret", async () => {
        const m = certOf(cfg);
        await validateManifest("cert-manager", m);
        assert.equal(m.metadata.namespace, GATEWAY_NAMESPACE);
        assert.deepEqual(
            m.spec.dnsNames,
            [
                "app.example.com",
                "singapore.app.example.com",
                "tokyo.app.example.com",
            ] /* + the regional names the Route 53 app checks call */,
        );
        assert.equal(m.spec.secretName, cfg.mesh.ingressTlsSecretName);
        assert.deepEqual(m.spec.issuerRef, {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: "letsencrypt-prod",
        });
        assert.equal(m.spec.renewBefore, RENEW_BEFORE);
        assert.ok(hours(m.spec.renewBefore) >= 720);
        assert.ok(hours(m.spec.duration as string) > hours(m.spec.renewBefore));
    });

    it("staging uses the trusted issuer and dev the staging issuer unless told otherwise", () => {
        assert.deepEqual(certOf(testConfig({ environment: "staging" })).spec.issuerRef, {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: "letsencrypt-prod",
        });
        assert.deepEqual(certOf(testConfig({ environment: "dev" })).spec.issuerRef, {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: "letsencrypt-staging",
        });
        assert.deepEqual(
            certOf(
                testConfig({
                    environment: "dev",
                    certificates: { acmeEmail: "a@example.com", issuer: "letsencrypt-prod" },
                }),
            ).spec.issuerRef,
            { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" },
        );
    });

    it("a wrong field fails the upstream schema", async () => {
        const good = certOf(cfg);
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "renewBefore as a number",
                { ...good.spec, renewBefore: 720 },
                /renewBefore must be string/,
            ],
            [
                "no issuerRef",
                { ...good.spec, issuerRef: undefined },
                /must have required property issuerRef/,
            ],
            [
                "unknown key algorithm",
                { ...good.spec, privateKey: { algorithm: "DSA" } },
                /algorithm must be equal to one of the allowed values/,
            ],
        ];
        for (const [what, spec, error] of cases) {
            const bad: Manifest = { ...good, spec: JSON.parse(JSON.stringify(spec)) };
            await assert.rejects(validateManifest("cert-manager", bad), error, what);
        }
        const issuer = clusterIssuer(
            "letsencrypt-prod",
            "platform@example.com",
            "example.com",
            route53,
        );
        const noServer: Manifest = {
            ...issuer,
            spec: { acme: { ...(issuer.spec.acme as object), server: undefined } },
        };
        await assert.rejects(
            validateManifest("cert-manager", JSON.parse(JSON.stringify(noServer))),
            /must have required property server/,
        );
    });

    it("rejects hostnames outside the DNS zone, naming the key, the value and what is allowed", () => {
        // The stack config rejects it already; the component checks again for args built in code
        // (tests/certificates/cert-manager.test.ts: `args.hostnames[1] "learn.other.org" is outside args.zoneName`).
        assert.throws(
            () =>
                testConfig({
                    certificates: {
                        acmeEmail: "a@example.com",
                        hostnames: ["app.example.com", "learn.other.org"],
                    },
                }),
            /mesh-platform:certificates\.hostnames\[1\]: is outside the DNS zone example\.com/,
        );
        assert.equal(inZone("learn.other.org", "example.com"), false);
        assert.equal(inZone("notexample.com", "example.com"), false);
        for (const h of ["example.com", "api.example.com", "*.example.com", "*.eu.example.com"])
            assert.equal(inZone(h, "example.com"), true, h);
    });

    it("the composition maps the stack config to cert-manager's args", () => {
        const cluster = { name: "singapore", cloud: "aws", cloudRegion: "ap-southeast-1" } as never;
        const gatewayNamespace = {} as never;
        const args = certManagerArgs(cfg, cluster, { gatewayNamespace });
        assert.deepEqual(
            { ...args, cluster: undefined },
            {
                cluster: undefined,
                dns01: {
                    provider: "route53",
                    hostedZoneId: "Z0123456789EXAMPLE",
                    region: "ap-southeast-1",
                },
                zoneName: "example.com",
                acmeEmail: "platform@example.com",
                hostnames: [
                    "app.example.com",
                    "singapore.app.example.com",
                    "tokyo.app.example.com",
                ],
                issuer: "letsencrypt-prod",
                tlsSecretName: cfg.mesh.ingressTlsSecretName,
                gatewayNamespace: GATEWAY_NAMESPACE,
                replicas: 2,
                dependsOn: [gatewayNamespace],
            },
        );
        const dev = certManagerArgs(testConfig({ environment: "dev" }), cluster, {
            gatewayNamespace,
        });
        assert.equal(dev.replicas, 1, "dev runs the profile's single replica");
        assert.equal(dev.issuer, "letsencrypt-staging");
        // Staging is long-lived and browsed by people: its certificate must be trusted.
        const staging = certManagerArgs(testConfig({ environment: "staging" }), cluster, {
            gatewayNamespace,
        });
        assert.equal(staging.issuer, "letsencrypt-prod");
        const gcpCfg = parseConfig("gcp-test", validGcpRawConfig());
        assert.throws(
            () =>
                dns01Target(
                    { ...gcpCfg, gcpProject: undefined },
                    { cloudRegion: "asia-southeast1" },
                ),
            /mesh-platform:gcpProject: is required for clouddns/,
        );
    });

    it("the Route 53 policy only touches TXT records of the stack's zone", () => {
        const p = route53Policy("Z0123456789EXAMPLE") as unknown as {
            Statement: { Action: unknown; Resource: string; Condition?: unknown }[];
        };
        assert.deepEqual(
            p.Statement.map((s) => s.Resource),
            ["arn:aws:route53:::change/*", "arn:aws:route53:::hostedzone/Z0123456789EXAMPLE", "*"],
        );
        assert.deepEqual(p.Statement[1].Condition, {
            "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
        });
        assert.deepEqual(p.Statement[2].Action, "route53:ListHostedZonesByName");
    });
});
