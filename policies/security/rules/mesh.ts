/**
 * Multi-primary, multi-network mesh consistency: one meshID across every istiod, a unique cluster
 * name and network per cluster, the istio-system namespace labelled with its network, and in every
 * cluster a remote secret for every other cluster (one per ordered pair).
 */
import type { PolicyResource } from "@pulumi/policy";
import { isIstiodRelease, metaName, metaNamespace, releaseValues, T } from "../../lib/kinds";
import { providerKey, stackPolicy, urnName } from "../../lib/policy";
import { asRecord, asString, asStringMap, get } from "../../lib/values";

interface MeshMember {
    readonly release: PolicyResource;
    readonly cluster: string;
    readonly meshId?: string;
    readonly clusterName?: string;
    readonly network?: string;
}

function member(r: PolicyResource): MeshMember {
    const v = releaseValues(r.props);
    return {
        release: r,
        cluster: providerKey(r),
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

export const meshConsistency = stackPolicy<{ istioNamespace: string }>({
    name: "mesh-consistency",
    description:
        "One meshID, unique cluster names and networks, network labels on istio-system, and a remote secret for every ordered cluster pair.",
    config: { istioNamespace: { type: "string", default: "istio-system" } },
    validate: (resources, _args, report, cfg) => {
        const members = resources.filter((r) => isIstiodRelease(r)).map(member);
        if (members.length === 0) return;
        for (const m of members) {
            if (!m.meshId)
                report(`istiod in ${urnName(m.cluster)} has no global.meshID`, m.release.urn);
            if (!m.clusterName)
                report(
                    `istiod in ${urnName(m.cluster)} has no global.multiCluster.clusterName`,
                    m.release.urn,
                );
            if (!m.network)
                report(`istiod in ${urnName(m.cluster)} has no global.network`, m.release.urn);
        }
        const meshIds = [...new Set(members.map((m) => m.meshId).filter((x): x is string => !!x))];
        if (meshIds.length > 1)
            report(
                `istiod releases disagree on global.meshID: ${meshIds.sort().join(", ")}; a multi-primary mesh has one meshID`,
            );
        for (const d of duplicates(members.map((m) => m.clusterName)))
            report(`global.multiCluster.clusterName ${d} is used by more than one istiod`);
        for (const d of duplicates(members.map((m) => m.network)))
            report(
                `global.network ${d} is used by more than one istiod; each cluster is its own network`,
            );
        for (const d of duplicates(members.map((m) => m.cluster)))
            report(`more than one istiod release in cluster ${urnName(d)}`);

        for (const m of members) {
            const ns = resources.find(
                (r) =>
                    r.type === T.namespace &&
                    providerKey(r) === m.cluster &&
                    metaName(r.props) === cfg.istioNamespace,
            );
            const label = ns
                ? asStringMap(get(ns.props, "metadata.labels"))["topology.istio.io/network"]
                : undefined;
            if (m.network && ns && label !== m.network) {
                report(
                    `namespace ${cfg.istioNamespace} in ${urnName(m.cluster)} has topology.istio.io/network ${label ?? "unset"}; expected ${m.network}`,
                    ns.urn,
                );
            }
            const secrets = resources.filter(
                (r) =>
                    r.type === T.secret &&
                    providerKey(r) === m.cluster &&
                    metaNamespace(r.props) === cfg.istioNamespace,
            );
            const targets = new Set(
                secrets.map(remoteSecretTarget).filter((t): t is string => !!t),
            );
            for (const other of members) {
                if (other === m || !other.clusterName) continue;
                if (!targets.has(other.clusterName)) {
                    report(
                        `cluster ${m.clusterName ?? urnName(m.cluster)} has no remote secret for ${other.clusterName} (istio-remote-secret-${other.clusterName} in ${cfg.istioNamespace}, label istio/multiCluster: "true")`,
                        m.release.urn,
                    );
                }
            }
        }
    },
});
