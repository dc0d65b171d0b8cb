/**
 * Health-checked DNS failover of the stack's public hostname between regions.
 *
 * Route 53 (AWS), per region:
 * - a gateway check: HTTP on the ingress load balancer's status port (15021 `/healthz/ready`, the
 *   gateway chart's readiness endpoint; it turns ready once the gateway has its config from istiod);
 * - an app check: HTTPS with SNI on the region's own name `<region>.<hostname>` (a plain alias
 *   record to that region's load balancer), path `appHealthPath` (the smoke service's
 *   `/smoke/status/200`): it fails when the app behind a healthy gateway fails, or when the gateway
 *   denies traffic (readiness on 15021 does not see an authorization policy);
 * - a calculated check, healthy only while both children are (`childHealthThreshold` 2), which the
 *   failover record is bound to and which the DR drill's `dns` fault inverts (the program ignores
 *   changes to its `invertHealthcheck`, so a `pulumi up` during a drill does not undo the injection).
 * The failover records are A aliases to the load balancers with `evaluateTargetHealth` (the NLB's
 * own target health counts too); an alias to a load balancer always has the fixed 60 s TTL.
 *
 * Cloud DNS (GCP): one A record set with a primary-backup routing policy (@pulumi/gcp 9.37
 * `routingPolicy.primaryBackup` with `externalEndpoints`) and a global HTTP health check with three
 * source regions on the same port and path. Cloud DNS requires `checkIntervalSec >= 30` for such
 * checks, so the interval there is at least 30 s whatever the args say.
 *
 * Worst case until a client moves (exported, see worstCaseFailoverSeconds): per the Route 53 docs
 * the interval runs from the last response, and an HTTP(S) check may take 4 s to connect and 2 s
 * to answer, so each failed check takes up to interval + 6 s.
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
/**
 * Route 53 HTTP(S) checks: a TCP connection within 4 s, then a response within 2 s ("How Route 53
 * determines whether a health check is healthy", Route 53 Developer Guide).
 */
export const ROUTE53_CHECK_TIMEOUT_SECONDS = 4 + 2;
/**
 * Allowance for Route 53 to aggregate the checkers' reports, evaluate the calculated parent and
 * act on it in DNS answers. The docs give no figure; 10 s is this platform's assumption and the
 * drill measures the real value.
 */
export const ROUTE53_PROPAGATION_ALLOWANCE_SECONDS = 10;
/** The fixed TTL of an alias record to an Elastic Load Balancing load balancer (Route 53 FAQ). */
export const ELB_ALIAS_TTL_SECONDS = 60;
/**
 * Canonical hosted zone ids of Network Load Balancers per region (AWS General Reference, "Elastic
 * Load Balancing endpoints and quotas"; the same table as the provider's `aws.lb.getHostedZoneId`).
 */
export const NLB_HOSTED_ZONE_IDS: Readonly<Record<string, string>> = {
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ap-northeast-2": "ZIBE1TIR4HY56",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-west-2": "Z18D5FSROUN65G",
};
/** The app check's path: the smoke service's route through the public gateway. */
export const DEFAULT_APP_HEALTH_PATH = "/smoke/status/200";

/** A region's own name below the public hostname, checked by the app health check. */
export function regionalHostname(region: string, hostname: string): string {
    return `${region}.${hostname}`;
}

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
    /**
     * Route 53: hosted zone id of the region's load balancer (the alias target's zone).
     * @default the NLB zone of the region from NLB_HOSTED_ZONE_IDS
     */
    readonly loadBalancerZoneId?: string;
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
     * TTL of the records in seconds (Cloud DNS; Route 53 alias records to a load balancer always
     * have 60 s).
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
     * @default 2
     */
    readonly healthCheckFailureThreshold?: number;
    /**
     * Route 53: path of the app check on `<region>.<hostname>` over HTTPS with SNI. That name must be
     * on the public gateway, its certificate and the smoke route.
     * @default DEFAULT_APP_HEALTH_PATH
     */
    readonly appHealthPath?: string;
    /**
     * Cloud DNS only: the project of the health check and the record set.
     * @default the primary region's cluster project
     */
    readonly gcpProject?: string;
}

/**
 * Worst case from failure until every client moves: threshold x (interval + check timeout) +
 * propagation allowance + TTL. Cloud DNS: threshold x (interval + the 5 s check timeout) + TTL.
 */
export function worstCaseFailoverSeconds(
    intervalSeconds: number,
    failureThreshold: number,
    ttlSeconds: number,
    provider: DnsProvider = "route53",
): number {
    return provider === "route53"
        ? failureThreshold * (intervalSeconds + ROUTE53_CHECK_TIMEOUT_SECONDS) +
              ROUTE53_PROPAGATION_ALLOWANCE_SECONDS +
              ttlSeconds
        : failureThreshold * (intervalSeconds + 5) + ttlSeconds;
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
        if (
            provider === "route53" &&
            r.cluster.cloud === "aws" &&
            r.loadBalancerZoneId === undefined &&
            !NLB_HOSTED_ZONE_IDS[r.cluster.cloudRegion]
        ) {
            problems.push(
                `args.regions[${i}].loadBalancerZoneId is needed: no NLB hosted zone id known for ${r.cluster.cloudRegion}; known: ${Object.keys(NLB_HOSTED_ZONE_IDS).join(", ")}`,
            );
        }
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
    /** See worstCaseFailoverSeconds(), with the effective interval and TTL. */
    readonly worstCaseFailoverSeconds: number;
    /** Effective TTL clients cache an answer for (60 s for Route 53 aliases to load balancers). */
    readonly ttlSeconds: number;
    /** Effective failure threshold. */
    readonly failureThreshold: number;
    /** Route 53: the region's own name per region name (checked by its app check); empty on Cloud DNS. */
    readonly regionalHostnames: Readonly<Record<string, string>>;

    constructor(name: string, args: DnsFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:dns:DnsFailover", name, {}, opts);
        const problems = dnsFailoverProblems(args);
        if (problems.length > 0) throw new Error(`DnsFailover ${name}: ${problems.join("; ")}`);
        const { regions, hostname, zoneId } = args;
        const ttlSeconds = args.ttlSeconds ?? 60;
        const interval = args.healthCheckIntervalSeconds ?? 10;
        const failureThreshold = args.healthCheckFailureThreshold ?? 2;
        const primary = regions.find((r) => r.role === "primary")!;
        const secondary = regions.find((r) => r.role === "secondary");
        this.provider = args.provider;

        if (primary.cluster.cloud === "aws") {
            // Route 53 is global; the primary region's provider signs its calls.
            const provider = primary.cluster.awsProvider;
            const appPath = args.appHealthPath ?? DEFAULT_APP_HEALTH_PATH;
            const ids: Record<string, pulumi.Output<string>> = {};
            const regional: Record<string, string> = {};
            const aliasTo = (r: FailoverRegion) => ({
                name: r.ingressHostname,
                zoneId: r.loadBalancerZoneId ?? NLB_HOSTED_ZONE_IDS[r.cluster.cloudRegion],
                evaluateTargetHealth: true,
            });
            for (const r of regions) {
                const tags = (what: string) => ({
                    ...r.cluster.tags,
                    Name: `${hostname}-${r.cluster.name}-${what}`,
                });
                const gateway = new aws.route53.HealthCheck(
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
                const own = regionalHostname(r.cluster.name, hostname);
                regional[r.cluster.name] = own;
                new aws.route53.Record(
                    `${name}-${r.cluster.name}-regional`,
                    { zoneId, name: own, type: "A", aliases: [aliasTo(r)] },
                    { parent: this, provider },
                );
                const app = new aws.route53.HealthCheck(
                    `${name}-${r.cluster.name}-app-health`,
                    {
                        type: "HTTPS",
                        fqdn: own,
                        port: 443,
                        enableSni: true,
                        resourcePath: appPath,
                        requestInterval: interval,
                        failureThreshold,
                        measureLatency: true,
                        tags: tags("app"),
                    },
                    { parent: this, provider },
                );
                const calculated = new aws.route53.HealthCheck(
                    `${name}-${r.cluster.name}-calculated-health`,
                    {
                        type: "CALCULATED",
                        childHealthchecks: [gateway.id, app.id],
                        childHealthThreshold: 2,
                        tags: tags("calculated"),
                    },
                    { parent: this, provider, ignoreChanges: ["invertHealthcheck"] },
                );
                ids[r.cluster.name] = calculated.id;
            }
            const record = (r: FailoverRegion, role: "PRIMARY" | "SECONDARY" | undefined) =>
                new aws.route53.Record(
                    `${name}-${r.cluster.name}-record`,
                    {
                        zoneId,
                        name: hostname,
                        type: "A",
                        aliases: [aliasTo(r)],
                        ...(role
                            ? {
                                  setIdentifier: r.cluster.name,
                                  failoverRoutingPolicies: [{ type: role }],
                              }
                            : {}),
                        healthCheckId: ids[r.cluster.name],
                    },
                    // CNAME -> alias A at the same name: the old record must go first.
                    { parent: this, provider, deleteBeforeReplace: true },
                );
            record(primary, secondary ? "PRIMARY" : undefined);
            if (secondary) record(secondary, "SECONDARY");
            this.healthCheckIds = ids;
            this.intervalSeconds = interval;
            this.ttlSeconds = ELB_ALIAS_TTL_SECONDS;
            this.regionalHostnames = regional;
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
            this.ttlSeconds = ttlSeconds;
            this.regionalHostnames = {};
        }
        this.failureThreshold = failureThreshold;
        this.worstCaseFailoverSeconds = worstCaseFailoverSeconds(
            this.intervalSeconds,
            failureThreshold,
            this.ttlSeconds,
            args.provider,
        );
        this.registerOutputs({ worstCaseFailoverSeconds: this.worstCaseFailoverSeconds });
    }
}
