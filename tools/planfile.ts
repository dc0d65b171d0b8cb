/**
 * Turning a recorded run into the offline plan's artefacts: plan.json, per-cluster manifests, the
 * preview-like tree and the deploy-time estimate along the longest dependency chain.
 */
import { stringify as toYaml } from "yaml";
import { sortKeys, type PlanDocument } from "../lib/plan-format";
import type { RecordedResource, RunResult } from "./runtime";

export function toPlanDocument(run: RunResult): PlanDocument {
    return {
        stack: run.stack,
        resources: run.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            provider: r.provider,
            custom: r.custom,
            protect: r.protect,
            inputs: r.inputs,
            dependencies: [...r.dependencies].sort(),
            // Omitted when empty, so that a plan without aliases reads as it did before aliases were recorded.
            ...(r.aliases.length > 0 ? { aliases: [...r.aliases].sort() } : {}),
            ...(r.additionalSecretOutputs.length > 0
                ? { additionalSecretOutputs: [...r.additionalSecretOutputs].sort() }
                : {}),
        })),
    };
}

/** Resources that are missing an explicit provider (default providers are disabled in every stack). */
export function missingProviders(resources: readonly RecordedResource[]): RecordedResource[] {
    return resources.filter(
        (r) => r.custom && !r.read && !r.type.startsWith("pulumi:providers:") && !r.provider,
    );
}

const KIND_ORDER = [
    "CustomResourceDefinition",
    "Namespace",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
];

function isKubernetesObject(r: RecordedResource): boolean {
    return (
        r.type.startsWith("kubernetes:") &&
        r.type !== "kubernetes:helm.sh/v3:Release" &&
        r.type !== "kubernetes:helm.sh/v4:Chart" &&
        !r.read &&
        r.custom
    );
}

/** Name of the cluster a Kubernetes provider stands for: its logical name without a -k8s suffix. */
export function clusterOfProvider(providerName: string): string {
    return providerName.replace(/-(k8s|kubernetes|provider)$/, "");
}

function maskSecretData(obj: Record<string, unknown>): Record<string, unknown> {
    const out = { ...obj };
    for (const key of ["data", "stringData"]) {
        const d = out[key];
        if (d && typeof d === "object")
            out[key] = Object.fromEntries(Object.keys(d).map((k) => [k, "[masked]"]));
    }
    return out;
}

/** Every Kubernetes object per cluster, as YAML documents in a stable order. */
export function manifestsByCluster(run: RunResult): Map<string, string> {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const r of run.resources) {
        if (!isKubernetesObject(r)) continue;
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        const cluster = provider ? clusterOfProvider(provider.name) : "no-provider";
        let obj: Record<string, unknown> = { ...r.inputs };
        const meta = { ...((obj.metadata as Record<string, unknown>) ?? {}) };
        const outMeta = (r.outputs.metadata as Record<string, unknown>) ?? {};
        if (meta.name === undefined && outMeta.name !== undefined) meta.name = outMeta.name;
        obj.metadata = meta;
        if (obj.kind === "Secret") obj = maskSecretData(obj);
        const list = groups.get(cluster) ?? [];
        list.push(obj);
        groups.set(cluster, list);
    }
    const out = new Map<string, string>();
    for (const [cluster, objs] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const key = (o: Record<string, unknown>) => {
            const m = o.metadata as Record<string, unknown>;
            const k = String(o.kind);
            const rank = KIND_ORDER.indexOf(k);
            return `${String(rank < 0 ? 99 : rank).padStart(2, "0")}|${o.apiVersion}|${k}|${m.namespace ?? ""}|${m.name ?? ""}`;
        };
        objs.sort((a, b) => key(a).localeCompare(key(b)));
        out.set(cluster, objs.map((o) => `---\n${toYaml(sortKeys(o), { lineWidth: 0 })}`).join(""));
    }
    return out;
}

/** The preview-like tree: one line per resource, indented under its parent. */
export function renderTree(run: RunResult): string {
    const children = new Map<string, RecordedResource[]>();
    const roots: RecordedResource[] = [];
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    for (const r of run.resources) {
        if (r.parent && byUrn.has(r.parent)) {
            const list = children.get(r.parent) ?? [];
            list.push(r);
            children.set(r.parent, list);
        } else {
            roots.push(r);
        }
    }
    const lines: string[] = [];
    const walk = (r: RecordedResource, depth: number) => {
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        const where = provider
            ? `  [${provider.name}${provider.inputs.region ? ` ${provider.inputs.region}` : ""}]`
            : "";
        const flags = `${r.protect ? " (protected)" : ""}${r.read ? " (read)" : ""}`;
        lines.push(`${"    ".repeat(depth)}+ ${r.type}  ${r.name}${where}${flags}`);
        for (const c of children.get(r.urn) ?? []) walk(c, depth + 1);
    };
    roots.forEach((r) => walk(r, 0));
    return lines.join("\n");
}

export function countByType(run: RunResult): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Estimated create durations in seconds, per type (the engine creates independent resources in parallel). */
export const DEPLOY_SECONDS: Readonly<Record<string, number>> = {
    "aws:eks/cluster:Cluster": 600,
    "aws:eks/nodeGroup:NodeGroup": 240,
    "aws:eks/addon:Addon": 90,
    "aws:ec2/natGateway:NatGateway": 120,
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": 30,
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": 30,
    "aws:route53/healthCheck:HealthCheck": 30,
    "aws:route53/record:Record": 60,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": 20,
    "gcp:container/cluster:Cluster": 480,
    "gcp:container/nodePool:NodePool": 240,
    "gcp:compute/routerNat:RouterNat": 60,
    "kubernetes:helm.sh/v3:Release": 120,
};
export const DEFAULT_DEPLOY_SECONDS = 5;

export interface DeployEstimate {
    readonly totalSeconds: number;
    /** The longest chain, first to last. */
    readonly chain: RecordedResource[];
    /** Finish time per region-ish group (by provider region or cluster), to show parallelism. */
    readonly finishByGroup: [string, number][];
    /** Sum of all durations: what a strictly serial deploy would take. */
    readonly serialSeconds: number;
}

export function estimateDeploy(run: RunResult): DeployEstimate {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const children = new Map<string, RecordedResource[]>();
    for (const r of run.resources) {
        if (!r.parent) continue;
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const duration = (r: RecordedResource) =>
        !r.custom || r.read ? 0 : (DEPLOY_SECONDS[r.type] ?? DEFAULT_DEPLOY_SECONDS);
    const finish = new Map<string, number>();
    const prev = new Map<string, string | undefined>();
    const visiting = new Set<string>();

    const finishOf = (urn: string): number => {
        const done = finish.get(urn);
        if (done !== undefined) return done;
        const r = byUrn.get(urn);
        if (!r || visiting.has(urn)) return 0;
        visiting.add(urn);
        // A component is done when all of its children are; a custom resource starts after its
        // dependencies and its provider.
        const deps = r.custom
            ? [...r.dependencies, ...(r.provider ? [r.provider] : [])]
            : (children.get(urn) ?? []).map((c) => c.urn);
        let start = 0;
        let from: string | undefined;
        for (const d of deps) {
            const f = finishOf(d);
            if (f > start) {
                start = f;
                from = d;
            }
        }
        visiting.delete(urn);
        const end = start + duration(r);
        finish.set(urn, end);
        prev.set(urn, from);
        return end;
    };
    let last: string | undefined;
    let total = 0;
    for (const r of run.resources) {
        const f = finishOf(r.urn);
        if (f > total) {
            total = f;
            last = r.urn;
        }
    }
    const chain: RecordedResource[] = [];
    for (let u = last; u; u = prev.get(u)) {
        const r = byUrn.get(u);
        if (r && r.custom) chain.unshift(r);
    }
    const groups = new Map<string, number>();
    for (const r of run.resources) {
        if (!r.custom || !r.provider) continue;
        const p = byUrn.get(r.provider);
        if (!p) continue;
        const group = String(p.inputs.region ?? clusterOfProvider(p.name));
        groups.set(group, Math.max(groups.get(group) ?? 0, finish.get(r.urn) ?? 0));
    }
    const serialSeconds = run.resources.reduce((s, r) => s + duration(r), 0);
    return {
        totalSeconds: total,
        chain,
        finishByGroup: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)),
        serialSeconds,
    };
}

export function formatDuration(seconds: number): string {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}
