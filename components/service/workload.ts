/**
 * The Kubernetes side of a MeshService, as plain manifests (pure: tests validate them, the component
 * declares them): ServiceAccount, Service (and the canary Service), Deployment or Argo Rollout, HPA and
 * PodDisruptionBudget.
 */
import type { ResolvedServiceArgs } from "./args";
import { APP_RESOURCES, HPA_TARGETS, sidecarResourceAnnotations } from "./sizing";

/** A Kubernetes object as the builders return it. */
export interface KubeManifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace: string;
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
    };
    readonly spec?: Record<string, unknown>;
    readonly [key: string]: unknown;
}

export const ROLLOUT_API = "argoproj.io/v1alpha1";
/** Labels every object of a service carries; `app` is what Istio telemetry and policies select on. */
export const serviceLabels = (name: string): Record<string, string> => ({
    app: name,
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/managed-by": "pulumi",
});
export const selectorLabels = (name: string): Record<string, string> => ({ app: name });
export const canaryServiceName = (name: string): string => `${name}-canary`;
/** The VirtualService of the public route (traffic.ts). */
export const publicVirtualServiceName = (name: string): string => `${name}-public`;
/** Metric the optional requests-per-second HPA target reads from the custom metrics API. */
export const RPS_METRIC = "istio_requests_per_second";
/** Zone label the topology spread uses (well-known, set by EKS and GKE on every node). */
export const ZONE_KEY = "topology.kubernetes.io/zone";

const meta = (a: ResolvedServiceArgs, name = a.name) => ({
    name,
    namespace: a.namespace,
    labels: serviceLabels(a.name),
});

export function serviceAccount(a: ResolvedServiceArgs): KubeManifest {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: meta(a),
        // Pods mount no API token: the sidecar uses its own projected istio-token, the app needs none.
        automountServiceAccountToken: false,
    };
}

/** The Service callers use (and, for a canary, the one Argo points at the canary pods). */
export function services(a: ResolvedServiceArgs): KubeManifest[] {
    const svc = (name: string): KubeManifest => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(a, name),
        spec: {
            selector: selectorLabels(a.name),
            ports: [
                {
                    name: "http",
                    port: a.servicePort,
                    targetPort: "http",
                    protocol: "TCP",
                    // Istio's protocol selection: HTTP, so retries, timeouts and authorization by path apply.
                    appProtocol: "http",
                },
            ],
        },
    });
    return a.canary ? [svc(a.name), svc(canaryServiceName(a.name))] : [svc(a.name)];
}

/** The pod template: probes, resources, sidecar sizing, zone spread, a locked-down container. */
export function podTemplate(a: ResolvedServiceArgs): Record<string, unknown> {
    const probe = (path: string, period: number) => ({
        httpGet: { path, port: "http" },
        periodSeconds: period,
        timeoutSeconds: 2,
        failureThreshold: 3,
    });
    // A Rollout labels its pods with rollouts-pod-template-hash, a Deployment with pod-template-hash:
    // spreading per revision keeps a rolling update from piling new pods into one zone.
    const hashKey = a.canary ? "rollouts-pod-template-hash" : "pod-template-hash";
    return {
        metadata: {
            labels: serviceLabels(a.name),
            annotations: sidecarResourceAnnotations(),
        },
        spec: {
            serviceAccountName: a.name,
            automountServiceAccountToken: false,
            securityContext: {
                runAsNonRoot: true,
                ...(a.runAsUser !== undefined ? { runAsUser: a.runAsUser } : {}),
                seccompProfile: { type: "RuntimeDefault" },
            },
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: ZONE_KEY,
                    // ScheduleAnyway: a zone without room delays nothing; the scheduler still prefers balance.
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: selectorLabels(a.name) },
                    matchLabelKeys: [hashKey],
                },
            ],
            containers: [
                {
                    name: a.name,
                    image: a.image,
                    ports: [{ name: "http", containerPort: a.containerPort, protocol: "TCP" }],
                    env: Object.entries(a.env).map(([name, value]) => ({ name, value })),
                    resources: APP_RESOURCES[a.size],
                    livenessProbe: probe(a.probes.liveness, 10),
                    readinessProbe: probe(a.probes.readiness, 5),
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        capabilities: { drop: ["ALL"] },
                    },
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
    };
}

/** A Deployment (rolling update, guide: max 25 % unavailable and 25 % surge). */
export function deployment(a: ResolvedServiceArgs): KubeManifest {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(a),
        // No replicas: the HPA owns the count (a declared count would reset it on every update).
        spec: {
            selector: { matchLabels: selectorLabels(a.name) },
            strategy: {
                type: "RollingUpdate",
                rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
            },
            template: podTemplate(a),
        },
    };
}

/** The canary steps: setWeight w, then a pause, for every weight below 100; the last step is 100. */
export function canarySteps(steps: readonly number[], pause: string): Record<string, unknown>[] {
    return steps.flatMap((w) =>
        w < 100 ? [{ setWeight: w }, { pause: { duration: pause } }] : [{ setWeight: w }],
    );
}

/** The VirtualService routes Argo sets the weights of (see traffic.ts). */
export const CANARY_ROUTES = ["idempotent", "non-idempotent"] as const;

/** Name of the service's AnalysisTemplate (analysis.ts). */
export const analysisTemplateName = (name: string): string => `${name}-error-rate`;

/** An Argo Rollout: canary through the VirtualService's weights, background analysis from the first step. */
export function rollout(a: ResolvedServiceArgs): KubeManifest {
    const c = a.canary;
    if (!c) throw new Error(`MeshService ${a.name}: rollout() needs args.canary`);
    return {
        apiVersion: ROLLOUT_API,
        kind: "Rollout",
        metadata: meta(a),
        // No replicas: the HPA owns the count.
        spec: {
            revisionHistoryLimit: 5,
            selector: { matchLabels: selectorLabels(a.name) },
            template: podTemplate(a),
            strategy: {
                canary: {
                    stableService: a.name,
                    canaryService: canaryServiceName(a.name),
                    trafficRouting: {
                        istio: {
                            // The mesh route and, with a public route, the ingress route: both split.
                            virtualServices: [
                                a.name,
                                ...(a.publicRoute ? [publicVirtualServiceName(a.name)] : []),
                            ].map((vs) => ({ name: vs, routes: [...CANARY_ROUTES] })),
                        },
                    },
                    steps: canarySteps(c.steps, c.pause),
                    analysis: {
                        templates: [{ templateName: analysisTemplateName(a.name) }],
                        // From the first weight on: the canary has traffic to judge.
                        startingStep: 1,
                    },
                    scaleDownDelaySeconds: c.scaleDownDelaySeconds,
                    abortScaleDownDelaySeconds: c.abortScaleDownDelaySeconds,
                },
            },
        },
    };
}

/** HPA on the Deployment or Rollout: CPU 70 %, memory 80 % (guide), optionally requests per second. */
export function autoscaler(a: ResolvedServiceArgs): KubeManifest {
    const resource = (name: "cpu" | "memory", averageUtilization: number) => ({
        type: "Resource",
        resource: { name, target: { type: "Utilization", averageUtilization } },
    });
    const metrics: Record<string, unknown>[] = [
        resource("cpu", HPA_TARGETS.cpu),
        resource("memory", HPA_TARGETS.memory),
    ];
    if (a.requestsPerSecond !== undefined)
        metrics.push({
            type: "Pods",
            pods: {
                metric: { name: RPS_METRIC },
                target: { type: "AverageValue", averageValue: String(a.requestsPerSecond) },
            },
        });
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: meta(a),
        spec: {
            scaleTargetRef: a.canary
                ? { apiVersion: ROLLOUT_API, kind: "Rollout", name: a.name }
                : { apiVersion: "apps/v1", kind: "Deployment", name: a.name },
            minReplicas: a.minReplicas,
            maxReplicas: a.maxReplicas,
            metrics,
        },
    };
}

/**
 * At most one pod down at a time by voluntary disruption. maxUnavailable (not minAvailable) so a
 * one-replica service never blocks a node drain.
 */
export function disruptionBudget(a: ResolvedServiceArgs): KubeManifest {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: meta(a),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(a.name) } },
    };
}
