/**
 * The drill's Kubernetes side (@kubernetes/client-node): Velero Backup and Restore objects and an
 * API reachability probe, each against the cluster whose kubeconfig the stack outputs carry.
 */
import * as k8s from "@kubernetes/client-node";
import type { DrillRegionOutput } from "../lib/drill-contract";
import type { BackupCatalog, BackupInfo, ClusterProbe, RestoreRunner } from "./ports";

const VELERO = { group: "velero.io", version: "v1" } as const;

interface VeleroObject {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { storageLocation?: string };
    status?: { phase?: string; completionTimestamp?: string };
}

export class KubeVelero implements BackupCatalog, RestoreRunner, ClusterProbe {
    private readonly configs = new Map<string, k8s.KubeConfig>();

    async list(cluster: DrillRegionOutput, scheduleName: string): Promise<readonly BackupInfo[]> {
        const api = this.config(cluster).makeApiClient(k8s.CustomObjectsApi);
        const res = (await api.listNamespacedCustomObject({
            ...VELERO,
            namespace: cluster.veleroNamespace,
            plural: "backups",
            labelSelector: `velero.io/schedule-name=${scheduleName}`,
        })) as { items?: VeleroObject[] };
        return (res.items ?? []).map((b) => ({
            name: b.metadata?.name ?? "",
            phase: b.status?.phase ?? "",
            completedAt: b.status?.completionTimestamp
                ? new Date(b.status.completionTimestamp)
                : undefined,
            storageLocation:
                b.spec?.storageLocation ?? b.metadata?.labels?.["velero.io/storage-location"],
        }));
    }

    async create(
        cluster: DrillRegionOutput,
        name: string,
        backupName: string,
        namespaces: readonly string[],
    ): Promise<void> {
        const api = this.config(cluster).makeApiClient(k8s.CustomObjectsApi);
        await api.createNamespacedCustomObject({
            ...VELERO,
            namespace: cluster.veleroNamespace,
            plural: "restores",
            body: {
                apiVersion: "velero.io/v1",
                kind: "Restore",
                metadata: {
                    name,
                    namespace: cluster.veleroNamespace,
                    labels: { "app.kubernetes.io/managed-by": "mesh-platform-drill" },
                },
                spec: {
                    backupName,
                    includedNamespaces: [...namespaces],
                    // Existing objects in the secondary are left alone; only missing ones are restored.
                    existingResourcePolicy: "none",
                    restorePVs: true,
                },
            },
        });
    }

    async phase(cluster: DrillRegionOutput, name: string): Promise<string | undefined> {
        const api = this.config(cluster).makeApiClient(k8s.CustomObjectsApi);
        const obj = (await api.getNamespacedCustomObject({
            ...VELERO,
            namespace: cluster.veleroNamespace,
            plural: "restores",
            name,
        })) as VeleroObject;
        return obj.status?.phase;
    }

    async reachable(cluster: DrillRegionOutput): Promise<void> {
        await this.config(cluster).makeApiClient(k8s.VersionApi).getCode();
    }

    private config(cluster: DrillRegionOutput): k8s.KubeConfig {
        let kc = this.configs.get(cluster.name);
        if (!kc) {
            kc = new k8s.KubeConfig();
            kc.loadFromString(cluster.kubeconfig);
            this.configs.set(cluster.name, kc);
        }
        return kc;
    }
}
