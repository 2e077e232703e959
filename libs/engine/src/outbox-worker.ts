import { DeliveryError, Message, toBusError, type Logger } from '@junction/core';
import { decideRetry, outgoingBody, runRoute, type RouteRun } from '@junction/routing';
import type { StoredDelivery, StoredMessage, Store } from '@junction/store';
import { NOOP_OBSERVER, type BusObserver } from '@junction/telemetry';
import { BytesBody, bodyFromBytes } from '@junction/transform';
import { attempt, callInline, sleep } from './deliverer';
import { newDelivery } from './exchange';
import type { RouteTable } from './route-table';
import { scrubbedCopy } from './scrub';

export interface OutboxWorkerOptions {
  /** Messages and deliveries in flight at once in this instance. */
  readonly concurrency: number;
  readonly batch: number;
  readonly pollMs: number;
  readonly leaseMs: number;
  /** Time an enricher call of an async message may take, retries included. */
  readonly callTimeoutMs: number;
}

/**
 * Drains the durable outbox: routes stored messages (status 'received') and delivers pending deliveries, with the
 * target's retry policy between attempts. Rows are claimed with a lease, so that several instances share one store
 * and a crashed instance's work is taken over when its leases run out. Every outcome is written before the lease is
 * given up: a crash at any point means a second delivery, never a lost one (at-least-once).
 */
export class OutboxWorker {
  private running = false;
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private wakeUp?: () => void;
  private loop?: Promise<void>;
  /** What this instance's worker did since start (deliveries by outcome), for the admin API and scale-out checks. */
  readonly counts = { routed: 0, delivered: 0, retried: 0, dead: 0 };

  constructor(
    private readonly store: Store,
    private readonly routes: RouteTable,
    private readonly options: OutboxWorkerOptions,
    private readonly log: Logger,
    /** Told about every routing, attempt and outcome (metrics, per-message logs). */
    private readonly observer: BusObserver = NOOP_OBSERVER,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, then waits for in-flight work to finish (or `timeoutMs`, after which leases expire elsewhere). */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    if (this.inFlight > 0) {
      await Promise.race([new Promise<void>((resolve) => this.idle.add(resolve)), sleep(timeoutMs)]);
    }
  }

  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        const free = this.options.concurrency - this.inFlight;
        if (free > 0) {
          // Routing may take at most half the free slots, so that a flood of new messages never starves the
          // deliveries already waiting (and deliveries take whatever routing leaves).
          const limit = Math.min(free, this.options.batch);
          const messages = await this.store.claimMessages(Math.max(1, Math.floor(limit / 2)), this.options.leaseMs);
          for (const m of messages) this.track(m.routeId, this.routeMessage(m));
          const deliveries = await this.store.claimDeliveries(Math.max(0, limit - messages.length), this.options.leaseMs);
          for (const d of deliveries) this.track(d.routeId, this.deliver(d));
          claimed = messages.length + deliveries.length;
        }
      } catch (err) {
        this.log.warn({ err: toBusError(err).message }, 'outbox claim failed; retrying');
        await sleep(Math.max(this.options.pollMs, 500));
      }
      if (claimed === 0 && this.running) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private track(route: string, work: Promise<void>): void {
    this.inFlight++;
    this.observer.inFlight(route, 1);
    work
      .catch((err) => this.log.error({ err: toBusError(err).message }, 'outbox work failed; its lease will expire'))
      .finally(() => {
        this.inFlight--;
        this.observer.inFlight(route, -1);
        if (this.running) this.wake();
        if (this.inFlight === 0) for (const resolve of this.idle) resolve();
      });
  }

  private async routeMessage(stored: StoredMessage): Promise<void> {
    const route = this.routes.get(stored.routeId);
    const hops = stored.hops ?? [];
    if (!route) {
      const failure = { code: 'ROUTE_GONE', message: `route ${stored.routeId} is no longer loaded` };
      await this.store.completeRouting(stored.id, { status: 'dead', hops, deliveries: [], failure });
      this.observer.completed(stored.routeId, 'async', stored, 'dead', Date.now() - stored.receivedAt, failure);
      return;
    }
    const message = new Message(
      stored.id,
      stored.correlationId,
      { kind: stored.sourceKind, address: stored.sourceAddress },
      stored.headers,
      bodyFromBytes(stored.body, stored.contentType, route.codec),
      stored.receivedAt,
      [...hops],
    );
    let run: RouteRun;
    try {
      run = await runRoute(route, message, (target, m) => callInline(target, m, Date.now() + this.options.callTimeoutMs));
    } catch (err) {
      const error = toBusError(err);
      message.hop('failed', error.code);
      const failure = { code: error.code, message: error.message };
      await this.store.completeRouting(stored.id, { status: 'dead', hops: message.hops, deliveries: [], failure });
      this.observer.completed(route.id, 'async', stored, 'dead', Date.now() - stored.receivedAt, failure);
      return;
    }
    const { dispatches, filtered } = run;
    const direct = dispatches.filter((d) => !d.wireTap).length;
    const status = direct > 0 ? 'pending' : filtered ? 'filtered' : 'delivered';
    message.hop('routed', `${dispatches.length} deliveries`);
    await this.store.completeRouting(stored.id, {
      status,
      hops: message.hops,
      deliveries: dispatches.map((d) => newDelivery(d, outgoingBody(d.message.body, d.target, route.codec))),
      scrubbed: scrubbedCopy(route.masker, stored.headers, stored.body, stored.contentType),
    });
    this.counts.routed++;
    if (status === 'pending') this.observer.routed(route.id, stored, direct);
    else this.observer.completed(route.id, 'async', stored, status, Date.now() - stored.receivedAt);
    if (dispatches.length > 0) this.wake();
  }

  private async deliver(d: StoredDelivery): Promise<void> {
    const target = this.routes.get(d.routeId)?.targets.get(d.targetId);
    if (!target) {
      const failure = { code: 'TARGET_GONE', message: `target ${d.targetId} of route ${d.routeId} is no longer configured` };
      const record = { number: d.attempts + 1, startedAt: Date.now(), durationMs: 0, ok: false, errorCode: failure.code, error: failure.message };
      await this.store.recordAttempt(d.id, record, { kind: 'dead', failure });
      this.observer.attempted(d.routeId, d.targetId, 'dead', 0, d, { error: failure });
      return;
    }
    const message = new Message(
      d.messageId,
      d.correlationId,
      { kind: 'outbox', address: d.targetId },
      d.headers,
      new BytesBody(d.body, d.contentType),
      Date.now(),
    );
    const number = d.attempts + 1;
    const result = await attempt(target, message, number);
    if (result.reply) {
      const route = this.routes.get(d.routeId);
      const scrubbed = route ? scrubbedCopy(route.masker, d.headers, d.body, d.contentType) : undefined;
      await this.store.recordAttempt(d.id, result.record, { kind: 'delivered', scrubbed });
      this.counts.delivered++;
      this.observer.attempted(d.routeId, d.targetId, 'delivered', result.record.durationMs, d);
      return;
    }
    const error = result.error!;
    const policy = { ...target.retry, attempts: d.maxAttempts };
    const decision = decideRetry(policy, number, error);
    if (decision.kind === 'retry') {
      const nextAttemptAt = Date.now() + decision.delayMs;
      await this.store.recordAttempt(d.id, result.record, { kind: 'retry', nextAttemptAt });
      this.counts.retried++;
      this.observer.attempted(d.routeId, d.targetId, 'retry', result.record.durationMs, d, { nextAttemptAt, error });
      return;
    }
    await this.store.recordAttempt(d.id, result.record, { kind: 'dead', failure: { code: error.code, message: error.message } });
    this.counts.dead++;
    this.observer.attempted(d.routeId, d.targetId, 'dead', result.record.durationMs, d, { error });
  }
}
