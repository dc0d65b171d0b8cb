/**
 * Database connectivity: the blackbox exporter (pinned chart) opens a TCP connection to every
 * configured database from inside the cluster, driven by one prometheus-operator Probe whose job is
 * DATABASE_PROBE_JOB; DatabaseConnectivityLost fires on `probe_success == 0` (rules/alerts.ts).
 */
import { MONITORING_NAMESPACE } from "../constants";
import { DATABASE_PROBE_JOB } from "./rules/alerts";
import type { Manifest } from "./monitors";
import type { WorkloadResources } from "./sizing";

/** One database to probe: a name for the `database` label, its host and TCP port. */
export interface DatabaseTarget {
    /** Short name (`exams-db`): the alert's `database` label. */
    readonly name: string;
    /** DNS name or IP the cluster reaches the database at. */
    readonly host: string;
    /** TCP port (1-65535). */
    readonly port: number;
}

/** Release (and Service) name of the blackbox exporter. */
export const BLACKBOX_RELEASE = "blackbox-exporter";
export const BLACKBOX_PORT = 9115;
/** The blackbox module every database probe uses. */
export const TCP_MODULE = "tcp_connect";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST =
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Every problem with the targets, each naming the arg path, the value and what is allowed. */
export function databaseTargetProblems(path: string, targets: readonly DatabaseTarget[]): string[] {
    const problems: string[] = [];
    targets.forEach((t, i) => {
        if (!NAME.test(t.name))
            problems.push(
                `${path}[${i}].name "${t.name}" must be a Kubernetes-style name ([a-z0-9-])`,
            );
        if (!HOST.test(t.host))
            problems.push(`${path}[${i}].host "${t.host}" must be a DNS name or IPv4 address`);
        if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)
            problems.push(`${path}[${i}].port ${t.port} must be a whole number in 1-65535`);
        const first = targets.findIndex((o) => o.name === t.name);
        if (first < i) problems.push(`${path}[${i}].name "${t.name}" repeats ${path}[${first}]`);
    });
    return problems;
}

/** Values of the blackbox exporter chart: one TCP module, sized, prioritised. */
export function blackboxValues(
    resources: WorkloadResources,
    priorityClassName: string,
): Record<string, unknown> {
    return {
        fullnameOverride: BLACKBOX_RELEASE,
        config: {
            modules: {
                [TCP_MODULE]: {
                    prober: "tcp",
                    timeout: "5s",
                    tcp: { preferred_ip_protocol: "ip4" },
                },
            },
        },
        resources,
        priorityClassName,
    };
}

/** One Probe over every target (job DATABASE_PROBE_JOB, label `database` per target). */
export function databaseProbe(targets: readonly DatabaseTarget[]): Manifest {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Probe",
        metadata: {
            name: DATABASE_PROBE_JOB,
            namespace: MONITORING_NAMESPACE,
            labels: { "app.kubernetes.io/part-of": "mesh-platform" },
        },
        spec: {
            jobName: DATABASE_PROBE_JOB,
            interval: "30s",
            scrapeTimeout: "10s",
            module: TCP_MODULE,
            prober: { url: `${BLACKBOX_RELEASE}.${MONITORING_NAMESPACE}.svc:${BLACKBOX_PORT}` },
            targets: {
                staticConfig: {
                    static: targets.map((t) => `${t.host}:${t.port}`),
                    // The target address becomes `instance`; `database` names it.
                    relabelingConfigs: targets.map((t) => ({
                        sourceLabels: ["__param_target"],
                        regex: escapeRegex(`${t.host}:${t.port}`),
                        targetLabel: "database",
                        replacement: t.name,
                        action: "replace",
                    })),
                },
            },
        },
    };
}

function escapeRegex(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
