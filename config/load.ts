/**
 * The one stack-config loader. It reads every `mesh-platform:*` key, validates each against its schema
 * (config/schema.ts), runs every cross-key rule (config/rules.ts) and either returns the resolved
 * `PlatformConfig` (config/resolve.ts) or throws one `ConfigError` listing every problem (key, bad value,
 * what is allowed). It runs before any resource is declared, so bad config creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, CONFIG_NAMESPACE, problemCollector } from "./errors";
import { resolveConfig } from "./resolve";
import { checkRules, ruleContext } from "./rules";
import { parseKeys } from "./schema";
import type { PlatformConfig } from "./types";

/**
 * Validate raw config values (key without namespace -> parsed YAML value) and resolve profile defaults.
 * `secretKeys` names the keys that arrived as secrets.
 */
export function parseConfig(
    stack: string,
    raw: Readonly<Record<string, unknown>>,
    secretKeys: ReadonlySet<string> = new Set(),
): PlatformConfig {
    const { problems, add } = problemCollector();
    const parsed = parseKeys(raw, secretKeys, add);
    checkRules(ruleContext(parsed, raw, add));
    if (problems.length > 0) throw new ConfigError(problems);
    return resolveConfig(stack, parsed);
}

/**
 * Whether a config key was set with --secret. The SDK tracks this (it is how `Config.get` warns about
 * secrets read as plain values) but does not declare it in its typings.
 */
const isConfigSecret = (
    require("@pulumi/pulumi/runtime/config") as { isConfigSecret: (key: string) => boolean }
).isConfigSecret;

/** Read the current stack's config from the Pulumi runtime and validate it. */
export function loadConfig(): PlatformConfig {
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = decodeConfigValue(text);
        if (isConfigSecret(fullKey)) secretKeys.add(key);
    }
    return parseConfig(pulumi.getStack(), raw, secretKeys);
}

/** Pulumi hands every config value over as a string; structured values are JSON. */
export function decodeConfigValue(text: string): unknown {
    const t = text.trim();
    if (
        t.startsWith("{") ||
        t.startsWith("[") ||
        t === "true" ||
        t === "false" ||
        /^-?\d+(\.\d+)?$/.test(t)
    ) {
        try {
            return JSON.parse(t);
        } catch {
            return text;
        }
    }
    return text;
}
