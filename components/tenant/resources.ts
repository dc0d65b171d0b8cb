/** Every Istio resource the EdTech tenant declares in one cluster (pure: tests and policies reuse it). */
import type { IstioManifest } from "../mesh/istio-resource";
import type { MeshLocality } from "../mesh/member";
import { allowFromIngress, defaultDeny, examIntegrity, userDataProtection } from "./authorization";
import { APP_DOMAINS, PUBLIC_ROUTES } from "./domains";
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

export function tenantIstioResources(mesh: TenantMeshFacts): IstioManifest[] {
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
        userDataProtection(),
        examIntegrity(),
    );
    return out;
}
