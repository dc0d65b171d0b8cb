/**
 * Database connectivity probes and per-service critical error rates from config: the Probe passes
 * the prometheus-operator schema and feeds DatabaseConnectivityLost (job DATABASE_PROBE_JOB; its promtool
 * cases are in promtool-cases.ts), bad config names key, value and what is allowed, and the stack runs
 * the blackbox exporter only when targets are configured.
 */
import { strict as assert } from "assert";
import { validateManifest } from "../support/esm";
import { ConfigError, parseConfig } from "../support/config";
import { validRawConfig } from "../support/fixtures";
import { runStack } from "../harness";
import {
    BLACKBOX_RELEASE,
    databaseProbe,
    databaseTargetProblems,
} from "../../components/observability/probes";
import { DATABASE_PROBE_JOB } from "../../components/observability/rules/alerts";
import { serviceErrorRates } from "../../platform/addons";

const TARGETS = [
    { name: "exams-db", host: "exams.cluster-abc.ap-southeast-1.rds.amazonaws.com", port: 5432 },
    { name: "users-db", host: "10.10.40.12", port: 3306 },
];

function configProblems(alerting: Record<string, unknown>): string {
    const raw = validRawConfig();
    try {
        parseConfig("test", { ...raw, alerting: { ...(raw.alerting as object), ...alerting } });
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
    }
    return "";
}

describe("observability: database probes and critical error rates", function () {
    this.timeout(120000);

    it("the Probe passes the prometheus-operator schema and probes every target over TCP", async () => {
        const p = databaseProbe(TARGETS);
        await validateManifest("prometheus-operator", p);
        const spec = p.spec as any;
        assert.equal(spec.jobName, DATABASE_PROBE_JOB);
        assert.equal(spec.module, "tcp_connect");
        assert.deepEqual(spec.targets.staticConfig.static, [
            "exams.cluster-abc.ap-southeast-1.rds.amazonaws.com:5432",
            "10.10.40.12:3306",
        ]);
        assert.equal(spec.targets.staticConfig.relabelingConfigs[1].replacement, "users-db");
        assert.match(spec.prober.url, new RegExp(`^${BLACKBOX_RELEASE}\\.monitoring\\.svc:9115$`));
        await assert.rejects(
            validateManifest("prometheus-operator", {
                ...p,
                spec: { ...spec, targets: { staticConfig: { static: "not-a-list" } } },
            } as { apiVersion: string; kind: string }),
        );
    });

    it("target problems name the arg, the value and what is allowed", () => {
        const problems = databaseTargetProblems("args.databaseTargets", [
            { name: "Exams", host: "db", port: 70000 },
            { name: "a", host: "bad host", port: 5432 },
            { name: "a", host: "db2", port: 1 },
        ]);
        assert.deepEqual(problems, [
            'args.databaseTargets[0].name "Exams" must be a Kubernetes-style name ([a-z0-9-])',
            "args.databaseTargets[0].port 70000 must be a whole number in 1-65535",
            'args.databaseTargets[1].host "bad host" must be a DNS name or IPv4 address',
            'args.databaseTargets[2].name "a" repeats args.databaseTargets[1]',
        ]);
    });

    it("config: alerting.databaseTargets and alerting.criticalErrorRates are checked with key, value and rule", () => {
        const msg = configProblems({
            databaseTargets: [{ name: "exams-db", host: "db.internal", port: 0 }],
            criticalErrorRates: { "payment-service": 0, Exam_Service: 2 },
        });
        assert.match(msg, /mesh-platform:alerting\.databaseTargets\[0\]\.port: .*\(got 0\)/);
        assert.match(
            msg,
            /mesh-platform:alerting\.criticalErrorRates\.payment-service: a percentage above 0 and at most 100 \(got 0\)/,
        );
        assert.match(msg, /mesh-platform:alerting\.criticalErrorRates.*Kubernetes Service name/);
        assert.equal(
            configProblems({ databaseTargets: TARGETS, criticalErrorRates: { a: 5 } }),
            "",
        );
    });

    it("config: the guide's thresholds by default, the stack's own when set", () => {
        const raw = validRawConfig();
        const dflt = parseConfig("test", raw);
        assert.deepEqual(dflt.alerting.criticalErrorRates, {
            "payment-service": 1,
            "exam-service": 2,
        });
        assert.deepEqual(serviceErrorRates(dflt.alerting.criticalErrorRates), [
            { service: "payment-service", maxErrorPercent: 1, team: "payments" },
            { service: "exam-service", maxErrorPercent: 2, team: "backend" },
        ]);
        const own = parseConfig("test", {
            ...raw,
            alerting: {
                ...(raw.alerting as object),
                criticalErrorRates: { "payment-service": 0.5 },
            },
        });
        assert.deepEqual(serviceErrorRates(own.alerting.criticalErrorRates), [
            { service: "payment-service", maxErrorPercent: 0.5, team: "payments" },
        ]);
    });

    it("the stack installs the blackbox exporter and the Probe only with targets", async () => {
        const raw = validRawConfig();
        const withTargets = await runStack("probes", {
            ...raw,
            alerting: { ...(raw.alerting as object), databaseTargets: TARGETS },
        });
        for (const c of ["singapore", "tokyo"]) {
            const rel = withTargets.one(
                "kubernetes:helm.sh/v3:Release",
                `${c}-observability-metrics-blackbox`,
            );
            const v = rel.inputs.values as any;
            assert.ok(v.resources.requests.memory, "the exporter has requests");
            assert.ok(v.config.modules.tcp_connect);
            withTargets.one(
                "kubernetes:monitoring.coreos.com/v1:Probe",
                `${c}-observability-metrics-probe-${DATABASE_PROBE_JOB}`,
            );
        }
        const prod = await runStack("prod");
        assert.equal(
            prod.resources.filter((r) => r.name.endsWith("-observability-metrics-blackbox")).length,
            0,
        );
    });
});
