/**
 * The synthetic public probe: what a learner's browser does. Resolve the public hostname through
 * the configured DNS servers (recursive resolvers: the answer a learner gets), connect to the
 * address it answered, speak TLS with SNI = the public hostname (whichever region answers must
 * present a certificate for it), and GET the smoke service's route. The region is told by address:
 * each region's load balancer name is resolved the same way and cached.
 */
import { promises as dnsPromises } from "dns";
import * as https from "https";
import type { DrillOutputs } from "../lib/drill-contract";
import type { ProbeSample, PublicProbe } from "./ports";

export interface ProbeOptions {
    /** `ip[:port]` of resolvers; empty: the system's. */
    readonly dnsServers: readonly string[];
    /** Port of the ingress. @default 443 */
    readonly port?: number;
    /** Extra CA certificates (PEM), e.g. a staging issuer's root. */
    readonly ca?: string;
    /** Per request. @default 3000 */
    readonly timeoutMs?: number;
}

export class HttpsProbe implements PublicProbe {
    private readonly resolver = new dnsPromises.Resolver({ timeout: 1500, tries: 1 });
    private regionsByIp = new Map<string, string>();
    private path: string;

    constructor(
        private readonly outputs: DrillOutputs,
        private readonly opts: ProbeOptions,
    ) {
        if (opts.dnsServers.length > 0) this.resolver.setServers([...opts.dnsServers]);
        this.path = `${outputs.smoke.publicPath}status/200`;
    }

    private async addresses(name: string): Promise<string[]> {
        if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return [name];
        try {
            return await this.resolver.resolve4(name);
        } catch (e) {
            const code = (e as { code?: string }).code;
            if (code !== "ENODATA") throw e;
        }
        const cname = await this.resolver.resolveCname(name);
        return cname.length ? this.addresses(cname[0]) : [];
    }

    private async regionOf(ip: string): Promise<string | undefined> {
        if (!this.regionsByIp.has(ip)) {
            const map = new Map<string, string>();
            for (const r of this.outputs.regions) {
                try {
                    for (const a of await this.addresses(r.ingressHostname)) map.set(a, r.name);
                } catch {
                    // a region whose load balancer name does not resolve answers no one
                }
            }
            this.regionsByIp = map;
        }
        return this.regionsByIp.get(ip);
    }

    async once(signal: AbortSignal): Promise<ProbeSample> {
        const at = Date.now();
        const hostname = this.outputs.dns.hostname;
        let ip: string | undefined;
        let region: string | undefined;
        try {
            const ips = await this.addresses(hostname);
            ip = ips[0];
            if (!ip) throw new Error(`${hostname} resolves to nothing`);
            region = await this.regionOf(ip);
            const status = await this.get(ip, hostname, signal);
            return { at, ok: status >= 200 && status < 300, status, region, ms: Date.now() - at };
        } catch (e) {
            return { at, ok: false, region, error: (e as Error).message, ms: Date.now() - at };
        }
    }

    private get(ip: string, hostname: string, signal: AbortSignal): Promise<number> {
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    host: ip,
                    port: this.opts.port ?? 443,
                    servername: hostname,
                    path: this.path,
                    method: "GET",
                    headers: { host: hostname, "user-agent": "mesh-platform-drill" },
                    ca: this.opts.ca,
                    timeout: this.opts.timeoutMs ?? 3000,
                    signal,
                    agent: false,
                },
                (res) => {
                    res.resume();
                    res.on("end", () => resolve(res.statusCode ?? 0));
                    res.on("error", reject);
                },
            );
            req.on("timeout", () => req.destroy(new Error("request timed out")));
            req.on("error", reject);
            req.end();
        });
    }
}

/** What the samples say: first failure, first good answer from the secondary, errors, RTO. */
export interface ProbeSummary {
    readonly samples: number;
    readonly errors: number;
    readonly firstFailureAt?: number;
    readonly firstGoodOnSecondaryAt?: number;
    /** First failed to first good through the secondary, seconds. */
    readonly userVisibleRtoSeconds?: number;
}

export function summarize(
    samples: readonly ProbeSample[],
    secondary: string,
    from: number,
): ProbeSummary {
    const after = samples.filter((s) => s.at >= from);
    const firstFailure = after.find((s) => !s.ok);
    const firstGood = after.find((s) => s.ok && s.region === secondary);
    const rto =
        firstFailure && firstGood && firstGood.at >= firstFailure.at
            ? Math.round((firstGood.at - firstFailure.at) / 100) / 10
            : firstGood && !firstFailure
              ? 0
              : undefined;
    return {
        samples: after.length,
        errors: after.filter((s) => !s.ok).length,
        firstFailureAt: firstFailure?.at,
        firstGoodOnSecondaryAt: firstGood?.at,
        userVisibleRtoSeconds: rto,
    };
}

/** Share of failed samples among those in the last `windowMs`. */
export function errorRate(samples: readonly ProbeSample[], now: number, windowMs: number): number {
    const recent = samples.filter((s) => s.at >= now - windowMs);
    return recent.length === 0 ? 0 : recent.filter((s) => !s.ok).length / recent.length;
}
