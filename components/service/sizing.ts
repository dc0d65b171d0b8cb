/**
 * Resource requests and limits of a MeshService's pods: the app container by a size band, the sidecar by
 * the guide's `istio_envoy` figures (requests 100m/128Mi, limits 200m/256Mi), set per pod through Istio's
 * injection annotations so the cost pack's sidecar range holds for app pods too.
 */
import { HPA_TARGETS, ResourceSpec, SIDECAR_RESOURCES } from "../mesh/sizing";

/**
 * Size of one service's app container. The guide sizes only the control plane (bands by service count)
 * and the sidecar; these app bands are the platform's, doubling per step, with limits at twice the
 * requests so a burst does not throttle at once while the scheduler still packs by requests.
 */
export type ServiceSize = "small" | "medium" | "large";
export const SERVICE_SIZES: readonly ServiceSize[] = ["small", "medium", "large"];

export const APP_RESOURCES: Readonly<Record<ServiceSize, ResourceSpec>> = {
    small: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
    medium: {
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    },
    large: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "1000m", memory: "1Gi" } },
};

/** Istio's per-pod sidecar resource annotations (proxy.istio.io resource annotations), set to the guide's figures. */
export function sidecarResourceAnnotations(
    spec: ResourceSpec = SIDECAR_RESOURCES,
): Record<string, string> {
    return {
        "sidecar.istio.io/proxyCPU": spec.requests.cpu,
        "sidecar.istio.io/proxyMemory": spec.requests.memory,
        "sidecar.istio.io/proxyCPULimit": spec.limits.cpu,
        "sidecar.istio.io/proxyMemoryLimit": spec.limits.memory,
    };
}

/** Guide: horizontal_scaling, cpu_threshold 70 %, memory_threshold 80 % (the mesh's own HPA numbers). */
export { HPA_TARGETS };
