/**
 * The mesh's pure builders, re-exported under their former path (components/dns imports
 * INGRESS_HEALTH_CHECK from here). Each concept has its own file now: naming.ts, sizing.ts, values.ts,
 * gateways.ts, security.ts, telemetry.ts, remote-secrets.ts, mesh-resources.ts. New code imports
 * from those; the tenant's builders are in components/tenant.
 */
export * from "./gateways";
export * from "./istio-resource";
export * from "./member";
export * from "./mesh-resources";
export * from "./naming";
export * from "./remote-secrets";
export * from "./security";
export * from "./sizing";
export * from "./telemetry";
export * from "./values";
