/**
 * Metrics and alerting in one cluster: kube-prometheus-stack (Prometheus on persistent storage with the
 * given retention, Alertmanager, Grafana), the platform's PrometheusRule, Istio and cert-manager
 * scrape targets, and the golden-signals dashboard.
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
import { PLATFORM_DASHBOARDS, renderDashboard } from "./dashboards/catalog";
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
            additionalDataSources: grafanaDataSources({
                thanos: p.thanos !== undefined,
                elasticsearchCaPem: p.elasticsearchCaPem,
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
}

/**
 * Grafana data sources besides the local Prometheus: the global Thanos Query when there is a long-term
 * store, Jaeger (traces) and Elasticsearch (logs, read-only user, TLS verified with the platform CA).
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

export class Metrics extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly manifests: Manifest[];

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Metrics", name, {}, opts);
        const { cluster, alerting } = args;
        const replicas = args.replicas ?? DEFAULT_METRICS_REPLICAS;
        metricsArgProblems(name, args).throwIfAny();
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
                values: pulumi.output(args.thanos?.serviceAccountAnnotations).apply((annotations) =>
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

        for (const d of PLATFORM_DASHBOARDS) {
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${d.uid}`,
                {
                    metadata: {
                        name: `${d.uid}-dashboard`,
                        namespace: MONITORING_NAMESPACE,
                        labels: { grafana_dashboard: "1" },
                    },
                    data: { [d.file]: JSON.stringify(renderDashboard(d), null, 2) },
                },
                { parent: this, provider, dependsOn: [args.namespace] },
            );
        }

        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
