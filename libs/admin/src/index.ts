export * from './admin.module';
export * from './admin.tokens';
export { AdminAuth, type AdminAuthOptions, type AdminPrincipal, type SharedAdminAuth, type LoginBody, SESSION_COOKIE, CSRF_HEADER } from './auth/admin-auth';
export * from './bus-peers';
export { AdminAuthGuard, type AdminRequest } from './auth/admin-auth.guard';
export { AuditTrail } from './auth/audit-trail';
export { routeView } from './routes.controller';
export { mountHealth } from './health';
export { describeAdminApi, OpenApiDocument } from './openapi/openapi.controller';
