import type { Logger } from '@junction/core';
import type { PurgeReport, RetentionPolicy } from './retention.types';
import type { Store } from './store.types';

/** The lease that lets one instance at a time purge a shared journal (two would only repeat each other's work). */
export const PURGE_LEASE = 'journal:purge';
/** Passes come at most this often, and at least this often, whatever the ages. */
const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 10_000;

export interface JournalRetentionOptions {
  /** The policy of the next pass, read at each pass (routes are reloaded while the bus runs). */
  policy(): RetentionPolicy;
  /** Pause between passes; `retentionInterval(policy)` by default. */
  intervalMs?: number;
  /** Messages per statement (see PurgeOptions.batch). */
  batch?: number;
}

/** How often to purge for a policy: often enough that nothing outlives its age by more than half of it, within 1 s
 *  to 10 s (a pass that finds nothing costs a walk of the ids kept and a size reading). */
export function retentionInterval(policy: RetentionPolicy): number {
  const shortest = Math.min(policy.ageMs, ...Object.values(policy.routeAgeMs ?? {}));
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.floor(shortest / 2)));
}

/**
 * The journal's retention while the bus runs: a pass of `Store.purgeJournal` now and then, in the background.
 *
 * Each pass also deletes the idempotency keys whose retention ran out (IdempotentRepository.purgeKeys).
 *
 * Lifecycle: `start` schedules the first pass one interval later (start-up is left alone); a pass runs only while
 * this instance holds the purge lease, so that instances sharing a store take turns; the next pass is scheduled when
 * one ends, so passes never overlap. A failed pass is logged and the next one comes as usual. `stop` ends the pass
 * under way after its current batch and waits for it; it must come before the store closes.
 */
export class JournalRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: Pick<Store, 'purgeJournal' | 'leases'> & Partial<Pick<Store, 'idempotent'>>,
    private readonly options: JournalRetentionOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass now, when this instance gets the lease; null when another instance holds it. Rejects when the store
   *  fails. */
  async runOnce(): Promise<PurgeReport | null> {
    const policy = this.options.policy();
    const interval = this.interval(policy);
    // The lease outlives a few passes, so that a holder that died is replaced soon, and one that lives keeps it.
    if (!(await this.store.leases.tryLease(PURGE_LEASE, interval * 3 + 30_000))) return null;
    const report = await this.store.purgeJournal(policy, { batch: this.options.batch, signal: this.stopping.signal });
    // Idempotency keys past their route's retention go in the same pass: each key carries its own lapse time.
    if (this.store.idempotent && !this.stopping.signal.aborted) await this.store.idempotent.purgeKeys();
    return report;
  }

  private interval(policy: RetentionPolicy): number {
    return this.options.intervalMs ?? retentionInterval(policy);
  }

  private schedule(): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.interval(this.options.policy()));
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      const report = await this.runOnce();
      if (report && report.messages > 0) {
        this.log.info({ purged: report.messages, forSize: report.forSize, batches: report.batches, ms: report.ms }, 'journal purged');
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'journal purge failed; the next pass tries again');
    }
  }
}
