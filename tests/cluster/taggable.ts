/**
 * "Is this resource type taggable?" decided from the provider SDK itself: a resource class whose
 * constructor copies `args.tags` (AWS) or `args.labels` / `args.resourceLabels` (GCP) into its inputs
 * has that property in its input schema. No hand-kept list to forget a type in.
 */
import * as fs from "fs";
import * as path from "path";
import type { RecordedResource } from "../harness";

export type TagProperty = "tags" | "labels" | "resourceLabels";

const cache = new Map<string, TagProperty | undefined>();

/** The property that carries tags/labels for a resource type token, or undefined when it has none. */
export function tagProperty(type: string): TagProperty | undefined {
    if (cache.has(type)) return cache.get(type);
    const m = /^(aws|gcp):([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
    let found: TagProperty | undefined;
    if (m && m[2] !== "index") {
        const [, pkg, mod, file, cls] = m;
        // Type tokens lower-case the first letter of the file (`iAMMember` is iammember.js): match case-insensitively.
        const dir = path.dirname(require.resolve(`@pulumi/${pkg}/${mod}`));
        const js = fs.readdirSync(dir).find((f) => f.toLowerCase() === `${file.toLowerCase()}.js`);
        const ctor = js
            ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK class file is found at run time
              (require(path.join(dir, js))[cls] as
                  { toString(): string; __pulumiType?: string } | undefined)
            : undefined;
        if (!ctor || ctor.__pulumiType !== type)
            throw new Error(`cannot resolve the SDK class of ${type}`);
        const src = ctor.toString();
        const candidates: TagProperty[] = pkg === "aws" ? ["tags"] : ["labels", "resourceLabels"];
        found = candidates.find(
            (p) =>
                src.includes(`resourceInputs["${p}"] = args?.${p}`) ||
                src.includes(`resourceInputs["${p}"] = args ? args.${p}`),
        );
    }
    cache.set(type, found);
    return found;
}

export function isTaggable(type: string): boolean {
    return tagProperty(type) !== undefined;
}

/** Taggable custom resources of a run whose tags/labels miss or change any of `expected`; [] when all carry them. */
export function missingTags(
    resources: readonly RecordedResource[],
    expected: (r: RecordedResource) => Record<string, string> | undefined,
): string[] {
    const problems: string[] = [];
    for (const r of resources) {
        if (!r.custom || r.type.startsWith("pulumi:")) continue;
        const prop = tagProperty(r.type);
        if (!prop) continue;
        const want = expected(r);
        if (!want) continue;
        const have = (r.inputs[prop] ?? {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(want)) {
            if (have[k] !== v)
                problems.push(
                    `${r.type} ${r.name}: ${prop}.${k} = ${JSON.stringify(have[k])}, want ${JSON.stringify(v)}`,
                );
        }
    }
    return problems;
}
