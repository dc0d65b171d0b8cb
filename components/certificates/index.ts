/** Certificates area: cert-manager, the Let's Encrypt ClusterIssuers and the ingress certificate, per cluster. */
export { CertManager } from "./cert-manager";
export type { CertManagerArgs } from "./cert-manager";
export * from "./dns01";
export * from "./manifests";
