/**
 * Violating variants of the real plans (one per class the packs used to miss) and the legitimate
 * configurations they used to block. Each row deep-copies a committed stack's offline plan, changes
 * what the row says, runs both packs with the stack's environment config and asserts the named
 * policy's mandatory finding (or, for a legitimate variant, no finding at all).
 */
import * as assert from "assert";
import { evaluatePolicies, PlanResource } from "../../policies/offline";
import { readStackFile } from "../../tools/runtime";
import { toPlanDocument } from "../../tools/planfile";
import { ROOT, runStack } from "../harness";

type Env = "dev" | "staging" | "prod";
type R = PlanResource & { inputs: Record<string, any>; protect: boolean };

const plans = new Map<string, Promise<PlanResource[]>>();
function planOf(stack: string): Promise<PlanResource[]> {
    let p = plans.get(stack);
    if (!p) {
        p = runStack(stack).then((run) => toPlanDocument(run.result).resources);
        plans.set(stack, p);
    }
    return p;
}

const envOf = (stack: string) =>
    String(readStackFile(ROOT, stack).config["mesh-platform:environment"]) as Env;

class Plan {
    constructor(readonly resources: R[]) {}
    named(name: string, typeSuffix?: string): R {
        const found = this.resources.filter(
            (r) => r.name === name && (!typeSuffix || r.type.endsWith(typeSuffix)),
        );
        if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.length}`);
        return found[0];
    }
    ofType(suffix: string): R[] {
        return this.resources.filter((r) => r.type.endsWith(suffix));
    }
}

interface Row {
    readonly stack: string;
    readonly what: string;
    readonly mutate: (p: Plan) => void;
    /** [policy, message fragment] expected as mandatory findings; [] for a legitimate variant. */
    readonly expect: readonly (readonly [string, string])[];
}

const userData = (p: Plan) =>
    p.named("mesh-singapore-authorizationpolicy-user-user-data-protection").inputs.spec;
const delivery = (p: Plan) =>
    p.named("mesh-singapore-authorizationpolicy-content-allow-ingress-content-delivery").inputs
        .spec;
const FRONTEND = "cluster.local/ns/istio-gateways/sa/istio-ingressgateway";

const ROWS: Row[] = [
    // --- allow-all by Istio semantics
    {
        stack: "prod",
        what: 'ALLOW with paths ["*"] and a wildcard principal',
        mutate: (p) => {
            delivery(p).rules = [
                {
                    from: [{ source: { principals: ["*"] } }],
                    to: [{ operation: { paths: ["*"] } }],
                },
            ];
        },
        expect: [["istio-no-allow-all-authorization", "admits any caller"]],
    },
    {
        stack: "prod",
        what: "ALLOW with notPrincipals that anyone satisfies",
        mutate: (p) => {
            delivery(p).rules = [
                { from: [{ source: { notPrincipals: ["cluster.local/ns/x/sa/nobody"] } }] },
            ];
        },
        expect: [["istio-no-allow-all-authorization", "admits any caller"]],
    },
    {
        stack: "prod",
        what: "who and what split into two OR-ed rules",
        mutate: (p) => {
            const [rule] = userData(p).rules;
            userData(p).rules = [{ from: rule.from }, { to: rule.to }];
        },
        expect: [["istio-no-allow-all-authorization", "whole path pattern"]],
    },
    {
        stack: "prod",
        what: "legitimate: /healthz open, everything else from one principal",
        mutate: (p) => {
            delivery(p).rules = [
                { to: [{ operation: { paths: ["/healthz"] } }] },
                { from: [{ source: { principals: [FRONTEND] } }] },
            ];
        },
        expect: [],
    },
    // --- mTLS downgrades
    {
        stack: "prod",
        what: "DestinationRule tls DISABLE to a mesh host",
        mutate: (p) => {
            p.ofType(":DestinationRule")[0].inputs.spec.trafficPolicy = {
                tls: { mode: "DISABLE" },
            };
        },
        expect: [["istio-destination-rule-mtls", "mode DISABLE"]],
    },
    {
        stack: "prod",
        what: "DestinationRule SIMPLE on a port to a mesh host",
        mutate: (p) => {
            p.ofType(":DestinationRule")[1].inputs.spec.trafficPolicy = {
                portLevelSettings: [{ port: { number: 8080 }, tls: { mode: "SIMPLE" } }],
            };
        },
        expect: [["istio-destination-rule-mtls", "mode SIMPLE"]],
    },
    {
        stack: "prod",
        what: "workload PeerAuthentication with a port-level DISABLE",
        mutate: (p) => {
            const pa = p.ofType(":PeerAuthentication")[0];
            pa.inputs.spec = {
                selector: { matchLabels: { app: "exam-engine" } },
                mtls: { mode: "STRICT" },
                portLevelMtls: { "8080": { mode: "DISABLE" } },
            };
        },
        expect: [["istio-no-mtls-downgrade", "port-level mtls.mode DISABLE on port 8080"]],
    },
    {
        stack: "prod",
        what: "the recorded plan carries additionalSecretOutputs to the policies",
        mutate: (p) => {
            // A PEM in a property the resource declares secret is exempt only through that list.
            const obj = p.resources.find((r) =>
                (r.additionalSecretOutputs ?? []).includes("secretString"),
            )!;
            obj.inputs.secretString =
                "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
        },
        expect: [],
    },
    // --- backup buckets
    {
        stack: "prod",
        what: "backup bucket not protected in prod, forceDestroy",
        mutate: (p) => {
            const b = p.named("backup-singapore", ":Bucket");
            b.protect = false;
            b.inputs.forceDestroy = true;
        },
        expect: [
            ["backup-bucket-protection", "is not protected"],
            ["backup-bucket-protection", "forceDestroy"],
        ],
    },
    {
        stack: "prod",
        what: "noncurrent versions expire before the retention",
        mutate: (p) => {
            for (const r of p.named("backup-singapore-lifecycle").inputs.rules)
                if (r.noncurrentVersionExpiration) r.noncurrentVersionExpiration.noncurrentDays = 3;
        },
        expect: [["backup-bucket-protection", "noncurrent versions after 3 days"]],
    },
    {
        stack: "prod",
        what: "no TLS-only bucket policy",
        mutate: (p) => {
            const bp = p.named("backup-tokyo-tls-only");
            p.resources.splice(p.resources.indexOf(bp), 1);
        },
        expect: [["backup-bucket-protection", "TLS-only bucket policy"]],
    },
    // --- tags
    {
        stack: "prod",
        what: "provider without defaultTags, resource without tags outside any list",
        mutate: (p) => {
            delete p.named("aws-tokyo", "providers:aws").inputs.defaultTags;
            delete p.ofType("aws:iam/rolePolicy:RolePolicy")[0].inputs.tags;
        },
        expect: [["provider-default-tags", "lacks team, cost-center, environment"]],
    },
    {
        stack: "gcp",
        what: "GCP provider without defaultLabels",
        mutate: (p) => {
            delete p.named("gcp-tokyo", "providers:gcp").inputs.defaultLabels;
        },
        expect: [["provider-default-tags", "defaultLabels lacks"]],
    },
    // --- node and network hardening
    {
        stack: "prod",
        what: "unencrypted launch-template volume, IMDSv1, hop limit 2",
        mutate: (p) => {
            const lt = p.named("singapore-workloads", ":LaunchTemplate");
            lt.inputs.blockDeviceMappings[0].ebs.encrypted = "false";
            lt.inputs.metadataOptions = {
                httpEndpoint: "enabled",
                httpTokens: "optional",
                httpPutResponseHopLimit: 2,
            };
        },
        expect: [
            ["node-launch-template-hardening", "is not encrypted"],
            ["node-launch-template-hardening", "httpTokens is optional"],
            ["node-launch-template-hardening", "HopLimit is 2"],
        ],
    },
    {
        stack: "prod",
        what: "security group rule from 0.0.0.0/0 to the API server",
        mutate: (p) => {
            p.named("singapore-api-10-0-0-0-16").inputs.cidrIpv4 = "0.0.0.0/0";
        },
        expect: [["eks-api-security-group-not-world-open", "admits 0.0.0.0/0 to port 443"]],
    },
    {
        stack: "prod",
        what: "internet-facing east-west gateway",
        mutate: (p) => {
            p.named("mesh-tokyo-eastwest").inputs.values.service.annotations[
                "service.beta.kubernetes.io/aws-load-balancer-scheme"
            ] = "internet-facing";
        },
        expect: [["eastwest-gateway-internal", "internet-facing load balancer"]],
    },
    // --- ingress
    {
        stack: "prod",
        what: "JWT requirement narrowed to one unused path",
        mutate: (p) => {
            const jwt = p
                .ofType(":AuthorizationPolicy")
                .find(
                    (r) => r.name.startsWith("mesh-singapore") && r.inputs.spec.action === "DENY",
                )!;
            jwt.inputs.spec.rules[0].to = [{ operation: { paths: ["/unused"] } }];
        },
        expect: [["istio-ingress-jwt", "without requiring a JWT"]],
    },
    {
        stack: "prod",
        what: "Gateway server on ISTIO_MUTUAL with TLS 1.0",
        mutate: (p) => {
            const gw = p
                .ofType(":Gateway")
                .find((r) => r.inputs.spec.servers[0].tls.mode === "AUTO_PASSTHROUGH")!;
            gw.inputs.spec.servers.push({
                hosts: ["*.local"],
                port: { name: "mtls", number: 15444, protocol: "TLS" },
                tls: { mode: "ISTIO_MUTUAL", minProtocolVersion: "TLSV1_0" },
            });
        },
        expect: [["istio-min-tls-1-2", "ISTIO_MUTUAL) with minProtocolVersion TLSV1_0"]],
    },
    // --- cost
    {
        stack: "dev",
        what: "m6i.24xlarge in dev",
        mutate: (p) => {
            p.named("singapore-workloads", ":NodeGroup").inputs.instanceTypes = ["m6i.24xlarge"];
        },
        expect: [["instance-size-ceiling", "m6i.24xlarge (96 vCPUs)"]],
    },
    {
        stack: "prod",
        what: "autoscaler maximum far above desired",
        mutate: (p) => {
            p.named("singapore-workloads", ":NodeGroup").inputs.scalingConfig.maxSize = 80;
        },
        expect: [["monthly-cost-budget", "worst-case monthly cost"]],
    },
    {
        stack: "gcp",
        what: "legitimate: an allowed but unpriced shape is advisory, named",
        mutate: (p) => {
            p.named("tokyo-workloads", ":NodePool").inputs.nodeConfig.machineType = "n2-highcpu-8";
        },
        expect: [],
    },
];

describe("policies: violating variants of the real plans", function () {
    this.timeout(300000);
    for (const row of ROWS) {
        it(`${row.stack}: ${row.what}`, async () => {
            const resources = JSON.parse(JSON.stringify(await planOf(row.stack))) as R[];
            row.mutate(new Plan(resources));
            const env = envOf(row.stack);
            const found = evaluatePolicies(resources, { stack: row.stack, environment: env });
            const blocking = found.filter((v) => v.enforcementLevel === "mandatory");
            const level = env === "dev" ? "advisory" : "mandatory";
            if (row.expect.length === 0) {
                assert.deepStrictEqual(
                    blocking.map((v) => `${v.policyName}: ${v.message}`),
                    [],
                );
                return;
            }
            for (const [policy, fragment] of row.expect) {
                assert.ok(
                    found.some(
                        (v) =>
                            v.policyName === policy &&
                            v.enforcementLevel === level &&
                            v.message.includes(fragment),
                    ),
                    `expected ${level} ${policy} containing "${fragment}"; got:\n${found.map((v) => `  ${v.enforcementLevel} ${v.policyName}: ${v.message}`).join("\n")}`,
                );
            }
        });
    }

    it("gcp: the unpriced shape is named by the advisory cost-estimate-complete", async () => {
        const resources = JSON.parse(JSON.stringify(await planOf("gcp"))) as R[];
        new Plan(resources).named("tokyo-workloads", ":NodePool").inputs.nodeConfig.machineType =
            "n2-highcpu-8";
        const found = evaluatePolicies(resources, { stack: "gcp", environment: "prod" });
        assert.deepStrictEqual(
            found.map((v) => [
                v.policyName,
                v.enforcementLevel,
                v.message.includes("n2-highcpu-8"),
            ]),
            [["cost-estimate-complete", "advisory", true]],
        );
    });
});
