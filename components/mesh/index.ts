/**
 * The generic Istio mesh (reusable by another company): trust, per-cluster control planes, gateways,
 * remote secrets and mesh-wide policy. See ./mesh.ts; tenants join through ./tenant-context.ts.
 */
export { DEFAULT_ISTIO, Mesh } from "./mesh";
export type {
    ClusterMeshInfo,
    MeshArgs,
    MeshInfo,
    MeshJwtArgs,
    MeshMemberArgs,
    MeshSizing,
} from "./mesh";
export type { MeshMember, MeshLocality } from "./member";
export type { MeshTenantContext } from "./tenant-context";
export type { SizeBand } from "./sizing";
export type { MtlsMode } from "./security";
export type { OutboundTrafficPolicy } from "./values";
export { INGRESS_HEALTH_CHECK } from "./naming";
export { DEFAULT_TAG, ISTIO_REVISION, ISTIO_VERSION, ISTIO_VERSIONS, revisionOf } from "./version";
export type { ClusterIstioArgs, IstioRevisionArgs } from "./revisions";
