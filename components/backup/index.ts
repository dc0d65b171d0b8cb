/**
 * Backup area: per region a backup bucket, replication to the peer region, Velero, and the mesh CA
 * material object. Each component lives in its own file; this module only re-exports.
 */
export * from "./backups";
export * from "./bucket";
export * from "./replication";
export {
    VELERO_CHART,
    VELERO_PLUGINS,
    VELERO_SERVICE_ACCOUNT,
    Velero,
    veleroAwsPolicy,
} from "./velero";
export type { VeleroArgs, VeleroReplica } from "./velero";
