/** Composition of the mesh area: the stack config mapped to the mesh component's args. */
import type { PlatformConfig } from "../config";
import { createMesh, MeshInfo } from "../components/mesh";
import type { ClusterInfo } from "../components/types";

export function composeMesh(cfg: PlatformConfig, clusters: readonly ClusterInfo[]): MeshInfo {
    return createMesh(cfg, clusters);
}
