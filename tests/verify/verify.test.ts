/**
 * `npm run verify` against loopback stand-ins: a healthy two-region stack passes; every kind of broken
 * region is named in the failure list and exits 1; deadlines and interrupts end the run; usage and
 * unusable outputs exit 2.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../tools/verify";
import {
    FakeRegion,
    outputsFor,
    Pem,
    PUBLIC_HOST,
    RegionBehaviour,
    selfSigned,
    startRegion,
    tempDir,
} from "./support";

const ROOT = path.resolve(__dirname, "../..");

describe("tools: npm run verify", function () {
    this.timeout(120_000);
    let dir: string;
    let good: Pem;
    let expiring: Pem;
    let meshGood: Pem;
    let meshExpiring: Pem;
    let api: Pem;
    let regions: FakeRegion[] = [];
    let current: Record<string, Pem>;

    const healthy = (name: string, peer: string): RegionBehaviour => ({
        istiodReady: 2,
        istiodReplicas: 2,
        remoteSecrets: [`istio-remote-secret-${peer}`],
        managedRemote: 1,
        smokeStatus200: 200,
        envAnswers: { [name]: name, [peer]: peer },
        plaintext: {
            status: 503,
            body: "error trying to reach service: read tcp 10.0.0.1:4312->10.1.2.3:8080: read: connection reset by peer",
        },
        meshCa: { caCert: meshGood.cert, rootCert: meshGood.cert },
        kubeHangs: false,
    });

    before(function () {
        const r = spawnSync("openssl", ["version"], { encoding: "utf8" });
        if (r.status !== 0) {
            if (process.env.CI === "true") throw new Error("openssl not found (CI=true: failing)");
            console.warn("\n  !!! openssl NOT FOUND: the verify tests were NOT run\n");
            this.skip();
        }
        dir = tempDir();
        good = selfSigned(dir, "ingress", PUBLIC_HOST, 365);
        expiring = selfSigned(dir, "ingress-expiring", PUBLIC_HOST, 10);
        meshGood = selfSigned(dir, "mesh", "mesh-root", 3650);
        meshExpiring = selfSigned(dir, "mesh-expiring", "mesh-intermediate", 5);
        api = selfSigned(dir, "api", "kube-apiserver", 30, "IP:127.0.0.1");
        fs.writeFileSync(path.join(dir, "ca.pem"), good.cert + expiring.cert);
    });

    beforeEach(async () => {
        current = { singapore: good, tokyo: good };
        regions = [
            await startRegion(
                "singapore",
                healthy("singapore", "tokyo"),
                () => current.singapore,
                api,
            ),
            await startRegion("tokyo", healthy("tokyo", "singapore"), () => current.tokyo, api),
        ];
    });

    afterEach(async () => {
        await Promise.all(regions.map((r) => r.close()));
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const writeOutputs = (outputs: unknown = outputsFor(regions)) => {
        const file = path.join(dir, "outputs.json");
        fs.writeFileSync(file, JSON.stringify(outputs));
        return file;
    };
    const verify = async (extra: string[] = [], interrupt?: AbortSignal) => {
        let out = "";
        let err = "";
        const code = await main(
            [
                "--stack",
                "test",
                "--outputs",
                writeOutputs(),
                "--ca",
                path.join(dir, "ca.pem"),
                ...extra,
            ],
            { out: (s) => (out += s), err: (s) => (err += s) },
            interrupt,
        );
        return { code, out, err };
    };

    it("passes a healthy two-region stack: 14 checks, exit 0", async () => {
        const r = await verify();
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /verify test: 14 checks, 0 failed/);
        for (const line of [
            "singapore: istiod ready (revision 1-30-3)",
            "tokyo: remote secrets accepted",
            "singapore: smoke through the ingress",
            "singapore -> tokyo: smoke across regions",
            "tokyo -> singapore: smoke across regions",
            "tokyo: plaintext to a meshed service refused",
            "singapore: ingress certificate",
            "tokyo: mesh CA (cacerts)",
        ])
            assert.ok(r.out.includes(`ok   ${line}`), `missing passed check "${line}":\n${r.out}`);
        // Credentials came from the kubeconfig; secrets were listed as metadata only.
        const list = regions[0].seen.find((s) =>
            s.path.startsWith("/api/v1/namespaces/istio-system/secrets?"),
        );
        assert.match(String(list?.accept), /PartialObjectMetadataList/);
    });

    it("names every failure and exits 1", async () => {
        const [sg, tk] = regions;
        sg.behaviour.istiodReady = 1;
        tk.behaviour.remoteSecrets = [];
        sg.behaviour.managedRemote = 0;
        sg.behaviour.smokeStatus200 = 503;
        tk.behaviour.envAnswers = { tokyo: "tokyo", singapore: "tokyo" };
        sg.behaviour.plaintext = { status: 200, body: "{}" };
        tk.behaviour.plaintext = { status: 403, body: "RBAC: access denied" };
        current.singapore = expiring;
        tk.behaviour.meshCa = { caCert: meshExpiring.cert, rootCert: meshGood.cert };
        // The ingress stand-in picks its certificate at start: restart singapore's with the expiring one.
        await sg.close();
        regions[0] = await startRegion("singapore", sg.behaviour, () => current.singapore, api);
        const r = await verify();
        assert.equal(r.code, 1, r.out + r.err);
        const failed = r.out.split("FAILED:")[1] ?? "";
        for (const [check, why] of [
            ["singapore: istiod ready (revision 1-30-3)", /1\/2 replicas ready/],
            ["tokyo: remote secrets accepted", /missing istio-remote-secret-singapore/],
            ["singapore: remote secrets accepted", /manages 0 remote cluster\(s\), expected 1/],
            ["singapore: smoke through the ingress", /answered 503, expected 200/],
            [
                "tokyo -> singapore: smoke across regions",
                /answered by cluster tokyo, expected singapore/,
            ],
            [
                "singapore: plaintext to a meshed service refused",
                /answered 200: mTLS is not enforced/,
            ],
            ["tokyo: plaintext to a meshed service refused", /accepted plaintext .*not STRICT/],
            ["singapore: ingress certificate", /expires in \d+\.\d days/],
            ["tokyo: mesh CA (cacerts)", /ca-cert\.pem expires in \d\.\d days/],
        ] as const) {
            const line = failed.split("\n").find((l) => l.includes(`- ${check}:`));
            assert.ok(line, `"${check}" is not in the failure list:\n${r.out}`);
            assert.match(line, why);
        }
        assert.match(r.out, /verify test: 14 checks, 9 failed/);
        assert.ok(r.out.includes("ok   singapore -> tokyo: smoke across regions"));
    });

    it("refuses an untrusted ingress certificate unless its CA is passed", async () => {
        let out = "";
        const code = await main(["--stack", "test", "--outputs", writeOutputs()], {
            out: (s) => (out += s),
            err: (s) => (out += s),
        });
        assert.equal(code, 1);
        assert.match(out, /FAIL singapore: ingress certificate: .*not trusted.*--ca/);
        assert.match(out, /FAIL singapore: smoke through the ingress: .*self.signed/i);
    });

    it("calls the plaintext result inconclusive when the API server cannot reach the pod", async () => {
        regions[1].behaviour.plaintext = {
            status: 503,
            body: "error trying to reach service: dial tcp 10.1.2.3:8080: i/o timeout",
        };
        const r = await verify();
        assert.equal(r.code, 1);
        assert.match(r.out, /- tokyo: plaintext to a meshed service refused: inconclusive/);
    });

    it("ends a hanging API at the per-call deadline and still reports the other region", async () => {
        regions[1].behaviour.kubeHangs = true;
        const started = Date.now();
        const r = await verify(["--timeout", "1"]);
        assert.ok(Date.now() - started < 15_000, "the run did not honour its deadlines");
        assert.equal(r.code, 1);
        assert.match(r.out, /- tokyo: istiod ready \(revision 1-30-3\): no answer within 1 s/);
        assert.ok(r.out.includes("ok   singapore: istiod ready"));
    });

    it("stops at the run's deadline", async () => {
        regions[0].behaviour.kubeHangs = true;
        regions[1].behaviour.kubeHangs = true;
        const started = Date.now();
        const r = await verify(["--timeout", "30", "--deadline", "1"]);
        assert.ok(Date.now() - started < 10_000);
        assert.equal(r.code, 1);
        assert.match(r.out, /aborted \(deadline or interrupt\)/);
    });

    it("exits 130 when interrupted", async () => {
        regions[0].behaviour.kubeHangs = true;
        const interrupt = new AbortController();
        setTimeout(() => interrupt.abort(), 300);
        const r = await verify(["--timeout", "30"], interrupt.signal);
        assert.equal(r.code, 130);
    });

    it("skips the plaintext check of a PERMISSIVE stack instead of failing it", async () => {
        const o = outputsFor(regions) as { verify: { mesh: { mtlsMode: string } } };
        o.verify.mesh.mtlsMode = "PERMISSIVE";
        let out = "";
        const code = await main(
            ["--stack", "test", "--outputs", writeOutputs(o), "--ca", path.join(dir, "ca.pem")],
            { out: (s) => (out += s), err: (s) => (out += s) },
        );
        assert.equal(code, 0, out);
        assert.match(
            out,
            /skip tokyo: plaintext to a meshed service refused: the stack runs PERMISSIVE mTLS/,
        );
    });

    describe("usage and outputs (exit 2)", () => {
        const run = async (argv: string[]) => {
            let text = "";
            const code = await main(argv, { out: (s) => (text += s), err: (s) => (text += s) });
            return { code, text };
        };

        it("--help prints the usage and exits 0", async () => {
            const r = await run(["--help"]);
            assert.equal(r.code, 0);
            assert.match(r.text, /usage: npm run verify -- --stack <name>/);
        });

        it("refuses a missing --stack, an unknown flag and a bad number", async () => {
            assert.match((await run([])).text, /--stack <name> is required/);
            assert.equal((await run([])).code, 2);
            const unknown = await run(["--stack", "x", "--colour"]);
            assert.equal(unknown.code, 2);
            assert.match(unknown.text, /--colour/);
            const bad = await run(["--stack", "x", "--timeout", "soon"]);
            assert.equal(bad.code, 2);
            assert.match(bad.text, /--timeout is "soon"; must be a positive number/);
        });

        it("refuses masked kubeconfigs and outputs without a verify object, naming the keys", async () => {
            const o = outputsFor(regions) as { verify: { regions: { kubeconfig: string }[] } };
            o.verify.regions[1].kubeconfig = "[secret]";
            const masked = await run(["--stack", "test", "--outputs", writeOutputs(o)]);
            assert.equal(masked.code, 2);
            assert.match(masked.text, /kubeconfigs of tokyo are masked; .*--show-secrets/);
            const none = await run(["--stack", "test", "--outputs", writeOutputs({ drill: {} })]);
            assert.equal(none.code, 2);
            assert.match(none.text, /verify\.stack/);
        });

        it("runs as the npm script (ts-node tools/verify.ts)", () => {
            const r = spawnSync(
                process.execPath,
                [require.resolve("ts-node/dist/bin"), "tools/verify.ts", "--stack"],
                {
                    cwd: ROOT,
                    encoding: "utf8",
                    timeout: 60_000,
                },
            );
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, /usage: npm run verify/);
        });
    });
});
