import { BusError, toBusError, type Logger } from '@junction/core';
import type { Store, StoredDelivery } from '@junction/store';

interface Held {
  /** When this instance's lease ends, as far as it knows. */
  until: number;
  readonly abort: AbortController;
}

/**
 * Keeps the leases of the deliveries this worker is running, so that a delivery running longer than LEASE_MS is not
 * taken over (and sent a second time) by another instance. Every `leaseMs / 4` it renews, in one statement, the
 * leases that have less than half of `leaseMs` left.
 *
 * A renewal failure: a delivery the store no longer gives this instance (another took it over, or it was settled) is
 * aborted at once (its attempt is cancelled; its outcome would be ignored by the store anyway). When the store cannot
 * be reached, renewal is tried again at the next turn; a delivery whose lease then runs out is aborted, because
 * another instance may take it from then on. An abort cannot call back what a target already received: it bounds
 * the overlap to a store outage longer than half a lease.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private timer?: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly store: Pick<Store, 'renewDeliveryLeases'>,
    private readonly leaseMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Keeps `d`'s lease while it runs; the signal aborts when the lease is lost. Call `release` when it ends. */
  hold(d: StoredDelivery): AbortSignal {
    const abort = new AbortController();
    this.held.set(d.id, { until: d.leaseUntil, abort });
    return abort.signal;
  }

  release(id: string): void {
    this.held.delete(id);
  }

  /** Deliveries held now (tests). */
  get size(): number {
    return this.held.size;
  }

  /** One renewal pass (the timer's; tests call it). */
  async renew(): Promise<void> {
    if (this.renewing) return;
    const now = Date.now();
    const due = [...this.held].filter(([, h]) => h.until - now < this.leaseMs / 2).map(([id]) => id);
    if (due.length === 0) return;
    this.renewing = true;
    try {
      const until = Date.now() + this.leaseMs;
      const renewed = new Set(await this.store.renewDeliveryLeases(due, this.leaseMs));
      for (const id of due) {
        const h = this.held.get(id);
        if (!h) continue;
        if (renewed.has(id)) h.until = until;
        else this.lose(id, h, 'LEASE_LOST', 'the delivery is no longer leased to this instance');
      }
    } catch (err) {
      this.log.warn({ err: toBusError(err).message, deliveries: due.length }, 'renewing delivery leases failed; trying again');
      const at = Date.now();
      for (const id of due) {
        const h = this.held.get(id);
        if (h && h.until <= at) this.lose(id, h, 'LEASE_EXPIRED', 'the lease ran out while the store could not renew it');
      }
    } finally {
      this.renewing = false;
    }
  }

  private lose(id: string, h: Held, code: string, why: string): void {
    this.held.delete(id);
    this.log.warn({ delivery: id, code }, `delivery aborted: ${why}`);
    h.abort.abort(new BusError(code, why, { retriable: true }));
  }
}
