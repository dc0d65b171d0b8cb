/**
 * The chart catalog: name, repository and exact version of every Helm chart the platform installs, in
 * one place, so a bump is one line with its source, and the pinned-charts policy checks every release
 * against the same list (a leaf module: it imports nothing from the project).
 */

export interface PinnedChart {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

/**
 * The Istio releases the platform can install, each a full set of the three official charts (base, istiod,
 * gateway) at that tag. A stack runs one or more of them side by side as istiod revisions
 * (config `mesh.istio.revisions`; calendar with dates in config/catalog.ts `ISTIO_MINORS`).
 * Chart values keys used in components/mesh were read from manifests/charts/{base,istio-control/
 * istio-discovery,gateway}/values.yaml of github.com/istio/istio:
 * - 1.30.3 (tag 1.30.3, 2026-07-13);
 * - 1.31.0 (GitHub release 2026-08-31, commit eed52eb = 1.31.0-rc.4): the keys were read at tag
 *   1.31.0-rc.0 (2026-08-19; `revision`, `revisionTags`, `env`, `podAnnotations`, `autoscale*`,
 *   `meshConfig`, `global.*` unchanged from 1.30.3), the newest tag in the snapshot read;
 * - 1.31.1 (istio.io content/en/news/releases/1.31.x/announcing-1.31.1, published 2026-09-21: security
 *   fixes, among them GHSA-qm8v-g4f9-qhjx, the jwksUri SSRF block and the escaping of sidecar.istio.io/*
 *   annotations in injection templates): a patch release, which upstream keeps free of backward
 *   incompatible changes (istio.io/latest/docs/releases/supported-releases, "Patch"), so the keys read
 *   for 1.31.0 hold. Its charts were not re-read at tag 1.31.1 (no snapshot of that tag here).
 * Istio 1.30 and 1.31 support Kubernetes 1.32-1.36. 1.30 is past its end of life (config/catalog.ts):
 * 1.30.3 stays only so that live stacks can move off it by canary (docs/upgrade-istio.md).
 */
export const ISTIO_VERSIONS = ["1.30.3", "1.31.0", "1.31.1"] as const;
export type IstioVersion = (typeof ISTIO_VERSIONS)[number];
/** The release a stack runs when it declares none (`mesh.istio.revisions` absent). */
export const ISTIO_VERSION: IstioVersion = "1.30.3";
const ISTIO_REPO = "https://istio-release.storage.googleapis.com/charts";

export const CHARTS = {
    /** Istio CRDs and the default-revision validator. */
    istioBase: { chart: "base", version: ISTIO_VERSION, repo: ISTIO_REPO },
    /** Istio control plane. */
    istiod: { chart: "istiod", version: ISTIO_VERSION, repo: ISTIO_REPO },
    /** Istio gateways (east-west and ingress). */
    istioGateway: { chart: "gateway", version: ISTIO_VERSION, repo: ISTIO_REPO },
    /**
     * AWS Load Balancer Controller, eks-charts: chart 1.17.1 ships controller v2.17.1
     * (stable/aws-load-balancer-controller/Chart.yaml); the IAM policy in components/cluster/lb-controller.ts
     * follows docs/install/iam_policy.json of the same controller tag.
     */
    awsLoadBalancerController: {
        chart: "aws-load-balancer-controller",
        version: "1.17.1",
        repo: "https://aws.github.io/eks-charts",
    },
    /**
     * metrics-server, kubernetes-sigs: chart 3.13.1 ships metrics-server v0.8.1 (charts/metrics-server/Chart.yaml
     * at tag metrics-server-helm-chart-3.13.1). EKS does not run it by default; the HPAs need it. GKE runs its own.
     */
    metricsServer: {
        chart: "metrics-server",
        version: "3.13.1",
        repo: "https://kubernetes-sigs.github.io/metrics-server/",
    },
    /**
     * Cluster Autoscaler, kubernetes/autoscaler (repo https://kubernetes.github.io/autoscaler, chart source
     * cluster-autoscaler/charts/cluster-autoscaler since 9.52.0): chart 9.59.0 (2026-07-21) ships
     * v1.35.0; the image tag is overridden to the cluster's Kubernetes minor
     * (components/cluster/versions.ts CLUSTER_AUTOSCALER_IMAGE_TAGS). Values keys checked against the
     * chart's values.yaml: autoDiscovery.clusterName, awsRegion, cloudProvider, rbac.serviceAccount.*,
     * replicaCount, nodeSelector, tolerations, podDisruptionBudget, image.tag, extraArgs, fullnameOverride.
     */
    clusterAutoscaler: {
        chart: "cluster-autoscaler",
        version: "9.59.0",
        repo: "https://kubernetes.github.io/autoscaler",
    },
    /** jetstack: cert-manager v1.21.1 (chart version = app version). */
    certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" },
    /** prometheus-community: Prometheus operator v0.93.1, Prometheus, Alertmanager v0.34.0, Grafana. */
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        version: "88.5.3",
        repo: "https://prometheus-community.github.io/helm-charts",
    },
    /** jaegertracing: Jaeger v2 (2.19.0), one deployment running collector and query. */
    jaeger: {
        chart: "jaeger",
        version: "4.11.1",
        repo: "https://jaegertracing.github.io/helm-charts",
    },
    /** elastic: ECK operator 3.5.0 with its CRDs. */
    eckOperator: { chart: "eck-operator", version: "3.5.0", repo: "https://helm.elastic.co" },
    /** fluent: Fluent Bit 5.1.1. */
    fluentBit: {
        chart: "fluent-bit",
        version: "0.58.1",
        repo: "https://fluent.github.io/helm-charts",
    },
    /**
     * prometheus-community: chart 7.4.0 (2026-07-13) ships elasticsearch_exporter v1.11.0. Values keys
     * checked against charts/prometheus-elasticsearch-exporter/values.yaml at that tag: es.uri, es.ssl.*,
     * secretMounts, extraEnvSecrets, serviceMonitor.*, resources, priorityClassName.
     */
    elasticsearchExporter: {
        chart: "prometheus-elasticsearch-exporter",
        version: "7.4.0",
        repo: "https://prometheus-community.github.io/helm-charts",
    },
    /** vmware-tanzu: chart 12.1.0 ships Velero 1.18.1 (charts/velero/Chart.yaml, tag velero-12.1.0). */
    velero: {
        chart: "velero",
        version: "12.1.0",
        repo: "https://vmware-tanzu.github.io/helm-charts",
    },
    /**
     * stevehipwell/helm-charts: chart thanos 1.24.1 (2026-08-12) ships Thanos v0.42.4 (store gateway,
     * compactor, query). Values keys checked against charts/thanos/values.yaml at tag thanos-1.24.1:
     * fullnameOverride, objstoreConfig.{create,name,key}, additionalReplicaLabels, serviceMonitor.enabled,
     * query.{enabled,enableDnsDiscovery,replicas,podDisruptionBudget,podLabels,podAnnotations,
     * additionalEndpoints,extraArgs,resources,priorityClassName}, storeGateway.* and compact.* (same
     * names, plus serviceAccount.annotations, persistence.{enabled,size,storageClass}).
     */
    thanos: {
        chart: "thanos",
        version: "1.24.1",
        repo: "https://stevehipwell.github.io/helm-charts/",
    },
    /**
     * prometheus-community: chart prometheus-blackbox-exporter 11.17.2 (blackbox_exporter TCP probes of
     * the databases). Values keys checked against charts/prometheus-blackbox-exporter/values.yaml at
     * tag prometheus-blackbox-exporter-11.17.2: fullnameOverride, config.modules, resources,
     * priorityClassName, replicas, podDisruptionBudget.
     */
    blackboxExporter: {
        chart: "prometheus-blackbox-exporter",
        version: "11.17.2",
        repo: "https://prometheus-community.github.io/helm-charts",
    },
    /**
     * argoproj/argo-helm: chart 2.41.0 (tag argo-rollouts-2.41.0, 2026-06-05), the newest chart release, ships
     * Argo Rollouts v1.9.0; components/rollouts overrides the image to v1.9.1 (2026-07-06, CVE-2026-35469 and a
     * traffic-routing fix; no CRD or API change from v1.9.0). Values keys checked against
     * charts/argo-rollouts/values.yaml at that tag.
     */
    argoRollouts: {
        chart: "argo-rollouts",
        version: "2.41.0",
        repo: "https://argoproj.github.io/argo-helm",
    },
} as const satisfies Record<string, PinnedChart>;

export type ChartKey = keyof typeof CHARTS;

/** The Istio charts at one of ISTIO_VERSIONS (canary revisions run a newer set next to the default). */
export function istioCharts(version: IstioVersion): {
    base: PinnedChart;
    istiod: PinnedChart;
    gateway: PinnedChart;
} {
    return {
        base: { chart: "base", version, repo: ISTIO_REPO },
        istiod: { chart: "istiod", version, repo: ISTIO_REPO },
        gateway: { chart: "gateway", version, repo: ISTIO_REPO },
    };
}

/** Every pinned chart: the catalog above plus the Istio charts of every version in ISTIO_VERSIONS. */
export const PINNED_CHARTS: readonly PinnedChart[] = [
    ...Object.values(CHARTS),
    ...ISTIO_VERSIONS.filter((v) => v !== ISTIO_VERSION).flatMap((v) =>
        Object.values(istioCharts(v)),
    ),
];

/**
 * The catalog entry for a chart name and repository, if the platform pins that chart: the entry at
 * `version` when the catalog pins that version (Istio: several), else the first entry.
 */
export function pinnedChart(
    chart: string,
    repo: string,
    version?: string,
): PinnedChart | undefined {
    const all = PINNED_CHARTS.filter((c) => c.chart === chart && c.repo === repo);
    return all.find((c) => c.version === version) ?? all[0];
}
