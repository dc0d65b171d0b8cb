/** Node-group sizing: what an EKS managed node group or a GKE node pool is built from. */

export type CapacityType = "ON_DEMAND" | "SPOT";

export interface NodeGroupSizing {
    /** Instance types (EKS: one or more of one architecture; GKE: exactly one machine type). */
    readonly instanceTypes: readonly string[];
    /** Autoscaling floor. */
    readonly minSize: number;
    /** Autoscaling ceiling. */
    readonly maxSize: number;
    /** Size at creation; later changes are the autoscaler's (the program ignores drift on it). */
    readonly desiredSize: number;
    /** On-demand or spot capacity. */
    readonly capacityType: CapacityType;
    /** Root volume size per node, in GiB. */
    readonly diskSizeGiB: number;
}

/** Problems of one node group's sizing (arg path `path`, e.g. `args.nodeGroups.system`); [] when valid. */
export function nodeGroupSizingProblems(path: string, s: NodeGroupSizing): string[] {
    const problems: string[] = [];
    if (s.instanceTypes.length === 0)
        problems.push(`${path}.instanceTypes is empty; give at least one instance type`);
    for (const k of ["minSize", "maxSize", "desiredSize", "diskSizeGiB"] as const) {
        if (!Number.isInteger(s[k]) || s[k] < 0)
            problems.push(`${path}.${k} must be a non-negative integer (got ${s[k]})`);
    }
    if (s.maxSize < 1) problems.push(`${path}.maxSize must be at least 1 (got ${s.maxSize})`);
    if (s.minSize > s.maxSize)
        problems.push(`${path}.minSize ${s.minSize} is above ${path}.maxSize ${s.maxSize}`);
    else if (s.desiredSize < s.minSize || s.desiredSize > s.maxSize) {
        problems.push(
            `${path}.desiredSize ${s.desiredSize} is outside [minSize, maxSize] = [${s.minSize}, ${s.maxSize}]`,
        );
    }
    if (s.capacityType !== "ON_DEMAND" && s.capacityType !== "SPOT")
        problems.push(`${path}.capacityType "${String(s.capacityType)}" is not ON_DEMAND or SPOT`);
    return problems;
}
