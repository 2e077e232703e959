import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { InputError } from '@junction/core';
import type { FastifyReply } from 'fastify';
import { AdminAuth, CSRF_HEADER, type AdminPrincipal, type AdminRefusal } from './admin-auth';
import { digest, matchesDigest } from './secrets';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request as the guard sees it; the guard leaves the principal on it for the audit log. */
export interface AdminRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The caller's address: the socket's, or the one a trusted proxy names (TRUST_PROXY). */
  ip?: string;
  /** The host the caller asked for: the Host header, or X-Forwarded-Host from a trusted proxy (TRUST_PROXY). */
  host: string;
  adminPrincipal?: AdminPrincipal;
}

/**
 * Every admin route: a principal is required (401 otherwise, 429 with Retry-After while the caller's failures are
 * throttled). A state-changing call made with the session cookie must also carry the session's CSRF token in
 * `x-csrf-token`, and come from the same origin (403 otherwise); token and Basic calls cannot be forged by another
 * site, so they need neither.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly auth: AdminAuth) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const result = await this.auth.authenticate(request);
    if (result.refusal) throw refusalError(result.refusal, context.switchToHttp().getResponse<FastifyReply>());
    const principal = result.ok;
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) checkCsrf(request, principal.csrfToken!);
    request.adminPrincipal = principal;
    return true;
  }
}

/** The error to throw for a refusal; a throttled one sets Retry-After on the reply first. */
export function refusalError(refusal: AdminRefusal, reply: FastifyReply): InputError {
  if (refusal.retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(refusal.retryAfterMs / 1000)));
  return new InputError(refusal.code, refusal.detail, refusal.status);
}

function checkCsrf(request: AdminRequest, expected: string): void {
  const given = request.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !matchesDigest(given, digest(expected))) {
    throw new InputError('CSRF_REJECTED', `a change made with the session cookie needs the ${CSRF_HEADER} header`, 403);
  }
  if (!fromSameOrigin(request)) {
    throw new InputError('CSRF_REJECTED', 'a change made with the session cookie must come from the dashboard itself', 403);
  }
}

/** What the browser may say of where a request comes from: this origin, or typed in by the user. */
const SAME_SITE_FETCH = new Set(['same-origin', 'none']);

/**
 * False when the browser says the request comes from elsewhere: `Sec-Fetch-Site` other than same-origin, an opaque
 * `Origin: null` (a sandboxed frame, a data: or file: page), or an Origin whose host is not the one asked for. The
 * host is `request.host`, which follows X-Forwarded-Host only when TRUST_PROXY trusts the sender; tools that send
 * neither header pass.
 */
export function fromSameOrigin(request: Pick<AdminRequest, 'headers' | 'host'>): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && !SAME_SITE_FETCH.has(site)) return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || !URL.canParse(origin)) return false;
  return new URL(origin).host === request.host;
}
