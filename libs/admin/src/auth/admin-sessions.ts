import { createHash, randomBytes } from 'node:crypto';

/** A dashboard login. The cookie carries `id`; only its hash is kept, so a heap dump does not hand out sessions. */
export interface AdminSession {
  readonly user: string;
  readonly csrfToken: string;
  expiresAt: number;
}

/**
 * Logged-in sessions of this instance, in memory: an idle session expires after `ttlMs`, each use extends it, and at
 * most `max` live at once (the oldest goes first). Several instances behind one balancer need sticky sessions, or
 * the bearer token.
 */
export class AdminSessions {
  private readonly byHash = new Map<string, AdminSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a session: the cookie value (shown once) and the session with its CSRF token. */
  open(user: string): { id: string; session: AdminSession } {
    const id = randomBytes(32).toString('base64url');
    const session: AdminSession = { user, csrfToken: randomBytes(24).toString('base64url'), expiresAt: this.now() + this.ttlMs };
    if (this.byHash.size >= this.max) this.byHash.delete(this.byHash.keys().next().value!);
    this.byHash.set(hash(id), session);
    return { id, session };
  }

  /** The live session of a cookie value, its idle time renewed; undefined when unknown or expired. */
  find(id: string | undefined): AdminSession | undefined {
    if (!id) return undefined;
    const key = hash(id);
    const session = this.byHash.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (session.expiresAt <= now) {
      this.byHash.delete(key);
      return undefined;
    }
    session.expiresAt = now + this.ttlMs;
    return session;
  }

  close(id: string | undefined): void {
    if (id) this.byHash.delete(hash(id));
  }

  get size(): number {
    return this.byHash.size;
  }
}

function hash(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}
