/**
 * Fluent Bit's log pipeline as configuration text: the parsers, the multiline rule and the filters that
 * give every record one normalised `level` and drop what is below the environment's level, whatever
 * format the application logs in.
 *
 * Order (each step is one Fluent Bit section; tests/observability/log-pipeline.test.ts evaluates the
 * rendered text on sample lines of every format):
 * 1. `multiline` filter (`multiline_stack`): stack-trace continuation lines (Java `at ...`, `Caused by:`,
 *    `... N more`, Python `Traceback` frames and the final `XxxError: ...`) are joined to the line that
 *    started the record, so the level of the first line decides for the whole trace.
 * 2. `parser` filter on the raw `log` string, first matching parser wins, keeping every other field
 *    (`Reserve_Data`) and the line itself (`Preserve_Key`): `level_json` (a JSON object with a level
 *    key, text or number), `klog` (`I1202 10:00:00.000000 1 file.go:12] ...`), `level_logfmt`
 *    (`level=warn ...`), `level_text` (an upper-case level among the first tokens: `2026-12-02 10:00:00
 *    WARN ...`, `ERROR: ...`), `level_bracket` (`[error]`, `[Warning]`). The level is captured as
 *    text, also when the JSON value is a number (Fluent Bit's grep matches only strings).
 * 3. `kubernetes` filter: pod metadata, and the JSON line itself parsed and nested under `app`
 *    (`Merge_Log_Key`), so two applications using one field name with different types never clash in
 *    one index mapping (a rejected document is a lost log line).
 * 4. `modify` filters, one per platform level: `level` is set to DEBUG, INFO, WARN or ERROR when it
 *    matches one of that level's spellings (words in any case, pino/bunyan numbers 10-60, klog letters).
 * 5. `grep` drops records whose normalised `level` is below the kept level. Records without a
 *    recognisable level are kept (losing an unknown line is worse than storing it).
 *
 * Regex dialect: Fluent Bit compiles every regex with Onigmo in Ruby syntax, where `^` and `$` match
 * at line boundaries. Every pattern here keeps to what Onigmo (Ruby syntax) and JavaScript share, and
 * reads the same in JavaScript with the `m` flag: named groups `(?<name>)` (each name once),
 * non-capturing groups, classes, `\d \s \S`, `{m,n}` and lazy quantifiers, lookahead. No inline
 * options such as `(?i)` (case-insensitivity is spelled out as `[Ww][Aa][Rr][Nn]`), no possessive
 * quantifiers, no `\h`, no `\A`/`\z`.
 *
 * Numeric levels follow pino/bunyan (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal), the
 * convention of the Node services; Python's `levelno` is not a log field by default.
 */
import type { LogLevel } from "../types";

/** The platform's log levels, most verbose first. */
export const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR"];

/** How applications spell each platform level: words (any case), pino/bunyan numbers, klog letters. */
export const LEVEL_SPELLINGS: Readonly<
    Record<
        LogLevel,
        { words: readonly string[]; numbers: readonly string[]; letters: readonly string[] }
    >
> = {
    DEBUG: {
        words: ["trace", "trc", "debug", "dbg", "verbose"],
        numbers: ["10", "20"],
        letters: [],
    },
    INFO: {
        words: ["info", "information", "informational", "notice"],
        numbers: ["30"],
        letters: ["I"],
    },
    WARN: { words: ["warn", "warning"], numbers: ["40"], letters: ["W"] },
    ERROR: {
        words: [
            "error",
            "err",
            "fatal",
            "critical",
            "crit",
            "panic",
            "emerg",
            "emergency",
            "alert",
        ],
        numbers: ["50", "60"],
        letters: ["E", "F"],
    },
};

/** `warn` -> `[Ww][Aa][Rr][Nn]`: case-insensitive without an inline option. */
export function anyCase(word: string): string {
    return [...word]
        .map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c))
        .join("");
}

/** The whole-value regex of one platform level's spellings. */
export function levelRegex(level: LogLevel): string {
    const s = LEVEL_SPELLINGS[level];
    return `^(?:${[...s.words.map(anyCase), ...s.numbers, ...s.letters].join("|")})$`;
}

/** Platform levels below `keep` (dropped). */
export function levelsBelow(keep: LogLevel): LogLevel[] {
    return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(keep));
}

/** Every level word, upper case (the plain-text parser only trusts upper-case words). */
const UPPER_WORDS = LOG_LEVELS.flatMap((l) => LEVEL_SPELLINGS[l].words)
    .map((w) => w.toUpperCase())
    .sort((a, b) => b.length - a.length);
const ANY_CASE_WORDS = LOG_LEVELS.flatMap((l) => LEVEL_SPELLINGS[l].words)
    .sort((a, b) => b.length - a.length)
    .map(anyCase);
const LEVEL_KEYS = ["level", "lvl", "severity", "levelname", "loglevel", "log\\.level"];

/** The regex parsers, in the order the parser filter tries them. */
export const LEVEL_PARSERS: readonly { readonly name: string; readonly regex: string }[] = [
    {
        name: "level_json",
        regex: `^\\s*\\{.*?"(?:${LEVEL_KEYS.join("|")})"\\s*:\\s*"?(?<level>[A-Za-z]+|\\d+)`,
    },
    {
        name: "klog",
        regex: "^(?<level>[IWEF])\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d+\\s+\\d+ [^ \\]]+\\] ",
    },
    {
        name: "level_logfmt",
        regex: `(?:^|\\s)(?:level|lvl|severity)="?(?<level>[A-Za-z]+|\\d+)`,
    },
    {
        name: "level_text",
        regex: `^(?:\\S+\\s+){0,3}?(?<level>${UPPER_WORDS.join("|")})(?=[\\s:|,\\]-]|$)`,
    },
    {
        name: "level_bracket",
        regex: `^(?:\\S+\\s+){0,3}?\\[(?<level>${ANY_CASE_WORDS.join("|")})\\]`,
    },
];

/** The multiline rule: a line that starts with a non-blank starts a record; these continue it. */
export const MULTILINE_PARSER = "multiline_stack";
export const MULTILINE_START = "^\\S";
export const MULTILINE_CONTINUE =
    "^(?:\\s|Caused by:|Traceback \\(most recent call last\\):|\\.\\.\\. \\d+ (?:more|common frames omitted)|[A-Za-z_][\\w.]*(?:Error|Exception)(?::|$))";

/** `[PARSER]` and `[MULTILINE_PARSER]` sections (the chart's `config.customParsers`). */
export function customParsers(): string {
    const parsers = LEVEL_PARSERS.map(
        (p) => `[PARSER]
    Name   ${p.name}
    Format regex
    Regex  ${p.regex}`,
    );
    const multiline = `[MULTILINE_PARSER]
    Name          ${MULTILINE_PARSER}
    Type          regex
    Flush_Timeout 1000
    Rule          "start_state" "/${MULTILINE_START}/" "cont"
    Rule          "cont"        "/${MULTILINE_CONTINUE}/" "cont"`;
    return `${[...parsers, multiline].join("\n\n")}\n`;
}

/** Key the kubernetes filter nests an application's parsed JSON under. */
export const APP_KEY = "app";

/** The `[FILTER]` sections, in order, for records at `keep` and above. */
export function logFilters(keep: LogLevel, correlationSpellings: readonly string[]): string {
    const parts = [
        `[FILTER]
    Name                  multiline
    Match                 kube.*
    multiline.key_content log
    multiline.parser      ${MULTILINE_PARSER}`,
        `[FILTER]
    Name         parser
    Match        kube.*
    Key_Name     log
${LEVEL_PARSERS.map((p) => `    Parser       ${p.name}`).join("\n")}
    Reserve_Data On
    Preserve_Key On`,
        `[FILTER]
    Name                kubernetes
    Match               kube.*
    Merge_Log           On
    Merge_Log_Key       ${APP_KEY}
    Merge_Log_Trim      On
    Keep_Log            Off
    K8S-Logging.Parser  On
    K8S-Logging.Exclude On
    Labels              On
    Annotations         Off`,
        ...LOG_LEVELS.map(
            (l) => `[FILTER]
    Name      modify
    Match     kube.*
    Condition Key_value_matches level ${levelRegex(l)}
    Set       level ${l}`,
        ),
    ];
    if (correlationSpellings.length > 0) {
        // Correlation ids of JSON logs live under app; lift the usual spellings to one top-level field.
        parts.push(`[FILTER]
    Name  nest
    Match kube.*
    Operation lift
    Nested_under ${APP_KEY}
    Add_prefix ${APP_KEY}.`);
        parts.push(`[FILTER]
    Name  modify
    Match kube.*
${correlationSpellings.map((c) => `    Copy  ${APP_KEY}.${c} correlation_id`).join("\n")}`);
        parts.push(`[FILTER]
    Name          nest
    Match         kube.*
    Operation     nest
    Wildcard      ${APP_KEY}.*
    Nest_under    ${APP_KEY}
    Remove_prefix ${APP_KEY}.`);
    }
    const below = levelsBelow(keep);
    if (below.length > 0)
        parts.push(`[FILTER]
    Name    grep
    Match   kube.*
    Exclude level ^(?:${below.join("|")})$`);
    return `${parts.join("\n\n")}\n`;
}
