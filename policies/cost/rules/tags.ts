/**
 * Cost allocation: every taggable AWS resource carries the required tags (its own tags merged over the
 * provider's defaultTags) and every labelled GCP resource the same keys as labels.
 */
import { T } from "../../lib/kinds";
import { resourcePolicy } from "../../lib/policy";
import { asRecord, get, Props } from "../../lib/values";

/** AWS types the platform declares that support tags, checked even when no `tags` input is given. */
export const AWS_TAGGABLE: readonly string[] = [
    T.eksCluster,
    T.eksNodeGroup,
    T.kmsKey,
    T.natGateway,
    T.loadBalancer,
    T.ebsVolume,
    T.logGroup,
    T.s3Bucket,
    T.s3BucketV2,
    T.launchTemplate,
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/eip:Eip",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/flowLog:FlowLog",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:route53/healthCheck:HealthCheck",
];

/** GCP types with a labels input (GKE clusters call it resourceLabels). */
const GCP_LABEL_FIELD: Readonly<Record<string, string>> = {
    [T.gkeCluster]: "resourceLabels",
    [T.gcsBucket]: "labels",
    [T.gcpKmsKey]: "labels",
    [T.gcpDisk]: "labels",
    [T.gcpForwardingRule]: "labels",
};

function applies(type: string, props: Props): boolean {
    if (type.startsWith("aws:")) return AWS_TAGGABLE.includes(type) || "tags" in props;
    return type in GCP_LABEL_FIELD;
}

export const costAllocationTags = resourcePolicy<{ requiredTags: string[] }>({
    name: "cost-allocation-tags",
    description:
        "Taggable AWS resources carry the cost-allocation tags (own tags or provider defaultTags); GCP resources carry them as labels.",
    types: (t) => t.startsWith("aws:") || t in GCP_LABEL_FIELD,
    config: {
        requiredTags: {
            type: "array",
            items: { type: "string" },
            minItems: 1,
            default: ["team", "cost-center", "environment"],
        },
    },
    validate: (props, args, report, cfg) => {
        if (!applies(args.type, props)) args.notApplicable("not taggable");
        const providerProps = asRecord(args.provider?.props);
        const own = args.type.startsWith("aws:")
            ? asRecord(props.tags)
            : asRecord(props[GCP_LABEL_FIELD[args.type]]);
        const defaults = args.type.startsWith("aws:")
            ? asRecord(get(providerProps, "defaultTags.tags"))
            : asRecord(get(providerProps, "defaultLabels"));
        const merged = { ...defaults, ...own };
        const missing = cfg.requiredTags.filter(
            (k) => typeof merged[k] !== "string" || merged[k] === "",
        );
        if (missing.length > 0)
            report(
                `missing cost-allocation ${args.type.startsWith("aws:") ? "tags" : "labels"}: ${missing.join(", ")}`,
            );
    },
});
