/**
 * Summarise a V8 CPU profile (`node --cpu-prof`) by module: self time (samples whose top frame is in
 * the module) and total time (samples with the module anywhere on the stack, counted once per sample),
 * plus the top functions by self time.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof node_modules/ts-node/dist/bin.js tools/plan.ts --stack prod --no-tree
 *   npx ts-node bench/cpuprofile.ts /tmp/prof/<file>.cpuprofile [--top 25] [--by package|file]
 *       [--frames planAccessStep,runPlanPolicies,debuggablePromise]
 *
 * "package" groups node_modules by package (@scope/name) and the project by its top folder
 * (tools/, policies/access/, components/mesh/ ...); "file" keeps each file apart. `--frames` adds the
 * total time of the samples with a function of that name on the stack (a plan step, say); an async
 * function counts until its first await only.
 */
import * as fs from "fs";
import * as path from "path";

interface CallFrame {
    functionName: string;
    url: string;
    lineNumber: number;
}

interface ProfileNode {
    id: number;
    callFrame: CallFrame;
    children?: number[];
}

interface CpuProfile {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
}

const ROOT = path.resolve(__dirname, "..");

/** The module a frame belongs to, at the chosen grain. */
export function moduleOf(url: string, by: "package" | "file"): string {
    if (url === "") return "(native / vm)";
    let file = url.startsWith("file://") ? decodeURIComponent(url.slice(7)) : url;
    if (file.startsWith("node:")) return by === "file" ? file : "(node core)";
    const nm = file.lastIndexOf("/node_modules/");
    if (nm >= 0) {
        const rest = file.slice(nm + "/node_modules/".length).split("/");
        const pkg = rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
        return by === "file" ? `${pkg}/${rest.slice(pkg.split("/").length).join("/")}` : pkg;
    }
    if (file.startsWith(ROOT + "/")) {
        file = file.slice(ROOT.length + 1);
        if (by === "file") return file;
        const parts = file.split("/");
        if (parts.length === 1) return file;
        // Two levels for the folders with areas inside (components/mesh, policies/access).
        return ["components", "policies", "platform"].includes(parts[0]) && parts.length > 2
            ? `${parts[0]}/${parts[1]}/`
            : `${parts[0]}/`;
    }
    return by === "file" ? file : path.dirname(file);
}

export interface Summary {
    readonly totalMs: number;
    readonly modules: { name: string; selfMs: number; totalMs: number }[];
    readonly functions: { name: string; selfMs: number }[];
    /**
     * Per asked-for function name: total time of the samples with it on the stack, and when the first
     * and the last of them were taken (ms since the profile started).
     */
    readonly frames: { name: string; totalMs: number; firstMs?: number; lastMs?: number }[];
}

export function summarise(
    profile: CpuProfile,
    by: "package" | "file" = "package",
    frameNames: readonly string[] = [],
): Summary {
    const byId = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const n of profile.nodes) {
        byId.set(n.id, n);
        for (const c of n.children ?? []) parent.set(c, n.id);
    }
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    const fnSelf = new Map<string, number>();
    const stackModules = new Map<number, Set<string>>();
    const stackFrames = new Map<number, Set<string>>();
    const framesOnStack = (id: number): Set<string> => {
        let s = stackFrames.get(id);
        if (s) return s;
        const p = parent.get(id);
        s = new Set(p === undefined ? [] : framesOnStack(p));
        const name = byId.get(id)!.callFrame.functionName;
        if (frameNames.includes(name)) s.add(name);
        stackFrames.set(id, s);
        return s;
    };
    const frameTotal = new Map<string, number>(frameNames.map((n) => [n, 0]));
    const frameSeen = new Map<string, { firstMs: number; lastMs: number }>();
    let at = 0;
    const modulesOnStack = (id: number): Set<string> => {
        let s = stackModules.get(id);
        if (s) return s;
        const p = parent.get(id);
        s = new Set(p === undefined ? [] : modulesOnStack(p));
        const f = byId.get(id)!.callFrame;
        if (f.url !== "" || !f.functionName.startsWith("(")) s.add(moduleOf(f.url, by));
        stackModules.set(id, s);
        return s;
    };
    let sum = 0;
    for (let i = 0; i < profile.samples.length; i++) {
        // timeDeltas[i] is the time before sample i; attribute the time after it (the next delta).
        const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
        at += profile.timeDeltas[i] / 1000;
        sum += ms;
        const node = byId.get(profile.samples[i])!;
        const f = node.callFrame;
        const mod =
            f.url === "" && f.functionName.startsWith("(") ? f.functionName : moduleOf(f.url, by);
        self.set(mod, (self.get(mod) ?? 0) + ms);
        const fn = `${f.functionName || "(anonymous)"} ${moduleOf(f.url, "file")}:${f.lineNumber + 1}`;
        fnSelf.set(fn, (fnSelf.get(fn) ?? 0) + ms);
        for (const m of modulesOnStack(node.id)) total.set(m, (total.get(m) ?? 0) + ms);
        for (const f of framesOnStack(node.id)) {
            frameTotal.set(f, frameTotal.get(f)! + ms);
            frameSeen.set(f, { firstMs: frameSeen.get(f)?.firstMs ?? at, lastMs: at });
        }
    }
    const names = new Set([...self.keys(), ...total.keys()]);
    return {
        totalMs: sum,
        modules: [...names]
            .map((name) => ({ name, selfMs: self.get(name) ?? 0, totalMs: total.get(name) ?? 0 }))
            .sort((a, b) => b.selfMs - a.selfMs),
        functions: [...fnSelf]
            .map(([name, selfMs]) => ({ name, selfMs }))
            .sort((a, b) => b.selfMs - a.selfMs),
        frames: [...frameTotal].map(([name, totalMs]) => ({
            name,
            totalMs,
            ...frameSeen.get(name),
        })),
    };
}

const USAGE =
    "usage: ts-node bench/cpuprofile.ts <file.cpuprofile> [--top N] [--by package|file] [--frames f,g]";

function main(argv: string[]): number {
    let file: string | undefined;
    let top = 25;
    let by: "package" | "file" = "package";
    let frames: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--top") top = Number(argv[++i]);
        else if (a === "--by") by = argv[++i] === "file" ? "file" : "package";
        else if (a === "--frames") frames = (argv[++i] ?? "").split(",").filter(Boolean);
        else if (!a.startsWith("--") && file === undefined) file = a;
        else {
            console.error(`unknown argument ${a}; ${USAGE}`);
            return 2;
        }
    }
    if (!file || !Number.isInteger(top) || top <= 0) {
        console.error(USAGE);
        return 2;
    }
    const s = summarise(JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile, by, frames);
    const ms = (v: number) => `${v.toFixed(0).padStart(6)} ms`;
    console.log(`profile: ${s.totalMs.toFixed(0)} ms sampled\n`);
    console.log(`${"self".padStart(9)} ${"total".padStart(9)}  module`);
    for (const m of s.modules.slice(0, top))
        console.log(`${ms(m.selfMs)} ${ms(m.totalMs)}  ${m.name}`);
    console.log(`\nby total time:`);
    for (const m of [...s.modules].sort((a, b) => b.totalMs - a.totalMs).slice(0, top))
        console.log(`${ms(m.totalMs)}  ${m.name}`);
    if (s.frames.length > 0) console.log(`\nby function on the stack:`);
    for (const f of s.frames) {
        const when =
            f.firstMs === undefined ? "" : ` (${ms(f.firstMs).trim()} to ${ms(f.lastMs!).trim()})`;
        console.log(`${ms(f.totalMs)}  ${f.name}${when}`);
    }
    console.log(`\ntop functions by self time:`);
    for (const f of s.functions.slice(0, top)) console.log(`${ms(f.selfMs)}  ${f.name}`);
    return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
