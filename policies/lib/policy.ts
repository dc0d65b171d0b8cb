/**
 * Building blocks for the packs' policies. A policy here is a plain CrossGuard policy object
 * (`ResourceValidationPolicy` / `StackValidationPolicy` from @pulumi/policy); the helpers only add a
 * type filter, typed config with defaults, and the config schema that both the CLI and the offline
 * runner validate against. Nothing here starts a policy server: `new PolicyPack` lives only in each
 * pack's index.ts.
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { Props } from "./values";

export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

interface Common<C> {
    readonly name: string;
    readonly description: string;
    /** Default enforcement level (the per-environment config files set the real one). */
    readonly enforcementLevel?: EnforcementLevel;
    /** Config properties with their JSON schema; `default` of each is used when the config omits it. */
    readonly config?: { readonly [K in keyof C]: PolicyConfigJSONSchema };
}

export interface ResourcePolicySpec<C> extends Common<C> {
    /** Resource types this policy looks at (exact type strings), or a predicate on the type. */
    readonly types: readonly string[] | ((type: string) => boolean);
    readonly validate: (
        props: Props,
        args: ResourceValidationArgs,
        report: ReportViolation,
        config: C,
    ) => void;
}

export interface StackPolicySpec<C> extends Common<C> {
    readonly validate: (
        resources: PolicyResource[],
        args: StackValidationArgs,
        report: ReportViolation,
        config: C,
    ) => void;
}

function schemaOf<C>(config: Common<C>["config"]): PolicyConfigSchema | undefined {
    if (!config) return undefined;
    return { properties: { ...(config as Record<string, PolicyConfigJSONSchema>) } };
}

/** The policy's config: schema defaults overlaid with what the pack config supplies. */
export function configWithDefaults<C>(spec: Common<C>, supplied: object): C {
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(
        (spec.config ?? {}) as Record<string, PolicyConfigJSONSchema>,
    )) {
        if (schema.default !== undefined) out[key] = schema.default;
    }
    return { ...out, ...(supplied as Record<string, unknown>) } as C;
}

export function resourcePolicy<C = Record<string, never>>(
    spec: ResourcePolicySpec<C>,
): ResourceValidationPolicy {
    const matches =
        typeof spec.types === "function"
            ? spec.types
            : (t: string) => (spec.types as readonly string[]).includes(t);
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel ?? "mandatory",
        configSchema: schemaOf(spec.config),
        validateResource: (args, report) => {
            if (!matches(args.type)) {
                args.notApplicable(
                    `applies to ${typeof spec.types === "function" ? "selected types" : spec.types.join(", ")}`,
                );
            }
            spec.validate(args.props, args, report, configWithDefaults(spec, args.getConfig()));
        },
    };
}

export function stackPolicy<C = Record<string, never>>(
    spec: StackPolicySpec<C>,
): StackValidationPolicy {
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel ?? "mandatory",
        configSchema: schemaOf(spec.config),
        validateStack: (args, report) =>
            spec.validate(args.resources, args, report, configWithDefaults(spec, args.getConfig())),
    };
}

/** The resource's provider URN (CrossGuard gives the provider resource; plan resources carry the URN). */
export function providerKey(r: PolicyResource): string {
    return r.provider?.urn ?? "(default provider)";
}

/** Short display name of a provider / cluster from its URN. */
export function urnName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}
