/** The EdTech tenant of the mesh: its domains, their identities, policies and traffic (see ./edtech-tenant.ts). */
export { EdTechTenant } from "./edtech-tenant";
export type { EdTechTenantArgs } from "./edtech-tenant";
export type { TenantJwt } from "./authorization";
export {
    APP_DOMAINS,
    APP_NAMESPACES,
    namespaceOf,
    PUBLIC_ROUTES,
    publicRoutePaths,
} from "./domains";
