/**
 * Long-term metrics: Thanos on the region's own object storage bucket.
 *
 * - The Thanos sidecar runs in every Prometheus pod (kube-prometheus-stack `prometheusSpec.thanos`)
 *   and uploads each 2-hour block to the bucket; the store gateway serves the bucket, the compactor
 *   compacts, deduplicates the two Prometheus replicas and downsamples (5m and 1h resolutions), and
 *   applies the retention: raw 30 days, 5m and 1h one year, so the recording rules' aggregates are
 *   kept a year.
 * - Bucket (ThanosBucket): AWS S3 with its own KMS key, public access blocked, TLS only, versioned
 *   (noncurrent versions expire after a week), reachable by one IRSA role trusted by exactly the three
 *   Thanos service accounts. GCP: GCS with Google-managed encryption, uniform bucket-level access,
 *   public access prevention enforced, a bucket-level (not project-level) grant to one Google service
 *   account bound to the same three Kubernetes service accounts through Workload Identity.
 * - Global view: the `thanos` namespace is in the mesh. Each region runs a regional Query (release
 *   `thanos`: local sidecars + local store gateway) and a global Query (release `thanos-global`: its
 *   own region's regional Query plus every peer's). A peer's regional Query is addressed by a
 *   per-cluster Service name, `thanos-query-<region>.thanos.svc.cluster.local:10901`: every cluster
 *   declares that Service for every region with a selector that only the named region's pods match,
 *   so Istio resolves it everywhere and sends it to that region only, through the east-west gateway
 *   with mTLS (one name across clusters would load-balance between regions instead of fanning out).
 *   Regional Queries never call peers, so queries cannot loop. Grafana (outside the mesh) reads the
 *   global Query's HTTP port, which bypasses the sidecar and is open to the monitoring namespace only.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import { toLabels } from "../types";
import { MONITORING_NAMESPACE } from "../constants";
import {
    ANNOTATION_AWS_ROLE,
    ANNOTATION_GCP_SA,
    gcpAccountId,
    irsaTrustPolicyFor,
} from "../cluster/identity";
import { privateBucketControls } from "../backup/bucket";
import { CHARTS, fixedNamespace, pinnedRelease } from "./charts";
import { MonitoringSizes, SMALL_MONITORING_SIZES } from "./sizing";

/** Namespace of the Thanos store gateway, compactor and queries (in the mesh). */
export const THANOS_NAMESPACE = "thanos";
/** Release of the store gateway, compactor and regional Query (chart resources `thanos-*`). */
export const THANOS_RELEASE = "thanos";
/** Release of the global Query (resources `thanos-global-*`). */
export const THANOS_GLOBAL_RELEASE = "thanos-global";
/**
 * kube-prometheus-stack's Prometheus service account (`<fullname>-prometheus`); with the sidecar it is
 * named per region (thanosServiceAccounts).
 */
export const PROMETHEUS_SERVICE_ACCOUNT = "kube-prometheus-stack-prometheus";
/** Secret (in monitoring and in thanos) holding the objstore config, and its key. */
export const OBJSTORE_SECRET = "thanos-objstore";
export const OBJSTORE_KEY = "objstore.yaml";
/** Thanos gRPC (StoreAPI) and HTTP ports (the chart's defaults). */
export const THANOS_GRPC_PORT = 10901;
export const THANOS_HTTP_PORT = 10902;
/** Pod label that tells the regions' Queries apart (the per-region Services select on it). */
export const REGION_LABEL = "mesh-platform.io/region";

/**
 * Compactor retention per resolution: raw samples 30 days (as Prometheus), 5-minute and 1-hour
 * downsamples one year (the guide: 30 days detailed, 1 year aggregated).
 */
export const THANOS_RETENTION = { raw: "30d", fiveMinutes: "1y", oneHour: "1y" } as const;

/** Global Query of this cluster: what Grafana's Thanos data source reads. */
export const THANOS_GLOBAL_QUERY_URL = `http://${THANOS_GLOBAL_RELEASE}-query.${THANOS_NAMESPACE}.svc:${THANOS_HTTP_PORT}`;

/**
 * The Kubernetes service accounts that may use region `region`'s bucket identity: sidecar (Prometheus),
 * store gateway, compactor. Named per region: on GKE, Workload Identity names a KSA by project,
 * namespace and name only, so same-named accounts in the two clusters of one project would be one
 * principal and each region could write the other's bucket.
 */
export function thanosServiceAccounts(region: string): { namespace: string; name: string }[] {
    return [
        { namespace: MONITORING_NAMESPACE, name: `${PROMETHEUS_SERVICE_ACCOUNT}-${region}` },
        { namespace: THANOS_NAMESPACE, name: `${THANOS_RELEASE}-store-gateway-${region}` },
        { namespace: THANOS_NAMESPACE, name: `${THANOS_RELEASE}-compact-${region}` },
    ];
}

/** Per-cluster Service name of a region's regional Query. */
export function regionalQueryService(region: string): string {
    return `${THANOS_RELEASE}-query-${region}`;
}

/** IRSA trust for the three Thanos service accounts of one cluster (sub in the list). */
export function thanosTrustPolicy(
    oidcProviderArn: string,
    oidcIssuer: string,
    region: string,
): string {
    return irsaTrustPolicyFor(oidcProviderArn, oidcIssuer, thanosServiceAccounts(region));
}

/** What the Thanos role may do: list, read, write and delete objects of its bucket, with its key. */
export function thanosBucketPolicy(bucketArn: string, keyArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListBucket",
                Effect: "Allow",
                Action: ["s3:ListBucket", "s3:GetBucketLocation"],
                Resource: bucketArn,
            },
            {
                Sid: "Blocks",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: `${bucketArn}/*`,
            },
            {
                Sid: "BucketKey",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                Resource: keyArn,
            },
        ],
    });
}

/** Thanos objstore config for S3 (credentials from IRSA) with SSE-KMS. */
export function s3ObjstoreConfig(bucket: string, region: string, keyArn: string): string {
    return JSON.stringify({
        type: "S3",
        config: {
            bucket,
            endpoint: `s3.${region}.amazonaws.com`,
            region,
            sse_config: { type: "SSE-KMS", kms_key_id: keyArn },
        },
    });
}

/** Thanos objstore config for GCS (credentials from Workload Identity). */
export function gcsObjstoreConfig(bucket: string): string {
    return JSON.stringify({ type: "GCS", config: { bucket } });
}

export interface ThanosBucketArgs {
    /** The region's cluster: the bucket lives on its cloud and region, trusted by its OIDC issuer / pool. */
    readonly cluster: ClusterInfo;
    /**
     * `protect` for the bucket and its key.
     * @default true
     */
    readonly protect?: boolean;
}

/** One region's Thanos bucket and the one identity that may use it. */
export class ThanosBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    /** The objstore config (JSON, which is YAML) the sidecar, store and compactor read. */
    readonly objstoreConfig: pulumi.Output<string>;
    /** Annotations of the three service accounts (IRSA role ARN or Google service account). */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    readonly roleArn?: pulumi.Output<string>;
    readonly kmsKeyArn?: pulumi.Output<string>;

    constructor(name: string, args: ThanosBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:ThanosBucket", name, {}, opts);
        const { cluster } = args;
        const stateful = { parent: this, protect: args.protect ?? true };
        if (cluster.cloud === "aws") {
            const provider = cluster.awsProvider;
            const child = { parent: this, provider };
            const key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `Thanos long-term metrics of ${cluster.name}`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    tags: cluster.tags,
                },
                { ...stateful, provider },
            );
            const bucket = new aws.s3.Bucket(
                name,
                { forceDestroy: false, tags: cluster.tags },
                { ...stateful, provider },
            );
            const { versioning } = privateBucketControls(
                name,
                bucket,
                { kmsKeyArn: key.arn, versioned: true, tlsOnly: true },
                child,
            );
            // The compactor owns retention (it deletes whole blocks); versions it deletes are kept a
            // week against a mistaken deletion, then expire.
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "noncurrent-versions",
                            status: "Enabled",
                            filter: { prefix: "" },
                            expiration: { expiredObjectDeleteMarker: true },
                            noncurrentVersionExpiration: { noncurrentDays: 7 },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                        },
                    ],
                },
                { ...child, dependsOn: [versioning] },
            );
            const role = new aws.iam.Role(
                `${name}-role`,
                {
                    description: `Thanos sidecar, store gateway and compactor of cluster ${cluster.name}`,
                    assumeRolePolicy: pulumi
                        .all([cluster.oidcProviderArn, cluster.oidcIssuer])
                        .apply(([arn, issuer]) => thanosTrustPolicy(arn, issuer, cluster.name)),
                    tags: cluster.tags,
                },
                child,
            );
            new aws.iam.RolePolicy(
                `${name}-policy`,
                {
                    role: role.name,
                    policy: pulumi
                        .all([bucket.arn, key.arn])
                        .apply(([b, k]) => thanosBucketPolicy(b, k)),
                },
                child,
            );
            this.bucketName = bucket.bucket;
            this.roleArn = role.arn;
            this.kmsKeyArn = key.arn;
            this.objstoreConfig = pulumi
                .all([bucket.bucket, key.arn])
                .apply(([b, k]) => s3ObjstoreConfig(b, cluster.cloudRegion, k));
            this.serviceAccountAnnotations = role.arn.apply((arn): Record<string, string> => ({
                [ANNOTATION_AWS_ROLE]: arn,
            }));
        } else {
            const provider = cluster.gcpProvider;
            const child = { parent: this, provider };
            // Google-managed encryption (no CMEK): the bucket holds metrics, not secrets, and a CMEK
            // would add a key ring per region and the GCS service agent's grant for no new control.
            const bucket = new gcp.storage.Bucket(
                name,
                {
                    project: cluster.project,
                    location: cluster.cloudRegion.toUpperCase(),
                    storageClass: "STANDARD",
                    uniformBucketLevelAccess: true,
                    publicAccessPrevention: "enforced",
                    versioning: { enabled: true },
                    forceDestroy: false,
                    lifecycleRules: [
                        {
                            action: { type: "Delete" },
                            condition: { daysSinceNoncurrentTime: 7 },
                        },
                    ],
                    labels: toLabels(cluster.tags),
                },
                { ...stateful, provider },
            );
            const account = new gcp.serviceaccount.Account(
                `${name}-gsa`,
                {
                    accountId: gcpAccountId(`thanos-${cluster.name}`),
                    displayName: `Thanos sidecar, store gateway and compactor in ${cluster.name}`,
                    project: cluster.project,
                },
                child,
            );
            for (const sa of thanosServiceAccounts(cluster.name)) {
                new gcp.serviceaccount.IAMMember(
                    `${name}-wi-${sa.name}`,
                    {
                        serviceAccountId: account.name,
                        role: "roles/iam.workloadIdentityUser",
                        member: pulumi.interpolate`serviceAccount:${cluster.workloadIdentityPool}[${sa.namespace}/${sa.name}]`,
                    },
                    child,
                );
            }
            new gcp.storage.BucketIAMMember(
                `${name}-object-admin`,
                {
                    bucket: bucket.name,
                    role: "roles/storage.objectAdmin",
                    member: pulumi.interpolate`serviceAccount:${account.email}`,
                },
                child,
            );
            this.bucketName = bucket.name;
            this.objstoreConfig = bucket.name.apply(gcsObjstoreConfig);
            this.serviceAccountAnnotations = account.email.apply(
                (email): Record<string, string> => ({ [ANNOTATION_GCP_SA]: email }),
            );
        }
        this.registerOutputs({ bucketName: this.bucketName, roleArn: this.roleArn });
    }
}

/** What Observability needs to run Thanos in a cluster (the bucket comes from ThanosBucket). */
export interface LongTermStoreArgs {
    /** The objstore config of the region's bucket. */
    readonly objstoreConfig: pulumi.Input<string>;
    /** Annotations that give the sidecar, store gateway and compactor the bucket identity. */
    readonly serviceAccountAnnotations: pulumi.Input<Record<string, string>>;
    /** Short names of every region of the stack (this one included): the global Query fans out to them. */
    readonly regions: readonly string[];
    /** Labels that put the `thanos` namespace into the mesh (`istio.io/rev: <tag>`), from the composition. */
    readonly meshNamespaceLabels: Readonly<Record<string, string>>;
    /**
     * Resources the namespace waits for (the mesh's injector: pods created before it would run
     * without a sidecar).
     * @default none
     */
    readonly meshReady?: pulumi.Input<pulumi.Resource>[];
    /**
     * Replicas of the regional and global Queries and the store gateway.
     * @default 2
     */
    readonly replicas?: number;
}

/**
 * Thanos's HTTP port (metrics, query API) bypasses the pod's sidecar: Prometheus and Grafana, outside
 * the mesh, speak plain HTTP to it, and the namespace's NetworkPolicy admits it from the monitoring
 * namespace only. The gRPC StoreAPI stays behind the sidecar (mTLS, STRICT).
 */
const HTTP_BYPASS = { "traffic.sidecar.istio.io/excludeInboundPorts": String(THANOS_HTTP_PORT) };

/** Values of the `thanos` release: store gateway, compactor (retention, downsampling), regional Query. */
export function thanosValues(p: {
    cluster: string;
    replicas: number;
    sizes?: MonitoringSizes;
    priorityClassName?: string;
    serviceAccountAnnotations: Record<string, string>;
}): Record<string, unknown> {
    const sizes = p.sizes ?? SMALL_MONITORING_SIZES;
    const priorityClassName = p.priorityClassName ?? null;
    const pdb = { enabled: p.replicas > 1, minAvailable: 1 };
    const [, storeSa, compactSa] = thanosServiceAccounts(p.cluster);
    const sa = (name: string) => ({ create: true, name, annotations: p.serviceAccountAnnotations });
    return {
        fullnameOverride: THANOS_RELEASE,
        // The Secret is created next to the release (its content carries the bucket's outputs).
        objstoreConfig: { create: false, name: OBJSTORE_SECRET, key: OBJSTORE_KEY },
        // Prometheus runs two replicas with a `prometheus_replica` external label: deduplicated in the
        // queries and, by vertical compaction, in the bucket.
        additionalReplicaLabels: ["prometheus_replica"],
        serviceMonitor: { enabled: true },
        query: {
            enabled: true,
            replicas: p.replicas,
            podDisruptionBudget: pdb,
            podLabels: { [REGION_LABEL]: p.cluster },
            podAnnotations: HTTP_BYPASS,
            // Local sidecars (kube-prometheus-stack's headless discovery Service); the store gateway
            // is added by the chart (enableDnsDiscovery).
            additionalEndpoints: [
                `dnssrv+_grpc._tcp.kube-prometheus-stack-thanos-discovery.${MONITORING_NAMESPACE}.svc.cluster.local`,
            ],
            resources: sizes.thanosQuery,
            priorityClassName,
        },
        storeGateway: {
            enabled: true,
            replicas: p.replicas,
            podDisruptionBudget: pdb,
            podAnnotations: HTTP_BYPASS,
            serviceAccount: sa(storeSa.name),
            resources: sizes.thanosStore,
            priorityClassName,
            persistence: { enabled: true, size: "10Gi", storageClass: null },
        },
        compact: {
            enabled: true,
            podAnnotations: HTTP_BYPASS,
            serviceAccount: sa(compactSa.name),
            resources: sizes.thanosCompact,
            priorityClassName,
            // Downsampling is on unless --downsampling.disable is given.
            extraArgs: [
                `--retention.resolution-raw=${THANOS_RETENTION.raw}`,
                `--retention.resolution-5m=${THANOS_RETENTION.fiveMinutes}`,
                `--retention.resolution-1h=${THANOS_RETENTION.oneHour}`,
                "--delete-delay=48h",
            ],
            persistence: { enabled: true, size: "20Gi", storageClass: null },
        },
    };
}

/** Values of the `thanos-global` release: a Query over this and every peer region's regional Query. */
export function thanosGlobalValues(p: {
    cluster: string;
    regions: readonly string[];
    replicas: number;
    sizes?: MonitoringSizes;
    priorityClassName?: string;
}): Record<string, unknown> {
    const sizes = p.sizes ?? SMALL_MONITORING_SIZES;
    return {
        fullnameOverride: THANOS_GLOBAL_RELEASE,
        objstoreConfig: { create: false, name: OBJSTORE_SECRET, key: OBJSTORE_KEY },
        additionalReplicaLabels: ["prometheus_replica"],
        serviceMonitor: { enabled: true },
        storeGateway: { enabled: false },
        compact: { enabled: false },
        query: {
            enabled: true,
            enableDnsDiscovery: false,
            replicas: p.replicas,
            podDisruptionBudget: { enabled: p.replicas > 1, minAvailable: 1 },
            additionalEndpoints: p.regions.map((r) =>
                r === p.cluster
                    ? `${THANOS_RELEASE}-query.${THANOS_NAMESPACE}.svc.cluster.local:${THANOS_GRPC_PORT}`
                    : `${regionalQueryService(r)}.${THANOS_NAMESPACE}.svc.cluster.local:${THANOS_GRPC_PORT}`,
            ),
            // A peer that is down must not fail the query: partial responses, answered within 2 minutes.
            extraArgs: ["--query.partial-response", "--query.timeout=2m"],
            // Grafana's data source (see HTTP_BYPASS).
            podAnnotations: HTTP_BYPASS,
            resources: sizes.thanosQuery,
            priorityClassName: p.priorityClassName ?? null,
        },
    };
}

/** The objstore config as a Secret (no credential in it: IRSA / Workload Identity supply those). */
export function objstoreSecret(
    name: string,
    namespace: string,
    objstoreConfig: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: OBJSTORE_SECRET, namespace },
            type: "Opaque",
            stringData: { [OBJSTORE_KEY]: objstoreConfig },
        },
        opts,
    );
}

export interface ThanosArgs extends LongTermStoreArgs {
    readonly cluster: Pick<ClusterInfo, "name" | "provider" | "ready">;
    readonly sizes?: MonitoringSizes;
    readonly priorityClassName?: string;
    /** Resources the releases wait for (the Prometheus release: ServiceMonitor CRDs, discovery Service). */
    readonly after?: pulumi.Input<pulumi.Resource>[];
}

/** The in-cluster part: namespace, objstore Secrets, the two releases, per-region Services, policy. */
export class Thanos extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly release: k8s.helm.v3.Release;
    readonly globalRelease: k8s.helm.v3.Release;

    constructor(name: string, args: ThanosArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:observability:Thanos", name, {}, opts);
        const { cluster } = args;
        const provider = cluster.provider;
        const replicas = args.replicas ?? 2;
        if (!Number.isInteger(replicas) || replicas < 1)
            throw new Error(
                `Thanos ${name}: args.replicas must be a whole number >= 1 (got ${replicas})`,
            );
        if (!args.regions.includes(cluster.name))
            throw new Error(
                `Thanos ${name}: args.regions [${args.regions.join(", ")}] must include args.cluster.name "${cluster.name}"`,
            );
        if (Object.keys(args.meshNamespaceLabels).length === 0)
            throw new Error(
                `Thanos ${name}: args.meshNamespaceLabels is empty; the thanos namespace would not join the mesh`,
            );
        this.namespace = fixedNamespace(
            `${name}-namespace`,
            THANOS_NAMESPACE,
            { ...args.meshNamespaceLabels },
            {
                parent: this,
                provider,
                dependsOn: [...cluster.ready, ...(args.meshReady ?? [])],
            },
        );
        const thanosSecret = objstoreSecret(
            `${name}-objstore`,
            THANOS_NAMESPACE,
            args.objstoreConfig,
            {
                parent: this,
                provider,
                dependsOn: [this.namespace],
            },
        );
        const after = [thanosSecret, ...(args.after ?? [])];
        this.release = pinnedRelease(
            `${name}-release`,
            CHARTS.thanos,
            {
                releaseName: THANOS_RELEASE,
                namespace: THANOS_NAMESPACE,
                values: pulumi.output(args.serviceAccountAnnotations).apply((a) =>
                    thanosValues({
                        cluster: cluster.name,
                        replicas,
                        sizes: args.sizes,
                        priorityClassName: args.priorityClassName,
                        serviceAccountAnnotations: a,
                    }),
                ),
            },
            { parent: this, provider, dependsOn: after },
        );
        this.globalRelease = pinnedRelease(
            `${name}-global-release`,
            CHARTS.thanos,
            {
                releaseName: THANOS_GLOBAL_RELEASE,
                namespace: THANOS_NAMESPACE,
                values: thanosGlobalValues({
                    cluster: cluster.name,
                    regions: args.regions,
                    replicas,
                    sizes: args.sizes,
                    priorityClassName: args.priorityClassName,
                }),
            },
            { parent: this, provider, dependsOn: after },
        );
        for (const region of args.regions) {
            new k8s.core.v1.Service(
                `${name}-query-${region}`,
                {
                    metadata: { name: regionalQueryService(region), namespace: THANOS_NAMESPACE },
                    spec: {
                        type: "ClusterIP",
                        selector: {
                            "app.kubernetes.io/name": "thanos",
                            "app.kubernetes.io/instance": THANOS_RELEASE,
                            "app.kubernetes.io/component": "query",
                            [REGION_LABEL]: region,
                        },
                        ports: [
                            {
                                name: "grpc",
                                port: THANOS_GRPC_PORT,
                                targetPort: "grpc",
                                appProtocol: "grpc",
                            },
                        ],
                    },
                },
                { parent: this, provider, dependsOn: [this.namespace] },
            );
        }
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: { name: "thanos-ingress", namespace: THANOS_NAMESPACE },
                spec: {
                    podSelector: {},
                    policyTypes: ["Ingress"],
                    ingress: [
                        // Prometheus (metrics), Grafana (query API): every port, from monitoring only.
                        {
                            from: [
                                {
                                    namespaceSelector: {
                                        matchLabels: {
                                            "kubernetes.io/metadata.name": MONITORING_NAMESPACE,
                                        },
                                    },
                                },
                            ],
                        },
                        // The StoreAPI for the mesh (local queries, peers through the east-west
                        // gateway): the sidecar admits only mTLS.
                        { ports: [{ protocol: "TCP", port: THANOS_GRPC_PORT }] },
                    ],
                },
            },
            { parent: this, provider, dependsOn: [this.namespace] },
        );
        this.registerOutputs({ releaseStatus: this.release.status });
    }
}
