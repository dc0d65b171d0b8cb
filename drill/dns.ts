/**
 * DNS observation: ask the zone's authoritative name servers (no resolver cache in between) what
 * the failover hostname answers, as a CNAME target or, failing that, A addresses.
 */
import { promises as dnsPromises } from "dns";
import type { DnsObserver } from "./ports";

export class AuthoritativeDns implements DnsObserver {
    private resolver?: dnsPromises.Resolver;

    /**
     * @param servers name servers as host names or `ip[:port]`; host names are resolved once with the
     *   system resolver.
     */
    constructor(
        private readonly servers: () => Promise<readonly string[]>,
        private readonly timeoutMs = 3000,
    ) {}

    async answer(hostname: string): Promise<readonly string[]> {
        const resolver = await this.ready();
        try {
            return await resolver.resolveCname(hostname);
        } catch (e) {
            const code = (e as { code?: string }).code;
            if (code !== "ENODATA") {
                if (code === "ENOTFOUND") return [];
                throw e;
            }
        }
        return resolver.resolve4(hostname);
    }

    private async ready(): Promise<dnsPromises.Resolver> {
        if (this.resolver) return this.resolver;
        const names = await this.servers();
        if (names.length === 0) throw new Error("no authoritative name servers to ask");
        const addresses: string[] = [];
        for (const n of names) {
            if (/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(n)) addresses.push(n);
            else addresses.push(...(await dnsPromises.resolve4(n)));
        }
        const resolver = new dnsPromises.Resolver({ timeout: this.timeoutMs, tries: 2 });
        resolver.setServers(addresses);
        this.resolver = resolver;
        return resolver;
    }
}
