/**
 * Drill reports. While the drill runs, every event is appended to `<id>.events.jsonl` and to the
 * Markdown report `<id>.md` as it happens (a crash leaves a readable trail); at the end the JSON
 * report and the Markdown summary with its timeline (a mermaid gantt of the phases and of the public
 * probe, per second) are written.
 */
import * as fs from "fs";
import * as path from "path";
import type { DrillEvent, DrillReport } from "./model";
import type { ProbeSample } from "./ports";

export class ReportWriter {
    readonly json: string;
    readonly markdown: string;
    readonly events: string;

    constructor(dir: string, drillId: string) {
        fs.mkdirSync(dir, { recursive: true });
        const base = path.join(dir, drillId);
        this.json = `${base}.json`;
        this.markdown = `${base}.md`;
        this.events = `${base}.events.jsonl`;
        fs.writeFileSync(this.markdown, `# Drill ${drillId} (running)\n\n## Events\n\n`);
        fs.writeFileSync(this.events, "");
    }

    /** Append one event to both files (synchronously: it is on disk before the drill goes on). */
    append(e: DrillEvent): void {
        fs.appendFileSync(this.events, `${JSON.stringify(e)}\n`);
        fs.appendFileSync(this.markdown, `- \`${e.at.slice(11, 19)}\` ${e.kind}: ${e.message}\n`);
    }

    finish(r: DrillReport): void {
        fs.writeFileSync(this.json, `${JSON.stringify(r, null, 2)}\n`);
        fs.appendFileSync(this.markdown, `\n${renderMarkdown(r)}`);
    }
}

export function renderMarkdown(r: DrillReport): string {
    const m = r.measurements;
    const t = r.targets;
    const row = (
        label: string,
        value: number | undefined,
        target: number | undefined,
        unit: string,
    ) => {
        const shown = value === undefined ? "not measured" : `${value} ${unit}`;
        const verdict =
            value === undefined || target === undefined
                ? ""
                : value <= target
                  ? "met"
                  : "**missed**";
        return `| ${label} | ${shown} | ${target === undefined ? "-" : `${target} ${unit}`} | ${verdict} |`;
    };
    return [
        `# Region failover drill ${r.drillId}: ${r.verdict}`,
        "",
        `- Stack \`${r.stack}\`, mode ${r.mode}, fault \`${r.fault}\``,
        `- Hostname \`${r.hostname}\`, ${r.primaryRegion} -> ${r.secondaryRegion ?? "none"}`,
        `- Started ${r.startedAt}, ended ${r.endedAt ?? "-"}`,
        `- Verdict: **${r.verdict}**${r.reason ? `: ${r.reason}` : ""}`,
        ...(r.error ? [`- Error: ${r.error}`] : []),
        ...(r.pending?.length
            ? [`- **Pending changes** (run \`drill recover\`): ${r.pending.join("; ")}`]
            : []),
        ...(r.restore
            ? [
                  `- Restore \`${r.restore.name}\` of \`${r.restore.backupName}\` into \`${r.restore.scratchNamespace}\`: ${r.restore.phase ?? "-"}, ` +
                      `${r.restore.warnings ?? 0} warnings, counts ${JSON.stringify(r.restore.counts ?? {})}, canary ${r.restore.canaryOk ? "ok" : "not verified"}, ${r.restore.cleanedUp ? "cleaned up" : "NOT cleaned up"}`,
              ]
            : []),
        "",
        "## Measurements",
        "",
        "| Measure | Measured | Target | |",
        "|---|---|---|---|",
        row(
            "Failover (inject -> first good answer from the secondary)",
            m.failoverSeconds,
            t.failoverSeconds,
            "s",
        ),
        row(
            "User-visible RTO (first failed -> first good via the secondary)",
            m.userVisibleRtoSeconds,
            t.failoverSeconds,
            "s",
        ),
        row("First failed request after inject", m.firstFailureSeconds, undefined, "s"),
        row("Failed public requests", m.probeErrors, undefined, "of " + (m.probeSamples ?? 0)),
        row(
            "In-mesh probe failures (secondary)",
            m.meshProbeErrors,
            undefined,
            "of " + (m.meshProbeSamples ?? 0),
        ),
        row("Recovery (inject -> restore verified)", m.recoverySeconds, t.recoverySeconds, "s"),
        row(
            "RPO (inject - start of the latest exams backup)",
            m.rpoMinutes,
            t.examsRpoMinutes,
            "min",
        ),
        row("Fail back (undo -> primary answers)", m.failbackSeconds, undefined, "s"),
        "",
        `Configured worst case: ${r.worstCaseFailoverSeconds} s (docs/drill.md, "Honest numbers").`,
        "",
        "## Timeline",
        "",
        "```mermaid",
        ...gantt(r),
        "```",
        "",
        "## Checks",
        "",
        ...(r.checks.length
            ? r.checks.map((c) => `- ${c.ok ? "ok" : "FAIL"} ${c.name}: ${c.detail}`)
            : ["- none ran"]),
        "",
        "## Actions",
        "",
        ...(r.actions.length
            ? r.actions.map((a) => `- ${r.mode === "dry-run" ? "(would) " : ""}${a}`)
            : ["- none"]),
        "",
    ].join("\n");
}

/** Runs of equal probe outcome (ok from a region, or failed), for the per-second timeline. */
export function probeRuns(
    samples: readonly ProbeSample[],
): { label: string; ok: boolean; start: number; end: number }[] {
    const runs: { label: string; ok: boolean; start: number; end: number }[] = [];
    for (const s of samples) {
        const label = s.ok ? `ok ${s.region ?? "?"}` : "failed";
        const last = runs.at(-1);
        if (last && last.label === label) last.end = s.at + 1000;
        else {
            if (last) last.end = s.at;
            runs.push({ label, ok: s.ok, start: s.at, end: s.at + 1000 });
        }
    }
    return runs;
}

/** A mermaid gantt: the phases, then the public probe second by second (dateFormat x = epoch ms). */
export function gantt(r: DrillReport): string[] {
    return [
        "gantt",
        `    title Drill ${r.drillId} (${r.verdict})`,
        "    dateFormat x",
        "    axisFormat %H:%M:%S",
        "    section Phases",
        ...r.phases.map((p, i) => {
            const start = Date.parse(p.start);
            const end = Math.max(Date.parse(p.end ?? p.start), start + 1);
            const tag = p.status === "failed" || p.status === "aborted" ? "crit, " : "done, ";
            return `    ${p.name} :${tag}p${i}, ${start}, ${end}`;
        }),
        "    section Public probe",
        ...probeRuns(r.samples).map(
            (run, i) =>
                `    ${run.label} :${run.ok ? "active, " : "crit, "}s${i}, ${run.start}, ${run.end}`,
        ),
        ...(r.injectedAt
            ? ["    section Fault", `    injected :milestone, m0, ${r.injectedAt}, 0`]
            : []),
    ];
}
