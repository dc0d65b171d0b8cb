/**
 * Drill test support: moto_server on a free port (bounded start and stop), a scripted world (health,
 * DNS, Velero backups) the tests drive, and tiny DNS and Kubernetes API servers for the CLI child
 * process tests.
 */
import { ChildProcess, spawn } from "child_process";
import * as dgram from "dgram";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CreateHealthCheckCommand, Route53Client } from "@aws-sdk/client-route-53";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DrillOutputs, DrillRegionOutput } from "../../lib/drill-contract";
import type { BackupInfo, DrillPorts, Health } from "../../drill/ports";
import { Route53Health, S3Replicas } from "../../drill/aws";
import { ASSESSMENT_SCHEDULE, veleroPrefix } from "../../components/backup/naming";

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
export const PRIMARY_LB = "primary-lb-123.elb.ap-southeast-1.amazonaws.com";
export const SECONDARY_LB = "secondary-lb-456.elb.ap-northeast-1.amazonaws.com";
export const SECONDARY_BUCKET = "backups-tokyo-test";

export interface AwsWorld {
    readonly primaryCheck: string;
    readonly secondaryCheck: string;
}

/** Create the two health checks (right after seeding, so ids repeat) and the secondary's bucket. */
export async function seedAws(
    moto: Moto,
    opts: { primaryInverted?: boolean; replicaBackup?: string } = {},
): Promise<AwsWorld> {
    await moto.seed(42);
    const r53 = new Route53Client({ region: "us-east-1", endpoint: moto.endpoint });
    const check = async (ref: string, fqdn: string, inverted: boolean) => {
        const out = await r53.send(
            new CreateHealthCheckCommand({
                CallerReference: ref,
                HealthCheckConfig: {
                    Type: "HTTP",
                    FullyQualifiedDomainName: fqdn,
                    Port: 15021,
                    ResourcePath: "/healthz/ready",
                    RequestInterval: 10,
                    FailureThreshold: 3,
                    Inverted: inverted,
                },
            }),
        );
        return out.HealthCheck!.Id!;
    };
    const primaryCheck = await check("primary", PRIMARY_LB, opts.primaryInverted ?? false);
    const secondaryCheck = await check("secondary", SECONDARY_LB, false);
    const s3 = new S3Client({
        region: "ap-northeast-1",
        endpoint: moto.endpoint,
        forcePathStyle: true,
    });
    await s3.send(
        new CreateBucketCommand({
            Bucket: SECONDARY_BUCKET,
            CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" },
        }),
    );
    if (opts.replicaBackup) {
        await s3.send(
            new PutObjectCommand({
                Bucket: SECONDARY_BUCKET,
                Key: `${veleroPrefix("singapore")}/backups/${opts.replicaBackup}/velero-backup.json`,
                Body: "{}",
            }),
        );
    }
    return { primaryCheck, secondaryCheck };
}

export function drillOutputs(
    world: AwsWorld,
    kubeconfigs: { primary: string; secondary: string } = {
        primary: "[secret]",
        secondary: "[secret]",
    },
    targets: Partial<DrillOutputs["targets"]> = {},
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
        backupBucket: primary ? "backups-singapore-test" : SECONDARY_BUCKET,
        veleroNamespace: "velero",
    });
    return {
        stack: "drilltest",
        environment: "prod",
        primaryRegion: "singapore",
        regions: [region("singapore", true), region("tokyo", false)],
        dns: {
            provider: "route53",
            zoneId: "Z0TEST",
            hostname: HOSTNAME,
            ttlSeconds: 60,
            healthCheckIntervalSeconds: 10,
            healthCheckFailureThreshold: 3,
            worstCaseFailoverSeconds: 90,
        },
        targets: {
            detectionSeconds: 120,
            failoverSeconds: 120,
            recoverySeconds: 1800,
            examsRpoMinutes: 60,
            ...targets,
        },
    };
}

/** A recorded call to a region-bound port. */
export interface RegionCall {
    readonly port: string;
    readonly region: string;
    readonly at: number;
}

/**
 * The world as the tests script it. Route 53 control (the inverted flag) is real (moto); the
 * observations Route 53 cannot give under moto are derived here: a region is unhealthy when its
 * flag is inverted (after `detectDelayMs`) or when the test says so, and DNS answers the primary
 * unless it is unhealthy (after `dnsDelayMs`).
 */
export class ScriptedWorld {
    readonly route53: Route53Health;
    readonly calls: RegionCall[] = [];
    readonly restores = new Map<
        string,
        { backupName: string; namespaces: readonly string[]; created: number }
    >();
    readonly forcedUnhealthy = new Set<string>();
    backups: BackupInfo[] = [];
    detectDelayMs = 0;
    dnsDelayMs = 0;
    restoreMs = 30;
    /** When set, DNS keeps answering this no matter what. */
    dnsPinned?: string;
    private unhealthySince = new Map<string, number>();

    constructor(
        readonly moto: Moto,
        readonly outputs: DrillOutputs,
    ) {
        this.route53 = new Route53Health({ endpoint: moto.endpoint, requestTimeoutMs: 2000 });
    }

    private async effective(region: DrillRegionOutput): Promise<Health> {
        const inverted = await this.route53.getInverted(region.healthCheckId);
        const down = inverted || this.forcedUnhealthy.has(region.name);
        if (!down) {
            this.unhealthySince.delete(region.name);
            return "healthy";
        }
        const since = this.unhealthySince.get(region.name) ?? Date.now();
        this.unhealthySince.set(region.name, since);
        return Date.now() - since >= this.detectDelayMs ? "unhealthy" : "healthy";
    }

    ports(): DrillPorts {
        const record = (port: string, region: DrillRegionOutput) =>
            this.calls.push({ port, region: region.name, at: Date.now() });
        const [primary, secondary] = this.outputs.regions;
        return {
            control: this.route53,
            health: { status: (r) => this.effective(r) },
            dns: {
                answer: async () => {
                    if (this.dnsPinned) return [this.dnsPinned];
                    const h = await this.effective(primary);
                    const since = this.unhealthySince.get(primary.name);
                    const moved =
                        h === "unhealthy" &&
                        since !== undefined &&
                        Date.now() - since >= this.detectDelayMs + this.dnsDelayMs;
                    return [moved ? secondary.ingressHostname : primary.ingressHostname];
                },
            },
            backups: {
                list: async (cluster, schedule) => {
                    record("backups", cluster);
                    return schedule === ASSESSMENT_SCHEDULE ? this.backups : [];
                },
            },
            replicas: {
                exists: (region, bucket, key) => {
                    record("replicas", region);
                    return new S3Replicas({
                        endpoint: this.moto.endpoint,
                        requestTimeoutMs: 2000,
                    }).exists(region, bucket, key);
                },
            },
            restores: {
                create: async (cluster, name, backupName, namespaces) => {
                    record("restores", cluster);
                    this.restores.set(name, { backupName, namespaces, created: Date.now() });
                },
                phase: async (cluster, name) => {
                    record("restores", cluster);
                    const r = this.restores.get(name);
                    if (!r) return undefined;
                    return Date.now() - r.created >= this.restoreMs ? "Completed" : "InProgress";
                },
            },
            clusters: {
                reachable: async (cluster) => {
                    record("clusters", cluster);
                },
            },
        };
    }
}

export function completedBackup(name: string, ageMinutes: number): BackupInfo {
    return {
        name,
        phase: "Completed",
        completedAt: new Date(Date.now() - ageMinutes * 60000),
        storageLocation: "replica-singapore",
    };
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/* ------------------------------------------------------------------ servers for the CLI child */

/** A DNS server answering CNAME `target()` for every question (enough for the drill's resolver). */
export async function startDnsServer(
    target: () => string,
): Promise<{ address: string; close: () => Promise<void> }> {
    const sock = dgram.createSocket("udp4");
    const encodeName = (name: string) =>
        Buffer.concat([
            ...name
                .split(".")
                .filter(Boolean)
                .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
            Buffer.from([0]),
        ]);
    sock.on("message", (msg, rinfo) => {
        let off = 12;
        while (msg[off] !== 0) off += msg[off] + 1;
        const questionEnd = off + 5;
        const question = msg.subarray(12, questionEnd);
        const rdata = encodeName(target());
        const header = Buffer.alloc(12);
        msg.copy(header, 0, 0, 2);
        header.writeUInt16BE(0x8400, 2); // response, authoritative
        header.writeUInt16BE(1, 4);
        header.writeUInt16BE(1, 6);
        const answer = Buffer.alloc(12);
        answer.writeUInt16BE(0xc00c, 0); // pointer to the question name
        answer.writeUInt16BE(5, 2); // CNAME
        answer.writeUInt16BE(1, 4); // IN
        answer.writeUInt32BE(60, 6);
        answer.writeUInt16BE(rdata.length, 10);
        sock.send(Buffer.concat([header, question, answer, rdata]), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", () => resolve()));
    const port = sock.address().port;
    return {
        address: `127.0.0.1:${port}`,
        close: () => new Promise((resolve) => sock.close(() => resolve())),
    };
}

export interface KubeRequest {
    readonly method: string;
    readonly url: string;
    readonly at: number;
    readonly body?: Record<string, any>;
}

/**
 * A Kubernetes API answering /version, listing Velero Backups and creating / reading Velero Restores
 * (a created Restore reads back `Completed`). Records every request with its time.
 */
export async function startKubeApi(
    backups: () => object[],
): Promise<{ server: string; requests: KubeRequest[]; close: () => Promise<void> }> {
    const requests: KubeRequest[] = [];
    const restores = new Map<string, Record<string, any>>();
    const srv = http.createServer((req, res) => {
        const send = (code: number, body: object) => {
            res.writeHead(code, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        let text = "";
        req.on("data", (d) => (text += String(d)));
        req.on("end", () => {
            const body = text ? JSON.parse(text) : undefined;
            requests.push({ method: req.method ?? "", url: req.url ?? "", at: Date.now(), body });
            const restorePath = "/apis/velero.io/v1/namespaces/velero/restores";
            if (req.url === "/version")
                return send(200, { major: "1", minor: "33", gitVersion: "v1.33.0" });
            if (req.url?.startsWith("/apis/velero.io/v1/namespaces/velero/backups")) {
                return send(200, {
                    apiVersion: "velero.io/v1",
                    kind: "BackupList",
                    metadata: {},
                    items: backups(),
                });
            }
            if (req.method === "POST" && req.url?.startsWith(restorePath)) {
                restores.set(body.metadata.name, body);
                return send(201, body);
            }
            const name =
                req.method === "GET" && req.url?.startsWith(`${restorePath}/`)
                    ? req.url.slice(restorePath.length + 1)
                    : undefined;
            if (name && restores.has(name))
                return send(200, { ...restores.get(name), status: { phase: "Completed" } });
            send(404, {
                kind: "Status",
                apiVersion: "v1",
                status: "Failure",
                code: 404,
                reason: "NotFound",
            });
        });
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", () => resolve()));
    const port = (srv.address() as net.AddressInfo).port;
    return {
        server: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise((resolve) => {
                srv.closeAllConnections();
                srv.close(() => resolve());
            }),
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
