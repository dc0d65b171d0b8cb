/**
 * The @kubernetes-models packages are ESM-only (their exports have only an "import" condition), and
 * TypeScript compiles `import()` to `require()` under CommonJS. This keeps a real dynamic import.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const dynamicImport = new Function("specifier", "return import(specifier)") as (
    s: string,
) => Promise<any>;

export function importEsm<T = any>(specifier: string): Promise<T> {
    return dynamicImport(specifier);
}

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: any) => Validatable;

const modelCache = new Map<string, Promise<ModelClass | undefined>>();

/**
 * Find the upstream model class for an apiVersion/kind in one of the @kubernetes-models packages,
 * e.g. ("networking.istio.io/v1", "Gateway") -> @kubernetes-models/istio/networking.istio.io/v1/Gateway.
 */
export function modelFor(
    pkg: "istio" | "cert-manager" | "prometheus-operator",
    apiVersion: string,
    kind: string,
): Promise<ModelClass | undefined> {
    const key = `${pkg}|${apiVersion}|${kind}`;
    let p = modelCache.get(key);
    if (!p) {
        p = importEsm(`@kubernetes-models/${pkg}/${apiVersion}/${kind}`).then(
            (m) => m[kind] as ModelClass,
            () => undefined,
        );
        modelCache.set(key, p);
    }
    return p;
}

/** Validate a manifest against its upstream schema; throws with the schema errors. */
export async function validateManifest(
    pkg: "istio" | "cert-manager" | "prometheus-operator",
    manifest: { apiVersion: string; kind: string },
): Promise<void> {
    const Model = await modelFor(pkg, manifest.apiVersion, manifest.kind);
    if (!Model)
        throw new Error(
            `no @kubernetes-models/${pkg} model for ${manifest.apiVersion} ${manifest.kind}`,
        );
    new Model(manifest).validate();
}
