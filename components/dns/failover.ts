/**
 * Health-checked DNS failover of the stack's public hostname between regions.
 *
 * Route 53 (AWS): one HTTP health check per region on the ingress gateway's status port
 * (15021 `/healthz/ready`, the gateway chart's readiness endpoint, exposed by its load balancer; it
 * serves plain HTTP, so the check is HTTP, and it turns ready only once the gateway has its config
 * from istiod), and two CNAME failover records: PRIMARY on the region with role `primary`, SECONDARY
 * on the region with role `secondary`. The checks' `invertHealthcheck` belongs to the DR drill: the
 * program ignores changes to it, so a `pulumi up` during a drill does not undo the injection. A CNAME
 * cannot sit at the zone apex, so the hostname must be below the zone.
 *
 * Cloud DNS (GCP): one A record set with a primary-backup routing policy (@pulumi/gcp 9.37
 * `routingPolicy.primaryBackup` with `externalEndpoints`) and a global HTTP health check with three
 * source regions on the same port and path. Cloud DNS requires `checkIntervalSec >= 30` for such
 * checks, so the interval there is at least 30 s whatever the args say.
 *
 * Worst case until clients move: interval x failure threshold + TTL (exported).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { ClusterInfo } from "../types";
import { INGRESS_HEALTH_CHECK } from "../mesh/naming";

/** The ingress gateway's readiness endpoint (the gateway chart's status port), as the mesh exposes it. */
export const INGRESS_HEALTH = {
    port: INGRESS_HEALTH_CHECK.port,
    path: INGRESS_HEALTH_CHECK.path,
} as const;
/** Cloud DNS health checks with source regions must run at most every 30 s. */
export const CLOUD_DNS_MIN_INTERVAL = 30;
/** Route 53 health checks run every 10 s (fast) or 30 s (standard). */
export const ROUTE53_INTERVALS: readonly number[] = [10, 30];

/** Which DNS service serves the failover records. */
export type DnsProvider = "route53" | "clouddns";

/** What a region does in the failover. */
export type FailoverRole = "primary" | "secondary";

export interface FailoverRegion {
    /**
     * The region's cluster: its name (logical names, record set identifiers), cloud, cloud region
     * (Cloud DNS backup geo), tags and cloud provider. The primary region's provider signs the DNS calls.
     */
    readonly cluster: ClusterInfo;
    /** The region's public ingress load balancer: hostname on AWS, IP on GCP. */
    readonly ingressHostname: pulumi.Input<string>;
    /**
     * `primary`: the record clients get while its health check passes (exactly one region).
     * `secondary`: the record clients get when the primary fails (at most one region).
     * @default no record: the region is health-checked (Route 53) but gets no failover record
     */
    readonly role?: FailoverRole;
}

export interface DnsFailoverArgs {
    /** The DNS service: `route53` fails over between AWS regions, `clouddns` between GCP regions. */
    readonly provider: DnsProvider;
    /** Route 53 hosted zone id, or Cloud DNS managed zone name. The zone itself is owned outside this stack. */
    readonly zoneId: string;
    /** The zone's DNS name (`example.com`): the hostname must be inside it (and below it for Route 53). */
    readonly zoneName: string;
    /** The public hostname that fails over between the regions, e.g. `app.example.com`. */
    readonly hostname: string;
    /** The regions behind the hostname, each with its ingress and role. */
    readonly regions: readonly FailoverRegion[];
    /**
     * TTL of the records in seconds.
     * @default 60
     */
    readonly ttlSeconds?: number;
    /**
     * Seconds between health checks: 10 or 30 on Route 53; Cloud DNS raises anything below 30 to 30.
     * @default 10
     */
    readonly healthCheckIntervalSeconds?: number;
    /**
     * Consecutive failed checks (1-10) before a region counts as unhealthy.
     * @default 3
     */
    readonly healthCheckFailureThreshold?: number;
    /**
     * Cloud DNS only: the project of the health check and the record set.
     * @default the primary region's cluster project
     */
    readonly gcpProject?: string;
}

/** interval x failure threshold + TTL. */
export function worstCaseFailoverSeconds(
    intervalSeconds: number,
    failureThreshold: number,
    ttlSeconds: number,
): number {
    return intervalSeconds * failureThreshold + ttlSeconds;
}

/** Every problem with the args, each naming the arg path; empty when the args are usable. */
export function dnsFailoverProblems(args: DnsFailoverArgs): string[] {
    const problems: string[] = [];
    const { provider, regions, hostname, zoneName } = args;
    if (provider !== "route53" && provider !== "clouddns")
        problems.push(
            `args.provider "${String(provider)}" is not a DNS provider; allowed: route53, clouddns`,
        );
    if (!args.zoneId) problems.push("args.zoneId is empty");
    if (!(hostname === zoneName || hostname.endsWith(`.${zoneName}`)))
        problems.push(`args.hostname "${hostname}" is not inside args.zoneName "${zoneName}"`);
    if (provider === "route53" && hostname === zoneName) {
        problems.push(
            `args.hostname "${hostname}" is the zone apex; route53 failover records are CNAMEs to the load balancers ` +
                `and need a name below the zone (e.g. app.${zoneName})`,
        );
    }
    if (regions.length === 0) problems.push("args.regions is empty");
    const roles = (role: FailoverRole) => regions.flatMap((r, i) => (r.role === role ? [i] : []));
    const primaries = roles("primary");
    if (regions.length > 0 && primaries.length !== 1) {
        problems.push(
            `exactly one of args.regions[].role must be "primary" (got ${primaries.length ? primaries.map((i) => `args.regions[${i}]`).join(", ") : "none"})`,
        );
    }
    const secondaries = roles("secondary");
    if (secondaries.length > 1)
        problems.push(
            `at most one of args.regions[].role may be "secondary" (got ${secondaries.map((i) => `args.regions[${i}]`).join(", ")})`,
        );
    const cloud = provider === "route53" ? "aws" : "gcp";
    regions.forEach((r, i) => {
        if (r.cluster.cloud !== cloud) {
            problems.push(
                `args.regions[${i}].cluster.cloud is ${r.cluster.cloud} (${r.cluster.name}); args.provider ${provider} fails over between ${cloud} regions`,
            );
        }
    });
    const positiveInt = (key: string, v: number | undefined, max = Infinity) => {
        if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > max)) {
            problems.push(
                `args.${key} must be a whole number ${max === Infinity ? ">= 1" : `from 1 to ${max}`} (got ${v})`,
            );
        }
    };
    positiveInt("ttlSeconds", args.ttlSeconds);
    positiveInt("healthCheckIntervalSeconds", args.healthCheckIntervalSeconds);
    positiveInt("healthCheckFailureThreshold", args.healthCheckFailureThreshold, 10);
    if (
        provider === "route53" &&
        args.healthCheckIntervalSeconds !== undefined &&
        !ROUTE53_INTERVALS.includes(args.healthCheckIntervalSeconds)
    ) {
        problems.push(
            `args.healthCheckIntervalSeconds ${args.healthCheckIntervalSeconds} is not a Route 53 interval; allowed: ${ROUTE53_INTERVALS.join(", ")}`,
        );
    }
    return problems;
}

export class DnsFailover extends pulumi.ComponentResource {
    /** The DNS service serving the records (`args.provider`). */
    readonly provider: DnsProvider;
    /** Health check id per region name. */
    readonly healthCheckIds: Readonly<Record<string, pulumi.Output<string>>>;
    /** Effective health check interval (Cloud DNS raises it to 30 s). */
    readonly intervalSeconds: number;
    /** interval x failure threshold + TTL, with the effective interval. */
    readonly worstCaseFailoverSeconds: number;

    constructor(name: string, args: DnsFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:dns:DnsFailover", name, {}, opts);
        const problems = dnsFailoverProblems(args);
        if (problems.length > 0) throw new Error(`DnsFailover ${name}: ${problems.join("; ")}`);
        const { regions, hostname, zoneId } = args;
        const ttlSeconds = args.ttlSeconds ?? 60;
        const interval = args.healthCheckIntervalSeconds ?? 10;
        const failureThreshold = args.healthCheckFailureThreshold ?? 3;
        const primary = regions.find((r) => r.role === "primary")!;
        const secondary = regions.find((r) => r.role === "secondary");
        this.provider = args.provider;

        if (primary.cluster.cloud === "aws") {
            // Route 53 is global; the primary region's provider signs its calls.
            const provider = primary.cluster.awsProvider;
            const ids: Record<string, pulumi.Output<string>> = {};
            for (const r of regions) {
                const check = new aws.route53.HealthCheck(
                    `${name}-${r.cluster.name}-health`,
                    {
                        type: "HTTP",
                        fqdn: r.ingressHostname,
                        port: INGRESS_HEALTH.port,
                        resourcePath: INGRESS_HEALTH.path,
                        requestInterval: interval,
                        failureThreshold,
                        measureLatency: true,
                        tags: { ...r.cluster.tags, Name: `${hostname}-${r.cluster.name}` },
                    },
                    { parent: this, provider, ignoreChanges: ["invertHealthcheck"] },
                );
                ids[r.cluster.name] = check.id;
            }
            const record = (r: FailoverRegion, role: "PRIMARY" | "SECONDARY" | undefined) =>
                new aws.route53.Record(
                    `${name}-${r.cluster.name}-record`,
                    {
                        zoneId,
                        name: hostname,
                        type: "CNAME",
                        ttl: ttlSeconds,
                        records: [r.ingressHostname],
                        ...(role
                            ? {
                                  setIdentifier: r.cluster.name,
                                  failoverRoutingPolicies: [{ type: role }],
                              }
                            : {}),
                        healthCheckId: ids[r.cluster.name],
                    },
                    { parent: this, provider },
                );
            record(primary, secondary ? "PRIMARY" : undefined);
            if (secondary) record(secondary, "SECONDARY");
            this.healthCheckIds = ids;
            this.intervalSeconds = interval;
        } else {
            const provider = primary.cluster.gcpProvider;
            const project = args.gcpProject ?? primary.cluster.project;
            this.intervalSeconds = Math.max(interval, CLOUD_DNS_MIN_INTERVAL);
            const stackRegions = regions.map((r) => r.cluster.cloudRegion);
            const sourceRegions = [
                ...new Set([...stackRegions, "asia-east1", "us-central1", "europe-west1"]),
            ].slice(0, 3);
            const check = new gcp.compute.HealthCheck(
                `${name}-health`,
                {
                    project,
                    description: `Ingress gateways behind ${hostname}`,
                    checkIntervalSec: this.intervalSeconds,
                    timeoutSec: 5,
                    healthyThreshold: 1,
                    unhealthyThreshold: failureThreshold,
                    httpHealthCheck: {
                        port: INGRESS_HEALTH.port,
                        requestPath: INGRESS_HEALTH.path,
                    },
                    sourceRegions,
                },
                { parent: this, provider },
            );
            new gcp.dns.RecordSet(
                `${name}-record`,
                {
                    project,
                    managedZone: zoneId,
                    name: `${hostname}.`,
                    type: "A",
                    ttl: ttlSeconds,
                    routingPolicy: secondary
                        ? {
                              healthCheck: check.id,
                              primaryBackup: {
                                  primary: { externalEndpoints: [primary.ingressHostname] },
                                  backupGeos: [
                                      {
                                          location: secondary.cluster.cloudRegion,
                                          healthCheckedTargets: {
                                              externalEndpoints: [secondary.ingressHostname],
                                          },
                                      },
                                  ],
                                  trickleRatio: 0,
                              },
                          }
                        : undefined,
                    rrdatas: secondary ? undefined : [primary.ingressHostname],
                },
                { parent: this, provider },
            );
            this.healthCheckIds = Object.fromEntries(
                regions.map((r) => [r.cluster.name, check.id]),
            );
        }
        this.worstCaseFailoverSeconds = worstCaseFailoverSeconds(
            this.intervalSeconds,
            failureThreshold,
            ttlSeconds,
        );
        this.registerOutputs({ worstCaseFailoverSeconds: this.worstCaseFailoverSeconds });
    }
}
