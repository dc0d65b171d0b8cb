/** The stack's shared tags: merged into every taggable child of a region (AWS tags; GCP labels via `toLabels`). */
import type { PlatformConfig, RegionConfig } from "../config";

export function regionTags(cfg: PlatformConfig, region: RegionConfig): Record<string, string> {
    return {
        environment: cfg.environment,
        region: region.name,
        team: cfg.tags.team,
        "cost-center": cfg.tags.costCenter,
        "managed-by": "pulumi",
        stack: cfg.stack,
    };
}

/** The stack-wide tags (no region): defaultTags of providers that serve the whole stack. */
export function stackTags(cfg: PlatformConfig): Record<string, string> {
    const { region: _region, ...rest } = regionTags(cfg, { name: "" } as RegionConfig);
    return rest;
}
