/**
 * The packs as the Pulumi CLI runs them: each pack is started the way the Node.js language host starts
 * a policy pack for `pulumi preview --policy-pack policies/<pack>` (`@pulumi/pulumi/cmd/run-policy-pack
 * <engine> <pack dir>` in the pack's folder: its package.json `main`, its tsconfig.json, TypeScript
 * type-checked by ts-node), configured over gRPC with the committed config file, and asked to analyze
 * the same fixtures the offline runner sees. Both must report the same violations.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { builtinModules, createRequire } from "module";
import * as path from "path";
import {
    evaluatePack,
    loadPackConfig,
    PACKS,
    PackDefinition,
    PlanResource,
    PolicyViolation,
} from "../../policies/offline";
import { buildPack, PACK_DEPENDENCIES, EXTERNAL_DEPENDENCIES } from "../../tools/build-packs";
import { awsProvider, cr, k8sProvider, namespace, release, res, STACK } from "./support";

// The policy SDK's own gRPC and protobuf modules (dependencies of @pulumi/pulumi).
const sdk = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = sdk("@grpc/grpc-js");
const analyzerPb = sdk("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc = sdk("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = sdk("google-protobuf/google/protobuf/struct_pb");
const { Empty } = sdk("google-protobuf/google/protobuf/empty_pb");

const LEVELS: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const LEVEL_NAMES = ["advisory", "mandatory", "disabled", "remediate"];

interface Server {
    readonly child: ChildProcess;
    readonly client: any;
}

/**
 * Start a pack's policy server: by default the source folder under policies/, with the repository's
 * run-policy-pack; `dir` and `runner` point at a built pack installed on its own.
 */
function startPack(
    pack: PackDefinition,
    dir = path.resolve(__dirname, "..", "..", "policies", pack.dir),
    runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack"),
): Promise<Server> {
    return new Promise((resolve, reject) => {
        // No TS_NODE_* settings of the test process leak in: the pack must start with its own config.
        const env = Object.fromEntries(
            Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")),
        );
        const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
            cwd: dir,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stderr.on("data", (d) => (err += d));
        child.on("exit", (code) =>
            reject(new Error(`pack ${pack.dir} exited with ${code}: ${err}`)),
        );
        child.stdout.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (m)
                resolve({
                    child,
                    client: new analyzerGrpc.AnalyzerClient(
                        `127.0.0.1:${m[1]}`,
                        grpc.credentials.createInsecure(),
                    ),
                });
        });
    });
}

const call = <T>(client: any, method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
        client[method](req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))),
    );

/** What the CLI sends for a `--policy-pack-config` file: `all` expanded into every policy. */
async function configure(
    server: Server,
    pack: PackDefinition,
    config: Record<string, unknown>,
): Promise<void> {
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    const all = typeof config.all === "string" ? config.all : undefined;
    for (const policy of pack.policies) {
        const entry = config[policy.name];
        const props =
            typeof entry === "object" && entry ? { ...(entry as Record<string, unknown>) } : {};
        const level =
            (typeof entry === "string" ? entry : (props.enforcementLevel as string | undefined)) ??
            all ??
            policy.enforcementLevel ??
            "mandatory";
        delete props.enforcementLevel;
        const pc = new analyzerPb.PolicyConfig();
        pc.setEnforcementlevel(LEVELS[level]);
        pc.setProperties(Struct.fromJavaScript(props));
        req.getPolicyconfigMap().set(policy.name, pc);
    }
    await call(server.client, "configure", req);
}

function options(r: PlanResource) {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    if (r.parent) o.setParent(r.parent);
    return o;
}

function providerOf(r: PlanResource, all: readonly PlanResource[]) {
    const p = all.find((x) => x.urn === r.provider);
    if (!p) return undefined;
    const pr = new analyzerPb.AnalyzerProviderResource();
    pr.setType(p.type);
    pr.setProperties(Struct.fromJavaScript(p.inputs));
    pr.setUrn(p.urn);
    pr.setName(p.name);
    return pr;
}

type Row = [string, string, string, string];

async function serverViolations(
    server: Server,
    pack: PackDefinition,
    resources: readonly PlanResource[],
): Promise<Row[]> {
    const rows: Row[] = [];
    const collect = (resp: any, fallbackUrn: string) => {
        for (const d of resp.getDiagnosticsList()) {
            const desc = d.getDescription();
            const message = d.getMessage().startsWith(`${desc}\n`)
                ? d.getMessage().slice(desc.length + 1)
                : d.getMessage();
            rows.push([
                d.getPolicyname(),
                LEVEL_NAMES[d.getEnforcementlevel()],
                d.getUrn() || fallbackUrn,
                message.replace(`@v${d.getPolicypackversion()}`, ""),
            ]);
        }
    };
    for (const r of resources) {
        const req = new analyzerPb.AnalyzeRequest();
        req.setType(r.type);
        req.setProperties(Struct.fromJavaScript(r.inputs));
        req.setUrn(r.urn);
        req.setName(r.name);
        req.setOptions(options(r));
        const p = providerOf(r, resources);
        if (p) req.setProvider(p);
        collect(await call(server.client, "analyze", req), r.urn);
    }
    const stackReq = new analyzerPb.AnalyzeStackRequest();
    stackReq.setResourcesList(
        resources.map((r) => {
            const ar = new analyzerPb.AnalyzerResource();
            ar.setType(r.type);
            ar.setProperties(Struct.fromJavaScript(r.inputs));
            ar.setUrn(r.urn);
            ar.setName(r.name);
            ar.setOptions(options(r));
            if (r.parent) ar.setParent(r.parent);
            ar.setDependenciesList([...r.dependencies]);
            const p = providerOf(r, resources);
            if (p) ar.setProvider(p);
            return ar;
        }),
    );
    collect(
        await call(server.client, "analyzeStack", stackReq),
        `urn:pulumi:${STACK}::mesh-platform::pulumi:pulumi:Stack::mesh-platform-${STACK}`,
    );
    return rows;
}

const offlineRows = (v: PolicyViolation[]): Row[] =>
    v.map((x) => [x.policyName, x.enforcementLevel, x.urn, x.message]);
const sortRows = (rows: Row[]) => [...rows].sort((a, b) => a.join("|").localeCompare(b.join("|")));

/** Fixtures that trip several resource and stack policies of both packs. */
function fixtures(): PlanResource[] {
    const aws = awsProvider("aws-singapore", "ap-southeast-1");
    const eks = res(
        "aws:eks/cluster:Cluster",
        "singapore-eks",
        {
            vpcConfig: { endpointPrivateAccess: false },
            enabledClusterLogTypes: ["api"],
            tags: { team: "platform" },
        },
        { provider: aws },
    );
    const k8s = k8sProvider("singapore-k8s", eks);
    return [
        aws,
        eks,
        k8s,
        res("aws:ec2/natGateway:NatGateway", "nat", { subnetId: "subnet-1" }, { provider: aws }),
        cr(
            "security.istio.io/v1",
            "PeerAuthentication",
            "legacy",
            "user",
            { mtls: { mode: "PERMISSIVE" } },
            k8s,
        ),
        namespace("user", {}, k8s),
        release(
            "mesh-singapore-istiod",
            "istiod",
            {
                global: {
                    meshID: "edtech-mesh",
                    multiCluster: { clusterName: "singapore" },
                    network: "network-singapore",
                },
                traceSampling: 10,
            },
            k8s,
        ),
        res(
            "kubernetes:core/v1:ConfigMap",
            "leak",
            { data: { "key.pem": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----" } },
            { provider: k8s },
        ),
    ];
}

describe("policies: the packs as a policy server", function () {
    this.timeout(120000);
    for (const pack of PACKS) {
        describe(pack.dir, () => {
            let server: Server;
            before(async () => {
                server = await startPack(pack);
            });
            after(() => {
                server?.child.removeAllListeners("exit");
                server?.child.kill();
            });

            it("registers the pack's policies with their config schemas", async () => {
                const info = await call<any>(server.client, "getAnalyzerInfo", new Empty());
                assert.strictEqual(info.getName(), pack.name);
                assert.deepStrictEqual(
                    info.getPoliciesList().map((p: any) => p.getName()),
                    pack.policies.map((p) => p.name),
                );
                // Each policy's own default (cost-estimate-complete is advisory); config files set the rest.
                assert.deepStrictEqual(
                    info.getPoliciesList().map((p: any) => LEVEL_NAMES[p.getEnforcementlevel()]),
                    pack.policies.map((p) => p.enforcementLevel ?? "mandatory"),
                );
            });

            for (const env of ["prod", "dev"] as const) {
                it(`reports what the offline runner reports, with the ${env} config`, async () => {
                    const config = loadPackConfig(pack, env);
                    await configure(server, pack, config);
                    const resources = fixtures();
                    const expected = sortRows(
                        offlineRows(evaluatePack(pack, config, resources, STACK)),
                    );
                    assert.ok(expected.length >= 4, `fixtures should trip ${pack.dir} policies`);
                    assert.deepStrictEqual(
                        sortRows(await serverViolations(server, pack, resources)),
                        expected,
                    );
                });
            }
        });
    }
});

/**
 * `npm run build:packs`, then each built pack copied alone into an empty directory with only its own
 * dependencies (the two SDK packages, linked from the repository's node_modules: no network), and
 * started with that copy's run-policy-pack: it must register and report exactly what the offline runner
 * reports. The bundle may require nothing but its declared dependencies.
 */
describe("policies: built packs, installed alone", function () {
    this.timeout(180000);
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "packs-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    for (const pack of PACKS) {
        describe(pack.dir, () => {
            let server: Server | undefined;
            let dir: string;
            before(() => {
                const built = buildPack(pack.dir, path.join(tmp, "dist"));
                dir = path.join(tmp, "installed", pack.dir);
                fs.mkdirSync(dir, { recursive: true });
                for (const f of fs.readdirSync(built))
                    fs.copyFileSync(path.join(built, f), path.join(dir, f));
                const manifest = JSON.parse(
                    fs.readFileSync(path.join(dir, "package.json"), "utf8"),
                );
                for (const dep of Object.keys(manifest.dependencies)) {
                    const real = path.resolve(__dirname, "../../node_modules", dep);
                    const link = path.join(dir, "node_modules", dep);
                    fs.mkdirSync(path.dirname(link), { recursive: true });
                    fs.symlinkSync(real, link, "dir");
                }
            });
            after(() => {
                server?.child.removeAllListeners("exit");
                server?.child.kill();
            });

            it("holds only index.js, PulumiPolicy.yaml and package.json with the pinned SDKs", () => {
                assert.deepStrictEqual(fs.readdirSync(dir).sort(), [
                    "PulumiPolicy.yaml",
                    "index.js",
                    "node_modules",
                    "package.json",
                ]);
                const manifest = JSON.parse(
                    fs.readFileSync(path.join(dir, "package.json"), "utf8"),
                );
                assert.strictEqual(manifest.main, "index.js");
                assert.deepStrictEqual(Object.keys(manifest.dependencies), [
                    ...PACK_DEPENDENCIES,
                    ...EXTERNAL_DEPENDENCIES[pack.dir],
                ]);
                const requires = [
                    ...fs
                        .readFileSync(path.join(dir, "index.js"), "utf8")
                        .matchAll(/require\("([^"]+)"\)/g),
                ].map((m) => m[1]);
                const builtin = new Set(builtinModules);
                const external = [...PACK_DEPENDENCIES, ...EXTERNAL_DEPENDENCIES[pack.dir]];
                const outside = [
                    ...new Set(requires.filter((r) => !builtin.has(r.replace(/^node:/, "")))),
                ];
                assert.ok(outside.includes("@pulumi/policy"), outside.join(", "));
                assert.deepStrictEqual(
                    outside.filter((r) => !external.some((d) => r === d || r.startsWith(`${d}/`))),
                    [],
                );
                // The AGPL evaluator stays outside the bundle: esbuild names every inlined module.
                assert.doesNotMatch(
                    fs.readFileSync(path.join(dir, "index.js"), "utf8"),
                    /node_modules\/@cloud-copilot\//,
                );
            });

            it("loads under the policy server and reports what the offline runner reports", async () => {
                server = await startPack(
                    pack,
                    dir,
                    path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"),
                );
                const info = await call<any>(server.client, "getAnalyzerInfo", new Empty());
                assert.strictEqual(info.getName(), pack.name);
                assert.deepStrictEqual(
                    info.getPoliciesList().map((p: any) => p.getName()),
                    pack.policies.map((p) => p.name),
                );
                const config = loadPackConfig(pack, "prod");
                await configure(server, pack, config);
                const resources = fixtures();
                assert.deepStrictEqual(
                    sortRows(await serverViolations(server, pack, resources)),
                    sortRows(offlineRows(evaluatePack(pack, config, resources, STACK))),
                );
            });
        });
    }
});
