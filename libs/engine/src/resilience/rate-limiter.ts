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

  /**
   * Takes a turn when one is free now: true; else false, and nothing is taken. `lateMs`: how late a caller that
   * waited for this turn may be without the rate losing it (a timer fires late on a busy event loop): the next turn
   * is then counted from when this one was due rather than from now, so that the average rate holds; at most one
   * turn in any window comes early for it.
   */
  tryTake(limit: RateLimit, lateMs = 0): boolean {
    const now = this.now();
    const tat = Math.max(this.tat, now - Math.min(lateMs, interval(limit)));
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
