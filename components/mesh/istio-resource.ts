/** The plain shape of an Istio custom resource as the builders return it, and its API groups. */

export interface IstioManifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace: string;
        readonly labels?: Readonly<Record<string, string>>;
    };
    readonly spec: Record<string, unknown>;
}

export const NETWORKING = "networking.istio.io/v1";
export const SECURITY = "security.istio.io/v1";
export const TELEMETRY = "telemetry.istio.io/v1";

/** An Istio resource with a name, a namespace and a spec (no labels). */
export const istioResource = (
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string,
    spec: Record<string, unknown>,
): IstioManifest => ({ apiVersion, kind, metadata: { name, namespace }, spec });

/** Logical name of the Pulumi resource that declares `m` in a cluster: `<prefix>-<kind>-<namespace>-<name>`. */
export const istioResourceName = (prefix: string, m: IstioManifest): string =>
    `${prefix}-${m.kind.toLowerCase()}-${m.metadata.namespace}-${m.metadata.name}`;
