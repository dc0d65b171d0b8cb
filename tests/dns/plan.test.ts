import { strict as assert } from "assert";
import { RecordedRun, runStack } from "../harness";
import { parseDrillOutputs } from "../../drill/outputs";
import { drillOutputsSchema, drillRegionSchema } from "../../lib/drill-contract";
import { DR_TARGETS } from "../../platform/outputs";

type Values = Record<string, any>;

describe("dns failover and drill outputs in the stack plans", () => {
    describe("prod (Route 53)", () => {
        let run: RecordedRun;
        before(async () => {
            run = await runStack("prod");
        });

        it("health-checks both ingress gateways and points PRIMARY/SECONDARY records at them", () => {
            const checks = run
                .ofType("aws:route53/healthCheck:HealthCheck")
                .filter((c) => c.inputs.type === "HTTP");
            const calculated = run
                .ofType("aws:route53/healthCheck:HealthCheck")
                .filter((c) => c.inputs.type === "CALCULATED");
            assert.deepEqual(
                checks.map((c) => [
                    c.name,
                    c.inputs.type,
                    c.inputs.port,
                    c.inputs.resourcePath,
                    c.ignoreChanges,
                ]),
                [
                    [
                        "dns-singapore-health",
                        "HTTP",
                        15021,
                        "/healthz/ready",
                        ["invertHealthcheck"],
                    ],
                    ["dns-tokyo-health", "HTTP", 15021, "/healthz/ready", ["invertHealthcheck"]],
                ],
            );
            const records = run
                .ofType("aws:route53/record:Record")
                .filter((r) => r.inputs.failoverRoutingPolicies);
            assert.deepEqual(
                records.map((r) => [
                    r.name,
                    r.inputs.name,
                    r.inputs.type,
                    r.inputs.ttl,
                    (r.inputs.failoverRoutingPolicies as Values[])[0].type,
                ]),
                [
                    ["dns-singapore-record", "app.learn.example.com", "A", undefined, "PRIMARY"],
                    ["dns-tokyo-record", "app.learn.example.com", "A", undefined, "SECONDARY"],
                ],
            );
            assert.equal(records[0].inputs.healthCheckId, calculated[0].id);
            assert.equal(records[1].inputs.healthCheckId, calculated[1].id);
            assert.equal(run.providerOf(records[0])?.name, run.providerOf(checks[0])?.name);
            assert.notDeepEqual(records[0].inputs.aliases, records[1].inputs.aliases);
        });

        it("exports the worst-case failover and a drill object the drill CLI accepts", () => {
            assert.equal(run.outputs.worstCaseFailoverSeconds, 102);
            const drill = parseDrillOutputs(run.outputs, "prod outputs");
            assert.equal(drill.stack, "prod");
            assert.equal(drill.dns.worstCaseFailoverSeconds, 102);
            assert.deepEqual(drill.targets, {
                detectionSeconds: 120,
                failoverSeconds: 120,
                recoverySeconds: 1800,
                examsRpoMinutes: 60,
            });
            const check = (r: string) =>
                run.one("aws:route53/healthCheck:HealthCheck", `dns-${r}-calculated-health`);
            const alias = (r: string) =>
                (
                    run.one("aws:route53/record:Record", `dns-${r}-record`).inputs
                        .aliases as Values[]
                )[0].name as string;
            assert.deepEqual(
                drill.regions.map((r) => [
                    r.name,
                    r.primary,
                    r.healthCheckId,
                    r.ingressHostname,
                    r.veleroNamespace,
                ]),
                [
                    ["singapore", true, check("singapore").id, alias("singapore"), "velero"],
                    ["tokyo", false, check("tokyo").id, alias("tokyo"), "velero"],
                ],
            );
            assert.equal(
                drill.regions[1].backupBucket,
                run.one("aws:s3/bucket:Bucket", "backup-tokyo").outputs.bucket,
            );
            assert.match(drill.regions[0].kubeconfig, /apiVersion|clusters/);
        });

        it("produces exactly the keys of the one drill contract, with the platform's DR targets", () => {
            const raw = run.outputs.drill as Values;
            assert.deepEqual(Object.keys(raw).sort(), Object.keys(drillOutputsSchema.shape).sort());
            for (const r of raw.regions as Values[])
                assert.deepEqual(
                    Object.keys(r).sort(),
                    Object.keys(drillRegionSchema.shape).sort(),
                );
            assert.deepEqual(
                Object.keys(raw.dns).sort(),
                Object.keys(drillOutputsSchema.shape.dns.shape).sort(),
            );
            assert.deepEqual(raw.targets, { ...DR_TARGETS, examsRpoMinutes: 60 });
        });
    });

    it("gcp fails over with a Cloud DNS primary-backup record set and exports its 165 s worst case", async () => {
        const run = await runStack("gcp");
        const rec = run.one("gcp:dns/recordSet:RecordSet", "dns-record");
        const policy = rec.inputs.routingPolicy as Values;
        assert.equal(
            policy.healthCheck,
            run.one("gcp:compute/healthCheck:HealthCheck", "dns-health").id,
        );
        assert.equal(policy.primaryBackup.backupGeos[0].location, "asia-northeast1");
        assert.equal(policy.primaryBackup.primary.externalEndpoints.length, 1);
        assert.equal(run.outputs.worstCaseFailoverSeconds, 165);
        assert.equal(parseDrillOutputs(run.outputs, "gcp outputs").dns.provider, "clouddns");
        assert.equal(run.ofType("aws:route53/healthCheck:HealthCheck").length, 0);
    });
});
