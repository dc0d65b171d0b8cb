/**
 * Logging (EFK) in one cluster: the ECK operator, an Elasticsearch cluster and Kibana as ECK resources,
 * an index lifecycle policy deleting log indices `retentionDays` after creation, and Fluent Bit as a
 * DaemonSet shipping container logs.
 *
 * Fluent Bit: the tail input reads CRI/docker container logs; ./log-pipeline.ts joins stack traces,
 * finds the level of JSON, klog, logfmt and plain-text lines (text or numeric), nests each app's JSON
 * under `app`, copies the usual correlation id spellings into `correlation_id`, and drops records below
 * `logLevel` (WARN in prod, INFO in staging, DEBUG in dev). Lines without a level are kept. Chunks are
 * buffered on the node's disk, so an Elasticsearch outage delays logs instead of losing them.
 *
 * TLS: Elasticsearch serves an HTTP certificate the platform issues (./es-tls.ts: a CA per cluster in
 * the Pulumi state, a leaf renewed by the weekly refresh) instead of ECK's self-signed one, so every
 * client verifies it against a CA known before the cluster is touched: Fluent Bit, the exporter and
 * the lifecycle Job mount `ca.crt` from a ConfigMap the program writes, Grafana gets it in its data
 * source, and Kibana through ECK's association (ECK copies `ca.crt` into ES_CA_SECRET and from there
 * into Kibana's namespace).
 *
 * Least privilege: nothing but the ECK operator and Kibana's own service token uses the `elastic`
 * superuser. File-realm users (ECK `spec.auth`) with their own roles: `fluent-bit` may only create
 * documents and indices in `k8s-logs-*`; `log-lifecycle` (the one-shot Job) may only manage the
 * lifecycle policy and index templates and the Kibana data views; `es-exporter` may only monitor;
 * `logs-reader` (Grafana) may only read `k8s-logs-*`. Their passwords are generated in the Pulumi
 * state (see `generatedPassword`) and reach only their Kubernetes Secrets.
 *
 * Longer than the house's 400 lines on purpose: the pipeline is one concept (operator, Elasticsearch,
 * Kibana, index lifecycle, Fluent Bit with its parsers and filters), and its pieces share names and users.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import { stringify as stringifyYaml } from "yaml";
import type { ClusterInfo, LogLevel } from "../types";
import { LOGGING_NAMESPACE, MONITORING_NAMESPACE } from "../constants";
import { customParsers, LOG_LEVELS, logFilters } from "./log-pipeline";
import { MonitoringSizes, SMALL_MONITORING_SIZES, WorkloadResources } from "./sizing";
import { CHARTS, ELASTIC_STACK_VERSION, pinnedRelease } from "./charts";
import { ArgProblems } from "./validate";
import { issueHttpCertificate, serviceDnsNames } from "./es-tls";

export const ELASTICSEARCH_NAME = "logs";
export const KIBANA_NAME = "logs";
/** Names ECK derives from the Elasticsearch name. */
export const ES_HTTP_SERVICE = `${ELASTICSEARCH_NAME}-es-http`;
/**
 * ECK's public copy of the HTTP certificate (`tls.crt`, and `ca.crt` = the platform CA). Only ECK's
 * Kibana association reads it; the platform's own clients use ES_CA_CONFIGMAP.
 */
export const ES_CA_SECRET = `${ELASTICSEARCH_NAME}-es-http-certs-public`;
/** The Secret (`tls.crt`, `tls.key`, `ca.crt`) Elasticsearch serves HTTPS with (`spec.http.tls.certificate`). */
export const ES_HTTP_CERT_SECRET = `${ELASTICSEARCH_NAME}-es-http-tls`;
/** The ConfigMap with the platform CA (`ca.crt`) the clients in the logging namespace verify Elasticsearch with. */
export const ES_CA_CONFIGMAP = `${ELASTICSEARCH_NAME}-es-ca`;
/** Pod annotation carrying the CA's digest: a new CA rolls every client that mounts it. */
export const ES_CA_DIGEST_ANNOTATION = "mesh-platform/es-ca-sha256";
export const LOG_INDEX_PREFIX = "k8s-logs";
export const ILM_POLICY_NAME = "k8s-logs-retention";
/** TLS versions Elasticsearch and Kibana accept (guide: TLS 1.2 minimum). */
export const TLS_PROTOCOLS = ["TLSv1.3", "TLSv1.2"] as const;
/** A pinned curl image for the one-shot job that installs the lifecycle policy. */
export const CURL_IMAGE = "curlimages/curl:8.11.1";
/** The ECK validating webhook's port: one the control plane reaches on both GKE private clusters and EKS. */
export const ECK_WEBHOOK_PORT = 10250;
/** How long the lifecycle Job may wait for Elasticsearch (and Pulumi for the Job). */
export const ILM_JOB_DEADLINE_SECONDS = 1800;

export { LOG_LEVELS } from "./log-pipeline";

/** The names Elasticsearch's HTTP certificate is valid for (every spelling of its Service in the cluster). */
export function esHttpDnsNames(): string[] {
    return serviceDnsNames(ES_HTTP_SERVICE, LOGGING_NAMESPACE);
}

/** Kibana's HTTP service and the public CA of its certificate (ECK names). */
export const KB_HTTP_SERVICE = `${KIBANA_NAME}-kb-http`;
export const KB_CA_SECRET = `${KIBANA_NAME}-kb-http-certs-public`;

/** ECK file-realm users, each with only its own role (see roles.yml below). */
export const ES_USERS = {
    fluentBit: { username: "fluent-bit", secret: "fluent-bit-es-user", roles: ["log_writer"] },
    lifecycle: {
        username: "log-lifecycle",
        secret: "log-lifecycle-es-user",
        roles: ["log_lifecycle", "log_data_views"],
    },
    exporter: { username: "es-exporter", secret: "es-exporter-user", roles: ["es_monitor"] },
    reader: { username: "logs-reader", secret: "logs-reader-es-user", roles: ["log_reader"] },
} as const;
export type EsUser = keyof typeof ES_USERS;
/** Secret holding roles.yml for ECK's `spec.auth.roles`. */
export const ES_ROLES_SECRET = "logs-es-roles";
/** The Secret in the monitoring namespace Grafana reads the logs reader's password from. */
export const GRAFANA_ES_SECRET = "grafana-logs-reader";

/** The file-realm roles (Elasticsearch role descriptors in roles.yml form). */
export function esRoles(): Record<string, unknown> {
    const logs = `${LOG_INDEX_PREFIX}-*`;
    return {
        // Fluent Bit writes with the `create` operation (Write_Operation create): create_doc suffices.
        log_writer: {
            indices: [
                { names: [logs], privileges: ["create_doc", "create_index", "auto_configure"] },
            ],
        },
        log_lifecycle: {
            cluster: ["manage_ilm", "manage_index_templates", "monitor"],
        },
        // Kibana feature privilege: manage data views in the default space, nothing else in Kibana.
        log_data_views: {
            applications: [
                {
                    application: "kibana-.kibana",
                    privileges: ["feature_indexPatterns.all"],
                    resources: ["space:default"],
                },
            ],
        },
        es_monitor: {
            cluster: ["monitor"],
            indices: [{ names: ["*"], privileges: ["monitor"] }],
        },
        log_reader: {
            indices: [{ names: [logs], privileges: ["read", "view_index_metadata"] }],
        },
    };
}

const CORRELATION_SPELLINGS = [
    "correlation_id",
    "correlationId",
    "correlationID",
    "x_correlation_id",
    "x-correlation-id",
    "request_id",
    "requestId",
    "x_request_id",
    "x-request-id",
];
/** Fluent Bit's filters for records at `level` and above (./log-pipeline.ts). */
export function fluentBitFilters(level: LogLevel): string {
    return logFilters(level, CORRELATION_SPELLINGS);
}

export function fluentBitOutputs(): string {
    return `[OUTPUT]
        Name es
        Match kube.*
        Host ${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc
        Port 9200
        HTTP_User ${ES_USERS.fluentBit.username}
        HTTP_Passwd \${ES_PASSWORD}
        Write_Operation create
        Buffer_Size 4MB
        storage.total_limit_size 2G
        tls On
        tls.verify On
        tls.ca_file /fluent-bit/es-ca/ca.crt
        Logstash_Format On
        Logstash_Prefix ${LOG_INDEX_PREFIX}
        Suppress_Type_Name On
        Replace_Dots On
        Trace_Error On
        Retry_Limit 10
`;
}

/** Service section: metrics on 2020 and chunks buffered on the node's disk (hostPath /var/log). */
export function fluentBitService(): string {
    return `[SERVICE]
    Daemon Off
    Flush 1
    Log_Level info
    Parsers_File /fluent-bit/etc/parsers.conf
    Parsers_File /fluent-bit/etc/conf/custom_parsers.conf
    HTTP_Server On
    HTTP_Listen 0.0.0.0
    HTTP_Port 2020
    Health_Check On
    storage.path /var/log/flb-storage/
    storage.sync normal
    storage.backlog.mem_limit 32M
`;
}

/** How Fluent Bit is scheduled: its resources and the platform's priority class. */
export interface FluentBitScheduling {
    readonly resources: WorkloadResources;
    readonly priorityClassName: string;
}

/**
 * Fluent Bit's chart values. `caDigest` (the platform CA's SHA-256) goes into a pod annotation, so a
 * new CA rolls the DaemonSet in the deploy that writes it (Fluent Bit reads `tls.ca_file` at start).
 */
export function fluentBitValues(
    level: LogLevel,
    scheduling: FluentBitScheduling,
    caDigest?: pulumi.Input<string>,
): Record<string, unknown> {
    return {
        kind: "DaemonSet",
        resources: scheduling.resources,
        priorityClassName: scheduling.priorityClassName,
        ...(caDigest ? { podAnnotations: { [ES_CA_DIGEST_ANNOTATION]: caDigest } } : {}),
        // Scraped by the monitoring namespace's Prometheus (it selects every ServiceMonitor).
        serviceMonitor: { enabled: true, interval: "30s" },
        // Every node, including tainted system nodes.
        tolerations: [{ operator: "Exists" }],
        env: [
            {
                name: "ES_PASSWORD",
                valueFrom: { secretKeyRef: { name: ES_USERS.fluentBit.secret, key: "password" } },
            },
        ],
        extraVolumes: [
            {
                name: "es-ca",
                configMap: { name: ES_CA_CONFIGMAP, items: [{ key: "ca.crt", path: "ca.crt" }] },
            },
        ],
        extraVolumeMounts: [{ name: "es-ca", mountPath: "/fluent-bit/es-ca", readOnly: true }],
        config: {
            service: fluentBitService(),
            customParsers: customParsers(),
            inputs: `[INPUT]
        Name tail
        Path /var/log/containers/*.log
        Exclude_Path /var/log/containers/fluent-bit-*_${LOGGING_NAMESPACE}_*.log
        multiline.parser docker, cri
        Tag kube.*
        Mem_Buf_Limit 50MB
        storage.type filesystem
        Skip_Long_Lines On
        DB /var/log/flb_kube.db
`,
            filters: fluentBitFilters(level),
            outputs: fluentBitOutputs(),
        },
    };
}

/** ILM: delete a daily index `days` after it was created. */
export function ilmPolicy(days: number): Record<string, unknown> {
    return {
        policy: {
            phases: {
                hot: { min_age: "0ms", actions: {} },
                delete: { min_age: `${days}d`, actions: { delete: {} } },
            },
        },
    };
}

export function indexTemplate(replicas: number): Record<string, unknown> {
    return {
        index_patterns: [`${LOG_INDEX_PREFIX}-*`],
        priority: 200,
        template: {
            settings: {
                "index.lifecycle.name": ILM_POLICY_NAME,
                "index.number_of_replicas": replicas,
            },
        },
    };
}

/** Label ECK puts on every pod of an Elasticsearch cluster. */
const ES_CLUSTER_LABEL = "elasticsearch.k8s.elastic.co/cluster-name";

export function elasticsearchManifest(
    nodes: number,
    storageGiB: number,
    memory: string,
    priorityClassName?: string,
    cpu = "500m",
): Record<string, unknown> {
    return {
        apiVersion: "elasticsearch.k8s.elastic.co/v1",
        kind: "Elasticsearch",
        metadata: { name: ELASTICSEARCH_NAME, namespace: LOGGING_NAMESPACE },
        spec: {
            version: ELASTIC_STACK_VERSION,
            // HTTPS with the platform-issued certificate (./es-tls.ts) instead of ECK's self-signed one.
            http: { tls: { certificate: { secretName: ES_HTTP_CERT_SECRET } } },
            // Least-privilege users and their roles (ECK file realm).
            auth: {
                roles: [{ secretName: ES_ROLES_SECRET }],
                fileRealm: Object.values(ES_USERS).map((u) => ({ secretName: u.secret })),
            },
            // Explicit, not ECK's default: one node at a time may be evicted. With three nodes
            // (prod) the cluster stays available with replicas; a single node (staging, dev) may be
            // drained (Fluent Bit buffers meanwhile) instead of blocking node upgrades for ever.
            podDisruptionBudget: {
                spec: {
                    maxUnavailable: 1,
                    selector: { matchLabels: { [ES_CLUSTER_LABEL]: ELASTICSEARCH_NAME } },
                },
            },
            nodeSets: [
                {
                    name: "default",
                    count: nodes,
                    config: {
                        // No mmap: no need to raise vm.max_map_count on the nodes.
                        "node.store.allow_mmap": false,
                        // The platform terminates TLS at 1.2 or newer everywhere (ECK serves HTTPS by default).
                        "xpack.security.http.ssl.supported_protocols": [...TLS_PROTOCOLS],
                    },
                    podTemplate: {
                        spec: {
                            ...(priorityClassName ? { priorityClassName } : {}),
                            containers: [
                                {
                                    name: "elasticsearch",
                                    resources: {
                                        requests: { memory, cpu },
                                        limits: { memory },
                                    },
                                },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "elasticsearch-data" },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                resources: { requests: { storage: `${storageGiB}Gi` } },
                            },
                        },
                    ],
                },
            ],
        },
    };
}

export function kibanaManifest(
    resources?: WorkloadResources,
    priorityClassName?: string,
): Record<string, unknown> {
    return {
        apiVersion: "kibana.k8s.elastic.co/v1",
        kind: "Kibana",
        metadata: { name: KIBANA_NAME, namespace: LOGGING_NAMESPACE },
        spec: {
            version: ELASTIC_STACK_VERSION,
            count: 1,
            elasticsearchRef: { name: ELASTICSEARCH_NAME },
            config: { "server.ssl.supportedProtocols": [...TLS_PROTOCOLS] },
            ...(resources
                ? {
                      podTemplate: {
                          spec: {
                              ...(priorityClassName ? { priorityClassName } : {}),
                              containers: [{ name: "kibana", resources }],
                          },
                      },
                  }
                : {}),
        },
    };
}

/** The Kibana data view over every log index (created or overwritten by the lifecycle Job). */
export function kibanaDataView(): Record<string, unknown> {
    return {
        data_view: {
            id: "k8s-logs",
            title: `${LOG_INDEX_PREFIX}-*`,
            name: "Kubernetes logs",
            timeFieldName: "@timestamp",
        },
        override: true,
    };
}

const ILM_SCRIPT = `set -eu
ES="https://${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc:9200"
KB="https://${KB_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc:5601"
call() { curl -fsS --max-time 60 --cacert /es-ca/ca.crt -u "${ES_USERS.lifecycle.username}:$ES_PASSWORD" -H 'Content-Type: application/json' "$@"; }
kb() { curl -fsS --max-time 60 --cacert /kb-ca/ca.crt -u "${ES_USERS.lifecycle.username}:$ES_PASSWORD" -H 'Content-Type: application/json' -H 'kbn-xsrf: true' "$@"; }
until call "$ES/_cluster/health?wait_for_status=yellow&timeout=30s" >/dev/null; do echo "waiting for Elasticsearch"; sleep 10; done
call -X PUT "$ES/_ilm/policy/${ILM_POLICY_NAME}" -d "$ILM_POLICY"
call -X PUT "$ES/_index_template/${LOG_INDEX_PREFIX}" -d "$INDEX_TEMPLATE"
until kb "$KB/api/status" >/dev/null; do echo "waiting for Kibana"; sleep 10; done
kb -X POST "$KB/api/data_views/data_view" -d "$DATA_VIEW"
`;

/**
 * prometheus-elasticsearch-exporter values: TLS to the ECK service verified with the platform CA
 * (ES_CA_CONFIGMAP; `caDigest` in a pod annotation rolls the exporter onto a new CA), the
 * monitor-only user.
 */
export function esExporterValues(
    resources: WorkloadResources,
    priorityClassName: string,
    caDigest?: pulumi.Input<string>,
): Record<string, unknown> {
    return {
        resources,
        priorityClassName,
        ...(caDigest ? { podAnnotations: { [ES_CA_DIGEST_ANNOTATION]: caDigest } } : {}),
        es: {
            uri: `https://${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc:9200`,
            ssl: {
                enabled: true,
                // No certificate Secret of the chart's own: the CA is the file mounted below.
                useExistingSecrets: true,
                ca: { path: "/ssl/ca.crt" },
                client: { enabled: false },
            },
        },
        // The chart mounts only Secrets through secretMounts; a ConfigMap goes through extraVolumes.
        extraVolumes: [{ name: "es-ca", configMap: { name: ES_CA_CONFIGMAP } }],
        extraVolumeMounts: [{ name: "es-ca", mountPath: "/ssl", readOnly: true }],
        // The exporter reads ES_USERNAME / ES_PASSWORD (basic auth) from its environment.
        extraEnvSecrets: {
            ES_USERNAME: { secret: ES_USERS.exporter.secret, key: "username" },
            ES_PASSWORD: { secret: ES_USERS.exporter.secret, key: "password" },
        },
        serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "20s" },
    };
}

export interface LoggingArgs {
    /** The cluster the logging stack runs in (its Kubernetes provider). */
    readonly cluster: Pick<ClusterInfo, "name" | "provider">;
    /** The `logging` namespace (fixed name, see LOGGING_NAMESPACE): the operator waits for it. */
    readonly namespace: k8s.core.v1.Namespace;
    /**
     * The `monitoring` namespace, where Grafana's copy of the logs reader's password goes.
     * @default none: the Secret waits for nothing (the namespace must exist)
     */
    readonly monitoringNamespace?: k8s.core.v1.Namespace;
    /** Elasticsearch nodes (one nodeSet). With more than one, every log index gets one replica. */
    readonly elasticsearchNodes: number;
    /** Data volume of each Elasticsearch node in GiB. */
    readonly elasticsearchStorageGiB: number;
    /**
     * Container memory of each Elasticsearch node, as a Kubernetes quantity (`4Gi`); the JVM heap is
     * half of it, set by Elasticsearch itself.
     */
    readonly elasticsearchMemory: string;
    /** Days after creation a daily log index is deleted (the lifecycle policy). */
    readonly retentionDays: number;
    /** Fluent Bit drops records below this level; records without a level are kept. */
    readonly logLevel: LogLevel;
    /**
     * Protect the Elasticsearch cluster (it holds the logs) and the CA of its HTTP certificate against
     * deletion.
     * @default true: deleting them needs an explicit `protect: false` first.
     */
    readonly protect?: boolean;
    /**
     * Requests and limits of Fluent Bit, Kibana and the Elasticsearch exporter.
     * @default SMALL_MONITORING_SIZES
     */
    readonly sizes?: Pick<MonitoringSizes, "fluentBit" | "kibana" | "esExporter">;
    /**
     * Priority class of the logging pods (Observability creates it).
     * @default none: the cluster's default priority
     */
    readonly priorityClassName?: string;
}

/**
 * A password generated once and kept in the Pulumi state (a secret): the SHA-256 of a fresh Ed25519
 * key, base64url. @pulumi/tls is what the project has for generated secret material; replacing the
 * key resource rotates the password (ECK reloads file-realm users).
 */
export function generatedPassword(
    name: string,
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
    const key = new tls.PrivateKey(name, { algorithm: "ED25519" }, opts);
    return pulumi.secret(
        key.privateKeyOpenssh.apply((pem) =>
            crypto
                .createHash("sha256")
                .update(pem ?? name)
                .digest("base64url")
                .slice(0, 32),
        ),
    );
}

/** Every problem with the args of Logging `name` (Observability checks its children's args before creating anything). */
export function loggingArgProblems(
    name: string,
    args: Omit<LoggingArgs, "cluster" | "namespace">,
): ArgProblems {
    return new ArgProblems(`Logging ${name}`)
        .integer("args.elasticsearchNodes", args.elasticsearchNodes, 1)
        .integer("args.elasticsearchStorageGiB", args.elasticsearchStorageGiB, 1)
        .matches(
            "args.elasticsearchMemory",
            args.elasticsearchMemory,
            /^[1-9]\d*(Mi|Gi)$/,
            "a memory quantity in Mi or Gi (e.g. 4Gi)",
        )
        .integer("args.retentionDays", args.retentionDays, 1)
        .oneOf("args.logLevel", args.logLevel, LOG_LEVELS);
}

export class Logging extends pulumi.ComponentResource {
    readonly operator: k8s.helm.v3.Release;
    readonly elasticsearch: k8s.apiextensions.CustomResource;
    readonly kibana: k8s.apiextensions.CustomResource;
    readonly fluentBit: k8s.helm.v3.Release;
    /** Installs the lifecycle policy and the index template that attaches it to every log index. */
    readonly ilmJob: k8s.batch.v1.Job;
    /** The Elasticsearch exporter (metrics for Prometheus). */
    readonly exporter: k8s.helm.v3.Release;
    /**
     * The CA (PEM, public) of Elasticsearch's HTTP certificate: what a client outside the logging
     * namespace (Grafana) verifies Elasticsearch with.
     */
    readonly elasticsearchCaPem: pulumi.Output<string>;
    /** The Secret Elasticsearch serves HTTPS with (ES_HTTP_CERT_SECRET). */
    readonly httpCertSecret: k8s.core.v1.Secret;
    /** The platform CA for the clients in the logging namespace (ES_CA_CONFIGMAP). */
    readonly caConfigMap: k8s.core.v1.ConfigMap;

    constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Logging", name, {}, opts);
        loggingArgProblems(name, args).throwIfAny();
        const provider = args.cluster.provider;

        this.operator = pinnedRelease(
            `${name}-eck-operator`,
            CHARTS.eckOperator,
            {
                releaseName: "eck-operator",
                namespace: LOGGING_NAMESPACE,
                values: {
                    installCRDs: true,
                    // Watch only the logging namespace.
                    managedNamespaces: [LOGGING_NAMESPACE],
                    telemetry: { disabled: true },
                    // The API server calls the validating webhook on the operator pod. GKE private clusters only let
                    // the control plane reach nodes on 443 and 10250 (ECK's default 9443 times out there, and with
                    // failurePolicy Ignore every Elasticsearch/Kibana change waits and goes unvalidated); EKS always
                    // allows 10250 from the control plane too. The pod has its own network namespace: no clash with
                    // the kubelet.
                    webhook: { port: ECK_WEBHOOK_PORT },
                },
            },
            { parent: this, provider, dependsOn: [args.namespace] },
        );

        const sizes = { ...SMALL_MONITORING_SIZES, ...args.sizes };
        const priorityClassName = args.priorityClassName;

        // Least-privilege users: roles.yml and one basic-auth Secret per user (ECK file realm).
        const roles = new k8s.core.v1.Secret(
            `${name}-es-roles`,
            {
                metadata: { name: ES_ROLES_SECRET, namespace: LOGGING_NAMESPACE },
                stringData: { "roles.yml": stringifyYaml(esRoles()) },
            },
            { parent: this, provider, dependsOn: [args.namespace] },
        );
        const passwords = {} as Record<EsUser, pulumi.Output<string>>;
        const tlsProvider = new tls.Provider(`${name}-tls`, {}, { parent: this });

        // Elasticsearch's HTTP certificate: CA and leaf in the Pulumi state, the CA key nowhere else.
        const http = issueHttpCertificate(
            `${name}-es-http`,
            {
                clusterName: args.cluster.name,
                service: ES_HTTP_SERVICE,
                namespace: LOGGING_NAMESPACE,
                purpose: "Elasticsearch HTTP",
                protect: args.protect ?? true,
            },
            { parent: this, provider: tlsProvider },
        );
        this.elasticsearchCaPem = http.caCertPem;
        this.httpCertSecret = new k8s.core.v1.Secret(
            `${name}-es-http-tls`,
            {
                metadata: { name: ES_HTTP_CERT_SECRET, namespace: LOGGING_NAMESPACE },
                type: "kubernetes.io/tls",
                // ECK copies these into the Secret the Elasticsearch pods mount (they reload it without
                // a restart) and publishes tls.crt and ca.crt in ES_CA_SECRET.
                stringData: {
                    "tls.crt": http.certPem,
                    "tls.key": http.keyPem,
                    "ca.crt": http.caCertPem,
                },
            },
            {
                parent: this,
                provider,
                dependsOn: [args.namespace],
                additionalSecretOutputs: ["data", "stringData"],
            },
        );
        this.caConfigMap = new k8s.core.v1.ConfigMap(
            `${name}-es-ca`,
            {
                metadata: { name: ES_CA_CONFIGMAP, namespace: LOGGING_NAMESPACE },
                data: { "ca.crt": http.caCertPem },
            },
            { parent: this, provider, dependsOn: [args.namespace] },
        );
        const userSecrets = (Object.keys(ES_USERS) as EsUser[]).map((u) => {
            const user = ES_USERS[u];
            passwords[u] = generatedPassword(`${name}-${user.username}-password`, {
                parent: this,
                provider: tlsProvider,
            });
            return new k8s.core.v1.Secret(
                `${name}-${user.username}-user`,
                {
                    metadata: { name: user.secret, namespace: LOGGING_NAMESPACE },
                    type: "kubernetes.io/basic-auth",
                    stringData: {
                        username: user.username,
                        password: passwords[u],
                        roles: user.roles.join(","),
                    },
                },
                {
                    parent: this,
                    provider,
                    dependsOn: [args.namespace],
                    additionalSecretOutputs: ["data", "stringData"],
                },
            );
        });
        // Grafana's Elasticsearch data source reads the reader's password in its own namespace.
        new k8s.core.v1.Secret(
            `${name}-grafana-reader`,
            {
                metadata: { name: GRAFANA_ES_SECRET, namespace: MONITORING_NAMESPACE },
                stringData: { username: ES_USERS.reader.username, password: passwords.reader },
            },
            {
                parent: this,
                provider,
                dependsOn: args.monitoringNamespace ? [args.monitoringNamespace] : [],
                additionalSecretOutputs: ["data", "stringData"],
            },
        );

        // Holds the logs: protected (in prod) like the other stateful resources.
        this.elasticsearch = new k8s.apiextensions.CustomResource(
            `${name}-elasticsearch`,
            elasticsearchManifest(
                args.elasticsearchNodes,
                args.elasticsearchStorageGiB,
                args.elasticsearchMemory,
                priorityClassName,
                sizes.elasticsearch.requests.cpu,
            ) as k8s.apiextensions.CustomResourceArgs,
            {
                parent: this,
                provider,
                dependsOn: [this.operator, roles, ...userSecrets, this.httpCertSecret],
                protect: args.protect ?? true,
            },
        );
        this.kibana = new k8s.apiextensions.CustomResource(
            `${name}-kibana`,
            kibanaManifest(sizes.kibana, priorityClassName) as k8s.apiextensions.CustomResourceArgs,
            { parent: this, provider, dependsOn: [this.elasticsearch] },
        );

        const replicas = args.elasticsearchNodes > 1 ? 1 : 0;
        // Pulumi waits for the Job to complete (10 minutes by default); a fresh Elasticsearch (volumes,
        // image pull, cluster formation) can take longer, so wait as long as the Job may run.
        const ilmTimeout = `${ILM_JOB_DEADLINE_SECONDS / 60}m`;
        this.ilmJob = new k8s.batch.v1.Job(
            `${name}-ilm`,
            {
                metadata: {
                    namespace: LOGGING_NAMESPACE,
                    labels: { "app.kubernetes.io/name": "log-retention" },
                },
                spec: {
                    backoffLimit: 6,
                    activeDeadlineSeconds: ILM_JOB_DEADLINE_SECONDS,
                    template: {
                        metadata: {
                            annotations: {
                                "sidecar.istio.io/inject": "false",
                                // A new CA replaces the Job (its template is immutable), which runs again.
                                [ES_CA_DIGEST_ANNOTATION]: http.caDigest,
                            },
                        },
                        spec: {
                            restartPolicy: "OnFailure",
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: 100,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            containers: [
                                {
                                    name: "put-policy",
                                    image: CURL_IMAGE,
                                    command: ["/bin/sh", "-c", ILM_SCRIPT],
                                    env: [
                                        {
                                            name: "ES_PASSWORD",
                                            valueFrom: {
                                                secretKeyRef: {
                                                    name: ES_USERS.lifecycle.secret,
                                                    key: "password",
                                                },
                                            },
                                        },
                                        // In the pod spec, so a changed policy replaces the Job and runs again.
                                        {
                                            name: "ILM_POLICY",
                                            value: JSON.stringify(ilmPolicy(args.retentionDays)),
                                        },
                                        {
                                            name: "INDEX_TEMPLATE",
                                            value: JSON.stringify(indexTemplate(replicas)),
                                        },
                                        {
                                            name: "DATA_VIEW",
                                            value: JSON.stringify(kibanaDataView()),
                                        },
                                    ],
                                    volumeMounts: [
                                        { name: "es-ca", mountPath: "/es-ca", readOnly: true },
                                        { name: "kb-ca", mountPath: "/kb-ca", readOnly: true },
                                    ],
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: { drop: ["ALL"] },
                                    },
                                },
                            ],
                            volumes: [
                                { name: "es-ca", configMap: { name: ES_CA_CONFIGMAP } },
                                { name: "kb-ca", secret: { secretName: KB_CA_SECRET } },
                            ],
                        },
                    },
                },
            },
            {
                parent: this,
                provider,
                dependsOn: [this.elasticsearch, this.kibana, this.caConfigMap],
                customTimeouts: { create: ilmTimeout, update: ilmTimeout },
            },
        );

        // Fluent Bit starts once the index template exists: an index created before it would carry no
        // lifecycle policy and never be deleted.
        this.fluentBit = pinnedRelease(
            `${name}-fluent-bit`,
            CHARTS.fluentBit,
            {
                releaseName: "fluent-bit",
                namespace: LOGGING_NAMESPACE,
                values: fluentBitValues(
                    args.logLevel,
                    { resources: sizes.fluentBit, priorityClassName: priorityClassName ?? "" },
                    http.caDigest,
                ),
            },
            {
                parent: this,
                provider,
                dependsOn: [this.elasticsearch, this.ilmJob, this.caConfigMap],
            },
        );

        this.exporter = pinnedRelease(
            `${name}-es-exporter`,
            CHARTS.elasticsearchExporter,
            {
                releaseName: "es-exporter",
                namespace: LOGGING_NAMESPACE,
                values: esExporterValues(sizes.esExporter, priorityClassName ?? "", http.caDigest),
            },
            { parent: this, provider, dependsOn: [this.elasticsearch, this.caConfigMap] },
        );

        this.registerOutputs({
            operatorStatus: this.operator.status,
            fluentBitStatus: this.fluentBit.status,
        });
    }
}
