/**
 * Strict validation of Istio custom resources against the @kubernetes-models/istio schemas.
 *
 * The models' validators check types and enums of known fields but, like the CRDs, let unknown
 * fields through (the API server would silently prune them, so a misspelt field is a silent no-op).
 * `unknownFields` finds those: it replaces one field at a time with values of every JSON type and
 * asks the validator; a field the schema knows rejects at least one of them at its own path, an
 * unknown field accepts them all.
 */
import { modelFor } from "../support/esm";

export interface ManifestLike {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata?: unknown;
    readonly spec?: unknown;
}

interface SchemaError {
    readonly instancePath: string;
    readonly message?: string;
}

const PROBES: readonly unknown[] = [true, 0.5, "probe", [], {}];

async function validator(m: ManifestLike): Promise<(obj: unknown) => SchemaError[]> {
    const Model = await modelFor("istio", m.apiVersion, m.kind);
    if (!Model) throw new Error(`no @kubernetes-models/istio model for ${m.apiVersion} ${m.kind}`);
    return (obj) => {
        try {
            new Model(obj).validate();
            return [];
        } catch (e) {
            const errors = (e as { errors?: SchemaError[] }).errors;
            if (!errors) throw e;
            return errors;
        }
    };
}

/** Type and enum errors from the upstream schema, as "path: message". */
export async function schemaErrors(m: ManifestLike): Promise<string[]> {
    const validate = await validator(m);
    return validate(m).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
}

const escape = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** JSON pointers of fields under `spec` that the schema does not know. */
export async function unknownFields(m: ManifestLike): Promise<string[]> {
    const validate = await validator(m);
    const root = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
    const out: string[] = [];

    const walk = (node: unknown, path: (string | number)[]): void => {
        if (Array.isArray(node)) {
            node.forEach((item, i) => walk(item, [...path, i]));
            return;
        }
        if (!node || typeof node !== "object") return;
        const obj = node as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
            const pointer = "/" + [...path, key].map((p) => escape(String(p))).join("/");
            const original = obj[key];
            const known = PROBES.some((probe) => {
                obj[key] = probe;
                const errors = validate(root);
                return errors.some(
                    (e) => e.instancePath === pointer || e.instancePath.startsWith(`${pointer}/`),
                );
            });
            obj[key] = original;
            if (!known) out.push(pointer);
            else walk(original, [...path, key]);
        }
    };
    walk(root.spec, ["spec"]);
    return out;
}

/** Both checks; empty when the manifest is valid and uses only fields the schema defines. */
export async function strictProblems(m: ManifestLike): Promise<string[]> {
    const errors = await schemaErrors(m);
    const unknown = (await unknownFields(m)).map((p) => `${p}: unknown field`);
    return [...errors, ...unknown];
}
