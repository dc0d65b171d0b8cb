/**
 * Allowed external hosts: the config key `egress.hosts` (errors name key, value and what is allowed),
 * the ServiceEntries it becomes (upstream Istio schema, one per host and namespace, exported only
 * there), and their place in the real prod plan (each cluster, its provider, after the namespace).
 */
import { strict as assert } from "assert";
import { egressProblems, egressServiceEntries, EgressHost } from "../../components/egress";
import { ConfigError, parseConfig } from "../support/config";
import { validRawConfig } from "../support/fixtures";
import { strictProblems } from "../mesh/schema";
import { runStack } from "../harness";

const PAY: EgressHost = {
    host: "pay.example.com",
    port: 443,
    protocol: "TLS",
    namespaces: ["assessment", "user"],
};

function problemsOf(raw: Record<string, unknown>): [string, string][] {
    try {
        parseConfig("test", raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems.map((p) => [p.key, p.message]);
    }
    return [];
}
const prodRaw = (egress: unknown) => ({
    ...validRawConfig(),
    environment: "prod",
    egress,
});

describe("egress: allowed external hosts", () => {
    it("declares one ServiceEntry per host and namespace, exported only to that namespace", () => {
        const entries = egressServiceEntries([PAY]);
        assert.deepEqual(
            entries.map((e) => [e.metadata.namespace, e.metadata.name, e.spec]),
            ["assessment", "user"].map((ns) => [
                ns,
                "egress-pay-example-com-443",
                {
                    hosts: ["pay.example.com"],
                    location: "MESH_EXTERNAL",
                    resolution: "DNS",
                    ports: [{ number: 443, name: "tls-443", protocol: "TLS" }],
                    exportTo: ["."],
                },
            ]),
        );
    });

    it("writes ServiceEntries the Istio schema accepts, with no unknown field", async () => {
        for (const e of egressServiceEntries([PAY, { ...PAY, protocol: "HTTPS", port: 8443 }]))
            assert.deepEqual(await strictProblems(e), [], e.metadata.name);
    });

    it("refuses wildcards, cluster hosts, bad ports and protocols, naming the arg", () => {
        assert.deepEqual(
            egressProblems([
                { ...PAY, host: "*.example.com" },
                { ...PAY, host: "db.internal" },
                { ...PAY, port: 0 },
                { ...PAY, protocol: "TCP" as never, namespaces: [] },
                PAY,
            ]),
            [
                'hosts[0].host "*.example.com" must be a fully qualified lower-case host name (no wildcard, no IP, no scheme)',
                'hosts[1].host "db.internal" is inside the mesh or cluster; list external hosts only',
                "hosts[2].port 0 must be an integer from 1 to 65535",
                'hosts[3].protocol "TCP" is not allowed; allowed: TLS, HTTPS',
                "hosts[3].namespaces is empty; name the namespaces that may reach pay.example.com",
                "hosts[4] repeats pay.example.com:443; list each host and port once",
            ],
        );
    });

    it("reads egress.hosts from the stack config and reports every problem at once", () => {
        const cfg = parseConfig("test", prodRaw({ hosts: [PAY] }));
        assert.deepEqual(cfg.egress.hosts, [PAY]);
        assert.deepEqual(parseConfig("test", validRawConfig()).egress, { hosts: [] });
        assert.deepEqual(
            problemsOf(
                prodRaw({
                    hosts: [
                        {
                            host: "*.pay.example.com",
                            port: 443,
                            protocol: "TLS",
                            namespaces: ["user"],
                        },
                        {
                            host: "pay.example.com",
                            port: 443,
                            protocol: "HTTP",
                            namespaces: ["billing"],
                        },
                        {
                            host: "pay.example.com",
                            port: 443,
                            protocol: "TLS",
                            namespaces: ["user"],
                        },
                        {
                            host: "idp.example.com",
                            port: 443,
                            protocol: "TLS",
                            namespaces: ["user"],
                        },
                        {
                            host: "idp.example.com",
                            port: 443,
                            protocol: "TLS",
                            namespaces: ["user"],
                        },
                    ],
                }),
            ),
            [
                [
                    "mesh-platform:egress.hosts[0].host",
                    "must be a fully qualified lower-case host name like pay.example.com (no wildcard, no IP)",
                ],
                ["mesh-platform:egress.hosts[1].protocol", 'must be one of "TLS", "HTTPS"'],
            ],
            "schema problems come first and stop the cross-key rules",
        );
        assert.deepEqual(
            problemsOf(
                prodRaw({
                    hosts: [
                        {
                            host: "pay.example.com",
                            port: 443,
                            protocol: "TLS",
                            namespaces: ["billing"],
                        },
                        {
                            host: "pay.example.com",
                            port: 443,
                            protocol: "TLS",
                            namespaces: ["user"],
                        },
                        { host: "api.svc.local", port: 443, protocol: "TLS", namespaces: ["user"] },
                    ],
                }),
            ),
            [
                [
                    "mesh-platform:egress.hosts[0].namespaces[0]",
                    "is not an app namespace; allowed: user, content, assessment, analytics",
                ],
                [
                    "mesh-platform:egress.hosts[1]",
                    "repeats egress.hosts[0]; list each host and port once",
                ],
                [
                    "mesh-platform:egress.hosts[2].host",
                    "is inside the cluster or mesh; list external hosts only",
                ],
            ],
        );
    });

    it("refuses hosts where they would have no effect (ALLOW_ANY)", () => {
        assert.deepEqual(
            problemsOf({ ...validRawConfig(), environment: "dev", egress: { hosts: [PAY] } }),
            [
                [
                    "mesh-platform:egress.hosts",
                    "has no effect while mesh.outboundTrafficPolicy is ALLOW_ANY (the dev default); set mesh.outboundTrafficPolicy: REGISTRY_ONLY or remove egress.hosts",
                ],
            ],
        );
    });

    it("puts prod's identity-provider entry into the user namespace of both clusters, on each cluster's provider", async () => {
        const run = await runStack("prod");
        const entries = run.ofType("kubernetes:networking.istio.io/v1:ServiceEntry");
        assert.deepEqual(entries.map((e) => e.name).sort(), [
            "egress-singapore-serviceentry-user-egress-auth-learn-example-com-443",
            "egress-tokyo-serviceentry-user-egress-auth-learn-example-com-443",
        ]);
        for (const cluster of ["singapore", "tokyo"]) {
            const e = entries.find((x) => x.name.startsWith(`egress-${cluster}-`))!;
            const ns = run.one("kubernetes:core/v1:Namespace", `mesh-${cluster}-ns-user`);
            assert.equal(e.provider, ns.provider, `${cluster}: same provider as the namespace`);
            assert.ok(e.dependencies.includes(ns.urn), `${cluster}: waits for the namespace`);
            assert.equal(
                e.parent,
                run.one("mesh-platform:egress:MeshEgress", `egress-${cluster}`).urn,
            );
        }
    });
});
