/**
 * Drill reports: JSON for machines, Markdown (with a mermaid gantt timeline) for people.
 */
import * as fs from "fs";
import * as path from "path";
import type { DrillReport, PhaseRecord } from "./engine";

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
    const lines = [
        `# Region failover drill ${r.drillId}: ${r.verdict}`,
        "",
        `- Stack: \`${r.stack}\`, mode: ${r.mode}`,
        `- Hostname: \`${r.hostname}\`, ${r.primaryRegion} -> ${r.secondaryRegion ?? "none"}`,
        `- Started ${r.startedAt}, ended ${r.endedAt ?? "-"}`,
        `- Verdict: **${r.verdict}**${r.reason ? `: ${r.reason}` : ""}`,
        ...(r.error ? [`- Error: ${r.error}`] : []),
        ...(r.restoredPrevious
            ? [
                  `- Restored health check ${r.restoredPrevious.healthCheckId} left inverted by an earlier run (pid ${r.restoredPrevious.pid}, ${r.restoredPrevious.injectedAt})`,
              ]
            : []),
        ...(r.restoreName ? [`- Velero Restore: \`${r.restoreName}\``] : []),
        "",
        "## Measurements",
        "",
        "| Measure | Measured | Target | |",
        "|---|---|---|---|",
        row("Detection (inject -> primary unhealthy)", m.detectionSeconds, t.detectionSeconds, "s"),
        row(
            "DNS failover (inject -> DNS answers secondary)",
            m.failoverSeconds,
            t.failoverSeconds,
            "s",
        ),
        row(
            "Client upper bound (failover + TTL)",
            m.clientFailoverUpperBoundSeconds,
            undefined,
            "s",
        ),
        row("Recovery (inject -> secondary serving)", m.recoverySeconds, t.recoverySeconds, "s"),
        row("RPO (age of latest assessment backup)", m.rpoMinutes, t.examsRpoMinutes, "min"),
        row("Fail back (un-invert -> DNS answers primary)", m.failbackSeconds, undefined, "s"),
        "",
        `Configured worst case: ${r.worstCaseFailoverSeconds} s (health check interval x failure threshold + TTL).`,
        "",
        "## Timeline",
        "",
        "```mermaid",
        ...gantt(r),
        "```",
        "",
        "## Phases",
        "",
        "| Phase | Status | Start | End | Seconds |",
        "|---|---|---|---|---|",
        ...r.phases.map(
            (p) =>
                `| ${p.name} | ${p.status} | ${p.start} | ${p.end ?? "-"} | ${p.durationSeconds ?? "-"} |`,
        ),
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
    ];
    return lines.join("\n");
}

/** A mermaid gantt chart of the phases (dateFormat x = epoch milliseconds). */
export function gantt(r: DrillReport): string[] {
    const tag = (p: PhaseRecord) =>
        p.status === "failed" || p.status === "aborted" ? "crit, " : "done, ";
    return [
        "gantt",
        `    title Region failover drill ${r.drillId} (${r.verdict})`,
        "    dateFormat x",
        "    axisFormat %H:%M:%S",
        "    section Drill",
        ...r.phases.map((p, i) => {
            const start = Date.parse(p.start);
            // mermaid needs a visible bar: at least one millisecond.
            const end = Math.max(Date.parse(p.end ?? p.start), start + 1);
            return `    ${p.name} :${tag(p)}p${i}, ${start}, ${end}`;
        }),
    ];
}

export function writeReports(dir: string, r: DrillReport): { json: string; markdown: string } {
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, r.drillId);
    const json = `${base}.json`;
    const markdown = `${base}.md`;
    fs.writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
    fs.writeFileSync(markdown, renderMarkdown(r));
    return { json, markdown };
}
