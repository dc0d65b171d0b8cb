/**
 * The contract between the stack and the DR drill: the shape of the `drill` stack output. One
 * definition, a zod schema; the TypeScript types are derived from it. The platform produces the object
 * (platform/outputs.ts, typed against these keys), the drill CLI parses `pulumi stack output --json`
 * with the schema (drill/outputs.ts). A leaf module: it imports only zod, so the drill can load it
 * without the Pulumi runtime.
 */
import { z } from "zod";

/** One region as the drill sees it. */
export const drillRegionSchema = z.object({
    /** The region's short name (`singapore`), also the Istio cluster name. */
    name: z.string().min(1),
    /** The region's cloud. */
    cloud: z.enum(["aws", "gcp"]),
    /** The cloud's region id (`ap-southeast-1`). */
    region: z.string().min(1),
    /** Whether this is the stack's primary region. */
    primary: z.boolean(),
    /** The cloud's cluster name. */
    clusterName: z.string().min(1),
    /** Kubeconfig of the cluster (a secret: `[secret]` when masked). */
    kubeconfig: z.string().min(1),
    /** The region's public ingress load balancer (hostname on AWS, IP on GCP). */
    ingressHostname: z.string().min(1),
    /** The DNS health check that watches this region's ingress gateway. */
    healthCheckId: z.string().min(1),
    /** The region's backup bucket. */
    backupBucket: z.string().min(1),
    /** Namespace of Velero in the region's cluster. */
    veleroNamespace: z.string().min(1),
});

/** The whole `drill` stack output. */
export const drillOutputsSchema = z.object({
    stack: z.string().min(1),
    environment: z.string().min(1),
    primaryRegion: z.string().min(1),
    regions: z.array(drillRegionSchema).min(1),
    dns: z.object({
        provider: z.enum(["route53", "clouddns"]),
        zoneId: z.string().min(1),
        hostname: z.string().min(1),
        ttlSeconds: z.number().int().positive(),
        healthCheckIntervalSeconds: z.number().int().positive(),
        healthCheckFailureThreshold: z.number().int().positive(),
        /** interval x failure threshold + TTL */
        worstCaseFailoverSeconds: z.number().positive(),
    }),
    targets: z.object({
        detectionSeconds: z.number().positive(),
        failoverSeconds: z.number().positive(),
        recoverySeconds: z.number().positive(),
        examsRpoMinutes: z.number().positive(),
    }),
});

/** Readonly all the way down (the drill never changes what it read). */
type DeepReadonly<T> = T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** One region of the drill outputs. */
export type DrillRegionOutput = DeepReadonly<z.infer<typeof drillRegionSchema>>;
/** Shape of the stack outputs that the DR drill reads (`pulumi stack output --json --show-secrets`). */
export type DrillOutputs = DeepReadonly<z.infer<typeof drillOutputsSchema>>;
