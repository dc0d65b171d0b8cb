/**
 * The Istio multi-primary, multi-network mesh across a set of clusters: one root of trust, per
 * cluster a control plane with east-west and ingress gateways and the mesh-wide policy, and a remote
 * secret for every ordered pair of clusters. Generic: nothing here knows a tenant; tenants join each
 * cluster through `MeshInfo.clusters[name].tenant` (see ./tenant-context.ts and components/tenant).
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as time from "@pulumiverse/time";
import type { ClusterInfo, LogLevel } from "../types";
import { ClusterMesh } from "./cluster";
import type { PublicIngress } from "./gateways";
import type { MeshMember } from "./member";
import { INGRESS_HEALTH_CHECK } from "./naming";
import { RemoteSecret } from "./remoteSecret";
import { ClusterIstioArgs, ResolvedClusterIstio, resolveClusterIstio } from "./revisions";
import type { MtlsMode } from "./security";
import { SizeBand, sizeBand } from "./sizing";
import type { MeshTenantContext } from "./tenant-context";
import { MeshTrust } from "./trust";
import type { ControlPlaneSettings, OutboundTrafficPolicy } from "./values";
import { DEFAULT_TAG, ISTIO_VERSION, minorOf } from "./version";

/** One cluster of the mesh: its mesh facts and the cluster itself. */
export interface MeshMemberArgs extends MeshMember {
    /** The cluster (providers, endpoint, CA, tags). Its name, network and cloud must equal the member's. */
    readonly cluster: ClusterInfo;
    /**
     * This cluster's Istio revisions and tags, instead of the mesh's `istio` (one cluster goes first in
     * an upgrade).
     * @default args.istio
     */
    readonly istio?: ClusterIstioArgs;
}

/** The default Istio of a mesh: the catalog's default version, tagged `stable`. */
export const DEFAULT_ISTIO: ClusterIstioArgs = {
    revisions: [{ version: ISTIO_VERSION, tags: [DEFAULT_TAG] }],
};

/** istiod's size: from the number of services (guide bands) or a band chosen outright. */
export type MeshSizing =
    | {
          /** Services in the mesh: < 50 small, 50-199 medium, 200+ large. */ readonly serviceCount: number;
      }
    | { /** The band itself. */ readonly band: SizeBand };

/** JWT validation at the public ingress. */
export interface MeshJwtArgs {
    /** `iss` of accepted tokens. */
    readonly issuer: string;
    /** Where the issuer publishes its signing keys. */
    readonly jwksUri: string;
    /**
     * Accepted `aud` values.
     * @default [] (any audience)
     */
    readonly audiences?: readonly string[];
    /**
     * Paths on the public gateway that reject a request without a valid token (the tenants' public
     * routes, e.g. `/api/v1/users` and `/api/v1/users/*`). At least one.
     */
    readonly requiredPaths: readonly string[];
}

export interface MeshArgs {
    /** `global.meshID` of every istiod, and the organization of the CA certificates. */
    readonly meshId: string;
    /**
     * Root CA generations, all trusted; the last one signs the intermediates (rotation: docs/ca-rotation.md).
     * At least one, unique.
     */
    readonly trustGenerations: readonly string[];
    /**
     * Root CA generations kept but no longer trusted (the last step of a rotation, docs/ca-rotation.md).
     * @default []
     */
    readonly retiredTrustGenerations?: readonly string[];
    /**
     * Protect the root CA keys and certificates against deletion.
     * @default true
     */
    readonly protect?: boolean;
    /**
     * Istio revisions and tags of every cluster (a member's `istio` overrides it). Across the mesh the
     * revisions' minors may be at most one apart (upstream skew).
     * @default DEFAULT_ISTIO (the catalog's default version, tag `stable`)
     */
    readonly istio?: ClusterIstioArgs;
    /** The clusters of the mesh, primary first. Names and networks must be unique. */
    readonly members: readonly MeshMemberArgs[];
    /** istiod's size band. */
    readonly sizing: MeshSizing;
    /**
     * Minimum replicas of istiod and of each gateway (a PodDisruptionBudget only above 1).
     * @default 2
     */
    readonly minReplicas?: number;
    /**
     * Mesh-wide mTLS mode.
     * @default "STRICT"
     */
    readonly mtlsMode?: MtlsMode;
    /**
     * What proxies may reach outside the mesh's registry.
     * @default "REGISTRY_ONLY"
     */
    readonly outboundTrafficPolicy?: OutboundTrafficPolicy;
    /** Token validation at the public ingress gateway. */
    readonly jwt: MeshJwtArgs;
    /** The public gateway's hostnames and TLS secret (in the gateway namespace, e.g. from cert-manager). */
    readonly ingress: PublicIngress;
    /**
     * istiod and proxy log level.
     * @default "INFO"
     */
    readonly logLevel?: LogLevel;
    /**
     * Share of requests traced, percent (0-100).
     * @default 1
     */
    readonly traceSamplingPercent?: number;
    /**
     * Generation of the remote secrets' reader tokens; a new value rotates every link at once
     * (docs/remote-secret-rotation.md). A short DNS label.
     * @default "t1"
     */
    readonly readerTokenGeneration?: string;
    /**
     * Days after which the first `pulumi up --refresh` issues new reader tokens for every link (a
     * `@pulumiverse/time` Rotating resource). Whole days, 1-365.
     * @default 30
     */
    readonly readerTokenRotationDays?: number;
}

/** What the mesh gives one cluster's later areas (tenants, certificates, observability, backup, dns). */
export interface ClusterMeshInfo {
    readonly name: string;
    readonly istioNamespace: k8s.core.v1.Namespace;
    /** GATEWAY_NAMESPACE: ingress and east-west gateways; cert-manager puts the ingress TLS secret here. */
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    /** Public ingress load balancer: hostname on AWS, IP on GKE. DNS failover health checks target it. */
    readonly ingressHostname: pulumi.Output<string>;
    /** Where a health check can probe the ingress gateway on that address. */
    readonly ingressHealthCheck: typeof INGRESS_HEALTH_CHECK;
    /** Depend on these before deploying meshed workloads or Istio resources in this cluster. */
    readonly ready: pulumi.Resource[];
    /** What a tenant needs to join this cluster's mesh. */
    readonly tenant: MeshTenantContext;
    /** The cluster's ClusterMesh component (the former parent of resources that moved to a tenant). */
    readonly component: ClusterMesh;
}

export interface MeshInfo {
    readonly meshId: string;
    /** Istio version that the primary cluster's namespace tag points at. */
    readonly version: string;
    /** Its revision (the tag's target, e.g. `1-30-3`). */
    readonly revision: string;
    /** Per cluster: its revisions and which revision each tag points at. */
    readonly istio: Readonly<
        Record<
            string,
            {
                readonly revisions: readonly { version: string; revision: string }[];
                readonly tags: Readonly<Record<string, string>>;
                readonly gatewayTag: string;
                readonly namespaceTag: string;
            }
        >
    >;
    readonly clusters: Readonly<Record<string, ClusterMeshInfo>>;
    /** Pulumi secret: JSON of every root and intermediate CA with certificates and keys (for encrypted backup). */
    readonly caMaterial: pulumi.Output<string>;
    /** The trusted root bundle (public). */
    readonly rootBundlePem: pulumi.Output<string>;
}

const TOKEN_GENERATION = /^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/;

export class Mesh extends pulumi.ComponentResource {
    readonly info: MeshInfo;

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:Mesh", name, {}, opts);
        validateMeshArgs(name, args);
        const members: MeshMember[] = args.members.map(({ cluster: _cluster, ...m }) => m);
        const traceSamplingPercent = args.traceSamplingPercent ?? 1;
        const controlPlane: ControlPlaneSettings = {
            meshId: args.meshId,
            band: "band" in args.sizing ? args.sizing.band : sizeBand(args.sizing.serviceCount),
            minReplicas: args.minReplicas ?? 2,
            logLevel: args.logLevel ?? "INFO",
            traceSamplingPercent,
            outboundTrafficPolicy: args.outboundTrafficPolicy ?? "REGISTRY_ONLY",
        };
        const policy = {
            mtlsMode: args.mtlsMode ?? "STRICT",
            traceSamplingPercent,
            ingress: {
                hostnames: [...args.ingress.hostnames],
                tlsSecretName: args.ingress.tlsSecretName,
            },
            jwt: {
                issuer: args.jwt.issuer,
                jwksUri: args.jwt.jwksUri,
                audiences: [...(args.jwt.audiences ?? [])],
            },
            jwtRequiredPaths: [...args.jwt.requiredPaths],
        } as const;

        const istio = new Map<string, ResolvedClusterIstio>(
            args.members.map((m, i) => [
                m.name,
                resolveClusterIstio(
                    `Mesh ${name}`,
                    m.istio ?? args.istio ?? DEFAULT_ISTIO,
                    m.istio ? `args.members[${i}].` : "args.",
                ),
            ]),
        );
        validateMeshSkew(name, istio);

        const trust = new MeshTrust(
            `${name}-trust`,
            {
                meshId: args.meshId,
                generations: args.trustGenerations,
                retiredGenerations: args.retiredTrustGenerations ?? [],
                clusters: members.map((m) => m.name),
                protect: args.protect ?? true,
            },
            { parent: this },
        );

        const perCluster = new Map<string, ClusterMesh>();
        args.members.forEach((m, i) => {
            perCluster.set(
                m.name,
                new ClusterMesh(
                    `${name}-${m.name}`,
                    {
                        cluster: m.cluster,
                        member: members[i],
                        members,
                        ca: trust.clusters[m.name],
                        controlPlane,
                        policy,
                        istio: istio.get(m.name)!,
                    },
                    { parent: this },
                ),
            );
        });

        // Reader tokens rotate together: the first `pulumi up --refresh` after the period (or a new
        // generation) replaces this resource, and every link's token with it (./remoteSecret.ts).
        const timeProvider = new time.Provider(`${name}-time`, {}, { parent: this });
        const rotation = new time.Rotating(
            `${name}-reader-token-rotation`,
            {
                rotationDays: args.readerTokenRotationDays ?? 30,
                triggers: { generation: args.readerTokenGeneration ?? "t1" },
            },
            { parent: this, provider: timeProvider },
        );

        // Every ordered pair: N x (N - 1) remote secrets, none from a cluster to itself.
        for (const source of args.members) {
            for (const target of args.members) {
                if (source.name === target.name) continue;
                const s = perCluster.get(source.name)!;
                const t = perCluster.get(target.name)!;
                new RemoteSecret(
                    `${name}-${source.name}-to-${target.name}`,
                    {
                        source: source.cluster,
                        target: target.cluster,
                        sourceIstioNamespace: s.istioNamespace,
                        targetIstioNamespace: t.istioNamespace,
                        sourceRevisions: istio.get(source.name)!.revisions.map((r, i) => ({
                            revision: r.revision,
                            istiod: s.istiods[i],
                        })),
                        rotation,
                        timeProvider,
                    },
                    { parent: this },
                );
            }
        }

        const infos: Record<string, ClusterMeshInfo> = {};
        for (const [clusterName, cm] of perCluster) {
            infos[clusterName] = {
                name: clusterName,
                istioNamespace: cm.istioNamespace,
                gatewayNamespace: cm.gatewayNamespace,
                ingressHostname: cm.ingressHostname,
                ingressHealthCheck: INGRESS_HEALTH_CHECK,
                ready: cm.ready,
                tenant: cm.tenantContext,
                component: cm,
            };
        }
        const primary = istio.get(args.members[0].name)!;
        const primaryRevision = primary.defaultRevision;
        const istioInfo: MeshInfo["istio"] = Object.fromEntries(
            [...istio].map(([cluster, c]) => [
                cluster,
                {
                    revisions: c.revisions.map((r) => ({
                        version: r.version,
                        revision: r.revision,
                    })),
                    tags: Object.fromEntries([...c.tagRevision].map(([t, r]) => [t, r.revision])),
                    gatewayTag: c.gatewayTag,
                    namespaceTag: c.namespaceTag,
                },
            ]),
        );
        this.info = {
            meshId: args.meshId,
            version: primaryRevision.version,
            revision: primaryRevision.revision,
            istio: istioInfo,
            clusters: infos,
            caMaterial: trust.material,
            rootBundlePem: trust.rootBundlePem,
        };
        this.registerOutputs({
            revision: primaryRevision.revision,
            rootBundlePem: trust.rootBundlePem,
        });
    }
}

/** Across the mesh, istiod minors at most one apart (the control plane may lead the data plane by one). */
function validateMeshSkew(name: string, istio: ReadonlyMap<string, ResolvedClusterIstio>): void {
    const all = [...istio].flatMap(([cluster, c]) =>
        c.revisions.map((r) => ({ cluster, version: r.version })),
    );
    const minors = all.map((x) => minorOf(x.version));
    if (Math.max(...minors) - Math.min(...minors) > 1)
        throw new Error(
            `Mesh ${name}: the clusters run Istio ${all.map((x) => `${x.cluster}=${x.version}`).join(", ")}, more than one minor apart; upstream supports one minor of skew: finish one upgrade before starting the next`,
        );
}

/** Every arg the mesh can check before declaring anything; errors name the component and the arg path. */
function validateMeshArgs(name: string, args: MeshArgs): void {
    const fail = (msg: string): never => {
        throw new Error(`Mesh ${name}: ${msg}`);
    };
    if (!args.meshId) fail(`args.meshId is empty`);
    if (args.members.length === 0) fail(`args.members is empty; a mesh needs at least one cluster`);
    const firstIndex = (pick: (m: MeshMemberArgs) => string, field: string) =>
        args.members.forEach((m, i) => {
            const j = args.members.findIndex((o) => pick(o) === pick(m));
            if (j !== i)
                fail(
                    `args.members[${i}].${field} "${pick(m)}" is used by members[${j}] too; each cluster needs its own`,
                );
        });
    firstIndex((m) => m.name, "name");
    firstIndex((m) => m.network, "network");
    args.members.forEach((m, i) => {
        for (const field of ["name", "network", "cloud"] as const) {
            if (m[field] !== m.cluster[field])
                fail(
                    `args.members[${i}].${field} "${m[field]}" does not match args.members[${i}].cluster.${field} "${m.cluster[field]}"`,
                );
        }
    });
    const primaries = args.members.map((m, i) => (m.primary ? i : -1)).filter((i) => i >= 0);
    if (primaries.length > 1)
        fail(
            `args.members[${primaries.join("], members[")}] are all primary; at most one member is primary`,
        );
    if (args.trustGenerations.length === 0)
        fail(`args.trustGenerations needs at least one root CA generation (got [])`);
    args.trustGenerations.forEach((g, i) => {
        const j = args.trustGenerations.indexOf(g);
        if (j !== i)
            fail(
                `args.trustGenerations[${i}] "${g}" is listed at [${j}] too; generations must be unique`,
            );
    });
    if (
        "serviceCount" in args.sizing &&
        !(Number.isInteger(args.sizing.serviceCount) && args.sizing.serviceCount >= 0)
    ) {
        fail(
            `args.sizing.serviceCount must be a whole number >= 0 (got ${args.sizing.serviceCount})`,
        );
    }
    if (
        args.minReplicas !== undefined &&
        !(Number.isInteger(args.minReplicas) && args.minReplicas >= 1)
    ) {
        fail(`args.minReplicas must be a whole number >= 1 (got ${args.minReplicas})`);
    }
    const pct = args.traceSamplingPercent;
    if (pct !== undefined && !(pct >= 0 && pct <= 100))
        fail(`args.traceSamplingPercent must be within 0-100 (got ${pct})`);
    if (args.ingress.hostnames.length === 0)
        fail(`args.ingress.hostnames is empty; the public gateway would serve no host`);
    if (!args.ingress.tlsSecretName) fail(`args.ingress.tlsSecretName is empty`);
    if (args.jwt.requiredPaths.length === 0)
        fail(`args.jwt.requiredPaths is empty; say which public paths need a token`);
    args.jwt.requiredPaths.forEach((p, i) => {
        if (!p.startsWith("/")) fail(`args.jwt.requiredPaths[${i}] "${p}" must start with /`);
    });
    const days = args.readerTokenRotationDays;
    if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 365))
        fail(
            `args.readerTokenRotationDays must be a whole number of days within 1-365 (got ${days})`,
        );
    const gen = args.readerTokenGeneration;
    if (gen !== undefined && !TOKEN_GENERATION.test(gen)) {
        fail(
            `args.readerTokenGeneration "${gen}" must be a short lower-case id like t2 (it is part of a secret name)`,
        );
    }
}
