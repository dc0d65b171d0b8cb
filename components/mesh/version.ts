/**
 * Istio releases and revisions (catalog: lib/charts.ts). A cluster runs one istiod per revision, each
 * from the charts of its own version; namespaces and gateways select a revision *tag*
 * (`istio.io/rev: stable`), which the program points at one revision per cluster (./revisions.ts).
 *
 * Istio 1.30 and 1.31 support Kubernetes 1.32-1.36, which covers every version in config/catalog.ts.
 */
import { CHARTS, ISTIO_VERSION, ISTIO_VERSIONS, IstioVersion, istioCharts } from "../../lib/charts";

export { ISTIO_VERSION, ISTIO_VERSIONS, istioCharts };
export type { IstioVersion };

/**
 * Control plane revision of a version: `istio.io/rev` of the revision's own webhook, suffix of istiod's
 * names (`istiod-1-30-3`). Dots are not allowed in Service names, hence dashes.
 */
export const revisionOf = (version: string): string => version.replace(/\./g, "-");

/** The default release's revision (`1-30-3`). */
export const ISTIO_REVISION = revisionOf(ISTIO_VERSION);

/**
 * The revision that existed before revisions were configurable: its istiod Helm release keeps the name
 * `istiod` and its reader bindings keep `istio-reader-<target>`, so a deployed stack is not replaced.
 * Every other revision's release is `istiod-<revision>`.
 */
export const LEGACY_REVISION = "1-30-3";

/** The tag namespaces and gateways select by default. */
export const DEFAULT_TAG = "stable";

/** Official chart repository (charts `base`, `istiod`, `gateway`). */
export const ISTIO_CHART_REPO = CHARTS.istiod.repo;
/** SPIFFE trust domain shared by every cluster (istiod chart default). */
export const TRUST_DOMAIN = "cluster.local";

/** Whether `v` is a version the catalog pins charts for. */
export const isIstioVersion = (v: string): v is IstioVersion =>
    (ISTIO_VERSIONS as readonly string[]).includes(v);

/** `[1, 30]` of `1.30.3`. */
export function minorOf(version: string): number {
    const [, minor] = version.split(".").map(Number);
    return minor;
}
