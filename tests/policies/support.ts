/**
 * Fixtures for policy tests: plan resources built by hand (the shapes the program declares, per the
 * upstream APIs), and a runner that evaluates one policy through the offline CrossGuard runner.
 */
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import { evaluatePack, PlanResource, PolicyViolation } from "../../policies/offline";
import type { PackPolicy } from "../../policies/lib/policy";

export const STACK = "test";

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:${STACK}::mesh-platform::${type}::${name}`;
}

export interface Extra {
    readonly provider?: PlanResource;
    readonly parent?: PlanResource;
    readonly dependsOn?: readonly PlanResource[];
    readonly protect?: boolean;
}

export function res(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Extra = {},
): PlanResource {
    return {
        urn: urnOf(type, name),
        type,
        name,
        parent: extra.parent?.urn,
        provider: extra.provider?.urn,
        custom: !type.startsWith("mesh-platform:"),
        protect: extra.protect ?? false,
        inputs,
        dependencies: (extra.dependsOn ?? []).map((d) => d.urn),
    };
}

export const awsProvider = (name: string, region: string, inputs: Record<string, unknown> = {}) =>
    res("pulumi:providers:aws", name, { region, ...inputs });
export const gcpProvider = (name: string, region: string) =>
    res("pulumi:providers:gcp", name, { region, project: "edtech-test" });
export const k8sProvider = (name: string, cluster?: PlanResource) =>
    res(
        "pulumi:providers:kubernetes",
        name,
        { kubeconfig: "[secret]" },
        { dependsOn: cluster ? [cluster] : [] },
    );

/** A Kubernetes custom resource as k8s.apiextensions.CustomResource declares it. */
export function cr(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string,
    spec: unknown,
    provider: PlanResource,
    metadata: Record<string, unknown> = {},
): PlanResource {
    const [group, version] = apiVersion.split("/");
    return res(
        `kubernetes:${group}/${version}:${kind}`,
        `${provider.name}-${namespace}-${name}`,
        { apiVersion, kind, metadata: { name, namespace, ...metadata }, spec },
        { provider },
    );
}

export function namespace(
    name: string,
    labels: Record<string, string>,
    provider: PlanResource,
): PlanResource {
    return res(
        "kubernetes:core/v1:Namespace",
        `${provider.name}-ns-${name}`,
        { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
        { provider },
    );
}

export function release(
    logical: string,
    chart: string,
    values: Record<string, unknown>,
    provider: PlanResource,
    extra: Record<string, unknown> = {},
): PlanResource {
    return res(
        "kubernetes:helm.sh/v3:Release",
        logical,
        {
            chart,
            version: "1.27.3",
            name: chart,
            namespace: "istio-system",
            repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
            values,
            ...extra,
        },
        { provider },
    );
}

/** Evaluate one policy with its config and enforcement level through the offline runner. */
export function check(
    policy: PackPolicy,
    resources: readonly PlanResource[],
    config: Record<string, unknown> = {},
    level: EnforcementLevel = "mandatory",
): PolicyViolation[] {
    const packConfig = {
        [policy.name]: { enforcementLevel: level, ...config },
    } as PolicyPackConfig;
    return evaluatePack(
        { name: "test-pack", dir: "security", policies: [policy], enforcementLevel: "mandatory" },
        packConfig,
        resources,
        STACK,
    );
}

/** Messages of the violations, for exact assertions. */
export function messages(violations: readonly PolicyViolation[]): string[] {
    return violations.map((v) => v.message);
}

/** Violations as [short resource name, message]. */
export function found(violations: readonly PolicyViolation[]): [string, string][] {
    return violations.map((v) => [v.urn.split("::").pop() ?? v.urn, v.message]);
}
