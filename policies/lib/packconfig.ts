/**
 * Policy pack config files (`--policy-pack-config`): `{ "<policy>": "<level>" | { enforcementLevel?, ...props } }`
 * plus the reserved key `all`. Validated against the pack's policy names and each policy's config
 * schema, reporting every problem at once with the file, the key, the bad value and what is allowed.
 */
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { PackPolicy } from "./policy";
import { isObject } from "./values";

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = [
    "advisory",
    "mandatory",
    "remediate",
    "disabled",
];

export class PolicyConfigError extends Error {
    constructor(
        readonly file: string,
        readonly problems: readonly string[],
    ) {
        super(
            `invalid policy pack config ${file}, ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "PolicyConfigError";
    }
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

/** The subset of JSON schema the packs' config schemas use. */
export function checkSchema(
    value: unknown,
    schema: PolicyConfigJSONSchema,
    at: string,
    problems: string[],
): void {
    if (schema.type !== undefined) {
        const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
        const actual = typeOf(value);
        const ok = allowed.some((t) => t === actual || (t === "number" && actual === "integer"));
        if (!ok) {
            problems.push(`${at}: must be ${allowed.join(" or ")} (got ${show(value)})`);
            return;
        }
    }
    if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
        problems.push(
            `${at}: must be one of ${schema.enum.map(show).join(", ")} (got ${show(value)})`,
        );
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum)
            problems.push(`${at}: must be >= ${schema.minimum} (got ${value})`);
        if (schema.maximum !== undefined && value > schema.maximum)
            problems.push(`${at}: must be <= ${schema.maximum} (got ${value})`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems)
            problems.push(`${at}: needs at least ${schema.minItems} item(s) (got ${value.length})`);
        if (isObject(schema.items))
            value.forEach((v, i) =>
                checkSchema(v, schema.items as PolicyConfigJSONSchema, `${at}[${i}]`, problems),
            );
    }
    if (isObject(value)) {
        const props = schema.properties ?? {};
        for (const req of schema.required ?? [])
            if (!(req in value)) problems.push(`${at}.${req}: is required`);
        for (const [k, v] of Object.entries(value)) {
            const sub = props[k];
            if (isObject(sub)) checkSchema(v, sub, `${at}.${k}`, problems);
            else if (schema.additionalProperties === false)
                problems.push(
                    `${at}.${k}: unknown property; allowed: ${Object.keys(props).join(", ") || "none"}`,
                );
            else if (isObject(schema.additionalProperties))
                checkSchema(v, schema.additionalProperties, `${at}.${k}`, problems);
        }
    }
}

/** Validate a parsed config file for a pack; throws PolicyConfigError listing every problem. */
export function validatePackConfig(
    file: string,
    pack: string,
    policies: readonly PackPolicy[],
    raw: unknown,
): PolicyPackConfig {
    const problems: string[] = [];
    if (!isObject(raw))
        throw new PolicyConfigError(file, [
            `the file must hold a JSON object of policy name -> config (got ${show(raw)})`,
        ]);
    const byName = new Map(policies.map((p) => [p.name, p]));
    const levels = ENFORCEMENT_LEVELS.map((l) => `"${l}"`).join(", ");
    for (const [key, value] of Object.entries(raw)) {
        const policy = byName.get(key);
        if (key !== "all" && !policy) {
            problems.push(
                `${key}: unknown policy in pack ${pack}; known policies: all, ${[...byName.keys()].join(", ")}`,
            );
            continue;
        }
        if (typeof value === "string") {
            if (!ENFORCEMENT_LEVELS.includes(value as EnforcementLevel))
                problems.push(
                    `${key}: enforcement level must be one of ${levels} (got ${show(value)})`,
                );
            continue;
        }
        if (!isObject(value)) {
            problems.push(`${key}: must be an enforcement level or an object (got ${show(value)})`);
            continue;
        }
        const properties = policy?.configSchema?.properties ?? {};
        for (const [prop, v] of Object.entries(value)) {
            if (prop === "enforcementLevel") {
                if (!ENFORCEMENT_LEVELS.includes(v as EnforcementLevel))
                    problems.push(
                        `${key}.enforcementLevel: must be one of ${levels} (got ${show(v)})`,
                    );
                continue;
            }
            const schema = properties[prop];
            if (!schema) {
                const known = Object.keys(properties);
                problems.push(
                    `${key}.${prop}: unknown config property; ${known.length > 0 ? `allowed: enforcementLevel, ${known.join(", ")}` : "this policy takes only enforcementLevel"}`,
                );
                continue;
            }
            checkSchema(v, schema, `${key}.${prop}`, problems);
        }
        for (const req of policy?.configSchema?.required ?? [])
            if (!(req in value)) problems.push(`${key}.${req}: is required`);
    }
    if (problems.length > 0) throw new PolicyConfigError(file, problems);
    return raw as PolicyPackConfig;
}

/** Effective enforcement level of a policy under a pack config, the way the policy server resolves it. */
export function enforcementOf(
    policy: PackPolicy,
    config: PolicyPackConfig,
    packDefault: EnforcementLevel,
): EnforcementLevel {
    const entry = config[policy.name];
    const specific = typeof entry === "string" ? entry : entry?.enforcementLevel;
    const all = config.all;
    const allLevel = typeof all === "string" ? all : all?.enforcementLevel;
    return specific ?? allLevel ?? policy.enforcementLevel ?? packDefault;
}

/** What `args.getConfig()` returns: the policy's entry without enforcementLevel. */
export function propertiesOf(
    policy: PackPolicy,
    config: PolicyPackConfig,
): Record<string, unknown> {
    const entry = config[policy.name];
    if (!isObject(entry)) return {};
    const { enforcementLevel: _level, ...rest } = entry as Record<string, unknown>;
    return rest;
}
