/**
 * Reading the stack outputs the drill works from: either a file written by
 * `pulumi stack output --json --show-secrets > outputs.json` (the object with a `drill` key), or the
 * `out/<stack>/outputs.json` the offline plan writes for practice. Validated before anything runs,
 * against the one definition of the contract (lib/drill-contract.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { drillOutputsSchema, type DrillOutputs } from "../lib/drill-contract";

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
    const result = drillOutputsSchema.safeParse(candidate);
    if (!result.success) {
        const problems = result.error.issues.map(
            (i) => `  - drill.${i.path.map(String).join(".")}: ${i.message}`,
        );
        throw new OutputsError(
            `stack outputs in ${source} are not usable by the drill:\n${problems.join("\n")}`,
        );
    }
    const out: DrillOutputs = result.data;
    const primaries = out.regions.filter((r) => r.primary);
    if (primaries.length !== 1 || primaries[0].name !== out.primaryRegion) {
        throw new OutputsError(
            `stack outputs in ${source}: exactly one region must be primary and match primaryRegion "${out.primaryRegion}"`,
        );
    }
    return out;
}

/** How masked secrets appear: in the offline plan's outputs and in `pulumi stack output --json` without --show-secrets. */
export const MASKED = "[secret]";

/** Paths of the secret fields (the kubeconfigs) that are masked, so the outputs can only drive a dry run. */
export function maskedSecrets(out: DrillOutputs): string[] {
    return out.regions.flatMap((r, i) =>
        r.kubeconfig === MASKED ? [`drill.regions[${i}].kubeconfig`] : [],
    );
}

export function loadDrillOutputs(file: string): DrillOutputs {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new OutputsError(
            `cannot read stack outputs ${file}: ${(e as Error).message}. ` +
                "Write them with `pulumi stack output --json --show-secrets > outputs.json` or run `npm run plan -- --stack <name>` for practice.",
        );
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new OutputsError(`stack outputs ${file} are not JSON: ${(e as Error).message}`);
    }
    return parseDrillOutputs(raw, file);
}
