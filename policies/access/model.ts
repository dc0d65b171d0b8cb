/**
 * The resources the access matrix reads, in one shape for both callers: the offline plan
 * (out/<stack>/plan.json, inputs as props) and the security pack's stack policy (CrossGuard
 * `PolicyResource`s, whose props throw `UnknownValueError` for values unknown during a preview).
 *
 * References between resources (a rule's `securityGroupId`, a policy's `role`) are matched the way
 * the engine names things: the referenced resource's `id`/`arn`/`name` when known, else its
 * auto-name `<logical name>-<7 or 8 hex>` (the engine's and the mocks' physical names and ids).
 */
import { UnknownValueError } from "@pulumi/policy";
import type { PolicyResource } from "@pulumi/policy";
import type { PlanResource } from "../../lib/plan-format";

export interface AccessResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly parent?: string;
    readonly dependencies: readonly string[];
    readonly provider?: string;
}

export type Kind = "iam" | "network" | "rbac" | "mesh";
export type Decision = "allow" | "deny";

/** One row of out/<stack>/access.json. */
export interface AccessRow {
    readonly kind: Kind;
    readonly subject: string;
    readonly action: string;
    readonly resource: string;
    readonly expect: Decision;
    readonly result: Decision;
    /** The decisive statements, rules or routes (or why nothing allows). */
    readonly why: readonly string[];
}

/** A check that could not run because a value it needs is unknown (first preview). */
export interface SkippedCheck {
    readonly kind: Kind;
    readonly what: string;
    readonly reason: string;
    /**
     * The input is a masked secret of the offline runner, not an unknown: a real preview shows the
     * policy the plaintext, and the offline plan's own access step (tools/plan.ts) evaluates the row.
     */
    readonly maskedSecret?: boolean;
}

export function fromPlan(resources: readonly PlanResource[]): AccessResource[] {
    return resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: r.inputs,
        parent: r.parent,
        dependencies: r.dependencies,
        provider: r.provider,
    }));
}

export function fromPolicy(resources: readonly PolicyResource[]): AccessResource[] {
    return resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: r.props,
        parent: r.parent?.urn,
        dependencies: r.dependencies.map((d) => d.urn),
        provider: r.provider?.urn,
    }));
}

export function isUnknown(e: unknown): boolean {
    return e instanceof UnknownValueError;
}

export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const rec = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Does `ref` (an id, name or ARN some other resource passes) name resource `r`? */
export function refersTo(ref: string, r: AccessResource): boolean {
    if (!ref) return false;
    for (const k of ["id", "arn", "name", "bucket", "keyId"]) {
        const v = r.props[k];
        if (typeof v === "string" && v !== "" && (v === ref || ref.endsWith(`/${v}`))) return true;
    }
    const last = ref.split(/[/:]/).pop() ?? ref;
    return new RegExp(`^${escape(r.name)}-[0-9a-f]{7,8}$`).test(last);
}

/** Parse an IAM policy document given as JSON text or as an object. */
export function policyDoc(v: unknown): Record<string, unknown> | undefined {
    if (typeof v === "string" && v.trim().startsWith("{")) {
        try {
            return JSON.parse(v) as Record<string, unknown>;
        } catch {
            return undefined;
        }
    }
    if (v && typeof v === "object") return v as Record<string, unknown>;
    return undefined;
}

/** The short region/cluster label of a resource: its `region` tag, else its provider's name. */
export function labelOf(r: AccessResource, byUrn: ReadonlyMap<string, AccessResource>): string {
    const tags = rec(r.props.tags);
    if (typeof tags.region === "string") return tags.region;
    const labels = rec(r.props.labels);
    if (typeof labels.region === "string") return labels.region;
    const p = r.provider ? byUrn.get(r.provider) : undefined;
    const name = p?.name ?? (r.provider ?? "").split("::").pop() ?? "";
    return name.replace(/^(aws|gcp)-/, "").replace(/-k8s$/, "");
}

export function cidrContains(outer: string, inner: string): boolean {
    const parse = (c: string): [number, number] | undefined => {
        const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(c.trim());
        if (!m) return undefined;
        const ip = ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
        return [ip, m[5] === undefined ? 32 : +m[5]];
    };
    const o = parse(outer);
    const i = parse(inner);
    if (!o || !i || i[1] < o[1]) return false;
    const mask = o[1] === 0 ? 0 : (0xffffffff << (32 - o[1])) >>> 0;
    return (o[0] & mask) >>> 0 === (i[0] & mask) >>> 0;
}
