/** Every object a MeshService declares, as plain manifests, in dependency order (pure). */
import type { IstioManifest } from "../mesh/istio-resource";
import { analysisTemplate } from "./analysis";
import type { ResolvedServiceArgs } from "./args";
import { authorizationPolicy, requestAuthentication } from "./authorization";
import { cacheFilter, destinationRules, meshVirtualService, publicVirtualService } from "./traffic";
import {
    autoscaler,
    deployment,
    disruptionBudget,
    KubeManifest,
    rollout,
    serviceAccount,
    services,
} from "./workload";

export interface ServiceManifests {
    /** ServiceAccount, Services, HPA, PDB, and the Deployment or the AnalysisTemplate and Rollout. */
    readonly workload: readonly KubeManifest[];
    /** Istio configuration: DestinationRules, VirtualServices, AuthorizationPolicy, RequestAuthentication, EnvoyFilter. */
    readonly istio: readonly IstioManifest[];
}

const present = <T>(x: T | undefined): x is T => x !== undefined;

export function serviceManifests(a: ResolvedServiceArgs): ServiceManifests {
    const workload: KubeManifest[] = [
        serviceAccount(a),
        ...services(a),
        ...(a.canary ? [analysisTemplate(a)!, rollout(a)] : [deployment(a)]),
        autoscaler(a),
        disruptionBudget(a),
    ];
    const istio = [
        ...destinationRules(a),
        meshVirtualService(a),
        publicVirtualService(a),
        authorizationPolicy(a),
        requestAuthentication(a),
        cacheFilter(a),
    ].filter(present);
    return { workload, istio };
}
