/**
 * Composition of the golden path, per cluster: Argo Rollouts, the smoke service (what post-deploy
 * verification and the drill's probes call), and the stack's example services (`exampleServices`),
 * all built with MeshService on the mesh's facts. Also the `verify` stack output that
 * `npm run verify` reads.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ExampleServiceConfig, PlatformConfig } from "../config";
import { ISTIO_NAMESPACE, MONITORING_NAMESPACE } from "../components/constants";
import type { ClusterMeshInfo } from "../components/mesh";
import { ArgoRollouts } from "../components/rollouts";
import { MeshService, MeshServiceArgs, ServiceNamespace } from "../components/service";
import type { ClusterInfo } from "../components/types";
import type { ComposedMesh } from "./mesh";

/**
 * The smoke contract (shared with the drill's probes): namespace `mesh-smoke`, Service `smoke` on port 80
 * in every cluster, public path `/smoke/` rewritten to `/`, and the header that pins a request to one
 * cluster's pods (`x-mesh-cluster: <cluster>`), which is how a region's ingress reaches the other
 * region's smoke pods through the east-west gateway.
 */
export const SMOKE = {
    namespace: "mesh-smoke",
    service: "smoke",
    port: 80,
    containerPort: 8080,
    publicPath: "/smoke/",
    clusterHeader: "x-mesh-cluster",
    /** go-httpbin shows environment variables with the HTTPBIN_ENV_ prefix on /env: each pod names its cluster. */
    clusterEnv: "HTTPBIN_ENV_CLUSTER",
} as const;

/**
 * mccutchen/go-httpbin v2.25.0 (maintained; the image Istio's samples use), the OCI index digest of
 * ghcr.io/mccutchen/go-httpbin:v2.25.0. Listens on 8080 as the distroless `nonroot` user (65532).
 */
export const SMOKE_IMAGE =
    "ghcr.io/mccutchen/go-httpbin:v2.25.0@sha256:20739736d4eb8dc1b998dff701f437b8bd62dcc46492bd0d861e89890ca36500";
const HTTPBIN_USER = 65532;

/** Namespace of the example services. */
export const EXAMPLES_NAMESPACE = "examples";
/** The tenant's front door that the examples admit (GET and HEAD only). */
const EXAMPLE_CALLER = "user/frontend-service";

/**
 * The cluster's Prometheus as kube-prometheus-stack names it (release `kube-prometheus-stack` in
 * `monitoring`, components/observability/metrics.ts: Service `<release>-prometheus`, port 9090).
 */
export const PROMETHEUS_ADDRESS = `http://kube-prometheus-stack-prometheus.${MONITORING_NAMESPACE}.svc.cluster.local:9090`;

/** The `verify` stack output: what `npm run verify` checks, per region. */
export interface VerifyOutputs {
    readonly stack: string;
    readonly publicHostname: string;
    readonly mesh: {
        readonly istioNamespace: string;
        readonly revisions: readonly string[];
        readonly mtlsMode: string;
    };
    readonly smoke: typeof SMOKE;
    readonly regions: readonly {
        readonly name: string;
        readonly kubeconfig: pulumi.Output<string>;
        readonly ingressHostname: pulumi.Input<string>;
        readonly ingressPort: number;
    }[];
}

/** The smoke service's args in one cluster (pure: tests check them). */
export function smokeArgs(
    cluster: Pick<ClusterInfo, "name" | "provider">,
    mesh: ClusterMeshInfo,
    clusters: readonly string[],
    minReplicas: number,
): MeshServiceArgs {
    const t = mesh.tenant;
    return {
        provider: cluster.provider,
        serviceName: SMOKE.service,
        namespace: SMOKE.namespace,
        image: SMOKE_IMAGE,
        containerPort: SMOKE.containerPort,
        servicePort: SMOKE.port,
        // go-httpbin has no /health or /ready; /status/200 answers 200 while the server runs.
        probes: { liveness: "/status/200", readiness: "/status/200" },
        runAsUser: HTTPBIN_USER,
        minReplicas,
        maxReplicas: Math.max(3, minReplicas),
        env: { [SMOKE.clusterEnv]: cluster.name },
        localities: t.localities,
        // Only the ingress gateway (of either region: one trust domain, one principal), only reads, only
        // the status codes and the cluster name: the rest of httpbin stays unreachable from the internet.
        allowFrom: [
            {
                principal: t.ingressPrincipal,
                methods: ["GET", "HEAD"],
                paths: ["/status/*", "/env"],
            },
        ],
        publicRoute: {
            gateway: t.publicGatewayRef,
            hosts: t.publicHostnames,
            prefix: SMOKE.publicPath,
            rewrite: "/",
        },
        clusterRouting: { header: SMOKE.clusterHeader, clusters },
    };
}

/** One example service's args: a canary Rollout with analysis and/or the HTTP cache on. */
export function exampleArgs(
    e: ExampleServiceConfig,
    cluster: Pick<ClusterInfo, "provider">,
    mesh: ClusterMeshInfo,
    minReplicas: number,
): MeshServiceArgs {
    return {
        provider: cluster.provider,
        serviceName: e.name,
        namespace: EXAMPLES_NAMESPACE,
        image: e.image ?? SMOKE_IMAGE,
        containerPort: SMOKE.containerPort,
        probes: { liveness: "/status/200", readiness: "/status/200" },
        ...(e.image === undefined ? { runAsUser: HTTPBIN_USER } : {}),
        minReplicas,
        localities: mesh.tenant.localities,
        allowFrom: [{ service: EXAMPLE_CALLER, methods: ["GET", "HEAD"] }],
        cache: e.cache,
        ...(e.canary ? { canary: { prometheusAddress: PROMETHEUS_ADDRESS } } : {}),
    };
}

/** Argo Rollouts, the smoke service and the examples in every cluster; returns the `verify` output. */
export function composeServices(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
    mesh: ComposedMesh,
): VerifyOutputs {
    const names = clusters.map((c) => c.name);
    const minReplicas = cfg.profile.minReplicas;
    for (const cluster of clusters) {
        const m = mesh.clusters[cluster.name];
        const t = m.tenant;
        const rollouts = new ArgoRollouts(`${cluster.name}-rollouts`, {
            provider: cluster.provider,
            replicas: minReplicas,
            dependsOn: cluster.ready,
        });
        const namespace = (ns: string) =>
            new ServiceNamespace(`${cluster.name}-ns-${ns}`, {
                provider: cluster.provider,
                namespace: ns,
                injectionLabels: t.injectionLabels,
                meshConfigReady: t.configReady,
            });
        const workloadsReady = [...cluster.ready, ...t.configReady, ...t.ready];
        const smokeNs = namespace(SMOKE.namespace);
        new MeshService(`${cluster.name}-smoke`, {
            ...smokeArgs(cluster, m, names, minReplicas),
            dependsOn: [smokeNs.namespace, ...workloadsReady],
        });
        if (cfg.exampleServices.length === 0) continue;
        const examplesNs = namespace(EXAMPLES_NAMESPACE);
        for (const e of cfg.exampleServices) {
            new MeshService(`${cluster.name}-example-${e.name}`, {
                ...exampleArgs(e, cluster, m, minReplicas),
                dependsOn: [
                    examplesNs.namespace,
                    ...workloadsReady,
                    ...(e.canary ? [rollouts.release] : []),
                ],
            });
        }
    }
    return {
        stack: cfg.stack,
        publicHostname: cfg.dns.hostname,
        mesh: {
            istioNamespace: ISTIO_NAMESPACE,
            revisions: [mesh.revision],
            mtlsMode: cfg.mesh.mtlsMode,
        },
        smoke: SMOKE,
        regions: clusters.map((c) => ({
            name: c.name,
            kubeconfig: pulumi.secret(c.kubeconfig),
            ingressHostname: mesh.clusters[c.name].ingressHostname,
            ingressPort: 443,
        })),
    };
}
