/**
 * Argo Rollouts in one cluster: the official argo-helm chart (lib/charts.ts), controller only, with the
 * RBAC of the Istio traffic router and none of the other providers'. MeshServices with `canary` set
 * declare Rollouts and AnalysisTemplates that this controller runs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../lib/charts";

/** Fixed: the controller's RBAC and its metrics Service live here. */
export const ROLLOUTS_NAMESPACE = "argo-rollouts";
/**
 * v1.9.1 (2026-07-06) rather than the chart's v1.9.0: CVE-2026-35469 and a traffic-routing fix. The
 * digest is the multi-arch index of quay.io/argoproj/argo-rollouts:v1.9.1 (see docs/decisions.md
 * "Golden path" for where it was read and how to re-check it).
 */
export const ROLLOUTS_IMAGE_TAG =
    "v1.9.1@sha256:15c0d41f2c69a382d4399bcb28ed4f03ee9f58b56cfc9e6cd55bcbf0f311c06d";

/** Every traffic provider the chart can grant RBAC for; only Istio is on. */
const PROVIDERS = [
    "istio",
    "smi",
    "ambassador",
    "awsLoadBalancerController",
    "awsAppMesh",
    "traefik",
    "apisix",
    "contour",
    "glooPlatform",
    "gatewayAPI",
] as const;

export interface ArgoRolloutsArgs {
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /**
     * Controller replicas (leader election; with more than one, a PodDisruptionBudget keeps one up).
     * @default 2 (the chart's default)
     */
    readonly replicas?: number;
    /**
     * What the release waits for (the cluster's nodes).
     * @default []
     */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/** Chart values (plain data; every key checked against charts/argo-rollouts/values.yaml at argo-rollouts-2.41.0). */
export function rolloutsValues(replicas: number): Record<string, unknown> {
    const selector = {
        "app.kubernetes.io/name": "argo-rollouts",
        "app.kubernetes.io/component": "rollouts-controller",
    };
    return {
        installCRDs: true,
        // CRDs stay when the release goes: deleting them would delete every Rollout in the cluster.
        keepCRDs: true,
        clusterInstall: true,
        controller: {
            replicas,
            image: { tag: ROLLOUTS_IMAGE_TAG },
            resources: {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "500m", memory: "512Mi" },
            },
            metrics: { enabled: true },
            pdb: replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: selector },
                },
            ],
        },
        dashboard: { enabled: false },
        providerRBAC: {
            enabled: true,
            providers: Object.fromEntries(PROVIDERS.map((p) => [p, p === "istio"])),
        },
    };
}

export class ArgoRollouts extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ArgoRolloutsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:rollouts:ArgoRollouts", name, {}, opts);
        if (!args.provider) throw new Error(`ArgoRollouts ${name}: args.provider is required`);
        const replicas = args.replicas ?? 2;
        if (!Number.isInteger(replicas) || replicas < 1)
            throw new Error(
                `ArgoRollouts ${name}: args.replicas is ${replicas}; must be an integer >= 1`,
            );
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: ROLLOUTS_NAMESPACE,
                    labels: { "app.kubernetes.io/managed-by": "pulumi" },
                },
            },
            { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] },
        );
        const chart = CHARTS.argoRollouts;
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: "argo-rollouts",
                chart: chart.chart,
                version: chart.version,
                repositoryOpts: { repo: chart.repo },
                namespace: ROLLOUTS_NAMESPACE,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                values: rolloutsValues(replicas),
            },
            {
                parent: this,
                provider: args.provider,
                dependsOn: [namespace, ...(args.dependsOn ?? [])],
            },
        );
        this.registerOutputs({});
    }
}
