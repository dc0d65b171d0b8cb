/**
 * Grafana's cloud identity and the DR dashboard's replication panels, on the plans of the committed
 * prod (AWS) and gcp stacks and of a one-region stack: the panels name the buckets, rule ids and
 * source regions the backup area declares (read from its BucketReplicationConfig and bucket resources,
 * not from the dashboard), the identity is trusted by exactly Grafana's service account of its cluster,
 * its AWS policy is exactly the CloudWatch reads, its GCP grants exactly monitoring.viewer on the
 * project, and Grafana's service account carries it.
 */
import { strict as assert } from "assert";
import { RecordedResource, RecordedRun, runStack } from "../harness";
import { validRawConfig } from "../support/fixtures";
import {
    CLOUD_MONITORING_DATASOURCE_UID,
    CLOUDWATCH_DATASOURCE_UID,
    DR_DASHBOARD,
    drDashboard,
    renderDashboard,
} from "../../components/observability/dashboards/catalog";
import { grafanaDataSources } from "../../components/observability/metrics";
import { GRAFANA_SERVICE_ACCOUNT } from "../../components/observability/grafana-identity";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const json = (v: unknown): any => (typeof v === "string" ? JSON.parse(v) : v);
const values = (r: RecordedResource): any => r.inputs.values;

type Target = Record<string, any>;
interface Panel {
    title: string;
    datasource: { type: string; uid: string };
    fieldConfig: { defaults: { thresholds?: { steps: { value: number | null }[] } } };
    targets: Target[];
}

function drPanels(run: RecordedRun, cluster: string): Panel[] {
    const cm = run.one(CONFIGMAP, `${cluster}-observability-metrics-dashboard-disaster-recovery`);
    const data = cm.inputs.data as Record<string, string>;
    return json(data[DR_DASHBOARD.file]).panels as Panel[];
}

const clustersOf = (run: RecordedRun) =>
    run
        .ofType(RELEASE)
        .filter((r) => r.name.endsWith("-observability-metrics-release"))
        .map((r) => r.name.replace(/-observability-metrics-release$/, ""))
        .sort();

/** Grafana's service account as the chart names it: `<release>-grafana` unless values set a name. */
function grafanaSa(release: RecordedResource): string {
    return values(release).grafana.serviceAccount?.name ?? `${String(release.inputs.name)}-grafana`;
}

describe("observability: Grafana's cloud identity and the DR replication panels", function () {
    this.timeout(600_000);

    describe("prod (AWS) plan", () => {
        let run: RecordedRun;
        before(async () => {
            run = await runStack("prod");
        });

        /** Every replication rule the backup area declares: source/destination bucket, rule id, region. */
        function rules() {
            return run
                .ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
                .flatMap((cfg) => {
                    const region = String(run.providerOf(cfg)!.inputs.region);
                    return (cfg.inputs.rules as any[]).map((rule) => ({
                        region,
                        SourceBucket: String(cfg.inputs.bucket),
                        DestinationBucket: String(rule.destination.bucket).replace(
                            /^arn:aws:s3:::/,
                            "",
                        ),
                        RuleId: String(rule.id),
                        rtcSeconds: Number(rule.destination.replicationTime.time.minutes) * 60,
                    }));
                });
        }

        it("the backup area declares one rule per direction (the premise of the panels)", () => {
            const rs = rules();
            assert.equal(rs.length, 2);
            assert.notEqual(rs[0].region, rs[1].region);
            assert.equal(rs[0].SourceBucket, rs[1].DestinationBucket);
            assert.equal(rs[1].SourceBucket, rs[0].DestinationBucket);
        });

        for (const cluster of ["singapore", "tokyo"]) {
            it(`${cluster}: latency, pending and failed panels query every rule in its source region`, () => {
                const expected = rules();
                const panels = drPanels(run, cluster).filter(
                    (p) => p.datasource.type === "cloudwatch",
                );
                assert.equal(panels.length, 2);
                const queried = (metric: string, statistic: string) =>
                    panels
                        .flatMap((p) => p.targets)
                        .filter((t) => t.metricName === metric)
                        .map((t) => {
                            assert.equal(t.statistic, statistic, metric);
                            assert.equal(t.namespace, "AWS/S3");
                            assert.equal(t.matchExact, true);
                            assert.equal(t.datasource.uid, CLOUDWATCH_DATASOURCE_UID);
                            return { region: t.region, ...t.dimensions };
                        })
                        .sort((a, b) => a.region.localeCompare(b.region));
                const want = expected
                    .map(({ region, SourceBucket, DestinationBucket, RuleId }) => ({
                        region,
                        SourceBucket,
                        DestinationBucket,
                        RuleId,
                    }))
                    .sort((a, b) => a.region.localeCompare(b.region));
                assert.deepEqual(queried("ReplicationLatency", "Maximum"), want);
                assert.deepEqual(queried("OperationsPendingReplication", "Maximum"), want);
                assert.deepEqual(queried("OperationsFailedReplication", "Sum"), want);
                // The RTC threshold of the rules is the latency panel's reference line.
                const latency = panels.find((p) =>
                    p.targets.some((t) => t.metricName === "ReplicationLatency"),
                )!;
                const steps = latency.fieldConfig.defaults.thresholds!.steps;
                assert.deepEqual(
                    steps.filter((s) => s.value !== null).map((s) => s.value),
                    [...new Set(expected.map((r) => r.rtcSeconds))],
                );
            });

            it(`${cluster}: the role trusts exactly Grafana's service account of this cluster`, () => {
                const release = run.one(RELEASE, `${cluster}-observability-metrics-release`);
                const sa = grafanaSa(release);
                assert.equal(sa, `${String(release.inputs.name)}-grafana`, "the chart's own name");
                const role = run.one("aws:iam/role:Role", `${cluster}-grafana-identity-role`);
                const oidc = run
                    .ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
                    .find((o) => run.providerOf(o) === run.providerOf(role))!;
                const trust = json(role.inputs.assumeRolePolicy);
                assert.equal(trust.Statement.length, 1);
                const st = trust.Statement[0];
                assert.equal(st.Effect, "Allow");
                assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
                assert.deepEqual(st.Principal, { Federated: oidc.outputs.arn });
                assert.deepEqual(Object.keys(st.Condition), ["StringEquals"]);
                const issuer = String(oidc.inputs.url).replace(/^https:\/\//, "");
                assert.deepEqual(st.Condition.StringEquals, {
                    [`${issuer}:sub`]: `system:serviceaccount:monitoring:${sa}`,
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                });
            });

            it(`${cluster}: the policy is exactly GetMetricData and ListMetrics on *, nothing attached`, () => {
                const role = run.one("aws:iam/role:Role", `${cluster}-grafana-identity-role`);
                const policies = run
                    .ofType("aws:iam/rolePolicy:RolePolicy")
                    .filter((p) => p.inputs.role === role.outputs.name);
                assert.equal(policies.length, 1);
                const doc = json(policies[0].inputs.policy);
                assert.deepEqual(
                    doc.Statement.map((s: any) => [s.Effect, [s.Action].flat().sort(), s.Resource]),
                    [["Allow", ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], "*"]],
                );
                assert.equal(
                    run
                        .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                        .filter((a) => a.inputs.role === role.outputs.name).length,
                    0,
                );
                assert.equal(role.inputs.managedPolicyArns, undefined);
            });

            it(`${cluster}: Grafana's service account carries the role; CloudWatch reads in the cluster's region`, () => {
                const release = run.one(RELEASE, `${cluster}-observability-metrics-release`);
                const role = run.one("aws:iam/role:Role", `${cluster}-grafana-identity-role`);
                const grafana = values(release).grafana;
                assert.deepEqual(grafana.serviceAccount.annotations, {
                    "eks.amazonaws.com/role-arn": role.outputs.arn,
                });
                const cw = grafana.additionalDataSources.filter(
                    (d: any) => d.type === "cloudwatch",
                );
                assert.equal(cw.length, 1);
                assert.equal(cw[0].uid, CLOUDWATCH_DATASOURCE_UID);
                assert.deepEqual(cw[0].jsonData, {
                    authType: "default",
                    defaultRegion: run.providerOf(role)!.inputs.region,
                });
                assert.ok(
                    !grafana.additionalDataSources.some((d: any) => d.type === "stackdriver"),
                );
            });
        }
    });

    describe("gcp plan", () => {
        let run: RecordedRun;
        before(async () => {
            run = await runStack("gcp");
        });

        /** The dual-region backup buckets with turbo replication the backup area declares. */
        const turboBuckets = () =>
            run
                .ofType("gcp:storage/bucket:Bucket")
                .filter((b) => b.inputs.rpo === "ASYNC_TURBO")
                .map((b) => ({ bucket: String(b.outputs.name), project: String(b.inputs.project) }))
                .sort((a, b) => a.bucket.localeCompare(b.bucket));

        it("every cluster's DR dashboard shows the turbo replication of every backup bucket", () => {
            const want = turboBuckets();
            assert.equal(want.length, 2, "a dual-region bucket per region");
            for (const cluster of clustersOf(run)) {
                const panels = drPanels(run, cluster).filter(
                    (p) => p.datasource.type === "stackdriver",
                );
                assert.ok(panels.length >= 1, cluster);
                assert.ok(!drPanels(run, cluster).some((p) => p.datasource.type === "cloudwatch"));
                const delay = panels.find((p) =>
                    p.targets.some((t) =>
                        t.timeSeriesList.filters.includes(
                            "storage.googleapis.com/replication/turbo_max_delay",
                        ),
                    ),
                )!;
                assert.ok(delay, "turbo_max_delay panel");
                for (const p of panels) {
                    const got = p.targets
                        .map((t) => {
                            assert.equal(t.datasource.uid, CLOUD_MONITORING_DATASOURCE_UID);
                            const f: string[] = t.timeSeriesList.filters;
                            const i = f.indexOf("resource.label.bucket_name");
                            return { bucket: f[i + 2], project: t.timeSeriesList.projectName };
                        })
                        .sort((a, b) => a.bucket.localeCompare(b.bucket));
                    assert.deepEqual(got, want, `${cluster}: ${p.title}`);
                }
                const line = delay.fieldConfig.defaults.thresholds!.steps.find(
                    (s) => s.value !== null,
                );
                assert.equal(line?.value, 15 * 60, "turbo replication's 15-minute RPO");
            }
        });

        for (const cluster of ["singapore", "tokyo"]) {
            it(`${cluster}: one Google service account, bound to Grafana's KSA only, monitoring.viewer on the project only`, () => {
                const release = run.one(RELEASE, `${cluster}-observability-metrics-release`);
                const sa = grafanaSa(release);
                assert.equal(sa, `${GRAFANA_SERVICE_ACCOUNT}-${cluster}`, "named per region");
                const gsa = run.one(
                    "gcp:serviceaccount/account:Account",
                    `${cluster}-grafana-identity-gsa`,
                );
                const gke = run
                    .ofType("gcp:container/cluster:Cluster")
                    .find((c) => run.providerOf(c) === run.providerOf(gsa))!;
                const pool = (gke.inputs.workloadIdentityConfig as any).workloadPool;
                const wi = run
                    .ofType("gcp:serviceaccount/iAMMember:IAMMember")
                    .filter((m) => m.inputs.serviceAccountId === gsa.outputs.name);
                assert.deepEqual(
                    wi.map((m) => [m.inputs.role, m.inputs.member]),
                    [
                        [
                            "roles/iam.workloadIdentityUser",
                            `serviceAccount:${pool}[monitoring/${sa}]`,
                        ],
                    ],
                );
                const member = `serviceAccount:${gsa.outputs.email}`;
                const grants = run
                    .ofType("gcp:projects/iAMMember:IAMMember")
                    .filter((m) => m.inputs.member === member);
                assert.deepEqual(
                    grants.map((g) => [g.inputs.role, g.inputs.project]),
                    [["roles/monitoring.viewer", String(pool).replace(/\.svc\.id\.goog$/, "")]],
                );
                for (const t of [
                    "bucketIAMMember:BucketIAMMember",
                    "bucketIAMBinding:BucketIAMBinding",
                ])
                    assert.ok(
                        !run
                            .ofType(`gcp:storage/${t}`)
                            .some((b) =>
                                JSON.stringify(b.inputs).includes(String(gsa.outputs.email)),
                            ),
                        t,
                    );
                const grafana = values(release).grafana;
                assert.deepEqual(grafana.serviceAccount.annotations, {
                    "iam.gke.io/gcp-service-account": gsa.outputs.email,
                });
                const gcm = grafana.additionalDataSources.filter(
                    (d: any) => d.type === "stackdriver",
                );
                assert.equal(gcm.length, 1);
                assert.deepEqual(gcm[0].jsonData, {
                    authenticationType: "gce",
                    defaultProject: gsa.inputs.project,
                });
            });
        }
    });

    it("a one-region stack has no replication panels (and Grafana still its identity)", async () => {
        const raw = validRawConfig();
        const run = await runStack("one-region", {
            ...raw,
            regions: [(raw.regions as unknown[])[0]],
        });
        assert.equal(
            run.ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig").length,
            0,
        );
        const [cluster] = clustersOf(run);
        const panels = drPanels(run, cluster);
        assert.ok(panels.every((p) => p.datasource.type === "prometheus"));
        assert.deepEqual(panels, (renderDashboard(DR_DASHBOARD) as { panels: unknown }).panels);
        run.one("aws:iam/role:Role", `${cluster}-grafana-identity-role`);
    });

    it("data sources: the cloud entry only with an identity, one per cloud", () => {
        const types = (o: Parameters<typeof grafanaDataSources>[0]) =>
            grafanaDataSources(o).map((d) => d.type);
        assert.ok(!types({}).includes("cloudwatch"));
        assert.ok(!types({}).includes("stackdriver"));
        assert.deepEqual(
            types({ cloudMetrics: { cloud: "aws", region: "ap-southeast-1" } }).filter(
                (t) => t === "cloudwatch" || t === "stackdriver",
            ),
            ["cloudwatch"],
        );
        assert.deepEqual(
            types({ cloudMetrics: { cloud: "gcp", project: "p" } }).filter(
                (t) => t === "cloudwatch" || t === "stackdriver",
            ),
            ["stackdriver"],
        );
        // drDashboard without replication is the dashboard as written.
        assert.deepEqual(drDashboard(), DR_DASHBOARD);
    });
});
