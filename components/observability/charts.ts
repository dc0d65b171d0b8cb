/**
 * Pinned Helm charts of the certificates and observability areas: repository and version fixed, so a
 * `pulumi up` next month installs exactly what was reviewed. Versions were read from each chart's
 * Chart.yaml in its upstream repository (see the report in the README's component notes).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface PinnedChart {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

export const CHARTS = {
    /** jetstack: cert-manager v1.21.1 (chart version = app version). */
    certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" },
    /** prometheus-community: Prometheus operator v0.93.1, Prometheus, Alertmanager v0.34.0, Grafana. */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
    /** jaegertracing: Jaeger v2 (2.19.0), one deployment running collector and query. */
    jaeger: { chart: "jaeger", version: "4.11.1", repo: "https://jaegertracing.github.io/helm-charts" },
    /** elastic: ECK operator 3.5.0 with its CRDs. */
    eckOperator: { chart: "eck-operator", version: "3.5.0", repo: "https://helm.elastic.co" },
    /** fluent: Fluent Bit 5.1.1. */
    fluentBit: { chart: "fluent-bit", version: "0.58.1", repo: "https://fluent.github.io/helm-charts" },
} as const satisfies Record<string, PinnedChart>;

/** Elasticsearch and Kibana version managed by ECK 3.5.0 (the stack version of its own e2e suite). */
export const ELASTIC_STACK_VERSION = "9.4.3";

export interface PinnedReleaseArgs {
    /** Fixed Helm release name: chart resources are named after it and other components address them. */
    readonly releaseName: string;
    readonly namespace: pulumi.Input<string>;
    readonly values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for the release's resources to become ready. @default 900 */
    readonly timeout?: number;
}

/** A Helm v3 Release of a pinned chart (Release, not Chart, so policies can read its values). */
export function pinnedRelease(name: string, chart: PinnedChart, args: PinnedReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, {
        name: args.releaseName,
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        namespace: args.namespace,
        atomic: true,
        cleanupOnFail: true,
        timeout: args.timeout ?? 900,
        values: args.values,
    }, opts);
}

/** A Namespace with a fixed name (other components and DNS names address it). */
export function fixedNamespace(name: string, namespace: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, {
        metadata: { name: namespace, labels: { "app.kubernetes.io/managed-by": "pulumi", ...labels } },
    }, opts);
}
