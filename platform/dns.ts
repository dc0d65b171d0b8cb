/** Composition of the DNS area: health-checked failover of the public hostname between the regions. */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { createDnsFailover, DnsFailover } from "../components/dns";
import type { ClusterInfo } from "../components/types";

export function composeDns(cfg: PlatformConfig, clusters: readonly ClusterInfo[],
    ingressHostnames: Readonly<Record<string, pulumi.Input<string>>>): DnsFailover {
    return createDnsFailover(cfg, clusters.map((c) => ({ cluster: c, ingressHostname: ingressHostnames[c.name] })));
}
