/**
 * The canary analysis of a MeshService (guide: automated rollback on error rate > 1 %): an Argo
 * AnalysisTemplate that asks the cluster's Prometheus for the canary's 5xx ratio, with a minimum-traffic
 * guard so a handful of requests cannot abort a rollout.
 */
import { serviceHost } from "../mesh/naming";
import type { ResolvedServiceArgs } from "./args";
import {
    analysisTemplateName,
    canaryServiceName,
    KubeManifest,
    ROLLOUT_API,
    serviceLabels,
} from "./workload";

/** Window of the rates: five scrapes at the default 1-minute interval, enough to smooth one bad scrape. */
export const ANALYSIS_WINDOW = "5m";
/** How often the background analysis measures. */
export const ANALYSIS_INTERVAL = "1m";
/** Failed measurements tolerated before the rollout aborts (one blip passes, two abort). */
export const ANALYSIS_FAILURE_LIMIT = 1;

/**
 * The canary's 5xx ratio as the calling sidecars and gateways see it (`reporter="source"`: includes
 * requests that never got an answer from the canary). Below `minRps` requests per second the ratio
 * is not judged and the query returns 0; with no traffic at all too (`or on() vector(0)`), so the
 * measurement never errors on an empty result.
 */
export function errorRatioQuery(host: string, minRps: number): string {
    const sel = `reporter="source", destination_service="${host}"`;
    return [
        "(",
        `  (sum(rate(istio_requests_total{${sel}, response_code=~"5.."}[${ANALYSIS_WINDOW}])) or on() vector(0))`,
        "  /",
        `  (sum(rate(istio_requests_total{${sel}}[${ANALYSIS_WINDOW}])) >= ${minRps})`,
        ")",
        "or on() vector(0)",
    ].join("\n");
}

/** The service's AnalysisTemplate (referenced by its Rollout's background analysis). */
export function analysisTemplate(a: ResolvedServiceArgs): KubeManifest | undefined {
    const c = a.canary;
    if (!c) return undefined;
    const host = serviceHost(a.namespace, canaryServiceName(a.name));
    return {
        apiVersion: ROLLOUT_API,
        kind: "AnalysisTemplate",
        metadata: {
            name: analysisTemplateName(a.name),
            namespace: a.namespace,
            labels: serviceLabels(a.name),
        },
        spec: {
            metrics: [
                {
                    name: "error-ratio",
                    interval: ANALYSIS_INTERVAL,
                    failureLimit: ANALYSIS_FAILURE_LIMIT,
                    successCondition: `result[0] <= ${c.maxErrorRatio}`,
                    failureCondition: `result[0] > ${c.maxErrorRatio}`,
                    provider: {
                        prometheus: {
                            address: c.prometheusAddress,
                            query: errorRatioQuery(host, c.minRequestsPerSecond),
                            // Seconds: a slow Prometheus is an error (retried), not a hung analysis.
                            timeout: 30,
                        },
                    },
                },
            ],
        },
    };
}
