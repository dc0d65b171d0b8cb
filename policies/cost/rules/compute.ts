/**
 * Compute: instance families allowed per environment, and spot capacity for non-production workload
 * node groups (system node groups stay on-demand: they run the mesh control plane and add-ons).
 */
import { T } from "../../lib/kinds";
import { resourcePolicy } from "../../lib/policy";
import { asArray, asString, asStringMap, get, Props } from "../../lib/values";
import { sizeUnits } from "../prices";

/** `m6i.large` -> `m6i`; `n2-standard-4` -> `n2`. */
export function family(instanceType: string): string {
    return instanceType.split(/[.-]/)[0];
}

function instanceTypesOf(type: string, props: Props): string[] {
    switch (type) {
        case T.eksNodeGroup:
            return asArray(props.instanceTypes).map(String);
        case T.launchTemplate:
            return asString(props.instanceType) ? [String(props.instanceType)] : [];
        case T.gkeNodePool:
        case T.gkeCluster:
            return asString(get(props, "nodeConfig.machineType"))
                ? [String(get(props, "nodeConfig.machineType"))]
                : [];
        default:
            return [];
    }
}

export const instanceFamilies = resourcePolicy<{ allowedFamilies: string[] }>({
    name: "instance-families-allowed",
    description:
        "Node groups, node pools and launch templates use only the instance families allowed for the environment.",
    types: [T.eksNodeGroup, T.launchTemplate, T.gkeNodePool, T.gkeCluster],
    config: {
        allowedFamilies: {
            type: "array",
            items: { type: "string" },
            minItems: 1,
            default: ["t3", "t3a", "m6i", "m6a", "m7i", "e2", "n2", "n2d"],
        },
    },
    validate: (props, args, report, cfg) => {
        for (const t of instanceTypesOf(args.type, props)) {
            if (!cfg.allowedFamilies.includes(family(t)))
                report(
                    `instance type ${t} (family ${family(t)}) is not allowed here; allowed families: ${cfg.allowedFamilies.join(", ")}`,
                );
        }
    },
});

/** A workload (not system) node group: by role label, node group name or logical name. */
export function isWorkloadPool(name: string, props: Props): boolean {
    const labels = asStringMap(props.labels ?? get(props, "nodeConfig.labels"));
    const role = labels.role ?? labels["node-role"] ?? labels["mesh-platform/role"];
    if (role) return /workload/i.test(role);
    const names = [
        name,
        asString(props.nodeGroupName),
        asString(props.nodeGroupNamePrefix),
        asString(props.name),
    ];
    return names.some((n) => n !== undefined && /workload/i.test(n));
}

export const spotForNonProd = resourcePolicy<{ requireSpot: boolean }>({
    name: "spot-for-non-prod-workloads",
    description:
        "Outside production, workload node groups run on spot capacity (EKS capacityType SPOT, GKE nodeConfig.spot).",
    types: [T.eksNodeGroup, T.gkeNodePool],
    config: {
        requireSpot: { type: "boolean", default: false, description: "true in dev and staging." },
    },
    validate: (props, args, report, cfg) => {
        if (!cfg.requireSpot) args.notApplicable("spot is not required in this environment");
        if (!isWorkloadPool(args.name, props)) args.notApplicable("not a workload node group");
        if (args.type === T.eksNodeGroup) {
            if (asString(props.capacityType) !== "SPOT")
                report(
                    `workload node group uses capacityType ${asString(props.capacityType) ?? "ON_DEMAND (default)"}; use SPOT outside production`,
                );
        } else if (
            get(props, "nodeConfig.spot") !== true &&
            get(props, "nodeConfig.preemptible") !== true
        ) {
            report("workload node pool is not spot (nodeConfig.spot: true) outside production");
        }
    },
});

export const instanceSizeCeiling = resourcePolicy<{ maxVcpus: number }>({
    name: "instance-size-ceiling",
    description:
        "Node groups, node pools and launch templates use instance sizes at or below the environment's ceiling (vCPUs: AWS normalized size, large = 2, xlarge = 4, Nxlarge = 4N; GCP the shape's vCPU count).",
    types: [T.eksNodeGroup, T.launchTemplate, T.gkeNodePool, T.gkeCluster],
    config: {
        maxVcpus: {
            type: "integer",
            minimum: 1,
            default: 16,
            description: "Largest instance size allowed, in vCPUs.",
        },
    },
    validate: (props, args, report, cfg) => {
        for (const t of instanceTypesOf(args.type, props)) {
            const units = sizeUnits(t);
            if (units === undefined)
                report(
                    `instance type ${t} has a size the ceiling cannot read; use a standard size (large, xlarge, Nxlarge, -standard-N)`,
                );
            else if (units > cfg.maxVcpus)
                report(
                    `instance type ${t} (${units} vCPUs) is above this environment's ceiling of ${cfg.maxVcpus} vCPUs; use a smaller size or more nodes`,
                );
        }
    },
});
