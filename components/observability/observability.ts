/**
 * Observability in one cluster: metrics and alerting (kube-prometheus-stack), tracing (Jaeger) and
 * logging (ECK Elasticsearch + Kibana, Fluent Bit). Each lives in its own fixed namespace, outside the
 * mesh (no sidecar injection): Prometheus scrapes Envoy's plain-text stats port and Jaeger receives
 * spans from the proxies directly.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import { LOGGING_NAMESPACE, MONITORING_NAMESPACE, TRACING_NAMESPACE } from "../constants";
import { fixedNamespace } from "./charts";
import { Logging, LoggingArgs, loggingArgProblems } from "./logging";
import { Metrics, MetricsArgs, metricsArgProblems } from "./metrics";
import { Tracing, TracingArgs, tracingArgProblems } from "./tracing";
import { ArgProblems } from "./validate";
import { MonitoringSizes, SMALL_MONITORING_SIZES } from "./sizing";
import { LongTermStoreArgs, Thanos } from "./thanos";

/**
 * The platform's own components schedule before, and are evicted after, application pods (below the
 * system-node-critical/system-cluster-critical classes of 2 000 000 000 and up).
 */
export const PLATFORM_PRIORITY_CLASS = "mesh-platform-critical";
export const PLATFORM_PRIORITY = 1000000;

/** The args of a child component, without what Observability itself supplies (cluster, namespace). */
type ChildArgs<T> = Omit<
    T,
    | "cluster"
    | "namespace"
    | "sizes"
    | "priorityClassName"
    | "resources"
    | "monitoringNamespace"
    | "thanos"
    | "elasticsearchCaPem"
>;

export interface ObservabilityArgs {
    /** The cluster to install into: its Kubernetes provider, what to wait for, name, cloud and region. */
    readonly cluster: Pick<ClusterInfo, "name" | "cloud" | "cloudRegion" | "provider" | "ready">;
    /** Prometheus, Alertmanager and Grafana (see MetricsArgs). */
    readonly metrics: ChildArgs<MetricsArgs>;
    /** Jaeger (see TracingArgs). */
    readonly tracing: ChildArgs<TracingArgs>;
    /** Elasticsearch, Kibana and Fluent Bit (see LoggingArgs). */
    readonly logging: ChildArgs<LoggingArgs>;
    /**
     * Requests and limits of every monitoring workload, sized to the cluster's band.
     * @default SMALL_MONITORING_SIZES
     */
    readonly sizes?: MonitoringSizes;
    /**
     * Long-term metrics (Thanos sidecar, store gateway, compactor, regional and global Query) on the
     * region's bucket (ThanosBucket, created by the composition with the cloud's provider).
     * @default none: Prometheus keeps only its own retention
     */
    readonly longTermStore?: LongTermStoreArgs;
    /**
     * Resources the namespaces (and so everything else) are created after, besides `cluster.ready`.
     * @default none: only the cluster's readiness.
     */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Observability extends pulumi.ComponentResource {
    readonly namespaces: k8s.core.v1.Namespace[];
    readonly metrics: Metrics;
    readonly tracing: Tracing;
    readonly logging: Logging;
    readonly priorityClass: k8s.scheduling.v1.PriorityClass;
    readonly thanos?: Thanos;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Observability", name, {}, opts);
        // Every child's args first, so a bad one fails before any namespace exists.
        ArgProblems.throwIfAny(
            metricsArgProblems(`${name}-metrics`, args.metrics),
            tracingArgProblems(`${name}-tracing`, args.tracing),
            loggingArgProblems(`${name}-logging`, args.logging),
        );
        const { cluster } = args;
        const provider = cluster.provider;
        const dependsOn = [...cluster.ready, ...(args.dependsOn ?? [])];
        const ns = (role: string, namespace: string) =>
            fixedNamespace(
                `${name}-${role}-namespace`,
                namespace,
                { "istio-injection": "disabled" },
                { parent: this, provider, dependsOn },
            );
        const monitoring = ns("monitoring", MONITORING_NAMESPACE);
        const tracing = ns("tracing", TRACING_NAMESPACE);
        const logging = ns("logging", LOGGING_NAMESPACE);
        this.namespaces = [monitoring, tracing, logging];
        const sizes = args.sizes ?? SMALL_MONITORING_SIZES;
        this.priorityClass = new k8s.scheduling.v1.PriorityClass(
            `${name}-priority`,
            {
                metadata: { name: PLATFORM_PRIORITY_CLASS },
                value: PLATFORM_PRIORITY,
                globalDefault: false,
                preemptionPolicy: "PreemptLowerPriority",
                description: "mesh-platform's own components (monitoring, logging, tracing)",
            },
            { parent: this, provider, dependsOn },
        );
        const priorityClassName = PLATFORM_PRIORITY_CLASS;

        // Logging first: Grafana's Elasticsearch data source verifies the CA Logging issues.
        this.logging = new Logging(
            `${name}-logging`,
            {
                ...args.logging,
                cluster,
                namespace: logging,
                monitoringNamespace: monitoring,
                sizes,
                priorityClassName,
            },
            { parent: this, dependsOn: [this.priorityClass] },
        );

        this.metrics = new Metrics(
            `${name}-metrics`,
            {
                ...args.metrics,
                cluster,
                namespace: monitoring,
                sizes,
                priorityClassName,
                thanos: args.longTermStore,
                elasticsearchCaPem: this.logging.elasticsearchCaPem,
            },
            { parent: this, dependsOn: [this.priorityClass] },
        );
        if (args.longTermStore) {
            this.thanos = new Thanos(
                `${name}-thanos`,
                {
                    ...args.longTermStore,
                    cluster,
                    sizes,
                    priorityClassName,
                    after: [this.metrics.release],
                },
                { parent: this, dependsOn: [this.priorityClass] },
            );
        }
        this.tracing = new Tracing(
            `${name}-tracing`,
            {
                ...args.tracing,
                cluster,
                namespace: tracing,
                resources: sizes.jaeger,
                priorityClassName,
            },
            { parent: this, dependsOn: [this.priorityClass] },
        );
        this.registerOutputs({ namespaces: this.namespaces.map((n) => n.metadata.name) });
    }
}
