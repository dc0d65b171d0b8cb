/**
 * The config error type: every problem with its full key, the bad value and what is allowed. The loader
 * collects all of them and throws once, before any resource is declared.
 */

export const CONFIG_NAMESPACE = "mesh-platform";

export interface ConfigProblem {
    /** Full config key with path, e.g. `mesh-platform:regions[1].region`. */
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(ConfigError.format(problems));
        this.name = "ConfigError";
    }

    static format(problems: readonly ConfigProblem[]): string {
        const lines = problems.map((p) => `  - ${p.key}: ${p.message} (got ${show(p.value)})`);
        return `invalid stack config, ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
    }
}

/** Adds one problem; `key` is relative to the namespace (`regions[1].region`). */
export type AddProblem = (key: string, value: unknown, message: string) => void;

/** A problem list and its `add`, which prefixes the namespace. */
export function problemCollector(): { problems: ConfigProblem[]; add: AddProblem } {
    const problems: ConfigProblem[] = [];
    const add: AddProblem = (key, value, message) =>
        problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, value, message });
    return { problems, add };
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
