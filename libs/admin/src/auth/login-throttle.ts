/**
 * Slows down password guessing: after `maxFailures` failed logins from one address within `windowMs`, further
 * attempts from it are refused until the window has passed. Kept in memory per instance, bounded in size.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `remote` may try again; 0 when it may try now. */
  retryAfterMs(remote: string): number {
    const entry = this.failures.get(remote);
    if (!entry) return 0;
    const left = entry.since + this.windowMs - this.now();
    if (left <= 0) {
      this.failures.delete(remote);
      return 0;
    }
    return entry.count >= this.maxFailures ? left : 0;
  }

  failed(remote: string): void {
    const now = this.now();
    const entry = this.failures.get(remote);
    if (!entry || entry.since + this.windowMs <= now) {
      if (this.failures.size >= 10_000) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(remote, { count: 1, since: now });
    } else entry.count++;
  }

  succeeded(remote: string): void {
    this.failures.delete(remote);
  }
}
