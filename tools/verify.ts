/**
 * Post-deploy verification (the guide's post-deployment checks):
 *
 *   npm run verify -- --stack <name> [--outputs <file>] [--ca <pem>] [--timeout <s>] [--deadline <s>] [--cert-days <d>]
 *
 * Reads the stack's `verify` output (from `pulumi stack output --json --show-secrets`, or `--outputs`),
 * then checks every region through its Kubernetes API and its public ingress:
 *   - istiod of every revision is ready;
 *   - the remote secrets of every other cluster are present and istiod manages those clusters;
 *   - the smoke service answers through the region's ingress (/smoke/status/200 and /smoke/status/503);
 *   - the smoke service of every other region answers through this region's ingress (east-west gateway);
 *   - a plaintext call to a meshed service is refused (STRICT mTLS);
 *   - the ingress certificate and the mesh CA (cacerts) are valid for at least --cert-days days.
 * Every network call has a deadline (--timeout per call, --deadline for the whole run); SIGINT and
 * SIGTERM abort what is in flight. Exit codes: 0 every check passed; 1 a check failed (listed); 2 bad
 * usage or unusable outputs; 130 interrupted.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { setMaxListeners } from "node:events";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import { parseArgs as parseNodeArgs } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { z } from "zod";

// --- the `verify` stack output (platform/services.ts) ---

export const verifyOutputsSchema = z.object({
    stack: z.string().min(1),
    publicHostname: z.string().min(1),
    mesh: z.object({
        istioNamespace: z.string().min(1),
        revisions: z.array(z.string().min(1)).min(1),
        mtlsMode: z.enum(["STRICT", "PERMISSIVE"]),
    }),
    smoke: z.object({
        namespace: z.string().min(1),
        service: z.string().min(1),
        port: z.number().int().positive(),
        publicPath: z.string().startsWith("/"),
        clusterHeader: z.string().min(1),
        clusterEnv: z.string().min(1),
    }),
    regions: z
        .array(
            z.object({
                name: z.string().min(1),
                kubeconfig: z.string().min(1),
                ingressHostname: z.string().min(1),
                ingressPort: z.number().int().positive(),
            }),
        )
        .min(1),
});
export type VerifyTarget = z.infer<typeof verifyOutputsSchema>;
type Region = VerifyTarget["regions"][number];

export class UsageError extends Error {}

export interface VerifyOptions {
    readonly stack: string;
    readonly outputs?: string;
    readonly caFile?: string;
    /** Per network call. */
    readonly timeoutMs: number;
    /** For the whole run. */
    readonly deadlineMs: number;
    readonly certDays: number;
}

export const USAGE = `usage: npm run verify -- --stack <name> [options]

Post-deploy checks of a stack: istiod per revision, remote secrets, the smoke service through each
region's ingress and across regions, plaintext refused (STRICT mTLS), ingress and mesh CA expiry.

options:
  --stack <name>       the stack (required)
  --outputs <file>     stack outputs JSON (default: pulumi stack output --json --show-secrets --stack <name>)
  --ca <pem file>      extra CA to trust for the ingress (a private or Let's Encrypt staging root)
  --timeout <seconds>  deadline of each network call (default 10)
  --deadline <seconds> deadline of the whole run (default 180)
  --cert-days <days>   certificates must stay valid this many more days (default 30, the guide's alert)
  -h, --help           this text

exit codes: 0 all checks passed, 1 a check failed, 2 bad usage or outputs, 130 interrupted`;

const positive = (flag: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
        throw new UsageError(`${flag} is "${v}"; must be a positive number`);
    return n;
};

/** `undefined` for --help. */
export function parseVerifyArgs(argv: readonly string[]): VerifyOptions | undefined {
    let values: Record<string, string | boolean | undefined>;
    try {
        ({ values } = parseNodeArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                stack: { type: "string" },
                outputs: { type: "string" },
                ca: { type: "string" },
                timeout: { type: "string" },
                deadline: { type: "string" },
                "cert-days": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (values.help) return undefined;
    const str = (k: string) => values[k] as string | undefined;
    const stack = str("stack");
    if (!stack) throw new UsageError("--stack <name> is required");
    return {
        stack,
        ...(str("outputs") ? { outputs: str("outputs") } : {}),
        ...(str("ca") ? { caFile: str("ca") } : {}),
        timeoutMs: positive("--timeout", str("timeout"), 10) * 1000,
        deadlineMs: positive("--deadline", str("deadline"), 180) * 1000,
        certDays: positive("--cert-days", str("cert-days"), 30),
    };
}

/** The `verify` object from the whole stack output (key `verify`) or the object itself. */
export function parseVerifyOutputs(raw: unknown, source: string): VerifyTarget {
    const candidate = raw !== null && typeof raw === "object" && "verify" in raw ? raw.verify : raw;
    const r = verifyOutputsSchema.safeParse(candidate);
    if (!r.success)
        throw new UsageError(
            `stack outputs in ${source} have no usable \`verify\` object:\n` +
                r.error.issues
                    .map((i) => `  - verify.${i.path.map(String).join(".")}: ${i.message}`)
                    .join("\n"),
        );
    const masked = r.data.regions.filter((g) => g.kubeconfig === "[secret]").map((g) => g.name);
    if (masked.length > 0)
        throw new UsageError(
            `stack outputs in ${source}: the kubeconfigs of ${masked.join(", ")} are masked; write the outputs with --show-secrets`,
        );
    return r.data;
}

async function loadOutputs(opts: VerifyOptions, signal: AbortSignal): Promise<VerifyTarget> {
    if (opts.outputs) {
        let text: string;
        try {
            text = fs.readFileSync(opts.outputs, "utf8");
        } catch (e) {
            throw new UsageError(`cannot read --outputs ${opts.outputs}: ${(e as Error).message}`);
        }
        try {
            return parseVerifyOutputs(JSON.parse(text), opts.outputs);
        } catch (e) {
            if (e instanceof UsageError) throw e;
            throw new UsageError(`--outputs ${opts.outputs} is not JSON: ${(e as Error).message}`);
        }
    }
    const args = ["stack", "output", "--json", "--show-secrets", "--stack", opts.stack];
    const text = await new Promise<string>((resolve, reject) =>
        execFile(
            "pulumi",
            args,
            { timeout: 60_000, maxBuffer: 32 * 1024 * 1024, signal },
            (err, stdout, stderr) =>
                err
                    ? reject(
                          new UsageError(
                              `pulumi ${args.join(" ")} failed: ${err.message}${stderr ? `\n${stderr}` : ""}`,
                          ),
                      )
                    : resolve(stdout),
        ),
    );
    return parseVerifyOutputs(JSON.parse(text), `pulumi stack output --stack ${opts.stack}`);
}

// --- HTTP with deadlines ---

interface Reply {
    readonly status: number;
    readonly body: string;
}

function send(
    mod: typeof http | typeof https,
    options: https.RequestOptions,
    timeoutMs: number,
    signal: AbortSignal,
): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = mod.request({ ...options, signal, timeout: timeoutMs }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    body: Buffer.concat(chunks).toString("utf8"),
                }),
            );
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on("error", reject);
        req.end();
    });
}

/** A minimal Kubernetes API client: the library resolves credentials (exec plugins too) and TLS; we add deadlines. */
export class KubeApi {
    private readonly kc = new k8s.KubeConfig();
    private readonly server: URL;

    constructor(
        kubeconfig: string,
        private readonly timeoutMs: number,
        private readonly signal: AbortSignal,
    ) {
        this.kc.loadFromString(kubeconfig);
        const cluster = this.kc.getCurrentCluster();
        if (!cluster) throw new Error("the kubeconfig has no current cluster");
        this.server = new URL(cluster.server);
    }

    async get(path: string, accept = "application/json"): Promise<Reply> {
        const opts: https.RequestOptions = { method: "GET", headers: { Accept: accept } };
        await this.kc.applyToHTTPSOptions(opts);
        const base = this.server.pathname.replace(/\/$/, "");
        return send(
            this.server.protocol === "http:" ? http : https,
            {
                ...opts,
                hostname: this.server.hostname,
                port: this.server.port || undefined,
                path: `${base}${path}`,
            },
            this.timeoutMs,
            this.signal,
        );
    }

    async json<T>(path: string, accept?: string): Promise<T> {
        const r = await this.get(path, accept);
        if (r.status < 200 || r.status > 299)
            throw new Error(`GET ${path}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        return JSON.parse(r.body) as T;
    }
}

// --- checks ---

export type Status = "pass" | "fail" | "skip";
export interface CheckResult {
    readonly name: string;
    readonly status: Status;
    readonly detail: string;
}

interface Ctx {
    readonly target: VerifyTarget;
    readonly opts: VerifyOptions;
    readonly signal: AbortSignal;
    readonly ca?: Buffer;
    readonly kube: (r: Region) => KubeApi;
}

class CheckFailed extends Error {}
const fail = (msg: string): never => {
    throw new CheckFailed(msg);
};

interface DeploymentList {
    items: {
        metadata?: { name?: string };
        spec?: { replicas?: number };
        status?: { readyReplicas?: number };
    }[];
}
interface MetaList {
    items: { metadata?: { name?: string; annotations?: Record<string, string> } }[];
}
interface PodList {
    items: { metadata?: { name?: string }; status?: { phase?: string } }[];
}

const q = encodeURIComponent;
const istiodSelector = (rev: string) => `app=istiod,istio.io/rev=${rev}`;

async function istiodReady(c: Ctx, r: Region, rev: string): Promise<string> {
    const ns = c.target.mesh.istioNamespace;
    const list = await c
        .kube(r)
        .json<DeploymentList>(
            `/apis/apps/v1/namespaces/${ns}/deployments?labelSelector=${q(istiodSelector(rev))}`,
        );
    if (list.items.length === 0) fail(`no istiod Deployment with istio.io/rev=${rev} in ${ns}`);
    const parts = list.items.map((d) => {
        const want = d.spec?.replicas ?? 1;
        const ready = d.status?.readyReplicas ?? 0;
        if (ready < 1 || ready < want)
            fail(`${d.metadata?.name ?? "istiod"}: ${ready}/${want} replicas ready`);
        return `${d.metadata?.name}: ${ready}/${want} ready`;
    });
    return parts.join(", ");
}

/** Remote secrets by name (metadata only: the kubeconfig tokens inside never leave the API server). */
async function remoteSecrets(c: Ctx, r: Region, peers: readonly string[]): Promise<string> {
    const ns = c.target.mesh.istioNamespace;
    const list = await c
        .kube(r)
        .json<MetaList>(
            `/api/v1/namespaces/${ns}/secrets?labelSelector=${q("istio/multiCluster=true")}`,
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        );
    const names = new Set(list.items.map((s) => s.metadata?.name));
    const missing = peers.filter((p) => !names.has(`istio-remote-secret-${p}`));
    if (missing.length > 0)
        fail(`missing ${missing.map((p) => `istio-remote-secret-${p}`).join(", ")} in ${ns}`);
    // istiod's own count of the remote clusters it reads (gauge istiod_managed_clusters{cluster_type="remote"}).
    const rev = c.target.mesh.revisions[0];
    const pods = await c
        .kube(r)
        .json<PodList>(`/api/v1/namespaces/${ns}/pods?labelSelector=${q(istiodSelector(rev))}`);
    const pod = pods.items.find((p) => p.status?.phase === "Running")?.metadata?.name;
    if (!pod) fail(`no running istiod pod of revision ${rev} to ask for its remote clusters`);
    const metrics = await c
        .kube(r)
        .get(`/api/v1/namespaces/${ns}/pods/${pod}:15014/proxy/metrics`, "text/plain");
    if (metrics.status !== 200) fail(`istiod ${pod} metrics: HTTP ${metrics.status}`);
    const m = /^istiod_managed_clusters\{[^}]*cluster_type="remote"[^}]*\}\s+(\S+)/m.exec(
        metrics.body,
    );
    const managed = m ? Number(m[1]) : 0;
    if (managed < peers.length)
        fail(
            `istiod ${pod} manages ${managed} remote cluster(s), expected ${peers.length} (${peers.join(", ")}): a remote secret was not accepted`,
        );
    return `${peers.map((p) => `istio-remote-secret-${p}`).join(", ")}; istiod manages ${managed} remote`;
}

function ingressGet(
    c: Ctx,
    r: Region,
    path: string,
    headers: Record<string, string> = {},
): Promise<Reply> {
    const host = c.target.publicHostname;
    return send(
        https,
        {
            method: "GET",
            host: r.ingressHostname,
            port: r.ingressPort,
            path,
            servername: host,
            headers: { Host: host, ...headers },
            ...(c.ca ? { ca: [...tls.rootCertificates, c.ca.toString("utf8")] } : {}),
        },
        c.opts.timeoutMs,
        c.signal,
    );
}

const smokePath = (c: Ctx, rest: string) =>
    `${c.target.smoke.publicPath.replace(/\/$/, "")}/${rest}`;

async function smokeViaIngress(c: Ctx, r: Region): Promise<string> {
    for (const code of [200, 503]) {
        const res = await ingressGet(c, r, smokePath(c, `status/${code}`));
        if (res.status !== code)
            fail(`GET ${smokePath(c, `status/${code}`)} answered ${res.status}, expected ${code}`);
    }
    return `${smokePath(c, "status/200")} 200, ${smokePath(c, "status/503")} 503`;
}

async function crossCluster(c: Ctx, from: Region, to: Region): Promise<string> {
    const path = smokePath(c, "env");
    const res = await ingressGet(c, from, path, { [c.target.smoke.clusterHeader]: to.name });
    if (res.status !== 200)
        fail(`GET ${path} with ${c.target.smoke.clusterHeader}: ${to.name} answered ${res.status}`);
    let answered: unknown;
    try {
        answered = (JSON.parse(res.body) as { env?: Record<string, string> }).env?.[
            c.target.smoke.clusterEnv
        ];
    } catch {
        fail(`GET ${path}: not JSON (${res.body.slice(0, 80)})`);
    }
    if (answered !== to.name) fail(`answered by cluster ${String(answered)}, expected ${to.name}`);
    return `${from.name} ingress -> ${to.name} smoke pod`;
}

/**
 * Through the API server's service proxy, which calls the pod without a sidecar, in plaintext. With
 * STRICT mTLS the pod's sidecar closes the connection (the API server reports EOF or a reset); a 403
 * "RBAC: access denied" means the sidecar accepted plaintext and only authorization refused it.
 */
async function plaintextRefused(c: Ctx, r: Region): Promise<string> {
    const s = c.target.smoke;
    const path = `/api/v1/namespaces/${s.namespace}/services/${s.service}:${s.port}/proxy/status/200`;
    const res = await c.kube(r).get(path, "*/*");
    if (res.status >= 200 && res.status < 300)
        fail(
            `a plaintext call to ${s.service}.${s.namespace} was answered ${res.status}: mTLS is not enforced`,
        );
    if (/RBAC: access denied/.test(res.body))
        fail(
            `the sidecar accepted plaintext (only authorization denied it, ${res.status}): mTLS is not STRICT`,
        );
    if (/EOF|connection reset|reset by peer|broken pipe/i.test(res.body))
        return `refused (HTTP ${res.status} from the API server: ${res.body.replace(/\s+/g, " ").slice(0, 80)})`;
    return fail(
        `inconclusive: HTTP ${res.status} ${res.body.replace(/\s+/g, " ").slice(0, 120)} (the API server could not reach the pod, or the pod is down)`,
    );
}

const DAY = 86_400_000;
function daysLeft(validTo: string | Date): number {
    return (new Date(validTo).getTime() - Date.now()) / DAY;
}

async function ingressCertificate(c: Ctx, r: Region): Promise<string> {
    const host = c.target.publicHostname;
    const { cert, authorized, error } = await new Promise<{
        cert: tls.PeerCertificate;
        authorized: boolean;
        error?: string;
    }>((resolve, reject) => {
        const socket = tls.connect({
            host: r.ingressHostname,
            port: r.ingressPort,
            servername: host,
            rejectUnauthorized: false,
            ...(c.ca ? { ca: [...tls.rootCertificates, c.ca.toString("utf8")] } : {}),
        });
        const onAbort = () => socket.destroy(new Error("aborted (deadline or interrupt)"));
        if (c.signal.aborted) onAbort();
        c.signal.addEventListener("abort", onAbort, { once: true });
        socket.once("close", () => c.signal.removeEventListener("abort", onAbort));
        socket.setTimeout(c.opts.timeoutMs, () =>
            socket.destroy(new Error(`no TLS handshake within ${c.opts.timeoutMs / 1000} s`)),
        );
        socket.once("secureConnect", () => {
            const out = {
                cert: socket.getPeerCertificate(),
                authorized: socket.authorized,
                error: socket.authorizationError ? String(socket.authorizationError) : undefined,
            };
            socket.end();
            resolve(out);
        });
        socket.once("error", reject);
    });
    if (!authorized)
        fail(
            `the certificate for ${host} is not trusted (${error}); pass --ca <pem> for a private or staging CA`,
        );
    const left = daysLeft(cert.valid_to);
    if (left < c.opts.certDays)
        fail(
            `the certificate for ${host} expires in ${left.toFixed(1)} days (${cert.valid_to}); at least ${c.opts.certDays} required`,
        );
    return `${host}: ${Math.floor(left)} days left (${cert.valid_to})`;
}

/** The plug-in CA in `cacerts`: only the certificates are read from it; the key is dropped unread. */
async function meshCa(c: Ctx, r: Region): Promise<string> {
    const ns = c.target.mesh.istioNamespace;
    const secret = await c
        .kube(r)
        .json<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/cacerts`);
    const out: string[] = [];
    for (const key of ["ca-cert.pem", "root-cert.pem"]) {
        const b64 = secret.data?.[key];
        if (!b64) fail(`cacerts has no ${key}`);
        const pem = Buffer.from(b64!, "base64").toString("utf8");
        const left = daysLeft(new X509Certificate(pem).validTo);
        if (left < c.opts.certDays)
            fail(`${key} expires in ${left.toFixed(1)} days; at least ${c.opts.certDays} required`);
        out.push(`${key} ${Math.floor(left)} days`);
    }
    return out.join(", ");
}

async function check(name: string, fn: () => Promise<string>): Promise<CheckResult> {
    try {
        return { name, status: "pass", detail: await fn() };
    } catch (e) {
        const err = e as Error;
        const msg =
            err.name === "AbortError"
                ? "aborted (deadline or interrupt)"
                : err.message || String(e);
        return { name, status: "fail", detail: msg };
    }
}

/** Every check of the stack, per region, run concurrently; results in a stable order. */
export async function runChecks(
    target: VerifyTarget,
    opts: VerifyOptions,
    signal: AbortSignal,
): Promise<CheckResult[]> {
    const ca = opts.caFile ? fs.readFileSync(opts.caFile) : undefined;
    const clients = new Map<string, KubeApi>();
    const kube = (r: Region) => {
        let k = clients.get(r.name);
        if (!k) {
            k = new KubeApi(r.kubeconfig, opts.timeoutMs, signal);
            clients.set(r.name, k);
        }
        return k;
    };
    const c: Ctx = { target, opts, signal, ...(ca ? { ca } : {}), kube };
    const jobs: Promise<CheckResult>[] = [];
    for (const r of target.regions) {
        const peers = target.regions.filter((p) => p.name !== r.name);
        for (const rev of target.mesh.revisions)
            jobs.push(
                check(`${r.name}: istiod ready (revision ${rev})`, () => istiodReady(c, r, rev)),
            );
        if (peers.length > 0)
            jobs.push(
                check(`${r.name}: remote secrets accepted`, () =>
                    remoteSecrets(
                        c,
                        r,
                        peers.map((p) => p.name),
                    ),
                ),
            );
        jobs.push(check(`${r.name}: smoke through the ingress`, () => smokeViaIngress(c, r)));
        for (const p of peers)
            jobs.push(
                check(`${r.name} -> ${p.name}: smoke across regions`, () => crossCluster(c, r, p)),
            );
        jobs.push(
            target.mesh.mtlsMode === "STRICT"
                ? check(`${r.name}: plaintext to a meshed service refused`, () =>
                      plaintextRefused(c, r),
                  )
                : Promise.resolve({
                      name: `${r.name}: plaintext to a meshed service refused`,
                      status: "skip" as const,
                      detail: "the stack runs PERMISSIVE mTLS",
                  }),
        );
        jobs.push(check(`${r.name}: ingress certificate`, () => ingressCertificate(c, r)));
        jobs.push(check(`${r.name}: mesh CA (cacerts)`, () => meshCa(c, r)));
    }
    return Promise.all(jobs);
}

export function report(stack: string, results: readonly CheckResult[]): string {
    const mark = { pass: "ok  ", fail: "FAIL", skip: "skip" } as const;
    const failed = results.filter((r) => r.status === "fail");
    const lines = [
        `verify ${stack}: ${results.length} checks, ${failed.length} failed`,
        ...results.map((r) => `  ${mark[r.status]} ${r.name}: ${r.detail}`),
    ];
    if (failed.length > 0)
        lines.push("", "FAILED:", ...failed.map((r) => `  - ${r.name}: ${r.detail}`));
    return lines.join("\n") + "\n";
}

export interface Io {
    readonly out: (s: string) => void;
    readonly err: (s: string) => void;
}

/** The CLI, as a function (tests call it in-process). */
export async function main(
    argv: readonly string[],
    io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
    interrupt?: AbortSignal,
): Promise<number> {
    let opts: VerifyOptions | undefined;
    try {
        opts = parseVerifyArgs(argv);
    } catch (e) {
        io.err(`${(e as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (!opts) {
        io.out(`${USAGE}\n`);
        return 0;
    }
    const controller = new AbortController();
    // Every call in flight listens on the one signal (about ten per region).
    setMaxListeners(256, controller.signal);
    const timer = setTimeout(() => controller.abort(), opts.deadlineMs);
    timer.unref();
    let interrupted = false;
    const onInterrupt = () => {
        interrupted = true;
        controller.abort();
    };
    interrupt?.addEventListener("abort", onInterrupt);
    try {
        const target = await loadOutputs(opts, controller.signal);
        const results = await runChecks(target, opts, controller.signal);
        io.out(report(opts.stack, results));
        if (interrupted) return 130;
        return results.some((r) => r.status === "fail") ? 1 : 0;
    } catch (e) {
        if (interrupted) {
            io.err("interrupted\n");
            return 130;
        }
        io.err(`${(e as Error).message}\n`);
        return e instanceof UsageError ? 2 : 1;
    } finally {
        clearTimeout(timer);
        interrupt?.removeEventListener("abort", onInterrupt);
    }
}

if (require.main === module) {
    const interrupt = new AbortController();
    for (const sig of ["SIGINT", "SIGTERM"] as const)
        process.once(sig, () => {
            process.stderr.write(`${sig}: aborting the checks in flight\n`);
            interrupt.abort();
        });
    void main(process.argv.slice(2), undefined, interrupt.signal).then((code) =>
        process.exit(code),
    );
}
