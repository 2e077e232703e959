/** How failures of one kind of key are slowed down. */
export interface ThrottlePolicy {
  /** Failures a key may have before waits start. */
  readonly free: number;
  /** The wait after the `free`-th failure; each further failure doubles it, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A key's failures are forgotten this long after its last one. */
  readonly forgetAfterMs: number;
}

export interface LoginThrottleOptions {
  /** Every failure from one address, whatever credential it tried. */
  readonly address: ThrottlePolicy;
  /** Every failure on one user (the admin user, the token, unknown user names), from any address. */
  readonly user: ThrottlePolicy & {
    /** Failures on a user beyond which even its right credential is refused while the wait runs. */
    readonly hardCap: number;
  };
  /** Most keys of each kind kept; beyond it the least recently failed is forgotten, so memory stays bounded. */
  readonly maxKeys: number;
}

/** One credential check: where it came from and which user it was for. */
export interface Attempt {
  readonly address: string;
  readonly user: string;
}

/**
 * The defaults: five failures from an address, or twenty on a user, before waits start; waits double from 1 s, up to
 * a minute per address and five minutes per user; a hundred failures on one user (NIST SP 800-63B's bound on failed
 * attempts at one account) lock that user while its wait runs.
 */
export const DEFAULT_THROTTLE: LoginThrottleOptions = {
  address: { free: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, forgetAfterMs: 15 * 60_000 },
  user: { free: 20, baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, forgetAfterMs: 60 * 60_000, hardCap: 100 },
  maxKeys: 10_000,
};

interface Failures {
  count: number;
  last: number;
}

/**
 * Failed credential checks per address and per user, with waits that grow with each failure. Callers check every
 * credential and ask the throttle how to answer: a wrong one during a wait is refused as throttled (429) rather than
 * wrong (401); a right one gets in unless its user is locked (`lockedMs`). So failures of someone sharing an address
 * cannot lock the admin out, and what bounds guessing is the per-user hard cap. In memory, per instance.
 */
export class LoginThrottle {
  private readonly byAddress = new Map<string, Failures>();
  private readonly byUser = new Map<string, Failures>();

  constructor(
    private readonly options: LoginThrottleOptions = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until a failure of this attempt may be answered as merely wrong again; 0 when it may now. */
  waitMs(attempt: Attempt): number {
    return Math.max(this.waitOf(this.byAddress, attempt.address, this.options.address), this.waitOf(this.byUser, attempt.user, this.options.user));
  }

  /** Milliseconds for which every attempt on `user`, the right credential included, is refused; 0 when it is not locked. */
  lockedMs(user: string): number {
    const failures = this.current(this.byUser, user, this.options.user);
    return failures && failures.count >= this.options.user.hardCap ? this.waitOf(this.byUser, user, this.options.user) : 0;
  }

  /** Counts a failed check against its address and its user. */
  failed(attempt: Attempt): void {
    this.count(this.byAddress, attempt.address, this.options.address);
    this.count(this.byUser, attempt.user, this.options.user);
  }

  /** Keys held, of both kinds (for tests of the memory bound). */
  get size(): number {
    return this.byAddress.size + this.byUser.size;
  }

  private waitOf(map: Map<string, Failures>, key: string, policy: ThrottlePolicy): number {
    const failures = this.current(map, key, policy);
    if (!failures || failures.count < policy.free) return 0;
    const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures.count - policy.free, 30));
    return Math.max(0, failures.last + delay - this.now());
  }

  /** The failures of a key, unless forgotten (then dropped). */
  private current(map: Map<string, Failures>, key: string, policy: ThrottlePolicy): Failures | undefined {
    const failures = map.get(key);
    if (failures && failures.last + policy.forgetAfterMs <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return failures;
  }

  private count(map: Map<string, Failures>, key: string, policy: ThrottlePolicy): void {
    const failures = this.current(map, key, policy) ?? { count: 0, last: 0 };
    // Re-inserted, so that the map's order is least recently failed first: forgotten keys are swept from its front,
    // and when it is full the front one is evicted.
    map.delete(key);
    const forgotten = this.now() - policy.forgetAfterMs;
    for (const [oldest, f] of map) {
      if (f.last > forgotten && map.size < this.options.maxKeys) break;
      map.delete(oldest);
    }
    map.set(key, { count: failures.count + 1, last: this.now() });
  }
}
