/**
 * Metrics and alerting in one cluster: kube-prometheus-stack (Prometheus on persistent storage with the
 * profile's retention, Alertmanager, Grafana), the platform's PrometheusRule, Istio and cert-manager
 * scrape targets, and the golden-signals dashboard.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Cloud } from "../../lib/cloud";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { MONITORING_NAMESPACE } from "../constants";
import { CHARTS, pinnedRelease } from "./charts";
import {
    alertmanagerConfig, CHAT_URL_FILE, needsReceiverSecret, PAGER_KEY_FILE, RECEIVER_SECRET_NAME, SMTP_PASSWORD_FILE, ReceiverPresence, receiverAdvisories,
    receiverPresence,
} from "./alertmanager";
import { DASHBOARD_FILE, goldenSignalsDashboard } from "./dashboards/golden-signals";
import { Manifest, prometheusRule, scrapeMonitors } from "./monitors";

export interface MetricsArgs {
    readonly cfg: PlatformConfig;
    readonly cluster: Pick<ClusterInfo, "name" | "cloud" | "cloudRegion" | "provider">;
    readonly namespace: k8s.core.v1.Namespace;
}

export interface PrometheusStackInputs {
    readonly cfg: Pick<PlatformConfig, "observability" | "profile" | "alerting">;
    readonly cluster: string;
    /** Decides which node-level DNS and proxy components exist to be scraped. */
    readonly cloud: Cloud;
    readonly region: string;
    readonly receivers: ReceiverPresence;
}

/** Values for kube-prometheus-stack (plain data: no secret ever appears here). */
export function prometheusStackValues(p: PrometheusStackInputs): Record<string, unknown> {
    const obs = p.cfg.observability;
    const replicas = p.cfg.profile.minReplicas;
    const withSecret = needsReceiverSecret(p.receivers);
    const pvc = (gib: number) => ({
        volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gib}Gi` } } } },
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
            ? { kubeProxy: { enabled: false }, coreDns: { enabled: false }, kubeDns: { enabled: true } }
            : { kubeProxy: { enabled: true }, coreDns: { enabled: true }, kubeDns: { enabled: false } }),
        defaultRules: {
            create: true,
            rules: { etcd: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeControllerManager: false, windows: false },
        },
        prometheus: {
            prometheusSpec: {
                replicas,
                retention: `${obs.metricsRetentionDays}d`,
                // Size-based retention as a safety net below the volume size, so a full disk never stops ingestion.
                retentionSize: `${Math.floor(obs.prometheusStorageGiB * 0.9)}GB`,
                storageSpec: pvc(obs.prometheusStorageGiB),
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
            config: alertmanagerConfig(p.cfg.alerting, p.receivers),
            alertmanagerSpec: {
                replicas,
                secrets: withSecret ? [RECEIVER_SECRET_NAME] : [],
                storage: pvc(5),
            },
        },
        grafana: {
            defaultDashboardsEnabled: true,
            defaultDashboardsTimezone: "utc",
            // No adminPassword: the Grafana chart generates one into its Secret.
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
        },
    };
}

export class Metrics extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly manifests: Manifest[];

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Metrics", name, {}, opts);
        const { cfg, cluster } = args;
        const provider = cluster.provider;
        const receivers = receiverPresence(cfg.alerting);
        const advisories = receiverAdvisories(receivers);
        if (advisories.length > 0) pulumi.log.warn(`${cluster.name}: ${advisories.join("; ")}`, this);

        const dependsOn: pulumi.Resource[] = [args.namespace];
        if (needsReceiverSecret(receivers)) {
            const stringData: Record<string, pulumi.Input<string>> = {};
            if (cfg.alerting.pagerRoutingKey) stringData[PAGER_KEY_FILE] = cfg.alerting.pagerRoutingKey;
            if (cfg.alerting.chatWebhookUrl) stringData[CHAT_URL_FILE] = cfg.alerting.chatWebhookUrl;
            if (receivers.smtpAuth && cfg.alerting.smtpPassword) stringData[SMTP_PASSWORD_FILE] = cfg.alerting.smtpPassword;
            dependsOn.push(new k8s.core.v1.Secret(`${name}-receivers`, {
                metadata: { name: RECEIVER_SECRET_NAME, namespace: MONITORING_NAMESPACE },
                type: "Opaque",
                stringData: pulumi.secret(stringData),
            }, { parent: this, provider, dependsOn: [args.namespace], additionalSecretOutputs: ["data", "stringData"] }));
        }

        this.release = pinnedRelease(`${name}-release`, CHARTS.kubePrometheusStack, {
            releaseName: "kube-prometheus-stack",
            namespace: MONITORING_NAMESPACE,
            values: prometheusStackValues({ cfg, cluster: cluster.name, cloud: cluster.cloud, region: cluster.cloudRegion, receivers }),
        }, { parent: this, provider, dependsOn });

        this.manifests = [prometheusRule({ cluster: cluster.name, region: cluster.cloudRegion }), ...scrapeMonitors()];
        for (const m of this.manifests) {
            new k8s.apiextensions.CustomResource(`${name}-${m.kind.toLowerCase()}-${m.metadata.name}`, m, {
                parent: this, provider, dependsOn: [this.release],
            });
        }

        new k8s.core.v1.ConfigMap(`${name}-dashboard`, {
            metadata: { name: "istio-golden-signals-dashboard", namespace: MONITORING_NAMESPACE, labels: { grafana_dashboard: "1" } },
            data: { [DASHBOARD_FILE]: JSON.stringify(goldenSignalsDashboard(), null, 2) },
        }, { parent: this, provider, dependsOn: [args.namespace] });

        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
