// ESLint flat config for mesh-platform. Formatting is Prettier's job (`npm run format`); this file
// only carries correctness and architecture rules, and eslint-config-prettier switches off any
// stylistic rule that would disagree with Prettier.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// Project folders other than components/ and lib/. components/ must not reach into them.
const componentsForbidden = [
    "**/config",
    "**/config/*",
    "**/platform",
    "**/platform/*",
    "**/stacks/*",
    "**/tools/*",
    "**/policies/*",
    "**/drill/*",
    "**/tests/*",
    "**/bench/*",
];

export default defineConfig(
    {
        ignores: ["node_modules/", "out/", "bin/", "policies/*/node_modules/"],
    },

    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,

    {
        linterOptions: {
            // A disable comment that no longer suppresses anything is stale: fail on it.
            reportUnusedDisableDirectives: "error",
        },
        languageOptions: {
            parserOptions: {
                // Type information comes from the tsconfig.json nearest to each file (the root one,
                // or policies/<pack>/tsconfig.json for the pack entry points).
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        plugins: {
            "@pulumi": pulumi,
        },
        rules: {
            // The plugin exports no preset; these are all of its rules (both need type information).
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",

            // Leading underscore marks a parameter or binding that is deliberately unused (callback
            // signatures, destructuring that drops a field).
            "@typescript-eslint/no-unused-vars": [
                "error",
                {
                    argsIgnorePattern: "^_",
                    varsIgnorePattern: "^_",
                    caughtErrorsIgnorePattern: "^_",
                    destructuredArrayIgnorePattern: "^_",
                },
            ],

            // require() is the way to reach Pulumi SDK runtime modules that exist at run time but are
            // missing from the SDK's typings (runtime/config, runtime/settings). Other requires still
            // need a disable comment that says why.
            "@typescript-eslint/no-require-imports": [
                "error",
                { allow: ["^@pulumi/pulumi/runtime/"] },
            ],

            // pulumi.log.* return a promise only for the engine round trip; the SDK tracks it itself
            // and Pulumi programs call the log functions without awaiting them.
            "@typescript-eslint/no-floating-promises": [
                "error",
                {
                    allowForKnownSafeCalls: [
                        {
                            from: "package",
                            package: "@pulumi/pulumi",
                            name: ["debug", "info", "warn", "error"],
                        },
                    ],
                },
            ],

            // Off: async functions without await are used on purpose where an interface expects a
            // Promise (drill fakes and probes, SDK callbacks); Promise.resolve() wrappers would be noise.
            "@typescript-eslint/require-await": "off",
        },
    },

    {
        // Tests and the offline plan tooling (tools/: Pulumi mocks, runtime hooks, plan-file readers)
        // work on untyped data by nature: mock resource inputs, gRPC request objects, parsed JSON and
        // YAML. Typing every probe would add casts without catching bugs, so the any-tracking rules and
        // the stringification checks on such values are off there. They stay on for components/,
        // policies/, stacks/, drill/ and bench/.
        files: ["tests/**/*.ts", "tools/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-base-to-string": "off",
            "@typescript-eslint/restrict-template-expressions": "off",
        },
    },

    {
        // The config file itself is plain JavaScript outside every tsconfig: no type-aware rules.
        files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
        extends: [tseslint.configs.disableTypeChecked],
        rules: {
            "@pulumi/no-output-in-template-literal": "off",
            "@pulumi/no-output-instance-in-template-literal": "off",
        },
    },

    {
        // Architecture: a component is built from other components and the shared leaf lib/ only.
        // Stack configuration reaches it through constructor arguments, never through an import.
        files: ["components/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: componentsForbidden,
                            message:
                                "components/ may import only other components/ files, lib/ and npm packages. " +
                                "Pass configuration in through component arguments instead of importing " +
                                "config/, platform/, stacks/, tools/, policies/, drill/, tests/ or bench/.",
                        },
                    ],
                },
            ],
        },
    },

    // Architecture: lib/ is the leaf everything may share, so it depends on nothing in the project.
    // The rule sees only the import string, so the "leaves lib/" test depends on how deep the file
    // sits: lib/a.ts leaves with one "../", lib/x/a.ts with two, and so on.
    ...[0, 1, 2, 3].map((depth) => ({
        files: [["lib", ...Array(depth).fill("*"), "*.ts"].join("/")],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            regex: `^(?:\\.\\./){${depth + 1}}(?!lib(?:/|$))`,
                            message:
                                "lib/ may import only other lib/ files and npm packages: it is the shared leaf of " +
                                "the project and must not depend on components/, config/, platform/ or any other folder.",
                        },
                    ],
                },
            ],
        },
    })),

    prettier,
);
