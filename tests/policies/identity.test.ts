/**
 * Mutation tests of the identity, retry and egress policies (policies/security/rules/identity.ts):
 * each row breaks one property of the real prod plan and expects exactly its violations from both
 * packs with prod's config, and the real plan reports nothing.
 */
import * as assert from "assert";
import { evaluatePolicies, PlanResource, PolicyViolation } from "../../policies/offline";
import {
    egressAllowlist,
    noHeaderIdentity,
    noRetryOfNonIdempotent,
} from "../../policies/security/rules/identity";
import { toPlanDocument } from "../../tools/planfile";
import { runStack } from "../harness";
import { check, cr, found, k8sProvider } from "./support";

type Mutable = PlanResource & { inputs: Record<string, any> };

let recorded: Promise<PlanResource[]> | undefined;
const prodPlan = async (): Promise<Mutable[]> => {
    recorded ??= runStack("prod").then((run) => toPlanDocument(run.result).resources);
    return JSON.parse(JSON.stringify(await recorded)) as Mutable[];
};
const named = (plan: Mutable[], name: string): Mutable => {
    const found = plan.filter((r) => r.name === name);
    assert.strictEqual(found.length, 1, `one resource named ${name}`);
    return found[0];
};
const report = (v: readonly PolicyViolation[]) =>
    v.map((x) => [x.policyName, x.urn.split("::").pop()!, x.message, x.enforcementLevel]);

interface Row {
    readonly breaks: string;
    readonly mutate: (plan: Mutable[]) => void;
    readonly expect: readonly (readonly [string, string, string])[];
}

const AP_USER = "mesh-singapore-authorizationpolicy-user-user-data-protection";
const AP_EXAM = "mesh-tokyo-authorizationpolicy-assessment-exam-integrity";
const VS_PUBLIC = "mesh-singapore-virtualservice-istio-gateways-public-routes";
const VS_EXAM = "mesh-tokyo-virtualservice-assessment-exam-service";
const SE = "egress-singapore-serviceentry-user-egress-auth-learn-example-com-443";

const ROWS: Row[] = [
    {
        breaks: "user-data-protection back on the guide's x-user-role header",
        mutate: (p) => {
            named(p, AP_USER).inputs.spec.rules[0].when = [
                { key: "request.headers[x-user-role]", values: ["admin", "user-owner"] },
            ];
            delete named(p, AP_USER).inputs.spec.rules[0].from[0].source.requestPrincipals;
        },
        expect: [
            [
                "istio-no-header-identity",
                AP_USER,
                "rules[0].when[0] grants access on the value of header x-user-role, which any caller can set; authorize on a JWT claim (request.auth.claims[...]) validated by a RequestAuthentication instead",
            ],
        ],
    },
    {
        breaks: "exam-integrity trusting a user-verification header (negated value)",
        mutate: (p) => {
            named(p, AP_EXAM).inputs.spec.rules[0].when[1] = {
                key: "request.headers[user-verification]",
                notValues: ["unverified"],
            };
        },
        expect: [
            [
                "istio-no-header-identity",
                AP_EXAM,
                "rules[0].when[1] grants access on the value of header user-verification, which any caller can set; authorize on a JWT claim (request.auth.claims[...]) validated by a RequestAuthentication instead",
            ],
        ],
    },
    {
        breaks: "exam-service's RequestAuthentication removed (claims never validated)",
        mutate: (p) => {
            p.splice(
                p.indexOf(named(p, "mesh-tokyo-requestauthentication-assessment-jwt-exam-service")),
                1,
            );
        },
        expect: [
            [
                "istio-jwt-claims-validated",
                AP_EXAM,
                'ALLOW policy in assessment reads JWT claims, but no RequestAuthentication selects its workload ({"app":"exam-service"}); every request would be denied. Declare one with the issuer\'s jwtRules',
            ],
        ],
    },
    {
        breaks: "the public POST route retried on 5xx",
        mutate: (p) => {
            named(p, VS_PUBLIC).inputs.spec.http[5].retries.retryOn = "5xx,connect-failure";
        },
        expect: [
            [
                "istio-no-retry-of-non-idempotent",
                VS_PUBLIC,
                "http[5] (exam-frontend-other-methods) retries POST and PATCH requests on 5xx, which repeats a request the upstream may have processed; match the idempotent methods for these retries and give the rest retryOn: connect-failure,refused-stream (or attempts: 0)",
            ],
        ],
    },
    {
        breaks: "POST added to the idempotent route of exam-service (guide retries)",
        mutate: (p) => {
            named(p, VS_EXAM).inputs.spec.http[0].match.push({ method: { exact: "POST" } });
        },
        expect: [
            [
                "istio-no-retry-of-non-idempotent",
                VS_EXAM,
                "http[0] (exam-service-idempotent) retries POST requests on 5xx, gateway-error, which repeats a request the upstream may have processed; match the idempotent methods for these retries and give the rest retryOn: connect-failure,refused-stream (or attempts: 0)",
            ],
        ],
    },
    {
        breaks: "retries without retryOn (Istio's default includes retriable-status-codes 503)",
        mutate: (p) => {
            delete named(p, VS_EXAM).inputs.spec.http[1].retries.retryOn;
        },
        expect: [
            [
                "istio-no-retry-of-non-idempotent",
                VS_EXAM,
                "http[1] (exam-service-other-methods) retries POST and PATCH requests on unavailable, cancelled, retriable-status-codes, which repeats a request the upstream may have processed; match the idempotent methods for these retries and give the rest retryOn: connect-failure,refused-stream (or attempts: 0)",
            ],
        ],
    },
    {
        breaks: "a ServiceEntry for a host the environment does not allow",
        mutate: (p) => {
            named(p, SE).inputs.spec.hosts = ["exfil.example.net"];
        },
        expect: [
            [
                "istio-egress-allowlist",
                SE,
                "exfil.example.net:443 is not an allowed external destination in this environment; allowed: auth.learn.example.com:443 (policy config istio-egress-allowlist.hosts)",
            ],
        ],
    },
    {
        breaks: "a wildcard ServiceEntry exported everywhere with resolution NONE",
        mutate: (p) => {
            const spec = named(p, SE).inputs.spec;
            spec.hosts = ["*.example.com"];
            delete spec.exportTo;
            spec.resolution = "NONE";
        },
        expect: [
            [
                "istio-egress-allowlist",
                SE,
                "hosts has the wildcard *.example.com, which admits every matching external host; list each host",
            ],
            [
                "istio-egress-allowlist",
                SE,
                'exportTo is unset (every namespace); export the entry only to the namespaces that need it ("." for its own)',
            ],
            [
                "istio-egress-allowlist",
                SE,
                "resolution NONE forwards to whatever address the pod dialled, so any server that answers for *.example.com is reachable; use DNS (or STATIC with addresses)",
            ],
        ],
    },
];

describe("security pack: identity, retries and egress (mutations of the prod plan)", () => {
    it("reports nothing on the real prod plan", async () => {
        const v = evaluatePolicies(await prodPlan(), { stack: "prod", environment: "prod" });
        assert.deepStrictEqual(report(v), []);
    });

    for (const row of ROWS) {
        it(`catches ${row.breaks}`, async () => {
            const plan = await prodPlan();
            row.mutate(plan);
            const v = evaluatePolicies(plan, { stack: "prod", environment: "prod" });
            assert.deepStrictEqual(
                report(v),
                row.expect.map((e) => [...e, "mandatory"]),
            );
        });
    }
});

describe("security pack: identity policies on hand-built resources", () => {
    const provider = k8sProvider("k8s");
    const ap = (when: unknown[]) =>
        cr(
            "security.istio.io/v1",
            "AuthorizationPolicy",
            "p",
            "user",
            { action: "ALLOW", rules: [{ when }] },
            provider,
        );

    it("lets a presence-only header condition (the exam session token) through", () => {
        const v = check(noHeaderIdentity, [
            ap([{ key: "request.headers[exam-session-token]", values: ["*"], notValues: [""] }]),
        ]);
        assert.deepStrictEqual(found(v), []);
    });

    it("ignores DENY policies on headers (a header can only add a denial there)", () => {
        const deny = cr(
            "security.istio.io/v1",
            "AuthorizationPolicy",
            "d",
            "user",
            {
                action: "DENY",
                rules: [{ when: [{ key: "request.headers[x-debug]", values: ["1"] }] }],
            },
            provider,
        );
        assert.deepStrictEqual(found(check(noHeaderIdentity, [deny])), []);
    });

    const vs = (http: unknown[]) =>
        cr(
            "networking.istio.io/v1",
            "VirtualService",
            "v",
            "user",
            { hosts: ["a"], http },
            provider,
        );

    it("reads method regexes and prefixes as Istio does (full match)", () => {
        const retries = { attempts: 3, retryOn: "5xx" };
        assert.deepStrictEqual(
            found(
                check(noRetryOfNonIdempotent, [
                    vs([{ match: [{ method: { regex: "GET|HEAD" } }], retries }]),
                ]),
            ),
            [],
        );
        assert.strictEqual(
            check(noRetryOfNonIdempotent, [
                vs([{ match: [{ method: { regex: "P.*" } }], retries }]),
            ]).length,
            1,
        );
        assert.strictEqual(
            check(noRetryOfNonIdempotent, [
                vs([{ match: [{ method: { prefix: "PA" } }], retries }]),
            ]).length,
            1,
        );
        assert.deepStrictEqual(
            found(check(noRetryOfNonIdempotent, [vs([{ retries: { attempts: 0 } }])])),
            [],
        );
    });

    it("checks every port of an entry against the allowed host:port pairs", () => {
        const se = cr(
            "networking.istio.io/v1",
            "ServiceEntry",
            "s",
            "user",
            {
                hosts: ["pay.example.com"],
                ports: [
                    { number: 443, name: "tls", protocol: "TLS" },
                    { number: 8443, name: "tls-alt", protocol: "TLS" },
                ],
                resolution: "DNS",
                exportTo: ["."],
            },
            provider,
        );
        assert.deepStrictEqual(
            found(check(egressAllowlist, [se], { hosts: ["pay.example.com:443"] })).map(
                (f) => f[1],
            ),
            [
                "pay.example.com:8443 is not an allowed external destination in this environment; allowed: pay.example.com:443 (policy config istio-egress-allowlist.hosts)",
            ],
        );
    });
});
