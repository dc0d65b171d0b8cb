/** The exampleServices key: defaults, and every problem named by key at once. */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../support/config";
import { validRawConfig } from "../support/fixtures";

const parse = (exampleServices: unknown) =>
    parseConfig("test", { ...validRawConfig(), exampleServices });

describe("service: exampleServices config", () => {
    it("defaults to none and fills canary and cache with false", () => {
        assert.deepEqual(parseConfig("test", validRawConfig()).exampleServices, []);
        assert.deepEqual(parse([{ name: "catalog", cache: true }]).exampleServices, [
            { name: "catalog", canary: false, cache: true },
        ]);
    });

    it("lists every bad entry: unpinned image, bad name, unknown field, duplicate, reserved name", () => {
        try {
            parse([
                { name: "catalog", image: "ghcr.io/x/catalog:1" },
                { name: "Catalog" },
                { name: "reviews", canry: true },
                { name: "catalog" },
                { name: "smoke" },
            ]);
            assert.fail("expected a ConfigError");
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            const keys = e.problems.map(
                (p) => `${p.key.replace(/^mesh-platform:/, "")}: ${p.message}`,
            );
            for (const re of [
                /^exampleServices\[0\]\.image: .*pinned by digest/,
                /^exampleServices\[1\]\.name: /,
                /^exampleServices\[2\]: unknown field canry/,
            ])
                assert.ok(
                    keys.some((k) => re.test(k)),
                    `${String(re)} not in\n${keys.join("\n")}`,
                );
            // The cross-key rules run only on keys that parsed; here the schema already failed.
            assert.equal(
                keys.filter((k) => k.startsWith("exampleServices")).length,
                3,
                keys.join("\n"),
            );
        }
        try {
            parse([{ name: "catalog" }, { name: "catalog" }, { name: "smoke" }]);
            assert.fail("expected a ConfigError");
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            const keys = e.problems.map(
                (p) => `${p.key.replace(/^mesh-platform:/, "")}: ${p.message}`,
            );
            assert.deepEqual(keys, [
                "exampleServices[1].name: is used twice; names must be unique",
                "exampleServices[2].name: is reserved (smoke); choose another name",
            ]);
        }
    });
});
