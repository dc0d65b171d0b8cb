/**
 * What only a comparison of two states shows: whether going from the deployed declarations to the new
 * ones is a safe day-2 step. Pure (plain data in, problems out), so the day-2 tests and a plan diff can
 * run it over two plans (`old` = what is deployed, `next` = what the next `pulumi up` declares):
 *
 * - Istio: in each cluster, the newest istiod minor rises by at most one, and the oldest minor still
 *   running is never skipped past (a canary upgrade moves one minor at a time);
 * - Kubernetes: each EKS control plane moves at most one minor and never back (EKS itself refuses a
 *   skip and a downgrade; the check finds it before `pulumi up` does);
 * - trust: a cluster only signs with a root every cluster already trusted in the deployed state, and a
 *   root that signed in the deployed state stays trusted (certificates from it are still in use).
 */
import type { DeclaredResource } from "./consistency";
import { SIGNING_ROOT_ANNOTATION, TRUST_ROOTS_ANNOTATION } from "./naming";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const EKS_CLUSTER = "aws:eks/cluster:Cluster";

const rec = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const minorOf = (v: string | undefined): number | undefined => {
    const m = /^v?(\d+)\.(\d+)/.exec(v ?? "");
    return m ? Number(m[2]) : undefined;
};

/** Istio minors per cluster (by istiod `global.multiCluster.clusterName`). */
function istioMinors(resources: readonly DeclaredResource[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of resources) {
        if (r.type !== RELEASE || r.inputs.chart !== "istiod") continue;
        const cluster = str(rec(rec(rec(r.inputs.values).global).multiCluster).clusterName);
        const minor = minorOf(str(r.inputs.version));
        if (!cluster || minor === undefined) continue;
        out.set(cluster, [...(out.get(cluster) ?? []), minor]);
    }
    return out;
}

/** Trusted and signing roots per cluster, from the `cacerts` annotations. */
function trust(resources: readonly DeclaredResource[]): {
    trusted: Set<string>;
    signing: Set<string>;
} {
    const trusted = new Set<string>();
    const signing = new Set<string>();
    for (const r of resources) {
        const meta = rec(r.inputs.metadata);
        if (r.type !== "kubernetes:core/v1:Secret" || meta.name !== "cacerts") continue;
        const ann = rec(meta.annotations);
        for (const g of (str(ann[TRUST_ROOTS_ANNOTATION]) ?? "").split(",").filter(Boolean))
            trusted.add(g);
        const s = str(ann[SIGNING_ROOT_ANNOTATION]);
        if (s) signing.add(s);
    }
    return { trusted, signing };
}

/** Every unsafe part of going from `old` to `next`, as sentences. Empty when the step is safe. */
export function transitionProblems(
    old: readonly DeclaredResource[],
    next: readonly DeclaredResource[],
): string[] {
    const problems: string[] = [];
    const before = istioMinors(old);
    for (const [cluster, minors] of istioMinors(next)) {
        const was = before.get(cluster);
        if (!was) continue;
        const newest = Math.max(...minors);
        const oldest = Math.min(...was);
        if (newest > Math.max(...was) + 1 || newest > oldest + 1)
            problems.push(
                `${cluster}: Istio 1.${newest} would run next to or after 1.${oldest}; a canary upgrade moves one minor at a time (install 1.${oldest + 1} first)`,
            );
    }

    const k8s = (rs: readonly DeclaredResource[]) =>
        new Map(
            rs
                .filter((r) => r.type === EKS_CLUSTER)
                .map((r) => [str(r.inputs.name) ?? "", str(r.inputs.version)] as const),
        );
    const k8sBefore = k8s(old);
    for (const [name, version] of k8s(next)) {
        const was = minorOf(k8sBefore.get(name));
        const now = minorOf(version);
        if (was === undefined || now === undefined) continue;
        if (now > was + 1)
            problems.push(
                `${name}: Kubernetes ${k8sBefore.get(name)} -> ${version} skips a minor; upgrade one minor per pulumi up`,
            );
        if (now < was)
            problems.push(
                `${name}: Kubernetes ${k8sBefore.get(name)} -> ${version} is a downgrade, which EKS does not support`,
            );
    }

    const t0 = trust(old);
    const t1 = trust(next);
    if (t0.trusted.size > 0) {
        for (const s of t1.signing)
            if (!t0.trusted.has(s))
                problems.push(
                    `root ${s} would sign before every cluster trusts it (deployed trust: ${[...t0.trusted].join(", ")}); first add it to mesh.caGenerations without signing`,
                );
        for (const s of t0.signing)
            if (!t1.trusted.has(s))
                problems.push(
                    `root ${s} signed the certificates in use and would no longer be trusted; sign with the new root first and wait a certificate lifetime`,
                );
    }
    return problems;
}
