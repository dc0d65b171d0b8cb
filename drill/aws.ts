/**
 * The AWS side of the drill (AWS SDK v3): Route 53 health checks (global API), CloudWatch alarms
 * (stop conditions) and the DynamoDB lock table. Every client gets a request handler whose timeouts
 * throw (@smithy/node-http-handler 4.14: `requestTimeout` only logs a warning unless
 * `throwOnRequestTimeout` is set), and every call also carries the caller's AbortSignal.
 * `endpoint` points every client elsewhere (moto_server); credentials come from the default chain.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
    ConditionalCheckFailedException,
    DeleteItemCommand,
    DynamoDBClient,
    GetItemCommand,
    PutItemCommand,
    type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import {
    GetHealthCheckCommand,
    GetHealthCheckStatusCommand,
    Route53Client,
    UpdateHealthCheckCommand,
} from "@aws-sdk/client-route-53";
import type { Alarms, Health, HealthChecks, LockStore } from "./ports";
import { LockHeld, type DrillState, type LockRecord } from "./state";

export interface AwsOptions {
    readonly endpoint?: string;
    /** Per-request timeout (connect and response), thrown as an error. @default 5000 */
    readonly requestTimeoutMs?: number;
}

/** Route 53 considers an endpoint healthy when more than 18 % of its checkers report it healthy. */
export const HEALTHY_CHECKER_SHARE = 0.18;

/** Client options shared by every AWS client of the drill. */
export function clientConfig(opts: AwsOptions, region: string) {
    const ms = opts.requestTimeoutMs ?? 5000;
    return {
        region,
        maxAttempts: 2,
        requestHandler: {
            connectionTimeout: ms,
            requestTimeout: ms,
            throwOnRequestTimeout: true,
        },
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    };
}

export class Route53HealthChecks implements HealthChecks {
    readonly client: Route53Client;

    constructor(opts: AwsOptions = {}) {
        // Route 53 is a global service signed for us-east-1; it is not either region's API.
        this.client = new Route53Client(clientConfig(opts, "us-east-1"));
    }

    async getInverted(id: string, signal: AbortSignal): Promise<boolean> {
        const out = await this.client.send(new GetHealthCheckCommand({ HealthCheckId: id }), {
            abortSignal: signal,
        });
        return out.HealthCheck?.HealthCheckConfig?.Inverted === true;
    }

    async setInverted(id: string, inverted: boolean, signal: AbortSignal): Promise<void> {
        await this.client.send(
            new UpdateHealthCheckCommand({ HealthCheckId: id, Inverted: inverted }),
            { abortSignal: signal },
        );
    }

    async status(id: string, signal: AbortSignal): Promise<Health> {
        const out = await this.client.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }), {
            abortSignal: signal,
        });
        const reports = out.HealthCheckObservations ?? [];
        const ok = reports.filter((o) =>
            (o.StatusReport?.Status ?? "").startsWith("Success"),
        ).length;
        const endpointHealthy = reports.length > 0 && ok / reports.length > HEALTHY_CHECKER_SHARE;
        const inverted = await this.getInverted(id, signal);
        return endpointHealthy !== inverted ? "healthy" : "unhealthy";
    }
}

export class CloudWatchAlarms implements Alarms {
    private readonly clients = new Map<string, CloudWatchClient>();

    constructor(private readonly opts: AwsOptions = {}) {}

    async inAlarm(
        alarms: readonly { name: string; region: string }[],
        signal: AbortSignal,
    ): Promise<string[]> {
        const byRegion = new Map<string, string[]>();
        for (const a of alarms) byRegion.set(a.region, [...(byRegion.get(a.region) ?? []), a.name]);
        const firing: string[] = [];
        for (const [region, names] of byRegion) {
            let client = this.clients.get(region);
            if (!client) {
                client = new CloudWatchClient(clientConfig(this.opts, region));
                this.clients.set(region, client);
            }
            const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: names }), {
                abortSignal: signal,
            });
            for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])])
                if (a.StateValue === "ALARM" && a.AlarmName) firing.push(a.AlarmName);
        }
        return firing;
    }
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

/**
 * Lock and state in one DynamoDB table (partition key `pk`): item `lock#<stack>` is taken with a
 * conditional put (`attribute_not_exists(pk) OR expiresAt < :now`), renewed and released only by
 * its owner; item `state#<stack>` holds the JSON state.
 */
export class DynamoLockStore implements LockStore {
    readonly client: DynamoDBClient;

    constructor(
        readonly tableName: string,
        readonly stack: string,
        region: string,
        opts: AwsOptions = {},
        private readonly now: () => number = Date.now,
    ) {
        this.client = new DynamoDBClient(clientConfig(opts, region));
    }

    private lockKey() {
        return { pk: S(`lock#${this.stack}`) };
    }

    private item(lock: LockRecord): Record<string, AttributeValue> {
        return {
            ...this.lockKey(),
            drillId: S(lock.drillId),
            owner: S(lock.owner),
            startedAt: S(lock.startedAt),
            expiresAt: N(lock.expiresAt),
        };
    }

    async acquire(lock: LockRecord, signal: AbortSignal): Promise<void> {
        try {
            await this.client.send(
                new PutItemCommand({
                    TableName: this.tableName,
                    Item: this.item(lock),
                    ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
                    ExpressionAttributeValues: { ":now": N(Math.floor(this.now() / 1000)) },
                }),
                { abortSignal: signal },
            );
        } catch (e) {
            if (e instanceof ConditionalCheckFailedException)
                throw new LockHeld(await this.current(signal));
            throw e;
        }
    }

    async renew(lock: LockRecord, signal: AbortSignal): Promise<void> {
        try {
            await this.client.send(
                new PutItemCommand({
                    TableName: this.tableName,
                    Item: this.item(lock),
                    ConditionExpression: "drillId = :id AND #o = :owner",
                    ExpressionAttributeNames: { "#o": "owner" },
                    ExpressionAttributeValues: { ":id": S(lock.drillId), ":owner": S(lock.owner) },
                }),
                { abortSignal: signal },
            );
        } catch (e) {
            if (e instanceof ConditionalCheckFailedException)
                throw new LockHeld(await this.current(signal));
            throw e;
        }
    }

    async release(lock: LockRecord, signal: AbortSignal): Promise<void> {
        try {
            await this.client.send(
                new DeleteItemCommand({
                    TableName: this.tableName,
                    Key: this.lockKey(),
                    ConditionExpression: "drillId = :id",
                    ExpressionAttributeValues: { ":id": S(lock.drillId) },
                }),
                { abortSignal: signal },
            );
        } catch (e) {
            if (!(e instanceof ConditionalCheckFailedException)) throw e;
        }
    }

    async current(signal: AbortSignal): Promise<LockRecord | undefined> {
        const out = await this.client.send(
            new GetItemCommand({
                TableName: this.tableName,
                Key: this.lockKey(),
                ConsistentRead: true,
            }),
            { abortSignal: signal },
        );
        const i = out.Item;
        if (!i) return undefined;
        return {
            stack: this.stack,
            drillId: i.drillId?.S ?? "",
            owner: i.owner?.S ?? "",
            startedAt: i.startedAt?.S ?? "",
            expiresAt: Number(i.expiresAt?.N ?? 0),
        };
    }

    async readState(signal: AbortSignal): Promise<DrillState | undefined> {
        const out = await this.client.send(
            new GetItemCommand({
                TableName: this.tableName,
                Key: { pk: S(`state#${this.stack}`) },
                ConsistentRead: true,
            }),
            { abortSignal: signal },
        );
        const text = out.Item?.state?.S;
        if (!text) return undefined;
        const parsed = JSON.parse(text) as DrillState;
        if (parsed.version !== 2 || !Array.isArray(parsed.changes))
            throw new Error(
                `drill state state#${this.stack} in table ${this.tableName} is not readable (version ${String(parsed.version)})`,
            );
        return parsed;
    }

    async writeState(state: DrillState, signal: AbortSignal): Promise<void> {
        await this.client.send(
            new PutItemCommand({
                TableName: this.tableName,
                Item: {
                    pk: S(`state#${this.stack}`),
                    drillId: S(state.drillId),
                    state: S(JSON.stringify(state)),
                },
            }),
            { abortSignal: signal },
        );
    }

    async clearState(drillId: string, signal: AbortSignal): Promise<void> {
        try {
            await this.client.send(
                new DeleteItemCommand({
                    TableName: this.tableName,
                    Key: { pk: S(`state#${this.stack}`) },
                    ConditionExpression: "drillId = :id",
                    ExpressionAttributeValues: { ":id": S(drillId) },
                }),
                { abortSignal: signal },
            );
        } catch (e) {
            if (!(e instanceof ConditionalCheckFailedException)) throw e;
        }
    }
}
