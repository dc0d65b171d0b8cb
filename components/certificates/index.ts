/** Certificates area: cert-manager, the Let's Encrypt ClusterIssuers and the ingress certificate, per cluster. */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { CertManager } from "./cert-manager";

export { CertManager } from "./cert-manager";
export * from "./manifests";

export interface CertificatesOptions {
    /** Resources the ingress Certificate waits for: the mesh's gateway namespace at least. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function createCertificates(cfg: PlatformConfig, cluster: ClusterInfo, opts: CertificatesOptions = {}): CertManager {
    return new CertManager(`${cluster.name}-certificates`, { cfg, cluster, dependsOn: opts.dependsOn });
}
