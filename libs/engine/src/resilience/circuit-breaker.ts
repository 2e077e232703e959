import type { BreakerPolicy } from '@junction/config';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What a breaker lets through now. */
export type BreakerPermit =
  | { readonly kind: 'go'; readonly probe: boolean }
  | { readonly kind: 'wait'; readonly untilMs: number };

/** A breaker as the admin API, the metrics and the dashboard show it. */
export interface BreakerView {
  readonly state: CircuitState;
  /** When it entered its state (epoch ms). */
  readonly since: number;
  /** Calls and failures in the window now. */
  readonly calls: number;
  readonly failures: number;
  /** Times it opened since this instance started. */
  readonly opened: number;
  /** Open: when the next probe may go. */
  readonly probeAt?: number;
}

/** Seconds per bucket of the sliding window: calls are counted per bucket, so that memory stays fixed. */
const BUCKETS = 20;

/**
 * A circuit breaker (resilience4j's CircuitBreaker, Camel's Circuit Breaker EIP) over a time-based sliding window.
 * Closed: calls go; it opens when the window holds `failures` failures, or at least `minCalls` calls of which at
 * least `failureRatio` failed. Open: nothing goes until `cooldownMs` passed; then one call goes as a probe
 * (half-open) while the others wait; the probe's success closes it (the window starts empty), its failure opens it
 * again for another cooldown. The policy is passed on each call, so that a route reload changes it and keeps the
 * state. Plain arithmetic on the clock: no timer.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private since: number;
  private opened = 0;
  private probing = false;
  /** Per bucket: its start, calls and failures. */
  private readonly starts = new Array<number>(BUCKETS).fill(-Infinity);
  private readonly calls = new Array<number>(BUCKETS).fill(0);
  private readonly failures = new Array<number>(BUCKETS).fill(0);

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Whether a call may go now. A `go` with `probe` must be followed by `record` (or `abandon`). */
  permit(policy: BreakerPolicy): BreakerPermit {
    if (this.state === 'closed') return { kind: 'go', probe: false };
    const now = this.now();
    if (this.state === 'open') {
      const probeAt = this.since + policy.cooldownMs;
      if (now < probeAt) return { kind: 'wait', untilMs: probeAt };
      this.enter('half-open', now);
    }
    if (this.probing) return { kind: 'wait', untilMs: now + Math.min(policy.cooldownMs, 1000) };
    this.probing = true;
    return { kind: 'go', probe: true };
  }

  /** Whether calls must wait now (open in its cooldown, or half-open with its probe out), without changing state. */
  blocked(policy: BreakerPolicy): boolean {
    if (this.state === 'closed') return false;
    if (this.state === 'open') return this.now() < this.since + policy.cooldownMs;
    return this.probing;
  }

  /** The outcome of a call that went: `ok` false for a failure that counts (the target is unwell). */
  record(policy: BreakerPolicy, ok: boolean, probe: boolean): void {
    const now = this.now();
    if (probe) this.probing = false;
    if (this.state === 'half-open') {
      if (!probe) return;
      if (ok) {
        this.clear();
        this.enter('closed', now);
      } else this.open(now);
      return;
    }
    if (this.state === 'open') return;
    const i = this.bucket(policy, now);
    this.calls[i]++;
    if (!ok) this.failures[i]++;
    if (!ok && this.trips(policy, now)) this.open(now);
  }

  /** A probe that went but whose outcome is unknown (the work was cancelled): another probe may go. */
  abandon(probe: boolean): void {
    if (probe) this.probing = false;
  }

  view(policy: BreakerPolicy): BreakerView {
    const { calls, failures } = this.window(policy, this.now());
    return {
      state: this.state,
      since: this.since,
      calls,
      failures,
      opened: this.opened,
      ...(this.state === 'open' && { probeAt: this.since + policy.cooldownMs }),
    };
  }

  private trips(policy: BreakerPolicy, now: number): boolean {
    const { calls, failures } = this.window(policy, now);
    if (policy.failures !== undefined && failures >= policy.failures) return true;
    return policy.failureRatio !== undefined && calls >= policy.minCalls && failures / calls >= policy.failureRatio;
  }

  private window(policy: BreakerPolicy, now: number): { calls: number; failures: number } {
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (now - this.starts[i] < policy.windowMs) {
        calls += this.calls[i];
        failures += this.failures[i];
      }
    }
    return { calls, failures };
  }

  /** The bucket of `now`, emptied when it last served an older span. */
  private bucket(policy: BreakerPolicy, now: number): number {
    const width = Math.max(1, Math.ceil(policy.windowMs / BUCKETS));
    const slot = Math.floor(now / width);
    const i = slot % BUCKETS;
    const start = slot * width;
    if (this.starts[i] !== start) {
      this.starts[i] = start;
      this.calls[i] = 0;
      this.failures[i] = 0;
    }
    return i;
  }

  private open(now: number): void {
    this.opened++;
    this.enter('open', now);
  }

  private enter(state: CircuitState, now: number): void {
    this.state = state;
    this.since = now;
  }

  private clear(): void {
    this.starts.fill(-Infinity);
    this.calls.fill(0);
    this.failures.fill(0);
  }
}
