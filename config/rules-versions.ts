/**
 * Config rules for day-2 versions: per-region Kubernetes overrides (one minor at a time, add-on pins on
 * EKS, inside the support windows) and the Istio revisions of every region (pinned versions, tags that
 * exist, minors upstream supports on the region's Kubernetes and at most one apart across the mesh).
 */
import { APP_NAMESPACES } from "../components/tenant/domains";
import { EKS_ADDON_VERSIONS } from "../components/cluster/versions";
import { ISTIO_VERSION, ISTIO_VERSIONS } from "../lib/charts";
import {
    ISTIO_MAX_MINOR_SKEW,
    ISTIO_MINORS,
    ISTIO_PATCHES,
    istioEndOfLife,
    istioMinorOf,
    KUBERNETES_RELEASES,
    supportStatus,
} from "./catalog";
import { istioOf, kubernetesVersionOf } from "./resolve";
import type { RuleContext } from "./rule-context";

const minor = (v: string): number => Number(v.split(".")[1]);

/** Per-region Kubernetes versions: known, within one minor of the stack's, pinned on EKS, supported. */
export function kubernetesVersionRules({ parsed, regions, now, add }: RuleContext): void {
    const stack = kubernetesVersionOf(parsed);
    const supportType = parsed.kubernetes?.supportType ?? "STANDARD";
    regions.forEach((r, i) => {
        const v = r.kubernetesVersion;
        if (v === undefined) return;
        const key = `regions[${i}].kubernetesVersion`;
        const release = KUBERNETES_RELEASES[v];
        if (!release) {
            add(
                key,
                v,
                `is not a Kubernetes version the platform knows; allowed: ${Object.keys(KUBERNETES_RELEASES).join(", ")}`,
            );
            return;
        }
        if (KUBERNETES_RELEASES[stack] && Math.abs(minor(v) - minor(stack)) > 1)
            add(
                key,
                v,
                `is more than one minor from kubernetes.version ${stack}; Kubernetes upgrades one minor at a time: use ${minor(stack) < minor(v) ? `1.${minor(stack) + 1}` : `1.${minor(stack) - 1}`}`,
            );
        if (r.cloud === "aws") {
            if (!EKS_ADDON_VERSIONS[v])
                add(
                    key,
                    v,
                    `has no verified EKS add-on pins (components/cluster/versions.ts); allowed on EKS: ${Object.keys(EKS_ADDON_VERSIONS).join(", ")}`,
                );
            const status = supportStatus(v, now, "eks");
            if (status === "ended" || (status === "extended" && supportType !== "EXTENDED"))
                add(
                    key,
                    v,
                    `is out of EKS standard support since ${release.eksEndOfStandard}; choose a newer minor`,
                );
        } else if (supportStatus(v, now, "gke") !== "standard")
            add(key, v, `is not in GKE standard support on ${now.toISOString().slice(0, 10)}`);
    });
}

/** The pinned Istio releases that are neither past their minor's end of life on `now` nor superseded. */
export function supportedIstioVersions(now: Date): string[] {
    const superseded = new Set(Object.values(ISTIO_PATCHES).map((p) => p.supersedes));
    return ISTIO_VERSIONS.filter((v) => istioEndOfLife(v, now) === false && !superseded.has(v));
}

/**
 * A mesh whose every istiod revision is past its minor's end of life gets no more security patches:
 * refused, with the way out (a canary revision of a supported release next to it). Once a supported
 * revision runs in any cluster (an upgrade in progress, one cluster first), the old ones are allowed;
 * the plan warns about each (`istioAdvisories`).
 */
function endOfLifeProblem(
    versions: readonly string[],
    now: Date,
    declared: boolean,
): string | undefined {
    if (versions.length === 0 || !versions.every((v) => istioEndOfLife(v, now) === true))
        return undefined;
    const supported = supportedIstioVersions(now);
    const target =
        supported[supported.length - 1] ?? "a supported release (add its charts to lib/charts.ts)";
    const ends = [...new Set(versions.map(istioMinorOf))]
        .map((m) => `Istio ${m} reached its end of life on ${ISTIO_MINORS[m]?.endOfLife ?? "?"}`)
        .join("; ");
    if (!declared)
        return `is not set, so the stack would run the default ${ISTIO_VERSION}, and ${ends} (no more security patches upstream): a new stack sets revisions: [{version: "${target}", tags: [stable]}]; a live stack that runs ${ISTIO_VERSION} declares it and adds ${target} next to it as a canary (docs/upgrade-istio.md)`;
    return `${ends} (no more security patches upstream): add ${target} next to it as a canary revision and move onto it (docs/upgrade-istio.md); supported: ${supported.join(", ") || "none pinned"}`;
}

/** Istio revisions per region: pinned versions, tags that exist, supported on the region's Kubernetes. */
export function istioRules({ parsed, raw, regions, now, add: addProblem }: RuleContext): void {
    const stack = istioOf(parsed);
    const stackK8s = kubernetesVersionOf(parsed);
    // The stack's Istio is checked once per Kubernetes version it runs on: report each problem once.
    const reported = new Set<string>();
    const add = (key: string, value: unknown, message: string) => {
        const id = `${key}|${message}`;
        if (reported.has(id)) return;
        reported.add(id);
        addProblem(key, value, message);
    };
    const all = new Map<string, string>();
    /** The revisions of every scope (`mesh.istio` or a region's own), for the end-of-life check. */
    const scopes = new Map<string, string[]>();
    const check = (where: string, istio: typeof stack, k8sVersion: string) => {
        scopes.set(
            where,
            istio.revisions.map((r) => r.version),
        );
        const tags = new Map<string, string>();
        istio.revisions.forEach((r, i) => {
            const key = `${where}.revisions[${i}].version`;
            all.set(key, r.version);
            if (!(ISTIO_VERSIONS as readonly string[]).includes(r.version))
                add(
                    key,
                    r.version,
                    `has no pinned charts (lib/charts.ts); allowed: ${ISTIO_VERSIONS.join(", ")}`,
                );
            const m = ISTIO_MINORS[istioMinorOf(r.version)];
            if (m && KUBERNETES_RELEASES[k8sVersion] && !m.kubernetes.includes(k8sVersion))
                add(
                    key,
                    r.version,
                    `Istio ${istioMinorOf(r.version)} supports Kubernetes ${m.kubernetes.join(", ")}, not ${k8sVersion}`,
                );
            if (istio.revisions.findIndex((o) => o.version === r.version) !== i)
                add(key, r.version, "is listed twice; one istiod per version");
            r.tags.forEach((t) => {
                const tagKey = `${where}.revisions[${i}].tags`;
                if (t === "default")
                    add(tagKey, t, `"default" has a special meaning in Istio; use e.g. stable`);
                if (tags.has(t))
                    add(
                        tagKey,
                        t,
                        `already points at ${tags.get(t)}; a tag points at one revision per cluster`,
                    );
                tags.set(t, r.version);
            });
        });
        for (const k of ["gatewayTag", "namespaceTag"] as const)
            if (!tags.has(istio[k]))
                add(
                    `${where}.${k}`,
                    istio[k],
                    `is not a tag of any revision; tags here: ${[...tags.keys()].join(", ") || "none"}`,
                );
        for (const [ns, tag] of Object.entries(istio.namespaceTags)) {
            if (!APP_NAMESPACES.includes(ns))
                add(
                    `${where}.namespaceTags.${ns}`,
                    tag,
                    `names no app namespace; allowed: ${APP_NAMESPACES.join(", ")}`,
                );
            if (!tags.has(tag))
                add(
                    `${where}.namespaceTags.${ns}`,
                    tag,
                    `is not a tag of any revision; tags here: ${[...tags.keys()].join(", ") || "none"}`,
                );
        }
    };
    if (regions.length === 0) check("mesh.istio", stack, stackK8s);
    regions.forEach((r, i) =>
        check(
            r.istio ? `regions[${i}].istio` : "mesh.istio",
            r.istio ?? stack,
            r.kubernetesVersion ?? stackK8s,
        ),
    );
    // End of life is judged on the whole mesh: one cluster may take a supported canary first. Not when
    // `mesh` or `regions` did not parse: their own problems are reported, and a guess would add a false one.
    const everyVersion = [...scopes.values()].flat();
    const unparsed =
        (raw.mesh !== undefined && parsed.mesh === undefined) ||
        (raw.regions !== undefined && parsed.regions === undefined);
    for (const [where, versions] of unparsed ? [] : scopes) {
        const declared = where !== "mesh.istio" || parsed.mesh?.istio?.revisions !== undefined;
        const eol = endOfLifeProblem(everyVersion, now, declared);
        if (eol) add(`${where}.revisions`, declared ? versions : undefined, eol);
    }
    const minors = [...all.values()].map(minor).filter((n) => !Number.isNaN(n));
    if (minors.length > 0 && Math.max(...minors) - Math.min(...minors) > ISTIO_MAX_MINOR_SKEW)
        add(
            "mesh.istio",
            [...all].map(([k, v]) => `${k}=${v}`),
            `the mesh would run Istio minors more than ${ISTIO_MAX_MINOR_SKEW} apart; upstream supports one minor of skew between control and data planes: upgrade one minor at a time and remove the old revision before the next`,
        );
}

/**
 * Warnings for a valid config (printed by the program, they do not stop it): a revision past its
 * minor's end of life while a supported one runs next to it (finish the upgrade), a revision on a
 * patch that a pinned newer patch supersedes, and a minor whose end of life is within 60 days.
 */
export function istioAdvisories(
    revisionsByRegion: ReadonlyArray<{
        readonly region: string;
        readonly versions: readonly string[];
    }>,
    now: Date,
): string[] {
    const out = new Set<string>();
    const day = now.toISOString().slice(0, 10);
    const soon = new Date(now.getTime() + 60 * 86_400_000).toISOString().slice(0, 10);
    const supersededBy = new Map(
        Object.entries(ISTIO_PATCHES).map(([v, p]) => [p.supersedes, { v, why: p.why }]),
    );
    for (const { region, versions } of revisionsByRegion)
        for (const v of versions) {
            const m = ISTIO_MINORS[istioMinorOf(v)];
            if (istioEndOfLife(v, now) === true) {
                const here = versions.filter((o) => istioEndOfLife(o, now) === false);
                const target = supportedIstioVersions(now).at(-1) ?? "a supported release";
                out.add(
                    here.length > 0
                        ? `${region}: Istio ${v} is past its end of life (${m?.endOfLife}); finish moving onto ${here.join(", ")} and remove ${v} (docs/upgrade-istio.md)`
                        : `${region}: runs only Istio ${v}, past its end of life (${m?.endOfLife}); it moves onto ${target} when stable is promoted (docs/upgrade-istio.md step 5)`,
                );
            } else if (m?.endOfLife !== undefined && m.endOfLife > day && m.endOfLife <= soon)
                out.add(
                    `${region}: Istio ${istioMinorOf(v)} reaches its end of life on ${m.endOfLife}; upgrade before then (docs/upgrade-istio.md)`,
                );
            const next = supersededBy.get(v);
            if (next)
                out.add(
                    `${region}: Istio ${v} is superseded by ${next.v} (${next.why}); move onto it as a new revision (docs/upgrade-istio.md)`,
                );
        }
    return [...out];
}
