/** Config rules for the mesh, DNS, certificates, alerting and observability keys. */
import { APP_NAMESPACES } from "../components/tenant/domains";
import { CONFIG_NAMESPACE } from "./errors";
import { PROFILES } from "./profiles";
import {
    caGenerationsOf,
    dnsProviderOf,
    mtlsModeOf,
    regionalHostnamesOf,
    traceSamplingOf,
} from "./resolve";
import type { RuleContext } from "./rule-context";

export function meshRules({ parsed, env, add }: RuleContext): void {
    const mesh = parsed.mesh;
    const mtlsMode = mtlsModeOf(parsed);
    if (mtlsMode === "PERMISSIVE" && env !== "dev")
        add(
            "mesh.mtlsMode",
            mtlsMode,
            `must be STRICT in ${env}; PERMISSIVE is allowed only in dev`,
        );
    if (mesh?.outboundTrafficPolicy === "ALLOW_ANY" && env === "prod")
        add(
            "mesh.outboundTrafficPolicy",
            mesh.outboundTrafficPolicy,
            "must be REGISTRY_ONLY in prod; ALLOW_ANY is allowed only in dev and staging",
        );
    const caGenerations = caGenerationsOf(parsed);
    if (new Set(caGenerations).size !== caGenerations.length)
        add("mesh.caGenerations", caGenerations, "generations must be unique");
    // --- CA rotation (day 2) ---
    const retired = mesh?.caRetiredGenerations ?? [];
    retired.forEach((g, i) => {
        if (caGenerations.includes(g))
            add(
                `mesh.caRetiredGenerations[${i}]`,
                g,
                "is also in mesh.caGenerations; a root is either trusted or retired",
            );
        if (retired.indexOf(g) !== i) add(`mesh.caRetiredGenerations[${i}]`, g, "is listed twice");
    });
}

export function dnsRules({ parsed, regionsKnown, clouds, add }: RuleContext): void {
    const dns = parsed.dns;
    if (dns && !(dns.hostname === dns.zoneName || dns.hostname.endsWith(`.${dns.zoneName}`))) {
        add("dns.hostname", dns.hostname, `must be inside the zone ${dns.zoneName}`);
    }
    const dnsProvider = dnsProviderOf(parsed);
    if (regionsKnown && dnsProvider === "route53" && !clouds.has("aws"))
        add(
            "dns.provider",
            dnsProvider,
            "route53 needs at least one aws region; allowed here: clouddns",
        );
    if (regionsKnown && dnsProvider === "clouddns" && !clouds.has("gcp"))
        add("dns.provider", dnsProvider, "clouddns needs a gcp region; allowed here: route53");
    if (dns && dnsProvider === "route53" && dns.hostname === dns.zoneName) {
        add(
            "dns.hostname",
            dns.hostname,
            `is the zone apex; route53 failover records are CNAMEs to the load balancers and need a name below the zone, e.g. app.${dns.zoneName}`,
        );
    }
}

export function certificateRules({ parsed, add }: RuleContext): void {
    const zone = parsed.dns?.zoneName;
    if (!zone || !parsed.certificates?.hostnames) return;
    const listed = parsed.certificates.hostnames;
    const hostname = parsed.dns?.hostname;
    const missing = hostname
        ? regionalHostnamesOf(parsed, hostname).filter((h) => !listed.includes(h))
        : [];
    if (missing.length > 0)
        add(
            "certificates.hostnames",
            listed,
            `must also list ${missing.join(", ")}: each region's Route 53 app health check calls its ingress by its regional name (TLS with SNI), so without it no check passes and DNS never fails over (or leave certificates.hostnames unset for the default)`,
        );
    parsed.certificates.hostnames.forEach((h, i) => {
        if (h !== zone && !h.endsWith(`.${zone}`)) {
            add(
                `certificates.hostnames[${i}]`,
                h,
                `is outside the DNS zone ${zone}; DNS-01 can only prove names in dns.zoneName (allowed: ${zone} and names ending in .${zone})`,
            );
        }
    });
}

/**
 * Whether a smarthost takes mail only with SMTP AUTH: the Amazon SES SMTP endpoints
 * (`email-smtp.<region>.amazonaws.com`, any port: SES requires SMTP credentials), and any host on the
 * submission ports 587 (STARTTLS) and 465 (implicit TLS), which are authenticated by definition (RFC 6409,
 * RFC 8314).
 */
export function smarthostNeedsAuth(smarthost: string): boolean {
    const [host, port] = [
        smarthost.slice(0, smarthost.lastIndexOf(":")),
        smarthost.split(":").pop(),
    ];
    return (
        /^email-smtp(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/.test(host) ||
        port === "587" ||
        port === "465"
    );
}

/**
 * SMTP AUTH needs both halves, and a smarthost that requires authentication needs them: without, no alert
 * e-mail leaves (and until the pager and chat secrets are set, every alert goes to e-mail).
 */
export function alertingRules({ parsed, add }: RuleContext): void {
    const alerting = parsed.alerting;
    if (!alerting) return;
    const hasUser = alerting.smtpUsername !== undefined;
    const hasPassword = parsed.alertingSmtpPassword !== undefined;
    if (smarthostNeedsAuth(alerting.smtpSmarthost)) {
        const why = `alerting.smtpSmarthost ${alerting.smtpSmarthost} accepts mail only with SMTP AUTH (Amazon SES SMTP endpoints and ports 587/465 always authenticate)`;
        if (!hasUser)
            add(
                "alerting.smtpUsername",
                undefined,
                `is required: ${why}; set it to the SMTP user name (for SES: the SMTP credentials of that SES region) together with the secret alertingSmtpPassword, or use a relay on port 25 that needs no authentication`,
            );
        if (!hasPassword)
            add(
                "alertingSmtpPassword",
                undefined,
                `is required: ${why}; set it with pulumi config set --secret ${CONFIG_NAMESPACE}:alertingSmtpPassword <SMTP password>`,
            );
        return;
    }
    if (hasUser !== hasPassword) {
        add(
            hasUser ? "alertingSmtpPassword" : "alerting.smtpUsername",
            undefined,
            "alerting.smtpUsername and the secret alertingSmtpPassword are set together (SMTP AUTH), or neither",
        );
    }
}

// --- observability: dead man's switch ---
/** The heartbeat URL template and its secret come together. */
export function heartbeatRules({ parsed, add }: RuleContext): void {
    const url = parsed.alerting?.heartbeatUrl;
    const secret = parsed.alertingHeartbeatSecret;
    if (url !== undefined && secret === undefined)
        add(
            "alertingHeartbeatSecret",
            undefined,
            `is required with alerting.heartbeatUrl: set it with pulumi config set --secret ${CONFIG_NAMESPACE}:alertingHeartbeatSecret <ping key>`,
        );
    if (url === undefined && secret !== undefined)
        add(
            "alerting.heartbeatUrl",
            undefined,
            "is required with the secret alertingHeartbeatSecret (e.g. https://hc-ping.com/{secret}/mesh-prod-{cluster})",
        );
}
// --- end observability: dead man's switch ---

export function observabilityRules({ parsed, env, add }: RuleContext): void {
    const traceSamplingPercent = traceSamplingOf(parsed);
    if (env === "prod" && traceSamplingPercent > 1)
        add(
            "observability.traceSamplingPercent",
            traceSamplingPercent,
            "must be <= 1 in prod (guide: 1 % sampling in production)",
        );
}

// --- egress ---
/** Allowed external hosts: app namespaces only, each host and port once, never inside the cluster. */
export function egressRules({ parsed, env, add }: RuleContext): void {
    const hosts = parsed.egress?.hosts ?? [];
    const seen = new Map<string, number>();
    hosts.forEach((h, i) => {
        const at = `egress.hosts[${i}]`;
        if (/\.(local|internal)$/.test(h.host))
            add(`${at}.host`, h.host, "is inside the cluster or mesh; list external hosts only");
        h.namespaces.forEach((ns, j) => {
            if (!APP_NAMESPACES.includes(ns))
                add(
                    `${at}.namespaces[${j}]`,
                    ns,
                    `is not an app namespace; allowed: ${APP_NAMESPACES.join(", ")}`,
                );
        });
        if (new Set(h.namespaces).size !== h.namespaces.length)
            add(`${at}.namespaces`, h.namespaces, "lists a namespace twice");
        const key = `${h.host}:${h.port}`;
        const first = seen.get(key);
        if (first !== undefined)
            add(at, key, `repeats egress.hosts[${first}]; list each host and port once`);
        else seen.set(key, i);
    });
    const outbound = parsed.mesh?.outboundTrafficPolicy ?? PROFILES[env].outboundTrafficPolicy;
    if (hosts.length > 0 && outbound === "ALLOW_ANY")
        add(
            "egress.hosts",
            hosts.map((h) => h.host),
            `has no effect while mesh.outboundTrafficPolicy is ALLOW_ANY (the ${env} default); set mesh.outboundTrafficPolicy: REGISTRY_ONLY or remove egress.hosts`,
        );
}

// --- services (golden path) ---
/** Names reserved by the platform's own MeshServices in the examples' namespace. */
const RESERVED_SERVICE_NAMES: readonly string[] = ["smoke"];

export function exampleServiceRules({ parsed, add }: RuleContext): void {
    const seen = new Set<string>();
    (parsed.exampleServices ?? []).forEach((e, i) => {
        if (seen.has(e.name))
            add(`exampleServices[${i}].name`, e.name, "is used twice; names must be unique");
        if (RESERVED_SERVICE_NAMES.includes(e.name))
            add(
                `exampleServices[${i}].name`,
                e.name,
                `is reserved (${RESERVED_SERVICE_NAMES.join(", ")}); choose another name`,
            );
        seen.add(e.name);
    });
}
