import type { RateLimit } from '@junction/config';

/**
 * An even rate with an optional burst: the generic cell rate algorithm (GCRA), the arithmetic of a token bucket
 * without its timer. Turns are `1000 / perSecond` ms apart; after a quiet spell up to `burst` go at once. In any
 * window of W ms at most `burst + W * perSecond / 1000` turns are taken. One instance's state; the limit may change
 * between calls (a route reload) and applies from the next turn.
 */
export class RateLimiter {
  /** When the next turn is due at the steady rate (the "theoretical arrival time"). */
  private tat = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds until a turn is free (0: now), without taking it. */
  waitMs(limit: RateLimit): number {
    const now = this.now();
    return Math.max(0, Math.max(this.tat, now) - tolerance(limit) - now);
  }

  /** Takes a turn when one is free now: true; else false, and nothing is taken. */
  tryTake(limit: RateLimit): boolean {
    const now = this.now();
    const tat = Math.max(this.tat, now);
    if (tat - tolerance(limit) > now) return false;
    this.tat = tat + interval(limit);
    return true;
  }
}

function interval(limit: RateLimit): number {
  return 1000 / limit.perSecond;
}

function tolerance(limit: RateLimit): number {
  return (limit.burst - 1) * interval(limit);
}
