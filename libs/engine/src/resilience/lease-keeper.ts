import { BusError, toBusError, type Logger } from '@junction/core';
import type { Store } from '@junction/store';

interface Held {
  /** When this instance's lease ends, as far as it knows. */
  until: number;
  readonly abort: AbortController;
}

type Kind = 'delivery' | 'message';

/**
 * Keeps the leases of the work this worker is running (deliveries being attempted, messages being routed), so that
 * work running longer than LEASE_MS is not taken over (and done a second time) by another instance. Every
 * `leaseMs / 4` it renews, in one statement per kind, the leases that have less than half of `leaseMs` left.
 *
 * A renewal failure: work the store no longer gives this instance (another took it over, or it was settled) is
 * aborted at once (a delivery's attempt is cancelled; its outcome would be ignored by the store anyway). When the
 * store cannot be reached, renewal is tried again at the next turn; work whose lease then runs out is aborted,
 * because another instance may take it from then on. An abort cannot call back what a target already received: it
 * bounds the overlap to a store outage longer than half a lease. (Routing does not take the signal: a routing that
 * lost its lease finishes, and the store ignores its result.)
 */
export class LeaseKeeper {
  private readonly held: Record<Kind, Map<string, Held>> = { delivery: new Map(), message: new Map() };
  private timer?: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly store: Pick<Store, 'renewDeliveryLeases' | 'renewMessageLeases'>,
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

  /** Keeps the lease of a claimed delivery (`kind` 'delivery') or message while it runs; the signal aborts when the
   *  lease is lost. Call `release` when it ends. */
  hold(work: { id: string; leaseUntil: number }, kind: Kind = 'delivery'): AbortSignal {
    const abort = new AbortController();
    this.held[kind].set(work.id, { until: work.leaseUntil, abort });
    return abort.signal;
  }

  release(id: string, kind: Kind = 'delivery'): void {
    this.held[kind].delete(id);
  }

  /** Whether this worker runs that work now (a claim that brings it back, after its lease ran out during a stall,
   *  must not start it a second time). */
  has(id: string, kind: Kind = 'delivery'): boolean {
    return this.held[kind].has(id);
  }

  /** Work held now (tests). */
  get size(): number {
    return this.held.delivery.size + this.held.message.size;
  }

  /** One renewal pass (the timer's; tests call it). */
  async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renewKind('delivery', (ids) => this.store.renewDeliveryLeases(ids, this.leaseMs));
      await this.renewKind('message', (ids) => this.store.renewMessageLeases(ids, this.leaseMs));
    } finally {
      this.renewing = false;
    }
  }

  private async renewKind(kind: Kind, renew: (ids: string[]) => Promise<string[]>): Promise<void> {
    const held = this.held[kind];
    const now = Date.now();
    const due = [...held].filter(([, h]) => h.until - now < this.leaseMs / 2).map(([id]) => id);
    if (due.length === 0) return;
    try {
      const until = Date.now() + this.leaseMs;
      const renewed = new Set(await renew(due));
      for (const id of due) {
        const h = held.get(id);
        if (!h) continue;
        if (renewed.has(id)) h.until = until;
        else this.lose(kind, id, h, 'LEASE_LOST', `the ${kind} is no longer leased to this instance`);
      }
    } catch (err) {
      this.log.warn({ err: toBusError(err).message, [kind === 'delivery' ? 'deliveries' : 'messages']: due.length }, `renewing ${kind} leases failed; trying again`);
      const at = Date.now();
      for (const id of due) {
        const h = held.get(id);
        if (h && h.until <= at) this.lose(kind, id, h, 'LEASE_EXPIRED', 'the lease ran out while the store could not renew it');
      }
    }
  }

  private lose(kind: Kind, id: string, h: Held, code: string, why: string): void {
    this.held[kind].delete(id);
    this.log.warn({ [kind]: id, code }, `${kind} aborted: ${why}`);
    h.abort.abort(new BusError(code, why, { retriable: true }));
  }
}
