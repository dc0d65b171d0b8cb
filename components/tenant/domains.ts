/**
 * The EdTech tenant's domains (guide): one namespace per domain with its services (and service
 * accounts), and the public routes that reach a domain's front door. Pure data, imported by the tenant
 * component and by the policy packs.
 */

/** The guide's EdTech domains, one namespace each, with the services (and service accounts) in them. */
export const APP_DOMAINS: Readonly<Record<string, readonly string[]>> = {
    user: [
        "user-authentication",
        "user-profile",
        "user-preferences",
        "user-service",
        "frontend-service",
    ],
    content: ["content-management", "content-delivery", "content-search"],
    assessment: [
        "question-bank",
        "exam-engine",
        "scoring-service",
        "exam-service",
        "exam-frontend",
    ],
    analytics: ["learning-analytics", "performance-tracking", "recommendation-engine"],
};
export const APP_NAMESPACES: readonly string[] = Object.keys(APP_DOMAINS);
/** The namespace whose data the exams RPO applies to: backed up every hour. */
export const ASSESSMENT_NAMESPACE = "assessment";

/** Namespace of an app service from APP_DOMAINS; throws for an unknown service. */
export function namespaceOf(service: string): string {
    for (const [ns, services] of Object.entries(APP_DOMAINS))
        if (services.includes(service)) return ns;
    throw new Error(
        `tenant: ${service} is not a service of any app domain (${Object.keys(APP_DOMAINS).join(", ")})`,
    );
}

/** A route users reach from the internet. */
export interface PublicRoute {
    /** Path prefix on the public hostnames. */
    readonly prefix: string;
    /** The front-door service it lands on. */
    readonly service: string;
}

/** The routes users reach from the internet; each lands on a domain's front door, never on a data service. */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
    { prefix: "/api/v1/users", service: "frontend-service" },
    { prefix: "/api/v1/content", service: "content-delivery" },
    { prefix: "/api/v1/exams", service: "exam-frontend" },
];
/** Headers that internal policies trust; the ingress strips them from client requests. */
export const INTERNAL_TRUST_HEADERS: readonly string[] = [
    "x-user-role",
    "exam-session-token",
    "user-verification",
];

/** The paths a route covers: the prefix itself and everything below it. */
export const routePaths = (prefix: string): string[] => [prefix, `${prefix}/*`];
/** Every public path: where the mesh's ingress requires a valid token. */
export const publicRoutePaths = (): string[] => PUBLIC_ROUTES.flatMap((r) => routePaths(r.prefix));
