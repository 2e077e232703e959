import { createHash, timingSafeEqual } from 'node:crypto';
import { InputError } from '@junction/core';
import { AdminSessions, type AdminSession } from './admin-sessions';
import { LoginThrottle } from './login-throttle';

export const SESSION_COOKIE = 'junction_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Who made an admin call, and how they proved it. */
export interface AdminPrincipal {
  readonly user: string;
  readonly via: 'session' | 'token' | 'basic';
  /** The session's CSRF token, for session principals. */
  readonly csrfToken?: string;
}

export interface AdminAuthOptions {
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
  readonly sessionTtlMs: number;
  /** Marks the cookie Secure (the dashboard is reached over https, e.g. PUBLIC_URL is https). */
  readonly secureCookie: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Admin authentication: a bearer token, HTTP Basic with the admin user, or a session cookie from a login. Secrets are
 * compared as SHA-256 digests in constant time (equal lengths, whatever was sent). Without any credential configured
 * the admin stays locked: nothing is open by default.
 */
export class AdminAuth {
  readonly sessions: AdminSessions;
  readonly throttle = new LoginThrottle();
  private readonly tokenDigest?: Buffer;
  private readonly userDigest?: Buffer;
  private readonly passwordDigest?: Buffer;

  constructor(private readonly options: AdminAuthOptions) {
    this.sessions = new AdminSessions(options.sessionTtlMs);
    if (options.token) this.tokenDigest = digest(options.token);
    if (options.user && options.password) {
      this.userDigest = digest(options.user);
      this.passwordDigest = digest(options.password);
    }
  }

  /** True when no admin credential is configured: every admin call is refused. */
  get locked(): boolean {
    return !this.tokenDigest && !this.passwordDigest;
  }

  /** The principal behind a request, or undefined. Never throws. */
  principalOf(request: { headers: Headers }): AdminPrincipal | undefined {
    const authorization = first(request.headers.authorization);
    if (authorization) return this.fromAuthorization(authorization);
    const session = this.sessions.find(sessionIdOf(request.headers));
    return session ? { user: session.user, via: 'session', csrfToken: session.csrfToken } : undefined;
  }

  /** Checks a login (user and password, or the token) and opens a session. Throws 401 on bad credentials, 429 when
   *  the address failed too often. */
  login(body: { username?: unknown; password?: unknown; token?: unknown }, remote: string): { id: string; session: AdminSession } {
    const wait = this.throttle.retryAfterMs(remote);
    if (wait > 0) {
      throw new InputError('TOO_MANY_LOGINS', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, 429);
    }
    let user: string | undefined;
    if (typeof body.token === 'string' && this.tokenOk(body.token)) user = 'token';
    else if (typeof body.username === 'string' && typeof body.password === 'string' && this.passwordOk(body.username, body.password)) {
      user = body.username;
    }
    if (!user) {
      this.throttle.failed(remote);
      throw new InputError('BAD_CREDENTIALS', this.locked ? LOCKED : 'wrong user name, password or token', 401);
    }
    this.throttle.succeeded(remote);
    return this.sessions.open(user);
  }

  logout(request: { headers: Headers }): void {
    this.sessions.close(sessionIdOf(request.headers));
  }

  /** The Set-Cookie value of a new session, or of a cleared one (`id` undefined). */
  cookie(id: string | undefined): string {
    const maxAge = id ? Math.floor(this.options.sessionTtlMs / 1000) : 0;
    const secure = this.options.secureCookie ? '; Secure' : '';
    // The id is base64url, so it needs no cookie encoding.
    return `${SESSION_COOKIE}=${id ?? ''}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict${secure}`;
  }

  /** Why a request is refused (401 text), for the problem body. */
  refusal(): string {
    return this.locked ? LOCKED : 'log in, or send Authorization: Bearer <ADMIN_TOKEN> or Basic credentials';
  }

  private fromAuthorization(header: string): AdminPrincipal | undefined {
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer') return this.tokenOk(value) ? { user: 'token', via: 'token' } : undefined;
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const user = decoded.slice(0, colon);
      return this.passwordOk(user, decoded.slice(colon + 1)) ? { user, via: 'basic' } : undefined;
    }
    return undefined;
  }

  private tokenOk(token: string): boolean {
    return !!this.tokenDigest && timingSafeEqual(digest(token), this.tokenDigest);
  }

  private passwordOk(user: string, password: string): boolean {
    if (!this.userDigest || !this.passwordDigest) return false;
    // Both compared every time, so the time taken says nothing about which one was wrong.
    const userOk = timingSafeEqual(digest(user), this.userDigest);
    const passwordOk = timingSafeEqual(digest(password), this.passwordDigest);
    return userOk && passwordOk;
  }
}

const LOCKED = 'admin access is not configured: set ADMIN_TOKEN, or ADMIN_USER and ADMIN_PASSWORD';

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The session cookie's value from a Cookie header (`a=1; junction_session=...; b=2`). */
function sessionIdOf(headers: Headers): string | undefined {
  const cookie = first(headers.cookie);
  if (!cookie) return undefined;
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) return pair.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
