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

/**
 * Secret keys every valid stack sets (the fixtures carry them): counted as set with --secret whenever a
 * raw config has them, so a test passes only the secrets it is about.
 */
export const FIXTURE_SECRET_KEYS: readonly string[] = ["backupRepositoryPassword"];

/** `secretKeys` plus the FIXTURE_SECRET_KEYS present in `raw`. */
export function withFixtureSecrets(
    raw: Readonly<Record<string, unknown>>,
    secretKeys: Iterable<string> = [],
): Set<string> {
    return new Set([...secretKeys, ...FIXTURE_SECRET_KEYS.filter((k) => raw[k] !== undefined)]);
}

export function parseConfig(
    stack: string,
    raw: Readonly<Record<string, unknown>>,
    secretKeys: ReadonlySet<string> = new Set(),
    now: Date = TEST_NOW,
): ResolvedConfig {
    return parseConfigAt(stack, raw, withFixtureSecrets(raw, secretKeys), now);
}
