/**
 * Multi-primary, multi-network mesh consistency, per cluster (a cluster = the provider of its istiod
 * releases; a cluster may run several revisions side by side during an upgrade):
 * - one meshID across every istiod; in each cluster, its istiods agree on clusterName and network, and
 *   no two clusters share a clusterName or a network; istio-system is labelled with its network;
 * - a remote secret for every other cluster (one per ordered pair);
 * - revisions: no revision installed twice in a cluster; every revision tag webhook points at an
 *   installed revision, one webhook per tag; every namespace and gateway selects (`istio.io/rev` label,
 *   gateway chart `revision`) a tag or revision installed in its cluster, so removing a revision that
 *   something still uses is refused;
 * - across the mesh, the istiod chart versions are at most one minor apart (upstream skew policy);
 * - trust: every cluster trusts the root every other cluster signs with (`cacerts` annotations), or
 *   cross-region mTLS would fail.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
    isGatewayRelease,
    isIstiodRelease,
    metaName,
    metaNamespace,
    releaseValues,
    T,
} from "../../lib/kinds";
import { providerKey, stackPolicy, urnName } from "../../lib/policy";
import { asRecord, asString, asStringMap, get } from "../../lib/values";

const TAG_WEBHOOK = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
const TRUSTED = "mesh-platform.io/trusted-roots";
const SIGNING = "mesh-platform.io/signing-root";
/** Upstream: the control plane may be one minor ahead of the data plane. */
const MAX_MINOR_SKEW = 1;

interface Istiod {
    readonly release: PolicyResource;
    readonly revision: string;
    readonly version?: string;
    readonly meshId?: string;
    readonly clusterName?: string;
    readonly network?: string;
}

function istiod(r: PolicyResource): Istiod {
    const v = releaseValues(r.props);
    return {
        release: r,
        revision: asString(v.revision) || "default",
        version: asString(r.props.version),
        meshId: asString(get(v, "global.meshID")),
        clusterName: asString(get(v, "global.multiCluster.clusterName")),
        network: asString(get(v, "global.network")),
    };
}

/** The cluster a remote secret gives access to: its annotation, else the name suffix. */
export function remoteSecretTarget(secret: PolicyResource): string | undefined {
    const meta = asRecord(secret.props.metadata);
    const labels = asStringMap(meta.labels);
    if (labels["istio/multiCluster"] !== "true") return undefined;
    const annotated = asStringMap(meta.annotations)["networking.istio.io/cluster"];
    if (annotated) return annotated;
    const name = metaName(secret.props);
    return name?.startsWith("istio-remote-secret-")
        ? name.slice("istio-remote-secret-".length)
        : undefined;
}

function duplicates(values: (string | undefined)[]): string[] {
    const seen = new Set<string>();
    const dup = new Set<string>();
    for (const v of values) {
        if (v === undefined) continue;
        if (seen.has(v)) dup.add(v);
        seen.add(v);
    }
    return [...dup];
}

const minorOf = (version: string | undefined): number | undefined => {
    const m = /^(\d+)\.(\d+)/.exec(version ?? "");
    return m ? Number(m[2]) : undefined;
};

const list = (s: string | undefined): string[] => (s ? s.split(",").filter(Boolean) : []);

export const meshConsistency = stackPolicy<{ istioNamespace: string }>({
    name: "mesh-consistency",
    description:
        "One meshID, unique cluster names and networks, network labels on istio-system, a remote secret for every ordered cluster pair, revisions and tags that exist for everything selecting them, istiod minors at most one apart, and a shared trust across clusters.",
    config: { istioNamespace: { type: "string", default: "istio-system" } },
    validate: (resources, _args, report, cfg) => {
        const istiods = resources.filter((r) => isIstiodRelease(r)).map(istiod);
        if (istiods.length === 0) return;
        const clusters = [...new Set(istiods.map((i) => providerKey(i.release)))];
        const inCluster = (c: string) => resources.filter((r) => providerKey(r) === c);
        const facts = clusters.map((c) => {
            const mine = istiods.filter((i) => providerKey(i.release) === c);
            for (const field of ["meshId", "clusterName", "network"] as const) {
                const values = [...new Set(mine.map((i) => i[field]).filter((x) => !!x))];
                if (values.length > 1)
                    report(
                        `the istiod revisions of ${urnName(c)} disagree on ${field}: ${values.sort().join(", ")}; every revision of a cluster carries the cluster's own`,
                        mine[0].release.urn,
                    );
            }
            return {
                cluster: c,
                istiods: mine,
                clusterName: mine.find((i) => i.clusterName)?.clusterName,
                network: mine.find((i) => i.network)?.network,
            };
        });

        for (const i of istiods) {
            const where = `istiod ${i.revision} in ${urnName(providerKey(i.release))}`;
            if (!i.meshId) report(`${where} has no global.meshID`, i.release.urn);
            if (!i.clusterName)
                report(`${where} has no global.multiCluster.clusterName`, i.release.urn);
            if (!i.network) report(`${where} has no global.network`, i.release.urn);
        }
        const meshIds = [...new Set(istiods.map((m) => m.meshId).filter((x): x is string => !!x))];
        if (meshIds.length > 1)
            report(
                `istiod releases disagree on global.meshID: ${meshIds.sort().join(", ")}; a multi-primary mesh has one meshID`,
            );
        for (const d of duplicates(facts.map((f) => f.clusterName)))
            report(`global.multiCluster.clusterName ${d} is used by more than one cluster`);
        for (const d of duplicates(facts.map((f) => f.network)))
            report(
                `global.network ${d} is used by more than one cluster; each cluster is its own network`,
            );

        // Versions across the mesh.
        const versions = istiods
            .map((i) => ({ i, minor: minorOf(i.version) }))
            .filter((x): x is { i: Istiod; minor: number } => x.minor !== undefined);
        if (versions.length > 0) {
            const lo = Math.min(...versions.map((v) => v.minor));
            const hi = Math.max(...versions.map((v) => v.minor));
            if (hi - lo > MAX_MINOR_SKEW)
                report(
                    `istiod versions across the mesh are more than ${MAX_MINOR_SKEW} minor apart (${versions.map((v) => `${urnName(providerKey(v.i.release))}=${v.i.version}`).join(", ")}); upstream supports one minor of skew: upgrade one minor at a time`,
                );
        }

        const trust: { cluster: string; trusted: string[]; signing?: string }[] = [];
        for (const f of facts) {
            const name = f.clusterName ?? urnName(f.cluster);
            const mine = inCluster(f.cluster);
            for (const d of duplicates(f.istiods.map((i) => i.revision)))
                report(`revision ${d} is installed more than once in cluster ${name}`);

            // Revisions and tags, and everything that selects one.
            const revisions = new Set(f.istiods.map((i) => i.revision));
            const served = new Set(revisions);
            for (const i of f.istiods)
                for (const t of (releaseValues(i.release.props).revisionTags as unknown[]) ?? [])
                    if (typeof t === "string") served.add(t);
            const hooks = mine.filter(
                (r) =>
                    r.type === TAG_WEBHOOK &&
                    asStringMap(get(r.props, "metadata.labels"))["istio.io/tag"] !== undefined,
            );
            for (const d of duplicates(
                hooks.map((h) => asStringMap(get(h.props, "metadata.labels"))["istio.io/tag"]),
            ))
                report(`tag ${d} has more than one webhook in cluster ${name}`);
            for (const h of hooks) {
                const labels = asStringMap(get(h.props, "metadata.labels"));
                const tag = labels["istio.io/tag"];
                const rev = labels["istio.io/rev"] ?? "";
                if (!revisions.has(rev)) {
                    report(
                        `tag ${tag} in cluster ${name} points at revision ${rev || "(none)"}, which is not installed there (revisions: ${[...revisions].sort().join(", ")}); its pods would not start`,
                        h.urn,
                    );
                    continue;
                }
                served.add(tag);
            }
            for (const ns of mine.filter((r) => r.type === T.namespace)) {
                const rev = asStringMap(get(ns.props, "metadata.labels"))["istio.io/rev"];
                if (rev && !served.has(rev))
                    report(
                        `namespace ${metaName(ns.props)} in cluster ${name} selects istio.io/rev ${rev}, which is neither a revision nor a tag there (${[...served].sort().join(", ")}); remove nothing a namespace still selects`,
                        ns.urn,
                    );
            }
            for (const g of mine.filter((r) => isGatewayRelease(r))) {
                const rev = asString(releaseValues(g.props).revision);
                if (rev && !served.has(rev))
                    report(
                        `gateway ${asString(g.props.name) ?? metaName(g.props)} in cluster ${name} selects revision ${rev}, which is neither a revision nor a tag there (${[...served].sort().join(", ")}); move the gateway first`,
                        g.urn,
                    );
            }

            const ns = mine.find(
                (r) => r.type === T.namespace && metaName(r.props) === cfg.istioNamespace,
            );
            const label = ns
                ? asStringMap(get(ns.props, "metadata.labels"))["topology.istio.io/network"]
                : undefined;
            if (f.network && ns && label !== f.network) {
                report(
                    `namespace ${cfg.istioNamespace} in ${urnName(f.cluster)} has topology.istio.io/network ${label ?? "unset"}; expected ${f.network}`,
                    ns.urn,
                );
            }
            const secrets = mine.filter(
                (r) => r.type === T.secret && metaNamespace(r.props) === cfg.istioNamespace,
            );
            const targets = new Set(
                secrets.map(remoteSecretTarget).filter((t): t is string => !!t),
            );
            for (const other of facts) {
                if (other === f || !other.clusterName) continue;
                if (!targets.has(other.clusterName)) {
                    report(
                        `cluster ${name} has no remote secret for ${other.clusterName} (istio-remote-secret-${other.clusterName} in ${cfg.istioNamespace}, label istio/multiCluster: "true")`,
                        f.istiods[0].release.urn,
                    );
                }
            }
            const cacerts = secrets.find((s) => metaName(s.props) === "cacerts");
            const ann = asStringMap(get(cacerts?.props, "metadata.annotations"));
            if (cacerts && ann[TRUSTED] !== undefined)
                trust.push({ cluster: name, trusted: list(ann[TRUSTED]), signing: ann[SIGNING] });
        }
        for (const a of trust)
            for (const b of trust)
                if (a.signing && !b.trusted.includes(a.signing))
                    report(
                        `cluster ${a.cluster} signs with root ${a.signing}, which cluster ${b.cluster} does not trust (${b.trusted.join(", ")}); mTLS between them would fail: trust a root everywhere before any cluster signs with it`,
                    );
    },
});
