/**
 * Pulumi entry point: load and validate the stack config (bad config throws before any resource is
 * declared), compose the platform, and export its outputs as the stack outputs.
 */
import { loadConfig } from "./config";
import { buildPlatform } from "./platform";

export = buildPlatform(loadConfig());
