import * as assert from "assert";
import {
    helmReleasePinned,
    noPlaintextSecretMaterial,
} from "../../policies/security/rules/workloads";
import { check, k8sProvider, messages, res } from "./support";

const k8s = k8sProvider("singapore-k8s");
const helm = (name: string, inputs: Record<string, unknown>) =>
    res(
        "kubernetes:helm.sh/v3:Release",
        name,
        { namespace: "x", values: {}, ...inputs },
        { provider: k8s },
    );

describe("policies/security: Helm releases pinned", () => {
    it("passes exact versions with an https or oci repository, and oci chart references", () => {
        const v = check(helmReleasePinned, [
            helm("a", {
                chart: "podinfo",
                version: "v6.9.2",
                repositoryOpts: { repo: "https://stefanprodan.github.io/podinfo" },
            }),
            helm("b", {
                chart: "velero",
                version: "12.1.0",
                repositoryOpts: { repo: "https://vmware-tanzu.github.io/helm-charts" },
            }),
            helm("c", { chart: "oci://ghcr.io/example/charts/thing", version: "2.1.0-rc.1" }),
        ]);
        assert.deepStrictEqual(v, []);
    });

    it("fails a chart of the platform catalog at another exact version than the catalog pins", () => {
        const v = check(helmReleasePinned, [
            helm("a", {
                chart: "istiod",
                version: "1.27.3",
                repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
            }),
            helm("b", {
                chart: "istiod",
                version: "1.27.3",
                repositoryOpts: { repo: "https://charts.example.com/mirror" },
            }),
        ]);
        assert.deepStrictEqual(messages(v), [
            "chart istiod from https://istio-release.storage.googleapis.com/charts is at 1.27.3, but the reviewed catalog (lib/charts.ts) pins 1.30.3; change the catalog, not the release",
        ]);
    });

    it("fails a missing or ranged version and a missing or insecure repository", () => {
        const v = check(helmReleasePinned, [
            helm("a", {
                chart: "istiod",
                repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
            }),
            helm("b", {
                chart: "gateway",
                version: "~1.27",
                repositoryOpts: { repo: "http://charts.example.com" },
            }),
            helm("c", { chart: "jaeger", version: "3.4.1" }),
        ]);
        assert.deepStrictEqual(messages(v), [
            "chart istiod has no version; pin an exact chart version",
            'chart gateway version "~1.27" is not an exact version (no ranges, wildcards or tags)',
            "repositoryOpts.repo http://charts.example.com must be an https:// or oci:// URL",
            "chart jaeger has no repositoryOpts.repo; pin the chart repository",
        ]);
    });
});

describe("policies/security: no plaintext secret material", () => {
    const key =
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----\n";
    const kubeconfig =
        "apiVersion: v1\nkind: Config\nusers:\n- name: reader\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.abcdefghijklmnop\n";

    it("passes secrets as Pulumi secrets, Kubernetes Secret payloads, certificates and exec kubeconfigs", () => {
        const v = check(noPlaintextSecretMaterial, [
            res("pulumi:providers:kubernetes", "p", { kubeconfig: "[secret]" }),
            res(
                "kubernetes:core/v1:Secret",
                "cacerts",
                { metadata: { name: "cacerts" }, stringData: { "ca-key.pem": key } },
                { provider: k8s },
            ),
            res(
                "kubernetes:core/v1:ConfigMap",
                "ca",
                {
                    data: {
                        "root-cert.pem":
                            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    },
                },
                { provider: k8s },
            ),
            res("pulumi:providers:kubernetes", "exec", {
                kubeconfig:
                    "users:\n- name: aws\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token]\n",
            }),
            res("pulumi:providers:kubernetes", "exec-json", {
                kubeconfig: JSON.stringify({
                    users: [
                        {
                            name: "aws",
                            user: {
                                exec: {
                                    command: "aws",
                                    args: ["eks", "get-token", "--cluster-name", "c"],
                                },
                            },
                        },
                    ],
                }),
            }),
            res("tls:index/locallySignedCert:LocallySignedCert", "ica", {
                caPrivateKeyPem: key,
                certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----",
            }),
        ]);
        assert.deepStrictEqual(v, []);
    });

    it("fails private keys and token kubeconfigs in plain inputs, naming the input", () => {
        const v = check(noPlaintextSecretMaterial, [
            res(
                "kubernetes:core/v1:ConfigMap",
                "leak",
                { data: { "tls.key": key } },
                { provider: k8s },
            ),
            res("pulumi:providers:kubernetes", "p", { kubeconfig: kubeconfig }),
            helm("h", { chart: "x", values: { remote: { kubeconfig } } }),
            res("pulumi:providers:kubernetes", "json", {
                kubeconfig: JSON.stringify({
                    users: [{ name: "u", user: { token: "abcdefghijklmnopqrstuvwxyz" } }],
                }),
            }),
        ]);
        assert.deepStrictEqual(messages(v), [
            "input data.tls.key holds a PEM private key in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
            "input kubeconfig holds a kubeconfig with a bearer token in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
            "input values.remote.kubeconfig holds a kubeconfig with a bearer token in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
            "input kubeconfig holds a kubeconfig (JSON) with credentials in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
        ]);
    });

    it('still judges every known input when others are unknown at preview (mandatory, not "can\'t run")', () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const v = check(noPlaintextSecretMaterial, [
            res(
                "kubernetes:core/v1:ConfigMap",
                "leak",
                {
                    metadata: { name: unknown },
                    data: { "a.crt": unknown, "tls.key": key },
                    binaryData: [unknown],
                },
                { provider: k8s },
            ),
        ]);
        assert.deepStrictEqual(
            v.map((x) => [x.enforcementLevel, x.message]),
            [
                [
                    "mandatory",
                    "input data.tls.key holds a PEM private key in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
                ],
            ],
        );
    });

    it("honours additionalSecretOutputs, the declaration a real preview can see (CrossGuard unwraps secrets)", () => {
        const reports: string[] = [];
        const args = (declared: readonly string[]) => ({
            type: "aws:s3/bucketObjectv2:BucketObjectv2",
            urn: "urn:x",
            name: "ca-material",
            props: { content: key, key: "mesh-ca/ca.json" },
            opts: {
                protect: false,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [...declared],
            },
            stackTags: new Map(),
            getConfig: () => ({}),
            isType: () => false,
            asType: () => undefined,
            notApplicable: (r?: string) => {
                throw new Error(r);
            },
        });
        const validate = noPlaintextSecretMaterial.validateResource as (
            a: unknown,
            r: (m: string) => void,
        ) => void;
        validate(args(["content"]), (m) => reports.push(m));
        assert.strictEqual(reports.length, 0);
        validate(args([]), (m) => reports.push(m));
        assert.deepStrictEqual(reports, [
            "input content holds a PEM private key in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
        ]);
    });
});
