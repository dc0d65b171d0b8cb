/** Read a committed stack file the way the offline plan does (for resolving its config in tests). */
import { readStackFile as read } from "../../tools/runtime";
import { ROOT } from "../harness";

export const ROOT_CONFIG_PREFIX = "mesh-platform:";

export function readStackFile(stack: string): ReturnType<typeof read> {
    return read(ROOT, stack);
}

/** A committed stack's own keys without the namespace, and which of them are secrets (for parseConfig). */
export function committedStackRaw(stack: string): {
    raw: Record<string, unknown>;
    secrets: Set<string>;
} {
    const { config, secretKeys } = readStackFile(stack);
    const strip = (k: string) => k.slice(ROOT_CONFIG_PREFIX.length);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config))
        if (k.startsWith(ROOT_CONFIG_PREFIX)) raw[strip(k)] = v;
    return {
        raw,
        secrets: new Set(secretKeys.filter((k) => k.startsWith(ROOT_CONFIG_PREFIX)).map(strip)),
    };
}
