/**
 * MeshServiceArgs -> ResolvedServiceArgs: every default filled in, every problem found at once. The error
 * names the arg, the bad value and what is allowed.
 */
import { DEFAULTS, HTTP_METHODS, MeshServiceArgs, ResolvedServiceArgs } from "./args";
import { SERVICE_SIZES } from "./sizing";

const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
/** `name` or `registry/path/name`, optional `:tag`, then `@sha256:` and 64 hex digits. */
const PINNED_IMAGE = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+(:[\w.-]+)?@sha256:[a-f0-9]{64}$/;
const DURATION = /^\d+(ms|s|m|h)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER = /^[a-z0-9-]+$/;
const SERVICE_REF = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const PRINCIPAL = /^[^/\s]+\/ns\/[^/\s]+\/sa\/[^/\s]+$/;
const GATEWAY_REF = /^[^/\s]+\/[^/\s]+$/;
/** Longest suffix a child name adds (`-canary`, `-http-cache`): names stay within 63 characters. */
const LONGEST_SUFFIX = "-http-cache".length;

export class MeshServiceArgsError extends Error {
    constructor(
        readonly service: string,
        readonly problems: readonly string[],
    ) {
        super(
            `MeshService ${service}: ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`,
        );
        this.name = "MeshServiceArgsError";
    }
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

export function resolveServiceArgs(
    name: string,
    args: Omit<MeshServiceArgs, "provider" | "dependsOn">,
): ResolvedServiceArgs {
    const problems: string[] = [];
    const bad = (arg: string, value: unknown, allowed: string) =>
        problems.push(`args.${arg} is ${show(value)}; ${allowed}`);

    if (!DNS_LABEL.test(name) || name.length > 63 - LONGEST_SUFFIX)
        problems.push(
            `name ${show(name)} must be a DNS label of at most ${63 - LONGEST_SUFFIX} characters (lower-case letters, digits, '-')`,
        );
    if (!DNS_LABEL.test(args.namespace ?? ""))
        bad("namespace", args.namespace, "must be a Kubernetes namespace name");
    if (!PINNED_IMAGE.test(args.image ?? ""))
        bad(
            "image",
            args.image,
            "must be pinned by digest: <registry>/<repo>[:tag]@sha256:<64 hex>",
        );

    const port = (arg: string, v: number | undefined, d: number) => {
        const p = v ?? d;
        if (!Number.isInteger(p) || p < 1 || p > 65535) bad(arg, v, "must be a port 1-65535");
        return p;
    };
    const containerPort = port("containerPort", args.containerPort, DEFAULTS.containerPort);
    const servicePort = port("servicePort", args.servicePort, DEFAULTS.servicePort);
    // Ports Istio's sidecar keeps for itself (15000-15090): the app may not listen there.
    if (containerPort >= 15000 && containerPort <= 15090)
        bad("containerPort", containerPort, "15000-15090 are the Istio sidecar's own ports");

    const probes = {
        liveness: args.probes?.liveness ?? DEFAULTS.probes.liveness,
        readiness: args.probes?.readiness ?? DEFAULTS.probes.readiness,
    };
    for (const [k, v] of Object.entries(probes))
        if (!v.startsWith("/")) bad(`probes.${k}`, v, "must be an absolute path starting with /");

    const size = args.size ?? DEFAULTS.size;
    if (!SERVICE_SIZES.includes(size))
        bad("size", size, `must be one of ${SERVICE_SIZES.join(", ")}`);
    const minReplicas = args.minReplicas ?? DEFAULTS.minReplicas;
    const maxReplicas = args.maxReplicas ?? Math.max(DEFAULTS.maxReplicas, minReplicas);
    if (!Number.isInteger(minReplicas) || minReplicas < 1)
        bad("minReplicas", args.minReplicas, "must be an integer >= 1");
    if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas)
        bad("maxReplicas", args.maxReplicas, `must be an integer >= minReplicas (${minReplicas})`);
    if (args.requestsPerSecond !== undefined && !(args.requestsPerSecond > 0))
        bad("requestsPerSecond", args.requestsPerSecond, "must be > 0 requests per second per pod");

    const timeout = args.timeout ?? DEFAULTS.timeout;
    if (!DURATION.test(timeout)) bad("timeout", timeout, "must be a duration like 15s or 500ms");
    const nonIdempotentRetries = args.nonIdempotentRetries ?? DEFAULTS.nonIdempotentRetries;
    if (nonIdempotentRetries !== "connect-failure" && nonIdempotentRetries !== "none")
        bad("nonIdempotentRetries", nonIdempotentRetries, 'must be "connect-failure" or "none"');

    let canary: ResolvedServiceArgs["canary"];
    if (args.canary) {
        const c = args.canary;
        const d = DEFAULTS.canary;
        const steps = c.steps ?? d.steps;
        const increasing = steps.every((s, i) => i === 0 || s > steps[i - 1]);
        if (
            steps.length === 0 ||
            !increasing ||
            steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100) ||
            steps[steps.length - 1] !== 100
        )
            bad("canary.steps", c.steps, "must be increasing integer weights 1-100 ending at 100");
        const pause = c.pause ?? d.pause;
        if (!/^\d+(s|m|h)$/.test(pause)) bad("canary.pause", pause, "must be a duration like 15m");
        if (!/^https?:\/\/[^\s/]+(:\d+)?(\/\S*)?$/.test(c.prometheusAddress ?? ""))
            bad("canary.prometheusAddress", c.prometheusAddress, "must be an http(s) URL");
        const maxErrorRatio = c.maxErrorRatio ?? d.maxErrorRatio;
        if (!(maxErrorRatio > 0 && maxErrorRatio < 1))
            bad(
                "canary.maxErrorRatio",
                maxErrorRatio,
                "must be a ratio between 0 and 1 (0.01 = 1 %)",
            );
        const minRequestsPerSecond = c.minRequestsPerSecond ?? d.minRequestsPerSecond;
        if (!(minRequestsPerSecond >= 0))
            bad("canary.minRequestsPerSecond", minRequestsPerSecond, "must be >= 0");
        const delays = {
            scaleDownDelaySeconds: c.scaleDownDelaySeconds ?? d.scaleDownDelaySeconds,
            abortScaleDownDelaySeconds:
                c.abortScaleDownDelaySeconds ?? d.abortScaleDownDelaySeconds,
        };
        for (const [k, v] of Object.entries(delays))
            if (!Number.isInteger(v) || v < 0) bad(`canary.${k}`, v, "must be an integer >= 0");
        canary = {
            steps,
            pause,
            prometheusAddress: c.prometheusAddress,
            maxErrorRatio,
            minRequestsPerSecond,
            ...delays,
        };
    }

    const allowFrom = args.allowFrom ?? [];
    allowFrom.forEach((c, i) => {
        const at = `allowFrom[${i}]`;
        if ("service" in c) {
            if (!SERVICE_REF.test(c.service))
                bad(`${at}.service`, c.service, "must be <namespace>/<service account>");
        } else if (!PRINCIPAL.test(c.principal ?? ""))
            bad(
                `${at}.principal`,
                c.principal,
                "must be <trust domain>/ns/<namespace>/sa/<account>",
            );
        if (
            c.methods !== undefined &&
            (c.methods.length === 0 || c.methods.some((m) => !HTTP_METHODS.includes(m)))
        )
            bad(
                `${at}.methods`,
                c.methods,
                `must be a non-empty list of ${HTTP_METHODS.join(", ")} (omit for any)`,
            );
        if (
            c.paths !== undefined &&
            (c.paths.length === 0 || c.paths.some((p) => !/^[/*]/.test(p)))
        )
            bad(
                `${at}.paths`,
                c.paths,
                "must be a non-empty list of paths starting with / or * (omit for any)",
            );
    });

    if (args.jwt) {
        if (!/^https:\/\//.test(args.jwt.issuer ?? ""))
            bad("jwt.issuer", args.jwt.issuer, "must be an https URL");
        if (!/^https:\/\//.test(args.jwt.jwksUri ?? ""))
            bad("jwt.jwksUri", args.jwt.jwksUri, "must be an https URL");
    }

    const env = args.env ?? {};
    for (const k of Object.keys(env))
        if (!ENV_NAME.test(k))
            bad(`env.${k}`, env[k], "the name must be a valid environment variable name");

    if (args.runAsUser !== undefined && (!Number.isInteger(args.runAsUser) || args.runAsUser < 1))
        bad("runAsUser", args.runAsUser, "must be a non-root user id (integer >= 1)");

    let publicRoute: ResolvedServiceArgs["publicRoute"];
    if (args.publicRoute) {
        const r = args.publicRoute;
        if (!GATEWAY_REF.test(r.gateway ?? ""))
            bad("publicRoute.gateway", r.gateway, "must be <namespace>/<name>");
        if (!r.hosts || r.hosts.length === 0)
            bad("publicRoute.hosts", r.hosts, "needs at least one hostname");
        if (!/^\/([^\s]*\/)?$/.test(r.prefix ?? "") || r.prefix === "/")
            bad(
                "publicRoute.prefix",
                r.prefix,
                "must start and end with / and not be / itself (e.g. /smoke/)",
            );
        const rewrite = r.rewrite ?? "/";
        if (!rewrite.startsWith("/")) bad("publicRoute.rewrite", rewrite, "must start with /");
        publicRoute = { gateway: r.gateway, hosts: r.hosts, prefix: r.prefix, rewrite };
    }

    if (args.clusterRouting) {
        const cr = args.clusterRouting;
        if (!HEADER.test(cr.header ?? ""))
            bad("clusterRouting.header", cr.header, "must be a lower-case header name");
        if (!cr.clusters || cr.clusters.length === 0 || cr.clusters.some((c) => !DNS_LABEL.test(c)))
            bad(
                "clusterRouting.clusters",
                cr.clusters,
                "must be a non-empty list of cluster names (DNS labels)",
            );
    }

    if (problems.length > 0) throw new MeshServiceArgsError(name, problems);
    return {
        name,
        namespace: args.namespace,
        image: args.image,
        containerPort,
        servicePort,
        probes,
        size,
        minReplicas,
        maxReplicas,
        ...(args.requestsPerSecond !== undefined
            ? { requestsPerSecond: args.requestsPerSecond }
            : {}),
        ...(canary ? { canary } : {}),
        allowFrom,
        ...(args.jwt ? { jwt: args.jwt } : {}),
        cache: args.cache ?? false,
        timeout,
        nonIdempotentRetries,
        localities: args.localities ?? [],
        env,
        ...(args.runAsUser !== undefined ? { runAsUser: args.runAsUser } : {}),
        ...(publicRoute ? { publicRoute } : {}),
        ...(args.clusterRouting ? { clusterRouting: args.clusterRouting } : {}),
    };
}
