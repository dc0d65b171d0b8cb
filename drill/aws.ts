/**
 * The AWS side of the drill through the AWS SDK v3: Route 53 (global API) for the health check flag
 * and checker status, S3 in the secondary region for the replicated backups. `endpoint` points every
 * client elsewhere (moto_server, LocalStack); credentials come from the default chain.
 */
import {
    GetHealthCheckCommand,
    GetHealthCheckStatusCommand,
    GetHostedZoneCommand,
    Route53Client,
    UpdateHealthCheckCommand,
} from "@aws-sdk/client-route-53";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DrillRegionOutput } from "../lib/drill-contract";
import type { Health, HealthCheckControl, HealthObserver, ReplicaStore } from "./ports";

export interface AwsOptions {
    readonly endpoint?: string;
    /** Per-request timeout; a dead endpoint must not hang the drill. @default 5000 */
    readonly requestTimeoutMs?: number;
}

/** Route 53 considers an endpoint healthy when more than 18 % of its checkers report it healthy. */
export const HEALTHY_CHECKER_SHARE = 0.18;

function common(opts: AwsOptions) {
    return {
        maxAttempts: 2,
        requestHandler: {
            connectionTimeout: opts.requestTimeoutMs ?? 5000,
            requestTimeout: opts.requestTimeoutMs ?? 5000,
        },
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    };
}

export class Route53Health implements HealthCheckControl, HealthObserver {
    readonly client: Route53Client;

    constructor(opts: AwsOptions = {}) {
        // Route 53 is a global service signed for us-east-1; it is not either region's API.
        this.client = new Route53Client({ region: "us-east-1", ...common(opts) });
    }

    async getInverted(healthCheckId: string): Promise<boolean> {
        const out = await this.client.send(
            new GetHealthCheckCommand({ HealthCheckId: healthCheckId }),
        );
        return out.HealthCheck?.HealthCheckConfig?.Inverted === true;
    }

    async setInverted(healthCheckId: string, inverted: boolean): Promise<void> {
        await this.client.send(
            new UpdateHealthCheckCommand({ HealthCheckId: healthCheckId, Inverted: inverted }),
        );
    }

    /**
     * Checker reports describe the endpoint as the checkers see it; Route 53 applies `Inverted` on top,
     * so the drill applies it too.
     */
    async status(region: DrillRegionOutput): Promise<Health> {
        const out = await this.client.send(
            new GetHealthCheckStatusCommand({ HealthCheckId: region.healthCheckId }),
        );
        const reports = out.HealthCheckObservations ?? [];
        const ok = reports.filter((o) =>
            (o.StatusReport?.Status ?? "").startsWith("Success"),
        ).length;
        const endpointHealthy = reports.length > 0 && ok / reports.length > HEALTHY_CHECKER_SHARE;
        const inverted = await this.getInverted(region.healthCheckId);
        return endpointHealthy !== inverted ? "healthy" : "unhealthy";
    }

    /** The zone's authoritative name servers (to ask DNS without resolver caches). */
    async nameServers(zoneId: string): Promise<string[]> {
        const out = await this.client.send(new GetHostedZoneCommand({ Id: zoneId }));
        return out.DelegationSet?.NameServers ?? [];
    }
}

export class S3Replicas implements ReplicaStore {
    private readonly clients = new Map<string, S3Client>();

    constructor(private readonly opts: AwsOptions = {}) {}

    async exists(region: DrillRegionOutput, bucket: string, key: string): Promise<boolean> {
        let client = this.clients.get(region.region);
        if (!client) {
            client = new S3Client({
                region: region.region,
                forcePathStyle: this.opts.endpoint !== undefined,
                ...common(this.opts),
            });
            this.clients.set(region.region, client);
        }
        try {
            await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
            return true;
        } catch (e) {
            const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
            if (err.name === "NotFound" || err.$metadata?.httpStatusCode === 404) return false;
            throw e;
        }
    }
}
