/** DNS failover area: health-checked failover of the public hostname between the regions. */
export * from "./failover";
