/**
 * Composition of the per-cluster add-ons: certificates (cert-manager) and observability. This is where
 * the stack config becomes the components' args, including the few sizes that follow the environment,
 * and where Grafana gets its own cloud identity (GrafanaIdentity, the cluster's provider) and the
 * stack's backup replication for its DR dashboard (from the backup area's RegionBackup list).
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { AlertingConfig, PlatformConfig } from "../config";
import type { Environment } from "../config/profiles";
import { CertManager, CertManagerArgs, Dns01Target } from "../components/certificates";
import {
    GrafanaIdentity,
    NO_REPLICATION,
    Observability,
    ObservabilityArgs,
    ThanosBucket,
} from "../components/observability";
import type {
    BackupReplication,
    CloudMetricsArgs,
    LongTermStoreArgs,
} from "../components/observability";
import type { RegionBackup } from "../components/backup";
import type { ServiceErrorRate } from "../components/observability/rules/types";
import { DEFAULT_SERVICE_ERROR_RATES } from "../components/observability/rules/alerts";
import { MonitoringSizes, res, SMALL_MONITORING_SIZES } from "../components/observability/sizing";
import { GATEWAY_NAMESPACE } from "../components/constants";
import type { ClusterInfo } from "../components/types";

export interface AddonInputs {
    /** The mesh's gateway namespace in this cluster: the ingress certificate's secret lands there. */
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    /** The mesh's labels and readiness for namespaces that join it (the Thanos namespace). */
    readonly tenant?: {
        readonly injectionLabels: Readonly<Record<string, string>>;
        readonly ready: readonly pulumi.Resource[];
    };
}

/**
 * `alerting.criticalErrorRates` as the rules' per-service thresholds; the owning team is the guide's
 * for the default services and `backend` for any other.
 */
export function serviceErrorRates(rates: Readonly<Record<string, number>>): ServiceErrorRate[] {
    return Object.entries(rates).map(([service, maxErrorPercent]) => ({
        service,
        maxErrorPercent,
        team: DEFAULT_SERVICE_ERROR_RATES.find((d) => d.service === service)?.team ?? "backend",
    }));
}

/** Jaeger's Badger volume per environment: a week of spans at the environment's sampling rate. */
export const TRACES_STORAGE_GIB: Readonly<Record<Environment, number>> = {
    prod: 50,
    staging: 20,
    dev: 10,
};
/** Elasticsearch container memory per node and environment (the JVM heap is half of it). */
export const ES_MEMORY: Readonly<Record<Environment, string>> = {
    prod: "4Gi",
    staging: "2Gi",
    dev: "2Gi",
};

/** Where this cluster's cert-manager writes challenge records: the stack's zone, through the cluster's region. */
export function dns01Target(
    cfg: Pick<PlatformConfig, "dns" | "gcpProject">,
    cluster: Pick<ClusterInfo, "cloudRegion">,
): Dns01Target {
    if (cfg.dns.provider === "route53")
        return { provider: "route53", hostedZoneId: cfg.dns.zoneId, region: cluster.cloudRegion };
    if (!cfg.gcpProject)
        throw new Error(
            "mesh-platform:gcpProject: is required for clouddns DNS-01 challenges (got nothing)",
        );
    return { provider: "clouddns", project: cfg.gcpProject, managedZone: cfg.dns.zoneId };
}

export function certManagerArgs(
    cfg: PlatformConfig,
    cluster: ClusterInfo,
    mesh: AddonInputs,
): CertManagerArgs {
    return {
        cluster,
        dns01: dns01Target(cfg, cluster),
        zoneName: cfg.dns.zoneName,
        acmeEmail: cfg.certificates.acmeEmail,
        hostnames: cfg.certificates.hostnames,
        issuer: cfg.certificates.issuer,
        tlsSecretName: cfg.mesh.ingressTlsSecretName,
        gatewayNamespace: GATEWAY_NAMESPACE,
        replicas: cfg.profile.minReplicas,
        dependsOn: [mesh.gatewayNamespace],
    };
}

/**
 * Requests and limits of the monitoring workloads per environment, sized to the node band of
 * config/profiles.ts (prod: system nodes m6i.large x3+, staging m6i.large x2, dev t3.large x1): the
 * per-node DaemonSets (Fluent Bit, node-exporter) stay small, Prometheus gets the most.
 */
export const MONITORING_SIZES: Readonly<Record<Environment, MonitoringSizes>> = {
    prod: {
        ...SMALL_MONITORING_SIZES,
        prometheus: res("1", "4Gi", "6Gi"),
        alertmanager: res("50m", "128Mi", "256Mi"),
        grafana: res("100m", "512Mi", "1Gi"),
        operator: res("100m", "256Mi", "512Mi"),
        kubeStateMetrics: res("100m", "256Mi", "512Mi"),
        nodeExporter: res("50m", "64Mi", "128Mi"),
        fluentBit: res("100m", "128Mi", "512Mi"),
        kibana: res("500m", "2Gi"),
        jaeger: res("250m", "512Mi", "2Gi"),
        // Memory per node is ES_MEMORY; the CPU request is per band.
        elasticsearch: res("1", ES_MEMORY.prod),
    },
    staging: {
        ...SMALL_MONITORING_SIZES,
        prometheus: res("500m", "2Gi", "3Gi"),
        grafana: res("100m", "256Mi", "512Mi"),
        fluentBit: res("50m", "96Mi", "384Mi"),
        jaeger: res("100m", "384Mi", "1Gi"),
    },
    dev: SMALL_MONITORING_SIZES,
};

/**
 * The replication of every region's backups, as the DR dashboard shows it: each S3 rule (both
 * directions, with its source region) and each dual-region GCS bucket. Empty with a single region.
 */
export function backupReplication(
    backups: readonly RegionBackup[],
): pulumi.Output<BackupReplication> {
    const s3 = backups.flatMap((b) => {
        const r = b.replication;
        if (r?.kind !== "s3" || b.peerRegion === undefined) return [];
        const destinationRegion = b.peerRegion;
        return [
            pulumi
                .all([r.sourceBucket, r.destinationBucket])
                .apply(([sourceBucket, destinationBucket]) => ({
                    sourceRegion: b.region,
                    destinationRegion,
                    cloudRegion: r.cloudRegion,
                    sourceBucket,
                    destinationBucket,
                    ruleId: r.ruleId,
                })),
        ];
    });
    const gcsTurbo = backups.flatMap((b) => {
        const r = b.replication;
        if (r?.kind !== "gcs-turbo") return [];
        return [r.bucket.apply((bucket) => ({ region: b.region, project: r.project, bucket }))];
    });
    return pulumi.all([pulumi.all(s3), pulumi.all(gcsTurbo)]).apply(([s3Rules, buckets]) => ({
        ...NO_REPLICATION,
        s3: s3Rules,
        gcsTurbo: buckets,
    }));
}

export function observabilityArgs(
    cfg: PlatformConfig,
    cluster: ClusterInfo,
    longTermStore?: LongTermStoreArgs,
    cloudMetrics?: CloudMetricsArgs,
): ObservabilityArgs {
    const obs = cfg.observability;
    return {
        cluster,
        sizes: MONITORING_SIZES[cfg.environment],
        longTermStore,
        metrics: {
            retentionDays: obs.metricsRetentionDays,
            storageGiB: obs.prometheusStorageGiB,
            replicas: cfg.profile.minReplicas,
            alerting: cfg.alerting,
            databaseTargets: cfg.alerting.databaseTargets,
            cloudMetrics,
            rules: {
                serviceErrorRates: serviceErrorRates(cfg.alerting.criticalErrorRates),
                backupMaxAge: [
                    {
                        schedule: ".*assessment.*",
                        maxAgeMinutes: cfg.backup.examsRpoMinutes,
                        what: "exams",
                    },
                    { schedule: ".*daily.*", maxAgeMinutes: 25 * 60, what: "daily" },
                ],
            },
        },
        tracing: {
            retentionDays: obs.tracesRetentionDays,
            storageGiB: TRACES_STORAGE_GIB[cfg.environment],
            protect: cfg.protect,
        },
        logging: {
            elasticsearchNodes: obs.elasticsearchNodes,
            elasticsearchStorageGiB: obs.elasticsearchStorageGiB,
            elasticsearchMemory: ES_MEMORY[cfg.environment],
            retentionDays: obs.logsRetentionDays,
            logLevel: obs.logLevel,
            protect: cfg.protect,
        },
    };
}

/** Messages naming the alerting secrets that are not set, and how to set them; empty when all are. */
export function alertingAdvisories(alerting: Partial<AlertingConfig>): string[] {
    const out: string[] = [];
    if (alerting.pagerRoutingKey === undefined) {
        out.push(
            "alerting: no pager receiver (set it with `pulumi config set --secret mesh-platform:alertingPagerKey <PagerDuty routing key>`); critical alerts go to email until then",
        );
    }
    if (alerting.chatWebhookUrl === undefined) {
        out.push(
            "alerting: no chat receiver (set it with `pulumi config set --secret mesh-platform:alertingChatWebhook <https://hooks.slack.com/...>`); warning alerts go to email until then",
        );
    }
    if (alerting.heartbeatUrl === undefined) {
        out.push(
            "alerting: no dead man's switch (set alerting.heartbeatUrl, e.g. https://hc-ping.com/{secret}/mesh-prod-{cluster}, and `pulumi config set --secret mesh-platform:alertingHeartbeatSecret <ping key>`); a dead Prometheus, Alertmanager or region pages nobody until then",
        );
    }
    return out;
}

export function composeClusterAddons(
    cfg: PlatformConfig,
    cluster: ClusterInfo,
    mesh: AddonInputs,
    backups: readonly RegionBackup[] = [],
): pulumi.Resource[] {
    const certificates = new CertManager(
        `${cluster.name}-certificates`,
        certManagerArgs(cfg, cluster, mesh),
    );
    // The region's long-term metrics bucket and its one identity (cloud resources, the cluster's provider).
    const bucket = new ThanosBucket(`${cluster.name}-thanos-bucket`, {
        cluster,
        protect: cfg.protect,
    });
    const longTermStore: LongTermStoreArgs | undefined = mesh.tenant
        ? {
              objstoreConfig: bucket.objstoreConfig,
              serviceAccountAnnotations: bucket.serviceAccountAnnotations,
              regions: cfg.regions.map((r) => r.name),
              meshNamespaceLabels: mesh.tenant.injectionLabels,
              meshReady: [...mesh.tenant.ready],
              replicas: cfg.profile.minReplicas,
          }
        : undefined;
    // Grafana's own identity (cloud resources, the cluster's provider): CloudWatch / Cloud Monitoring
    // reads for the DR dashboard's replication panels, nothing else.
    const grafana = new GrafanaIdentity(`${cluster.name}-grafana`, { cluster });
    const cloudMetrics: CloudMetricsArgs = {
        dataSource: grafana.dataSource,
        serviceAccountName: grafana.serviceAccountName,
        serviceAccountAnnotations: grafana.serviceAccountAnnotations,
        replication: backupReplication(backups),
    };
    // Only the Thanos namespace joins the mesh (for the cross-region StoreAPI); the rest of
    // observability stays outside it and installs in parallel with the mesh.
    const observability = new Observability(
        `${cluster.name}-observability`,
        observabilityArgs(cfg, cluster, longTermStore, cloudMetrics),
    );
    const advisories = alertingAdvisories(cfg.alerting);
    if (advisories.length > 0)
        pulumi.log.warn(`${cluster.name}: ${advisories.join("; ")}`, observability.metrics);
    return [certificates, bucket, grafana, observability];
}
