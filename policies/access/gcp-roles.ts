/**
 * The GCP predefined roles the program grants, with the permissions the access matrix asks about.
 * A pinned, dated copy (not the whole role: only the permissions an expectation checks, plus the ones
 * that decide a CA, bucket, secret, key, zone or impersonation question). A role the plan grants that
 * is missing here makes a failing row ("no pinned permissions"), so the table cannot silently go stale.
 *
 * Read on GCP_ROLES_AS_OF from the IAM roles reference (one page per service):
 * https://cloud.google.com/iam/docs/roles-permissions/<service> (storage, secretmanager, cloudkms, dns,
 * iam, artifactregistry, logging, monitoring, autoscaling, stackdriver, container).
 * A `*` ends a permission prefix the role holds whole (e.g. `storage.objects.*`).
 */
export const GCP_ROLES_AS_OF = "2026-12-02";

const page = (service: string) => `https://cloud.google.com/iam/docs/roles-permissions/${service}`;

export interface GcpRole {
    /** The permissions of the role the matrix can ask about (prefix `x.y.*` = every `x.y.` permission). */
    readonly permissions: readonly string[];
    readonly source: string;
}

export const GCP_ROLES: Readonly<Record<string, GcpRole>> = {
    // Cloud Storage
    "roles/storage.admin": {
        permissions: ["storage.buckets.*", "storage.objects.*", "storage.managedFolders.*"],
        source: page("storage"),
    },
    "roles/storage.objectAdmin": {
        permissions: [
            "storage.objects.*",
            "storage.managedFolders.*",
            "storage.multipartUploads.*",
        ],
        source: page("storage"),
    },
    "roles/storage.objectViewer": {
        permissions: [
            "storage.objects.get",
            "storage.objects.list",
            "storage.managedFolders.get",
            "storage.managedFolders.list",
            "storage.folders.get",
            "storage.folders.list",
        ],
        source: page("storage"),
    },
    "roles/storage.objectCreator": {
        permissions: ["storage.objects.create", "storage.managedFolders.create"],
        source: page("storage"),
    },
    "roles/storage.legacyBucketReader": {
        permissions: ["storage.buckets.get", "storage.objects.list"],
        source: page("storage"),
    },
    // Secret Manager
    "roles/secretmanager.admin": {
        permissions: ["secretmanager.*"],
        source: page("secretmanager"),
    },
    "roles/secretmanager.secretAccessor": {
        permissions: ["secretmanager.versions.access"],
        source: page("secretmanager"),
    },
    "roles/secretmanager.secretVersionAdder": {
        permissions: ["secretmanager.versions.add"],
        source: page("secretmanager"),
    },
    "roles/secretmanager.secretVersionManager": {
        // Adds and manages versions (enable, disable, destroy) and reads metadata; no
        // secretmanager.versions.access (the payload). The page's role table was not in the excerpt
        // read on GCP_ROLES_AS_OF; the role is the one the "Disable a secret version" page names
        // (https://cloud.google.com/secret-manager/docs/disable-secret-version).
        permissions: [
            "secretmanager.versions.add",
            "secretmanager.versions.enable",
            "secretmanager.versions.disable",
            "secretmanager.versions.destroy",
            "secretmanager.versions.get",
            "secretmanager.versions.list",
            "secretmanager.secrets.get",
            "secretmanager.secrets.list",
        ],
        source: page("secretmanager"),
    },
    "roles/secretmanager.viewer": {
        // Metadata only: no secretmanager.versions.access.
        permissions: [
            "secretmanager.secrets.get",
            "secretmanager.secrets.list",
            "secretmanager.versions.get",
            "secretmanager.versions.list",
        ],
        source: page("secretmanager"),
    },
    // Cloud KMS
    "roles/cloudkms.cryptoKeyEncrypterDecrypter": {
        permissions: [
            "cloudkms.cryptoKeyVersions.useToEncrypt",
            "cloudkms.cryptoKeyVersions.useToDecrypt",
        ],
        source: page("cloudkms"),
    },
    "roles/cloudkms.cryptoKeyDecrypter": {
        permissions: ["cloudkms.cryptoKeyVersions.useToDecrypt"],
        source: page("cloudkms"),
    },
    "roles/cloudkms.cryptoKeyEncrypter": {
        permissions: ["cloudkms.cryptoKeyVersions.useToEncrypt"],
        source: page("cloudkms"),
    },
    // Cloud DNS: grantable on a project or on one managed zone.
    "roles/dns.admin": {
        permissions: ["dns.changes.*", "dns.resourceRecordSets.*", "dns.managedZones.*"],
        source: page("dns"),
    },
    "roles/dns.reader": {
        permissions: [
            "dns.changes.get",
            "dns.changes.list",
            "dns.managedZones.get",
            "dns.managedZones.list",
            "dns.resourceRecordSets.get",
            "dns.resourceRecordSets.list",
        ],
        source: page("dns"),
    },
    // IAM: impersonation
    "roles/iam.workloadIdentityUser": {
        permissions: ["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.getOpenIdToken"],
        source: page("iam"),
    },
    "roles/iam.serviceAccountTokenCreator": {
        permissions: [
            "iam.serviceAccounts.getAccessToken",
            "iam.serviceAccounts.getOpenIdToken",
            "iam.serviceAccounts.signBlob",
            "iam.serviceAccounts.signJwt",
        ],
        source: page("iam"),
    },
    "roles/iam.serviceAccountUser": {
        permissions: ["iam.serviceAccounts.actAs"],
        source: page("iam"),
    },
    // The GKE node service account's roles (none touches storage objects, secrets, keys or DNS).
    "roles/artifactregistry.reader": {
        permissions: [
            "artifactregistry.repositories.downloadArtifacts",
            "artifactregistry.repositories.get",
            "artifactregistry.repositories.list",
        ],
        source: page("artifactregistry"),
    },
    "roles/logging.logWriter": {
        permissions: ["logging.logEntries.create", "logging.logEntries.route"],
        source: page("logging"),
    },
    "roles/monitoring.metricWriter": {
        permissions: ["monitoring.metricDescriptors.create", "monitoring.timeSeries.create"],
        source: page("monitoring"),
    },
    "roles/monitoring.viewer": {
        permissions: ["monitoring.timeSeries.list", "monitoring.metricDescriptors.list"],
        source: page("monitoring"),
    },
    "roles/stackdriver.resourceMetadata.writer": {
        permissions: ["stackdriver.resourceMetadata.write"],
        source: page("stackdriver"),
    },
    "roles/autoscaling.metricsWriter": {
        permissions: ["autoscaling.sites.writeMetrics"],
        source: page("autoscaling"),
    },
    // GKE
    "roles/container.defaultNodeServiceAccount": {
        permissions: [
            "logging.logEntries.create",
            "monitoring.timeSeries.create",
            "autoscaling.sites.writeMetrics",
        ],
        source: page("container"),
    },
    "roles/container.developer": {
        permissions: ["container.clusters.get", "container.secrets.*"],
        source: page("container"),
    },
    "roles/container.admin": {
        permissions: ["container.*"],
        source: page("container"),
    },
};

/** Does the pinned role grant `permission`? undefined when the role is not pinned. */
export function roleGrants(role: string, permission: string): boolean | undefined {
    const r = GCP_ROLES[role];
    if (!r) return undefined;
    return r.permissions.some((p) =>
        p.endsWith("*") ? permission.startsWith(p.slice(0, -1)) : p === permission,
    );
}
