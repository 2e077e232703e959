/**
 * The nonces of accepted WS-Security UsernameTokens, each kept until the token it came with could no longer be
 * accepted, so that a replay inside that window is refused. Memory is bounded: at `maxEntries` (default 100,000)
 * expired entries are dropped first, then the oldest ones, which reopens their window; size it above the peak
 * rate of authenticated requests times the time a nonce is held (about the freshness window: 100,000 covers
 * some 300 requests per second with the default 5-minute window). One cache per ingress; not shared between
 * processes, so instances behind one load balancer each keep their own.
 */
export class NonceCache {
  // Insertion order is (nearly) expiry order, so expired entries sit at the front.
  private readonly entries = new Map<string, number>();
  readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('NonceCache maxEntries must be a positive integer');
    this.maxEntries = max;
  }

  /** Entries currently held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Records `nonce` until `expiresAt` (epoch ms). Returns false, recording nothing, when the nonce is already held
   * and not expired at `now`: the token is a replay.
   */
  remember(nonce: string, expiresAt: number, now: number): boolean {
    const held = this.entries.get(nonce);
    if (held !== undefined && held > now) return false;
    if (held !== undefined) this.entries.delete(nonce);
    this.sweep(now);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(nonce, expiresAt);
    return true;
  }

  private sweep(now: number): void {
    for (const [nonce, expiresAt] of this.entries) {
      if (expiresAt > now) break;
      this.entries.delete(nonce);
    }
  }
}
