/**
 * Mesh-wide invariants that no single resource shows, checked over everything a stack declares.
 * Pure (plain data in, problems out) so the tests and a stack policy can run the same checks:
 *
 * - one meshID in every istiod; clusterName and network unique per cluster;
 * - `topology.istio.io/network` on istio-system equals istiod's `global.network`;
 * - in every cluster, a remote secret for every other cluster and none for itself;
 * - a cross-network Gateway (15443, AUTO_PASSTHROUGH, `*.local`) in every cluster;
 * - locality failover (with outlier detection) that covers every region of the mesh.
 */
import { ISTIO_NAMESPACE } from "../constants";
import {
    CLUSTER_ANNOTATION,
    CROSS_NETWORK_PORT,
    MULTICLUSTER_SECRET_LABEL,
    NETWORK_LABEL,
    remoteSecretName,
} from "./naming";

/** A declared resource as a plan, a test recorder or a policy sees it. */
export interface DeclaredResource {
    readonly type: string;
    /** Identity of the provider (e.g. its URN): resources of one cluster share it. */
    readonly provider?: string;
    readonly inputs: Record<string, unknown>;
}

export interface ClusterFacts {
    /** The cluster's Istio name (istiod `global.multiCluster.clusterName`). */
    readonly cluster: string;
    /** istiod's `global.meshID`. @default absent when istiod sets none (a finding) */
    readonly meshID?: string;
    /** istiod's `global.network`. @default absent when istiod sets none (a finding) */
    readonly network?: string;
    /** The network label on istio-system in this cluster. @default absent when the label is missing (a finding) */
    readonly namespaceNetwork?: string;
    /** Remote secrets declared in this cluster: name, `networking.istio.io/cluster`, multicluster label. */
    readonly remoteSecrets: readonly {
        readonly name: string;
        readonly source?: string;
        readonly label?: string;
    }[];
    /** Istio custom resources declared in this cluster. */
    readonly istioResources: readonly {
        readonly kind: string;
        readonly metadata: Record<string, unknown>;
        readonly spec: Record<string, unknown>;
    }[];
}

const ISTIOD_CHART = "istiod";
const rec = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Group declared resources by cluster (provider of each istiod release) and pull out the mesh facts. */
export function collectClusterFacts(resources: readonly DeclaredResource[]): ClusterFacts[] {
    // One fact per cluster: a cluster running several revisions (a canary) is still one cluster; its
    // revisions carry the same global values (components/mesh/values.ts), so the first one speaks for it.
    const istiods = resources
        .filter(
            (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === ISTIOD_CHART,
        )
        .filter(
            (r, i, all) =>
                r.provider === undefined || all.findIndex((o) => o.provider === r.provider) === i,
        );
    return istiods.map((istiod) => {
        const global = rec(rec(istiod.inputs.values).global);
        const cluster = str(rec(global.multiCluster).clusterName) ?? "";
        const mine = resources.filter(
            (r) => r.provider !== undefined && r.provider === istiod.provider,
        );
        const istioNs = mine.find(
            (r) =>
                r.type === "kubernetes:core/v1:Namespace" &&
                rec(r.inputs.metadata).name === ISTIO_NAMESPACE,
        );
        const secrets = mine.filter(
            (r) =>
                r.type === "kubernetes:core/v1:Secret" &&
                rec(r.inputs.metadata).namespace === ISTIO_NAMESPACE &&
                (rec(rec(r.inputs.metadata).labels)[MULTICLUSTER_SECRET_LABEL] !== undefined ||
                    (str(rec(r.inputs.metadata).name) ?? "").startsWith("istio-remote-secret-")),
        );
        return {
            cluster,
            meshID: str(global.meshID),
            network: str(global.network),
            namespaceNetwork: istioNs
                ? str(rec(rec(istioNs.inputs.metadata).labels)[NETWORK_LABEL])
                : undefined,
            remoteSecrets: secrets.map((s) => {
                const meta = rec(s.inputs.metadata);
                return {
                    name: str(meta.name) ?? "",
                    source: str(rec(meta.annotations)[CLUSTER_ANNOTATION]),
                    label: str(rec(meta.labels)[MULTICLUSTER_SECRET_LABEL]),
                };
            }),
            istioResources: mine
                .filter((r) => /^kubernetes:[a-z.]+\.istio\.io\//.test(r.type))
                .map((r) => ({
                    kind: str(r.inputs.kind) ?? r.type.split(":").pop() ?? "",
                    metadata: rec(r.inputs.metadata),
                    spec: rec(r.inputs.spec),
                })),
        };
    });
}

/** Every broken invariant, as a sentence naming the cluster and the values. Empty when consistent. */
export function checkMeshConsistency(
    facts: readonly ClusterFacts[],
    localities: readonly string[],
): string[] {
    const problems: string[] = [];
    const names = facts.map((f) => f.cluster);

    const meshIds = new Set(facts.map((f) => f.meshID ?? "(unset)"));
    if (meshIds.size > 1)
        problems.push(
            `meshID differs between clusters: ${facts.map((f) => `${f.cluster}=${f.meshID ?? "(unset)"}`).join(", ")}`,
        );
    for (const f of facts)
        if (!f.meshID) problems.push(`${f.cluster}: istiod has no global.meshID`);
    duplicates(names).forEach((n) =>
        problems.push(`clusterName ${n} is used by more than one istiod`),
    );
    duplicates(facts.map((f) => f.network ?? "(unset)")).forEach((n) =>
        problems.push(`network ${n} is used by more than one cluster`),
    );

    for (const f of facts) {
        if (!f.network) problems.push(`${f.cluster}: istiod has no global.network`);
        if (f.namespaceNetwork !== f.network) {
            problems.push(
                `${f.cluster}: ${ISTIO_NAMESPACE} label ${NETWORK_LABEL}=${f.namespaceNetwork ?? "(missing)"} but istiod network is ${f.network ?? "(unset)"}`,
            );
        }

        const expected = names.filter((n) => n !== f.cluster);
        const sources = f.remoteSecrets.map((s) => s.source ?? "(no annotation)");
        for (const s of f.remoteSecrets) {
            if (s.source === f.cluster)
                problems.push(`${f.cluster}: has a remote secret for itself (${s.name})`);
            if (s.label !== "true")
                problems.push(
                    `${f.cluster}: remote secret ${s.name} lacks label ${MULTICLUSTER_SECRET_LABEL}="true"`,
                );
            if (s.source && s.name !== remoteSecretName(s.source))
                problems.push(
                    `${f.cluster}: remote secret for ${s.source} is named ${s.name}, expected ${remoteSecretName(s.source)}`,
                );
            if (s.source && !names.includes(s.source))
                problems.push(`${f.cluster}: remote secret points at unknown cluster ${s.source}`);
        }
        for (const e of expected)
            if (!sources.includes(e))
                problems.push(`${f.cluster}: no remote secret for cluster ${e}`);
        duplicates(sources).forEach((s) =>
            problems.push(`${f.cluster}: more than one remote secret for ${s}`),
        );

        const crossNetwork = f.istioResources.filter(
            (r) =>
                r.kind === "Gateway" &&
                arr(r.spec.servers).some((srv) => {
                    const s = rec(srv);
                    return (
                        rec(s.port).number === CROSS_NETWORK_PORT &&
                        rec(s.tls).mode === "AUTO_PASSTHROUGH" &&
                        arr(s.hosts).includes("*.local")
                    );
                }),
        );
        if (crossNetwork.length === 0)
            problems.push(
                `${f.cluster}: no cross-network Gateway (port ${CROSS_NETWORK_PORT}, AUTO_PASSTHROUGH, *.local)`,
            );

        if (localities.length > 1) {
            const rules = f.istioResources.filter((r) => r.kind === "DestinationRule");
            if (rules.length === 0)
                problems.push(`${f.cluster}: no DestinationRule, so no locality failover`);
            for (const dr of rules) {
                const where = `${f.cluster}: DestinationRule ${String(dr.metadata.namespace)}/${String(dr.metadata.name)}`;
                const policy = rec(dr.spec.trafficPolicy);
                const failover = arr(rec(rec(policy.loadBalancer).localityLbSetting).failover).map(
                    rec,
                );
                const from = failover.map((x) => String(x.from));
                const missing = localities.filter((l) => !from.includes(l));
                if (missing.length > 0)
                    problems.push(`${where}: failover does not cover ${missing.join(", ")}`);
                failover
                    .filter((x) => !localities.includes(String(x.to)) || x.to === x.from)
                    .forEach((x) =>
                        problems.push(
                            `${where}: failover ${String(x.from)} -> ${String(x.to)} does not lead to another region of the mesh`,
                        ),
                    );
                if (failover.length > 0 && Object.keys(rec(policy.outlierDetection)).length === 0) {
                    problems.push(`${where}: failover without outlierDetection never triggers`);
                }
            }
        }
    }
    return problems;
}

function duplicates(values: readonly string[]): string[] {
    return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}
