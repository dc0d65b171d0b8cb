/**
 * Logging (EFK) in one cluster: the ECK operator, an Elasticsearch cluster and Kibana as ECK resources,
 * an index lifecycle policy deleting log indices `retentionDays` after creation, and Fluent Bit as a
 * DaemonSet shipping container logs.
 *
 * Fluent Bit: the tail input reads CRI/docker container logs; the kubernetes filter parses JSON log
 * lines into fields (Merge_Log), so correlation ids stay searchable fields (`correlation_id`, copied
 * from the usual spellings when absent, next to `trace_id`/`span_id`); a grep filter drops records below
 * `logLevel` (the platform keeps WARN in prod, INFO in staging, DEBUG in dev). Lines without a level are kept.
 *
 * Longer than the house's 400 lines on purpose: the pipeline is one concept (operator, Elasticsearch,
 * Kibana, index lifecycle, Fluent Bit with its parsers and filters), and its pieces share names and users.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo, LogLevel } from "../types";
import { LOGGING_NAMESPACE } from "../constants";
import { CHARTS, ELASTIC_STACK_VERSION, pinnedRelease } from "./charts";
import { ArgProblems } from "./validate";

export const ELASTICSEARCH_NAME = "logs";
export const KIBANA_NAME = "logs";
/** Names ECK derives from the Elasticsearch name. */
export const ES_HTTP_SERVICE = `${ELASTICSEARCH_NAME}-es-http`;
export const ES_USER_SECRET = `${ELASTICSEARCH_NAME}-es-elastic-user`;
export const ES_CA_SECRET = `${ELASTICSEARCH_NAME}-es-http-certs-public`;
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

/** The platform's log levels, most verbose first. */
export const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR"];
/** Level names as applications spell them, grouped by the platform's levels. */
const SPELLINGS: Readonly<Record<LogLevel, readonly string[]>> = {
    DEBUG: ["trace", "debug"],
    INFO: ["info", "information", "notice"],
    WARN: ["warn", "warning"],
    ERROR: ["error", "err", "fatal", "critical", "crit", "panic", "emerg", "alert"],
};

/** Level spellings dropped when keeping `level` and above. */
export function droppedLevels(level: LogLevel): string[] {
    return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level)).flatMap((l) => SPELLINGS[l]);
}

/** Fluent Bit's regex (Onigmo, case-insensitive) matching a level below `level`, or undefined for DEBUG. */
export function levelExcludeRegex(level: LogLevel): string | undefined {
    const names = droppedLevels(level);
    return names.length === 0 ? undefined : `(?i)^(${names.join("|")})$`;
}

const CORRELATION_SPELLINGS = [
    "correlationId",
    "correlationID",
    "x_correlation_id",
    "x-correlation-id",
    "request_id",
    "requestId",
    "x_request_id",
    "x-request-id",
];
const LEVEL_SPELLINGS = ["severity", "lvl", "log.level", "levelname"];

export function fluentBitFilters(level: LogLevel): string {
    const copy = (from: readonly string[], to: string) =>
        from.map((f) => `        Copy ${f} ${to}`).join("\n");
    const parts = [
        `[FILTER]
        Name kubernetes
        Match kube.*
        Merge_Log On
        Merge_Log_Trim On
        Keep_Log Off
        K8S-Logging.Parser On
        K8S-Logging.Exclude On
        Labels On
        Annotations Off`,
        `[FILTER]
        Name modify
        Match kube.*
${copy(LEVEL_SPELLINGS, "level")}
${copy(CORRELATION_SPELLINGS, "correlation_id")}`,
    ];
    const exclude = levelExcludeRegex(level);
    if (exclude) {
        parts.push(`[FILTER]
        Name grep
        Match kube.*
        Exclude level ${exclude}`);
    }
    return `${parts.join("\n\n")}\n`;
}

export function fluentBitOutputs(): string {
    return `[OUTPUT]
        Name es
        Match kube.*
        Host ${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc
        Port 9200
        HTTP_User elastic
        HTTP_Passwd \${ES_PASSWORD}
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

export function fluentBitValues(level: LogLevel): Record<string, unknown> {
    return {
        kind: "DaemonSet",
        // Every node, including tainted system nodes.
        tolerations: [{ operator: "Exists" }],
        env: [
            {
                name: "ES_PASSWORD",
                valueFrom: { secretKeyRef: { name: ES_USER_SECRET, key: "elastic" } },
            },
        ],
        extraVolumes: [
            {
                name: "es-ca",
                secret: { secretName: ES_CA_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] },
            },
        ],
        extraVolumeMounts: [{ name: "es-ca", mountPath: "/fluent-bit/es-ca", readOnly: true }],
        config: {
            inputs: `[INPUT]
        Name tail
        Path /var/log/containers/*.log
        Exclude_Path /var/log/containers/fluent-bit-*_${LOGGING_NAMESPACE}_*.log
        multiline.parser docker, cri
        Tag kube.*
        Mem_Buf_Limit 50MB
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

export function elasticsearchManifest(
    nodes: number,
    storageGiB: number,
    memory: string,
): Record<string, unknown> {
    return {
        apiVersion: "elasticsearch.k8s.elastic.co/v1",
        kind: "Elasticsearch",
        metadata: { name: ELASTICSEARCH_NAME, namespace: LOGGING_NAMESPACE },
        spec: {
            version: ELASTIC_STACK_VERSION,
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
                            containers: [
                                {
                                    name: "elasticsearch",
                                    resources: {
                                        requests: { memory, cpu: "500m" },
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

export function kibanaManifest(): Record<string, unknown> {
    return {
        apiVersion: "kibana.k8s.elastic.co/v1",
        kind: "Kibana",
        metadata: { name: KIBANA_NAME, namespace: LOGGING_NAMESPACE },
        spec: {
            version: ELASTIC_STACK_VERSION,
            count: 1,
            elasticsearchRef: { name: ELASTICSEARCH_NAME },
            config: { "server.ssl.supportedProtocols": [...TLS_PROTOCOLS] },
        },
    };
}

const ILM_SCRIPT = `set -eu
ES="https://${ES_HTTP_SERVICE}.${LOGGING_NAMESPACE}.svc:9200"
call() { curl -fsS --cacert /es-ca/ca.crt -u "elastic:$ES_PASSWORD" -H 'Content-Type: application/json' "$@"; }
until call "$ES/_cluster/health?wait_for_status=yellow&timeout=30s" >/dev/null; do echo "waiting for Elasticsearch"; sleep 10; done
call -X PUT "$ES/_ilm/policy/${ILM_POLICY_NAME}" -d "$ILM_POLICY"
call -X PUT "$ES/_index_template/${LOG_INDEX_PREFIX}" -d "$INDEX_TEMPLATE"
`;

export interface LoggingArgs {
    /** The cluster the logging stack runs in (its Kubernetes provider). */
    readonly cluster: Pick<ClusterInfo, "name" | "provider">;
    /** The `logging` namespace (fixed name, see LOGGING_NAMESPACE): the operator waits for it. */
    readonly namespace: k8s.core.v1.Namespace;
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
     * Protect the Elasticsearch cluster (it holds the logs) against deletion.
     * @default true: deleting it needs an explicit `protect: false` first.
     */
    readonly protect?: boolean;
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

        // Holds the logs: protected (in prod) like the other stateful resources.
        this.elasticsearch = new k8s.apiextensions.CustomResource(
            `${name}-elasticsearch`,
            elasticsearchManifest(
                args.elasticsearchNodes,
                args.elasticsearchStorageGiB,
                args.elasticsearchMemory,
            ) as k8s.apiextensions.CustomResourceArgs,
            { parent: this, provider, dependsOn: [this.operator], protect: args.protect ?? true },
        );
        this.kibana = new k8s.apiextensions.CustomResource(
            `${name}-kibana`,
            kibanaManifest() as k8s.apiextensions.CustomResourceArgs,
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
                        metadata: { annotations: { "sidecar.istio.io/inject": "false" } },
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
                                                    name: ES_USER_SECRET,
                                                    key: "elastic",
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
                                    ],
                                    volumeMounts: [
                                        { name: "es-ca", mountPath: "/es-ca", readOnly: true },
                                    ],
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: { drop: ["ALL"] },
                                    },
                                },
                            ],
                            volumes: [{ name: "es-ca", secret: { secretName: ES_CA_SECRET } }],
                        },
                    },
                },
            },
            {
                parent: this,
                provider,
                dependsOn: [this.elasticsearch],
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
                values: fluentBitValues(args.logLevel),
            },
            { parent: this, provider, dependsOn: [this.elasticsearch, this.ilmJob] },
        );

        this.registerOutputs({
            operatorStatus: this.operator.status,
            fluentBitStatus: this.fluentBit.status,
        });
    }
}
