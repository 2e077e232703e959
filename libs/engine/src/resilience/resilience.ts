import type { BreakerPolicy, RateLimit } from '@junction/config';
import type { TargetResilience } from '@junction/routing';
import type { TargetRef } from '@junction/store';
import { CircuitBreaker, type BreakerPermit, type BreakerView } from './circuit-breaker';
import { RateLimiter } from './rate-limiter';

/** Longest a delivery waits in memory (holding its worker slot) for its throttle's turn; a longer wait goes back to
 *  the store with a later due time. */
export const THROTTLE_HOLD_MS = 1000;

/** A breaker of a target, as GET /admin/resilience, the metrics and the dashboard show it. */
export interface CircuitView extends BreakerView {
  readonly routeId: string;
  readonly targetId: string;
}

/** A throttle (a target's, or a route's when `targetId` is null) and what it held back in this instance. */
export interface ThrottleView {
  readonly routeId: string;
  readonly targetId: string | null;
  readonly perSecond: number;
  readonly burst: number;
  /** Deliveries (messages) waiting for their turn now. */
  readonly waiting: number;
  /** Deliveries (messages) that had to wait or were put off, since start. */
  readonly throttled: number;
  /** Messages of a route refused with 429, since start. */
  readonly refused: number;
  readonly lastThrottledAt: number | null;
}

export interface ResilienceView {
  readonly circuits: CircuitView[];
  readonly throttles: ThrottleView[];
}

/** A throttle's answer: go now (after waiting, maybe), or not before `untilMs`. */
export type Turn = { readonly go: true } | { readonly go: false; readonly untilMs: number };

interface ThrottleEntry {
  readonly routeId: string;
  readonly targetId: string | null;
  readonly limiter: RateLimiter;
  limit: RateLimit;
  waiting: number;
  throttled: number;
  refused: number;
  lastAt: number | null;
}

interface BreakerEntry {
  readonly ref: TargetRef;
  readonly breaker: CircuitBreaker;
  policy: BreakerPolicy;
}

/**
 * The state of the resilience patterns of this instance: a circuit breaker and a throttle per (route, target), a
 * throttle per route. Held here, outside the compiled routes, so that a route reload keeps it (a breaker stays open
 * across a reload; the new policy applies from the next call). In memory, per instance: instances sharing a store do
 * not share it (each instance's breaker opens on the failures it sees, each throttle allows its rate per instance).
 * Entries are created on first use by a route that sets the pattern; a target without patterns costs nothing here.
 */
export class Resilience {
  private readonly breakers = new Map<string, BreakerEntry>();
  private readonly throttles = new Map<string, ThrottleEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether a claim should leave the target out now: its breaker is open (or probing), or its throttle's next turn
   *  is further off than a delivery waits in memory. */
  holdsBack(ref: TargetRef, r: TargetResilience): boolean {
    if (r.breaker && this.breaker(ref, r.breaker).breaker.blocked(r.breaker)) return true;
    if (r.throttle) {
      const t = this.throttle(ref.routeId, ref.targetId, r.throttle);
      return t.limiter.waitMs(r.throttle) + t.waiting * (1000 / r.throttle.perSecond) > THROTTLE_HOLD_MS;
    }
    return false;
  }

  /** Asks the target's breaker whether a delivery may go; a `go` must be followed by `recordCall` or `abandonCall`. */
  permit(ref: TargetRef, policy: BreakerPolicy): BreakerPermit {
    return this.breaker(ref, policy).breaker.permit(policy);
  }

  /** The outcome of a delivery the breaker let go: `ok` false when the target failed (a retriable error). */
  recordCall(ref: TargetRef, policy: BreakerPolicy, ok: boolean, probe: boolean): void {
    this.breaker(ref, policy).breaker.record(policy, ok, probe);
  }

  abandonCall(ref: TargetRef, policy: BreakerPolicy, probe: boolean): void {
    this.breaker(ref, policy).breaker.abandon(probe);
  }

  /**
   * A delivery's turn at its target's throttle: at once when one is free, else after waiting in memory when the turn
   * comes within `holdMs`; otherwise not, with the time its turn should come (nothing is taken).
   */
  async targetTurn(ref: TargetRef, limit: RateLimit, holdMs = THROTTLE_HOLD_MS): Promise<Turn> {
    return this.turn(this.throttle(ref.routeId, ref.targetId, limit), limit, holdMs);
  }

  /** A message's turn at its route's throttle: as targetTurn, waiting at most `maxWaitMs` (0: no wait). */
  async routeTurn(routeId: string, limit: RateLimit, maxWaitMs: number): Promise<Turn> {
    const t = this.throttle(routeId, null, limit);
    const turn = await this.turn(t, limit, maxWaitMs);
    if (!turn.go) t.refused++;
    return turn;
  }

  view(): ResilienceView {
    const circuits = [...this.breakers.values()].map((b) => ({ ...b.ref, ...b.breaker.view(b.policy) }));
    const throttles = [...this.throttles.values()].map((t) => ({
      routeId: t.routeId,
      targetId: t.targetId,
      perSecond: t.limit.perSecond,
      burst: t.limit.burst,
      waiting: t.waiting,
      throttled: t.throttled,
      refused: t.refused,
      lastThrottledAt: t.lastAt,
    }));
    return { circuits, throttles };
  }

  /**
   * Forgets the state of routes and targets no longer loaded (after a reload); `keep` says which are. A target that
   * comes back later starts closed.
   */
  retain(keep: (routeId: string, targetId: string | null) => boolean): void {
    for (const [key, b] of this.breakers) if (!keep(b.ref.routeId, b.ref.targetId)) this.breakers.delete(key);
    for (const [key, t] of this.throttles) if (t.waiting === 0 && !keep(t.routeId, t.targetId)) this.throttles.delete(key);
  }

  private async turn(t: ThrottleEntry, limit: RateLimit, holdMs: number): Promise<Turn> {
    t.limit = limit;
    if (t.waiting === 0 && t.limiter.tryTake(limit)) return { go: true };
    const interval = 1000 / limit.perSecond;
    const estimate = t.limiter.waitMs(limit) + t.waiting * interval;
    t.throttled++;
    t.lastAt = this.now();
    if (estimate > holdMs) return { go: false, untilMs: this.now() + Math.ceil(estimate) };
    // Waiters wake when the next turn is due and the first to look takes it: turns stay spaced by the rate however
    // late the timers fire (a busy event loop), rather than going in a bunch.
    t.waiting++;
    try {
      while (!t.limiter.tryTake(limit, interval)) await sleep(Math.max(1, t.limiter.waitMs(limit)));
    } finally {
      t.waiting--;
    }
    return { go: true };
  }

  private breaker(ref: TargetRef, policy: BreakerPolicy): BreakerEntry {
    const key = `${ref.routeId} ${ref.targetId}`;
    let b = this.breakers.get(key);
    if (!b) this.breakers.set(key, (b = { ref: { routeId: ref.routeId, targetId: ref.targetId }, breaker: new CircuitBreaker(this.now), policy }));
    else b.policy = policy;
    return b;
  }

  private throttle(routeId: string, targetId: string | null, limit: RateLimit): ThrottleEntry {
    const key = `${routeId} ${targetId ?? ''}`;
    let t = this.throttles.get(key);
    if (!t) {
      t = { routeId, targetId, limiter: new RateLimiter(this.now), limit, waiting: 0, throttled: 0, refused: 0, lastAt: null };
      this.throttles.set(key, t);
    }
    return t;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
