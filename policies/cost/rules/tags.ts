/**
 * Cost allocation. Every AWS provider sets `defaultTags.tags` and every GCP provider `defaultLabels`
 * with the required keys, so every resource the provider manages carries them whether or not the
 * resource (or a hard-coded list of taggable types) remembers to; a resource's own tags are merged over
 * the provider's defaults and may not blank a required key. GCP resources with a labels input carry the
 * keys as labels (GKE clusters: resourceLabels), own or by default. Provider objects arrive
 * JSON-encoded (the engine's provider config encoding), see `providerObject`.
 */
import { T } from "../../lib/kinds";
import { resourcePolicy } from "../../lib/policy";
import { asRecord, Props, providerObject } from "../../lib/values";

/** GCP types with a labels input (GKE clusters call it resourceLabels). */
const GCP_LABEL_FIELD: Readonly<Record<string, string>> = {
    [T.gkeCluster]: "resourceLabels",
    [T.gcsBucket]: "labels",
    [T.gcpKmsKey]: "labels",
    [T.gcpDisk]: "labels",
    [T.gcpForwardingRule]: "labels",
};

const REQUIRED_TAGS = {
    type: "array",
    items: { type: "string" },
    minItems: 1,
    default: ["team", "cost-center", "environment"],
} as const;

function missing(required: readonly string[], tags: Props): string[] {
    return required.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
}

export const providerDefaultTags = resourcePolicy<{ requiredTags: string[] }>({
    name: "provider-default-tags",
    description:
        "Every AWS provider sets defaultTags.tags and every GCP provider defaultLabels with the cost-allocation keys, so every resource it manages is tagged.",
    types: [T.awsProvider, T.gcpProvider],
    config: { requiredTags: { ...REQUIRED_TAGS, items: { type: "string" } } },
    validate: (props, args, report, cfg) => {
        const aws = args.type === T.awsProvider;
        const defaults = aws
            ? asRecord(providerObject(props.defaultTags).tags)
            : providerObject(props.defaultLabels);
        const gaps = missing(cfg.requiredTags, defaults);
        if (gaps.length > 0)
            report(
                `${aws ? "AWS provider defaultTags.tags" : "GCP provider defaultLabels"} lacks ${gaps.join(", ")}; set them on the provider so every resource it manages carries them`,
            );
    },
});

export const costAllocationTags = resourcePolicy<{ requiredTags: string[] }>({
    name: "cost-allocation-tags",
    description:
        "AWS resources that set tags keep the cost-allocation tags (own tags merged over the provider's defaultTags, none blanked); GCP resources with labels carry them (own or provider defaultLabels).",
    types: (t) => t.startsWith("aws:") || t in GCP_LABEL_FIELD,
    config: { requiredTags: { ...REQUIRED_TAGS, items: { type: "string" } } },
    validate: (props, args, report, cfg) => {
        const aws = args.type.startsWith("aws:");
        // Without its own tags an AWS resource gets exactly the provider's defaultTags, which
        // provider-default-tags checks once per provider.
        if (aws && !("tags" in props))
            args.notApplicable("no own tags: provider defaultTags apply");
        const providerProps = asRecord(args.provider?.props);
        const own = aws ? asRecord(props.tags) : asRecord(props[GCP_LABEL_FIELD[args.type]]);
        const defaults = aws
            ? asRecord(providerObject(providerProps.defaultTags).tags)
            : providerObject(providerProps.defaultLabels);
        const gaps = missing(cfg.requiredTags, { ...defaults, ...own });
        if (gaps.length > 0)
            report(`missing cost-allocation ${aws ? "tags" : "labels"}: ${gaps.join(", ")}`);
    },
});
