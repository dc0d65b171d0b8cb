/**
 * The golden path for app teams: `MeshService` (one service on the mesh) and `ServiceNamespace` (an
 * injected namespace with default deny). Published as the package's `mesh-platform/service` entry:
 *
 *     import { MeshService, ServiceNamespace } from "mesh-platform/service";
 */
export { MeshService } from "./mesh-service";
export { ServiceNamespace, namespaceDefaultDeny } from "./namespace";
export type { ServiceNamespaceArgs } from "./namespace";
export type {
    CanaryArgs,
    Caller,
    ClusterRoutingArgs,
    HttpMethod,
    MeshServiceArgs,
    PrincipalCaller,
    ProbeArgs,
    PublicRouteArgs,
    ResolvedServiceArgs,
    ServiceCaller,
    ServiceJwtArgs,
} from "./args";
export { DEFAULTS as MESH_SERVICE_DEFAULTS, HTTP_METHODS } from "./args";
export { MeshServiceArgsError, resolveServiceArgs } from "./resolve";
export { serviceManifests } from "./manifests";
export type { ServiceManifests } from "./manifests";
export { errorRatioQuery } from "./analysis";
export { APP_RESOURCES, SERVICE_SIZES } from "./sizing";
export type { ServiceSize } from "./sizing";
export {
    CACHE_FILTER,
    IDEMPOTENT_METHODS,
    IDEMPOTENT_RETRIES,
    NON_IDEMPOTENT_RETRIES,
} from "./traffic";
export type { KubeManifest } from "./workload";
