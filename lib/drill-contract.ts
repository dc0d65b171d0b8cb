/**
 * The contract between the stack and the DR drill: the shape of the `drill` stack output. One
 * definition, a zod schema; the TypeScript types are derived from it. The platform produces the object
 * (platform/outputs.ts, typed against these keys), the drill CLI parses `pulumi stack output --json`
 * with the schema (drill/outputs.ts). A leaf module: it imports only zod, so the drill can load it
 * without the Pulumi runtime.
 */
import { z } from "zod";

/**
 * The smoke service every cluster runs (built by the golden-path work): namespace, Service and port
 * in-mesh, and the public route prefix on the stack's app hostname (`/smoke/` rewritten to `/`).
 */
export const SMOKE_SERVICE = {
    namespace: "mesh-smoke",
    service: "smoke",
    port: 80,
    publicPath: "/smoke/",
} as const;

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
    /**
     * The health check the region's failover record is bound to: on Route 53 the calculated check that
     * is healthy only while both the gateway's readiness and the app behind it answer.
     */
    healthCheckId: z.string().min(1),
    /** The region's ingress gateway as the `ingress-outage` fault reaches it through the Kubernetes API. */
    ingressGateway: z.object({
        namespace: z.string().min(1),
        /** Deployment name (the gateway chart's release). */
        deployment: z.string().min(1),
        /** Pod labels an AuthorizationPolicy `selector.matchLabels` selects the gateway by. */
        selector: z.record(z.string(), z.string()),
    }),
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
        /**
         * Route 53: threshold x (interval + connect 4 s + response 2 s) + propagation allowance + TTL
         * (the fixed 60 s of an alias to a load balancer). See docs/drill.md.
         */
        worstCaseFailoverSeconds: z.number().positive(),
    }),
    /** The smoke service both regions run (namespace, Service, port) and its public route prefix. */
    smoke: z.object({
        namespace: z.string().min(1),
        service: z.string().min(1),
        port: z.number().int().positive(),
        /** Path prefix on the public hostname that reaches the smoke service (`/smoke/`). */
        publicPath: z.string().startsWith("/"),
    }),
    /** The DynamoDB table that holds the drill's lock and state, shared by every runner. */
    lock: z.object({
        tableName: z.string().min(1),
        /** Cloud region of the table (the secondary's: the side a drill never fails). */
        region: z.string().min(1),
    }),
    /** The optional AWS FIS experiment template (`--fault fis`); null when not declared. */
    fis: z
        .object({
            experimentTemplateId: z.string().min(1),
            region: z.string().min(1),
        })
        .nullable(),
    /** CloudWatch alarms (name and region) whose ALARM state stops the drill. */
    stopAlarms: z.array(z.object({ name: z.string().min(1), region: z.string().min(1) })),
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
