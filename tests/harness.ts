/**
 * Test harness: runs the real program (or any declarations) under the mock runtime once per stack and
 * lets tests query what was declared by type, name, parent and provider.
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config";
import { TEST_NOW, withFixtureSecrets } from "./support/config";
import { buildPlatform } from "../platform";
import {
    readStackFile,
    RecordedResource,
    RunResult,
    runUnderMocks,
    PROJECT,
} from "../tools/runtime";

export type { RecordedResource } from "../tools/runtime";

export const ROOT = path.resolve(__dirname, "..");

/** The day the tests check Kubernetes support windows against (see tests/support/config.ts). */
export { TEST_NOW };

export class RecordedRun {
    constructor(readonly result: RunResult) {}

    get stack(): string {
        return this.result.stack;
    }
    get resources(): RecordedResource[] {
        return this.result.resources;
    }
    get outputs(): Record<string, unknown> {
        return this.result.outputs;
    }
    /** Custom resources only (no components, no providers, no the stack). */
    get customResources(): RecordedResource[] {
        return this.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }
    /** Exactly one resource with this type and logical name; throws with the candidates otherwise. */
    one(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(
                `expected one ${type} named ${name}, found ${found.length}; names of that type: ${names.join(", ") || "none"}`,
            );
        }
        return found[0];
    }
    byName(name: string): RecordedResource[] {
        return this.resources.filter((r) => r.name === name);
    }
    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }
    childrenOf(urn: string): RecordedResource[] {
        return this.resources.filter((r) => r.parent === urn);
    }
    /** All resources below `urn` in the parent tree. */
    descendantsOf(urn: string): RecordedResource[] {
        const out: RecordedResource[] = [];
        const walk = (u: string) => {
            for (const c of this.childrenOf(u)) {
                out.push(c);
                walk(c.urn);
            }
        };
        walk(urn);
        return out;
    }
    /** The provider resource of a resource (undefined when none was set). */
    providerOf(res: RecordedResource): RecordedResource | undefined {
        return res.provider ? this.byUrn(res.provider) : undefined;
    }
    /** Resources whose provider is `provider`. */
    usingProvider(provider: RecordedResource): RecordedResource[] {
        return this.resources.filter((r) => r.provider === provider.urn);
    }
}

const stackRuns = new Map<string, Promise<RecordedRun>>();

/**
 * Run the real program for a committed stack (config from Pulumi.<stack>.yaml) or, with `rawConfig`
 * ({ key without namespace: value }), for an ad-hoc stack. Committed stacks are cached per process.
 */
export function runStack(
    stack: string,
    rawConfig?: Record<string, unknown>,
    secretKeys: readonly string[] = [],
): Promise<RecordedRun> {
    if (rawConfig)
        return runProgram(
            stack,
            rawConfig,
            [...withFixtureSecrets(rawConfig, secretKeys)].map((k) =>
                k.includes(":") ? k : `${PROJECT}:${k}`,
            ),
        );
    let run = stackRuns.get(stack);
    if (!run) {
        const { config, secretKeys } = readStackFile(ROOT, stack);
        run = runUnderMocks({
            stack,
            config,
            secretKeys,
            program: () => buildPlatform(loadConfig(TEST_NOW)),
        }).then((r) => new RecordedRun(r));
        stackRuns.set(stack, run);
    }
    return run;
}

function runProgram(
    stack: string,
    rawConfig: Record<string, unknown>,
    secretKeys: readonly string[],
): Promise<RecordedRun> {
    const config: Record<string, unknown> = { "pulumi:disable-default-providers": ["*"] };
    for (const [k, v] of Object.entries(rawConfig))
        config[k.includes(":") ? k : `${PROJECT}:${k}`] = v;
    return runUnderMocks({
        stack,
        config,
        secretKeys,
        program: () => buildPlatform(loadConfig(TEST_NOW)),
    }).then((r) => new RecordedRun(r));
}

/** Run arbitrary declarations under mocks (components under test, with explicit providers). */
export async function runDeclarations<T>(
    program: () => T,
    opts: { stack?: string; config?: Record<string, unknown> } = {},
): Promise<RecordedRun> {
    const result = await runUnderMocks({
        stack: opts.stack ?? "test",
        config: opts.config ?? {},
        program,
    });
    return new RecordedRun(result);
}

/** The committed stacks (every Pulumi.<stack>.yaml at the root). */
export function committedStacks(): string[] {
    return fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .map((f) => f.slice(7, -5))
        .sort();
}
