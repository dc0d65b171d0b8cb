/**
 * The config package: schema (schema.ts), cross-key rules (rules.ts), environment profiles
 * (profiles.ts), catalogs with their dates (catalog.ts), resolution (resolve.ts), the error type
 * (errors.ts) and the loader (load.ts). Only the composition (platform/) and the tools read it.
 */
export { ConfigError, CONFIG_NAMESPACE } from "./errors";
export type { ConfigProblem } from "./errors";
export { decodeConfigValue, loadConfig, parseConfig } from "./load";
export { SECRET_KEYS } from "./schema";
export type * from "./types";
