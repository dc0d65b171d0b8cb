/**
 * The pinned Istio release (catalog: lib/charts.ts). Everything Istio in the platform (the three official
 * charts, the revision label on namespaces and gateways, the reader ClusterRole name) derives from these
 * constants, so an upgrade is a change there plus a canary roll (see docs/ca-rotation.md for the trust side).
 *
 * Istio 1.30 supports Kubernetes 1.32-1.36, which covers every version in config/catalog.ts.
 */
import { CHARTS, ISTIO_VERSION } from "../../lib/charts";

export { ISTIO_VERSION };
/**
 * Control plane revision: `istio.io/rev` on namespaces and gateway pods, suffix of istiod's names
 * (`istiod-1-30-3`). Dots are not allowed in Service names, hence dashes.
 */
export const ISTIO_REVISION = ISTIO_VERSION.replace(/\./g, "-");
/** Official chart repository (charts `base`, `istiod`, `gateway`). */
export const ISTIO_CHART_REPO = CHARTS.istiod.repo;
/** SPIFFE trust domain shared by every cluster (istiod chart default). */
export const TRUST_DOMAIN = "cluster.local";
