import { strict as assert } from "assert";
import { validateManifest } from "../support/esm";
import { testConfig, validGcpRawConfig } from "../support/fixtures";
import { parseConfig } from "../../config";
import {
    ACME_SERVERS, checkHostnames, clusterIssuer, ingressCertificate, Manifest, RENEW_BEFORE,
} from "../../components/certificates";
import { dns01Target, route53Policy } from "../../components/certificates/cert-manager";
import { GATEWAY_NAMESPACE } from "../../components/constants";

const hours = (d: string) => Number(/^(\d+)h$/.exec(d)![1]);

describe("certificates: manifests", () => {
    const cfg = testConfig();
    const singapore = cfg.regions[0];
    const route53 = dns01Target(cfg, { name: "singapore", cloud: "aws", cloudRegion: singapore.region });

    it("ClusterIssuers point at Let's Encrypt staging and production and solve DNS-01 in Route 53", async () => {
        for (const name of ["letsencrypt-staging", "letsencrypt-prod"] as const) {
            const m = clusterIssuer(name, "platform@example.com", "example.com", route53);
            await validateManifest("cert-manager", m);
            assert.deepEqual(m.spec, {
                acme: {
                    server: ACME_SERVERS[name],
                    email: "platform@example.com",
                    privateKeySecretRef: { name: `${name}-account-key` },
                    solvers: [{
                        selector: { dnsZones: ["example.com"] },
                        dns01: { route53: { region: "ap-southeast-1", hostedZoneID: "Z0123456789EXAMPLE" } },
                    }],
                },
            });
        }
        assert.equal(ACME_SERVERS["letsencrypt-prod"], "https://acme-v02.api.letsencrypt.org/directory");
        assert.equal(ACME_SERVERS["letsencrypt-staging"], "https://acme-staging-v02.api.letsencrypt.org/directory");
    });

    it("on GCP the ClusterIssuer uses Cloud DNS with workload identity (no key secret)", async () => {
        const gcpCfg = parseConfig("gcp-test", validGcpRawConfig());
        const target = dns01Target(gcpCfg, { name: "singapore", cloud: "gcp", cloudRegion: gcpCfg.regions[0].region });
        const m = clusterIssuer("letsencrypt-prod", "platform@example.com", "example.com", target);
        await validateManifest("cert-manager", m);
        const solver = (m.spec.acme as { solvers: { dns01: unknown }[] }).solvers[0].dns01;
        assert.deepEqual(solver, { cloudDNS: { project: "edtech-platform-prod", hostedZoneName: "example-com" } });
    });

    it("the ingress Certificate renews at least 30 days ahead with the configured issuer into the gateway secret", async () => {
        const m = ingressCertificate(cfg);
        await validateManifest("cert-manager", m);
        assert.equal(m.metadata.namespace, GATEWAY_NAMESPACE);
        assert.deepEqual(m.spec.dnsNames, ["app.example.com"]);
        assert.equal(m.spec.secretName, cfg.mesh.ingressTlsSecretName);
        assert.deepEqual(m.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" });
        assert.equal(m.spec.renewBefore, RENEW_BEFORE);
        assert.ok(hours(m.spec.renewBefore) >= 720);
        assert.ok(hours(m.spec.duration as string) > hours(m.spec.renewBefore));
    });

    it("staging and dev use the staging issuer unless told otherwise", () => {
        assert.deepEqual(ingressCertificate(testConfig({ environment: "staging" })).spec.issuerRef,
            { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-staging" });
        assert.deepEqual(ingressCertificate(testConfig({ environment: "dev" })).spec.issuerRef,
            { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-staging" });
        assert.deepEqual(ingressCertificate(testConfig({ environment: "dev", certificates: { acmeEmail: "a@example.com", issuer: "letsencrypt-prod" } })).spec.issuerRef,
            { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" });
    });

    it("a wrong field fails the upstream schema", async () => {
        const good = ingressCertificate(cfg);
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["renewBefore as a number", { ...good.spec, renewBefore: 720 }, /renewBefore must be string/],
            ["no issuerRef", { ...good.spec, issuerRef: undefined }, /must have required property issuerRef/],
            ["unknown key algorithm", { ...good.spec, privateKey: { algorithm: "DSA" } }, /algorithm must be equal to one of the allowed values/],
        ];
        for (const [what, spec, error] of cases) {
            const bad: Manifest = { ...good, spec: JSON.parse(JSON.stringify(spec)) };
            await assert.rejects(validateManifest("cert-manager", bad), error, what);
        }
        const issuer = clusterIssuer("letsencrypt-prod", "platform@example.com", "example.com", route53);
        const noServer: Manifest = { ...issuer, spec: { acme: { ...(issuer.spec.acme as object), server: undefined } } };
        await assert.rejects(validateManifest("cert-manager", JSON.parse(JSON.stringify(noServer))), /must have required property server/);
    });

    it("rejects hostnames outside the DNS zone, naming the key, the value and what is allowed", () => {
        // The stack config rejects it already; the component checks again for configs built in code.
        assert.throws(() => testConfig({ certificates: { acmeEmail: "a@example.com", hostnames: ["app.example.com", "learn.other.org"] } }),
            /mesh-platform:certificates\.hostnames\[1\]: is outside the DNS zone example\.com/);
        const good = testConfig();
        const bad = { ...good, certificates: { ...good.certificates, hostnames: ["app.example.com", "learn.other.org"] } };
        assert.throws(() => checkHostnames(bad),
            /mesh-platform:certificates\.hostnames\[1\]: "learn\.other\.org" is outside the DNS zone example\.com.*allowed: example\.com and names ending in \.example\.com/);
        assert.doesNotThrow(() => checkHostnames(testConfig({ certificates: { acmeEmail: "a@example.com", hostnames: ["example.com", "api.example.com"] } })));
    });

    it("rejects a DNS provider the cluster's identity cannot reach", () => {
        assert.throws(() => dns01Target(cfg, { name: "tokyo", cloud: "gcp", cloudRegion: cfg.regions[1].region }),
            /mesh-platform:dns\.provider: "route53" cannot be written by cert-manager in gcp cluster tokyo.*allowed for gcp clusters: clouddns/);
    });

    it("the Route 53 policy only touches TXT records of the stack's zone", () => {
        const p = route53Policy("Z0123456789EXAMPLE") as unknown as { Statement: { Action: unknown; Resource: string; Condition?: unknown }[] };
        assert.deepEqual(p.Statement.map((s) => s.Resource), ["arn:aws:route53:::change/*", "arn:aws:route53:::hostedzone/Z0123456789EXAMPLE", "*"]);
        assert.deepEqual(p.Statement[1].Condition, { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] } });
        assert.deepEqual(p.Statement[2].Action, "route53:ListHostedZonesByName");
    });
});
