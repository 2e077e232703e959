import { digest, matchesDigest } from './secrets';

/**
 * Who a credential claims to be, as the login throttle counts it: the token, the admin user, or any other user name.
 * Other names share one key, so that trying many of them neither escapes the per-user count nor fills memory.
 */
export const THROTTLE_USER = { token: 'token', admin: 'admin user', other: 'unknown user' } as const;

/** The outcome of checking one credential: the user it names for throttling, and the user it proves, if right. */
export interface CredentialCheck {
  readonly throttleUser: string;
  readonly user?: string;
}

/**
 * The configured admin secrets, kept as SHA-256 digests and compared in constant time. Every check does the same
 * work whichever part is wrong, so the time taken says nothing about which one was.
 */
export class AdminCredentials {
  private readonly tokenDigest?: Buffer;
  private readonly userDigest?: Buffer;
  private readonly passwordDigest?: Buffer;
  // Compared against when nothing is configured, so that an unconfigured check takes the time of a configured one.
  private readonly nothing = digest('');

  constructor(token: string | undefined, private readonly user: string | undefined, password: string | undefined) {
    if (token) this.tokenDigest = digest(token);
    if (user && password) {
      this.userDigest = digest(user);
      this.passwordDigest = digest(password);
    }
  }

  /** True when at least one credential is configured. */
  get configured(): boolean {
    return this.tokenDigest !== undefined || this.passwordDigest !== undefined;
  }

  token(given: string): CredentialCheck {
    const ok = matchesDigest(given, this.tokenDigest ?? this.nothing) && this.tokenDigest !== undefined;
    return { throttleUser: THROTTLE_USER.token, ...(ok ? { user: 'token' } : {}) };
  }

  password(user: string, password: string): CredentialCheck {
    const userOk = matchesDigest(user, this.userDigest ?? this.nothing) && this.userDigest !== undefined;
    const passwordOk = matchesDigest(password, this.passwordDigest ?? this.nothing) && this.passwordDigest !== undefined;
    return { throttleUser: userOk ? THROTTLE_USER.admin : THROTTLE_USER.other, ...(userOk && passwordOk ? { user: this.user! } : {}) };
  }
}
