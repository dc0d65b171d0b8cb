/**
 * IPv4 CIDR arithmetic shared by the config rules and the network components (a leaf module: it imports
 * nothing from the project).
 */

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export interface ParsedCidr {
    readonly base: number;
    readonly prefix: number;
}

/** Parse `a.b.c.d/n`; undefined unless it is a valid IPv4 CIDR with the host bits zero. */
export function parseCidr(s: string): ParsedCidr | undefined {
    const m = CIDR.exec(s);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((base & ~mask) >>> 0 !== 0) return undefined;
    return { base, prefix };
}

export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    if (!x || !y) return false;
    const prefix = Math.min(x.prefix, y.prefix);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return (x.base & mask) >>> 0 === (y.base & mask) >>> 0;
}

/** Split a CIDR into 2^bits subnets and return subnet `index`, e.g. subnet("10.0.0.0/16", 4, 3) = 10.0.48.0/20. */
export function subnetCidr(parent: string, newBits: number, index: number): string {
    const p = parseCidr(parent);
    if (!p) throw new Error(`not a CIDR: ${parent}`);
    const prefix = p.prefix + newBits;
    if (prefix > 28 || index >= 2 ** newBits)
        throw new Error(`cannot carve subnet ${index} of /${prefix} from ${parent}`);
    const base = (p.base + index * 2 ** (32 - prefix)) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join(".")}/${prefix}`;
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    const i = parseCidr(inner);
    const o = parseCidr(outer);
    if (!i || !o || i.prefix < o.prefix) return false;
    return cidrsOverlap(inner, outer);
}

/** A CIDR as a name part: `10.0.0.0/16` -> `10-0-0-0-16` (for logical names by content). */
export function cidrSlug(cidr: string): string {
    return cidr.replace(/[./]/g, "-");
}
