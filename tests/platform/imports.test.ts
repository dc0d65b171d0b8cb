import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";
import { importsOutside, projectImports, tsFilesUnder } from "../support/imports";

const AREAS = fs
    .readdirSync(path.join(ROOT, "components"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

describe("architecture: data flows one way", () => {
    it("finds every component area", () => {
        for (const area of [
            "backup",
            "cluster",
            "dns",
            "mesh",
            "network",
            "observability",
            "tenant",
        ]) {
            assert.ok(
                AREAS.includes(area),
                `components/${area} is missing (found ${AREAS.join(", ")})`,
            );
        }
    });

    for (const area of AREAS) {
        it(`components/${area} imports only components/**, lib/** and packages`, () => {
            const files = tsFilesUnder(path.join(ROOT, "components", area));
            assert.ok(files.length > 0, `no sources in components/${area}`);
            assert.deepEqual(
                files.flatMap((f) =>
                    importsOutside(f, fs.readFileSync(f, "utf8"), ["components", "lib"]),
                ),
                [],
            );
        });
    }

    it("the generic mesh never imports the EdTech tenant", () => {
        const bad = tsFilesUnder(path.join(ROOT, "components", "mesh"))
            .flatMap((f) => projectImports(f, fs.readFileSync(f, "utf8")))
            .filter((i) => i.target.startsWith("components/tenant"));
        assert.deepEqual(bad, []);
    });

    it("lib/ imports nothing from the project but lib/", () => {
        const files = tsFilesUnder(path.join(ROOT, "lib"));
        assert.ok(files.length >= 4);
        assert.deepEqual(
            files.flatMap((f) => importsOutside(f, fs.readFileSync(f, "utf8"), ["lib"])),
            [],
        );
    });

    it("the check catches config, composition, tools and relative-climbing imports, and passes lib and components", () => {
        const file = path.join(ROOT, "components", "observability", "rules", "x.ts");
        const source = [
            'import type { PlatformConfig } from "../../../config";',
            'import { composeClusterAddons } from "../../../platform/addons";',
            'export { x } from "../../../tools/mocks";',
            'const d = require("../../../drill/engine");',
            'import { CHARTS } from "../../../lib/charts";',
            'import { LogLevel } from "../../types";',
            'import * as pulumi from "@pulumi/pulumi";',
        ].join("\n");
        assert.deepEqual(importsOutside(file, source, ["components", "lib"]), [
            "components/observability/rules/x.ts imports ../../../config",
            "components/observability/rules/x.ts imports ../../../platform/addons",
            "components/observability/rules/x.ts imports ../../../tools/mocks",
            "components/observability/rules/x.ts imports ../../../drill/engine",
        ]);
    });
});
