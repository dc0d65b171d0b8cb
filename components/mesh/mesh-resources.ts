/**
 * Every Istio resource the mesh itself declares in one cluster. Multi-primary: each istiod reads only
 * its own cluster's config, so the mesh-wide policy is declared identically in every cluster.
 * Tenants (components/tenant) add their own namespaces and policies on top.
 */
import { crossNetworkGateway, publicGateway, PublicIngress } from "./gateways";
import type { IstioManifest } from "./istio-resource";
import {
    IngressJwt,
    ingressRequestAuthentication,
    ingressRequireJwt,
    meshPeerAuthentication,
    MtlsMode,
} from "./security";
import { meshTelemetry } from "./telemetry";

/** The mesh-wide policy of one mesh (the same in every cluster). */
export interface MeshPolicy {
    /** Mesh-wide mTLS mode. */
    readonly mtlsMode: MtlsMode;
    /** Mesh-wide trace sampling, percent. */
    readonly traceSamplingPercent: number;
    /** What the public gateway serves. */
    readonly ingress: PublicIngress;
    /** The token issuer the ingress validates. */
    readonly jwt: IngressJwt;
    /** Paths on the public gateway that reject a request without a valid token. */
    readonly jwtRequiredPaths: readonly string[];
}

export function meshIstioResources(policy: MeshPolicy): IstioManifest[] {
    return [
        meshPeerAuthentication(policy.mtlsMode),
        meshTelemetry(policy.traceSamplingPercent),
        crossNetworkGateway(),
        publicGateway(policy.ingress),
        ingressRequestAuthentication(policy.jwt),
        ingressRequireJwt(policy.jwtRequiredPaths),
    ];
}
