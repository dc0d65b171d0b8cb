/**
 * One cluster's part of the mesh: Istio's namespaces, the plug-in CA secret, the official charts (base,
 * one istiod per revision, east-west and ingress gateways), the revision tags' webhooks, the ingress
 * gateway's LoadBalancer Service, and the mesh-wide security and telemetry resources (declared in every
 * cluster, because each primary reads only its own cluster's config). Tenants join through
 * `tenantContext`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterInfo } from "../types";
import {
    EASTWEST_GATEWAY_NAME,
    GATEWAY_NAMESPACE,
    INGRESS_GATEWAY_NAME,
    ISTIO_NAMESPACE,
} from "../constants";
import { PUBLIC_GATEWAY_REF } from "./gateways";
import { istioResourceName } from "./istio-resource";
import type { MeshMember } from "./member";
import { meshIstioResources, MeshPolicy } from "./mesh-resources";
import {
    injectedNamespaceLabels,
    istioNamespaceLabels,
    spiffePrincipal,
    TRUST_ROOTS_ANNOTATION,
    SIGNING_ROOT_ANNOTATION,
} from "./naming";
import { ResolvedClusterIstio, ResolvedRevision, revisionTagWebhook } from "./revisions";
import type { MeshTenantContext } from "./tenant-context";
import type { ClusterCa } from "./trust";
import {
    baseValues,
    ControlPlaneSettings,
    gatewayValues,
    ingressService,
    istiodValues,
} from "./values";
import { ISTIO_CHART_REPO } from "./version";

export interface ClusterMeshArgs {
    /** The cluster: its Kubernetes provider, readiness and tags. */
    readonly cluster: ClusterInfo;
    /** This cluster as a mesh member (must describe `cluster`: same name and network). */
    readonly member: MeshMember;
    /** Every member of the mesh, this one included (east-west source ranges, tenants' failover). */
    readonly members: readonly MeshMember[];
    /** The cluster's CA material from MeshTrust. */
    readonly ca: ClusterCa;
    /** Control plane decisions, the same in every cluster. */
    readonly controlPlane: ControlPlaneSettings;
    /** Mesh-wide policy, the same in every cluster. */
    readonly policy: MeshPolicy;
    /** This cluster's Istio revisions and tags (checked by resolveClusterIstio). */
    readonly istio: ResolvedClusterIstio;
}

/** Helm timeout for charts whose resources include cloud load balancers. */
const GATEWAY_TIMEOUT_SECONDS = 900;

export class ClusterMesh extends pulumi.ComponentResource {
    readonly istioNamespace: k8s.core.v1.Namespace;
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    readonly base: k8s.helm.v3.Release;
    /** One istiod release per revision, in `istio.revisions` order. */
    readonly istiods: readonly k8s.helm.v3.Release[];
    /** The revisions' tag webhooks. */
    readonly tagWebhooks: readonly k8s.admissionregistration.v1.MutatingWebhookConfiguration[];
    readonly eastWestGateway: k8s.helm.v3.Release;
    readonly ingressGateway: k8s.helm.v3.Release;
    /** The public ingress gateway's load balancer hostname (AWS) or IP (GKE), from its Service status. */
    readonly ingressHostname: pulumi.Output<string>;
    /** Resources that must exist before workloads join the mesh in this cluster. */
    readonly ready: pulumi.Resource[];
    /** What a tenant needs to join this cluster's mesh. */
    readonly tenantContext: MeshTenantContext;

    constructor(name: string, args: ClusterMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:ClusterMesh", name, {}, opts);
        const { cluster, member } = args;
        if (member.name !== cluster.name || member.network !== cluster.network) {
            throw new Error(
                `ClusterMesh ${name}: args.member ${member.name}/${member.network} does not describe args.cluster ${cluster.name}/${cluster.network}`,
            );
        }
        if (!args.members.some((m) => m.name === member.name)) {
            throw new Error(
                `ClusterMesh ${name}: args.members (${args.members.map((m) => m.name).join(", ")}) does not include args.member ${member.name}`,
            );
        }
        const provider = cluster.provider;
        const on = (
            dependsOn: pulumi.Input<pulumi.Resource>[] = [],
            extra: pulumi.CustomResourceOptions = {},
        ): pulumi.CustomResourceOptions => ({ parent: this, provider, dependsOn, ...extra });

        // Dependency edges, and why each exists (the first deploy runs along them):
        // - namespaces, cacerts and istio-base (CRDs, the default validating webhook with failurePolicy
        //   Ignore) are API objects: they need only the API server, which the provider already waits
        //   for (admin access entry), not nodes; so they are created while the node groups come up;
        // - istiod runs pods: it waits for `cluster.ready` (nodes, CNI, DNS), for base (its CRDs) and
        //   for cacerts (read at start);
        // - gateways are injected by istiod's webhook, so they wait for istiod;
        // - LoadBalancer Services (the east-west chart's own, our ingress Service) wait for
        //   `cluster.loadBalancersReady` (EKS: the load balancer controller's webhook); nothing else does.
        // Fixed names: Istio looks for istio-system; GATEWAY_NAMESPACE is shared with cert-manager.
        this.istioNamespace = new k8s.core.v1.Namespace(
            `${name}-istio-system`,
            {
                metadata: { name: ISTIO_NAMESPACE, labels: istioNamespaceLabels(member) },
            },
            on([]),
        );
        // No revision label on the gateway namespace: each gateway's pods carry their own tag
        // (`istio.io/rev`, chart value `revision`), matched by the tag webhook's object selector, so a
        // gateway moves by its own setting.
        this.gatewayNamespace = new k8s.core.v1.Namespace(
            `${name}-gateways`,
            { metadata: { name: GATEWAY_NAMESPACE, labels: {} } },
            on([]),
        );

        // Plug-in CA (istiod reads /etc/cacerts from this secret at start; it must exist first).
        const cacerts = new k8s.core.v1.Secret(
            `${name}-cacerts`,
            {
                metadata: {
                    name: "cacerts",
                    namespace: this.istioNamespace.metadata.name,
                    // Which roots this cluster trusts and which one signs (public facts, for the
                    // mesh-consistency policy and the rotation check: the data itself is secret).
                    annotations: {
                        [TRUST_ROOTS_ANNOTATION]: args.ca.trustedGenerations.join(","),
                        [SIGNING_ROOT_ANNOTATION]: args.ca.signingGeneration,
                    },
                },
                type: "Opaque",
                stringData: {
                    "ca-cert.pem": args.ca.certPem,
                    "ca-key.pem": args.ca.keyPem,
                    "root-cert.pem": args.ca.rootBundlePem,
                    "cert-chain.pem": args.ca.certChainPem,
                },
            },
            on([], { additionalSecretOutputs: ["stringData", "data"] }),
        );

        const istio = args.istio;
        const release = (
            role: string,
            chart: string,
            version: string,
            releaseName: string,
            namespace: k8s.core.v1.Namespace,
            values: pulumi.Inputs,
            dependsOn: pulumi.Resource[],
            timeout?: number,
        ) =>
            new k8s.helm.v3.Release(
                `${name}-${role}`,
                {
                    name: releaseName,
                    chart,
                    version,
                    repositoryOpts: { repo: ISTIO_CHART_REPO },
                    namespace: namespace.metadata.name,
                    values,
                    maxHistory: 10,
                    ...(timeout ? { timeout } : {}),
                },
                on(dependsOn),
            );

        // Base (CRDs) follows the newest installed version: CRDs are backward compatible, and upstream
        // upgrades them before the new istiod.
        this.base = release(
            "base",
            "base",
            istio.baseVersion,
            "istio-base",
            this.istioNamespace,
            baseValues(istio.defaultRevision.revision),
            [],
        );
        const byRevision = new Map<string, k8s.helm.v3.Release>();
        this.istiods = istio.revisions.map((r: ResolvedRevision) => {
            const istiod = release(
                `istiod${r.logicalSuffix}`,
                "istiod",
                r.version,
                r.releaseName,
                this.istioNamespace,
                istiodValues(args.controlPlane, member, args.ca.digest, r.revision),
                [this.base, cacerts, ...cluster.ready],
            );
            byRevision.set(r.revision, istiod);
            return istiod;
        });
        // A tag's webhook points at its revision's istiod Service, so it waits for that release.
        this.tagWebhooks = [...istio.tagRevision].map(([tag, r]) => {
            const hook = revisionTagWebhook(tag, r.revision);
            return new k8s.admissionregistration.v1.MutatingWebhookConfiguration(
                `${name}-tag-${tag}`,
                { metadata: hook.metadata, webhooks: hook.webhooks },
                on([byRevision.get(r.revision)!]),
            );
        });
        // Gateways are injected through their tag's webhook, so it and its istiod come first. The
        // east-west chart renders its own LoadBalancer Service (internal NLB): it also waits for the LB
        // controller. The gateway chart follows the version its tag points at.
        const gatewayRevision = istio.tagRevision.get(istio.gatewayTag)!;
        const gatewayReady = [byRevision.get(gatewayRevision.revision)!, ...this.tagWebhooks];
        this.eastWestGateway = release(
            "eastwest",
            "gateway",
            gatewayRevision.version,
            EASTWEST_GATEWAY_NAME,
            this.gatewayNamespace,
            gatewayValues(
                args.controlPlane,
                member,
                "eastwest",
                args.members,
                cluster.tags,
                istio.gatewayTag,
            ),
            [...gatewayReady, ...cluster.loadBalancersReady],
            GATEWAY_TIMEOUT_SECONDS,
        );
        this.ingressGateway = release(
            "ingress",
            "gateway",
            gatewayRevision.version,
            INGRESS_GATEWAY_NAME,
            this.gatewayNamespace,
            gatewayValues(
                args.controlPlane,
                member,
                "ingress",
                args.members,
                cluster.tags,
                istio.gatewayTag,
            ),
            gatewayReady,
            GATEWAY_TIMEOUT_SECONDS,
        );

        // CRDs come from base; the validating webhook from istiod; namespaces must exist.
        const configReady = [
            this.base,
            ...this.istiods,
            this.istioNamespace,
            this.gatewayNamespace,
        ];
        for (const m of meshIstioResources(args.policy)) {
            new k8s.apiextensions.CustomResource(
                istioResourceName(name, m),
                {
                    apiVersion: m.apiVersion,
                    kind: m.kind,
                    metadata: m.metadata,
                    spec: m.spec,
                },
                on(configReady),
            );
        }

        // The ingress gateway's LoadBalancer Service is ours (the chart renders none for it, see
        // gatewayValues): Pulumi waits until the cloud has assigned its address, and a preview of a new
        // stack shows the address as unknown instead of failing on a read of a Service that does not exist.
        const svc = ingressService(member, cluster.tags);
        const service = new k8s.core.v1.Service(
            `${name}-ingress-service`,
            {
                metadata: svc.metadata,
                spec: svc.spec,
            },
            on([this.ingressGateway, this.gatewayNamespace, ...cluster.loadBalancersReady]),
        );
        this.ingressHostname = service.status.apply((s) => {
            const ingress = s?.loadBalancer?.ingress?.[0];
            return ingress?.hostname ?? ingress?.ip ?? "";
        });

        this.ready = [
            ...this.istiods,
            ...this.tagWebhooks,
            this.eastWestGateway,
            this.ingressGateway,
        ];
        this.tenantContext = {
            clusterName: member.name,
            injectionLabels: injectedNamespaceLabels(istio.namespaceTag),
            namespaceInjectionLabels: Object.fromEntries(
                Object.entries(istio.namespaceTags).map(([ns, tag]) => [
                    ns,
                    injectedNamespaceLabels(tag),
                ]),
            ),
            gatewayNamespace: this.gatewayNamespace,
            gatewayNamespaceName: GATEWAY_NAMESPACE,
            publicGatewayRef: PUBLIC_GATEWAY_REF,
            publicHostnames: [...args.policy.ingress.hostnames],
            // The gateway chart names the pods' service account after the release.
            ingressPrincipal: spiffePrincipal(GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME),
            localities: args.members.map((m) => ({ locality: m.locality, primary: m.primary })),
            configReady,
            ready: this.ready,
        };
        this.registerOutputs({ ingressHostname: this.ingressHostname });
    }
}
