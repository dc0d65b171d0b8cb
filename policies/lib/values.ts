/**
 * Small helpers for reading resource properties inside policies: safe path access, Kubernetes
 * quantities and durations, type strings. Property bags handed to policies by CrossGuard are proxies
 * that throw `UnknownValueError` when a value is unknown at preview. The path helpers let that error
 * through, so a policy whose verdict hangs on an unknown value is reported as advisory ("can't run
 * during preview"); `ifKnown` and `walkStrings` are for reads where an unknown value must not cost the
 * whole policy its enforcement (e.g. correlating S3 settings by a bucket name that is not known yet).
 */
import { UnknownValueError } from "@pulumi/policy";

export type Props = Record<string, unknown>;

/** The value the offline plan puts where a Pulumi secret was. */
export const SECRET_PLACEHOLDER = "[secret]";

export function isObject(v: unknown): v is Props {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `get(obj, "a.b.c")`: undefined as soon as a step is missing or not an object. */
export function get(obj: unknown, path: string): unknown {
    let cur: unknown = obj;
    for (const step of path.split(".")) {
        if (!isObject(cur) && !Array.isArray(cur)) return undefined;
        cur = (cur as Props)[step];
    }
    return cur;
}

/** A value for a message: strings as they are, anything else as JSON, `fallback` when absent. */
export function display(v: unknown, fallback = "unset"): string {
    if (v === undefined || v === null) return fallback;
    return typeof v === "string" ? v : JSON.stringify(v);
}

export function asArray(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

export function asRecord(v: unknown): Props {
    return isObject(v) ? v : {};
}

/**
 * A provider input that is an object: the engine hands provider configuration over with every
 * non-string value JSON-encoded (`defaultTags: "{\"tags\":{...}}"`), so parse strings that hold JSON.
 */
export function providerObject(v: unknown): Props {
    if (typeof v === "string" && v.trim().startsWith("{")) {
        try {
            return asRecord(JSON.parse(v));
        } catch {
            return {};
        }
    }
    return asRecord(v);
}

/** String map (labels, tags, annotations); non-string values are dropped. */
export function asStringMap(v: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(asRecord(v))) if (typeof val === "string") out[k] = val;
    return out;
}

/** Kubernetes CPU quantity in millicores: "500m" -> 500, "1" -> 1000, 0.5 -> 500. */
export function parseCpu(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return Math.round(v * 1000);
    if (typeof v !== "string") return undefined;
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(v.trim());
    if (!m) return undefined;
    return m[2] === "m" ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

const MEMORY_UNITS: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
};

/** Kubernetes memory/storage quantity in bytes: "512Mi", "2Gi", "1G", 1024. */
export function parseBytes(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v !== "string") return undefined;
    const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(v.trim());
    if (!m) return undefined;
    return Number(m[1]) * MEMORY_UNITS[m[2] ?? ""];
}

export const GIB = 1024 ** 3;

/**
 * A duration in days: Go durations ("720h", "720h0m0s", "168h"), Prometheus durations ("30d", "2w",
 * "12h") and bare numbers of days. Undefined when unparseable.
 */
export function parseDays(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v !== "string" || v.trim() === "") return undefined;
    const units: Record<string, number> = {
        y: 365,
        w: 7,
        d: 1,
        h: 1 / 24,
        m: 1 / 1440,
        s: 1 / 86400,
        ms: 1 / 86400000,
    };
    let rest = v.trim();
    let total = 0;
    while (rest.length > 0) {
        const m = /^(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/.exec(rest);
        if (!m) return undefined;
        total += Number(m[1]) * units[m[2]];
        rest = rest.slice(m[0].length);
    }
    return Math.round(total * 1e6) / 1e6;
}

/** Stack name from a URN `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn);
    return m ? m[1] : undefined;
}

/** `kubernetes:<group>/<version>:<Kind>` (or `kubernetes:core/v1:Kind`) split into parts. */
export function kubernetesKind(
    type: string,
): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:(?:([^/:]+)\/)?([^/:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) return undefined;
    return { group: m[1] ?? "core", version: m[2], kind: m[3] };
}

/** True for `kubernetes:<group>/<any version>:<kind>`. */
export function isKind(type: string, group: string, kind: string): boolean {
    const k = kubernetesKind(type);
    return !!k && k.group === group && k.kind === kind;
}

/**
 * `read()`, or `fallback` when it touches a value that is unknown during preview. The error is also
 * recognised by name, in case a pack folder gets its own copy of @pulumi/policy.
 */
export function ifKnown<T>(read: () => T, fallback: T): T {
    try {
        return read();
    } catch (e) {
        if (
            e instanceof UnknownValueError ||
            (e instanceof Error && e.constructor.name === "UnknownValueError")
        )
            return fallback;
        throw e;
    }
}

/** Marks a value that is set but unknown during preview (ifKnown's fallback where "set" matters). */
export const UNKNOWN = Symbol("unknown during preview");

/** An object's entries whose values are known (values unknown during preview are left out). */
export function knownEntries(obj: Props): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const k of Object.keys(obj)) {
        const v = ifKnown(() => obj[k], UNKNOWN);
        if (v !== UNKNOWN) out.push([k, v]);
    }
    return out;
}

/**
 * Every known string inside a value, with its path (a.b[0].c). Values unknown during preview are
 * skipped: they cannot be judged, and one of them must not stop the walk over the rest.
 */
export function walkStrings(
    value: unknown,
    visit: (s: string, path: string) => void,
    at = "",
): void {
    if (typeof value === "string") {
        visit(value, at);
    } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
            const v = ifKnown((): unknown => value[i], UNKNOWN);
            if (v !== UNKNOWN) walkStrings(v, visit, `${at}[${i}]`);
        }
    } else if (isObject(value)) {
        for (const [k, v] of knownEntries(value)) walkStrings(v, visit, at ? `${at}.${k}` : k);
    }
}
