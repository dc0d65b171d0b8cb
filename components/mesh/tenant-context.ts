/**
 * What the mesh offers a tenant in one cluster: everything a tenant component (components/tenant)
 * needs to put its namespaces into the mesh and route and authorize its traffic, without knowing how
 * the mesh is installed.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { MeshLocality } from "./member";

export interface MeshTenantContext {
    /** The Istio cluster name of this cluster. */
    readonly clusterName: string;
    /** Labels that put a namespace's pods into the mesh (sidecar injection by revision, `istio.io/rev`). */
    readonly injectionLabels: Readonly<Record<string, string>>;
    /**
     * Per namespace, labels that replace `injectionLabels` (a namespace moved to another revision tag
     * first). @default {}
     */
    readonly namespaceInjectionLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** The gateway namespace (a Kubernetes object): public VirtualServices live here. */
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    /** Its fixed name (`istio-gateways`). */
    readonly gatewayNamespaceName: string;
    /** `<namespace>/<name>` of the public Gateway that VirtualServices bind to for public routes. */
    readonly publicGatewayRef: string;
    /** Hostnames the public gateway serves. */
    readonly publicHostnames: readonly string[];
    /** SPIFFE principal of the public ingress gateway: what a policy allows to let public traffic in. */
    readonly ingressPrincipal: string;
    /** Every member's locality, in member order (primary first): what locality failover routes between. */
    readonly localities: readonly MeshLocality[];
    /**
     * Depend on these before declaring Istio custom resources in this cluster: the CRDs (base chart),
     * the validating webhook (istiod) and the mesh's namespaces.
     */
    readonly configReady: readonly pulumi.Resource[];
    /** Depend on these before deploying meshed workloads: istiod (injection) and both gateways. */
    readonly ready: readonly pulumi.Resource[];
}
