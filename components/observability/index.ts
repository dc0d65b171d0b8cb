/**
 * Observability area, per cluster: metrics and alerting (kube-prometheus-stack), tracing (Jaeger) and
 * logging (ECK Elasticsearch + Kibana, Fluent Bit). Each lives in its own fixed namespace, outside the
 * mesh (no sidecar injection): Prometheus scrapes Envoy's plain-text stats port and Jaeger receives
 * spans from the proxies directly.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { LOGGING_NAMESPACE, MONITORING_NAMESPACE, TRACING_NAMESPACE } from "../constants";
import { fixedNamespace } from "./charts";
import { Logging } from "./logging";
import { Metrics } from "./metrics";
import { Tracing } from "./tracing";

export { CHARTS, ELASTIC_STACK_VERSION } from "./charts";
export { Logging } from "./logging";
export { Metrics } from "./metrics";
export { Tracing } from "./tracing";

export interface ObservabilityArgs {
    readonly cfg: PlatformConfig;
    readonly cluster: ClusterInfo;
    /** Resources to install after (the mesh's control plane, so its CRDs and namespaces exist). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Observability extends pulumi.ComponentResource {
    readonly namespaces: k8s.core.v1.Namespace[];
    readonly metrics: Metrics;
    readonly tracing: Tracing;
    readonly logging: Logging;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Observability", name, {}, opts);
        const { cfg, cluster } = args;
        const provider = cluster.provider;
        const dependsOn = [...cluster.ready, ...(args.dependsOn ?? [])];
        const ns = (role: string, namespace: string) =>
            fixedNamespace(`${name}-${role}-namespace`, namespace, { "istio-injection": "disabled" }, { parent: this, provider, dependsOn });
        const monitoring = ns("monitoring", MONITORING_NAMESPACE);
        const tracing = ns("tracing", TRACING_NAMESPACE);
        const logging = ns("logging", LOGGING_NAMESPACE);
        this.namespaces = [monitoring, tracing, logging];

        this.metrics = new Metrics(`${name}-metrics`, { cfg, cluster, namespace: monitoring }, { parent: this });
        this.tracing = new Tracing(`${name}-tracing`, { cfg, cluster, namespace: tracing }, { parent: this });
        this.logging = new Logging(`${name}-logging`, { cfg, cluster, namespace: logging }, { parent: this });

        this.registerOutputs({ namespaces: this.namespaces.map((n) => n.metadata.name) });
    }
}

export interface ObservabilityOptions {
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function createObservability(cfg: PlatformConfig, cluster: ClusterInfo, opts: ObservabilityOptions = {}): Observability {
    return new Observability(`${cluster.name}-observability`, { cfg, cluster, dependsOn: opts.dependsOn });
}
