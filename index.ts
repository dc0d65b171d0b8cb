/**
 * Pulumi entry point: load and validate the stack config, compose the platform, export its outputs.
 */
import { loadConfig } from "./stacks/config";
import { buildPlatform } from "./stacks/platform";

const outputs = buildPlatform(loadConfig());

export const environment = outputs.environment;
export const primaryRegion = outputs.primaryRegion;
export const regions = outputs.regions;
export const clusters = outputs.clusters;
