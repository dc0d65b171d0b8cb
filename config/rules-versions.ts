/**
 * Config rules for day-2 versions: per-region Kubernetes overrides (one minor at a time, add-on pins on
 * EKS, inside the support windows) and the Istio revisions of every region (pinned versions, tags that
 * exist, minors upstream supports on the region's Kubernetes and at most one apart across the mesh).
 */
import { APP_NAMESPACES } from "../components/tenant/domains";
import { EKS_ADDON_VERSIONS } from "../components/cluster/versions";
import { ISTIO_VERSIONS } from "../lib/charts";
import {
    ISTIO_MAX_MINOR_SKEW,
    ISTIO_MINORS,
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

/** Istio revisions per region: pinned versions, tags that exist, supported on the region's Kubernetes. */
export function istioRules({ parsed, regions, add: addProblem }: RuleContext): void {
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
    const check = (where: string, istio: typeof stack, k8sVersion: string) => {
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
    const minors = [...all.values()].map(minor).filter((n) => !Number.isNaN(n));
    if (minors.length > 0 && Math.max(...minors) - Math.min(...minors) > ISTIO_MAX_MINOR_SKEW)
        add(
            "mesh.istio",
            [...all].map(([k, v]) => `${k}=${v}`),
            `the mesh would run Istio minors more than ${ISTIO_MAX_MINOR_SKEW} apart; upstream supports one minor of skew between control and data planes: upgrade one minor at a time and remove the old revision before the next`,
        );
}
