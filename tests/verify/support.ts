/**
 * Loopback stand-ins for `npm run verify`: per region a fake Kubernetes API (HTTPS, bearer token) and a
 * fake public ingress (HTTPS with a certificate made by openssl for the test), both on 127.0.0.1,
 * started and stopped by the tests. Each behaves by a mutable `RegionBehaviour`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

export const PUBLIC_HOST = "app.verify.test";
export const REVISION = "1-30-3";

export interface Pem {
    readonly cert: string;
    readonly key: string;
}

/** A self-signed certificate for `cn`, valid `days` days (openssl; the key stays in the temp dir). */
export function selfSigned(
    dir: string,
    name: string,
    cn: string,
    days: number,
    san = `DNS:${cn}`,
): Pem {
    const key = path.join(dir, `${name}.key`);
    const cert = path.join(dir, `${name}.crt`);
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            String(days),
            "-subj",
            `/CN=${cn}`,
            "-addext",
            `subjectAltName=${san}`,
        ],
        { stdio: "ignore", timeout: 20_000 },
    );
    return { cert: fs.readFileSync(cert, "utf8"), key: fs.readFileSync(key, "utf8") };
}

export interface RegionBehaviour {
    istiodReady: number;
    istiodReplicas: number;
    remoteSecrets: string[];
    managedRemote: number;
    /** What /smoke/status/200 answers through this region's ingress. */
    smokeStatus200: number;
    /** The cluster named in /smoke/env answers (by target cluster); missing: 503 no healthy upstream. */
    envAnswers: Record<string, string>;
    /** The API server's reply to the plaintext service-proxy call. */
    plaintext: { status: number; body: string };
    meshCa: { caCert: string; rootCert: string };
    /** Never answer Kubernetes API calls (deadline tests). */
    kubeHangs: boolean;
}

export interface FakeRegion {
    readonly name: string;
    readonly behaviour: RegionBehaviour;
    readonly kubePort: number;
    readonly ingressPort: number;
    readonly token: string;
    /** The API server's certificate (the kubeconfig's certificate-authority-data). */
    readonly apiCa: string;
    /** Requests the fake API saw (path and Accept). */
    readonly seen: { path: string; accept?: string }[];
    close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
};

export async function startRegion(
    name: string,
    behaviour: RegionBehaviour,
    ingressCert: () => Pem,
    apiCert: Pem,
): Promise<FakeRegion> {
    const token = `token-${name}`;
    const seen: { path: string; accept?: string }[] = [];
    const hanging = new Set<http.ServerResponse>();
    const kube = https.createServer({ cert: apiCert.cert, key: apiCert.key }, (req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        seen.push({ path: url.pathname + url.search, accept: req.headers.accept });
        if (behaviour.kubeHangs) {
            hanging.add(res);
            return;
        }
        if (req.headers.authorization !== `Bearer ${token}`)
            return json(res, 401, { message: "no token" });
        const p = url.pathname;
        const sel = url.searchParams.get("labelSelector");
        if (
            p === "/apis/apps/v1/namespaces/istio-system/deployments" &&
            sel === `app=istiod,istio.io/rev=${REVISION}`
        )
            return json(res, 200, {
                items: [
                    {
                        metadata: { name: `istiod-${REVISION}` },
                        spec: { replicas: behaviour.istiodReplicas },
                        status: { readyReplicas: behaviour.istiodReady },
                    },
                ],
            });
        if (p === "/api/v1/namespaces/istio-system/secrets" && sel === "istio/multiCluster=true") {
            if (!String(req.headers.accept).includes("PartialObjectMetadataList"))
                return json(res, 406, { message: "the test only serves secret metadata" });
            return json(res, 200, {
                kind: "PartialObjectMetadataList",
                items: behaviour.remoteSecrets.map((n) => ({ metadata: { name: n } })),
            });
        }
        if (
            p === "/api/v1/namespaces/istio-system/pods" &&
            sel === `app=istiod,istio.io/rev=${REVISION}`
        )
            return json(res, 200, {
                items: [{ metadata: { name: "istiod-abc" }, status: { phase: "Running" } }],
            });
        if (p === "/api/v1/namespaces/istio-system/pods/istiod-abc:15014/proxy/metrics") {
            res.writeHead(200, { "content-type": "text/plain" });
            return res.end(
                `# HELP istiod_managed_clusters Number of clusters managed by istiod\n` +
                    `istiod_managed_clusters{cluster_type="local"} 1\n` +
                    `istiod_managed_clusters{cluster_type="remote"} ${behaviour.managedRemote}\n`,
            );
        }
        if (p === "/api/v1/namespaces/mesh-smoke/services/smoke:80/proxy/status/200") {
            res.writeHead(behaviour.plaintext.status, { "content-type": "text/plain" });
            return res.end(behaviour.plaintext.body);
        }
        if (p === "/api/v1/namespaces/istio-system/secrets/cacerts")
            return json(res, 200, {
                data: {
                    "ca-cert.pem": Buffer.from(behaviour.meshCa.caCert).toString("base64"),
                    "root-cert.pem": Buffer.from(behaviour.meshCa.rootCert).toString("base64"),
                    "ca-key.pem": Buffer.from("not a key").toString("base64"),
                },
            });
        return json(res, 404, { message: `the fake API has no ${p}` });
    });
    const pem = ingressCert();
    const ingress = https.createServer({ cert: pem.cert, key: pem.key }, (req, res) => {
        const url = new URL(req.url ?? "/", "https://x");
        if (req.headers.host !== PUBLIC_HOST) {
            res.writeHead(404);
            return res.end("unknown host");
        }
        if (url.pathname === "/smoke/status/200") {
            res.writeHead(behaviour.smokeStatus200);
            return res.end();
        }
        if (url.pathname === "/smoke/status/503") {
            res.writeHead(503);
            return res.end();
        }
        if (url.pathname === "/smoke/env") {
            const target = String(req.headers["x-mesh-cluster"] ?? name);
            const answer = behaviour.envAnswers[target];
            if (!answer) {
                res.writeHead(503);
                return res.end("no healthy upstream");
            }
            res.writeHead(200, { "content-type": "application/json" });
            return res.end(JSON.stringify({ env: { HTTPBIN_ENV_CLUSTER: answer } }));
        }
        res.writeHead(404);
        return res.end();
    });
    const listen = (s: http.Server) =>
        new Promise<number>((resolve) =>
            s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)),
        );
    const kubePort = await listen(kube);
    const ingressPort = await listen(ingress);
    const closeServer = (s: http.Server) =>
        new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
        });
    return {
        name,
        behaviour,
        kubePort,
        ingressPort,
        token,
        apiCa: apiCert.cert,
        seen,
        close: async () => {
            for (const r of hanging) r.destroy();
            await Promise.all([closeServer(kube), closeServer(ingress)]);
        },
    };
}

export function kubeconfigFor(r: FakeRegion): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": r.name,
        clusters: [
            {
                name: r.name,
                cluster: {
                    server: `https://127.0.0.1:${r.kubePort}`,
                    "certificate-authority-data": Buffer.from(r.apiCa).toString("base64"),
                },
            },
        ],
        contexts: [{ name: r.name, context: { cluster: r.name, user: r.name } }],
        users: [{ name: r.name, user: { token: r.token } }],
    });
}

/** The stack outputs `npm run verify` reads, pointing at the stand-ins. */
export function outputsFor(regions: readonly FakeRegion[]): Record<string, unknown> {
    return {
        environment: "test",
        verify: {
            stack: "test",
            publicHostname: PUBLIC_HOST,
            mesh: { istioNamespace: "istio-system", revisions: [REVISION], mtlsMode: "STRICT" },
            smoke: {
                namespace: "mesh-smoke",
                service: "smoke",
                port: 80,
                containerPort: 8080,
                publicPath: "/smoke/",
                clusterHeader: "x-mesh-cluster",
                clusterEnv: "HTTPBIN_ENV_CLUSTER",
            },
            regions: regions.map((r) => ({
                name: r.name,
                kubeconfig: kubeconfigFor(r),
                ingressHostname: "127.0.0.1",
                ingressPort: r.ingressPort,
            })),
        },
    };
}

export const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "verify-test-"));
