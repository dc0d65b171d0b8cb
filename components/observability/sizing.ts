/**
 * Requests and limits of every monitoring workload, so none runs BestEffort (first evicted under
 * memory pressure) and the scheduler reserves what they need. Memory limits equal or exceed the
 * request; no CPU limits (throttling a scraper or a log shipper loses data; the request is its share).
 * The composition picks a band per environment (platform/addons.ts MONITORING_SIZES).
 */

/** A container's resources in Kubernetes quantities. */
export interface WorkloadResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string };
}

/** One entry per monitoring workload (per pod of it). */
export interface MonitoringSizes {
    readonly prometheus: WorkloadResources;
    readonly thanosSidecar: WorkloadResources;
    readonly alertmanager: WorkloadResources;
    readonly grafana: WorkloadResources;
    readonly operator: WorkloadResources;
    readonly kubeStateMetrics: WorkloadResources;
    readonly nodeExporter: WorkloadResources;
    readonly thanosQuery: WorkloadResources;
    readonly thanosStore: WorkloadResources;
    readonly thanosCompact: WorkloadResources;
    readonly blackboxExporter: WorkloadResources;
    readonly fluentBit: WorkloadResources;
    readonly esExporter: WorkloadResources;
    /**
     * Elasticsearch per node: the CPU request counts; the memory comes from LoggingArgs.elasticsearchMemory
     * (request = limit, the JVM heap is half of it).
     */
    readonly elasticsearch: WorkloadResources;
    readonly kibana: WorkloadResources;
    readonly jaeger: WorkloadResources;
}

/** `cpu` request, `memory` request, memory limit (defaults to the request). */
export function res(cpu: string, memory: string, memoryLimit = memory): WorkloadResources {
    return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

/** The smallest band (a dev cluster of two t3.large nodes); the default when no sizes are given. */
export const SMALL_MONITORING_SIZES: MonitoringSizes = {
    prometheus: res("200m", "1Gi", "2Gi"),
    thanosSidecar: res("50m", "128Mi", "256Mi"),
    alertmanager: res("20m", "64Mi", "128Mi"),
    grafana: res("50m", "256Mi", "512Mi"),
    operator: res("50m", "128Mi", "256Mi"),
    kubeStateMetrics: res("20m", "128Mi", "256Mi"),
    nodeExporter: res("20m", "32Mi", "64Mi"),
    thanosQuery: res("50m", "256Mi", "512Mi"),
    thanosStore: res("50m", "256Mi", "1Gi"),
    thanosCompact: res("100m", "512Mi", "1Gi"),
    blackboxExporter: res("10m", "32Mi", "64Mi"),
    fluentBit: res("50m", "64Mi", "256Mi"),
    esExporter: res("10m", "32Mi", "64Mi"),
    elasticsearch: res("500m", "2Gi"),
    kibana: res("100m", "1Gi"),
    jaeger: res("100m", "256Mi", "1Gi"),
};
