/**
 * Reading the stack outputs the drill works from: either a file written by
 * `pulumi stack output --json --show-secrets > outputs.json` (the object with a `drill` key), or the
 * `out/<stack>/outputs.json` the offline plan writes for practice. Validated before anything runs.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import type { DrillOutputs } from "../components/types";

const regionSchema = z.object({
    name: z.string().min(1),
    cloud: z.enum(["aws", "gcp"]),
    region: z.string().min(1),
    primary: z.boolean(),
    clusterName: z.string().min(1),
    kubeconfig: z.string().min(1),
    ingressHostname: z.string().min(1),
    healthCheckId: z.string().min(1),
    backupBucket: z.string().min(1),
    veleroNamespace: z.string().min(1),
});

const drillSchema = z.object({
    stack: z.string().min(1),
    environment: z.string().min(1),
    primaryRegion: z.string().min(1),
    regions: z.array(regionSchema).min(1),
    dns: z.object({
        provider: z.enum(["route53", "clouddns"]),
        zoneId: z.string().min(1),
        hostname: z.string().min(1),
        ttlSeconds: z.number().int().positive(),
        healthCheckIntervalSeconds: z.number().int().positive(),
        healthCheckFailureThreshold: z.number().int().positive(),
        worstCaseFailoverSeconds: z.number().positive(),
    }),
    targets: z.object({
        detectionSeconds: z.number().positive(),
        failoverSeconds: z.number().positive(),
        recoverySeconds: z.number().positive(),
        examsRpoMinutes: z.number().positive(),
    }),
});

export class OutputsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputsError";
    }
}

/** The default practice file written by the offline plan. */
export function defaultOutputsFile(root: string, stack: string): string {
    return path.join(root, "out", stack, "outputs.json");
}

/** Validate parsed JSON: the whole stack output object (key `drill`) or the drill object itself. */
export function parseDrillOutputs(raw: unknown, source: string): DrillOutputs {
    const candidate = raw !== null && typeof raw === "object" && "drill" in raw ? raw.drill : raw;
    const result = drillSchema.safeParse(candidate);
    if (!result.success) {
        const problems = result.error.issues.map((i) => `  - drill.${i.path.map(String).join(".")}: ${i.message}`);
        throw new OutputsError(`stack outputs in ${source} are not usable by the drill:\n${problems.join("\n")}`);
    }
    const out = result.data as DrillOutputs;
    const primaries = out.regions.filter((r) => r.primary);
    if (primaries.length !== 1 || primaries[0].name !== out.primaryRegion) {
        throw new OutputsError(`stack outputs in ${source}: exactly one region must be primary and match primaryRegion "${out.primaryRegion}"`);
    }
    return out;
}

/** How masked secrets appear: in the offline plan's outputs and in `pulumi stack output --json` without --show-secrets. */
export const MASKED = "[secret]";

/** Paths of the secret fields (the kubeconfigs) that are masked, so the outputs can only drive a dry run. */
export function maskedSecrets(out: DrillOutputs): string[] {
    return out.regions.flatMap((r, i) => (r.kubeconfig === MASKED ? [`drill.regions[${i}].kubeconfig`] : []));
}

export function loadDrillOutputs(file: string): DrillOutputs {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new OutputsError(`cannot read stack outputs ${file}: ${(e as Error).message}. ` +
            "Write them with `pulumi stack output --json --show-secrets > outputs.json` or run `npm run plan -- --stack <name>` for practice.");
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new OutputsError(`stack outputs ${file} are not JSON: ${(e as Error).message}`);
    }
    return parseDrillOutputs(raw, file);
}
