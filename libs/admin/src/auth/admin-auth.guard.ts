import { timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { InputError } from '@junction/core';
import { AdminAuth, CSRF_HEADER, type AdminPrincipal } from './admin-auth';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request as the guard sees it; the guard leaves the principal on it for the audit log. */
export interface AdminRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  adminPrincipal?: AdminPrincipal;
}

/**
 * Every admin route: a principal is required (401 otherwise). A state-changing call made with the session cookie must
 * also carry the session's CSRF token in `x-csrf-token`, and come from the same origin when the browser says where it
 * comes from (403 otherwise); token and Basic calls cannot be forged by another site, so they need neither.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly auth: AdminAuth) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const principal = this.auth.principalOf(request);
    if (!principal) throw new InputError('UNAUTHORIZED', this.auth.refusal(), 401);
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) checkCsrf(request, principal.csrfToken!);
    request.adminPrincipal = principal;
    return true;
  }
}

function checkCsrf(request: AdminRequest, expected: string): void {
  const given = Buffer.from(String(request.headers[CSRF_HEADER] ?? ''));
  const want = Buffer.from(expected);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new InputError('CSRF_REJECTED', `a change made with the session cookie needs the ${CSRF_HEADER} header`, 403);
  }
  if (!fromSameOrigin(request)) {
    throw new InputError('CSRF_REJECTED', 'a change made with the session cookie must come from the dashboard itself', 403);
  }
}

/** False when the browser says the request comes from a page of another origin; tools that send no Origin pass. */
export function fromSameOrigin(request: AdminRequest): boolean {
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return true;
  const host = request.headers['x-forwarded-host'] ?? request.headers.host;
  return URL.canParse(origin) && new URL(origin).host === host;
}
