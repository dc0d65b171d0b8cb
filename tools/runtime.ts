/**
 * Runs Pulumi declarations in-process under the mock runtime and records every resource the engine
 * would see: type, name, parent, provider, protect, inputs (with secrets marked), outputs and
 * dependencies. The mocks' `newResource` hook does not see parents, options or dependencies, so the
 * recorder wraps the mock monitor's `registerResource` and `readResource` instead.
 *
 * Used by the offline plan (tools/plan.ts) and by the test harness (tests/harness.ts).
 *
 * Slightly over the house's 400 lines: the recorder and the alias resolution it needs are one concept
 * (what the engine would see of each resource).
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import {
    createUrn,
    newUrn,
    parseUrn,
    ROOT_STACK_TYPE,
    type PlanResource,
} from "../lib/plan-format";
import { PlatformMocks } from "./mocks";

export const PROJECT = "mesh-platform";
export const SECRET_PLACEHOLDER = "[secret]";

/** Everything the engine would see of one resource: the plan.json fields plus options and outputs. */
export interface RecordedResource extends PlanResource {
    /** The URN the Pulumi engine gives this resource (the plan's `urn` is the mock monitor's). */
    readonly engineUrn: string;
    /** Engine URNs the `aliases` option stands for, resolved as the engine does; sorted, maybe empty. */
    readonly aliases: readonly string[];
    readonly retainOnDelete: boolean;
    readonly ignoreChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
    /** true for `Resource.get` reads. */
    readonly read: boolean;
    readonly id?: string;
    /** Inputs with secrets unwrapped (tests only: never written to disk). */
    readonly plainInputs: Record<string, unknown>;
    /** Paths (a.b[0].c) of secret values inside the inputs. */
    readonly secretInputPaths: readonly string[];
    outputs: Record<string, unknown>;
}

export interface RunResult {
    readonly stack: string;
    readonly resources: RecordedResource[];
    /** Stack outputs with secrets unwrapped, plus the paths that were secret. */
    readonly outputs: Record<string, unknown>;
    readonly maskedOutputs: Record<string, unknown>;
}

/** Read `Pulumi.<stack>.yaml` and return its `config:` map as { fullKey: value } plus secret keys. */
export function readStackFile(
    root: string,
    stack: string,
): { config: Record<string, unknown>; secretKeys: string[] } {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(root)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new UsageError(
            `no stack file ${path.basename(file)}; committed stacks: ${known.join(", ")}`,
        );
    }
    const parsed = parseDocument(fs.readFileSync(file, "utf8"));
    if (parsed.errors.length > 0) {
        // A syntax error is a config error (exit 2), named by file, line and column, not a stack trace.
        const where = parsed.errors.map((e) => {
            const pos = e.linePos?.[0];
            const at = pos ? `${path.basename(file)}:${pos.line}:${pos.col}` : path.basename(file);
            return `${at}: ${e.message.split("\n")[0]}`;
        });
        throw new UsageError(
            `${path.basename(file)} is not valid YAML:\n${where.map((w) => `  - ${w}`).join("\n")}`,
        );
    }
    const doc = (parsed.toJS() ?? {}) as { config?: unknown };
    if (
        doc.config !== undefined &&
        doc.config !== null &&
        (typeof doc.config !== "object" || Array.isArray(doc.config))
    )
        throw new UsageError(`${path.basename(file)}: config must be a map of keys to values`);
    const config: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            // Ciphertext cannot be decrypted offline: stand in a placeholder, still treated as a secret.
            config[full] = `offline-placeholder-for-${full.replace(/[^a-z0-9]/gi, "-")}`;
            secretKeys.push(full);
        } else {
            config[full] = value;
        }
    }
    return { config, secretKeys };
}

export class UsageError extends Error {}

function encodeConfig(config: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config))
        out[k] = typeof v === "string" ? v : JSON.stringify(v);
    return out;
}

const SIG = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

function isSecretSentinel(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG] === SECRET_SIG;
}

/** Walk a deserialized-from-protobuf value; return masked and plain copies plus secret paths. */
export function splitSecrets(
    value: unknown,
    at = "",
    paths: string[] = [],
): { masked: unknown; plain: unknown; paths: string[] } {
    if (isSecretSentinel(value)) {
        paths.push(at || "(root)");
        return {
            masked: SECRET_PLACEHOLDER,
            plain: splitSecrets(value.value, at, []).plain,
            paths,
        };
    }
    if (Array.isArray(value)) {
        const masked: unknown[] = [];
        const plain: unknown[] = [];
        value.forEach((v, i) => {
            const r = splitSecrets(v, `${at}[${i}]`, paths);
            masked.push(r.masked);
            plain.push(r.plain);
        });
        return { masked, plain, paths };
    }
    if (value && typeof value === "object") {
        const masked: Record<string, unknown> = {};
        const plain: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (v === undefined) continue;
            const r = splitSecrets(v, at ? `${at}.${k}` : k, paths);
            masked[k] = r.masked;
            plain[k] = r.plain;
        }
        return { masked, plain, paths };
    }
    return { masked: value, plain: value, paths };
}

/** A provider reference `urn::id` -> urn. */
function providerUrn(ref: string): string | undefined {
    if (!ref) return undefined;
    return ref.slice(0, ref.lastIndexOf("::"));
}

/** What the recorder knows of the resources registered so far, to resolve a later resource's aliases. */
interface AliasContext {
    readonly stack: string;
    /** mock URN -> engine URN */
    readonly engineByUrn: Map<string, string>;
    /** mock URN -> resolved aliases (engine URNs) */
    readonly aliasesByUrn: Map<string, readonly string[]>;
}

/** The engine URN for a URN the SDK sent: a mock URN we recorded, or a URN written by hand (already the engine's). */
function toEngineUrn(ctx: AliasContext, urn: string): string {
    return ctx.engineByUrn.get(urn) ?? urn;
}

/** The engine URN of a resource registered under `parent` (a mock URN or empty). */
function engineUrnOf(ctx: AliasContext, parent: string, type: string, name: string): string {
    const parentType = parent ? parseUrn(toEngineUrn(ctx, parent)).qualifiedType : "";
    return newUrn(ctx.stack, PROJECT, parentType, type, name);
}

/** The engine's stepGenerator.inheritedChildAlias: the child's URN under its parent's old URN. */
function inheritedChildAlias(
    ctx: AliasContext,
    childType: string,
    childName: string,
    parentName: string,
    parentAlias: string,
): string {
    const old = parseUrn(parentAlias);
    const aliasName = childName.startsWith(parentName)
        ? old.name + childName.slice(parentName.length)
        : childName;
    return newUrn(ctx.stack, PROJECT, old.qualifiedType, childType, aliasName);
}

/**
 * The old URNs a registration's aliases stand for, resolved the way the engine does
 * (pkg/resource/deploy/step_generator.go: collapseAliasToUrn, generateAliases). The SDK's mock monitor
 * advertises alias specs (`supportsAliasSpecs`), so the SDK sends `Alias` protos (a URN, or a spec whose
 * parentUrn it has already filled with the resource's parent when the alias names none) and resolves
 * nothing itself; the older `aliasURNs` field is read as well, in case a monitor fills it.
 *
 * Where the engine picks the one alias of a parent that matched the old state, this has no state and
 * keeps every candidate: a superset of what the engine tries.
 */
function resolveAliases(
    ctx: AliasContext,
    req: any,
    self: { type: string; name: string; parent: string; engineUrn: string },
): string[] {
    const own: string[] = [];
    const extra: string[] = [];
    for (const alias of (req.getAliasesList?.() ?? []) as any[]) {
        if (alias.hasUrn()) {
            own.push(alias.getUrn());
            continue;
        }
        const spec = alias.getSpec?.();
        if (!spec) continue;
        const name: string = spec.getName() || self.name;
        const type: string = spec.getType() || self.type;
        const project: string = spec.getProject() || PROJECT;
        const stack: string = spec.getStack() || ctx.stack;
        const givenParent: string = spec.getParenturn() || "";
        let parents: string[];
        if (spec.getNoparent()) parents = [""];
        else {
            const p = givenParent || self.parent;
            // The parent as it is now, and (the engine uses the old URN of an aliased parent) as it was.
            parents = p ? [toEngineUrn(ctx, p), ...(ctx.aliasesByUrn.get(p) ?? [])] : [""];
        }
        parents.forEach((p, i) => {
            const parent = p && parseUrn(p).qualifiedType === ROOT_STACK_TYPE ? "" : p;
            (i === 0 ? own : extra).push(createUrn(name, type, parent, project, stack));
        });
    }
    for (const urn of (req.getAliasurnsList?.() ?? []) as string[]) own.push(urn);

    const all = new Set<string>([...own, ...extra]);
    if (self.parent) {
        const parentName = parseUrn(self.parent).name;
        for (const parentAlias of ctx.aliasesByUrn.get(self.parent) ?? []) {
            all.add(inheritedChildAlias(ctx, self.type, self.name, parentName, parentAlias));
            for (const a of own) {
                const { type, name } = parseUrn(a);
                all.add(inheritedChildAlias(ctx, type, name, parentName, parentAlias));
            }
        }
    }
    all.delete(self.engineUrn);
    return [...all].sort();
}

/** The SDK's promise bookkeeping (runtime/debuggable.js; exported at runtime, not in its typings). */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
};

/** What the SDK keeps as a tracked promise's stack while `withoutPromiseStacks` is in force. */
export const PROMISE_STACK_NOT_KEPT = "Error";

/**
 * Until the returned function is called, the SDK tracks its promises without a stack trace: it takes
 * one of every promise it tracks (`debuggablePromise`: ~30 000 in a prod plan, a fifth of the plan's
 * time) and shows them only in its leak report, and only with PULUMI_DEBUG_PROMISE_LEAKS set. With that
 * variable set nothing changes. The tracking itself (leak detection included) is untouched.
 */
export function withoutPromiseStacks(): () => void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => undefined;
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    return () => {
        debuggable.debuggablePromise = original;
    };
}

/** The SDK's wait for outstanding registrations (exported at runtime, not in its typings). */
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

let running: Promise<unknown> = Promise.resolve();

/**
 * Run `program` under mocks with the given config and record everything. Runs are serialized: the
 * Pulumi runtime is process-global.
 */
export function runUnderMocks<T>(opts: {
    stack: string;
    config: Record<string, unknown>;
    secretKeys?: readonly string[];
    program: () => T;
}): Promise<RunResult> {
    const next = running.then(
        () => runOnce(opts),
        () => runOnce(opts),
    );
    running = next.catch(() => undefined);
    return next;
}

async function runOnce<T>(opts: {
    stack: string;
    config: Record<string, unknown>;
    secretKeys?: readonly string[];
    program: () => T;
}): Promise<RunResult> {
    const mocks = new PlatformMocks();
    await pulumi.runtime.setMocks(mocks, PROJECT, opts.stack, false);
    // setMocks keeps config from earlier runs in this process: start clean.
    const store = (
        pulumi.runtime as unknown as { getStore?: () => { config: Record<string, string> } }
    ).getStore;
    if (store) {
        const cfg = store().config;
        for (const k of Object.keys(cfg)) delete cfg[k];
    }
    pulumi.runtime.setAllConfig(encodeConfig(opts.config), [...(opts.secretKeys ?? [])]);

    const resources: RecordedResource[] = [];
    const byUrn = new Map<string, RecordedResource>();
    const monitor = pulumi.runtime.getMonitor() as unknown as Record<
        string,
        (req: any, cb: (err: any, resp: any) => void) => void
    >;
    const errors: unknown[] = [];
    const aliasCtx: AliasContext = {
        stack: opts.stack,
        engineByUrn: new Map(),
        aliasesByUrn: new Map(),
    };

    const record = (req: any, read: boolean) => (err: any, resp: any) => {
        if (err || !resp) return;
        const urn: string = resp.getUrn();
        const parent: string = req.getParent() || "";
        const engineUrn = engineUrnOf(aliasCtx, parent, req.getType(), req.getName());
        const aliases = read
            ? []
            : resolveAliases(aliasCtx, req, {
                  type: req.getType(),
                  name: req.getName(),
                  parent,
                  engineUrn,
              });
        aliasCtx.engineByUrn.set(urn, engineUrn);
        aliasCtx.aliasesByUrn.set(urn, aliases);
        const rawInputs = (read ? req.getProperties() : req.getObject())?.toJavaScript() ?? {};
        const split = splitSecrets(rawInputs);
        const rawOutputs = (read ? resp.getProperties() : resp.getObject())?.toJavaScript() ?? {};
        const res: RecordedResource = {
            urn,
            engineUrn,
            aliases,
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || undefined,
            provider: providerUrn(req.getProvider()),
            custom: read ? true : req.getCustom(),
            protect: read ? false : req.getProtect() === true,
            retainOnDelete: read ? false : req.getRetainondelete?.() === true,
            ignoreChanges: read ? [] : req.getIgnorechangesList(),
            additionalSecretOutputs: read ? [] : req.getAdditionalsecretoutputsList(),
            read,
            id: read ? req.getId() : req.getCustom() ? resp.getId() || undefined : undefined,
            inputs: split.masked as Record<string, unknown>,
            plainInputs: split.plain as Record<string, unknown>,
            secretInputPaths: split.paths,
            outputs: splitSecrets(rawOutputs).masked as Record<string, unknown>,
            dependencies: read ? (req.getDependenciesList?.() ?? []) : req.getDependenciesList(),
        };
        resources.push(res);
        byUrn.set(urn, res);
    };

    const origRegister = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        origRegister(req, (err, resp) => {
            record(req, false)(err, resp);
            cb(err, resp);
        });
    const origRead = monitor.readResource.bind(monitor);
    monitor.readResource = (req, cb) =>
        origRead(req, (err, resp) => {
            record(req, true)(err, resp);
            cb(err, resp);
        });
    const origOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) => {
        const r = byUrn.get(req.getUrn());
        if (r)
            r.outputs = splitSecrets(req.getOutputs()?.toJavaScript() ?? {}).masked as Record<
                string,
                unknown
            >;
        origOutputs(req, cb);
    };

    const onRejection = (e: unknown) => errors.push(e);
    process.on("unhandledRejection", onRejection);
    // The SDK captures a stack trace for every resource and promise (source positions, leak
    // diagnostics). Under ts-node each capture is source-mapped, which is most of a plan's time; V8's
    // own formatting is five times faster, and the promises' stacks, never shown, are not taken at
    // all (withoutPromiseStacks). Errors from the program keep their (transpiled) stacks.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only saved and put back, never called here
    const savedPrepare = Error.prepareStackTrace;
    // Deleting the hook (rather than assigning) restores V8's built-in formatter.
    if (!process.env.MESH_PLAN_SOURCE_MAPPED_STACKS)
        delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    const restorePromiseStacks = withoutPromiseStacks();
    let exported: unknown;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            exported = opts.program();
            return exported as pulumi.Inputs;
        });
        await settings.waitForRPCs();
    } catch (e) {
        // Tests use this to prove that a rejected config declared nothing: let registrations in flight
        // land first, so that none is missed.
        await settings.waitForRPCs().catch(() => undefined);
        if (e && typeof e === "object")
            Object.defineProperty(e, "recorded", { value: [...resources], enumerable: false });
        throw e;
    } finally {
        process.off("unhandledRejection", onRejection);
        restorePromiseStacks();
        Error.prepareStackTrace = savedPrepare;
    }
    if (errors.length > 0) throw errors[0];

    const serialized = await pulumi.runtime.serializeProperties("outputs", exported ?? {});
    const outs = splitSecrets(serialized);
    resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return {
        stack: opts.stack,
        resources,
        outputs: outs.plain as Record<string, unknown>,
        maskedOutputs: outs.masked as Record<string, unknown>,
    };
}
