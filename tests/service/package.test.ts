/** The package entry app teams import (`mesh-platform/service`) and the Argo Rollouts chart values. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROLLOUTS_IMAGE_TAG, rolloutsValues } from "../../components/rollouts";

const ROOT = path.resolve(__dirname, "../..");
const readJson = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, f), "utf8"));

describe("service: package entry and Argo Rollouts values", () => {
    it("exports ./service from what tsconfig.service.json builds, and builds it before packing", () => {
        const pkg = readJson("package.json");
        const ts = readJson("tsconfig.service.json");
        assert.deepEqual(ts.include, ["components/service/index.ts"]);
        const out = ts.compilerOptions.outDir as string;
        assert.deepEqual(pkg.exports["./service"], {
            types: `./${out}/components/service/index.d.ts`,
            default: `./${out}/components/service/index.js`,
        });
        assert.equal(pkg.exports["."], `./${pkg.main}`);
        assert.equal(pkg.scripts.prepack, "npm run build:service");
        assert.equal(pkg.scripts["build:service"], "tsc -p tsconfig.service.json");
        assert.equal(pkg.scripts.verify, "ts-node tools/verify.ts");
    });

    it("Argo Rollouts: Istio RBAC only, no dashboard, CRDs kept, image pinned by digest", () => {
        const v = rolloutsValues(2) as Record<string, any>;
        const on = Object.entries(v.providerRBAC.providers)
            .filter(([, e]) => e)
            .map(([p]) => p);
        assert.deepEqual(on, ["istio"]);
        assert.equal(Object.keys(v.providerRBAC.providers).length, 10);
        assert.equal(v.dashboard.enabled, false);
        assert.equal(v.keepCRDs, true);
        assert.equal(v.installCRDs, true);
        assert.match(v.controller.image.tag, /^v1\.9\.1@sha256:[a-f0-9]{64}$/);
        assert.equal(v.controller.image.tag, ROLLOUTS_IMAGE_TAG);
        assert.deepEqual(v.controller.pdb, { enabled: true, minAvailable: 1 });
        assert.deepEqual((rolloutsValues(1) as Record<string, any>).controller.pdb, {
            enabled: false,
        });
    });
});
