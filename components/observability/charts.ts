/**
 * Helm releases of pinned charts (the catalog is lib/charts.ts): repository and version fixed, so a
 * `pulumi up` next month installs exactly what was reviewed.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PinnedChart } from "../../lib/charts";

export { CHARTS } from "../../lib/charts";
export type { PinnedChart } from "../../lib/charts";

/** Elasticsearch and Kibana version managed by ECK 3.5.0 (the stack version of its own e2e suite). */
export const ELASTIC_STACK_VERSION = "9.4.3";

export interface PinnedReleaseArgs {
    /** Fixed Helm release name: chart resources are named after it and other components address them. */
    readonly releaseName: string;
    /** Namespace the release installs into (it must exist: the release does not create it). */
    readonly namespace: pulumi.Input<string>;
    /** Chart values; they may carry outputs of other resources (e.g. a service account annotation). */
    readonly values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for the release's resources to become ready. @default 900 */
    readonly timeout?: number;
}

/** A Helm v3 Release of a pinned chart (Release, not Chart, so policies can read its values). */
export function pinnedRelease(
    name: string,
    chart: PinnedChart,
    args: PinnedReleaseArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: chart.chart,
            version: chart.version,
            repositoryOpts: { repo: chart.repo },
            namespace: args.namespace,
            atomic: true,
            cleanupOnFail: true,
            timeout: args.timeout ?? 900,
            values: args.values,
        },
        opts,
    );
}

/** A Namespace with a fixed name (other components and DNS names address it). */
export function fixedNamespace(
    name: string,
    namespace: string,
    labels: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        name,
        {
            metadata: {
                name: namespace,
                labels: { "app.kubernetes.io/managed-by": "pulumi", ...labels },
            },
        },
        opts,
    );
}
