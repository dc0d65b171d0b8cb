/**
 * What runs in the clusters: Helm releases pinned to a version and repository, no secret material in
 * plaintext inputs, and sidecar injection on every app namespace.
 */
import { APP_NAMESPACES } from "../../../components/tenant/domains";
import { pinnedChart } from "../../../lib/charts";
import type { PolicyResource } from "@pulumi/policy";
import { isIstiodRelease, metaName, releaseValues, T } from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy, urnName } from "../../lib/policy";
import {
    asArray,
    asRecord,
    asString,
    asStringMap,
    get,
    SECRET_PLACEHOLDER,
    walkStrings,
} from "../../lib/values";

/** Exact chart version (semver, optional leading v); no ranges, wildcards or tags. */
const PINNED = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const helmReleasePinned = resourcePolicy({
    name: "helm-release-pinned",
    description:
        "Every Helm release pins an exact chart version and its repository (repositoryOpts.repo, https or oci); a chart of the platform's catalog (lib/charts.ts) runs the catalog's version.",
    types: [T.helmRelease],
    validate: (props, _args, report) => {
        const chart = asString(props.chart) ?? "";
        const version = asString(props.version);
        if (!version)
            report(`chart ${chart || "(unnamed)"} has no version; pin an exact chart version`);
        else if (!PINNED.test(version))
            report(
                `chart ${chart} version "${version}" is not an exact version (no ranges, wildcards or tags)`,
            );
        const repo = asString(get(props, "repositoryOpts.repo"));
        if (chart.startsWith("oci://")) return;
        if (!repo)
            report(
                `chart ${chart || "(unnamed)"} has no repositoryOpts.repo; pin the chart repository`,
            );
        else if (!/^(https|oci):\/\//.test(repo))
            report(`repositoryOpts.repo ${repo} must be an https:// or oci:// URL`);
        const pinned = repo ? pinnedChart(chart, repo, version) : undefined;
        if (pinned && version && PINNED.test(version) && version !== pinned.version) {
            report(
                `chart ${chart} from ${repo} is at ${version}, but the reviewed catalog (lib/charts.ts) pins ${pinned.version}; change the catalog, not the release`,
            );
        }
    },
});

/** Patterns of material that must only travel as Pulumi secrets or inside Kubernetes Secrets. */
export const SECRET_PATTERNS: readonly { readonly what: string; readonly re: RegExp }[] = [
    { what: "a PEM private key", re: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
    {
        what: "a kubeconfig with a bearer token",
        re: /(?:^|\n)\s*(?:-\s*)?(?:token|id-token|refresh-token):\s*["']?[A-Za-z0-9._~+/=-]{16,}/,
    },
    { what: "a kubeconfig with a client key", re: /client-key-data:\s*["']?[A-Za-z0-9+/=]{16,}/ },
    { what: "a kubeconfig with a password", re: /(?:^|\n)\s*password:\s*["']?\S{4,}/ },
    {
        what: "a kubeconfig (JSON) with credentials",
        re: /"(?:token|client-key-data|password)"\s*:\s*"[^"]{8,}"/,
    },
    { what: "an AWS secret access key", re: /aws_secret_access_key\s*[=:]\s*\S{20,}/i },
    { what: "a GCP service account key", re: /"private_key"\s*:\s*"-----BEGIN/ },
];

/**
 * Inputs that are secrets whatever the program passes: Kubernetes Secret payloads (the Kubernetes
 * provider stores them as secrets) and the private-key inputs the tls SDK wraps in pulumi.secret.
 */
export const ALWAYS_SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = {
    [T.secret]: ["data", "stringData"],
    "tls:index/certRequest:CertRequest": ["privateKeyPem"],
    "tls:index/locallySignedCert:LocallySignedCert": ["caPrivateKeyPem"],
    "tls:index/selfSignedCert:SelfSignedCert": ["privateKeyPem"],
};

/**
 * CrossGuard unwraps Pulumi secrets before a policy sees them, so in a real preview a property counts
 * as secret when its type always makes it one, or when the resource lists it in
 * additionalSecretOutputs (an explicit, engine-visible declaration). Offline, secrets are "[secret]".
 */
function exemptPath(type: string, path: string, declaredSecret: readonly string[]): boolean {
    const top = path.split(/[.[]/)[0];
    return (ALWAYS_SECRET_INPUTS[type] ?? []).includes(top) || declaredSecret.includes(top);
}

export const noPlaintextSecretMaterial = resourcePolicy({
    name: "no-plaintext-secret-material",
    description:
        "No resource input carries private keys, kubeconfig credentials or cloud keys in plaintext (use pulumi.secret or a Kubernetes Secret).",
    types: () => true,
    validate: (props, args, report) => {
        walkStrings(props, (value, path) => {
            if (
                value === SECRET_PLACEHOLDER ||
                exemptPath(args.type, path, args.opts.additionalSecretOutputs ?? [])
            )
                return;
            for (const p of SECRET_PATTERNS) {
                if (p.re.test(value)) {
                    report(
                        `input ${path} holds ${p.what} in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret`,
                    );
                    return;
                }
            }
        });
    },
});

/**
 * Revisions the istiod releases of a cluster serve: `revision` ("default" when empty) and `revisionTags`,
 * plus the revision tags declared as their own webhooks (`istio.io/tag` label, pointing at a served
 * revision; see components/mesh/revisions.ts).
 */
function servedRevisions(
    istiods: readonly PolicyResource[],
    others: readonly PolicyResource[] = [],
): Set<string> {
    const out = new Set<string>();
    for (const r of istiods) {
        const values = releaseValues(r.props);
        out.add(asString(values.revision) || "default");
        for (const tag of asArray(values.revisionTags)) if (typeof tag === "string") out.add(tag);
    }
    for (const w of others) {
        if (w.type !== "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration")
            continue;
        const labels = asStringMap(get(asRecord(w.props.metadata), "labels"));
        const tag = labels["istio.io/tag"];
        if (tag && out.has(labels["istio.io/rev"] ?? "")) out.add(tag);
    }
    return out;
}

export const sidecarInjection = stackPolicy<{ appNamespaces: string[] }>({
    name: "istio-sidecar-injection",
    description:
        "Every app namespace enables sidecar injection (istio-injection: enabled, or istio.io/rev naming a revision an istiod of its cluster serves).",
    config: {
        appNamespaces: { type: "array", items: { type: "string" }, default: [...APP_NAMESPACES] },
    },
    validate: (resources, _args, report, cfg) => {
        const istiods = resources.filter((r) => isIstiodRelease(r));
        for (const ns of resources.filter(
            (r) => r.type === T.namespace && cfg.appNamespaces.includes(metaName(r.props) ?? ""),
        )) {
            const name = metaName(ns.props);
            const labels = asStringMap(get(asRecord(ns.props.metadata), "labels"));
            const injection = labels["istio-injection"];
            const rev = labels["istio.io/rev"];
            if (injection === "disabled")
                report(
                    `namespace ${name} disables sidecar injection (istio-injection: disabled)`,
                    ns.urn,
                );
            else if (injection !== "enabled" && !rev)
                report(
                    `namespace ${name} has no sidecar injection label (istio-injection: enabled or istio.io/rev)`,
                    ns.urn,
                );
            else if (injection !== "enabled" && rev) {
                const served = servedRevisions(
                    istiods.filter((i) => providerKey(i) === providerKey(ns)),
                    resources.filter((w) => providerKey(w) === providerKey(ns)),
                );
                if (served.size > 0 && !served.has(rev)) {
                    report(
                        `namespace ${name} selects istio.io/rev ${rev}, which no istiod in cluster ${urnName(providerKey(ns))} serves (revisions: ${[...served].sort().join(", ")}); its pods would get no sidecar`,
                        ns.urn,
                    );
                }
            }
        }
    },
});
