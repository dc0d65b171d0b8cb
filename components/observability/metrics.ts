/**
 * Metrics and alerting in one cluster: kube-prometheus-stack (Prometheus on persistent storage with the
 * given retention, Alertmanager, Grafana), the platform's PrometheusRule, Istio and cert-manager
 * scrape targets, and the golden-signals dashboard. With `cloudMetrics`, Grafana's service account
 * carries its own cloud identity (grafana-identity.ts) and a CloudWatch / Google Cloud Monitoring data
 * source reads the backup replication metrics the DR dashboard shows.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Cloud } from "../../lib/cloud";
import type { ClusterInfo } from "../types";
import { LOGGING_NAMESPACE, MONITORING_NAMESPACE, TRACING_NAMESPACE } from "../constants";
import { ES_HTTP_SERVICE, ES_USERS, GRAFANA_ES_SECRET, LOG_INDEX_PREFIX } from "./logging";
import { JAEGER_SERVICE_NAME } from "./tracing";
import { CHARTS, pinnedRelease } from "./charts";
import {
    AlertingArgs,
    alertmanagerConfig,
    CHAT_URL_FILE,
    checkAlertingArgs,
    HEARTBEAT_URL_FILE,
    needsReceiverSecret,
    PAGER_KEY_FILE,
    RECEIVER_SECRET_NAME,
    ReceiverPresence,
    receiverPresence,
    SMTP_PASSWORD_FILE,
} from "./alertmanager";
import { DASHBOARD_FILE, goldenSignalsDashboard } from "./dashboards/golden-signals";
import {
    BackupReplication,
    CLOUD_MONITORING_DATASOURCE_UID,
    CLOUDWATCH_DATASOURCE_UID,
    DR_DASHBOARD,
    drDashboard,
    PLATFORM_DASHBOARDS,
    renderDashboard,
} from "./dashboards/catalog";
import type { CloudMetricsDataSource } from "./grafana-identity";
import { Manifest, prometheusRule, scrapeMonitors } from "./monitors";
import {
    OBJSTORE_KEY,
    OBJSTORE_SECRET,
    objstoreSecret,
    THANOS_GLOBAL_QUERY_URL,
    thanosServiceAccounts,
} from "./thanos";
import {
    BLACKBOX_RELEASE,
    blackboxValues,
    DatabaseTarget,
    databaseProbe,
    databaseTargetProblems,
} from "./probes";

/** uid of Grafana's Thanos data source (dashboards of the long-term view reference it). */
export const THANOS_DATASOURCE_UID = "thanos";
import { ArgProblems } from "./validate";
import type { RuleContext } from "./rules";
import { MonitoringSizes, SMALL_MONITORING_SIZES } from "./sizing";

export interface MetricsArgs {
    /** The cluster: its name and region label every series and alert, its cloud decides which node components are scraped. */
    readonly cluster: Pick<ClusterInfo, "name" | "cloud" | "cloudRegion" | "provider">;
    /** The `monitoring` namespace (fixed name, see MONITORING_NAMESPACE): every child waits for it. */
    readonly namespace: k8s.core.v1.Namespace;
    /** Days Prometheus keeps samples. */
    readonly retentionDays: number;
    /** Size of each Prometheus volume in GiB; size-based retention stops at 90 % of it. At least 2. */
    readonly storageGiB: number;
    /**
     * Replicas of Prometheus and of Alertmanager.
     * @default 2: one replica may be rescheduled without a gap in scraping or alerting.
     */
    readonly replicas?: number;
    /** Alert receivers: email always, pager and chat when their credential is given. */
    readonly alerting: AlertingArgs;
    /**
     * Requests and limits of Prometheus, Alertmanager, Grafana, the operator, kube-state-metrics and
     * node-exporter.
     * @default SMALL_MONITORING_SIZES
     */
    readonly sizes?: MonitoringSizes;
    /**
     * Priority class of the monitoring pods (Observability creates it).
     * @default none: the cluster's default priority
     */
    readonly priorityClassName?: string;
    /**
     * Where the rules are evaluated beyond cluster and region: per-service error thresholds, the
     * traffic guard, backup age limits (see RuleContext).
     * @default the defaults of RuleContext
     */
    readonly rules?: Omit<RuleContext, "cluster" | "region">;
    /**
     * Long-term store: the Thanos sidecar uploads every block to the region's bucket, with the bucket
     * identity on Prometheus's service account (see thanos.ts).
     * @default none: Prometheus keeps only its own retention
     */
    readonly thanos?: {
        /** The objstore config of the bucket (written to the `thanos-objstore` Secret). */
        readonly objstoreConfig: pulumi.Input<string>;
        /** Annotations of Prometheus's service account (IRSA role / Google service account). */
        readonly serviceAccountAnnotations: pulumi.Input<Record<string, string>>;
    };
    /**
     * Databases the blackbox exporter probes over TCP (DatabaseConnectivityLost).
     * @default [] (no probes)
     */
    readonly databaseTargets?: readonly DatabaseTarget[];
    /**
     * The CA (PEM) of Elasticsearch's HTTP certificate (Logging.elasticsearchCaPem): Grafana's
     * Elasticsearch data source verifies the server with it.
     * @default none: no Elasticsearch data source (Grafana never talks to it unverified)
     */
    readonly elasticsearchCaPem?: pulumi.Input<string>;
    /**
     * Grafana's cloud metrics: its service account gets the identity's annotations (GrafanaIdentity,
     * created by the composition), a CloudWatch (AWS) or Google Cloud Monitoring (GCP) data source
     * reads with it, and the DR dashboard shows the backups' replication from it.
     * @default none: Grafana has no cloud identity and the DR dashboard no replication panels
     */
    readonly cloudMetrics?: CloudMetricsArgs;
}

/** Grafana's cloud identity, its data source and what the DR dashboard shows through it. */
export interface CloudMetricsArgs {
    /** The data source: the cluster's own cloud (AWS region, GCP project). */
    readonly dataSource: CloudMetricsDataSource;
    /** Grafana's Kubernetes service account in `monitoring` (the name the identity trusts). */
    readonly serviceAccountName: string;
    /** Its annotations (IRSA role ARN / Google service account). */
    readonly serviceAccountAnnotations: pulumi.Input<Record<string, string>>;
    /**
     * The stack's backup replication (bucket names are outputs).
     * @default NO_REPLICATION: no replication panels
     */
    readonly replication?: pulumi.Input<BackupReplication>;
}

/** What prometheusStackValues needs: plain data decided before any resource exists (but the CA PEM). */
export interface PrometheusStackInputs {
    /** Cluster short name (`cluster` external label). */
    readonly cluster: string;
    /** Decides which node-level DNS and proxy components exist to be scraped. */
    readonly cloud: Cloud;
    /** Cloud region id (`region` external label). */
    readonly region: string;
    /** Days Prometheus keeps samples. */
    readonly retentionDays: number;
    /** Prometheus volume size in GiB. */
    readonly storageGiB: number;
    /** Replicas of Prometheus and Alertmanager. */
    readonly replicas: number;
    /** Where alerts go (only the non-secret parts reach the values). */
    readonly alerting: AlertingArgs;
    /** Which receivers exist. */
    readonly receivers: ReceiverPresence;
    /** Requests and limits per workload. @default SMALL_MONITORING_SIZES */
    readonly sizes?: MonitoringSizes;
    /** Priority class of every pod of the release. @default "" (none) */
    readonly priorityClassName?: string;
    /**
     * Thanos sidecar: annotations of Prometheus's service account (the bucket identity).
     * @default none: no sidecar
     */
    readonly thanos?: { readonly serviceAccountAnnotations: Record<string, string> };
    /**
     * The CA (PEM) Grafana's Elasticsearch data source verifies the server with; the values carry it
     * as given (an Output stays nested, so the rest of the values is known in a first preview).
     * @default none: no Elasticsearch data source
     */
    readonly elasticsearchCaPem?: pulumi.Input<string>;
    /**
     * Grafana's cloud identity (service account name and annotations) and its metrics data source.
     * @default none: the chart's own service account, no cloud data source
     */
    readonly cloudMetrics?: {
        readonly dataSource: CloudMetricsDataSource;
        readonly serviceAccountName: string;
        readonly serviceAccountAnnotations: Record<string, string>;
    };
}

/** Samples one scrape may return before the target fails (cardinality guard). */
export const SAMPLE_LIMIT = 50000;

/** Jaeger's query API (the chart's query port on the Jaeger service). */
const JAEGER_QUERY_HOST = `${JAEGER_SERVICE_NAME}.${TRACING_NAMESPACE}.svc`;
const JAEGER_QUERY_PORT = 16686;

/** Replicas of Prometheus and Alertmanager when MetricsArgs.replicas is not given. */
export const DEFAULT_METRICS_REPLICAS = 2;

/** Every problem with the args of Metrics `name` (Observability checks its children's args before creating anything). */
export function metricsArgProblems(
    name: string,
    args: Omit<MetricsArgs, "cluster" | "namespace">,
): ArgProblems {
    const problems = new ArgProblems(`Metrics ${name}`)
        .integer("args.replicas", args.replicas ?? DEFAULT_METRICS_REPLICAS, 1)
        .integer("args.retentionDays", args.retentionDays, 1)
        .integer("args.storageGiB", args.storageGiB, 2);
    checkAlertingArgs(problems, "args.alerting", args.alerting);
    for (const m of databaseTargetProblems("args.databaseTargets", args.databaseTargets ?? []))
        problems.check(false, m);
    return problems;
}

/** Values for kube-prometheus-stack (plain data: no secret ever appears here). */
export function prometheusStackValues(p: PrometheusStackInputs): Record<string, unknown> {
    const replicas = p.replicas;
    const withSecret = needsReceiverSecret(p.receivers);
    const sizes = p.sizes ?? SMALL_MONITORING_SIZES;
    const priorityClassName = p.priorityClassName ?? "";
    // A PodDisruptionBudget wherever there is more than one replica to keep.
    const pdb = { enabled: replicas > 1, minAvailable: 1 };
    const pvc = (gib: number) => ({
        volumeClaimTemplate: {
            spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${gib}Gi` } },
            },
        },
    });
    return {
        crds: { enabled: true },
        // Managed control planes (EKS, GKE) do not expose etcd, the scheduler or the controller manager.
        kubeEtcd: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeControllerManager: { enabled: false },
        // GKE runs Dataplane V2 (no kube-proxy: its scrape target and the chart's KubeProxyDown alert, which is
        // only rendered with kubeProxy.enabled, would page forever) and kube-dns (metrics on 10054/10055)
        // instead of CoreDNS (9153). EKS runs kube-proxy and CoreDNS.
        ...(p.cloud === "gcp"
            ? {
                  kubeProxy: { enabled: false },
                  coreDns: { enabled: false },
                  kubeDns: { enabled: true },
              }
            : {
                  kubeProxy: { enabled: true },
                  coreDns: { enabled: true },
                  kubeDns: { enabled: false },
              }),
        defaultRules: {
            create: true,
            rules: {
                etcd: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeControllerManager: false,
                windows: false,
            },
        },
        prometheusOperator: { resources: sizes.operator, priorityClassName },
        "kube-state-metrics": { resources: sizes.kubeStateMetrics, priorityClassName },
        "prometheus-node-exporter": { resources: sizes.nodeExporter, priorityClassName },
        prometheus: {
            podDisruptionBudget: pdb,
            ...(p.thanos
                ? {
                      serviceAccount: {
                          name: thanosServiceAccounts(p.cluster)[0].name,
                          annotations: p.thanos.serviceAccountAnnotations,
                      },
                      // Headless Service the Thanos Query discovers the sidecars through (SRV _grpc._tcp).
                      thanosService: { enabled: true },
                  }
                : {}),
            prometheusSpec: {
                ...(p.thanos
                    ? {
                          thanos: {
                              objectStorageConfig: {
                                  existingSecret: { name: OBJSTORE_SECRET, key: OBJSTORE_KEY },
                              },
                              resources: sizes.thanosSidecar,
                          },
                      }
                    : {}),
                replicas,
                resources: sizes.prometheus,
                priorityClassName,
                // Default per-target sample limit of every ServiceMonitor/PodMonitor without its own.
                sampleLimit: SAMPLE_LIMIT,
                retention: `${p.retentionDays}d`,
                // Size-based retention as a safety net below the volume size, so a full disk never stops ingestion.
                retentionSize: `${Math.floor(p.storageGiB * 0.9)}GB`,
                storageSpec: pvc(p.storageGiB),
                externalLabels: { cluster: p.cluster, region: p.region },
                // Select every ServiceMonitor/PodMonitor/PrometheusRule, not only those labelled for this release.
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
        alertmanager: {
            podDisruptionBudget: pdb,
            config: alertmanagerConfig(p.alerting, p.receivers),
            alertmanagerSpec: {
                replicas,
                resources: sizes.alertmanager,
                priorityClassName,
                secrets: withSecret ? [RECEIVER_SECRET_NAME] : [],
                storage: pvc(5),
            },
        },
        grafana: {
            defaultDashboardsEnabled: true,
            defaultDashboardsTimezone: "utc",
            resources: sizes.grafana,
            priorityClassName,
            // Grafana subchart (12.11.1) `serviceAccount.name` / `.annotations`; kube-prometheus-stack
            // already sets `create: true` and `autoMount: true`.
            ...(p.cloudMetrics
                ? {
                      serviceAccount: {
                          name: p.cloudMetrics.serviceAccountName,
                          annotations: p.cloudMetrics.serviceAccountAnnotations,
                      },
                  }
                : {}),
            additionalDataSources: grafanaDataSources({
                thanos: p.thanos !== undefined,
                elasticsearchCaPem: p.elasticsearchCaPem,
                cloudMetrics: p.cloudMetrics?.dataSource,
            }),
            envValueFrom: {
                ES_READER_PASSWORD: { secretKeyRef: { name: GRAFANA_ES_SECRET, key: "password" } },
            },
            // No adminPassword: the Grafana chart generates one into its Secret.
            sidecar: {
                dashboards: {
                    enabled: true,
                    label: "grafana_dashboard",
                    labelValue: "1",
                    searchNamespace: "ALL",
                },
            },
        },
    };
}

/** Which of Grafana's additional data sources exist, and what they need. */
export interface GrafanaDataSourceOptions {
    /**
     * The global Thanos Query (both regions, a year of downsampled data) as a data source.
     * @default false
     */
    readonly thanos?: boolean;
    /**
     * The CA (PEM, public) of Elasticsearch's HTTP certificate; the Elasticsearch data source
     * verifies the server with it (`tlsAuthWithCACert`).
     * @default none: no Elasticsearch data source
     */
    readonly elasticsearchCaPem?: pulumi.Input<string>;
    /**
     * The cloud's metrics (CloudWatch on AWS, Google Cloud Monitoring on GCP), read with Grafana's
     * own identity (grafana-identity.ts).
     * @default none
     */
    readonly cloudMetrics?: CloudMetricsDataSource;
}

/**
 * Grafana data sources besides the local Prometheus: the global Thanos Query when there is a long-term
 * store, the cloud's metrics (CloudWatch / Google Cloud Monitoring) when Grafana has a cloud identity,
 * Jaeger (traces) and Elasticsearch (logs, read-only user, TLS verified with the platform CA).
 * kube-prometheus-stack writes them into a ConfigMap (`<release>-grafana-datasource`, templates/grafana/
 * configmaps-datasources.yaml) that Grafana's sidecar loads: the CA is public, and the reader's
 * password stays a `$__env{}` reference to the Secret.
 */
export function grafanaDataSources(o: GrafanaDataSourceOptions = {}): Record<string, unknown>[] {
    return [
        ...(o.thanos
            ? [
                  {
                      name: "Thanos (all regions)",
                      uid: THANOS_DATASOURCE_UID,
                      type: "prometheus",
                      access: "proxy",
                      url: THANOS_GLOBAL_QUERY_URL,
                      jsonData: { prometheusType: "Thanos", timeInterval: "30s" },
                      editable: false,
                  },
              ]
            : []),
        ...(o.cloudMetrics ? [cloudMetricsDataSource(o.cloudMetrics)] : []),
        {
            name: "Jaeger",
            uid: "jaeger",
            type: "jaeger",
            access: "proxy",
            url: `http://${JAEGER_QUERY_HOST}:${JAEGER_QUERY_PORT}`,
            editable: false,
        },
        ...(o.elasticsearchCaPem !== undefined
            ? [
                  {
                      name: "Elasticsearch logs",
                      uid: "elasticsearch-logs",
                      type: "elasticsearch",
                      access: "proxy",
                      url: `https://${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc:9200`,
                      basicAuth: true,
                      basicAuthUser: ES_USERS.reader.username,
                      // Grafana expands $__env{} in provisioning files: the password comes from the Secret.
                      // tlsCACert is read only with tlsAuthWithCACert (grafana-plugin-sdk-go
                      // backend/http_settings.go); the host name is verified against the certificate.
                      secureJsonData: {
                          basicAuthPassword: "$__env{ES_READER_PASSWORD}",
                          tlsCACert: o.elasticsearchCaPem,
                      },
                      jsonData: {
                          index: `${LOG_INDEX_PREFIX}-*`,
                          timeField: "@timestamp",
                          logMessageField: "log",
                          logLevelField: "level",
                          tlsAuthWithCACert: true,
                      },
                      editable: false,
                  },
              ]
            : []),
    ];
}

/**
 * Grafana's cloud metrics data source, provisioned. CloudWatch: `authType: default` (the AWS SDK's
 * default chain, which reads the IRSA web identity token; `default` is among Grafana's default
 * `[aws] allowed_auth_providers`), queries default to the cluster's region and each panel names its
 * own. Google Cloud Monitoring (`stackdriver`): `authenticationType: gce` (the metadata server, which
 * on GKE serves the Workload Identity account), queries default to the cluster's project.
 */
export function cloudMetricsDataSource(d: CloudMetricsDataSource): Record<string, unknown> {
    return d.cloud === "aws"
        ? {
              name: "CloudWatch",
              uid: CLOUDWATCH_DATASOURCE_UID,
              type: "cloudwatch",
              access: "proxy",
              jsonData: { authType: "default", defaultRegion: d.region },
              editable: false,
          }
        : {
              name: "Google Cloud Monitoring",
              uid: CLOUD_MONITORING_DATASOURCE_UID,
              type: "stackdriver",
              access: "proxy",
              jsonData: { authenticationType: "gce", defaultProject: d.project },
              editable: false,
          };
}

export class Metrics extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly manifests: Manifest[];

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Metrics", name, {}, opts);
        const { cluster, alerting } = args;
        const replicas = args.replicas ?? DEFAULT_METRICS_REPLICAS;
        metricsArgProblems(name, args).throwIfAny();
        const cloudMetrics = args.cloudMetrics;
        if (cloudMetrics && cloudMetrics.dataSource.cloud !== cluster.cloud)
            throw new Error(
                `Metrics ${name}: args.cloudMetrics.dataSource.cloud is ${cloudMetrics.dataSource.cloud}, but args.cluster.cloud is ${cluster.cloud}; Grafana reads its own cloud's metrics`,
            );
        const provider = cluster.provider;
        const receivers = receiverPresence(alerting);

        const dependsOn: pulumi.Resource[] = [args.namespace];
        if (needsReceiverSecret(receivers)) {
            const stringData: Record<string, pulumi.Input<string>> = {};
            if (alerting.pagerRoutingKey !== undefined)
                stringData[PAGER_KEY_FILE] = alerting.pagerRoutingKey;
            if (alerting.chatWebhookUrl !== undefined)
                stringData[CHAT_URL_FILE] = alerting.chatWebhookUrl;
            if (receivers.smtpAuth && alerting.smtpPassword !== undefined)
                stringData[SMTP_PASSWORD_FILE] = alerting.smtpPassword;
            if (alerting.heartbeatUrl !== undefined)
                stringData[HEARTBEAT_URL_FILE] = pulumi
                    .output(alerting.heartbeatUrl)
                    .apply((u) => u.split("{cluster}").join(cluster.name));
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-receivers`,
                    {
                        metadata: { name: RECEIVER_SECRET_NAME, namespace: MONITORING_NAMESPACE },
                        type: "Opaque",
                        stringData: pulumi.secret(stringData),
                    },
                    {
                        parent: this,
                        provider,
                        dependsOn: [args.namespace],
                        additionalSecretOutputs: ["data", "stringData"],
                    },
                ),
            );
        }

        if (args.thanos) {
            dependsOn.push(
                objstoreSecret(
                    `${name}-objstore`,
                    MONITORING_NAMESPACE,
                    args.thanos.objstoreConfig,
                    {
                        parent: this,
                        provider,
                        dependsOn: [args.namespace],
                    },
                ),
            );
        }
        this.release = pinnedRelease(
            `${name}-release`,
            CHARTS.kubePrometheusStack,
            {
                releaseName: "kube-prometheus-stack",
                namespace: MONITORING_NAMESPACE,
                values: pulumi
                    .all([
                        args.thanos?.serviceAccountAnnotations,
                        cloudMetrics?.serviceAccountAnnotations,
                    ])
                    .apply(([annotations, grafanaAnnotations]) =>
                        prometheusStackValues({
                            cluster: cluster.name,
                            cloud: cluster.cloud,
                            region: cluster.cloudRegion,
                            retentionDays: args.retentionDays,
                            storageGiB: args.storageGiB,
                            replicas,
                            alerting,
                            receivers,
                            sizes: args.sizes,
                            priorityClassName: args.priorityClassName,
                            thanos: annotations
                                ? { serviceAccountAnnotations: annotations }
                                : undefined,
                            cloudMetrics:
                                cloudMetrics && grafanaAnnotations
                                    ? {
                                          dataSource: cloudMetrics.dataSource,
                                          serviceAccountName: cloudMetrics.serviceAccountName,
                                          serviceAccountAnnotations: grafanaAnnotations,
                                      }
                                    : undefined,
                            elasticsearchCaPem: args.elasticsearchCaPem,
                        }),
                    ),
            },
            { parent: this, provider, dependsOn },
        );

        const databases = args.databaseTargets ?? [];
        if (databases.length > 0) {
            pinnedRelease(
                `${name}-blackbox`,
                CHARTS.blackboxExporter,
                {
                    releaseName: BLACKBOX_RELEASE,
                    namespace: MONITORING_NAMESPACE,
                    values: blackboxValues(
                        (args.sizes ?? SMALL_MONITORING_SIZES).blackboxExporter,
                        args.priorityClassName ?? "",
                    ),
                },
                { parent: this, provider, dependsOn: [args.namespace] },
            );
        }
        this.manifests = [
            prometheusRule({ ...args.rules, cluster: cluster.name, region: cluster.cloudRegion }),
            ...scrapeMonitors(),
            ...(databases.length > 0 ? [databaseProbe(databases)] : []),
        ];
        for (const m of this.manifests) {
            new k8s.apiextensions.CustomResource(
                `${name}-${m.kind.toLowerCase()}-${m.metadata.name}`,
                m,
                {
                    parent: this,
                    provider,
                    dependsOn: [this.release],
                },
            );
        }

        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: "istio-golden-signals-dashboard",
                    namespace: MONITORING_NAMESPACE,
                    labels: { grafana_dashboard: "1" },
                },
                data: { [DASHBOARD_FILE]: JSON.stringify(goldenSignalsDashboard(), null, 2) },
            },
            { parent: this, provider, dependsOn: [args.namespace] },
        );

        // The DR dashboard names the stack's buckets (outputs); the others are fixed JSON.
        const replication = cloudMetrics?.replication;
        for (const d of PLATFORM_DASHBOARDS) {
            const spec: pulumi.Input<typeof d> =
                d.uid === DR_DASHBOARD.uid && replication !== undefined
                    ? pulumi.output(replication).apply((r) => drDashboard(r))
                    : d;
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${d.uid}`,
                {
                    metadata: {
                        name: `${d.uid}-dashboard`,
                        namespace: MONITORING_NAMESPACE,
                        labels: { grafana_dashboard: "1" },
                    },
                    data: pulumi
                        .output(spec)
                        .apply((s) => ({ [d.file]: JSON.stringify(renderDashboard(s), null, 2) })),
                },
                { parent: this, provider, dependsOn: [args.namespace] },
            );
        }

        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
