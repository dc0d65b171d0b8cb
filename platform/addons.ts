/** Composition of the per-cluster add-ons: certificates (cert-manager) and observability. */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../config";
import { createCertificates } from "../components/certificates";
import { createObservability } from "../components/observability";
import type { ClusterInfo } from "../components/types";

export interface AddonInputs {
    /** The mesh's gateway namespace in this cluster: the ingress certificate's secret lands there. */
    readonly gatewayNamespace: k8s.core.v1.Namespace;
}

export function composeClusterAddons(cfg: PlatformConfig, cluster: ClusterInfo, mesh: AddonInputs): pulumi.Resource[] {
    const certificates = createCertificates(cfg, cluster, { dependsOn: [mesh.gatewayNamespace] });
    // Nothing in observability needs the mesh (namespaces outside it, no Istio CRDs), so it installs in parallel.
    const observability = createObservability(cfg, cluster);
    return [certificates, observability];
}
