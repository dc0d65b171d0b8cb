/**
 * The long-term store: a year of downsampled metrics, on a bucket per region that is encrypted,
 * private and reachable only by the Thanos identity (checked in the plans of the committed prod and
 * gcp stacks), and the global query addressing.
 */
import { strict as assert } from "assert";
import { runStack, RecordedRun, RecordedResource } from "../harness";
import {
    regionalQueryService,
    THANOS_RETENTION,
    thanosGlobalValues,
    thanosServiceAccounts,
    thanosValues,
} from "../../components/observability/thanos";

const SUBS = (region: string) => [
    `system:serviceaccount:monitoring:kube-prometheus-stack-prometheus-${region}`,
    `system:serviceaccount:thanos:thanos-store-gateway-${region}`,
    `system:serviceaccount:thanos:thanos-compact-${region}`,
];
const DAY = 86400;
/** Prometheus model durations (as Thanos parses its retention flags): 1y = 365d. */
function seconds(d: string): number {
    const m = /^(\d+)([dwy])$/.exec(d);
    if (!m) throw new Error(`unparsed duration ${d}`);
    return Number(m[1]) * { d: DAY, w: 7 * DAY, y: 365 * DAY }[m[2] as "d" | "w" | "y"];
}
const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
const values = (r: RecordedResource) => r.inputs.values as any;

describe("observability: Thanos long-term store", function () {
    it("the compactor keeps raw 30 days and the 5m/1h downsamples one year, downsampling on", () => {
        const v = thanosValues({
            cluster: "singapore",
            replicas: 2,
            serviceAccountAnnotations: {},
        });
        const args: string[] = v.compact ? (v.compact as any).extraArgs : [];
        const flag = (f: string) => args.find((a) => a.startsWith(`--${f}=`))?.split("=")[1];
        assert.equal(seconds(flag("retention.resolution-raw")!), 30 * DAY);
        assert.ok(seconds(flag("retention.resolution-5m")!) >= 365 * DAY);
        assert.ok(seconds(flag("retention.resolution-1h")!) >= 365 * DAY);
        assert.ok(!args.includes("--downsampling.disable"), "downsampling must stay enabled");
        assert.equal((v.compact as any).enabled, true);
        assert.equal((v.storeGateway as any).enabled, true);
        assert.equal(THANOS_RETENTION.raw, "30d");
    });

    it("the global query fans out to every region by per-cluster names, the regional one never does", () => {
        const g = thanosGlobalValues({
            cluster: "singapore",
            regions: ["singapore", "tokyo"],
            replicas: 2,
        }) as any;
        assert.deepEqual(g.query.additionalEndpoints, [
            "thanos-query.thanos.svc.cluster.local:10901",
            `${regionalQueryService("tokyo")}.thanos.svc.cluster.local:10901`,
        ]);
        assert.equal(g.storeGateway.enabled, false);
        assert.equal(g.compact.enabled, false);
        const r = thanosValues({
            cluster: "singapore",
            replicas: 2,
            serviceAccountAnnotations: {},
        }) as any;
        assert.ok(
            r.query.additionalEndpoints.every((e: string) => !/tokyo|global/.test(e)),
            "a regional query that called peers could loop with the peer's global query",
        );
        assert.equal(r.query.podLabels["mesh-platform.io/region"], "singapore");
    });

    describe("prod (AWS) plan", () => {
        let run: RecordedRun;
        before(async () => {
            run = await runStack("prod");
        });
        for (const region of ["singapore", "tokyo"]) {
            it(`${region}: bucket encrypted with its own KMS key, private, TLS only, protected`, () => {
                const bucket = run.one("aws:s3/bucket:Bucket", `${region}-thanos-bucket`);
                assert.equal(bucket.protect, true, "the bucket is protected in prod");
                const key = run.one("aws:kms/key:Key", `${region}-thanos-bucket-key`);
                assert.equal(key.protect, true);
                assert.equal(key.inputs.enableKeyRotation, true);
                const sse = run.one(
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    `${region}-thanos-bucket-encryption`,
                ).inputs as any;
                assert.equal(sse.bucket, bucket.id);
                const rule = sse.rules[0].applyServerSideEncryptionByDefault;
                assert.equal(rule.sseAlgorithm, "aws:kms");
                assert.equal(rule.kmsMasterKeyId, key.outputs.arn);
                const pab = run.one(
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    `${region}-thanos-bucket-public-access`,
                ).inputs as any;
                for (const k of [
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                ])
                    assert.equal(pab[k], true, k);
                const policy = json(
                    run.one("aws:s3/bucketPolicy:BucketPolicy", `${region}-thanos-bucket-tls-only`)
                        .inputs.policy,
                );
                const deny = policy.Statement.find((s: any) => s.Effect === "Deny");
                assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
                assert.ok(!policy.Statement.some((s: any) => s.Effect === "Allow"));
            });

            it(`${region}: only the Thanos role reaches the bucket, trusted by the three Thanos service accounts`, () => {
                const bucket = run.one("aws:s3/bucket:Bucket", `${region}-thanos-bucket`);
                const key = run.one("aws:kms/key:Key", `${region}-thanos-bucket-key`);
                const bucketArn = bucket.outputs.arn as string;
                const role = run.one("aws:iam/role:Role", `${region}-thanos-bucket-role`);
                const trust = json(role.inputs.assumeRolePolicy);
                assert.equal(trust.Statement.length, 1);
                const st = trust.Statement[0];
                assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
                assert.match(st.Principal.Federated, /oidc-provider/);
                const eq = st.Condition.StringEquals;
                const sub = Object.keys(eq).find((k) => k.endsWith(":sub"))!;
                const aud = Object.keys(eq).find((k) => k.endsWith(":aud"))!;
                assert.deepEqual([...eq[sub]].sort(), [...SUBS(region)].sort());
                assert.equal(eq[aud], "sts.amazonaws.com");
                assert.equal(Object.keys(st.Condition).length, 1, "no wildcard conditions");
                assert.deepEqual(
                    thanosServiceAccounts(region).map(
                        (s) => `system:serviceaccount:${s.namespace}:${s.name}`,
                    ),
                    SUBS(region),
                );

                const own = json(
                    run.one("aws:iam/rolePolicy:RolePolicy", `${region}-thanos-bucket-policy`)
                        .inputs.policy,
                );
                const resources = own.Statement.flatMap((s: any) => [s.Resource].flat());
                assert.deepEqual(
                    [...new Set(resources)].sort(),
                    [bucketArn, `${bucketArn}/*`, key.outputs.arn].sort(),
                );
                for (const s of own.Statement) {
                    assert.equal(s.Effect, "Allow");
                    for (const a of [s.Action].flat())
                        assert.ok(!a.endsWith("*"), `no wildcard action (${a})`);
                }

                // No other role's policy names the bucket or its key, and none grants s3 on "*".
                const thanosBuckets = run
                    .ofType("aws:s3/bucket:Bucket")
                    .filter((b) => b.name.includes("thanos-bucket"))
                    .map((b) => b.outputs.arn as string);
                const thanosKeys = run
                    .ofType("aws:kms/key:Key")
                    .filter((k) => k.name.includes("thanos-bucket"))
                    .map((k) => k.outputs.arn as string);
                for (const p of run.ofType("aws:iam/rolePolicy:RolePolicy")) {
                    if (p.name.includes("thanos-bucket")) continue;
                    const doc = json(p.inputs.policy);
                    for (const s of doc.Statement ?? []) {
                        if (s.Effect !== "Allow") continue;
                        const rs: string[] = [s.Resource ?? []].flat();
                        const acts: string[] = [s.Action ?? []].flat();
                        for (const r of rs) {
                            assert.ok(
                                ![...thanosBuckets, ...thanosKeys].some(
                                    (t) => r === t || r.startsWith(`${t}/`),
                                ),
                                `${p.name} reaches the Thanos bucket or key (${r})`,
                            );
                            if (r === "*")
                                assert.ok(
                                    !acts.some((a) => /^s3:(\*|GetObject|PutObject)$/.test(a)),
                                    `${p.name} grants ${acts.join(",")} on every bucket`,
                                );
                        }
                    }
                }
            });

            it(`${region}: the three service accounts carry the role; the sidecar uploads through a Secret`, () => {
                const role = run.one("aws:iam/role:Role", `${region}-thanos-bucket-role`);
                const arn = role.outputs.arn;
                const kps = values(
                    run.one(
                        "kubernetes:helm.sh/v3:Release",
                        `${region}-observability-metrics-release`,
                    ),
                );
                assert.equal(
                    kps.prometheus.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
                    arn,
                );
                assert.deepEqual(kps.prometheus.prometheusSpec.thanos.objectStorageConfig, {
                    existingSecret: { name: "thanos-objstore", key: "objstore.yaml" },
                });
                assert.ok(kps.prometheus.prometheusSpec.thanos.resources.requests.memory);
                const thanos = values(
                    run.one(
                        "kubernetes:helm.sh/v3:Release",
                        `${region}-observability-thanos-release`,
                    ),
                );
                for (const c of ["storeGateway", "compact"])
                    assert.equal(
                        thanos[c].serviceAccount.annotations["eks.amazonaws.com/role-arn"],
                        arn,
                    );
                assert.equal(
                    thanos.query.serviceAccount,
                    undefined,
                    "the queries never get the bucket identity",
                );
                const secret = run.one(
                    "kubernetes:core/v1:Secret",
                    `${region}-observability-metrics-objstore`,
                );
                const cfg = json((secret.plainInputs.stringData as any)["objstore.yaml"]);
                assert.equal(cfg.type, "S3");
                assert.equal(cfg.config.sse_config.type, "SSE-KMS");
                assert.equal(cfg.config.access_key, undefined, "no static credential");
                const ns = run.one(
                    "kubernetes:core/v1:Namespace",
                    `${region}-observability-thanos-namespace`,
                );
                assert.ok(
                    (ns.inputs.metadata as any).labels["istio.io/rev"],
                    "thanos joins the mesh",
                );
            });
        }

        it("every cluster declares every region's regional query name", () => {
            for (const c of ["singapore", "tokyo"])
                for (const r of ["singapore", "tokyo"]) {
                    const svc = run.one(
                        "kubernetes:core/v1:Service",
                        `${c}-observability-thanos-query-${r}`,
                    );
                    assert.equal((svc.inputs.spec as any).selector["mesh-platform.io/region"], r);
                }
        });
    });

    describe("gcp plan", () => {
        let run: RecordedRun;
        before(async () => {
            run = await runStack("gcp");
        });
        it("GCS bucket: uniform access, public access prevention, one bucket-level grant, Workload Identity for the three KSAs", () => {
            const buckets = run
                .ofType("gcp:storage/bucket:Bucket")
                .filter((b) => b.name.endsWith("-thanos-bucket"));
            assert.ok(buckets.length >= 2, "a bucket per region");
            const members: string[] = [];
            for (const b of buckets) {
                assert.equal(b.inputs.uniformBucketLevelAccess, true);
                assert.equal(b.inputs.publicAccessPrevention, "enforced");
                assert.equal(b.protect, run.outputs.environment === "prod");
                const grants = run
                    .ofType("gcp:storage/bucketIAMMember:BucketIAMMember")
                    .filter((g) => g.inputs.bucket === b.outputs.name);
                assert.equal(grants.length, 1);
                assert.equal(grants[0].inputs.role, "roles/storage.objectAdmin");
                const region = b.name.replace(/-thanos-bucket$/, "");
                const gsa = run.one(
                    "gcp:serviceaccount/account:Account",
                    `${region}-thanos-bucket-gsa`,
                );
                assert.equal(grants[0].inputs.member, `serviceAccount:${gsa.outputs.email}`);
                const wi = run
                    .ofType("gcp:serviceaccount/iAMMember:IAMMember")
                    .filter((m) => m.inputs.serviceAccountId === gsa.outputs.name)
                    .map((m) => String(m.inputs.member).replace(/^.*\[(.*)\]$/, "$1"))
                    .sort();
                assert.deepEqual(
                    wi,
                    SUBS(region)
                        .map((s) => s.replace("system:serviceaccount:", "").replace(":", "/"))
                        .sort(),
                );
                // Workload Identity names a KSA by project/namespace/name: the regions' accounts differ,
                // so neither region's pods can act as the other's bucket identity.
                members.push(...wi);
            }
            assert.equal(new Set(members).size, members.length, "a KSA bound in two regions");
            // No project-level storage role for the Thanos account.
            for (const m of run.ofType("gcp:projects/iAMMember:IAMMember"))
                assert.ok(!/thanos/.test(String(m.inputs.member)), String(m.inputs.member));
        });
    });
});
