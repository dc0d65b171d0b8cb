/** MeshService args: defaults, and every problem reported at once, naming the arg and the value. */
import { strict as assert } from "assert";
import { MeshServiceArgsError, resolveServiceArgs } from "../../components/service";
import { baseArgs, IMAGE, PROMETHEUS, resolved } from "./support";

function problemsOf(fn: () => unknown): readonly string[] {
    try {
        fn();
    } catch (e) {
        assert.ok(
            e instanceof MeshServiceArgsError,
            `expected MeshServiceArgsError, got ${String(e)}`,
        );
        return e.problems;
    }
    assert.fail("expected the args to be rejected");
}

describe("service: MeshService args", () => {
    it("fills every default as documented", () => {
        const a = resolved();
        assert.equal(a.containerPort, 8080);
        assert.equal(a.servicePort, 80);
        assert.deepEqual(a.probes, { liveness: "/health", readiness: "/ready" });
        assert.equal(a.size, "small");
        assert.equal(a.minReplicas, 2);
        assert.equal(a.maxReplicas, 5);
        assert.equal(a.timeout, "15s");
        assert.equal(a.nonIdempotentRetries, "connect-failure");
        assert.equal(a.cache, false);
        assert.deepEqual(a.allowFrom, []);
        assert.equal(a.canary, undefined);
        assert.equal(a.requestsPerSecond, undefined);
    });

    it("fills the canary defaults: 5/25/50/100, 15-minute pauses, 1 %, the guide's 30 s delays", () => {
        const c = resolved({ canary: { prometheusAddress: PROMETHEUS } }).canary!;
        assert.deepEqual(c.steps, [5, 25, 50, 100]);
        assert.equal(c.pause, "15m");
        assert.equal(c.maxErrorRatio, 0.01);
        assert.equal(c.scaleDownDelaySeconds, 30);
        assert.equal(c.abortScaleDownDelaySeconds, 30);
        assert.ok(c.minRequestsPerSecond > 0);
    });

    it("keeps maxReplicas at least minReplicas when only the floor is raised", () => {
        assert.equal(resolved({ minReplicas: 7 }).maxReplicas, 7);
    });

    it("refuses an image without a digest, naming the arg and the value", () => {
        const p = problemsOf(() => resolved({ image: "ghcr.io/example/catalog:1.2.3" }));
        assert.equal(p.length, 1);
        assert.match(
            p[0],
            /args\.image is "ghcr\.io\/example\/catalog:1\.2\.3"; must be pinned by digest/,
        );
    });

    it("accepts a digest with or without a tag", () => {
        const digestOnly = IMAGE.replace(":1.2.3@", "@");
        assert.equal(resolved({ image: digestOnly }).image, digestOnly);
    });

    it("lists every problem at once", () => {
        const p = problemsOf(() =>
            resolveServiceArgs("Bad_Name", {
                ...baseArgs(),
                containerPort: 15001,
                probes: { liveness: "health" },
                minReplicas: 0,
                timeout: "soon",
                canary: {
                    prometheusAddress: "prometheus:9090",
                    steps: [50, 25, 100],
                    pause: "15 minutes",
                    maxErrorRatio: 5,
                },
                allowFrom: [
                    { service: "frontend" },
                    { principal: "frontend", methods: ["FETCH" as never] },
                    { service: "user/frontend", paths: ["api"] },
                ],
                env: { "BAD-NAME": "x" },
                publicRoute: { gateway: "public", hosts: [], prefix: "/smoke" },
                clusterRouting: { header: "X Cluster", clusters: [] },
            }),
        );
        const args = [
            /^name "Bad_Name"/,
            /args\.containerPort is 15001; 15000-15090/,
            /args\.probes\.liveness is "health"/,
            /args\.minReplicas is 0/,
            /args\.timeout is "soon"/,
            /args\.canary\.steps is \[50,25,100\]/,
            /args\.canary\.pause is "15 minutes"/,
            /args\.canary\.prometheusAddress is "prometheus:9090"/,
            /args\.canary\.maxErrorRatio is 5/,
            /args\.allowFrom\[0\]\.service is "frontend"; must be <namespace>\/<service account>/,
            /args\.allowFrom\[1\]\.principal is "frontend"/,
            /args\.allowFrom\[1\]\.methods is \["FETCH"\]/,
            /args\.allowFrom\[2\]\.paths is \["api"\]/,
            /args\.env\.BAD-NAME/,
            /args\.publicRoute\.gateway is "public"/,
            /args\.publicRoute\.hosts is \[\]/,
            /args\.publicRoute\.prefix is "\/smoke"/,
            /args\.clusterRouting\.header is "X Cluster"/,
            /args\.clusterRouting\.clusters is \[\]/,
        ];
        for (const re of args)
            assert.ok(
                p.some((x) => re.test(x)),
                `no problem matches ${String(re)}:\n${p.join("\n")}`,
            );
        assert.equal(p.length, args.length, p.join("\n"));
    });

    it("refuses a canary whose last step is not 100 (the rollout would never finish)", () => {
        const p = problemsOf(() =>
            resolved({ canary: { prometheusAddress: PROMETHEUS, steps: [5, 25, 50] } }),
        );
        assert.match(p.join("\n"), /args\.canary\.steps .* ending at 100/);
    });

    it("refuses a name too long for its child names (the -http-cache suffix)", () => {
        const long = "a".repeat(53);
        const p = problemsOf(() => resolveServiceArgs(long, baseArgs()));
        assert.match(p[0], /at most 52 characters/);
        assert.equal(resolveServiceArgs("a".repeat(52), baseArgs()).name.length, 52);
    });
});
