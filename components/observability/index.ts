/**
 * Observability area, per cluster: metrics and alerting (kube-prometheus-stack), tracing (Jaeger) and
 * logging (ECK Elasticsearch + Kibana, Fluent Bit), composed by Observability (./observability.ts).
 */
export { CHARTS, ELASTIC_STACK_VERSION } from "./charts";
export type { AlertingArgs } from "./alertmanager";
export { Logging } from "./logging";
export type { LoggingArgs } from "./logging";
export { Metrics } from "./metrics";
export type { CloudMetricsArgs, MetricsArgs } from "./metrics";
export { GrafanaIdentity, grafanaServiceAccount } from "./grafana-identity";
export type { CloudMetricsDataSource, GrafanaIdentityArgs } from "./grafana-identity";
export { NO_REPLICATION } from "./dashboards/catalog";
export type { BackupReplication } from "./dashboards/catalog";
export { Observability } from "./observability";
export type { ObservabilityArgs } from "./observability";
export { Tracing } from "./tracing";
export type { TracingArgs } from "./tracing";
export { Thanos, ThanosBucket, THANOS_RETENTION } from "./thanos";
export type { LongTermStoreArgs, ThanosBucketArgs } from "./thanos";
export type { DatabaseTarget } from "./probes";
