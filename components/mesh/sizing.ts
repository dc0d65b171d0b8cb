/** Control plane and gateway sizing (guide: resource_optimization): size bands, resources, autoscaling. */

export type SizeBand = "small" | "medium" | "large";

export interface ResourceSpec {
    /** What the scheduler reserves (Kubernetes quantities, e.g. `100m`, `128Mi`). */
    readonly requests: { readonly cpu: string; readonly memory: string };
    /** The ceiling the kubelet enforces. */
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Guide bands: small < 50 services, medium 50-200, large 200+ (200 itself counts as large). */
export function sizeBand(serviceCount: number): SizeBand {
    if (serviceCount < 50) return "small";
    if (serviceCount < 200) return "medium";
    return "large";
}

export const ISTIOD_RESOURCES: Readonly<Record<SizeBand, ResourceSpec>> = {
    small: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
    medium: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "1000m", memory: "4Gi" } },
    large: { requests: { cpu: "1000m", memory: "4Gi" }, limits: { cpu: "2000m", memory: "8Gi" } },
};
/** HPA ceiling of istiod per band (the guide gives only requests/limits; ceilings grow with the band). */
export const ISTIOD_MAX_REPLICAS: Readonly<Record<SizeBand, number>> = {
    small: 3,
    medium: 5,
    large: 10,
};
/** Guide: istio_envoy sidecar requests 100m/128Mi, limits 200m/256Mi. */
export const SIDECAR_RESOURCES: ResourceSpec = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "200m", memory: "256Mi" },
};
/** The guide has no gateway numbers: the gateway chart's defaults, stated so the HPA memory target has a request. */
export const GATEWAY_RESOURCES: ResourceSpec = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "2000m", memory: "1024Mi" },
};
export const GATEWAY_MAX_REPLICAS = 5;
/** Guide: horizontal_scaling cpu_threshold 70 %, memory_threshold 80 %. */
export const HPA_TARGETS = { cpu: 70, memory: 80 } as const;
