/**
 * Health-checked DNS failover of the stack's public hostname between regions.
 *
 * Route 53 (AWS): one HTTP health check per region on the ingress gateway's status port
 * (15021 `/healthz/ready`, the gateway chart's readiness endpoint, exposed by its load balancer; it
 * serves plain HTTP, so the check is HTTP, and it turns ready only once the gateway has its config
 * from istiod), and two CNAME failover records: PRIMARY on the primary region, SECONDARY on the first
 * secondary. The checks' `invertHealthcheck` belongs to the DR drill: the program ignores changes to
 * it, so a `pulumi up` during a drill does not undo the injection. A CNAME cannot sit at the zone
 * apex, so the hostname must be below the zone.
 *
 * Cloud DNS (GCP): one A record set with a primary-backup routing policy (@pulumi/gcp 9.37
 * `routingPolicy.primaryBackup` with `externalEndpoints`) and a global HTTP health check with three
 * source regions on the same port and path. Cloud DNS requires `checkIntervalSec >= 30` for such
 * checks, so the interval there is at least 30 s whatever the config says.
 *
 * Worst case until clients move: interval x failure threshold + TTL (exported).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { PlatformConfig } from "../../config";
import type { ClusterInfo } from "../types";
import { INGRESS_HEALTH_CHECK } from "../mesh/manifests";

/** The ingress gateway's readiness endpoint (the gateway chart's status port), as the mesh exposes it. */
export const INGRESS_HEALTH = { port: INGRESS_HEALTH_CHECK.port, path: INGRESS_HEALTH_CHECK.path } as const;
/** Cloud DNS health checks with source regions must run at most every 30 s. */
export const CLOUD_DNS_MIN_INTERVAL = 30;

export interface FailoverRegion {
    readonly cluster: ClusterInfo;
    /** The region's public ingress load balancer: hostname on AWS, IP on GCP. */
    readonly ingressHostname: pulumi.Input<string>;
}

export interface DnsFailoverArgs {
    readonly cfg: PlatformConfig;
    readonly regions: readonly FailoverRegion[];
}

/** interval x failure threshold + TTL. */
export function worstCaseFailoverSeconds(intervalSeconds: number, failureThreshold: number, ttlSeconds: number): number {
    return intervalSeconds * failureThreshold + ttlSeconds;
}

export class DnsFailover extends pulumi.ComponentResource {
    readonly provider: "route53" | "clouddns";
    /** Health check id per region name. */
    readonly healthCheckIds: Readonly<Record<string, pulumi.Output<string>>>;
    /** Effective health check interval (Cloud DNS raises it to 30 s). */
    readonly intervalSeconds: number;
    readonly worstCaseFailoverSeconds: number;

    constructor(name: string, args: DnsFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:dns:DnsFailover", name, {}, opts);
        const { cfg, regions } = args;
        const dns = cfg.dns;
        if (regions.length === 0) throw new Error(`DnsFailover ${name}: no regions`);
        const primary = regions.find((r) => r.cluster.primary);
        if (!primary) throw new Error(`DnsFailover ${name}: none of the regions is the primary`);
        const secondary = regions.find((r) => r !== primary);
        this.provider = dns.provider;

        if (dns.provider === "route53") {
            const awsRegions = regions.filter((r) => r.cluster.cloud === "aws");
            if (awsRegions.length !== regions.length) {
                throw new Error(`DnsFailover ${name}: mesh-platform:dns.provider route53 fails over between aws regions; ` +
                    `got ${regions.filter((r) => r.cluster.cloud !== "aws").map((r) => r.cluster.name).join(", ")} on gcp`);
            }
            if (dns.hostname === dns.zoneName) {
                throw new Error(`DnsFailover ${name}: mesh-platform:dns.hostname "${dns.hostname}" is the zone apex; ` +
                    "failover records are CNAMEs to the load balancers and need a name below the zone (e.g. app." + dns.zoneName + ")");
            }
            // Route 53 is global; the primary region's provider signs its calls.
            if (primary.cluster.cloud !== "aws") throw new Error(`DnsFailover ${name}: route53 needs the primary region on aws`);
            const provider = primary.cluster.awsProvider;
            const ids: Record<string, pulumi.Output<string>> = {};
            for (const r of regions) {
                const check = new aws.route53.HealthCheck(`${name}-${r.cluster.name}-health`, {
                    type: "HTTP",
                    fqdn: r.ingressHostname,
                    port: INGRESS_HEALTH.port,
                    resourcePath: INGRESS_HEALTH.path,
                    requestInterval: dns.healthCheckIntervalSeconds,
                    failureThreshold: dns.healthCheckFailureThreshold,
                    measureLatency: true,
                    tags: { ...r.cluster.tags, Name: `${dns.hostname}-${r.cluster.name}` },
                }, { parent: this, provider, ignoreChanges: ["invertHealthcheck"] });
                ids[r.cluster.name] = check.id;
            }
            const record = (r: FailoverRegion, role: "PRIMARY" | "SECONDARY" | undefined) => new aws.route53.Record(
                `${name}-${r.cluster.name}-record`, {
                    zoneId: dns.zoneId,
                    name: dns.hostname,
                    type: "CNAME",
                    ttl: dns.ttlSeconds,
                    records: [r.ingressHostname],
                    ...(role ? { setIdentifier: r.cluster.name, failoverRoutingPolicies: [{ type: role }] } : {}),
                    healthCheckId: ids[r.cluster.name],
                }, { parent: this, provider });
            record(primary, secondary ? "PRIMARY" : undefined);
            if (secondary) record(secondary, "SECONDARY");
            this.healthCheckIds = ids;
            this.intervalSeconds = dns.healthCheckIntervalSeconds;
        } else {
            if (regions.some((r) => r.cluster.cloud !== "gcp")) {
                throw new Error(`DnsFailover ${name}: mesh-platform:dns.provider clouddns fails over between gcp regions`);
            }
            if (primary.cluster.cloud !== "gcp") throw new Error(`DnsFailover ${name}: clouddns needs the primary region on gcp`);
            const provider = primary.cluster.gcpProvider;
            this.intervalSeconds = Math.max(dns.healthCheckIntervalSeconds, CLOUD_DNS_MIN_INTERVAL);
            const stackRegions = regions.map((r) => r.cluster.cloudRegion);
            const sourceRegions = [...new Set([...stackRegions, "asia-east1", "us-central1", "europe-west1"])].slice(0, 3);
            const check = new gcp.compute.HealthCheck(`${name}-health`, {
                project: cfg.gcpProject,
                description: `Ingress gateways behind ${dns.hostname}`,
                checkIntervalSec: this.intervalSeconds,
                timeoutSec: 5,
                healthyThreshold: 1,
                unhealthyThreshold: dns.healthCheckFailureThreshold,
                httpHealthCheck: { port: INGRESS_HEALTH.port, requestPath: INGRESS_HEALTH.path },
                sourceRegions,
            }, { parent: this, provider });
            new gcp.dns.RecordSet(`${name}-record`, {
                project: cfg.gcpProject,
                managedZone: dns.zoneId,
                name: `${dns.hostname}.`,
                type: "A",
                ttl: dns.ttlSeconds,
                routingPolicy: secondary ? {
                    healthCheck: check.id,
                    primaryBackup: {
                        primary: { externalEndpoints: [primary.ingressHostname] },
                        backupGeos: [{ location: secondary.cluster.cloudRegion, healthCheckedTargets: { externalEndpoints: [secondary.ingressHostname] } }],
                        trickleRatio: 0,
                    },
                } : undefined,
                rrdatas: secondary ? undefined : [primary.ingressHostname],
            }, { parent: this, provider });
            this.healthCheckIds = Object.fromEntries(regions.map((r) => [r.cluster.name, check.id]));
        }
        this.worstCaseFailoverSeconds = worstCaseFailoverSeconds(this.intervalSeconds, dns.healthCheckFailureThreshold, dns.ttlSeconds);
        this.registerOutputs({ worstCaseFailoverSeconds: this.worstCaseFailoverSeconds });
    }
}

export function createDnsFailover(cfg: PlatformConfig, regions: readonly FailoverRegion[]): DnsFailover {
    return new DnsFailover("dns", { cfg, regions });
}
