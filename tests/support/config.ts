/**
 * The config package as tests use it: the same exports, except that `parseConfig` checks Kubernetes
 * support windows against a fixed day (`TEST_NOW`) unless a test passes its own, so the suite does not
 * start failing when a version leaves support.
 */
import { parseConfig as parseConfigAt } from "../../config";
import type { PlatformConfig as ResolvedConfig } from "../../config/types";

export * from "../../config";
export type * from "../../config/types";

/** The day the tests check support windows against. */
export const TEST_NOW = new Date("2026-12-02T00:00:00Z");

export function parseConfig(
    stack: string,
    raw: Readonly<Record<string, unknown>>,
    secretKeys: ReadonlySet<string> = new Set(),
    now: Date = TEST_NOW,
): ResolvedConfig {
    return parseConfigAt(stack, raw, secretKeys, now);
}
