/**
 * The import rule of docs/architecture.md, as a test can check it (ESLint enforces the same in CI):
 * relative imports of every `.ts` file under a folder, resolved against the repository root.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";

/** Every `.ts` file below `dir`. */
export function tsFilesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((d) =>
            d.isDirectory()
                ? tsFilesUnder(path.join(dir, d.name))
                : d.name.endsWith(".ts")
                  ? [path.join(dir, d.name)]
                  : [],
        );
}

export interface ProjectImport {
    /** The importing file, relative to the root. */
    readonly file: string;
    /** The specifier as written. */
    readonly spec: string;
    /** What it resolves to, relative to the root (`/`-separated). */
    readonly target: string;
}

/** The relative imports (import, export-from, require) of `source`, the text of `file`. */
export function projectImports(file: string, source: string): ProjectImport[] {
    return [...source.matchAll(/(?:from|import|require)\s*\(?\s*["']([^"']+)["']/g)]
        .map((m) => m[1])
        .filter((spec) => spec.startsWith("."))
        .map((spec) => ({
            file: path.relative(ROOT, file).split(path.sep).join("/"),
            spec,
            target: path
                .relative(ROOT, path.resolve(path.dirname(file), spec))
                .split(path.sep)
                .join("/"),
        }));
}

/** Imports of `source` that leave the allowed folders (each a root-relative prefix like `lib`). */
export function importsOutside(file: string, source: string, allowed: readonly string[]): string[] {
    return projectImports(file, source)
        .filter((i) => !allowed.some((a) => i.target === a || i.target.startsWith(`${a}/`)))
        .map((i) => `${i.file} imports ${i.spec}`);
}
