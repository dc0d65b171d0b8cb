/** The loader's checks of the CA vault and backup secrets keys: every problem at once, naming the key. */
import { strict as assert } from "assert";
import { ConfigError, parseConfig as parseConfigNow } from "../../config";
import { parseConfig, TEST_NOW } from "../support/config";
import { validGcpRawConfig, validRawConfig } from "../support/fixtures";

function problems(raw: Record<string, unknown>, secrets: string[]): [string, string][] {
    try {
        parseConfigNow("t", raw, new Set(secrets), TEST_NOW);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => [p.key, p.message]);
        throw e;
    }
    return [];
}

describe("config: CA vault and backup secrets", () => {
    it("requires caVault and backupRepositoryPassword, and the password as a secret", () => {
        const raw = validRawConfig();
        delete raw.caVault;
        delete raw.backupRepositoryPassword;
        assert.deepEqual(problems(raw, []), [
            ["mesh-platform:caVault", "is required"],
            ["mesh-platform:backupRepositoryPassword", "is required"],
        ]);
        assert.deepEqual(problems(validRawConfig(), []), [
            [
                "mesh-platform:backupRepositoryPassword",
                "must be set as a secret: pulumi config set --secret mesh-platform:backupRepositoryPassword <value>",
            ],
        ]);
        assert.deepEqual(problems(validRawConfig(), ["backupRepositoryPassword"]), []);
    });

    it("refuses a short password, a non-https pager URL and principals of the wrong form, all at once", () => {
        const raw = {
            ...validRawConfig(),
            backupRepositoryPassword: "short",
            backupPagerUrl: "http://pager.example.com/x",
            caVault: {
                deployers: [
                    "ci-deploy",
                    "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/Admin_*",
                ],
                breakGlass: "arn:aws:iam::111122223333:role/*",
            },
        };
        const found = problems(raw, ["backupRepositoryPassword", "backupPagerUrl"]);
        assert.deepEqual(
            found.map(([k]) => k),
            [
                "mesh-platform:backupRepositoryPassword",
                "mesh-platform:backupPagerUrl",
                "mesh-platform:caVault.deployers[0]",
                "mesh-platform:caVault.breakGlass",
            ],
        );
        assert.match(
            found[2][1],
            /must be an IAM role ARN like arn:aws:iam::111122223333:role\/ci-deploy/,
        );
        assert.match(found[3][1], /must be one IAM role ARN without wildcards/);
    });

    it("refuses break-glass as a deployer, and AWS ARNs on a GCP stack", () => {
        const bg = "arn:aws:iam::111122223333:role/mesh-ca-break-glass";
        assert.deepEqual(
            problems({ ...validRawConfig(), caVault: { deployers: [bg], breakGlass: bg } }, [
                "backupRepositoryPassword",
            ]),
            [
                [
                    "mesh-platform:caVault.breakGlass",
                    "must not also be in caVault.deployers: break-glass is a separate identity used only for recovery",
                ],
            ],
        );
        const gcp = { ...validGcpRawConfig(), caVault: (validRawConfig() as any).caVault };
        assert.deepEqual(
            problems(gcp, ["backupRepositoryPassword"]).map(([k]) => k),
            ["mesh-platform:caVault.deployers[0]", "mesh-platform:caVault.breakGlass"],
        );
    });

    it("resolves the password and pager URL as Pulumi secrets and the vault principals as given", async () => {
        const cfg = parseConfig(
            "t",
            {
                ...validRawConfig(),
                backupPagerUrl: "https://events.pagerduty.com/integration/abc/enqueue",
            },
            new Set(["backupPagerUrl"]),
        );
        assert.equal(await (cfg.backup.repositoryPassword as any).isSecret, true);
        assert.equal(await (cfg.backup.pagerUrl as any).isSecret, true);
        assert.deepEqual(cfg.caVault, {
            deployers: ["arn:aws:iam::111122223333:role/ci-deploy"],
            breakGlass: "arn:aws:iam::111122223333:role/mesh-ca-break-glass",
        });
    });
});
