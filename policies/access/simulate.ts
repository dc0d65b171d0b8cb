/**
 * One IAM decision with @cloud-copilot/iam-simulate (AGPL-3.0, a devDependency: see docs/decisions.md).
 *
 * The package's `runSimulation` is asynchronous (it validates actions against iam-data on disk) and its
 * `runUnsafeSimulation` returns only the verdict and fails on an unnamed resource policy; the offline
 * pack runs synchronous policies only and the matrix wants the decisive statements. So this calls the
 * package's own core evaluator (`core_engine/CoreSimulatorEngine.authorize`, the function both entry
 * points end in) by path, in Strict mode, with named policies. The version is pinned exactly in
 * package.json; tests/access/evaluator.test.ts checks decisions against the AWS documentation and
 * against `runSimulation` for the same inputs.
 */
import * as path from "path";
import { loadPolicy } from "@cloud-copilot/iam-policy";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- internal modules of a pinned package, typed here */
const dir = path.dirname(require.resolve("@cloud-copilot/iam-simulate"));
const core = require(path.join(dir, "core_engine/CoreSimulatorEngine.js"));
const { AwsRequestImpl } = require(path.join(dir, "request/request.js"));
const { RequestContextImpl } = require(path.join(dir, "requestContext.js"));
const { DiscoveryContextKeyConstraints } = require(
    path.join(dir, "context_keys/discoveryContextKeyConstraints.js"),
);

export interface NamedPolicy {
    readonly name: string;
    readonly document: unknown;
}

export interface IamRequest {
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    /** Account that owns the resource. */
    readonly resourceAccount: string;
    readonly context?: Record<string, string | string[]>;
    readonly identityPolicies: readonly NamedPolicy[];
    readonly resourcePolicy?: NamedPolicy;
}

export interface IamDecision {
    readonly result: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
    readonly allowed: boolean;
    /** Decisive statements as `<policy>#<Sid or index> (<Effect>)`. */
    readonly why: string[];
}

interface StatementAnalysisLike {
    policyId?: string;
    statement: { index(): number; sid?(): string | undefined; effect(): string };
}

function label(s: StatementAnalysisLike): string {
    const sid = typeof s.statement.sid === "function" ? s.statement.sid() : undefined;
    return `${s.policyId ?? "?"}#${sid ?? s.statement.index()} (${s.statement.effect()})`;
}

export function simulate(req: IamRequest): IamDecision {
    const request = new AwsRequestImpl(
        req.principal,
        { resource: req.resource, accountId: req.resourceAccount },
        req.action,
        new RequestContextImpl(req.context ?? {}),
    );
    const analysis = core.authorize({
        request,
        sessionPolicy: undefined,
        identityPolicies: req.identityPolicies.map((p) => loadPolicy(p.document, { name: p.name })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: req.resourcePolicy
            ? loadPolicy(req.resourcePolicy.document, { name: req.resourcePolicy.name })
            : undefined,
        permissionBoundaries: undefined,
        vpcEndpointPolicies: undefined,
        simulationParameters: {
            simulationMode: "Strict",
            discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]),
        },
        serviceSettings: { s3: {} },
    });
    const result = analysis.result as IamDecision["result"];
    const pick = (a: { allowStatements?: unknown[]; denyStatements?: unknown[] } | undefined) =>
        result === "ExplicitlyDenied"
            ? ((a?.denyStatements ?? []) as StatementAnalysisLike[])
            : ((a?.allowStatements ?? []) as StatementAnalysisLike[]);
    const why = [...pick(analysis.identityAnalysis), ...pick(analysis.resourceAnalysis)].map(label);
    if (result === "ImplicitlyDenied") {
        const idAllows = (analysis.identityAnalysis?.allowStatements ?? []).length;
        const rpAllows = (analysis.resourceAnalysis?.allowStatements ?? []).length;
        why.push(
            idAllows === 0 && rpAllows === 0
                ? `no statement allows ${req.action}`
                : `${req.action}: ${idAllows === 0 ? "no identity statement" : "the resource policy does not admit the principal"}`,
        );
    }
    return { result, allowed: result === "Allowed", why };
}
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument */
