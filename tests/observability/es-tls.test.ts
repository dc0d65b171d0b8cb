/**
 * Elasticsearch's HTTP certificate is the platform's (a CA per cluster, issued in the Pulumi state) and
 * every client verifies Elasticsearch against that CA: Grafana's data source, Fluent Bit, the exporter
 * and the lifecycle Job. Run on the committed prod and dev stacks; the CA key reaches no Kubernetes
 * object.
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { runStack, RecordedRun, RecordedResource } from "../harness";
import { LOGGING_NAMESPACE } from "../../components/constants";
import {
    ES_CA_CONFIGMAP,
    ES_CA_DIGEST_ANNOTATION,
    ES_CA_SECRET,
    ES_HTTP_CERT_SECRET,
    ES_HTTP_SERVICE,
    esHttpDnsNames,
} from "../../components/observability/logging";
import {
    ES_CERT_EARLY_RENEWAL_HOURS,
    ES_CERT_VALIDITY_HOURS,
    serviceDnsNames,
} from "../../components/observability/es-tls";
import { grafanaDataSources } from "../../components/observability/metrics";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const KEY = "tls:index/privateKey:PrivateKey";
const CA = "tls:index/selfSignedCert:SelfSignedCert";
const CSR = "tls:index/certRequest:CertRequest";
const LEAF = "tls:index/locallySignedCert:LocallySignedCert";
const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
const WEEK_HOURS = 7 * 24;

const plain = (r: RecordedResource) => r.plainInputs as any;
const clustersOf = (run: RecordedRun) =>
    (run.outputs.regions as { name: string }[]).map((r) => r.name);

/** Every (key, value) in a tree, with its path. */
function walk(v: unknown, visit: (key: string, value: unknown, at: string) => void, at = ""): void {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, visit, `${at}[${i}]`));
    else if (v && typeof v === "object")
        for (const [k, x] of Object.entries(v)) {
            visit(k, x, `${at}.${k}`);
            walk(x, visit, `${at}.${k}`);
        }
}

/** The host of an https:// URL. */
const hostOf = (url: string) => new URL(url).hostname;

/** The platform CA of cluster `c` and what it issued. */
function tlsOf(run: RecordedRun, c: string) {
    const p = `${c}-observability-logging-es-http`;
    const caKey = run.one(KEY, `${p}-ca-key`);
    const ca = run.one(CA, `${p}-ca`);
    const key = run.one(KEY, `${p}-key`);
    const csr = run.one(CSR, `${p}-csr`);
    const leaf = run.one(LEAF, `${p}-cert`);
    const caPem = ca.outputs.certPem as string;
    assert.match(caPem, /^-----BEGIN CERTIFICATE-----/);
    return {
        caKey,
        ca,
        key,
        csr,
        leaf,
        caPem,
        caKeyPem: caKey.outputs.privateKeyPem as string,
        keyPem: key.outputs.privateKeyPem as string,
        digest: crypto.createHash("sha256").update(caPem).digest("hex"),
    };
}

describe("observability: Elasticsearch's HTTP certificate and its clients", function () {
    this.timeout(120_000);
    let prod: RecordedRun;
    let dev: RecordedRun;
    before(async () => {
        [prod, dev] = await Promise.all([runStack("prod"), runStack("dev")]);
    });

    it("issues a CA per cluster and a leaf from it for every name of the HTTP service, renewed by the weekly refresh", () => {
        assert.deepEqual(esHttpDnsNames(), [
            "logs-es-http",
            "logs-es-http.logging",
            "logs-es-http.logging.svc",
            "logs-es-http.logging.svc.cluster.local",
        ]);
        assert.deepEqual(esHttpDnsNames(), serviceDnsNames(ES_HTTP_SERVICE, LOGGING_NAMESPACE));
        const cas = new Set<string>();
        for (const c of clustersOf(prod)) {
            const t = tlsOf(prod, c);
            cas.add(t.caPem);
            assert.deepEqual(t.caKey.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" }, c);
            assert.equal(t.ca.inputs.isCaCertificate, true, c);
            assert.ok((t.ca.inputs.validityPeriodHours as number) >= 9 * 365 * 24, c);
            assert.ok(t.ca.dependencies.includes(t.caKey.urn), c);
            assert.deepEqual(plain(t.csr).dnsNames, esHttpDnsNames(), c);
            assert.equal(plain(t.csr).privateKeyPem, t.keyPem, `${c}: the CSR is the leaf key's`);
            // Signed by this cluster's CA.
            assert.equal(plain(t.leaf).caCertPem, t.caPem, c);
            assert.equal(plain(t.leaf).caPrivateKeyPem, t.caKeyPem, c);
            assert.equal(plain(t.leaf).certRequestPem, t.csr.outputs.certRequestPem, c);
            assert.ok(plain(t.leaf).allowedUses.includes("server_auth"), c);
            assert.equal(t.leaf.inputs.isCaCertificate ?? false, false, c);
            // A year, re-issued 60 days ahead: several weekly runs see it due before it expires.
            assert.equal(t.leaf.inputs.validityPeriodHours, ES_CERT_VALIDITY_HOURS);
            assert.equal(t.leaf.inputs.earlyRenewalHours, ES_CERT_EARLY_RENEWAL_HOURS);
            assert.equal(ES_CERT_VALIDITY_HOURS, 365 * 24);
            assert.equal(ES_CERT_EARLY_RENEWAL_HOURS, 60 * 24);
            assert.ok(ES_CERT_EARLY_RENEWAL_HOURS >= 4 * WEEK_HOURS);
            // Every host a client dials is a name of the certificate (checked per client below too).
            assert.ok(esHttpDnsNames().includes(`${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc`));
        }
        assert.equal(cas.size, clustersOf(prod).length, "one CA per cluster");
    });

    it("Elasticsearch serves the leaf from the Secret its CR references (tls.crt, tls.key, ca.crt)", () => {
        for (const c of clustersOf(prod)) {
            const t = tlsOf(prod, c);
            const es = prod.one(ES, `${c}-observability-logging-elasticsearch`);
            assert.deepEqual(plain(es).spec.http, {
                tls: { certificate: { secretName: ES_HTTP_CERT_SECRET } },
            });
            assert.equal(
                plain(es).spec.http.tls.selfSignedCertificate,
                undefined,
                "no ECK self-signed certificate besides",
            );
            const secret = prod.one(
                "kubernetes:core/v1:Secret",
                `${c}-observability-logging-es-http-tls`,
            );
            assert.deepEqual(plain(secret).metadata, {
                name: ES_HTTP_CERT_SECRET,
                namespace: LOGGING_NAMESPACE,
            });
            assert.deepEqual(plain(secret).stringData, {
                "tls.crt": t.leaf.outputs.certPem,
                "tls.key": t.keyPem,
                "ca.crt": t.caPem,
            });
            assert.ok(
                es.dependencies.includes(secret.urn),
                "the Secret exists before ECK reads it",
            );
        }
    });

    it("Grafana's Elasticsearch data source verifies TLS with its cluster's CA, and nothing anywhere skips verification", () => {
        for (const run of [prod, dev]) {
            for (const c of clustersOf(run)) {
                const t = tlsOf(run, c);
                const release = run.one(RELEASE, `${c}-observability-metrics-release`);
                const sources = plain(release).values.grafana.additionalDataSources as any[];
                const es = sources.filter((s) => s.type === "elasticsearch");
                assert.equal(es.length, 1, c);
                assert.equal(es[0].jsonData.tlsAuthWithCACert, true, c);
                assert.equal(es[0].secureJsonData.tlsCACert, t.caPem, `${c}: its own cluster's CA`);
                assert.equal(es[0].secureJsonData.basicAuthPassword, "$__env{ES_READER_PASSWORD}");
                assert.ok(esHttpDnsNames().includes(hostOf(es[0].url)), es[0].url);
                assert.ok(release.dependencies.includes(t.ca.urn), c);
            }
            for (const r of run.ofType(RELEASE))
                walk(plain(r).values, (k, v, at) => {
                    assert.notEqual(k, "tlsSkipVerify", `${r.name}${at}`);
                    assert.ok(!(k === "sslSkipVerify" && v === true), `${r.name}${at}`);
                    if (typeof v === "string")
                        assert.doesNotMatch(v, /tls\.verify\s+Off/i, `${r.name}${at}`);
                });
        }
    });

    it("every Elasticsearch client verifies against the platform CA from a ConfigMap in its namespace and rolls when it changes", () => {
        for (const c of clustersOf(prod)) {
            const t = tlsOf(prod, c);
            const cm = prod.one("kubernetes:core/v1:ConfigMap", `${c}-observability-logging-es-ca`);
            assert.deepEqual(plain(cm).metadata, {
                name: ES_CA_CONFIGMAP,
                namespace: LOGGING_NAMESPACE,
            });
            assert.deepEqual(plain(cm).data, { "ca.crt": t.caPem });

            // Whatever dials Elasticsearch is one of the clients checked here.
            const dialing = prod.resources
                .filter(
                    (r) =>
                        r.name.startsWith(`${c}-`) &&
                        r.type.startsWith("kubernetes:") &&
                        JSON.stringify(r.plainInputs).includes(
                            `${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}`,
                        ),
                )
                .map((r) => r.name)
                .sort();
            assert.deepEqual(dialing, [
                `${c}-observability-logging-es-exporter`,
                `${c}-observability-logging-fluent-bit`,
                `${c}-observability-logging-ilm`,
                `${c}-observability-metrics-release`,
            ]);

            const mountsCa = (volumes: any[], mounts: any[], file: string, who: string) => {
                const vol = volumes.find((v) => v.configMap?.name === ES_CA_CONFIGMAP);
                assert.ok(vol, `${who}: a volume from ${ES_CA_CONFIGMAP}`);
                const mount = mounts.find((m) => m.name === vol.name);
                assert.ok(mount, `${who}: the CA volume is mounted`);
                assert.equal(path.posix.dirname(file), mount.mountPath, `${who}: reads ${file}`);
                assert.equal(path.posix.basename(file), "ca.crt", who);
                assert.ok(
                    !JSON.stringify(volumes).includes(ES_CA_SECRET),
                    `${who}: not ECK's generated CA secret`,
                );
            };

            // Fluent Bit
            const fbRelease = prod.one(RELEASE, `${c}-observability-logging-fluent-bit`);
            const fb = plain(fbRelease).values;
            const out: string = fb.config.outputs;
            assert.match(out, /^\s*tls On$/m);
            assert.match(out, /^\s*tls\.verify On$/m);
            const caFile = /^\s*tls\.ca_file (\S+)$/m.exec(out)?.[1] ?? "";
            mountsCa(fb.extraVolumes, fb.extraVolumeMounts, caFile, "fluent-bit");
            assert.ok(esHttpDnsNames().includes(/^\s*Host (\S+)$/m.exec(out)?.[1] ?? ""));
            assert.equal(fb.podAnnotations[ES_CA_DIGEST_ANNOTATION], t.digest);
            assert.ok(fbRelease.dependencies.includes(cm.urn));

            // Elasticsearch exporter
            const exRelease = prod.one(RELEASE, `${c}-observability-logging-es-exporter`);
            const ex = plain(exRelease).values;
            assert.equal(ex.es.ssl.enabled, true);
            assert.equal(ex.es.sslSkipVerify ?? false, false);
            assert.equal(ex.secretMounts, undefined, "no Secret (ECK's) mounted for the CA");
            mountsCa(ex.extraVolumes, ex.extraVolumeMounts, ex.es.ssl.ca.path, "es-exporter");
            assert.ok(esHttpDnsNames().includes(hostOf(ex.es.uri)));
            assert.equal(ex.podAnnotations[ES_CA_DIGEST_ANNOTATION], t.digest);
            assert.ok(exRelease.dependencies.includes(cm.urn));

            // Lifecycle Job: every curl to Elasticsearch passes --cacert with the mounted CA.
            const job = prod.one("kubernetes:batch/v1:Job", `${c}-observability-logging-ilm`);
            const pod = plain(job).spec.template;
            const container = pod.spec.containers[0];
            const script: string = container.command[2];
            assert.doesNotMatch(script, /(^|\s)(-k|--insecure)(\s|$)/m);
            const esUrl = /^ES="([^"]+)"$/m.exec(script)?.[1] ?? "";
            assert.ok(esHttpDnsNames().includes(hostOf(esUrl)), esUrl);
            const call = /^call\(\) \{ (.*) \}$/m.exec(script)?.[1] ?? "";
            const cacert = /--cacert (\S+)/.exec(call)?.[1] ?? "";
            mountsCa(pod.spec.volumes, container.volumeMounts, cacert, "ilm job");
            assert.equal(pod.metadata.annotations[ES_CA_DIGEST_ANNOTATION], t.digest);
            assert.ok(job.dependencies.includes(cm.urn));
        }
    });

    it("keeps the CA key a secret in the state, out of every Kubernetes object", () => {
        for (const run of [prod, dev]) {
            for (const c of clustersOf(run)) {
                const t = tlsOf(run, c);
                for (const k of [t.caKey, t.key])
                    for (const o of ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"])
                        assert.ok(k.additionalSecretOutputs.includes(o), `${k.name} ${o}`);
                assert.match(t.caKeyPem, /PRIVATE KEY/);
                // The search finds key material where it belongs: the CA key in the signing input,
                // the leaf key in the certificate Secret (both secret).
                assert.equal(plain(t.leaf).caPrivateKeyPem, t.caKeyPem);
                assert.ok(t.leaf.secretInputPaths.includes("caPrivateKeyPem"));
                const secret = run.one(
                    "kubernetes:core/v1:Secret",
                    `${c}-observability-logging-es-http-tls`,
                );
                assert.ok(JSON.stringify(secret.plainInputs).includes(JSON.stringify(t.keyPem)));
                assert.ok(secret.secretInputPaths.includes("stringData"));
                assert.ok(secret.additionalSecretOutputs.includes("stringData"));
            }
            const caKeys = clustersOf(run).map((c) => tlsOf(run, c).caKeyPem);
            for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
                const json = JSON.stringify(r.plainInputs);
                for (const k of caKeys)
                    assert.ok(!json.includes(JSON.stringify(k)), `${r.name} holds a CA key`);
            }
            for (const r of run.ofType("kubernetes:core/v1:ConfigMap"))
                assert.doesNotMatch(JSON.stringify(r.plainInputs), /PRIVATE KEY/, r.name);
        }
    });

    it("protects the CA key and certificate in prod, not in dev; the leaf never", () => {
        for (const [run, protect] of [
            [prod, true],
            [dev, false],
        ] as const) {
            for (const c of clustersOf(run)) {
                const t = tlsOf(run, c);
                assert.deepEqual(
                    [t.caKey.protect, t.ca.protect],
                    [protect, protect],
                    `${run.stack} ${c} CA`,
                );
                assert.deepEqual(
                    [t.key.protect, t.csr.protect, t.leaf.protect],
                    [false, false, false],
                    `${run.stack} ${c} leaf (renewed by replacement)`,
                );
                for (const r of [t.caKey, t.ca, t.key, t.csr, t.leaf])
                    assert.equal(run.providerOf(r)?.type, "pulumi:providers:tls", r.name);
            }
        }
    });
});

describe("observability: grafanaDataSources", () => {
    it("adds Elasticsearch only with a CA to verify it with, never skipping verification", () => {
        const none = grafanaDataSources();
        assert.deepEqual(
            none.map((s) => s.type),
            ["jaeger"],
        );
        const withCa = grafanaDataSources({ elasticsearchCaPem: "PEM", thanos: true });
        assert.deepEqual(
            withCa.map((s) => s.type),
            ["prometheus", "jaeger", "elasticsearch"],
        );
        const es = withCa[2] as any;
        assert.equal(es.jsonData.tlsAuthWithCACert, true);
        assert.equal(es.secureJsonData.tlsCACert, "PEM");
        assert.equal(es.jsonData.tlsSkipVerify, undefined);
        assert.equal(grafanaDataSources({ thanos: false }).length, 1);
    });
});
