/**
 * Backup area: per region a backup bucket, replication to the peer region and Velero (the mesh CA
 * material lives in the CA vault, components/secrets). Each component lives in its own file; this
 * module only re-exports.
 */
export * from "./backups";
export * from "./bucket";
export * from "./replication";
export {
    VELERO_CHART,
    VELERO_PLUGINS,
    VELERO_REPO_CREDENTIALS,
    VELERO_SERVICE_ACCOUNT,
    veleroServiceAccount,
    Velero,
    veleroAwsPolicy,
} from "./velero";
export type { VeleroArgs, VeleroReplica } from "./velero";
