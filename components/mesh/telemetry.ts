/** Mesh-wide telemetry: tracing to the Jaeger extension provider that meshConfig declares. */
import { ISTIO_NAMESPACE, TRACING_PROVIDER_NAME } from "../constants";
import { IstioManifest, istioResource, TELEMETRY } from "./istio-resource";

/** Mesh-wide tracing to Jaeger at `traceSamplingPercent` (guide: 1 % prod, 100 % dev). */
export function meshTelemetry(traceSamplingPercent: number): IstioManifest {
    return istioResource(TELEMETRY, "Telemetry", "mesh-default", ISTIO_NAMESPACE, {
        tracing: [
            {
                providers: [{ name: TRACING_PROVIDER_NAME }],
                randomSamplingPercentage: traceSamplingPercent,
            },
        ],
    });
}
