/**
 * The one pinned Istio release. Everything Istio in the platform (the three official charts, the
 * revision label on namespaces and gateways, the reader ClusterRole name) derives from these constants,
 * so an upgrade is a change here plus a canary roll (see docs/ca-rotation.md for the trust side).
 *
 * Chosen: 1.30.3 (released July 2026). Istio 1.30 supports Kubernetes 1.32-1.36, which covers the
 * every version in config/catalog.ts (1.32 to 1.34).
 * Chart values keys used in components/mesh/manifests.ts were read from
 * manifests/charts/{base,istio-control/istio-discovery,gateway}/values.yaml at tag 1.30.3.
 */

export const ISTIO_VERSION = "1.30.3";
/**
 * Control plane revision: `istio.io/rev` on namespaces and gateway pods, suffix of istiod's names
 * (`istiod-1-30-3`). Dots are not allowed in Service names, hence dashes.
 */
export const ISTIO_REVISION = ISTIO_VERSION.replace(/\./g, "-");
/** Official chart repository (charts `base`, `istiod`, `gateway`). */
export const ISTIO_CHART_REPO = "https://istio-release.storage.googleapis.com/charts";
/** SPIFFE trust domain shared by every cluster (istiod chart default). */
export const TRUST_DOMAIN = "cluster.local";
