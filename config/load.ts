/**
 * The one stack-config loader. It reads every `mesh-platform:*` key, validates each against its schema
 * (config/schema.ts), runs every cross-key rule (config/rules.ts) and either returns the resolved
 * `PlatformConfig` (config/resolve.ts) or throws one `ConfigError` listing every problem (key, bad value,
 * what is allowed). It runs before any resource is declared, so bad config creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { didYouMean } from "../lib/suggest";
import { ConfigError, ConfigProblem, CONFIG_NAMESPACE, problemCollector } from "./errors";
import { resolveConfig } from "./resolve";
import { checkRules, ruleContext } from "./rules";
import { istioAdvisories } from "./rules-versions";
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
    now: Date = new Date(),
): PlatformConfig {
    const { problems, add } = problemCollector();
    const parsed = parseKeys(raw, secretKeys, add);
    checkRules(ruleContext(parsed, raw, add, now));
    if (problems.length > 0) throw new ConfigError(problems);
    const cfg = resolveConfig(stack, parsed);
    const advisories = istioAdvisories(
        cfg.regions.map((r) => ({
            region: r.name,
            versions: (r.istio ?? cfg.mesh.istio).revisions.map((x) => x.version),
        })),
        now,
    );
    return advisories.length > 0 ? { ...cfg, advisories } : cfg;
}

/**
 * Whether a config key was set with --secret. The SDK tracks this (it is how `Config.get` warns about
 * secrets read as plain values) but does not declare it in its typings.
 */
const isConfigSecret = (
    require("@pulumi/pulumi/runtime/config") as { isConfigSecret: (key: string) => boolean }
).isConfigSecret;

/**
 * Config namespaces a stack may use besides the program's own: Pulumi's (`pulumi:disable-default-providers`)
 * and the providers' (ignored here: default providers are disabled, every provider is explicit).
 */
export const OTHER_NAMESPACES: readonly string[] = ["pulumi", "aws", "gcp", "kubernetes", "tls"];

/**
 * Keys in a namespace nobody reads, e.g. a misspelled `mesh-platfrom:dns`: Pulumi passes them on and the
 * program would silently run without them.
 */
export function namespaceProblems(fullKeys: readonly string[]): ConfigProblem[] {
    const known = [CONFIG_NAMESPACE, ...OTHER_NAMESPACES];
    const problems: ConfigProblem[] = [];
    for (const fullKey of fullKeys) {
        const at = fullKey.indexOf(":");
        const ns = at < 0 ? "" : fullKey.slice(0, at);
        if (known.includes(ns)) continue;
        const name = fullKey.slice(at + 1);
        const hint = didYouMean(ns, known).replace(/\?\)$/, `:${name}?)`);
        problems.push({
            key: fullKey,
            value: "[not shown]",
            message: `is in an unknown config namespace "${ns}"${hint}; this program reads ${CONFIG_NAMESPACE}:* keys; allowed namespaces: ${known.join(", ")}`,
        });
    }
    return problems;
}

/**
 * Read the current stack's config from the Pulumi runtime and validate it. `now` is the day the support
 * windows of the Kubernetes version are checked against (tests pass a fixed date).
 */
export function loadConfig(now: Date = new Date()): PlatformConfig {
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
    const foreign = namespaceProblems(Object.keys(all));
    try {
        const cfg = parseConfig(pulumi.getStack(), raw, secretKeys, now);
        if (foreign.length > 0) throw new ConfigError(foreign);
        return cfg;
    } catch (e) {
        if (e instanceof ConfigError && foreign.length > 0 && e.problems !== foreign)
            throw new ConfigError([...foreign, ...e.problems]);
        throw e;
    }
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
