/**
 * Config rules for the mesh CA vault (`caVault`): its readers are IAM roles on AWS and service accounts
 * on GCP, and the break-glass identity is not one of the deployers (else break-glass would be a
 * second, everyday way in and the CloudTrail / audit-log alert on it would fire on every deploy).
 */
import type { RuleContext } from "./rule-context";

/** An IAM role ARN; deployers may use `*` and `?` (they are matched with ArnLike on aws:PrincipalArn). */
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const ROLE_ARN_PATTERN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/*?-]+$/;
const SERVICE_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9-]+\.iam\.gserviceaccount\.com$/;

export function caVaultRules({ parsed, clouds, regionsKnown, add }: RuleContext): void {
    const vault = parsed.caVault;
    // A mixed-cloud stack is refused by cloudRules; the principals' form depends on the one cloud.
    if (!vault || !regionsKnown || clouds.size !== 1) return;
    const aws = clouds.has("aws");
    vault.deployers.forEach((d, i) => {
        const ok = aws ? ROLE_ARN_PATTERN.test(d) : SERVICE_ACCOUNT.test(d);
        if (!ok)
            add(
                `caVault.deployers[${i}]`,
                d,
                aws
                    ? "must be an IAM role ARN like arn:aws:iam::111122223333:role/ci-deploy (`*` allowed, e.g. for SSO roles)"
                    : "must be a service account email like deploy@<project>.iam.gserviceaccount.com",
            );
    });
    const bg = vault.breakGlass;
    if (!(aws ? ROLE_ARN.test(bg) : SERVICE_ACCOUNT.test(bg)))
        add(
            "caVault.breakGlass",
            bg,
            aws
                ? "must be one IAM role ARN without wildcards like arn:aws:iam::111122223333:role/mesh-ca-break-glass"
                : "must be a service account email like break-glass@<project>.iam.gserviceaccount.com",
        );
    if (vault.deployers.includes(bg))
        add(
            "caVault.breakGlass",
            bg,
            "must not also be in caVault.deployers: break-glass is a separate identity used only for recovery",
        );
}
