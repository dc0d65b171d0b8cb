/**
 * Drill test support: moto_server on a free port (bounded start and stop) and a loopback world the
 * CLI child process drives for real: a DNS server, one HTTPS ingress per region (127.0.0.2 and
 * 127.0.0.3, TLS with SNI) and one Kubernetes API per region. The world is wired like the real one:
 * a DENY AuthorizationPolicy on a region's gateway makes its ingress answer 403, and DNS moves to
 * the secondary `failoverMs` after the primary's ingress fails or its health check is inverted.
 */
import { ChildProcess, spawn } from "child_process";
import * as dgram from "dgram";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import * as https from "https";
import {
    CreateHealthCheckCommand,
    Route53Client,
    GetHealthCheckCommand,
} from "@aws-sdk/client-route-53";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DrillOutputs, DrillRegionOutput } from "../../lib/drill-contract";
import { SMOKE_SERVICE } from "../../lib/drill-contract";
import { dataSha256 } from "../../drill/kube";

process.env.AWS_ACCESS_KEY_ID ??= "testing";
process.env.AWS_SECRET_ACCESS_KEY ??= "testing";
process.env.AWS_REGION ??= "us-east-1";

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Moto {
    private constructor(
        readonly proc: ChildProcess,
        readonly port: number,
    ) {}

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** Start moto_server on 127.0.0.1 and wait (at most 30 s) until it answers. */
    static async start(port?: number): Promise<Moto> {
        const p = port ?? (await freePort());
        const proc = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(p)], {
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        proc.stderr?.on("data", (d) => (stderr += String(d)));
        const moto = new Moto(proc, p);
        const deadline = Date.now() + 30000;
        while (Date.now() < deadline) {
            if (proc.exitCode !== null)
                throw new Error(`moto_server exited with ${proc.exitCode}: ${stderr}`);
            try {
                const res = await fetch(`${moto.endpoint}/moto-api/`, {
                    signal: AbortSignal.timeout(1000),
                });
                if (res.ok) return moto;
            } catch {
                // not up yet
            }
            await sleep(100);
        }
        await moto.stop();
        throw new Error(`moto_server did not answer on port ${p} within 30s: ${stderr}`);
    }

    /** Make moto's ids deterministic from here on (same seed and calls give the same ids). */
    async seed(n: number): Promise<void> {
        const res = await fetch(`${this.endpoint}/moto-api/seed?a=${n}`, { method: "POST" });
        if (!res.ok) throw new Error(`seeding moto failed: ${res.status}`);
    }

    /** Stop (SIGTERM, then SIGKILL after 5 s); waits at most 10 s. */
    async stop(): Promise<void> {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
        this.proc.kill("SIGTERM");
        const t = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
        await Promise.race([exited, sleep(10000)]);
        clearTimeout(t);
    }

    /** Kill abruptly, as a crashed endpoint. */
    async kill(): Promise<void> {
        const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
        this.proc.kill("SIGKILL");
        await Promise.race([exited, sleep(5000)]);
    }
}

export const HOSTNAME = "app.example.com";
export const PRIMARY_LB = "primary-lb.elb.ap-southeast-1.amazonaws.com";
export const SECONDARY_LB = "secondary-lb.elb.ap-northeast-1.amazonaws.com";
export const PRIMARY_IP = "127.0.0.2";
export const SECONDARY_IP = "127.0.0.3";
export const TABLE = "mesh-platform-drill-drilltest";

export interface AwsWorld {
    readonly primaryCheck: string;
    readonly secondaryCheck: string;
}

/** The two calculated health checks (ids repeat after seeding) and the lock table. */
export async function seedAws(moto: Moto): Promise<AwsWorld> {
    await moto.seed(42);
    const r53 = new Route53Client({ region: "us-east-1", endpoint: moto.endpoint });
    const check = async (ref: string) =>
        (
            await r53.send(
                new CreateHealthCheckCommand({
                    CallerReference: ref,
                    HealthCheckConfig: {
                        Type: "CALCULATED",
                        ChildHealthChecks: [],
                        HealthThreshold: 1,
                    },
                }),
            )
        ).HealthCheck!.Id!;
    const primaryCheck = await check(`primary-${Date.now()}`);
    const secondaryCheck = await check(`secondary-${Date.now()}`);
    const ddb = new DynamoDBClient({ region: "ap-northeast-1", endpoint: moto.endpoint });
    await ddb.send(
        new CreateTableCommand({
            TableName: TABLE,
            BillingMode: "PAY_PER_REQUEST",
            KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
            AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        }),
    );
    return { primaryCheck, secondaryCheck };
}

export async function inverted(moto: Moto, id: string): Promise<boolean> {
    const r53 = new Route53Client({ region: "us-east-1", endpoint: moto.endpoint });
    const out = await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }));
    return out.HealthCheck?.HealthCheckConfig?.Inverted === true;
}

export function drillOutputs(
    world: AwsWorld,
    kubeconfigs: { primary: string; secondary: string },
    opts: { environment?: string; stopAlarms?: { name: string; region: string }[] } = {},
): DrillOutputs {
    const region = (name: string, primary: boolean): DrillRegionOutput => ({
        name,
        cloud: "aws",
        region: primary ? "ap-southeast-1" : "ap-northeast-1",
        primary,
        clusterName: `${name}-cluster`,
        kubeconfig: primary ? kubeconfigs.primary : kubeconfigs.secondary,
        ingressHostname: primary ? PRIMARY_LB : SECONDARY_LB,
        healthCheckId: primary ? world.primaryCheck : world.secondaryCheck,
        ingressGateway: {
            namespace: "istio-gateways",
            deployment: "istio-ingressgateway",
            selector: { istio: "ingressgateway" },
        },
        backupBucket: `backups-${name}`,
        veleroNamespace: "velero",
    });
    return {
        stack: "drilltest",
        environment: opts.environment ?? "staging",
        primaryRegion: "singapore",
        regions: [region("singapore", true), region("tokyo", false)],
        dns: {
            provider: "route53",
            zoneId: "Z0TEST",
            hostname: HOSTNAME,
            ttlSeconds: 60,
            healthCheckIntervalSeconds: 10,
            healthCheckFailureThreshold: 2,
            worstCaseFailoverSeconds: 102,
        },
        smoke: { ...SMOKE_SERVICE },
        lock: { tableName: TABLE, region: "ap-northeast-1" },
        fis: null,
        stopAlarms: opts.stopAlarms ?? [],
        targets: {
            detectionSeconds: 120,
            failoverSeconds: 120,
            recoverySeconds: 1800,
            examsRpoMinutes: 60,
        },
    };
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A self-signed certificate for the public hostname (openssl, once per test file). */
export function certificate(dir: string): { key: string; cert: string; caFile: string } {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
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
            "-days",
            "1",
            "-subj",
            `/CN=${HOSTNAME}`,
            "-addext",
            `subjectAltName=DNS:${HOSTNAME}`,
            "-keyout",
            key,
            "-out",
            cert,
        ],
        { stdio: "ignore", timeout: 10000 },
    );
    return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8"), caFile: cert };
}

export interface KubeRequest {
    readonly method: string;
    readonly url: string;
    readonly at: number;
}

/** One region's Kubernetes API: the subset of paths the drill uses, kept in memory. */
export class KubeStandIn {
    readonly requests: KubeRequest[] = [];
    readonly objects = new Map<string, Record<string, any>>();
    /** Accept connections and never answer (a hung endpoint). */
    hang = false;
    backups: Record<string, any>[] = [];
    private srv?: http.Server;
    server = "";

    constructor(readonly name: string) {}

    async start(): Promise<void> {
        this.srv = http.createServer((req, res) => {
            let text = "";
            req.on("data", (d) => (text += String(d)));
            req.on("end", () => {
                this.requests.push({
                    method: req.method ?? "",
                    url: req.url ?? "",
                    at: Date.now(),
                });
                if (this.hang) return; // never answers
                this.handle(
                    req.method ?? "GET",
                    req.url ?? "/",
                    text ? JSON.parse(text) : undefined,
                    res,
                );
            });
        });
        await new Promise<void>((r) => this.srv!.listen(0, "127.0.0.1", () => r()));
        this.server = `http://127.0.0.1:${(this.srv.address() as net.AddressInfo).port}`;
    }

    kubeconfig(): string {
        return kubeconfigFor(this.server, this.name);
    }

    /** Objects whose key starts with a collection path. */
    list(prefix: string): Record<string, any>[] {
        return [...this.objects.entries()]
            .filter(([k]) => k.startsWith(`${prefix}/`))
            .map(([, v]) => v);
    }

    private handle(method: string, url: string, body: any, res: http.ServerResponse) {
        const send = (code: number, obj: unknown) => {
            res.writeHead(code, { "content-type": "application/json" });
            res.end(JSON.stringify(obj));
        };
        const notFound = () => send(404, { kind: "Status", code: 404, reason: "NotFound" });
        const [p, query = ""] = url.split("?");
        if (p === "/version") return send(200, { major: "1", minor: "33" });
        if (p.endsWith("/backups")) return send(200, { items: this.backups });
        const podLog = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p);
        if (podLog) {
            const job = this.list(`/apis/batch/v1/namespaces/${podLog[1]}/jobs`)[0];
            if (!job) return notFound();
            const started = Math.floor(job.createdAt / 1000);
            const now = Math.floor(Date.now() / 1000);
            const lines = [];
            for (let t = started; t <= now; t++) lines.push(`${t} 200`);
            res.writeHead(200, { "content-type": "text/plain" });
            return res.end(`${lines.join("\n")}\n`);
        }
        if (method === "GET" && /\/pods$/.test(p)) {
            const ns = p.split("/")[4];
            const jobs = this.list(`/apis/batch/v1/namespaces/${ns}/jobs`);
            return send(200, {
                items: jobs.map((j) => ({ metadata: { name: `${j.metadata.name}-pod` } })),
            });
        }
        if (method === "POST") {
            const key = `${p}/${body.metadata.name}`;
            if (this.objects.has(key))
                return send(409, { kind: "Status", code: 409, reason: "AlreadyExists" });
            this.objects.set(key, { ...body, createdAt: Date.now() });
            if (p.endsWith("/restores")) this.restore(body);
            return send(201, body);
        }
        if (method === "GET" && this.objects.has(p)) {
            const obj = this.objects.get(p)!;
            return send(
                200,
                p.includes("/restores/")
                    ? {
                          ...obj,
                          status: {
                              phase: "Completed",
                              warnings: 1,
                              errors: 0,
                              progress: { totalItems: 3, itemsRestored: 3 },
                          },
                      }
                    : obj,
            );
        }
        if (method === "GET") {
            // a collection
            return send(200, { items: this.list(p) });
        }
        if (method === "DELETE") {
            if (!this.objects.has(p)) return notFound();
            this.objects.delete(p);
            if (/^\/api\/v1\/namespaces\/[^/]+$/.test(p) || p.startsWith("/api/v1/namespaces/")) {
                for (const k of [...this.objects.keys()])
                    if (k.startsWith(`${p}/`)) this.objects.delete(k);
            }
            return send(200, { kind: "Status", status: "Success" });
        }
        void query;
        notFound();
    }

    /** A Velero restore: copy the backup's namespace (the stand-in's "backup" content) into the mapped one. */
    private restore(body: any) {
        for (const [from, to] of Object.entries(
            body.spec.namespaceMapping as Record<string, string>,
        )) {
            this.objects.set(`/api/v1/namespaces/${to}`, { metadata: { name: to } });
            const data = {
                writtenAt: "2026-12-02T00:00:00.000Z",
                purpose: "DR drill known object",
            };
            this.objects.set(`/api/v1/namespaces/${to}/configmaps/dr-canary`, {
                metadata: {
                    name: "dr-canary",
                    namespace: to,
                    annotations: { "mesh-platform.io/dr-canary-sha256": dataSha256(data) },
                },
                data,
            });
            this.objects.set(`/api/v1/namespaces/${to}/services/exams`, {
                metadata: { name: "exams", namespace: to },
            });
            this.objects.set(`/apis/apps/v1/namespaces/${to}/deployments/exams`, {
                metadata: { name: "exams", namespace: to },
            });
            void from;
        }
    }

    denyPolicies(): Record<string, any>[] {
        return this.list(
            "/apis/security.istio.io/v1/namespaces/istio-gateways/authorizationpolicies",
        );
    }

    async close(): Promise<void> {
        this.srv?.closeAllConnections();
        await new Promise<void>((r) => (this.srv ? this.srv.close(() => r()) : r()));
    }
}

/**
 * The loopback world: two Kubernetes APIs, two HTTPS ingresses and a DNS server that fails over
 * `failoverMs` after the primary's ingress denies traffic or its health check is inverted.
 */
export class World {
    readonly primaryKube = new KubeStandIn("singapore");
    readonly secondaryKube = new KubeStandIn("tokyo");
    failoverMs = 1500;
    /** The secondary's ingress fails too (a stop-condition scenario). */
    secondaryBroken = false;
    primaryDownSince?: number;
    dnsServer = "";
    ingressPort = 0;
    private servers: { close: () => Promise<void> }[] = [];
    private ticker?: NodeJS.Timeout;

    constructor(
        readonly moto: Moto,
        readonly aws: AwsWorld,
        readonly tls: { key: string; cert: string; caFile: string },
    ) {}

    primaryFailing(): boolean {
        return this.primaryKube.denyPolicies().length > 0;
    }

    async start(): Promise<void> {
        await this.primaryKube.start();
        await this.secondaryKube.start();
        let flag = false;
        this.ticker = setInterval(() => {
            inverted(this.moto, this.aws.primaryCheck).then(
                (v) => (flag = v),
                () => undefined,
            );
            const down = flag || this.primaryFailing();
            if (down && this.primaryDownSince === undefined) this.primaryDownSince = Date.now();
            if (!down) this.primaryDownSince = undefined;
        }, 100);
        this.ticker.unref();
        // Both ingresses on one port, on their own loopback addresses.
        for (let attempt = 0; ; attempt++) {
            const port = await freePort();
            try {
                const a = await this.ingress(PRIMARY_IP, port, () =>
                    this.primaryFailing() ? 403 : 200,
                );
                const b = await this.ingress(SECONDARY_IP, port, () =>
                    this.secondaryBroken ? 503 : 200,
                );
                this.servers.push(a, b);
                this.ingressPort = port;
                break;
            } catch (e) {
                if (attempt > 5) throw e;
            }
        }
        const dns = await startDnsServer((name) => {
            if (name === PRIMARY_LB) return PRIMARY_IP;
            if (name === SECONDARY_LB) return SECONDARY_IP;
            const moved =
                this.primaryDownSince !== undefined &&
                Date.now() - this.primaryDownSince >= this.failoverMs;
            return moved ? SECONDARY_IP : PRIMARY_IP;
        });
        this.servers.push(dns);
        this.dnsServer = dns.address;
    }

    private ingress(
        host: string,
        port: number,
        status: () => number,
    ): Promise<{ close: () => Promise<void> }> {
        const srv = https.createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => {
            const ok = req.headers.host === HOSTNAME && req.url === "/smoke/status/200";
            res.writeHead(ok ? status() : 404);
            res.end();
        });
        return new Promise((resolve, reject) => {
            srv.once("error", reject);
            srv.listen(port, host, () =>
                resolve({
                    close: () =>
                        new Promise<void>((r) => {
                            srv.closeAllConnections();
                            srv.close(() => r());
                        }),
                }),
            );
        });
    }

    outputs(opts: Parameters<typeof drillOutputs>[2] = {}): DrillOutputs {
        return drillOutputs(
            this.aws,
            { primary: this.primaryKube.kubeconfig(), secondary: this.secondaryKube.kubeconfig() },
            opts,
        );
    }

    async close(): Promise<void> {
        clearInterval(this.ticker);
        for (const s of this.servers) await s.close();
        await this.primaryKube.close();
        await this.secondaryKube.close();
    }
}

/** A DNS server answering an A record `address(name)` for every question. */
export async function startDnsServer(
    address: (name: string) => string,
): Promise<{ address: string; close: () => Promise<void> }> {
    const sock = dgram.createSocket("udp4");
    sock.on("message", (msg, rinfo) => {
        let off = 12;
        const labels: string[] = [];
        while (msg[off] !== 0) {
            labels.push(msg.subarray(off + 1, off + 1 + msg[off]).toString());
            off += msg[off] + 1;
        }
        const qtype = msg.readUInt16BE(off + 1);
        const question = msg.subarray(12, off + 5);
        const header = Buffer.alloc(12);
        msg.copy(header, 0, 0, 2);
        header.writeUInt16BE(0x8400, 2);
        header.writeUInt16BE(1, 4);
        header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
        const parts = [header, question];
        if (qtype === 1) {
            const answer = Buffer.alloc(16);
            answer.writeUInt16BE(0xc00c, 0);
            answer.writeUInt16BE(1, 2);
            answer.writeUInt16BE(1, 4);
            answer.writeUInt32BE(1, 6);
            answer.writeUInt16BE(4, 10);
            address(labels.join("."))
                .split(".")
                .forEach((o, i) => answer.writeUInt8(Number(o), 12 + i));
            parts.push(answer);
        }
        sock.send(Buffer.concat(parts), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", () => resolve()));
    return {
        address: `127.0.0.1:${sock.address().port}`,
        close: () => new Promise((resolve) => sock.close(() => resolve())),
    };
}

export function kubeconfigFor(server: string, name: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": name,
        clusters: [{ name, cluster: { server, "insecure-skip-tls-verify": true } }],
        contexts: [{ name, context: { cluster: name, user: name } }],
        users: [{ name, user: { token: "test-token" } }],
    });
}

export interface CliRun {
    readonly proc: ChildProcess;
    readonly done: Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        stdout: string;
        stderr: string;
    }>;
    output(): string;
}

const ROOT = path.resolve(__dirname, "..", "..");

/** Run the CLI (ts-node, or `npm run drill` with `npm: true`) in its own process group. */
export function runCli(args: string[], opts: { npm?: boolean; timeoutMs?: number } = {}): CliRun {
    const cmd = opts.npm ? "npm" : process.execPath;
    const argv = opts.npm
        ? ["run", "--silent", "drill", "--", ...args]
        : ["-r", "ts-node/register", path.join(ROOT, "drill", "cli.ts"), ...args];
    const proc = spawn(cmd, argv, {
        cwd: ROOT,
        detached: true,
        env: {
            ...process.env,
            TS_NODE_TRANSPILE_ONLY: "true",
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing",
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d) => (stdout += String(d)));
    proc.stderr.on("data", (d) => (stderr += String(d)));
    const timer = setTimeout(() => {
        try {
            process.kill(-proc.pid!, "SIGKILL");
        } catch {
            // gone
        }
    }, opts.timeoutMs ?? 45000);
    const done = new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        stdout: string;
        stderr: string;
    }>((resolve) =>
        proc.on("exit", (code, signal) => {
            clearTimeout(timer);
            // let the pipes drain
            setTimeout(() => resolve({ code, signal, stdout, stderr }), 50);
        }),
    );
    return { proc, done, output: () => stdout + stderr };
}

/** Wait (bounded) until `cond`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(50);
    }
}

/**
 * One moto_server and loopback world for a test file (its mocha `before`/`after` hooks included), and
 * the drill flags that point at them: `cliArgs(outputs, reportDir, ...extra)` gives --stack, --outputs,
 * --aws-endpoint, --dns-server, --probe-port, --probe-ca, --poll 0.2 and --report-dir; each file adds
 * the deadlines and holds it tests.
 */
export function drillWorld(prefix: string): {
    readonly moto: Moto;
    readonly world: World;
    readonly dir: string;
    /** The world's drill outputs written to `<dir>/<name>`; returns the path. */
    writeOutputs(name: string): string;
    cliArgs(outputs: string, reportDir: string, ...extra: string[]): string[];
    /** The JSON report a run wrote into reportDir. */
    reportOf(reportDir: string): any;
} {
    let moto: Moto | undefined;
    let world: World | undefined;
    let dir = "";
    before(async () => {
        moto = await Moto.start();
        dir = tempDir(prefix);
        world = new World(moto, await seedAws(moto), certificate(dir));
        await world.start();
    });
    after(async () => {
        await world?.close();
        await moto?.stop();
    });
    const ready = <T>(v: T | undefined, what: string): T => {
        if (v === undefined)
            throw new Error(`drillWorld: ${what} is used before the before() hook ran`);
        return v;
    };
    return {
        get moto() {
            return ready(moto, "moto");
        },
        get world() {
            return ready(world, "world");
        },
        get dir() {
            return dir;
        },
        writeOutputs(name) {
            const f = path.join(dir, name);
            fs.writeFileSync(f, JSON.stringify({ drill: ready(world, "world").outputs() }));
            return f;
        },
        cliArgs(outputs, reportDir, ...extra) {
            const w = ready(world, "world");
            return [
                "--stack",
                "drilltest",
                "--outputs",
                outputs,
                "--aws-endpoint",
                ready(moto, "moto").endpoint,
                "--dns-server",
                w.dnsServer,
                "--probe-port",
                String(w.ingressPort),
                "--probe-ca",
                path.join(dir, "cert.pem"),
                "--poll",
                "0.2",
                "--report-dir",
                reportDir,
                ...extra,
            ];
        },
        reportOf(reportDir) {
            const f = fs.readdirSync(reportDir).find((n) => n.endsWith(".json"))!;
            return JSON.parse(fs.readFileSync(path.join(reportDir, f), "utf8"));
        },
    };
}
