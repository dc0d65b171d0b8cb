/**
 * Kubernetes version skew (kubernetes.io/releases/version-skew-policy): on every EKS cluster, node groups
 * and kube-proxy run the control plane's minor or up to three minors older, never newer. The program
 * makes both follow their control plane; this refuses a plan where they would not (a pinned node group
 * version, or an add-on pin of another minor).
 */
import type { PolicyResource } from "@pulumi/policy";
import { T } from "../../lib/kinds";
import { stackPolicy } from "../../lib/policy";
import { asString } from "../../lib/values";

const ADDON = "aws:eks/addon:Addon";
/** kubelet and kube-proxy may be this many minors older than kube-apiserver (Kubernetes 1.28+). */
const MAX_OLDER = 3;

const minorOf = (v: string | undefined): number | undefined => {
    const m = /^v?(\d+)\.(\d+)/.exec(v ?? "");
    return m ? Number(m[2]) : undefined;
};

export const kubernetesVersionSkew = stackPolicy({
    name: "kubernetes-version-skew",
    description:
        "EKS node groups and kube-proxy run their control plane's Kubernetes minor or up to three older, never newer.",
    validate: (resources, _args, report) => {
        const clusters = resources.filter((r) => r.type === T.eksCluster);
        const byName = new Map<string, PolicyResource>();
        for (const c of clusters) {
            const n = asString(c.props.name);
            if (n) byName.set(n, c);
        }
        const check = (r: PolicyResource, what: string, version: string | undefined) => {
            const cluster = byName.get(asString(r.props.clusterName) ?? "");
            if (!cluster) return;
            const cp = minorOf(asString(cluster.props.version));
            const node = minorOf(version);
            if (cp === undefined || node === undefined) return;
            if (node > cp)
                report(
                    `${what} runs Kubernetes ${version}, newer than its control plane ${String(cluster.props.version)}; upgrade the control plane first`,
                    r.urn,
                );
            else if (cp - node > MAX_OLDER)
                report(
                    `${what} runs Kubernetes ${version}, more than ${MAX_OLDER} minors older than its control plane ${String(cluster.props.version)} (version skew policy)`,
                    r.urn,
                );
        };
        for (const g of resources.filter((r) => r.type === T.eksNodeGroup))
            check(
                g,
                `node group ${asString(g.props.nodeGroupName) ?? g.name}`,
                asString(g.props.version),
            );
        for (const a of resources.filter(
            (r) => r.type === ADDON && asString(r.props.addonName) === "kube-proxy",
        ))
            check(a, "kube-proxy", asString(a.props.addonVersion));
    },
});
