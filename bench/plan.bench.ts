/**
 * `npm run bench`: median wall time and peak RSS of the offline plan of prod and of a generated
 * 8-region stack, each over several runs in fresh processes (so module loading counts, as it does
 * for a user). Records the figures with the machine in bench/results.md.
 *
 * Targets (checked here, not in timed tests): prod plan <= 5 s on 2 cores; 8 regions <= 6x prod; the
 * estimated first deploy of prod (longest dependency chain) <= 24 min.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify as toYaml, parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** `wallMs`: the whole command, process start to exit; `ms`: the plan itself inside the process. */
interface Sample {
    wallMs: number;
    ms: number;
    maxRssMiB: number;
    resources: number;
    /** The plan's estimated first deploy (longest dependency chain), in seconds. */
    deploySeconds: number;
}

/** Target for the estimated first deploy of prod. */
const DEPLOY_TARGET_SECONDS = 24 * 60;

function planOnce(stack: string, stackDir: string, out: string): Sample {
    const start = process.hrtime.bigint();
    const res = spawnSync(
        process.execPath,
        [
            require.resolve("ts-node/dist/bin.js"),
            path.join(ROOT, "bench/plan-once.ts"),
            stack,
            stackDir,
            out,
        ],
        {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 600_000,
        },
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (res.status !== 0) throw new Error(`plan of ${stack} failed:\n${res.stderr}`);
    return {
        ...(JSON.parse(res.stdout.trim().split("\n").pop()!) as Omit<Sample, "wallMs">),
        wallMs,
    };
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The prod stack file with its regions replaced by `n` AWS regions on disjoint /16s. */
export function generateRegions(n: number): Record<string, unknown> {
    const doc = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const regions = [
        "ap-southeast-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-south-1",
        "ap-southeast-2",
        "eu-west-1",
        "us-east-1",
        "us-west-2",
        "eu-central-1",
        "ca-central-1",
    ];
    if (n > regions.length) throw new Error(`at most ${regions.length} regions`);
    doc.config["mesh-platform:regions"] = regions.slice(0, n).map((region, i) => ({
        name: `r${i}-${region.replace(/-\d$/, "").replace(/-/g, "")}`.slice(0, 20),
        cloud: "aws",
        region,
        primary: i === 0,
        vpcCidr: `10.${100 + i}.0.0/16`,
    }));
    return doc;
}

interface BenchResult {
    label: string;
    wallMedian: number;
    msMedian: number;
    rssMedian: number;
    rssMax: number;
    resources: number;
    deploySeconds: number;
}

function bench(label: string, stack: string, stackDir: string): BenchResult {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-out-"));
    planOnce(stack, stackDir, out); // warm the file cache
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(planOnce(stack, stackDir, out));
    fs.rmSync(out, { recursive: true, force: true });
    const r = {
        label,
        resources: samples[0].resources,
        deploySeconds: samples[0].deploySeconds,
        wallMedian: median(samples.map((s) => s.wallMs)),
        msMedian: median(samples.map((s) => s.ms)),
        rssMedian: median(samples.map((s) => s.maxRssMiB)),
        rssMax: Math.max(...samples.map((s) => s.maxRssMiB)),
    };
    console.log(
        `${label}: ${r.resources} resources, estimated deploy ${r.deploySeconds} s, median ${(r.wallMedian / 1000).toFixed(2)} s for the command (${(r.msMedian / 1000).toFixed(2)} s planning), peak RSS median ${r.rssMedian.toFixed(0)} MiB (max ${r.rssMax.toFixed(0)})`,
    );
    return r;
}

function row(r: BenchResult, target: string): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const d = `${Math.floor(r.deploySeconds / 60)}m${String(r.deploySeconds % 60).padStart(2, "0")}s`;
    return `| ${r.label} | ${r.resources} | ${s(r.wallMedian)} | ${s(r.msMedian)} | ${r.rssMedian.toFixed(0)} / ${r.rssMax.toFixed(0)} MiB | ${d} | ${target} |`;
}

/**
 * The sections of bench/results.md below the table (from its first `## ` heading: the profile, notes
 * on earlier runs), which a run keeps as they are.
 */
export function keptSections(previous: string | undefined): string[] {
    if (previous === undefined) return [];
    const lines = previous.split("\n");
    const at = lines.findIndex((l) => l.startsWith("## "));
    return at < 0 ? [] : lines.slice(at);
}

function main(): number {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stacks-"));
    fs.writeFileSync(path.join(tmp, "Pulumi.regions8.yaml"), toYaml(generateRegions(8)));
    const prod = bench("prod (2 regions)", "prod", ROOT);
    const eight = bench("generated (8 regions)", "regions8", tmp);
    fs.rmSync(tmp, { recursive: true, force: true });

    const ratio = eight.wallMedian / prod.wallMedian;
    const prodOk = prod.wallMedian <= 5000;
    const ratioOk = ratio <= 6;
    const deployOk = prod.deploySeconds <= DEPLOY_TARGET_SECONDS;
    const cpu = os.cpus()[0]?.model ?? "unknown cpu";
    const lines = [
        "# Benchmark results",
        "",
        "`npm run bench`: the offline plan in a fresh process per run, median of",
        `${RUNS} runs after one warm-up. "command" is process start to exit (Node start, transpiling, loading`,
        'the SDKs, planning, policies, writing files); "planning" is the part inside the process after imports.',
        "Targets (on the command time): prod plan <= 5 s on 2 cores; 8 regions <= 6x prod. The estimated",
        "first deploy (the plan's longest dependency chain) of prod: <= 24 min.",
        "",
        `Machine: ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
        `Date: ${new Date().toISOString().slice(0, 10)}`,
        "",
        "| stack | resources | command (median) | planning (median) | peak RSS (median / max) | deploy estimate | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        row(
            prod,
            `<= 5 s: ${prodOk ? "met" : "MISSED"}; deploy <= 24 min: ${deployOk ? "met" : "MISSED"}`,
        ),
        row(eight, `<= 6x prod (${ratio.toFixed(2)}x): ${ratioOk ? "met" : "MISSED"}`),
        "",
    ];
    const file = path.join(ROOT, "bench", "results.md");
    const kept = keptSections(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    fs.writeFileSync(file, [...lines, ...kept].join("\n"));
    console.log(`8 regions / prod = ${ratio.toFixed(2)}x; wrote bench/results.md`);
    return prodOk && ratioOk && deployOk ? 0 : 1;
}

if (require.main === module) process.exit(main());
