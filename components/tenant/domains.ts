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
/**
 * Headers a client could send to pose as someone: the ingress strips them from every public request.
 * No policy of the tenant reads them (identity comes from the validated JWT, `IDENTITY_CLAIMS`); they
 * are removed so that an application that still reads one cannot be fooled from the internet.
 */
export const CLIENT_IDENTITY_HEADERS: readonly string[] = [
    "x-user-role",
    "user-verification",
    "x-user-id",
    "x-forwarded-user",
    "x-remote-user",
];

/**
 * The exam session token: issued to the learner's client by the exam engine when an exam starts, sent
 * by the client as this header on every questions call, forwarded unchanged by exam-frontend to
 * exam-service. It is not an identity (the learner is the JWT subject): the mesh only requires it to be
 * present and not empty; exam-service checks that it belongs to the JWT's subject and to the exam in
 * the path. The ingress therefore passes it through (docs/security.md, "Identity inside the mesh").
 */
export const EXAM_SESSION_HEADER = "exam-session-token";

/**
 * JWT claims the tenant's policies read (`request.auth.claims[...]`), set by the stack's issuer
 * (`mesh.jwt.issuer`): `role` (string or list) and `user_verification` ("verified" once the learner's
 * identity is checked). They replace the guide's `x-user-role` and `user-verification` headers.
 */
export const IDENTITY_CLAIMS = { role: "role", verification: "user_verification" } as const;

/** Workloads whose AuthorizationPolicies read JWT claims: each validates the token itself. */
export const JWT_PROTECTED_WORKLOADS: readonly string[] = ["user-service", "exam-service"];

/** The paths a route covers: the prefix itself and everything below it. */
export const routePaths = (prefix: string): string[] => [prefix, `${prefix}/*`];
/** Every public path: where the mesh's ingress requires a valid token. */
export const publicRoutePaths = (): string[] => PUBLIC_ROUTES.flatMap((r) => routePaths(r.prefix));
