/**
 * One cluster's part of the mesh: Istio's namespaces, the plug-in CA secret, the official charts
 * (base, istiod, east-west and ingress gateways) at the pinned revision, the app namespaces with their
 * service accounts, and the mesh-wide security and traffic resources (declared in every cluster,
 * because each primary reads only its own cluster's config).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { APP_DOMAINS, EASTWEST_GATEWAY_NAME, GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME, ISTIO_NAMESPACE } from "../constants";
import {
    baseValues, clusterIstioResources, gatewayValues, ingressService, injectedNamespaceLabels, istiodValues, istioNamespaceLabels,
    MeshMember,
} from "./manifests";
import type { ClusterCa } from "./trust";
import { ISTIO_CHART_REPO, ISTIO_VERSION } from "./version";

export interface ClusterMeshArgs {
    readonly cfg: PlatformConfig;
    readonly cluster: ClusterInfo;
    /** This cluster as a mesh member, and all members (for failover and east-west source ranges). */
    readonly member: MeshMember;
    readonly members: readonly MeshMember[];
    /** The cluster's CA material from MeshTrust. */
    readonly ca: ClusterCa;
}

/** Helm timeout for charts whose resources include cloud load balancers. */
const GATEWAY_TIMEOUT_SECONDS = 900;

export class ClusterMesh extends pulumi.ComponentResource {
    readonly istioNamespace: k8s.core.v1.Namespace;
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    readonly appNamespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
    readonly istiod: k8s.helm.v3.Release;
    readonly eastWestGateway: k8s.helm.v3.Release;
    readonly ingressGateway: k8s.helm.v3.Release;
    /** The public ingress gateway's load balancer hostname (AWS) or IP (GKE), from its Service status. */
    readonly ingressHostname: pulumi.Output<string>;
    /** Resources that must exist before workloads join the mesh in this cluster. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ClusterMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:mesh:ClusterMesh", name, {}, opts);
        const { cfg, cluster, member } = args;
        if (member.name !== cluster.name || member.network !== cluster.network) {
            throw new Error(`mesh: member ${member.name}/${member.network} does not describe cluster ${cluster.name}/${cluster.network}`);
        }
        const provider = cluster.provider;
        const on = (dependsOn: pulumi.Input<pulumi.Resource>[] = [], extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions =>
            ({ parent: this, provider, dependsOn, ...extra });

        // Fixed names: Istio looks for istio-system; GATEWAY_NAMESPACE is shared with cert-manager.
        this.istioNamespace = new k8s.core.v1.Namespace(`${name}-istio-system`, {
            metadata: { name: ISTIO_NAMESPACE, labels: istioNamespaceLabels(member) },
        }, on(cluster.ready));
        this.gatewayNamespace = new k8s.core.v1.Namespace(`${name}-gateways`, {
            metadata: { name: GATEWAY_NAMESPACE, labels: injectedNamespaceLabels() },
        }, on(cluster.ready));
        const appNamespaces: Record<string, k8s.core.v1.Namespace> = {};
        for (const [ns, services] of Object.entries(APP_DOMAINS)) {
            const namespace = new k8s.core.v1.Namespace(`${name}-ns-${ns}`, {
                metadata: { name: ns, labels: { ...injectedNamespaceLabels(), "mesh-platform.io/domain": ns } },
            }, on(cluster.ready));
            appNamespaces[ns] = namespace;
            // One identity per service: the principals that authorization policies name.
            for (const svc of services) {
                new k8s.core.v1.ServiceAccount(`${name}-sa-${ns}-${svc}`, {
                    metadata: { name: svc, namespace: namespace.metadata.name, labels: { app: svc } },
                }, on());
            }
        }
        this.appNamespaces = appNamespaces;

        // Plug-in CA (istiod reads /etc/cacerts from this secret at start; it must exist first).
        const cacerts = new k8s.core.v1.Secret(`${name}-cacerts`, {
            metadata: { name: "cacerts", namespace: this.istioNamespace.metadata.name },
            type: "Opaque",
            stringData: {
                "ca-cert.pem": args.ca.certPem,
                "ca-key.pem": args.ca.keyPem,
                "root-cert.pem": args.ca.rootBundlePem,
                "cert-chain.pem": args.ca.certChainPem,
            },
        }, on([], { additionalSecretOutputs: ["stringData", "data"] }));

        const release = (role: string, chart: string, releaseName: string, namespace: k8s.core.v1.Namespace,
            values: pulumi.Inputs, dependsOn: pulumi.Resource[], timeout?: number) =>
            new k8s.helm.v3.Release(`${name}-${role}`, {
                name: releaseName,
                chart,
                version: ISTIO_VERSION,
                repositoryOpts: { repo: ISTIO_CHART_REPO },
                namespace: namespace.metadata.name,
                values,
                maxHistory: 10,
                ...(timeout ? { timeout } : {}),
            }, on(dependsOn));

        const base = release("base", "base", "istio-base", this.istioNamespace, baseValues(), []);
        this.istiod = release("istiod", "istiod", "istiod", this.istioNamespace, istiodValues(cfg, member, args.ca.digest), [base, cacerts]);
        // Gateways are injected by istiod's revision webhook, so istiod comes first.
        this.eastWestGateway = release("eastwest", "gateway", EASTWEST_GATEWAY_NAME, this.gatewayNamespace,
            gatewayValues(cfg, member, "eastwest", args.members, cluster.tags), [this.istiod], GATEWAY_TIMEOUT_SECONDS);
        this.ingressGateway = release("ingress", "gateway", INGRESS_GATEWAY_NAME, this.gatewayNamespace,
            gatewayValues(cfg, member, "ingress", args.members, cluster.tags), [this.istiod], GATEWAY_TIMEOUT_SECONDS);

        // CRDs come from base; the validating webhook from istiod; namespaces must exist.
        const namespaces = [this.istioNamespace, this.gatewayNamespace, ...Object.values(appNamespaces)];
        for (const m of clusterIstioResources(cfg, args.members)) {
            new k8s.apiextensions.CustomResource(`${name}-${m.kind.toLowerCase()}-${m.metadata.namespace}-${m.metadata.name}`, {
                apiVersion: m.apiVersion,
                kind: m.kind,
                metadata: m.metadata,
                spec: m.spec,
            }, on([base, this.istiod, ...namespaces]));
        }

        // The ingress gateway's LoadBalancer Service is ours (the chart renders none for it, see
        // gatewayValues): Pulumi waits until the cloud has assigned its address, and a preview of a new
        // stack shows the address as unknown instead of failing on a read of a Service that does not exist.
        const svc = ingressService(member, cluster.tags);
        const service = new k8s.core.v1.Service(`${name}-ingress-service`, {
            metadata: svc.metadata,
            spec: svc.spec,
        }, on([this.ingressGateway, this.gatewayNamespace]));
        this.ingressHostname = service.status.apply((s) => {
            const ingress = s?.loadBalancer?.ingress?.[0];
            return ingress?.hostname ?? ingress?.ip ?? "";
        });

        this.ready = [this.istiod, this.eastWestGateway, this.ingressGateway];
        this.registerOutputs({ ingressHostname: this.ingressHostname });
    }
}
