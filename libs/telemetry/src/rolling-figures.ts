import type { Figures, HistoryPoint } from './live.types';
import { LATENCY_BUCKETS, latencyBucket, percentile } from './log-histogram';

/** Seconds of history kept: 15 minutes. */
export const HISTORY_SECONDS = 900;
/** Window of the in/out rates, in seconds. */
export const RATE_WINDOW_SECONDS = 5;
/** Window of the error rate and the latency percentiles, in seconds. */
export const LATENCY_WINDOW_SECONDS = 60;
// One latency slice per second of the window, plus the second being filled.
const SLICES = LATENCY_WINDOW_SECONDS + 1;

/** The counting part of the live figures of one scope (a route or the whole bus); the rest comes from the store. */
export type RollingView = Omit<Figures, 'inFlight' | 'pendingRetries' | 'deadLetters' | 'backlog'>;

/** The counts behind one scope's RollingView: rates over RATE_WINDOW_SECONDS, errors and the latency histogram
 *  (sparse: bucket, count, bucket, count...) over LATENCY_WINDOW_SECONDS, totals since start. */
export interface RollingPart {
  received: number;
  completed: number;
  ok: number;
  failed: number;
  latency: number[];
  totals: { received: number; completed: number; failed: number };
}

/** One second of history with its counts (HistoryPoint carries rates and a ratio instead). */
export interface HistoryCounts {
  at: number;
  received: number;
  completed: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** The view of the parts of one scope from several processes (or of one): counts and histograms add up. */
export function viewOf(parts: readonly RollingPart[]): RollingView {
  let received = 0;
  let completed = 0;
  let ok = 0;
  let failed = 0;
  const totals = { received: 0, completed: 0, failed: 0 };
  const window = new Uint32Array(LATENCY_BUCKETS);
  let windowTotal = 0;
  for (const p of parts) {
    received += p.received;
    completed += p.completed;
    ok += p.ok;
    failed += p.failed;
    totals.received += p.totals.received;
    totals.completed += p.totals.completed;
    totals.failed += p.totals.failed;
    for (let i = 0; i < p.latency.length; i += 2) {
      window[p.latency[i]] += p.latency[i + 1];
      windowTotal += p.latency[i + 1];
    }
  }
  return {
    inPerSec: received / RATE_WINDOW_SECONDS,
    outPerSec: completed / RATE_WINDOW_SECONDS,
    errorRate: ok + failed === 0 ? 0 : failed / (ok + failed),
    p50Ms: percentile(window, windowTotal, 0.5),
    p95Ms: percentile(window, windowTotal, 0.95),
    p99Ms: percentile(window, windowTotal, 0.99),
    totals,
  };
}

/**
 * The histories of one scope from several processes, second by second: counts add up. A second's percentiles are
 * the highest of the processes' (only the last minute keeps histograms, so older seconds cannot be merged exactly):
 * an upper bound of the whole bus's.
 */
export function mergeHistories(histories: readonly (readonly HistoryCounts[])[]): HistoryPoint[] {
  const byAt = new Map<number, HistoryCounts>();
  for (const history of histories) {
    for (const p of history) {
      const seen = byAt.get(p.at);
      if (!seen) {
        byAt.set(p.at, { ...p });
        continue;
      }
      seen.received += p.received;
      seen.completed += p.completed;
      seen.failed += p.failed;
      seen.p50Ms = highest(seen.p50Ms, p.p50Ms);
      seen.p95Ms = highest(seen.p95Ms, p.p95Ms);
      seen.p99Ms = highest(seen.p99Ms, p.p99Ms);
    }
  }
  return [...byAt.values()].sort((a, b) => a.at - b.at).map(pointOf);
}

function highest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function pointOf(c: HistoryCounts): HistoryPoint {
  const done = c.completed + c.failed;
  return {
    at: c.at,
    inPerSec: c.received,
    outPerSec: c.completed,
    errorRate: done === 0 ? 0 : c.failed / done,
    p50Ms: c.p50Ms,
    p95Ms: c.p95Ms,
    p99Ms: c.p99Ms,
  };
}

/**
 * Per-second counts of one scope in ring buffers: received, completed (delivered or filtered) and failed (dead or
 * refused) for 15 minutes, and the latencies of completed messages in one log-scale histogram per second (see
 * log-histogram.ts) for the last 60 s. Those 60 are also kept merged, added as a second closes and taken out as it
 * leaves the window, so the window's percentiles cost one scan of the buckets. Each closed second's own percentiles
 * are kept with its counts for the history, so older seconds need no histogram.
 *
 * Time comes in as epoch ms with every call (tests pass their own clock); the rings advance lazily to the current
 * second. Recording allocates nothing. A clock that steps back keeps counting into the current second.
 */
export class RollingFigures {
  private readonly received = new Uint32Array(HISTORY_SECONDS);
  private readonly completed = new Uint32Array(HISTORY_SECONDS);
  private readonly failed = new Uint32Array(HISTORY_SECONDS);
  private readonly p50 = new Float64Array(HISTORY_SECONDS).fill(NaN);
  private readonly p95 = new Float64Array(HISTORY_SECONDS).fill(NaN);
  private readonly p99 = new Float64Array(HISTORY_SECONDS).fill(NaN);
  private readonly slices = new Uint32Array(SLICES * LATENCY_BUCKETS);
  private readonly sliceTotals = new Uint32Array(SLICES);
  /** The slices of the LATENCY_WINDOW_SECONDS whole seconds before the current one, added up. */
  private readonly window = new Uint32Array(LATENCY_BUCKETS);
  private windowTotal = 0;
  /** First second counted: history starts there. */
  private readonly since: number;
  /** The second being filled (epoch seconds). */
  private current: number;
  readonly totals = { received: 0, completed: 0, failed: 0 };

  constructor(nowMs: number) {
    this.since = this.current = Math.floor(nowMs / 1000);
  }

  recordReceived(nowMs: number): void {
    this.advance(nowMs);
    this.received[this.current % HISTORY_SECONDS]++;
    this.totals.received++;
  }

  /** A message that reached its final status: `ok` when delivered or filtered, else it failed (dead). */
  recordCompleted(nowMs: number, ok: boolean, latencyMs: number): void {
    this.advance(nowMs);
    const slot = this.current % HISTORY_SECONDS;
    if (ok) {
      this.completed[slot]++;
      this.totals.completed++;
    } else {
      this.failed[slot]++;
      this.totals.failed++;
    }
    const slice = this.current % SLICES;
    this.slices[slice * LATENCY_BUCKETS + latencyBucket(latencyMs)]++;
    this.sliceTotals[slice]++;
  }

  /** A message the bus refused: it failed without a latency. */
  recordRefused(nowMs: number): void {
    this.advance(nowMs);
    this.failed[this.current % HISTORY_SECONDS]++;
    this.totals.failed++;
  }

  /** Rates over the last RATE_WINDOW_SECONDS whole seconds, errors and percentiles over LATENCY_WINDOW_SECONDS. */
  view(nowMs: number): RollingView {
    return viewOf([this.part(nowMs)]);
  }

  /** The counts `view` is computed from: the parts of several processes add up (`viewOf`). */
  part(nowMs: number): RollingPart {
    this.advance(nowMs);
    let received = 0;
    let completed = 0;
    for (let s = this.current - RATE_WINDOW_SECONDS; s < this.current; s++) {
      received += this.received[slot(s)];
      completed += this.completed[slot(s)];
    }
    let ok = 0;
    let failed = 0;
    for (let s = this.current - LATENCY_WINDOW_SECONDS; s < this.current; s++) {
      ok += this.completed[slot(s)];
      failed += this.failed[slot(s)];
    }
    const latency: number[] = [];
    if (this.windowTotal > 0) for (let b = 0; b < LATENCY_BUCKETS; b++) if (this.window[b] > 0) latency.push(b, this.window[b]);
    return { received, completed, ok, failed, latency, totals: { ...this.totals } };
  }

  /** One point per whole second of the last `seconds` (at most HISTORY_SECONDS, none before this scope began). */
  history(nowMs: number, seconds: number): HistoryPoint[] {
    return this.historyCounts(nowMs, seconds).map(pointOf);
  }

  /** The seconds of `history` with their counts, which the histories of several processes add up by (`mergeHistories`). */
  historyCounts(nowMs: number, seconds: number): HistoryCounts[] {
    this.advance(nowMs);
    const from = Math.max(this.since, this.current - Math.min(seconds, HISTORY_SECONDS));
    const points: HistoryCounts[] = [];
    for (let s = from; s < this.current; s++) {
      const i = slot(s);
      points.push({
        at: s * 1000,
        received: this.received[i],
        completed: this.completed[i],
        failed: this.failed[i],
        p50Ms: orNull(this.p50[i]),
        p95Ms: orNull(this.p95[i]),
        p99Ms: orNull(this.p99[i]),
      });
    }
    return points;
  }

  /** Closes every second up to the one `nowMs` falls in. */
  private advance(nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    if (now <= this.current) return;
    // After a long quiet spell every ring is stale: clear them at once instead of second by second.
    if (now - this.current > HISTORY_SECONDS) {
      for (const ring of [this.received, this.completed, this.failed, this.slices, this.sliceTotals, this.window]) ring.fill(0);
      for (const ring of [this.p50, this.p95, this.p99]) ring.fill(NaN);
      this.windowTotal = 0;
      this.current = now;
      return;
    }
    while (this.current < now) {
      this.close(this.current);
      this.current++;
      this.open(this.current);
    }
  }

  /** Second `s` is over: its percentiles go to the history, its slice into the window, and the oldest slice out. */
  private close(s: number): void {
    const slice = s % SLICES;
    const base = slice * LATENCY_BUCKETS;
    const total = this.sliceTotals[slice];
    const i = slot(s);
    if (total > 0) {
      const counts = this.slices.subarray(base, base + LATENCY_BUCKETS);
      this.p50[i] = percentile(counts, total, 0.5)!;
      this.p95[i] = percentile(counts, total, 0.95)!;
      this.p99[i] = percentile(counts, total, 0.99)!;
      for (let b = 0; b < LATENCY_BUCKETS; b++) this.window[b] += counts[b];
      this.windowTotal += total;
    }
    // The slice of s - 60 is the one the next second reuses.
    const old = (s + 1) % SLICES;
    const oldTotal = this.sliceTotals[old];
    if (oldTotal > 0) {
      const oldBase = old * LATENCY_BUCKETS;
      for (let b = 0; b < LATENCY_BUCKETS; b++) this.window[b] -= this.slices[oldBase + b];
      this.windowTotal -= oldTotal;
    }
  }

  private open(s: number): void {
    const i = slot(s);
    this.received[i] = 0;
    this.completed[i] = 0;
    this.failed[i] = 0;
    this.p50[i] = this.p95[i] = this.p99[i] = NaN;
    const slice = s % SLICES;
    this.slices.fill(0, slice * LATENCY_BUCKETS, (slice + 1) * LATENCY_BUCKETS);
    this.sliceTotals[slice] = 0;
  }
}

function slot(second: number): number {
  return ((second % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS;
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
