/**
 * Retention (guide: logs 7 days, metrics 30 days, full traces at most 7 days, backups 30 days), read
 * from where each store keeps it: Prometheus retention (kube-prometheus-stack values or a Prometheus
 * resource), Elasticsearch ILM delete phases (log and span indices), Jaeger's index cleaner, and
 * Velero backup TTLs (Schedule resources or the velero chart's schedules).
 */
import { chartName, releaseValues, T } from "../../lib/kinds";
import { resourcePolicy } from "../../lib/policy";
import {
    asRecord,
    asString,
    get,
    isKind,
    isObject,
    knownEntries,
    parseDays,
    Props,
} from "../../lib/values";

export type RetentionKind = "logs" | "metrics" | "traces" | "backups";

export interface RetentionFinding {
    readonly kind: RetentionKind;
    readonly where: string;
    /** Days, or undefined when the store keeps data forever / the value is unparseable. */
    readonly days: number | undefined;
    readonly raw: unknown;
}

/** ILM policies (objects with phases.delete.min_age), also inside JSON strings; traces if named after jaeger/spans. */
function ilmFindings(value: unknown, at: string, out: RetentionFinding[], hint = ""): void {
    if (typeof value === "string") {
        const s = value.trim();
        if ((s.startsWith("{") || s.startsWith("[")) && s.includes("min_age")) {
            try {
                ilmFindings(JSON.parse(s), at, out, hint);
            } catch {
                /* not JSON: nothing to read */
            }
        }
        return;
    }
    if (Array.isArray(value))
        return knownEntries(value as unknown as Props).forEach(([i, v]) =>
            ilmFindings(v, `${at}[${i}]`, out, hint),
        );
    if (!isObject(value)) return;
    const minAge = get(value, "phases.delete.min_age");
    if (minAge !== undefined) {
        const kind: RetentionKind = /jaeger|span|trace/i.test(`${hint} ${at}`) ? "traces" : "logs";
        out.push({
            kind,
            where: `${at}.phases.delete.min_age`,
            days: parseDays(minAge),
            raw: minAge,
        });
    }
    for (const [k, v] of knownEntries(value)) {
        if (k === "phases") continue;
        ilmFindings(v, at ? `${at}.${k}` : k, out, `${hint} ${k}`);
    }
}

/** Everything retention-related one resource declares. */
export function retentionFindings(type: string, name: string, props: Props): RetentionFinding[] {
    const out: RetentionFinding[] = [];
    if (type === T.helmRelease) {
        const chart = chartName(props);
        const values = releaseValues(props);
        if (chart === "kube-prometheus-stack") {
            const r = get(values, "prometheus.prometheusSpec.retention");
            out.push({
                kind: "metrics",
                where: "values.prometheus.prometheusSpec.retention",
                days: r === undefined ? 10 : parseDays(r),
                raw: r ?? "10d (chart default)",
            });
        }
        if (chart === "prometheus") {
            const r = get(values, "server.retention");
            out.push({
                kind: "metrics",
                where: "values.server.retention",
                days: r === undefined ? 15 : parseDays(r),
                raw: r ?? "15d (chart default)",
            });
        }
        if (chart === "jaeger" && get(values, "esIndexCleaner.enabled") === true) {
            const d = get(values, "esIndexCleaner.numberOfDays");
            out.push({
                kind: "traces",
                where: "values.esIndexCleaner.numberOfDays",
                days: typeof d === "number" ? d : undefined,
                raw: d,
            });
        }
        if (chart === "jaeger") {
            // Jaeger v2 (chart 4.x): the collector's own config under userconfig; badger keeps spans for ttl.spans (default 72h).
            for (const [backend, cfg] of Object.entries(
                asRecord(get(values, "userconfig.extensions.jaeger_storage.backends")),
            )) {
                const badger = get(cfg, "badger");
                if (!isObject(badger)) continue;
                const ttl = get(badger, "ttl.spans");
                out.push({
                    kind: "traces",
                    where: `values.userconfig.extensions.jaeger_storage.backends.${backend}.badger.ttl.spans`,
                    days: ttl === undefined ? 3 : parseDays(ttl),
                    raw: ttl ?? "72h (Jaeger default)",
                });
            }
        }
        if (chart === "velero") {
            const ttl = get(values, "configuration.defaultBackupTTL");
            if (ttl !== undefined)
                out.push({
                    kind: "backups",
                    where: "values.configuration.defaultBackupTTL",
                    days: parseDays(ttl),
                    raw: ttl,
                });
            for (const [sched, s] of Object.entries(asRecord(values.schedules))) {
                const ttl = get(s, "template.ttl");
                out.push({
                    kind: "backups",
                    where: `values.schedules.${sched}.template.ttl`,
                    days: ttl === undefined ? 30 : parseDays(ttl),
                    raw: ttl ?? "720h (Velero default)",
                });
            }
        }
        ilmFindings(values, "values", out, `${chart} ${name}`);
        return out;
    }
    if (isKind(type, "monitoring.coreos.com", "Prometheus")) {
        const r = get(props, "spec.retention");
        out.push({
            kind: "metrics",
            where: "spec.retention",
            days: r === undefined ? 1 : parseDays(r),
            raw: r ?? "24h (operator default)",
        });
    }
    if (isKind(type, "velero.io", "Schedule") || isKind(type, "velero.io", "Backup")) {
        const ttl = get(
            props,
            isKind(type, "velero.io", "Schedule") ? "spec.template.ttl" : "spec.ttl",
        );
        out.push({
            kind: "backups",
            where: "spec ttl",
            days: ttl === undefined ? 30 : parseDays(ttl),
            raw: ttl ?? "720h (Velero default)",
        });
    }
    if (
        isKind(type, "jaegertracing.io", "Jaeger") &&
        get(props, "spec.storage.esIndexCleaner.enabled") !== false
    ) {
        const d = get(props, "spec.storage.esIndexCleaner.numberOfDays");
        if (d !== undefined)
            out.push({
                kind: "traces",
                where: "spec.storage.esIndexCleaner.numberOfDays",
                days: typeof d === "number" ? d : undefined,
                raw: d,
            });
    }
    if (type === T.configMap) {
        ilmFindings(
            asRecord(props.data),
            "data",
            out,
            `${name} ${asString(get(props, "metadata.name")) ?? ""}`,
        );
    }
    if (type.startsWith("kubernetes:batch/")) {
        // A Job / CronJob that PUTs an ILM policy: the policy JSON sits in its env values or command.
        ilmFindings(
            asRecord(props.spec),
            "spec",
            out,
            `${name} ${asString(get(props, "metadata.name")) ?? ""}`,
        );
    }
    return out;
}

export const retention = resourcePolicy<{
    logsDays: number;
    metricsDays: number;
    tracesMaxDays: number;
    backupsDays: number;
}>({
    name: "retention-periods",
    description:
        "Stores keep data as long as the guide says: logs 7 days, metrics 30 days, traces at most 7 days, backups 30 days.",
    types: (t) =>
        t === T.helmRelease ||
        t === T.configMap ||
        t.startsWith("kubernetes:batch/") ||
        isKind(t, "monitoring.coreos.com", "Prometheus") ||
        isKind(t, "velero.io", "Schedule") ||
        isKind(t, "velero.io", "Backup") ||
        isKind(t, "jaegertracing.io", "Jaeger"),
    config: {
        logsDays: { type: "integer", minimum: 1, default: 7 },
        metricsDays: { type: "integer", minimum: 1, default: 30 },
        tracesMaxDays: { type: "integer", minimum: 1, default: 7 },
        backupsDays: { type: "integer", minimum: 1, default: 30 },
    },
    validate: (props, args, report, cfg) => {
        const findings = retentionFindings(args.type, args.name, props);
        if (findings.length === 0) args.notApplicable("declares no retention");
        for (const f of findings) {
            const shown = `${f.where} = ${String(f.raw)}`;
            if (f.days === undefined) {
                report(`${f.kind} retention ${shown} cannot be read as a duration`);
                continue;
            }
            if (f.kind === "traces") {
                if (f.days > cfg.tracesMaxDays)
                    report(`traces kept ${f.days} days (${shown}); at most ${cfg.tracesMaxDays}`);
                continue;
            }
            const expected =
                f.kind === "logs"
                    ? cfg.logsDays
                    : f.kind === "metrics"
                      ? cfg.metricsDays
                      : cfg.backupsDays;
            if (Math.abs(f.days - expected) > 1e-6)
                report(`${f.kind} kept ${f.days} days (${shown}); expected ${expected}`);
        }
    },
});
