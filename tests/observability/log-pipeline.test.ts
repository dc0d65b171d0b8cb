/**
 * Fluent Bit's parsers and filters, evaluated on sample lines of every format the platform meets
 * (JSON with text and numeric levels, klog, logfmt, plain text, bracketed levels, Java and Python
 * stack traces). The test reads the RENDERED configuration (customParsers and filters as the chart
 * receives them), compiles each regex in JavaScript with the `m` flag (Fluent Bit's Onigmo uses Ruby
 * syntax, where `^`/`$` are line anchors; the patterns keep to the syntax both engines share), and
 * applies the sections in order with Fluent Bit's semantics:
 * - multiline (regex type): a start_state line opens a record; lines matching the cont rule join it.
 * - parser: the first parser whose regex finds a match adds its named groups (Reserve_Data,
 *   Preserve_Key); no match leaves the record as it is.
 * - kubernetes Merge_Log: a JSON object in `log` is nested under Merge_Log_Key; Keep_Log Off drops `log`.
 * - modify: `Condition Key_value_matches` on a string value, then `Set`.
 * - grep: `Exclude` drops a record whose string value matches.
 */
import { strict as assert } from "assert";
import { fluentBitFilters, fluentBitValues } from "../../components/observability/logging";
import type { LogLevel } from "../../components/types";
import { SMALL_MONITORING_SIZES } from "../../components/observability/sizing";

type Rec = Record<string, unknown>;
interface Section {
    readonly kind: string;
    readonly props: [string, string][];
}

/** Sections of a Fluent Bit classic config (`[FILTER]` / `[PARSER]` / `[MULTILINE_PARSER]`). */
function sections(text: string): Section[] {
    const out: { kind: string; props: [string, string][] }[] = [];
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#")) continue;
        const head = /^\[([A-Z_]+)\]$/.exec(line);
        if (head) {
            out.push({ kind: head[1], props: [] });
            continue;
        }
        const m = /^(\S+)\s+(.*)$/.exec(line);
        assert.ok(m && out.length > 0, `unparsable line ${line}`);
        out[out.length - 1].props.push([m[1], m[2]]);
    }
    return out;
}
const prop = (s: Section, key: string) =>
    s.props.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
const props = (s: Section, key: string) =>
    s.props.filter(([k]) => k.toLowerCase() === key.toLowerCase()).map(([, v]) => v);
/** Onigmo (Ruby syntax) regex as JavaScript: `^`/`$` at line boundaries. */
const onig = (pattern: string) => new RegExp(pattern.replace(/^\/(.*)\/$/, "$1"), "m");

function pipeline(level: LogLevel) {
    const values = fluentBitValues(level, {
        resources: SMALL_MONITORING_SIZES.fluentBit,
        priorityClassName: "p",
    }) as { config: { customParsers: string; filters: string } };
    const parsers = sections(values.config.customParsers);
    const filters = sections(values.config.filters);
    assert.equal(values.config.filters, fluentBitFilters(level));
    const parserByName = new Map(
        parsers.filter((p) => p.kind === "PARSER").map((p) => [prop(p, "Name")!, p]),
    );
    const mlByName = new Map(
        parsers.filter((p) => p.kind === "MULTILINE_PARSER").map((p) => [prop(p, "Name")!, p]),
    );

    /** Container lines (after the CRI parser) -> records in Elasticsearch. */
    return (lines: string[]): Rec[] => {
        let records: Rec[] = lines.map((log) => ({ log, stream: "stdout" }));
        for (const f of filters) {
            const name = prop(f, "Name");
            if (name === "multiline") {
                const ml = mlByName.get(prop(f, "multiline.parser")!)!;
                const rules = props(ml, "Rule").map((r) => {
                    const [from, re, to] = [...r.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
                    return { from, re: onig(re), to };
                });
                const start = rules.find((r) => r.from === "start_state")!;
                const cont = rules.filter((r) => r.from === "cont");
                const out: Rec[] = [];
                for (const r of records) {
                    const text = String(r.log);
                    const last = out[out.length - 1];
                    if (last && last.__open && cont.some((c) => c.re.test(text)))
                        last.log = `${String(last.log)}\n${text}`;
                    else out.push({ ...r, __open: start.re.test(text) });
                }
                records = out.map(({ __open: _open, ...r }) => r);
            } else if (name === "parser") {
                const key = prop(f, "Key_Name")!;
                const list = props(f, "Parser").map((p) => {
                    const parser = parserByName.get(p);
                    assert.ok(parser, `parser ${p} is not defined in customParsers`);
                    assert.equal(prop(parser, "Format"), "regex");
                    return onig(prop(parser, "Regex")!);
                });
                assert.equal(prop(f, "Reserve_Data"), "On");
                assert.equal(prop(f, "Preserve_Key"), "On");
                records = records.map((r) => {
                    for (const re of list) {
                        const m = re.exec(String(r[key]));
                        if (m) return { ...r, ...m.groups };
                    }
                    return r;
                });
            } else if (name === "kubernetes") {
                const into = prop(f, "Merge_Log_Key")!;
                records = records.map((r) => {
                    try {
                        const parsed = JSON.parse(String(r.log)) as unknown;
                        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
                            return r;
                        const { log: _log, ...rest } = r;
                        return prop(f, "Keep_Log") === "Off"
                            ? { ...rest, [into]: parsed }
                            : { ...r, [into]: parsed };
                    } catch {
                        return r;
                    }
                });
            } else if (name === "modify") {
                const conds = props(f, "Condition").map((c) => {
                    const [op, key, re] = c.split(/\s+/);
                    assert.equal(op, "Key_value_matches");
                    return { key, re: onig(re) };
                });
                const sets = props(f, "Set").map((v) => v.split(/\s+/));
                const copies = props(f, "Copy").map((v) => v.split(/\s+/));
                records = records.map((r) => {
                    const ok = conds.every(
                        (c) => typeof r[c.key] === "string" && c.re.test(r[c.key] as string),
                    );
                    if (!ok) return r;
                    const out = { ...r };
                    for (const [k, v] of sets) out[k] = v;
                    for (const [from, to] of copies)
                        if (from in out && !(to in out)) out[to] = out[from];
                    return out;
                });
            } else if (name === "nest") {
                const op = prop(f, "Operation");
                records = records.map((r) => {
                    const out: Rec = {};
                    if (op === "lift") {
                        const under = prop(f, "Nested_under")!;
                        const prefix = prop(f, "Add_prefix") ?? "";
                        for (const [k, v] of Object.entries(r)) {
                            if (k === under && v && typeof v === "object")
                                for (const [ck, cv] of Object.entries(v as Rec))
                                    out[prefix + ck] = cv;
                            else out[k] = v;
                        }
                    } else {
                        const wildcard = prop(f, "Wildcard")!.replace(/\*$/, "");
                        const under = prop(f, "Nest_under")!;
                        const remove = prop(f, "Remove_prefix") ?? "";
                        const nested: Rec = {};
                        for (const [k, v] of Object.entries(r)) {
                            if (k.startsWith(wildcard))
                                nested[k.startsWith(remove) ? k.slice(remove.length) : k] = v;
                            else out[k] = v;
                        }
                        if (Object.keys(nested).length > 0) out[under] = nested;
                    }
                    return out;
                });
            } else if (name === "grep") {
                const rules = props(f, "Exclude").map((e) => {
                    const [key, re] = e.split(/\s+/);
                    return { key, re: onig(re) };
                });
                records = records.filter(
                    (r) =>
                        !rules.some(
                            (x) => typeof r[x.key] === "string" && x.re.test(r[x.key] as string),
                        ),
                );
            } else {
                assert.fail(`filter ${name} has no evaluation in this test`);
            }
        }
        return records;
    };
}

/** One sample line per format and level: [format, line, platform level]. */
const SAMPLES: [string, string, LogLevel][] = [
    ["json text", '{"level":"debug","msg":"cache miss"}', "DEBUG"],
    ["json text", '{"ts":1,"level":"INFO","msg":"started"}', "INFO"],
    ["json text", '{"severity":"Warning","msg":"slow"}', "WARN"],
    ["json text", '{"log.level":"error","message":"db down"}', "ERROR"],
    ["json numeric (pino)", '{"level":20,"msg":"tick"}', "DEBUG"],
    ["json numeric (pino)", '{"level":30,"msg":"listening"}', "INFO"],
    ["json numeric (pino)", '{"level":40,"msg":"retrying"}', "WARN"],
    ["json numeric (pino)", '{"level":50,"msg":"failed"}', "ERROR"],
    ["klog", 'I1202 10:00:00.123456       1 controller.go:123] "Reconciled" obj="a"', "INFO"],
    ["klog", "W1202 10:00:00.123456       1 reflector.go:44] watch closed", "WARN"],
    ["klog", "E1202 10:00:00.123456       1 server.go:9] handler failed", "ERROR"],
    ["logfmt", 'ts=2026-12-02T10:00:00Z level=debug msg="cache miss"', "DEBUG"],
    ["logfmt", "time=2026-12-02T10:00:00Z level=info msg=started", "INFO"],
    ["logfmt", 'level=warn msg="slow query" took=2s', "WARN"],
    ["logfmt", 'lvl=error msg="boom"', "ERROR"],
    ["plain text", "2026-12-02 10:00:00,123 DEBUG [main] c.e.Cache - miss", "DEBUG"],
    ["plain text", "2026-12-02T10:00:00.000Z INFO server listening on :8080", "INFO"],
    ["plain text", "WARNING:root:disk almost full", "WARN"],
    ["plain text", "ERROR: connection refused", "ERROR"],
    ["bracketed", "2026/12/02 10:00:00 [notice] 1#1: start worker processes", "INFO"],
    ["bracketed", "2026/12/02 10:00:00 [error] 7#7: upstream timed out", "ERROR"],
    ["bracketed", "[Debug] loading plugins", "DEBUG"],
];

const KEEP: Record<LogLevel, LogLevel[]> = {
    DEBUG: ["DEBUG", "INFO", "WARN", "ERROR"],
    INFO: ["INFO", "WARN", "ERROR"],
    WARN: ["WARN", "ERROR"],
    ERROR: ["ERROR"],
};

describe("observability: Fluent Bit log pipeline on sample lines", () => {
    it("gives every format and level one normalised level field", () => {
        const run = pipeline("DEBUG");
        for (const [format, line, level] of SAMPLES) {
            const out = run([line]);
            assert.equal(out.length, 1, `${format}: ${line}`);
            assert.equal(out[0].level, level, `${format}: ${line}`);
        }
    });

    for (const [env, keep] of [
        ["prod", "WARN"],
        ["staging", "INFO"],
        ["dev", "DEBUG"],
    ] as const) {
        it(`${env} keeps ${keep} and above in every format, and drops the rest`, () => {
            const run = pipeline(keep);
            for (const [format, line, level] of SAMPLES) {
                const kept = run([line]).length === 1;
                assert.equal(
                    kept,
                    KEEP[keep].includes(level),
                    `${env} ${format} ${level}: ${line}`,
                );
            }
            // a line without a level is kept everywhere
            assert.equal(run(["plain message without a level"]).length, 1);
            // a lower-case level word inside a sentence is not a level
            assert.equal(run(["user info updated for learner 42"])[0].level, undefined);
        });
    }

    it("nests each app's JSON under app, so one field name with two types never clashes", () => {
        const run = pipeline("DEBUG");
        const [a] = run(['{"level":"info","status":200}']);
        const [b] = run(['{"level":"info","status":{"code":200}}']);
        assert.deepEqual(a.app, { level: "info", status: 200 });
        assert.deepEqual(b.app, { level: "info", status: { code: 200 } });
        assert.equal(a.status, undefined);
        assert.equal(a.log, undefined);
    });

    it("copies the usual correlation id spellings into correlation_id", () => {
        const run = pipeline("DEBUG");
        const [r] = run(['{"level":"info","requestId":"r-1"}']);
        assert.equal(r.correlation_id, "r-1");
        assert.deepEqual(r.app, { level: "info", requestId: "r-1" });
    });

    it("joins a Java and a Python stack trace to its first line, so prod keeps or drops it whole", () => {
        const java = [
            "2026-12-02 10:00:00,123 ERROR [main] c.e.Exam - submit failed",
            "java.lang.IllegalStateException: closed",
            "\tat com.example.Exam.submit(Exam.java:42)",
            "\tat com.example.Main.main(Main.java:7)",
            "Caused by: java.io.IOException: broken pipe",
            "\t... 2 more",
            "2026-12-02 10:00:01,000 INFO [main] c.e.Exam - next",
        ];
        const python = [
            "ERROR:grader:grading failed",
            "Traceback (most recent call last):",
            '  File "/app/grader.py", line 10, in grade',
            "    raise ValueError('bad answer')",
            "ValueError: bad answer",
        ];
        const prod = pipeline("WARN");
        const out = prod([...java, ...python]);
        assert.equal(out.length, 2);
        assert.equal(String(out[0].log).split("\n").length, 6);
        assert.match(String(out[0].log), /Caused by/);
        assert.equal(String(out[1].log).split("\n").length, 5);
        assert.ok(out.every((r) => r.level === "ERROR"));
        const dev = pipeline("DEBUG")(java);
        assert.equal(dev.length, 2);
        assert.equal(dev[1].level, "INFO");
    });

    it("keeps to regex syntax Onigmo and JavaScript share (no inline options, no possessive quantifiers)", () => {
        const values = fluentBitValues("WARN", {
            resources: SMALL_MONITORING_SIZES.fluentBit,
            priorityClassName: "p",
        }) as { config: { customParsers: string; filters: string } };
        const text = `${values.config.customParsers}\n${values.config.filters}`;
        assert.doesNotMatch(text, /\(\?[imx]/);
        assert.doesNotMatch(text, /[*+?}]\+/);
        assert.doesNotMatch(text, /\\[hAzZG]/);
    });
});
