/**
 * Istio revisions of one cluster: which istiod releases run, which revision each tag points at, and
 * the tag webhooks that do the pointing. Pure (plain data in, plain data out).
 *
 * Why the program declares the tag webhooks itself instead of the istiod chart's `revisionTags`: a tag
 * webhook (`istio-revision-tag-<tag>`) has a fixed name, so with `revisionTags` moving a tag from one
 * istiod release to another means one Helm release deleting it and the other creating it; Helm refuses
 * to create an object another release owns, and deleting first leaves the tag without a webhook (pods
 * created meanwhile in its namespaces get no sidecar). Upstream's Helm flow renders the same template
 * (`helm template istiod ... -s templates/revision-tags-mwc.yaml`) and applies it outside the release;
 * here it is one MutatingWebhookConfiguration per tag whose move is an in-place update. istiod patches
 * the `caBundle` of every webhook labelled with its revision (pkg/webhooks/webhookpatch.go), so the
 * program leaves `caBundle` to istiod (server-side apply keeps the field istiod manages).
 */
import type * as k8s from "@pulumi/kubernetes";
import { ISTIO_NAMESPACE } from "../constants";
import { REVISION_LABEL } from "./naming";
import {
    DEFAULT_TAG,
    isIstioVersion,
    ISTIO_VERSIONS,
    LEGACY_REVISION,
    minorOf,
    revisionOf,
} from "./version";

/** One istiod release of a cluster. */
export interface IstioRevisionArgs {
    /** Istio version, one of lib/charts.ts `ISTIO_VERSIONS` (its charts are pinned there). */
    readonly version: string;
    /**
     * Revision tags that point at this revision in the cluster (`istio.io/rev: <tag>` on namespaces and
     * gateway pods). A tag points at one revision per cluster.
     * @default [] (a revision without a tag serves no namespace; a canary before its first tag)
     */
    readonly tags?: readonly string[];
}

/** Istio in one cluster. */
export interface ClusterIstioArgs {
    /** The istiod releases, at least one, unique by version. */
    readonly revisions: readonly IstioRevisionArgs[];
    /**
     * The tag the east-west and ingress gateways select (their own setting: changing it rolls the
     * gateway pods onto the tag's revision).
     * @default "stable"
     */
    readonly gatewayTag?: string;
    /**
     * The tag the tenants' app namespaces select (moving it relabels them; their pods move at their
     * next restart).
     * @default "stable"
     */
    readonly namespaceTag?: string;
    /**
     * App namespaces that select another tag than `namespaceTag`, so one namespace moves first.
     * @default {}
     */
    readonly namespaceTags?: Readonly<Record<string, string>>;
}

/** A revision as the builders use it. */
export interface ResolvedRevision {
    readonly version: string;
    readonly revision: string;
    readonly tags: readonly string[];
    /** Helm release name: `istiod-<revision>` (`istiod` for LEGACY_REVISION, see ./version.ts). */
    readonly releaseName: string;
    /** Suffix of the istiod release's logical name: `` for LEGACY_REVISION, `-<revision>` otherwise. */
    readonly logicalSuffix: string;
}

export interface ResolvedClusterIstio {
    readonly revisions: readonly ResolvedRevision[];
    readonly gatewayTag: string;
    readonly namespaceTag: string;
    /** App namespace -> its tag, where it differs from namespaceTag. */
    readonly namespaceTags: Readonly<Record<string, string>>;
    /** Tag -> the revision it points at. */
    readonly tagRevision: ReadonlyMap<string, ResolvedRevision>;
    /** Version of the base chart (CRDs): the newest installed version (CRDs are backward compatible). */
    readonly baseVersion: string;
    /** The revision the base chart's default validator uses: the one the namespace tag points at. */
    readonly defaultRevision: ResolvedRevision;
}

const TAG = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** Check and resolve one cluster's Istio args; errors name `where` and the arg path. */
export function resolveClusterIstio(
    where: string,
    args: ClusterIstioArgs,
    path = "",
): ResolvedClusterIstio {
    const p = path;
    const fail = (msg: string): never => {
        throw new Error(`${where}: ${msg}`);
    };
    if (args.revisions.length === 0)
        fail(`${p}istio.revisions is empty; a cluster needs one istiod`);
    const revisions = args.revisions.map((r, i): ResolvedRevision => {
        if (!isIstioVersion(r.version))
            fail(
                `${p}istio.revisions[${i}].version "${r.version}" has no pinned charts; allowed: ${ISTIO_VERSIONS.join(", ")}`,
            );
        const revision = revisionOf(r.version);
        const legacy = revision === LEGACY_REVISION;
        return {
            version: r.version,
            revision,
            tags: [...(r.tags ?? [])],
            releaseName: legacy ? "istiod" : `istiod-${revision}`,
            logicalSuffix: legacy ? "" : `-${revision}`,
        };
    });
    revisions.forEach((r, i) => {
        const j = revisions.findIndex((o) => o.revision === r.revision);
        if (j !== i) fail(`${p}istio.revisions[${i}].version ${r.version} is listed at [${j}] too`);
    });
    const tagRevision = new Map<string, ResolvedRevision>();
    revisions.forEach((r, i) =>
        r.tags.forEach((t) => {
            if (!TAG.test(t) || t === "default" || revisions.some((o) => o.revision === t))
                fail(
                    `${p}istio.revisions[${i}].tags "${t}" must be a lower-case DNS label, not "default" and not a revision name`,
                );
            const other = tagRevision.get(t);
            if (other)
                fail(
                    `${p}istio.revisions[${i}].tags "${t}" already points at ${other.version}; a tag points at one revision per cluster`,
                );
            tagRevision.set(t, r);
        }),
    );
    const gatewayTag = args.gatewayTag ?? DEFAULT_TAG;
    const namespaceTag = args.namespaceTag ?? DEFAULT_TAG;
    for (const [key, tag] of [
        ["gatewayTag", gatewayTag],
        ["namespaceTag", namespaceTag],
    ] as const) {
        if (!tagRevision.has(tag))
            fail(
                `${p}istio.${key} "${tag}" is not a tag of any revision (tags: ${[...tagRevision.keys()].join(", ") || "none"}); gateways and namespaces select a tag`,
            );
    }
    const namespaceTags = { ...(args.namespaceTags ?? {}) };
    for (const [ns, tag] of Object.entries(namespaceTags))
        if (!tagRevision.has(tag))
            fail(
                `${p}istio.namespaceTags.${ns} "${tag}" is not a tag of any revision (tags: ${[...tagRevision.keys()].join(", ") || "none"}); namespaces select a tag`,
            );
    const minors = revisions.map((r) => minorOf(r.version));
    if (Math.max(...minors) - Math.min(...minors) > 1)
        fail(
            `${p}istio.revisions ${revisions.map((r) => r.version).join(", ")} are more than one minor apart; upgrade one minor at a time`,
        );
    const newest = [...revisions].sort((a, b) => compareVersions(b.version, a.version))[0];
    return {
        revisions,
        gatewayTag,
        namespaceTag,
        namespaceTags,
        tagRevision,
        baseVersion: newest.version,
        defaultRevision: tagRevision.get(namespaceTag)!,
    };
}

/** Numeric comparison of dotted versions. */
export function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

/** Name of a tag's webhook: what `istioctl tag set` and the chart's revision-tags-mwc.yaml name it. */
export const tagWebhookName = (tag: string): string => `istio-revision-tag-${tag}`;
export const TAG_LABEL = "istio.io/tag";

/**
 * The tag's MutatingWebhookConfiguration, as istiod chart templates/revision-tags-mwc.yaml (1.30.3 and
 * 1.31) renders it for a non-default tag with the chart's defaults (injectionPath `/inject`,
 * reinvocationPolicy `Never`, failurePolicy `Fail`): one webhook for namespaces labelled with the tag,
 * one for pods labelled with it in namespaces without a revision label. `caBundle` is istiod's.
 */
export function revisionTagWebhook(
    tag: string,
    revision: string,
): {
    metadata: { name: string; labels: Record<string, string> };
    webhooks: k8s.types.input.admissionregistration.v1.MutatingWebhook[];
} {
    const core = (prefix: string) => ({
        name: `${prefix}sidecar-injector.istio.io`,
        clientConfig: {
            service: {
                name: `istiod-${revision}`,
                namespace: ISTIO_NAMESPACE,
                path: "/inject",
                port: 443,
            },
        },
        sideEffects: "None",
        rules: [
            {
                operations: ["CREATE"],
                apiGroups: [""],
                apiVersions: ["v1"],
                resources: ["pods"],
            },
        ],
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        admissionReviewVersions: ["v1"],
    });
    const notDisabled = {
        key: "sidecar.istio.io/inject",
        operator: "NotIn",
        values: ["false"],
    };
    return {
        metadata: {
            name: tagWebhookName(tag),
            labels: {
                [TAG_LABEL]: tag,
                [REVISION_LABEL]: revision,
                app: "sidecar-injector",
                "app.kubernetes.io/name": "istiod",
                "app.kubernetes.io/managed-by": "pulumi",
            },
        },
        webhooks: [
            {
                ...core("rev.namespace."),
                namespaceSelector: {
                    matchExpressions: [
                        { key: REVISION_LABEL, operator: "In", values: [tag] },
                        { key: "istio-injection", operator: "DoesNotExist" },
                    ],
                },
                objectSelector: { matchExpressions: [notDisabled] },
            },
            {
                ...core("rev.object."),
                namespaceSelector: {
                    matchExpressions: [
                        { key: REVISION_LABEL, operator: "DoesNotExist" },
                        { key: "istio-injection", operator: "DoesNotExist" },
                    ],
                },
                objectSelector: {
                    matchExpressions: [
                        notDisabled,
                        { key: REVISION_LABEL, operator: "In", values: [tag] },
                    ],
                },
            },
        ],
    };
}
