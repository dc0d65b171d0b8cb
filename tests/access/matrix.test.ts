/**
 * The access matrix on the committed stacks (every row holds, except KNOWN_FAILING), and mutation
 * tests that break one link of a chain at a time and show the matrix catches each one.
 */
import { strict as assert } from "assert";
import { accessMatrix, failing, kubeconfigRoles, type AccessRow } from "../../policies/access";
import type { PlanResource } from "../../lib/plan-format";
import { committedStacks, runStack, type RecordedResource } from "../harness";

/**
 * Rows known not to hold on this branch: the mesh CA material still lives in the backup buckets,
 * which Velero's role (and key grant) can read. Issue 17a moves it to a Secrets Manager secret whose
 * key policy and resource policy admit only the deployer and break-glass roles; the lead empties this
 * set after that merge.
 */
export const KNOWN_FAILING = new Set([
    "iam|velero/velero (singapore)|read mesh root CA private key",
    "iam|velero/velero (tokyo)|read mesh root CA private key",
]);
const key = (r: AccessRow) => `${r.kind}|${r.subject}|${r.action}`;

function matrix(resources: readonly RecordedResource[]) {
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
            const bad = failing(ev.rows).filter((r) => !KNOWN_FAILING.has(key(r)));
            assert.deepEqual(bad, [], JSON.stringify(bad, null, 2));
            for (const k of ["network", "rbac", "mesh"])
                assert.ok(
                    ev.rows.some((r) => r.kind === k),
                    k,
                );
            assert.deepEqual(ev.skipped, []);
        });
    }

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
});
