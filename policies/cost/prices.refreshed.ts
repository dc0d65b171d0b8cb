/**
 * Written by `npm run prices` (tools/prices.ts): measured prices read from the providers' price
 * APIs, overlaid by prices.ts on its pinned table. Do not edit by hand; re-run the tool.
 */
import type { RefreshedTable } from "./prices";

export const REFRESHED: RefreshedTable | null = null;
