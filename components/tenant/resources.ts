/** Every Istio resource the EdTech tenant declares in one cluster (pure: tests and policies reuse it). */
import type { IstioManifest } from "../mesh/istio-resource";
import type { MeshLocality } from "../mesh/member";
import {
    allowFromIngress,
    defaultDeny,
    examIntegrity,
    TenantJwt,
    userDataProtection,
    workloadRequestAuthentication,
} from "./authorization";
import { APP_DOMAINS, JWT_PROTECTED_WORKLOADS, PUBLIC_ROUTES } from "./domains";
import {
    PublicGatewayBinding,
    publicVirtualService,
    serviceDestinationRule,
    serviceVirtualService,
} from "./traffic";

/** The mesh facts the tenant's Istio resources depend on (a subset of MeshTenantContext). */
export interface TenantMeshFacts extends PublicGatewayBinding {
    /** SPIFFE principal of the public ingress gateway. */
    readonly ingressPrincipal: string;
    /** Every member's locality (primary first), for failover. */
    readonly localities: readonly MeshLocality[];
}

/** The tenant's Istio resources in one cluster; `jwt` is the issuer the protected workloads accept. */
export function tenantIstioResources(mesh: TenantMeshFacts, jwt: TenantJwt): IstioManifest[] {
    const out: IstioManifest[] = [publicVirtualService(mesh)];
    for (const [ns, services] of Object.entries(APP_DOMAINS)) {
        out.push(defaultDeny(ns));
        for (const svc of services)
            out.push(
                serviceDestinationRule(ns, svc, mesh.localities),
                serviceVirtualService(ns, svc),
            );
    }
    out.push(
        ...PUBLIC_ROUTES.map((r) => allowFromIngress(r, mesh.ingressPrincipal)),
        ...JWT_PROTECTED_WORKLOADS.map((svc) => workloadRequestAuthentication(svc, jwt)),
        userDataProtection(jwt),
        examIntegrity(jwt),
    );
    return out;
}
