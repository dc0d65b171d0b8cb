/**
 * The drill's Kubernetes side. @kubernetes/client-node 1.3.0 has no request timeout and its
 * generated clients pass no AbortSignal to node-fetch, so the drill builds each request from the
 * library's own KubeConfig (`applyToFetchOptions`: server, TLS, token or exec credentials) and sends
 * it with node-fetch and the caller's AbortSignal: every call ends at its deadline.
 *
 * What it does per cluster: API reachability, Velero Backups and Restores (into a mapped scratch
 * namespace), the known object (ConfigMap `dr-canary`), the `ingress-outage` fault (an Istio
 * AuthorizationPolicy DENY on the ingress gateway) and the in-mesh probe (a Job).
 */
import { createHash } from "crypto";
import * as k8s from "@kubernetes/client-node";
import fetch from "node-fetch";
import type { DrillRegionOutput } from "../lib/drill-contract";
import type { BackupInfo, Cluster, RestoreCheck, RestoreStatus } from "./ports";

/** curl for the in-mesh probe (curlimages/curl 8.11.1, multi-arch index digest). */
export const MESH_PROBE_IMAGE =
    "curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69";
export const CANARY_NAME = "dr-canary";
export const CANARY_SHA_ANNOTATION = "mesh-platform.io/dr-canary-sha256";
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "mesh-platform-drill" };
const VELERO = "/apis/velero.io/v1";
const AUTHZ = "/apis/security.istio.io/v1";

export class KubeError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "KubeError";
    }
}

/** sha256 of a ConfigMap's data with sorted keys. */
export function dataSha256(data: Readonly<Record<string, string>>): string {
    const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
    return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}

/** The fields the drill reads from Kubernetes objects (JSON from the API). */
interface Obj {
    metadata?: {
        name?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
    };
    spec?: { storageLocation?: string };
    status?: {
        phase?: string;
        startTimestamp?: string;
        completionTimestamp?: string;
        warnings?: number;
        errors?: number;
        progress?: { totalItems?: number; itemsRestored?: number };
    };
    data?: Record<string, string>;
}

export class KubeClusters implements Cluster {
    private readonly configs = new Map<string, k8s.KubeConfig>();

    constructor(
        private readonly smoke: { namespace: string; service: string; port: number },
        private readonly now: () => number = Date.now,
    ) {}

    async request(
        cluster: DrillRegionOutput,
        method: string,
        path: string,
        signal: AbortSignal,
        body?: unknown,
        contentType = "application/json",
    ): Promise<unknown> {
        const kc = this.config(cluster);
        const server = kc.getCurrentCluster()?.server;
        if (!server) throw new Error(`kubeconfig of ${cluster.name} has no current cluster`);
        const init = await kc.applyToFetchOptions({ method });
        const headers = { ...(init.headers as Record<string, string>) };
        if (body !== undefined) headers["content-type"] = contentType;
        const res = await fetch(`${server.replace(/\/$/, "")}${path}`, {
            ...init,
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            // node-fetch 2 takes a DOM AbortSignal; Node's is compatible at runtime.
            signal,
        });
        const text = await res.text();
        if (!res.ok)
            throw new KubeError(
                res.status,
                `${cluster.name}: ${method} ${path} answered ${res.status} ${text.slice(0, 200)}`,
            );
        const type = res.headers.get("content-type") ?? "";
        return type.includes("json") && text ? (JSON.parse(text) as unknown) : text;
    }

    private async ignore404<T>(p: Promise<T>): Promise<T | undefined> {
        try {
            return await p;
        } catch (e) {
            if (e instanceof KubeError && e.status === 404) return undefined;
            throw e;
        }
    }

    async reachable(cluster: DrillRegionOutput, signal: AbortSignal): Promise<void> {
        await this.request(cluster, "GET", "/version", signal);
    }

    async backups(
        cluster: DrillRegionOutput,
        schedule: string,
        signal: AbortSignal,
    ): Promise<readonly BackupInfo[]> {
        const res = (await this.request(
            cluster,
            "GET",
            `${VELERO}/namespaces/${cluster.veleroNamespace}/backups?labelSelector=${encodeURIComponent(`velero.io/schedule-name=${schedule}`)}`,
            signal,
        )) as { items?: Obj[] };
        const date = (s?: string) => (s ? new Date(s) : undefined);
        return (res.items ?? []).map((b) => ({
            name: b.metadata?.name ?? "",
            phase: b.status?.phase ?? "",
            startedAt: date(b.status?.startTimestamp),
            completedAt: date(b.status?.completionTimestamp),
            storageLocation:
                b.spec?.storageLocation ?? b.metadata?.labels?.["velero.io/storage-location"],
        }));
    }

    async ensureCanary(
        cluster: DrillRegionOutput,
        namespace: string,
        signal: AbortSignal,
    ): Promise<{ sha256: string; writtenAt: string }> {
        const path = `/api/v1/namespaces/${namespace}/configmaps`;
        const existing = (await this.ignore404(
            this.request(cluster, "GET", `${path}/${CANARY_NAME}`, signal),
        )) as Obj | undefined;
        if (existing?.data) {
            return {
                sha256: existing.metadata?.annotations?.[CANARY_SHA_ANNOTATION] ?? "",
                writtenAt: existing.data.writtenAt ?? "",
            };
        }
        const data = {
            writtenAt: new Date(this.now()).toISOString(),
            purpose: "DR drill known object",
        };
        const sha256 = dataSha256(data);
        await this.request(cluster, "POST", path, signal, {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: {
                name: CANARY_NAME,
                namespace,
                labels: MANAGED_BY,
                annotations: { [CANARY_SHA_ANNOTATION]: sha256 },
            },
            data,
        });
        return { sha256, writtenAt: data.writtenAt };
    }

    async createRestore(
        cluster: DrillRegionOutput,
        name: string,
        backupName: string,
        mapping: Readonly<Record<string, string>>,
        signal: AbortSignal,
    ): Promise<void> {
        await this.request(
            cluster,
            "POST",
            `${VELERO}/namespaces/${cluster.veleroNamespace}/restores`,
            signal,
            {
                apiVersion: "velero.io/v1",
                kind: "Restore",
                metadata: { name, namespace: cluster.veleroNamespace, labels: MANAGED_BY },
                spec: {
                    backupName,
                    includedNamespaces: Object.keys(mapping),
                    // Into scratch namespaces: the live namespaces of the secondary stay untouched.
                    namespaceMapping: { ...mapping },
                    restorePVs: true,
                },
            },
        );
    }

    async restoreStatus(
        cluster: DrillRegionOutput,
        name: string,
        signal: AbortSignal,
    ): Promise<RestoreStatus> {
        const r = (await this.request(
            cluster,
            "GET",
            `${VELERO}/namespaces/${cluster.veleroNamespace}/restores/${name}`,
            signal,
        )) as Obj;
        const s = r.status ?? {};
        return {
            phase: s.phase,
            warnings: Number(s.warnings ?? 0),
            errors: Number(s.errors ?? 0),
            totalItems: s.progress?.totalItems,
            itemsRestored: s.progress?.itemsRestored,
        };
    }

    async checkRestored(
        cluster: DrillRegionOutput,
        namespace: string,
        signal: AbortSignal,
    ): Promise<RestoreCheck> {
        const kinds: Record<string, string> = {
            configmaps: `/api/v1/namespaces/${namespace}/configmaps`,
            secrets: `/api/v1/namespaces/${namespace}/secrets`,
            services: `/api/v1/namespaces/${namespace}/services`,
            persistentvolumeclaims: `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
            deployments: `/apis/apps/v1/namespaces/${namespace}/deployments`,
            statefulsets: `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
        };
        const counts: Record<string, number> = {};
        let canary: RestoreCheck["canary"];
        for (const [kind, path] of Object.entries(kinds)) {
            const list = (await this.request(cluster, "GET", path, signal)) as { items?: Obj[] };
            counts[kind] = list.items?.length ?? 0;
            if (kind === "configmaps") {
                const c = list.items?.find((i) => i.metadata?.name === CANARY_NAME);
                if (c?.data)
                    canary = {
                        sha256: dataSha256(c.data),
                        expected: c.metadata?.annotations?.[CANARY_SHA_ANNOTATION] ?? "",
                        writtenAt: c.data.writtenAt ?? "",
                    };
            }
        }
        return { counts, canary };
    }

    async cleanupRestore(
        cluster: DrillRegionOutput,
        name: string,
        namespace: string,
        signal: AbortSignal,
    ): Promise<void> {
        await this.ignore404(
            this.request(
                cluster,
                "DELETE",
                `${VELERO}/namespaces/${cluster.veleroNamespace}/restores/${name}`,
                signal,
            ),
        );
        await this.ignore404(
            this.request(cluster, "DELETE", `/api/v1/namespaces/${namespace}`, signal),
        );
    }

    async denyIngress(
        cluster: DrillRegionOutput,
        policyName: string,
        signal: AbortSignal,
    ): Promise<void> {
        const gw = cluster.ingressGateway;
        try {
            await this.request(
                cluster,
                "POST",
                `${AUTHZ}/namespaces/${gw.namespace}/authorizationpolicies`,
                signal,
                {
                    apiVersion: "security.istio.io/v1",
                    kind: "AuthorizationPolicy",
                    metadata: { name: policyName, namespace: gw.namespace, labels: MANAGED_BY },
                    spec: {
                        selector: { matchLabels: { ...gw.selector } },
                        action: "DENY",
                        // One empty rule matches every request.
                        rules: [{}],
                    },
                },
            );
        } catch (e) {
            // Already there (a retried inject): the fault is in place.
            if (!(e instanceof KubeError && e.status === 409)) throw e;
        }
    }

    async allowIngress(
        cluster: DrillRegionOutput,
        policyName: string,
        signal: AbortSignal,
    ): Promise<void> {
        const gw = cluster.ingressGateway;
        await this.ignore404(
            this.request(
                cluster,
                "DELETE",
                `${AUTHZ}/namespaces/${gw.namespace}/authorizationpolicies/${policyName}`,
                signal,
            ),
        );
    }

    async startMeshProbe(
        cluster: DrillRegionOutput,
        name: string,
        seconds: number,
        signal: AbortSignal,
    ): Promise<void> {
        const { namespace, service, port } = this.smoke;
        const url = `http://${service}.${namespace}.svc.cluster.local:${port}/status/200`;
        const script =
            `i=0; while [ $i -lt ${Math.ceil(seconds)} ]; do ` +
            `c=$(curl -s -o /dev/null -m 2 -w '%{http_code}' ${url}); echo "$(date +%s) $c"; ` +
            "i=$((i+1)); sleep 1; done";
        await this.request(cluster, "POST", `/apis/batch/v1/namespaces/${namespace}/jobs`, signal, {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name, namespace, labels: MANAGED_BY },
            spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: Math.ceil(seconds) + 120,
                ttlSecondsAfterFinished: 600,
                template: {
                    metadata: { labels: { ...MANAGED_BY, "drill-probe": name } },
                    spec: {
                        restartPolicy: "Never",
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: 100,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "probe",
                                image: MESH_PROBE_IMAGE,
                                command: ["sh", "-c", script],
                                resources: {
                                    requests: { cpu: "10m", memory: "16Mi" },
                                    limits: { memory: "32Mi" },
                                },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    capabilities: { drop: ["ALL"] },
                                },
                            },
                        ],
                    },
                },
            },
        });
    }

    async meshProbeLog(
        cluster: DrillRegionOutput,
        name: string,
        signal: AbortSignal,
    ): Promise<string> {
        const ns = this.smoke.namespace;
        const pods = (await this.request(
            cluster,
            "GET",
            `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`drill-probe=${name}`)}`,
            signal,
        )) as { items?: Obj[] };
        const pod = pods.items?.[0]?.metadata?.name;
        if (!pod) return "";
        const log = await this.ignore404(
            this.request(
                cluster,
                "GET",
                `/api/v1/namespaces/${ns}/pods/${pod}/log?container=probe`,
                signal,
            ),
        );
        return typeof log === "string" ? log : "";
    }

    async stopMeshProbe(
        cluster: DrillRegionOutput,
        name: string,
        signal: AbortSignal,
    ): Promise<void> {
        await this.ignore404(
            this.request(
                cluster,
                "DELETE",
                `/apis/batch/v1/namespaces/${this.smoke.namespace}/jobs/${name}?propagationPolicy=Background`,
                signal,
            ),
        );
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
