/**
 * The offline plan's file format (out/<stack>/plan.json), shared by the plan tool (tools/) and the
 * offline policy run (policies/). A leaf module: it imports nothing from the project.
 *
 * Two URN schemes meet here:
 * - `urn`, `parent`, `provider` and `dependencies` are the URNs the SDK's mock monitor hands out. The mock
 *   builds a child's type part from its parent's *last* type only and keeps `pulumi:pulumi:Stack` as a
 *   parent type (`urn:pulumi:prod::p::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::b`).
 * - `aliases` and the URNs from `engineUrns` follow the Pulumi engine (sdk/go/common/resource/urn.go
 *   `NewURN`): the parent's whole type chain, and no `pulumi:pulumi:Stack` prefix for top-level resources.
 *   These are the URNs of a live stack (`pulumi stack --show-urns`), the ones aliases must match.
 */

/** One resource of the offline plan (out/<stack>/plan.json). */
export interface PlanResource {
    /** The mock monitor's URN (see the module comment). */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    /** URN of the resource's explicit provider. */
    readonly provider?: string;
    readonly custom: boolean;
    readonly protect: boolean;
    /** Inputs as the program passed them, every Pulumi secret replaced by "[secret]". */
    readonly inputs: Record<string, unknown>;
    readonly dependencies: readonly string[];
    /**
     * The engine URNs the resource's `aliases` option stands for (resolved, including the aliases
     * inherited from aliased parents), sorted. Absent when the resource has none.
     */
    readonly aliases?: readonly string[];
    /**
     * The resource's `additionalSecretOutputs` option (property names the engine keeps secret), sorted.
     * Absent when the resource declares none.
     */
    readonly additionalSecretOutputs?: readonly string[];
}

export interface PlanDocument {
    readonly stack: string;
    readonly resources: PlanResource[];
}

/** JSON with object keys sorted at every level, so two runs give byte-identical files. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(sortKeys(value), null, 2) + "\n";
}

export function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** The parts of `urn:pulumi:<stack>::<project>::<qualified$type>::<name>`. */
export function parseUrn(urn: string): {
    stack: string;
    project: string;
    qualifiedType: string;
    type: string;
    name: string;
} {
    if (!urn.startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
    const parts = urn.slice("urn:pulumi:".length).split("::");
    if (parts.length < 4) throw new Error(`not a Pulumi URN: ${urn}`);
    const [stack, project, qualifiedType] = parts;
    const name = parts.slice(3).join("::");
    const types = qualifiedType.split("$");
    return { stack, project, qualifiedType, type: types[types.length - 1], name };
}

/** The engine's `resource.NewURN`: the parent's qualified type, unless it is the root stack, then `$type`. */
export function newUrn(
    stack: string,
    project: string,
    parentQualifiedType: string,
    type: string,
    name: string,
): string {
    const typ =
        parentQualifiedType && parentQualifiedType !== ROOT_STACK_TYPE
            ? `${parentQualifiedType}$${type}`
            : type;
    return `urn:pulumi:${stack}::${project}::${typ}::${name}`;
}

/** The engine's `resource.CreateURN`: under a parent, the parent URN's prefix (up to its name) then `$type`. */
export function createUrn(
    name: string,
    type: string,
    parentUrn: string,
    project: string,
    stack: string,
): string {
    if (!parentUrn) return `urn:pulumi:${stack}::${project}::${type}::${name}`;
    return `${parentUrn.slice(0, parentUrn.lastIndexOf("::"))}$${type}::${name}`;
}

/** A resource of a plan as the engine would name it. */
export interface EngineNamed {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
}

/**
 * The engine URN of every resource of a plan, keyed by its plan (mock) URN. A parent that is not in the
 * plan (a hand-written fixture) is taken at its word: its qualified type as written.
 */
export function engineUrns(resources: readonly EngineNamed[]): Map<string, string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out = new Map<string, string>();
    const visiting = new Set<string>();
    const of = (r: EngineNamed): string => {
        const done = out.get(r.urn);
        if (done !== undefined) return done;
        if (visiting.has(r.urn)) throw new Error(`parent cycle at ${r.urn}`);
        visiting.add(r.urn);
        const { stack, project } = parseUrn(r.urn);
        let parentType = "";
        if (r.parent) {
            const p = byUrn.get(r.parent);
            parentType = parseUrn(p ? of(p) : r.parent).qualifiedType;
        }
        const urn = newUrn(stack, project, parentType, r.type, r.name);
        visiting.delete(r.urn);
        out.set(r.urn, urn);
        return urn;
    };
    for (const r of resources) of(r);
    return out;
}
