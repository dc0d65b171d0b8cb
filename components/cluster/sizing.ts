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
    readonly capacityType: CapacityType;
    /** Root volume size per node. */
    readonly diskSizeGiB: number;
}
