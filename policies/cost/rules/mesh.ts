/**
 * Mesh sizing from the guide's "Resource Optimization" section: istiod sized to the service band,
 * sidecars within the guide's proxy range, autoscaling at 70 % CPU / 80 % memory, and trace sampling
 * capped (1 % in production).
 */
import {
    istiodValue,
    isGatewayRelease,
    isIstiodRelease,
    isTelemetry,
    releaseValues,
    T,
} from "../../lib/kinds";
import { resourcePolicy } from "../../lib/policy";
import {
    asArray,
    asRecord,
    display,
    get,
    isKind,
    parseBytes,
    parseCpu,
    Props,
} from "../../lib/values";

export type ServiceBand = "small" | "medium" | "large";

interface Sizing {
    readonly cpu: string;
    readonly memory: string;
}

/** Guide: control_plane_sizing for istiod. */
export const ISTIOD_BANDS: Readonly<
    Record<
        ServiceBand,
        { readonly requests: Sizing; readonly limits: Sizing; readonly services: string }
    >
> = {
    small: {
        services: "< 50 services",
        requests: { cpu: "100m", memory: "512Mi" },
        limits: { cpu: "500m", memory: "1Gi" },
    },
    medium: {
        services: "50-199 services",
        requests: { cpu: "500m", memory: "2Gi" },
        limits: { cpu: "1000m", memory: "4Gi" },
    },
    large: {
        services: "200+ services",
        requests: { cpu: "1000m", memory: "4Gi" },
        limits: { cpu: "2000m", memory: "8Gi" },
    },
};

export function serviceBand(serviceCount: number): ServiceBand {
    return serviceCount < 50 ? "small" : serviceCount < 200 ? "medium" : "large";
}

/** Compare one resources block with the expected sizing; returns problems. */
function compareResources(
    where: string,
    actual: unknown,
    expected: { requests: Sizing; limits: Sizing },
): string[] {
    const problems: string[] = [];
    for (const kind of ["requests", "limits"] as const) {
        const cpu = get(actual, `${kind}.cpu`);
        const memory = get(actual, `${kind}.memory`);
        if (parseCpu(cpu) !== parseCpu(expected[kind].cpu))
            problems.push(
                `${where}.${kind}.cpu is ${display(cpu)}, expected ${expected[kind].cpu}`,
            );
        if (parseBytes(memory) !== parseBytes(expected[kind].memory))
            problems.push(
                `${where}.${kind}.memory is ${display(memory)}, expected ${expected[kind].memory}`,
            );
    }
    return problems;
}

export const istiodSizing = resourcePolicy<{ serviceCount: number }>({
    name: "istiod-sized-to-service-band",
    description:
        "istiod requests and limits match the guide's band for the mesh's service count (small < 50, medium 50-199, large 200+).",
    types: [T.helmRelease],
    config: {
        serviceCount: {
            type: "integer",
            minimum: 1,
            default: 40,
            description: "Services in the mesh (stack config mesh.serviceCount).",
        },
    },
    validate: (props, args, report, cfg) => {
        if (!isIstiodRelease({ type: args.type, props }))
            args.notApplicable("not an istiod release");
        const band = serviceBand(cfg.serviceCount);
        const expected = ISTIOD_BANDS[band];
        for (const p of compareResources(
            "values.resources",
            istiodValue(releaseValues(props), "resources"),
            expected,
        )) {
            report(`${p} (${band} band: ${expected.services}; the mesh has ${cfg.serviceCount})`);
        }
    },
});

interface Range {
    readonly min: string;
    readonly max: string;
}

export const sidecarResources = resourcePolicy<{
    cpuRequest: Range;
    memoryRequest: Range;
    cpuLimit: Range;
    memoryLimit: Range;
}>({
    name: "sidecar-resources-in-range",
    description:
        "Sidecar proxies (istiod values global.proxy.resources) set requests and limits within the guide's range (Linkerd proxy to Istio Envoy figures).",
    types: [T.helmRelease],
    config: {
        cpuRequest: rangeSchema("10m", "100m"),
        memoryRequest: rangeSchema("20Mi", "128Mi"),
        cpuLimit: rangeSchema("100m", "200m"),
        memoryLimit: rangeSchema("50Mi", "256Mi"),
    },
    validate: (props, args, report, cfg) => {
        if (!isIstiodRelease({ type: args.type, props }))
            args.notApplicable("not an istiod release");
        const res = asRecord(get(releaseValues(props), "global.proxy.resources"));
        const checks: [string, unknown, Range, (v: unknown) => number | undefined][] = [
            ["requests.cpu", get(res, "requests.cpu"), cfg.cpuRequest, parseCpu],
            ["requests.memory", get(res, "requests.memory"), cfg.memoryRequest, parseBytes],
            ["limits.cpu", get(res, "limits.cpu"), cfg.cpuLimit, parseCpu],
            ["limits.memory", get(res, "limits.memory"), cfg.memoryLimit, parseBytes],
        ];
        for (const [path, value, range, parse] of checks) {
            const v = parse(value);
            if (v === undefined)
                report(
                    `values.global.proxy.resources.${path} is ${display(value)}; set it within ${range.min}-${range.max}`,
                );
            else if (v < parse(range.min)! || v > parse(range.max)!)
                report(
                    `values.global.proxy.resources.${path} ${display(value)} is outside ${range.min}-${range.max}`,
                );
        }
    },
});

function rangeSchema(min: string, max: string) {
    return {
        type: "object" as const,
        properties: { min: { type: "string" as const }, max: { type: "string" as const } },
        required: ["min", "max"],
        additionalProperties: false,
        default: { min, max },
    };
}

/** HPA metric targets of a HorizontalPodAutoscaler spec. */
function hpaTargets(spec: Props): { cpu?: number; memory?: number } {
    const out: { cpu?: number; memory?: number } = {};
    for (const m of asArray(spec.metrics)) {
        const name = get(m, "resource.name");
        const target = get(m, "resource.target.averageUtilization");
        if ((name === "cpu" || name === "memory") && typeof target === "number") out[name] = target;
    }
    return out;
}

export const autoscalingTargets = resourcePolicy<{ cpuPercent: number; memoryPercent: number }>({
    name: "autoscaling-targets",
    description:
        "Autoscalers target 70 % CPU and 80 % memory utilisation (istiod and gateway chart values, HorizontalPodAutoscalers).",
    types: (t) => t === T.helmRelease || isKind(t, "autoscaling", "HorizontalPodAutoscaler"),
    config: {
        cpuPercent: { type: "integer", minimum: 1, maximum: 100, default: 70 },
        memoryPercent: { type: "integer", minimum: 1, maximum: 100, default: 80 },
    },
    validate: (props, args, report, cfg) => {
        const check = (where: string, cpu: unknown, memory: unknown) => {
            if (cpu !== cfg.cpuPercent)
                report(`${where} CPU target is ${display(cpu)}, expected ${cfg.cpuPercent}`);
            if (memory !== cfg.memoryPercent)
                report(
                    `${where} memory target is ${display(memory)}, expected ${cfg.memoryPercent}`,
                );
        };
        if (args.type !== T.helmRelease) {
            const t = hpaTargets(asRecord(props.spec));
            check("HorizontalPodAutoscaler", t.cpu, t.memory);
            return;
        }
        const values = releaseValues(props);
        if (isIstiodRelease({ type: args.type, props })) {
            if (istiodValue(values, "autoscaleEnabled") === false)
                args.notApplicable("istiod autoscaling is off");
            check(
                "istiod (values.cpu/memory.targetAverageUtilization)",
                istiodValue(values, "cpu.targetAverageUtilization"),
                istiodValue(values, "memory.targetAverageUtilization"),
            );
        } else if (isGatewayRelease({ type: args.type, props })) {
            if (get(values, "autoscaling.enabled") === false)
                args.notApplicable("gateway autoscaling is off");
            check(
                "gateway (values.autoscaling.target*UtilizationPercentage)",
                get(values, "autoscaling.targetCPUUtilizationPercentage"),
                get(values, "autoscaling.targetMemoryUtilizationPercentage"),
            );
        } else {
            args.notApplicable("not an istiod or gateway release");
        }
    },
});

export const traceSampling = resourcePolicy<{ maxPercent: number }>({
    name: "trace-sampling-cap",
    description:
        "Trace sampling stays at or below the environment's cap (guide: 1 % in production): istiod traceSampling, meshConfig tracing.sampling, Telemetry randomSamplingPercentage.",
    types: (t) => t === T.helmRelease || isTelemetry(t),
    config: { maxPercent: { type: "number", minimum: 0, maximum: 100, default: 1 } },
    validate: (props, args, report, cfg) => {
        const over = (where: string, v: unknown) => {
            if (typeof v === "number" && v > cfg.maxPercent)
                report(`${where} is ${v} %, above the ${cfg.maxPercent} % cap`);
        };
        if (isTelemetry(args.type)) {
            asArray(get(props, "spec.tracing")).forEach((t, i) =>
                over(
                    `spec.tracing[${i}].randomSamplingPercentage`,
                    get(t, "randomSamplingPercentage"),
                ),
            );
            return;
        }
        if (!isIstiodRelease({ type: args.type, props }))
            args.notApplicable("not an istiod release");
        const values = releaseValues(props);
        over("values.traceSampling", istiodValue(values, "traceSampling"));
        over(
            "values.meshConfig.defaultConfig.tracing.sampling",
            get(values, "meshConfig.defaultConfig.tracing.sampling"),
        );
    },
});
