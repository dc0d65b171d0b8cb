/**
 * `npm run build:packs [-- --out <dir>]`: each CrossGuard pack as a self-contained, publishable folder
 * (default dist/policies/<pack>/): its index.ts bundled with esbuild into one index.js (the shared
 * policies/lib, the rule files and the platform data they import, e.g. components/tenant/domains.ts
 * and lib/charts.ts, are inlined), PulumiPolicy.yaml, and a package.json whose only dependencies are
 * @pulumi/policy and @pulumi/pulumi, plus, for the security pack, the IAM evaluator of its access matrix
 * (@cloud-copilot/iam-simulate and iam-policy, AGPL-3.0: never bundled, installed by npm next to the
 * pack; docs/decisions.md), at the exact versions the pack's own package.json pins. No
 * TypeScript at run time: the language host loads index.js directly. Publish with
 * `pulumi policy publish <org>` from inside the built folder after `npm install` there.
 */
import { buildSync } from "esbuild";
import * as fs from "fs";
import * as path from "path";

export const PACK_DIRS = ["security", "cost"] as const;
export type PackDir = (typeof PACK_DIRS)[number];

/** The runtime dependencies every built pack has: the policy SDK and the Pulumi SDK it loads. */
export const PACK_DEPENDENCIES = ["@pulumi/policy", "@pulumi/pulumi"] as const;

/**
 * Further dependencies a pack may declare, kept external (installed, never inlined): the access
 * matrix's IAM evaluator, whose AGPL-3.0 licence we do not mix into the pack's own bundle.
 */
export const EXTERNAL_DEPENDENCIES: Readonly<Record<PackDir, readonly string[]>> = {
    security: ["@cloud-copilot/iam-simulate", "@cloud-copilot/iam-policy"],
    cost: [],
};

/** The version of a package installed in the repository (read from its folder: some packages export no package.json). */
function installedVersion(dep: string): string {
    return readJson<{ version: string }>(path.join(ROOT, "node_modules", dep, "package.json"))
        .version;
}

const ROOT = path.resolve(__dirname, "..");

interface PackManifest {
    name: string;
    version: string;
    description?: string;
    dependencies: Record<string, string>;
}

function readJson<T>(file: string): T {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** Build one pack into `<outDir>/<pack>/`; returns that folder. */
export function buildPack(pack: PackDir, outDir: string): string {
    const src = path.join(ROOT, "policies", pack);
    const dest = path.join(outDir, pack);
    const manifest = readJson<PackManifest>(path.join(src, "package.json"));
    const allowed: readonly string[] = [...PACK_DEPENDENCIES, ...EXTERNAL_DEPENDENCIES[pack]];
    const extra = Object.keys(manifest.dependencies).filter((d) => !allowed.includes(d));
    if (extra.length > 0)
        throw new Error(
            `policies/${pack}/package.json: dependencies may only be ${allowed.join(", ")} (got ${extra.join(", ")})`,
        );
    for (const dep of allowed) {
        const pinned = manifest.dependencies[dep];
        if (!pinned || !/^\d+\.\d+\.\d+$/.test(pinned))
            throw new Error(
                `policies/${pack}/package.json: dependencies.${dep} must pin an exact version (got ${pinned ?? "nothing"})`,
            );
        const installed = installedVersion(dep);
        if (installed.replace(/^v/, "") !== pinned)
            throw new Error(
                `policies/${pack}/package.json: dependencies.${dep} is ${pinned} but the repository installs ${installed}; pin the same version`,
            );
    }
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    buildSync({
        entryPoints: [path.join(src, "index.ts")],
        outfile: path.join(dest, "index.js"),
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        external: allowed.flatMap((d) => [d, `${d}/*`]),
        logLevel: "warning",
        legalComments: "none",
    });
    fs.copyFileSync(path.join(src, "PulumiPolicy.yaml"), path.join(dest, "PulumiPolicy.yaml"));
    const built = {
        name: manifest.name,
        version: manifest.version,
        description:
            `${manifest.description ?? ""} Built by npm run build:packs: self-contained, publishable with pulumi policy publish.`.trim(),
        main: "index.js",
        dependencies: Object.fromEntries(allowed.map((d) => [d, manifest.dependencies[d]])),
    };
    fs.writeFileSync(path.join(dest, "package.json"), JSON.stringify(built, null, 2) + "\n");
    return dest;
}

function main(argv: readonly string[]): void {
    const i = argv.indexOf("--out");
    const out = path.resolve(
        i >= 0 && argv[i + 1] ? argv[i + 1] : path.join(ROOT, "dist", "policies"),
    );
    for (const pack of PACK_DIRS)
        console.log(`built ${path.relative(process.cwd(), buildPack(pack, out))}`);
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        console.error(`error: ${(e as Error).message}`);
        process.exit(2);
    }
}
