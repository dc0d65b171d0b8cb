/**
 * Tracing in one cluster: Jaeger v2 (collector and query in one deployment) receiving OTLP/gRPC from the
 * Envoy proxies at JAEGER_COLLECTOR_HOST:JAEGER_OTLP_GRPC_PORT. The sampling rate is the mesh's
 * (its Telemetry resource); Jaeger stores whatever it receives.
 *
 * Storage choice: Badger (Jaeger's embedded key-value store) on a persistent volume, with a span TTL of
 * `retentionDays` (the platform keeps 7 days). At the guide's sampling (1 % in production)
 * one cluster's traces fit comfortably on one volume, and there is no second database to run.
 * The trade-off is a single replica (Badger allows one writer; the pod restarts in place, Recreate
 * strategy). When trace volume outgrows one node, move `jaeger_storage` to Elasticsearch and enable the
 * chart's `esIndexCleaner` with the same number of days.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import { JAEGER_COLLECTOR_HOST, JAEGER_OTLP_GRPC_PORT, TRACING_NAMESPACE } from "../constants";
import { CHARTS, pinnedRelease } from "./charts";
import { ArgProblems } from "./validate";
import { SMALL_MONITORING_SIZES, WorkloadResources } from "./sizing";

/** The chart names its Deployment and Service after fullnameOverride: the host the mesh sends spans to. */
export const JAEGER_SERVICE_NAME = JAEGER_COLLECTOR_HOST.split(".")[0];
export const JAEGER_PVC_NAME = "jaeger-badger";

/** Jaeger v2 configuration (an OpenTelemetry Collector config with Jaeger's storage and query extensions). */
export function jaegerConfig(retentionDays: number): Record<string, unknown> {
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: {
                traces: {
                    receivers: ["otlp"],
                    processors: ["batch"],
                    exporters: ["jaeger_storage_exporter"],
                },
            },
            telemetry: {
                resource: { "service.name": "jaeger" },
                metrics: {
                    level: "detailed",
                    readers: [
                        { pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } },
                    ],
                },
            },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: "0.0.0.0:13133" } },
            jaeger_query: { storage: { traces: "primary_store" } },
            jaeger_storage: {
                backends: {
                    primary_store: {
                        badger: {
                            directories: { keys: "/badger/keys", values: "/badger/values" },
                            ephemeral: false,
                            ttl: { spans: `${retentionDays * 24}h` },
                        },
                    },
                },
            },
        },
        receivers: {
            otlp: {
                protocols: {
                    grpc: { endpoint: `0.0.0.0:${JAEGER_OTLP_GRPC_PORT}` },
                    http: { endpoint: "0.0.0.0:4318" },
                },
            },
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "primary_store" } },
    };
}

export function jaegerValues(
    retentionDays: number,
    resources: WorkloadResources = SMALL_MONITORING_SIZES.jaeger,
    priorityClassName = "",
): Record<string, unknown> {
    return {
        fullnameOverride: JAEGER_SERVICE_NAME,
        userconfig: jaegerConfig(retentionDays),
        jaeger: {
            replicas: 1,
            strategy: { type: "Recreate" },
            extraVolumes: [
                { name: "badger-data", persistentVolumeClaim: { claimName: JAEGER_PVC_NAME } },
            ],
            extraVolumeMounts: [{ name: "badger-data", mountPath: "/badger" }],
            resources,
            priorityClassName,
        },
    };
}

export interface TracingArgs {
    /** The cluster Jaeger runs in (its Kubernetes provider). */
    readonly cluster: Pick<ClusterInfo, "name" | "provider">;
    /** The `tracing` namespace (fixed name, see TRACING_NAMESPACE): the volume and the chart wait for it. */
    readonly namespace: k8s.core.v1.Namespace;
    /** Days Badger keeps a span (its TTL). */
    readonly retentionDays: number;
    /** Size of the Badger volume in GiB: enough for `retentionDays` of spans at the mesh's sampling rate. */
    readonly storageGiB: number;
    /**
     * Protect the Badger volume (it holds the traces) against deletion.
     * @default true: deleting it needs an explicit `protect: false` first.
     */
    readonly protect?: boolean;
    /** Requests and limits of the Jaeger pod. @default SMALL_MONITORING_SIZES.jaeger */
    readonly resources?: WorkloadResources;
    /** Priority class of the Jaeger pod. @default none */
    readonly priorityClassName?: string;
}

/** Every problem with the args of Tracing `name` (Observability checks its children's args before creating anything). */
export function tracingArgProblems(
    name: string,
    args: Omit<TracingArgs, "cluster" | "namespace">,
): ArgProblems {
    return new ArgProblems(`Tracing ${name}`)
        .integer("args.retentionDays", args.retentionDays, 1)
        .integer("args.storageGiB", args.storageGiB, 1);
}

export class Tracing extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly volume: k8s.core.v1.PersistentVolumeClaim;

    constructor(name: string, args: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Tracing", name, {}, opts);
        tracingArgProblems(name, args).throwIfAny();
        const provider = args.cluster.provider;

        // Holds the traces: protected (in prod) like the other stateful resources.
        this.volume = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-badger`,
            {
                // With WaitForFirstConsumer storage classes the claim binds only once Jaeger's pod is scheduled.
                metadata: {
                    name: JAEGER_PVC_NAME,
                    namespace: TRACING_NAMESPACE,
                    annotations: { "pulumi.com/skipAwait": "true" },
                },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: `${args.storageGiB}Gi` } },
                },
            },
            { parent: this, provider, dependsOn: [args.namespace], protect: args.protect ?? true },
        );

        this.release = pinnedRelease(
            `${name}-release`,
            CHARTS.jaeger,
            {
                releaseName: "jaeger",
                namespace: TRACING_NAMESPACE,
                values: jaegerValues(args.retentionDays, args.resources, args.priorityClassName),
            },
            { parent: this, provider, dependsOn: [args.namespace, this.volume] },
        );

        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
