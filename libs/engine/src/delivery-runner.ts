import { Message, type BusError } from '@junction/core';
import { decideRetry } from '@junction/routing';
import type { AttemptRecord, Failure, Store, StoredDelivery } from '@junction/store';
import type { BusObserver } from '@junction/telemetry';
import { BytesBody } from '@junction/transform';
import { attempt } from './deliverer';
import type { PoisonRule } from './poison-rule';
import type { RouteTable } from './route-table';
import { scrubbedCopy } from './scrub';

/** What the worker counts of its deliveries (see OutboxWorker.counts). */
export interface DeliveryCounts {
  delivered: number;
  retried: number;
  dead: number;
}

/** How a delivery ended, for the counts and the observer. `targetFailed`: an attempt was made and the target failed
 *  with a retriable error (what a circuit breaker counts). */
type Done =
  | { kind: 'delivered'; durationMs: number }
  | { kind: 'retry'; durationMs: number; nextAttemptAt: number; error: BusError }
  | { kind: 'dead'; durationMs: number; error: Failure; targetFailed?: boolean };

/** What a circuit breaker learns from one run: the target answered, failed, or was not called. */
export type CallOutcome = 'ok' | 'failed' | 'none';

/**
 * Runs one claimed delivery of the outbox: one attempt at its target, then the outcome recorded (delivered, retry by
 * the target's policy, or dead). Poison (see PoisonRule): a delivery claimed more often than the rule allows without
 * an outcome is dead-lettered without an attempt, and one whose handling throws an error that is not retriable is
 * dead-lettered with it. A retriable error (the store) is thrown: the lease runs out and the next claim counts.
 */
export class DeliveryRunner {
  constructor(
    private readonly store: Store,
    private readonly routes: RouteTable,
    private readonly poison: PoisonRule,
    private readonly counts: DeliveryCounts,
    private readonly observer: BusObserver,
  ) {}

  /** `signal` aborts the attempt (the lease was lost, see LeaseKeeper). `probe`: the attempt is a circuit breaker's
   *  test of its target (see probeFailed). `callEnded` is told when the target's call is over, before its outcome is
   *  recorded (the worker then gives the target's slot to another delivery). */
  async run(d: StoredDelivery, signal?: AbortSignal, probe?: { retryAt: () => number }, callEnded?: () => void): Promise<CallOutcome> {
    const overClaimed = this.poison.overClaimed(d.id, d.claims);
    let done: Done;
    let called = false;
    if (overClaimed) done = await this.dead(d, overClaimed);
    else {
      try {
        done = await this.attempt(d, signal, () => (called = true), probe, callEnded);
        this.poison.done(d.id);
      } catch (err) {
        const failure = this.poison.failed(d.id, err);
        if (!failure) throw err;
        done = await this.dead(d, failure);
      }
    }
    if (done.kind === 'delivered') {
      this.counts.delivered++;
      this.observer.attempted(d.routeId, d.targetId, 'delivered', done.durationMs, d);
    } else if (done.kind === 'retry') {
      this.counts.retried++;
      this.observer.attempted(d.routeId, d.targetId, 'retry', done.durationMs, d, { nextAttemptAt: done.nextAttemptAt, error: done.error });
    } else {
      this.counts.dead++;
      this.observer.attempted(d.routeId, d.targetId, 'dead', done.durationMs, d, { error: done.error });
    }
    if (!called) return 'none';
    return done.kind === 'retry' || (done.kind === 'dead' && done.targetFailed) ? 'failed' : 'ok';
  }

  private async attempt(
    d: StoredDelivery,
    signal: AbortSignal | undefined,
    calling: () => void,
    probe?: { retryAt: () => number },
    callEnded?: () => void,
  ): Promise<Done> {
    const route = this.routes.get(d.routeId);
    const target = route?.targets.get(d.targetId);
    if (!target) {
      return this.dead(d, { code: 'TARGET_GONE', message: `target ${d.targetId} of route ${d.routeId} is no longer configured` });
    }
    const message = new Message(
      // A split part goes as the message of its own it is.
      d.partId ?? d.messageId,
      d.correlationId,
      { kind: 'outbox', address: d.targetId },
      d.headers,
      new BytesBody(d.body, d.contentType),
      Date.now(),
    );
    const number = d.attempts + 1;
    calling();
    // Its span is a child of the routing's, whose context the delivery row keeps (see newDelivery).
    const result = await attempt(target, message, number, signal, d.address ?? undefined, { route: d.routeId });
    callEnded?.();
    const durationMs = result.record.durationMs;
    if (result.reply) {
      const scrubbed = route ? scrubbedCopy(route.masker, d.headers, d.body, d.contentType) : undefined;
      await this.store.recordAttempt(d.id, result.record, { kind: 'delivered', scrubbed });
      return { kind: 'delivered', durationMs };
    }
    const error = result.error!;
    const decision = decideRetry({ ...target.retry, attempts: d.maxAttempts }, number, error);
    // A breaker's probe that finds the target still unwell is not the message's last chance: the breaker opens
    // again and the delivery waits with the others it holds back, else the oldest delivery, chosen as the probe
    // cooldown after cooldown, would spend its attempts and be dead-lettered during the very outage the breaker
    // is there to wait out. Errors that are not retriable still dead-letter it.
    const probeWaits = probe !== undefined && error.retriable && decision.kind === 'dead';
    if (decision.kind === 'retry' || probeWaits) {
      const nextAttemptAt = probeWaits ? probe.retryAt() : Date.now() + (decision.kind === 'retry' ? decision.delayMs : 0);
      await this.store.recordAttempt(d.id, result.record, { kind: 'retry', nextAttemptAt });
      return { kind: 'retry', durationMs, nextAttemptAt, error };
    }
    const failure = { code: error.code, message: error.message };
    await this.store.recordAttempt(d.id, result.record, { kind: 'dead', failure });
    return { kind: 'dead', durationMs, error, targetFailed: error.retriable };
  }

  /** Dead-letters a delivery that gets no (further) attempt: the record says why. */
  private async dead(d: StoredDelivery, failure: Failure): Promise<Done> {
    const record: AttemptRecord = {
      number: d.attempts + 1,
      startedAt: Date.now(),
      durationMs: 0,
      ok: false,
      errorCode: failure.code,
      error: failure.message,
    };
    await this.store.recordAttempt(d.id, record, { kind: 'dead', failure });
    return { kind: 'dead', durationMs: 0, error: failure };
  }
}
