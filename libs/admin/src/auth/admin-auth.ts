import { AdminCredentials, THROTTLE_USER, type CredentialCheck } from './admin-credentials';
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

/** Why a call or a login is refused, for the problem body. */
export interface AdminRefusal {
  readonly status: 401 | 429;
  /** `UNAUTHORIZED` (an API call without a valid credential), `BAD_CREDENTIALS` (a failed login), `TOO_MANY_LOGINS`. */
  readonly code: 'UNAUTHORIZED' | 'BAD_CREDENTIALS' | 'TOO_MANY_LOGINS';
  readonly detail: string;
  /** With 429: how long the caller should wait (the Retry-After). */
  readonly retryAfterMs?: number;
}

export type AdminAuthResult<T> = { readonly ok: T; readonly refusal?: undefined } | { readonly ok?: undefined; readonly refusal: AdminRefusal };

export interface AdminAuthOptions {
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
  readonly sessionTtlMs: number;
  /** Marks the cookie Secure (the dashboard is reached over https, e.g. PUBLIC_URL is https). */
  readonly secureCookie: boolean;
  /** The throttle of failed credentials; its defaults unless given (tests). */
  readonly throttle?: LoginThrottle;
  /** Where sessions and the throttle live when several processes serve the bus (the primary's AdminAuth); else here. */
  readonly shared?: SharedAdminAuth;
}

/**
 * Authentication answered elsewhere: by the primary process, whose AdminAuth (`check`, `checkLogin`, `closeSession`)
 * holds the sessions and the throttle of every worker. Only the headers that carry credentials travel.
 */
export interface SharedAdminAuth {
  authenticate(request: AuthRequest): Promise<AdminAuthResult<AdminPrincipal>>;
  login(body: LoginBody, remote: string): Promise<AdminAuthResult<{ id: string; session: AdminSession }>>;
  logout(request: { headers: Headers }): Promise<void>;
}

/** The fields of a login body that are read. */
export interface LoginBody {
  username?: unknown;
  password?: unknown;
  token?: unknown;
}

type Headers = Record<string, string | string[] | undefined>;

/** A request as authentication sees it: its headers and the caller's address (after TRUST_PROXY). */
export interface AuthRequest {
  readonly headers: Headers;
  readonly ip?: string;
}

/**
 * Admin authentication: a bearer token, HTTP Basic with the admin user, or a session cookie from a login. Every
 * failed token, Basic or login check counts against the caller's address and the user it named (`LoginThrottle`); a
 * right credential gets in unless that user is locked by the throttle's hard cap. Without any credential configured
 * the admin stays locked: nothing is open by default.
 */
export class AdminAuth {
  readonly sessions: AdminSessions;
  readonly throttle: LoginThrottle;
  private readonly credentials: AdminCredentials;

  constructor(private readonly options: AdminAuthOptions) {
    this.sessions = new AdminSessions(options.sessionTtlMs);
    this.throttle = options.throttle ?? new LoginThrottle();
    this.credentials = new AdminCredentials(options.token, options.user, options.password);
  }

  /** True when no admin credential is configured: every admin call is refused. */
  get locked(): boolean {
    return !this.credentials.configured;
  }

  /** The principal behind an API call, or why it is refused (see `check`), wherever the sessions live. */
  authenticate(request: AuthRequest): Promise<AdminAuthResult<AdminPrincipal>> {
    if (this.options.shared && !this.locked) return this.options.shared.authenticate(credentialsOf(request));
    return Promise.resolve(this.check(request));
  }

  /** Checks a login and opens a session (see `checkLogin`), wherever the sessions live. */
  login(body: LoginBody, remote: string): Promise<AdminAuthResult<{ id: string; session: AdminSession }>> {
    if (this.options.shared && !this.locked) {
      const strings = (['username', 'password', 'token'] as const).filter((k) => typeof body[k] === 'string');
      return this.options.shared.login(Object.fromEntries(strings.map((k) => [k, body[k]])), remote);
    }
    return Promise.resolve(this.checkLogin(body, remote));
  }

  /** Closes the session of the request's cookie, wherever the sessions live. */
  async logout(request: { headers: Headers }): Promise<void> {
    if (this.options.shared) await this.options.shared.logout(credentialsOf(request));
    else this.closeSession(request);
  }

  /**
   * The principal behind an API call, or why it is refused, from this instance's sessions and throttle. An
   * Authorization header is checked (and throttled) first; else the session cookie, whose misses are not counted:
   * its ids are 256 random bits, past guessing, and every browser whose session expired would count as an attacker.
   */
  check(request: AuthRequest): AdminAuthResult<AdminPrincipal> {
    if (this.locked) return { refusal: { status: 401, code: 'UNAUTHORIZED', detail: LOCKED } };
    const authorization = first(request.headers.authorization);
    if (authorization) {
      const { check, via } = this.fromAuthorization(authorization);
      const refusal = this.settle(check, request.ip, () => ({ status: 401, code: 'UNAUTHORIZED', detail: WRONG }));
      return refusal ? { refusal } : { ok: { user: check.user!, via } };
    }
    const session = this.sessions.find(sessionIdOf(request.headers));
    if (session) return { ok: { user: session.user, via: 'session', csrfToken: session.csrfToken } };
    return { refusal: { status: 401, code: 'UNAUTHORIZED', detail: this.refusal() } };
  }

  /** Checks a login (user and password, or the token) and opens a session here; refused as wrong (401) or throttled (429). */
  checkLogin(body: LoginBody, remote: string): AdminAuthResult<{ id: string; session: AdminSession }> {
    if (this.locked) return { refusal: { status: 401, code: 'BAD_CREDENTIALS', detail: LOCKED } };
    let check: CredentialCheck;
    if (typeof body.token === 'string') check = this.credentials.token(body.token);
    else if (typeof body.username === 'string' && typeof body.password === 'string') check = this.credentials.password(body.username, body.password);
    else check = { throttleUser: THROTTLE_USER.other };
    const refusal = this.settle(check, remote, () => ({ status: 401, code: 'BAD_CREDENTIALS', detail: 'wrong user name, password or token' }));
    return refusal ? { refusal } : { ok: this.sessions.open(check.user!) };
  }

  closeSession(request: { headers: Headers }): void {
    this.sessions.close(sessionIdOf(request.headers));
  }

  /** The Set-Cookie value of a new session, or of a cleared one (`id` undefined). */
  cookie(id: string | undefined): string {
    const maxAge = id ? Math.floor(this.options.sessionTtlMs / 1000) : 0;
    const secure = this.options.secureCookie ? '; Secure' : '';
    // The id is base64url, so it needs no cookie encoding.
    return `${SESSION_COOKIE}=${id ?? ''}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict${secure}`;
  }

  /** Why a request without a credential is refused (401 text), for the problem body. */
  refusal(): string {
    return this.locked ? LOCKED : 'log in, or send Authorization: Bearer <ADMIN_TOKEN> or Basic credentials';
  }

  /**
   * How a checked credential is answered: undefined to let it in. The credential was checked before the throttle is
   * asked, so a right one from an address full of someone else's failures still gets in, unless its user is locked.
   */
  private settle(check: CredentialCheck, address: string | undefined, wrong: () => AdminRefusal): AdminRefusal | undefined {
    const attempt = { address: address ?? 'unknown', user: check.throttleUser };
    if (this.throttle.lockedMs(attempt.user) > 0) {
      if (!check.user) this.throttle.failed(attempt);
      return throttled(this.throttle.lockedMs(attempt.user));
    }
    if (check.user) return undefined;
    const waiting = this.throttle.waitMs(attempt) > 0;
    this.throttle.failed(attempt);
    return waiting ? throttled(this.throttle.waitMs(attempt)) : wrong();
  }

  private fromAuthorization(header: string): { check: CredentialCheck; via: 'token' | 'basic' } {
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header.toLowerCase() : header.slice(0, space).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') return { check: this.credentials.token(value), via: 'token' };
    const decoded = scheme === 'basic' ? Buffer.from(value, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    // A malformed Basic value or another scheme is a refused credential too, counted like a wrong password.
    if (colon < 0) return { check: { throttleUser: THROTTLE_USER.other }, via: 'basic' };
    return { check: this.credentials.password(decoded.slice(0, colon), decoded.slice(colon + 1)), via: 'basic' };
  }
}

/** Of a request, what authentication reads: the credential headers and the address. */
function credentialsOf(request: { headers: Headers; ip?: string }): AuthRequest {
  const headers: Headers = {};
  for (const name of ['authorization', 'cookie']) if (request.headers[name] !== undefined) headers[name] = request.headers[name];
  return request.ip === undefined ? { headers } : { headers, ip: request.ip };
}

const LOCKED = 'admin access is not configured: set ADMIN_TOKEN, or ADMIN_USER and ADMIN_PASSWORD';
const WRONG = 'wrong bearer token or Basic credentials';

function throttled(waitMs: number): AdminRefusal {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return { status: 429, code: 'TOO_MANY_LOGINS', detail: `too many failed sign-ins; try again in ${seconds} s`, retryAfterMs: seconds * 1000 };
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
