/**
 * The access matrix on the committed stacks (every row holds, except KNOWN_FAILING), and mutation
 * tests that break one link of a chain at a time and show the matrix catches each one.
 */
import { strict as assert } from "assert";
import { accessMatrix, failing, kubeconfigRoles, type AccessRow } from "../../policies/access";
import type { PlanResource } from "../../lib/plan-format";
import { committedStacks, runStack, type RecordedResource } from "../harness";

/**
 * Rows known not to hold on this branch, keyed `kind|subject|action` (or `kind|subject|action|resource`
 * where one action has rows that hold and rows that do not), with the reason. The committed-stacks
 * test prints the ones it excuses, per stack, and fails on an entry no stack needs any more, so the
 * set shrinks as the fixes merge. Empty: every row of every committed stack holds.
 */
export const KNOWN_FAILING: ReadonlyMap<string, string> = new Map<string, string>([]);
const key = (r: AccessRow) => `${r.kind}|${r.subject}|${r.action}`;
/** The KNOWN_FAILING entry that excuses `r`, if any. */
const knownAs = (r: AccessRow) =>
    [key(r), `${key(r)}|${r.resource}`].find((k) => KNOWN_FAILING.has(k));
const excusedBy = new Map<string, string[]>();
const evaluated = new Set<string>();

function matrix(resources: readonly (PlanResource & { plainInputs?: Record<string, unknown> })[]) {
    return accessMatrix(resources, { kubeconfigRoles: kubeconfigRoles(resources) });
}

type Mutate = (rs: PlanResource[]) => PlanResource[];
const edit =
    (
        type: string,
        pick: (r: PlanResource) => boolean,
        f: (inputs: Record<string, unknown>) => Record<string, unknown>,
    ): Mutate =>
    (rs) => {
        let hit = 0;
        const out = rs.map((r) =>
            r.type === type && pick(r)
                ? (hit++, { ...r, inputs: f(structuredClone(r.inputs)) })
                : r,
        );
        assert.ok(hit > 0, `mutation found no ${type}`);
        return out;
    };

describe("access matrix", function () {
    this.timeout(600_000);
    for (const stack of committedStacks()) {
        it(`${stack}: every row holds (except KNOWN_FAILING)`, async () => {
            const run = await runStack(stack);
            const ev = matrix(run.resources);
            assert.ok(ev.rows.length > 20, "the matrix has rows");
            const bad = failing(ev.rows).filter((r) => !knownAs(r));
            assert.deepEqual(bad, [], JSON.stringify(bad, null, 2));
            evaluated.add(stack);
            const known = failing(ev.rows).filter((r) => knownAs(r));
            for (const r of known) {
                const k = knownAs(r)!;
                excusedBy.set(k, [...(excusedBy.get(k) ?? []), stack]);
            }
            if (known.length > 0) {
                console.log(`      ${stack}: ${known.length} KNOWN_FAILING row(s) excused:`);
                for (const r of known)
                    console.log(
                        `        - ${key(r)} | ${r.resource}\n          because: ${KNOWN_FAILING.get(knownAs(r)!)}`,
                    );
            }
            for (const k of ["network", "rbac", "mesh"])
                assert.ok(
                    ev.rows.some((r) => r.kind === k),
                    k,
                );
            assert.deepEqual(ev.skipped, []);
        });
    }

    it("every KNOWN_FAILING entry is still needed by some committed stack", function () {
        // Only meaningful after every committed stack ran (not under --grep of one stack).
        if (committedStacks().some((s) => !evaluated.has(s))) this.skip();
        const stale = [...KNOWN_FAILING.keys()].filter((k) => !excusedBy.has(k));
        assert.deepEqual(
            stale,
            [],
            `these rows hold now: remove them from KNOWN_FAILING in tests/access/matrix.test.ts`,
        );
    });

    describe("mutations on prod (one broken link each)", () => {
        let base: RecordedResource[];
        before(async () => {
            base = (await runStack("prod")).resources;
        });
        const newFailures = (m: Mutate) => {
            const roles = kubeconfigRoles(base);
            const before = new Set(
                failing(accessMatrix(base, { kubeconfigRoles: roles }).rows).map(key),
            );
            return failing(
                accessMatrix(m(structuredClone(base) as PlanResource[]), { kubeconfigRoles: roles })
                    .rows,
            ).filter((r) => !before.has(key(r)));
        };
        const caught = (m: Mutate, match: RegExp) => {
            const f = newFailures(m);
            assert.ok(
                f.some((r) => match.test(`${r.subject} | ${r.action} | ${r.resource}`)),
                `not caught: ${JSON.stringify(f.map(key))}`,
            );
        };

        it("drop a KMS grant from the replication role", () =>
            caught(
                edit(
                    "aws:iam/rolePolicy:RolePolicy",
                    (r) => r.name === "backup-singapore-to-tokyo-policy",
                    (i) => {
                        const d = JSON.parse(String(i.policy)) as {
                            Statement: { Action: string[] }[];
                        };
                        d.Statement = d.Statement.filter((s) => !s.Action.includes("kms:Encrypt"));
                        return { ...i, policy: JSON.stringify(d) };
                    },
                ),
                /replication role backup-singapore-to-tokyo/,
            ));
        it("widen the API security group to 0.0.0.0/0", () =>
            caught(
                edit(
                    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                    (r) => r.name === "tokyo-api-10-10-0-0-16",
                    (i) => ({ ...i, cidrIpv4: "0.0.0.0/0" }),
                ),
                /0\.0\.0\.0\/0.*mesh-prod-tokyo/,
            ));
        it("remove a route of the region peering", () =>
            caught(
                (rs) => rs.filter((r) => r.name !== "peering-singapore-tokyo-tokyo-to-singapore-1"),
                /istiod tokyo|tokyo VPC/,
            ));
        it("widen the Velero trust condition to any service account", () =>
            caught(
                edit(
                    "aws:iam/role:Role",
                    (r) => r.name === "backup-singapore-velero-identity-role",
                    (i) => ({
                        ...i,
                        assumeRolePolicy: String(i.assumeRolePolicy)
                            .replace('"StringEquals"', '"StringLike"')
                            .replace(
                                "system:serviceaccount:velero:velero",
                                "system:serviceaccount:*",
                            ),
                    }),
                ),
                /system:serviceaccount:default:default \(singapore\).*AssumeRoleWithWebIdentity/,
            ));
        it("add a ClusterRoleBinding to secrets", () =>
            caught((rs) => {
                const crb = rs.find(
                    (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                )!;
                const role: PlanResource = {
                    ...crb,
                    urn: `${crb.urn}-reader`,
                    name: "secret-reader",
                    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                    inputs: {
                        metadata: { name: "secret-reader" },
                        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
                    },
                };
                const bind: PlanResource = {
                    ...crb,
                    urn: `${crb.urn}-bind`,
                    name: "secret-reader-binding",
                    inputs: {
                        metadata: { name: "secret-reader" },
                        roleRef: {
                            apiGroup: "rbac.authorization.k8s.io",
                            kind: "ClusterRole",
                            name: "secret-reader",
                        },
                        subjects: [
                            { kind: "ServiceAccount", name: "default", namespace: "monitoring" },
                        ],
                    },
                };
                return [...rs, role, bind];
            }, /monitoring:default.*read secrets/));
        it("let another service call user-service data paths", () =>
            caught(
                edit(
                    "kubernetes:security.istio.io/v1:AuthorizationPolicy",
                    (r) => r.name.endsWith("user-user-data-protection"),
                    (i) => {
                        const s = i.spec as {
                            rules: { from: { source: { principals: string[] } }[] }[];
                        };
                        s.rules[0].from[0].source.principals.push(
                            "cluster.local/ns/content/sa/content-delivery",
                        );
                        return i;
                    },
                ),
                /content-delivery.*another service/,
            ));
        it("raise the IMDS hop limit", () =>
            caught(
                edit(
                    "aws:ec2/launchTemplate:LaunchTemplate",
                    (r) => r.name === "singapore-workloads",
                    (i) => ({
                        ...i,
                        metadataOptions: {
                            ...(i.metadataOptions as object),
                            httpPutResponseHopLimit: 2,
                        },
                    }),
                ),
                /IMDS/,
            ));
        it("make the east-west gateway internet-facing without source ranges", () =>
            caught(
                edit(
                    "kubernetes:helm.sh/v3:Release",
                    (r) => r.name === "mesh-tokyo-eastwest",
                    (i) => {
                        const v = i.values as {
                            service: {
                                annotations: Record<string, string>;
                                loadBalancerSourceRanges?: string[];
                            };
                        };
                        v.service.annotations[
                            "service.beta.kubernetes.io/aws-load-balancer-scheme"
                        ] = "internet-facing";
                        delete v.service.loadBalancerSourceRanges;
                        return i;
                    },
                ),
                /internet.*15443/,
            ));
        it("widen Grafana's trust to every service account of monitoring", () =>
            caught(
                edit(
                    "aws:iam/role:Role",
                    (r) => r.name === "singapore-grafana-identity-role",
                    (i) => ({
                        ...i,
                        assumeRolePolicy: String(i.assumeRolePolicy)
                            .replace('"StringEquals"', '"StringLike"')
                            .replace(
                                "system:serviceaccount:monitoring:kube-prometheus-stack-grafana",
                                "system:serviceaccount:monitoring:*",
                            ),
                    }),
                ),
                /every other service account of singapore.*AssumeRoleWithWebIdentity.*singapore-grafana-identity-role/,
            ));
        it("let Grafana's role read objects of every bucket", () =>
            caught(
                edit(
                    "aws:iam/rolePolicy:RolePolicy",
                    (r) => r.name === "tokyo-grafana-identity-policy",
                    (i) => {
                        const d = JSON.parse(String(i.policy)) as { Statement: unknown[] };
                        d.Statement.push({
                            Effect: "Allow",
                            Action: ["s3:GetObject"],
                            Resource: "arn:aws:s3:::*/*",
                        });
                        return { ...i, policy: JSON.stringify(d) };
                    },
                ),
                /kube-prometheus-stack-grafana \(tokyo\).*s3:GetObject.*backup-singapore/,
            ));
        it("let Grafana's role decrypt with any key", () =>
            caught(
                edit(
                    "aws:iam/rolePolicy:RolePolicy",
                    (r) => r.name === "singapore-grafana-identity-policy",
                    (i) => {
                        const d = JSON.parse(String(i.policy)) as { Statement: unknown[] };
                        d.Statement.push({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" });
                        return { ...i, policy: JSON.stringify(d) };
                    },
                ),
                /kube-prometheus-stack-grafana \(singapore\).*kms:Decrypt.*thanos-bucket-key/,
            ));
        it("drop GetMetricData from Grafana's role", () =>
            caught(
                edit(
                    "aws:iam/rolePolicy:RolePolicy",
                    (r) => r.name === "singapore-grafana-identity-policy",
                    (i) => ({
                        ...i,
                        policy: String(i.policy).replace('"cloudwatch:GetMetricData",', ""),
                    }),
                ),
                /kube-prometheus-stack-grafana \(singapore\).*cloudwatch:GetMetricData/,
            ));
        it("cert-manager may change any hosted zone", () =>
            caught(
                edit(
                    "aws:iam/rolePolicy:RolePolicy",
                    (r) => r.name === "tokyo-certificates-dns01-policy",
                    (i) => ({
                        ...i,
                        policy: String(i.policy).replace(
                            "hostedzone/Z0123456789EXAMPLE",
                            "hostedzone/*",
                        ),
                    }),
                ),
                /cert-manager.*any other hosted zone/,
            ));
    });

    describe("mutations on gcp (one broken link each)", () => {
        let base: RecordedResource[];
        before(async () => {
            base = (await runStack("gcp")).resources;
        });
        const caught = (m: Mutate, match: RegExp) => {
            const before = new Set(failing(matrix(base).rows).map(key));
            const f = failing(matrix(m(structuredClone(base) as PlanResource[])).rows).filter(
                (r) => !before.has(key(r)),
            );
            assert.ok(
                f.some((r) => match.test(`${r.subject} | ${r.action} | ${r.resource}`)),
                `not caught: ${JSON.stringify(f.map(key))}`,
            );
        };
        const add =
            (like: string, name: string, inputs: Record<string, unknown>): Mutate =>
            (rs) => {
                const t = rs.find((r) => r.type === like)!;
                assert.ok(t, `no ${like} to copy`);
                return [...rs, { ...t, urn: `${t.urn}-${name}`, name, inputs }];
            };

        it("open a firewall rule on 15443 to 0.0.0.0/0", () =>
            caught(
                edit(
                    "gcp:compute/firewall:Firewall",
                    (r) => r.name === "tokyo-istio-webhook",
                    (i) => ({
                        ...i,
                        sourceRanges: ["0.0.0.0/0"],
                        allows: [{ protocol: "tcp", ports: ["15000-15443"] }],
                    }),
                ),
                /internet.*15443 to the nodes.*tokyo/,
            ));
        // The CA material lives in Secret Manager (the CA vault), no longer in the backup buckets.
        it("grant the node service account secretAccessor on the project", () =>
            caught(
                add("gcp:projects/iAMMember:IAMMember", "nodes-secret-accessor", {
                    project: "edtech-platform-prod",
                    role: "roles/secretmanager.secretAccessor",
                    member: "serviceAccount:singapore-gke-nodes@edtech-platform-prod.iam.gserviceaccount.com",
                }),
                /singapore-gke-nodes.*node SA.*read mesh root CA/,
            ));
        it("a secret with the CA, readable by cert-manager's GSA", () =>
            caught(
                (rs) =>
                    add("gcp:storage/bucketIAMMember:BucketIAMMember", "ca-accessor", {
                        secretId: "projects/edtech-platform-prod/secrets/mesh-ca-root",
                        role: "roles/secretmanager.secretAccessor",
                        member: "serviceAccount:tokyo-certificates-dns01@edtech-platform-prod.iam.gserviceaccount.com",
                    })(
                        add("gcp:storage/bucket:Bucket", "mesh-ca-secret", {
                            secretId: "mesh-ca-root",
                            project: "edtech-platform-prod",
                        })(rs),
                    ).map((r) =>
                        r.name === "mesh-ca-secret"
                            ? { ...r, type: "gcp:secretmanager/secret:Secret" }
                            : r.name === "ca-accessor"
                              ? { ...r, type: "gcp:secretmanager/secretIamMember:SecretIamMember" }
                              : r,
                    ),
                /cert-manager\/cert-manager \(tokyo\).*read mesh root CA.*secret mesh-ca-root/,
            ));
        it("bind the Tokyo Velero GSA to the Singapore Velero KSA (workload pool sameness)", () =>
            caught(
                edit(
                    "gcp:serviceaccount/iAMMember:IAMMember",
                    (r) => r.name === "backup-tokyo-velero-identity-wi-user",
                    (i) => ({
                        ...i,
                        member: "serviceAccount:edtech-platform-prod.svc.id.goog[velero/velero-singapore]",
                    }),
                ),
                /velero\/velero-singapore \(singapore\).*write the peer's bucket.*backup-tokyo/,
            ));
        it("grant cert-manager's GSA roles/dns.admin on the project", () =>
            caught(
                add("gcp:projects/iAMMember:IAMMember", "cm-project-dns-admin", {
                    project: "edtech-platform-prod",
                    role: "roles/dns.admin",
                    member: "serviceAccount:singapore-certificates-dns01@edtech-platform-prod.iam.gserviceaccount.com",
                }),
                /cert-manager\/cert-manager \(singapore\).*any other managed zone/,
            ));
        it("let default/default act as the Velero GSA", () =>
            caught(
                edit(
                    "gcp:serviceaccount/iAMMember:IAMMember",
                    (r) => r.name === "backup-tokyo-velero-identity-wi-user",
                    (i) => ({
                        ...i,
                        member: "serviceAccount:edtech-platform-prod.svc.id.goog[default/default]",
                    }),
                ),
                /default\/default.*getAccessToken/,
            ));
        it("grant Grafana's GSA objectViewer on a backup bucket", () =>
            caught(
                (rs) =>
                    add("gcp:storage/bucketIAMMember:BucketIAMMember", "grafana-reads-backups", {
                        // The physical name, as the backup area's own grants name it.
                        bucket: rs.find((r) => r.name === "backup-tokyo-velero-bucket-admin")!
                            .inputs.bucket,
                        role: "roles/storage.objectViewer",
                        member: "serviceAccount:singapore-grafana-identity@edtech-platform-prod.iam.gserviceaccount.com",
                    })(rs),
                /kube-prometheus-stack-grafana-singapore \(singapore\).*read objects.*gs:\/\/backup-tokyo/,
            ));
        it("bind Tokyo's Grafana KSA to Singapore's Grafana GSA", () =>
            caught(
                add("gcp:serviceaccount/iAMMember:IAMMember", "grafana-cross-region", {
                    serviceAccountId:
                        "projects/edtech-platform-prod/serviceAccounts/singapore-grafana-identity@edtech-platform-prod.iam.gserviceaccount.com",
                    role: "roles/iam.workloadIdentityUser",
                    member: "serviceAccount:edtech-platform-prod.svc.id.goog[monitoring/kube-prometheus-stack-grafana-tokyo]",
                }),
                /but monitoring\/kube-prometheus-stack-grafana-singapore.*getAccessToken.*singapore-grafana-identity@/,
            ));
        it("drop monitoring.viewer from Grafana's GSA", () =>
            caught(
                (rs) => rs.filter((r) => r.name !== "tokyo-grafana-identity-monitoring-viewer"),
                /kube-prometheus-stack-grafana-tokyo \(tokyo\).*monitoring\.timeSeries\.list/,
            ));
        it("remove one half of the region peering", () =>
            caught(
                (rs) => rs.filter((r) => r.name !== "peering-singapore-tokyo-tokyo-to-singapore"),
                /pods.*15443 \(east-west\)/,
            ));
        it("turn off global access on the east-west internal load balancer", () =>
            caught(
                edit(
                    "kubernetes:helm.sh/v3:Release",
                    (r) => r.name === "mesh-tokyo-eastwest",
                    (i) => {
                        const v = i.values as { service: { annotations: Record<string, string> } };
                        delete v.service.annotations[
                            "networking.gke.io/internal-load-balancer-allow-global-access"
                        ];
                        return i;
                    },
                ),
                /singapore pods.*15443.*tokyo/,
            ));
        it("drop the NAT egress addresses from the authorized networks", () =>
            caught(
                edit(
                    "gcp:container/cluster:Cluster",
                    (r) => r.name === "tokyo-gke",
                    (i) => {
                        const m = i.masterAuthorizedNetworksConfig as {
                            cidrBlocks: { displayName: string }[];
                        };
                        m.cidrBlocks = m.cidrBlocks.filter((b) => !/NAT/.test(b.displayName));
                        return i;
                    },
                ),
                /istiod singapore.*API tokyo-gke/,
            ));
        it("enable GCP public CIDRs on the control plane", () =>
            caught(
                edit(
                    "gcp:container/cluster:Cluster",
                    (r) => r.name === "singapore-gke",
                    (i) => {
                        (
                            i.masterAuthorizedNetworksConfig as Record<string, unknown>
                        ).gcpPublicCidrsAccessEnabled = true;
                        return i;
                    },
                ),
                /internet.*tcp\/443.*singapore-gke/,
            ));
    });
});
