/**
 * Strict validation of a manifest against an upstream @kubernetes-models schema: type and enum errors,
 * and fields the schema does not know (the validators, like the CRDs, let unknown fields through, and
 * the API server would prune them silently). Same probe as tests/mesh/schema.ts, for any package.
 */
import { importEsm } from "../support/esm";

interface SchemaError {
    readonly instancePath: string;
    readonly message?: string;
}
type ModelClass = new (data: unknown) => { validate(): void };

export async function modelOf(pkg: string, apiVersion: string, kind: string): Promise<ModelClass> {
    const mod = await importEsm<Record<string, ModelClass>>(
        `@kubernetes-models/${pkg}/${apiVersion}/${kind}`,
    );
    const Model = mod[kind];
    if (!Model) throw new Error(`no @kubernetes-models/${pkg} model for ${apiVersion} ${kind}`);
    return Model;
}

const PROBES: readonly unknown[] = [true, 0.5, "probe", [], {}];
const escape = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** Schema errors and unknown fields under `spec`, as "path: message"; empty when the manifest is valid. */
export async function strictProblems(
    pkg: string,
    m: { apiVersion: string; kind: string; spec?: unknown },
    /** Pointers of free-form subtrees the schema cannot know (an EnvoyFilter patch value is a Struct). */
    opaque: readonly RegExp[] = [],
): Promise<string[]> {
    const Model = await modelOf(pkg, m.apiVersion, m.kind);
    const validate = (obj: unknown): SchemaError[] => {
        try {
            new Model(obj).validate();
            return [];
        } catch (e) {
            const errors = (e as { errors?: SchemaError[] }).errors;
            if (!errors) throw e;
            return errors;
        }
    };
    const root = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
    const out = validate(root).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
    const walk = (node: unknown, path: (string | number)[]): void => {
        if (Array.isArray(node)) {
            node.forEach((item, i) => walk(item, [...path, i]));
            return;
        }
        if (!node || typeof node !== "object") return;
        const obj = node as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
            const pointer = "/" + [...path, key].map((p) => escape(String(p))).join("/");
            if (opaque.some((re) => re.test(pointer))) continue;
            const original = obj[key];
            const known = PROBES.some((probe) => {
                obj[key] = probe;
                return validate(root).some(
                    (e) => e.instancePath === pointer || e.instancePath.startsWith(`${pointer}/`),
                );
            });
            obj[key] = original;
            if (!known) out.push(`${pointer}: unknown field`);
            else walk(original, [...path, key]);
        }
    };
    walk(root.spec, ["spec"]);
    return out;
}
