/**
 * Runs both CrossGuard packs over an offline plan (tools/plan.ts) the way the policy server does
 * during `pulumi preview --policy-pack ... --policy-pack-config ...`: the same policy objects the packs
 * register, resource policies called per resource with a faithful `ResourceValidationArgs`, stack
 * policies called once with every resource, properties wrapped in the policy SDK's unknown-checking
 * proxy (a policy touching an unknown value becomes an advisory "can't run during preview"),
 * `notApplicable` honoured, enforcement levels and policy config from the environment's config files
 * (policies/config/<pack>.<environment>.json, validated first).
 *
 * Differences from a real run, by necessity: resource inputs stand in for stack-policy outputs (the
 * plan has no cloud outputs), Pulumi secrets arrive as the string "[secret]" (CrossGuard would show the
 * plaintext), and property dependencies are not known per property. Each resource's
 * `additionalSecretOutputs` option comes from the plan, as the engine passes it.
 */
import * as fs from "fs";
import * as path from "path";
import {
    EnforcementLevel,
    PolicyPackConfig,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
    UnknownValueError,
} from "@pulumi/policy";
import { COST_PACK, costPolicies } from "./cost/policies";
import {
    CostEstimate,
    CostResource,
    estimateCost,
    EstimateOptions,
    formatEstimate,
    TrafficAssumptions,
} from "./cost/estimate";
import { handOverEvaluation, type PlanAccess } from "./access";
import { enforcementOf, propertiesOf, validatePackConfig } from "./lib/packconfig";
import type { PackPolicy } from "./lib/policy";
import { SECURITY_PACK, securityPolicies } from "./security/policies";

/** One resource of the offline plan (out/<stack>/plan.json); the format lives in lib/plan-format.ts. */
export type { PlanResource } from "../lib/plan-format";
import type { PlanResource } from "../lib/plan-format";

export interface PolicyViolation {
    readonly policyName: string;
    readonly pack: string;
    readonly enforcementLevel: "advisory" | "mandatory";
    readonly urn: string;
    readonly message: string;
}

export type Environment = "dev" | "staging" | "prod";

export interface PackDefinition {
    readonly name: string;
    /** Folder under policies/ and prefix of its config files. */
    readonly dir: "security" | "cost";
    readonly policies: readonly PackPolicy[];
    readonly enforcementLevel: EnforcementLevel;
}

export const PACKS: readonly PackDefinition[] = [
    {
        name: SECURITY_PACK,
        dir: "security",
        policies: securityPolicies,
        enforcementLevel: "mandatory",
    },
    { name: COST_PACK, dir: "cost", policies: costPolicies, enforcementLevel: "mandatory" },
];

export const CONFIG_DIR = path.join(__dirname, "config");

export function configFile(pack: PackDefinition, environment: Environment): string {
    return path.join(CONFIG_DIR, `${pack.dir}.${environment}.json`);
}

/** Read and validate a pack's config file for an environment (the file `--policy-pack-config` gets). */
export function loadPackConfig(pack: PackDefinition, environment: Environment): PolicyPackConfig {
    const file = configFile(pack, environment);
    const shown = path.relative(path.join(__dirname, ".."), file);
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`cannot read policy pack config ${shown}: ${(e as Error).message}`);
    }
    return validatePackConfig(shown, pack.name, pack.policies, raw);
}

class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

/**
 * `notApplicable` is control flow, caught in evaluatePack: no stack is captured (one throw per resource
 * and policy that does not apply, some 20 000 in a prod plan; capturing was a third of the packs' time).
 */
const throwNotApplicable = (reason?: string): never => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let e: NotApplicable;
    try {
        e = new NotApplicable(reason);
    } finally {
        Error.stackTraceLimit = limit;
    }
    throw e;
};

const EMPTY_TAGS: ReadonlyMap<string, string> = new Map();

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const cls = resourceClass as { __pulumiType?: string; isInstance?: (o: unknown) => boolean };
    if (typeof cls?.__pulumiType === "string" && cls.__pulumiType.length > 0)
        return type === cls.__pulumiType;
    return typeof cls?.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function optionsOf(r: PlanResource): PolicyResourceOptions {
    return {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [...(r.additionalSecretOutputs ?? [])],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

/** PolicyResources (with parent, provider and dependencies linked) for the stack policies. */
function toPolicyResources(resources: readonly PlanResource[]): Map<string, PolicyResource> {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of resources) {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- @pulumi/policy exports it, but its proxy.d.ts declares nothing
        const props = unknownCheckingProxy(r.inputs) as Record<string, unknown>;
        byUrn.set(r.urn, {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: (cls) => (isTypeOf(r.type, cls) ? props : undefined) as never,
        });
    }
    for (const r of resources) {
        const pr = byUrn.get(r.urn)!;
        if (r.parent && byUrn.has(r.parent)) pr.parent = byUrn.get(r.parent);
        pr.dependencies = r.dependencies
            .map((d) => byUrn.get(d))
            .filter((d): d is PolicyResource => !!d);
        if (r.provider) {
            const provider = byUrn.get(r.provider);
            const parts = r.provider.split("::");
            pr.provider = provider
                ? {
                      type: provider.type,
                      props: provider.props,
                      urn: provider.urn,
                      name: provider.name,
                  }
                : {
                      type: parts[parts.length - 2] ?? "",
                      props: {},
                      urn: r.provider,
                      name: parts[parts.length - 1] ?? "",
                  };
        }
    }
    return byUrn;
}

function stackUrn(resources: readonly PlanResource[], stack: string): string {
    return (
        resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ??
        `urn:pulumi:${stack}::mesh-platform::pulumi:pulumi:Stack::mesh-platform-${stack}`
    );
}

function isResourcePolicy(p: PackPolicy): p is ResourceValidationPolicy {
    return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: PackPolicy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

function mustBeSync(result: unknown, policy: string): void {
    if (result && typeof (result as Promise<void>).then === "function") {
        throw new Error(
            `policy ${policy} returned a promise; offline evaluation runs synchronous policies only`,
        );
    }
}

/**
 * Run one pack over the plan with an already validated config. `access`: the plan's access step's
 * evaluation of these resources, handed to the `access-matrix` stack policy instead of evaluating
 * the matrix a second time (checked to be of the same resources, URN by URN).
 */
export function evaluatePack(
    pack: PackDefinition,
    config: PolicyPackConfig,
    resources: readonly PlanResource[],
    stack: string,
    access?: PlanAccess,
): PolicyViolation[] {
    if (
        access &&
        (access.urns.length !== resources.length ||
            resources.some((r, i) => r.urn !== access.urns[i]))
    )
        throw new Error(
            "the access evaluation handed to the policy packs is of other resources than the plan's",
        );
    const out: PolicyViolation[] = [];
    const policyResources = toPolicyResources(resources);
    const fallbackUrn = stackUrn(resources, stack);
    for (const policy of pack.policies) {
        let level = enforcementOf(policy, config, pack.enforcementLevel);
        if (level === "disabled") continue;
        if (level === "remediate") level = "mandatory";
        const enforcementLevel = level;
        const properties = propertiesOf(policy, config);
        const getConfig = <T extends object>() => ({ ...properties }) as T;
        const push = (message: string, urn: string, lvl = enforcementLevel) =>
            out.push({
                policyName: policy.name,
                pack: pack.name,
                enforcementLevel: lvl,
                urn,
                message,
            });
        const guard = (urn: string, run: () => void) => {
            try {
                run();
            } catch (e) {
                if (e instanceof NotApplicable) return;
                if (e instanceof UnknownValueError) {
                    push(
                        `can't run policy '${policy.name}' from policy pack '${pack.name}' during preview: ${(e as Error).message}`,
                        urn,
                        "advisory",
                    );
                    return;
                }
                throw new Error(
                    `Error validating resource with policy '${policy.name}' from policy pack '${pack.name}': ${(e as Error).stack ?? String(e)}`,
                );
            }
        };
        if (isResourcePolicy(policy)) {
            const validations = Array.isArray(policy.validateResource)
                ? policy.validateResource
                : [policy.validateResource!];
            for (const r of resources) {
                const pr = policyResources.get(r.urn)!;
                for (const validate of validations) {
                    const args: ResourceValidationArgs = {
                        type: r.type,
                        props: pr.props,
                        urn: r.urn,
                        name: r.name,
                        opts: pr.opts,
                        stackTags: EMPTY_TAGS,
                        // eslint-disable-next-line @typescript-eslint/unbound-method -- an arrow function (toPolicyResources), no this to lose
                        isType: pr.isType,
                        asType: ((cls: unknown) =>
                            isTypeOf(r.type, cls)
                                ? pr.props
                                : undefined) as ResourceValidationArgs["asType"],
                        getConfig,
                        notApplicable: throwNotApplicable,
                        ...(pr.provider ? { provider: pr.provider } : {}),
                    };
                    guard(r.urn, () =>
                        mustBeSync(
                            validate(args, (message) => push(message, r.urn)),
                            policy.name,
                        ),
                    );
                }
            }
        }
        if (isStackPolicy(policy)) {
            const all = [...policyResources.values()];
            if (access) handOverEvaluation(all, access.evaluation);
            const args: StackValidationArgs = {
                resources: all,
                stackTags: EMPTY_TAGS,
                getConfig,
                notApplicable: throwNotApplicable,
            };
            guard(fallbackUrn, () =>
                mustBeSync(
                    policy.validateStack(args, (message, urn) => push(message, urn ?? fallbackUrn)),
                    policy.name,
                ),
            );
        }
    }
    return out;
}

/**
 * Evaluate both packs over a plan with the environment's config files. Throws (before evaluating
 * anything) when a config file is invalid. `access`: the offline plan's access step's evaluation of
 * the same resources (policies/access `planAccessStep`), reused by the `access-matrix` policy.
 */
export function evaluatePolicies(
    resources: PlanResource[],
    opts: { stack: string; environment: Environment; access?: PlanAccess },
): PolicyViolation[] {
    const configs = PACKS.map((pack) => loadPackConfig(pack, opts.environment));
    return PACKS.flatMap((pack, i) =>
        evaluatePack(pack, configs[i], resources, opts.stack, opts.access),
    );
}

/** The plan's resources in the cost estimator's view. */
export function toCostResources(resources: readonly PlanResource[]): CostResource[] {
    return resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: r.inputs,
        provider: r.provider,
        dependencies: r.dependencies,
    }));
}

/** Estimated monthly cost of a plan, from the pinned price table (policies/cost/prices.ts). */
export function estimateMonthlyCost(
    resources: PlanResource[],
    opts: EstimateOptions = {},
): CostEstimate {
    return estimateCost(toCostResources(resources), opts);
}

/** The traffic assumptions of an environment's cost config (monthly-cost-budget.traffic). */
export function trafficFor(environment: Environment): Partial<TrafficAssumptions> {
    const pack = PACKS.find((p) => p.dir === "cost")!;
    const entry = loadPackConfig(pack, environment)["monthly-cost-budget"];
    return typeof entry === "object" && entry.traffic
        ? (entry.traffic as Partial<TrafficAssumptions>)
        : {};
}

/** The budget that applies to a stack in its environment's cost config. */
export function budgetFor(stack: string, environment: Environment): number | undefined {
    const pack = PACKS.find((p) => p.dir === "cost")!;
    const entry = loadPackConfig(pack, environment)["monthly-cost-budget"];
    if (typeof entry !== "object") return undefined;
    const perStack = (entry.stackBudgetsUsd ?? {}) as Record<string, number>;
    return perStack[stack] ?? (entry.budgetUsd as number | undefined);
}

/** Print the estimate the way the plan shows it (called by tools/planpolicies.ts). */
export function printCostEstimate(
    resources: PlanResource[],
    opts: { stack: string; environment: Environment },
    log: (s: string) => void,
): void {
    for (const line of formatEstimate(
        opts.stack,
        estimateMonthlyCost(resources, { traffic: trafficFor(opts.environment) }),
        budgetFor(opts.stack, opts.environment),
    ))
        log(line);
}
