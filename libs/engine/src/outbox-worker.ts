import { contextWith, endSpan, extractTrace, failSpan, Message, startInnerSpan, toBusError, traceparentOf, type Logger } from '@junction/core';
import { outgoingBody, runRoute, type Dispatch, type RouteRun } from '@junction/routing';
import type { Failure, RoutingResult, StoredDelivery, StoredMessage, Store, TargetRef } from '@junction/store';
import { NOOP_OBSERVER, type BusObserver } from '@junction/telemetry';
import { bodyFromBytes, loadBody } from '@junction/transform';
import { callInline, sleep } from './deliverer';
import { heldPart } from './aggregation-completer';
import { DeliveryRunner, type CallOutcome } from './delivery-runner';
import { newDelivery } from './exchange';
import { deadLetterCopy } from './dead-letter-copy';
import { chainOrderedParts, waitingParts } from './ordered-parts';
import { PoisonRule } from './poison-rule';
import type { RouteTable } from './route-table';
import { scrubbedCopy } from './scrub';
import { storeCommit } from './store-commit';
import { TargetSlots } from './target-slots';
import { LeaseKeeper } from './resilience/lease-keeper';
import { Resilience } from './resilience/resilience';
import type { TargetResilience } from '@junction/routing';
import type { Span } from '@opentelemetry/api';

export interface OutboxWorkerOptions {
  /** Messages and deliveries in flight at once in this instance. */
  readonly concurrency: number;
  readonly batch: number;
  readonly pollMs: number;
  readonly leaseMs: number;
  /** Time an enricher call of an async message may take, retries included. */
  readonly callTimeoutMs: number;
  /** Claims a message or delivery may have without an outcome before it is dead-lettered as poison (PoisonRule). */
  readonly poisonMaxClaims: number;
  /** Called after a routing held parts in aggregation groups (the AggregationCompleter's wake). */
  readonly held?: () => void;
}

/** Wakes closer together than this are merged into one claim pass (see OutboxWorker.wake). */
export const WAKE_COALESCE_MS = 5;

/**
 * Drains the durable outbox: routes stored messages (status 'received') and delivers pending deliveries, with the
 * target's retry policy between attempts. Rows are claimed with a lease, so that several instances share one store
 * and a crashed instance's work is taken over when its leases run out. Every outcome is written before the lease is
 * given up: a crash at any point means a second delivery, never a lost one (at-least-once).
 *
 * Batching, so that the store's cost per message stays small under load:
 * - Wakes are coalesced: at most one claim pass per WAKE_COALESCE_MS while busy (an idle worker claims on the next
 *   turn of the event loop), and no pass while fewer than a quarter of the slots are free and work is in flight
 *   (each finished piece of work wakes the worker again). Claims then take many rows rather than one or two.
 * - A routing pass hands the deliveries it creates straight to this worker: they are inserted already leased to this
 *   instance (Store.completeRouting's `handOff`) and started at once, without a second claim. Only as many as this
 *   worker has slots for (its own slot included) are handed off; the others are inserted free, for any worker's next
 *   claim, rather than leased and left waiting for the lease to run out. A crash before they are done leaves them
 *   leased: they are claimed again when the lease runs out, as any claimed delivery.
 * - Completions are group-committed by the store (one transaction for the outcomes finishing together).
 *
 * Fair share: a target holds at most its share of the slots (TargetSlots), so that a hung target never stalls the
 * other routes. Claims leave out the targets holding their share, hand-offs go only to targets under theirs, and
 * what a claim brings over a target's share is given back to the store at once.
 *
 * Resilience (see Resilience): a target's bulkhead caps its share of the slots; a delivery whose target's circuit
 * breaker is open, or whose throttle turn is further off than THROTTLE_HOLD_MS, goes back to the store with a later
 * due time and no attempt spent (Store.deferDeliveries), and claims leave such targets out while they are held back;
 * a throttle turn within THROTTLE_HOLD_MS is waited for in memory. Targets without patterns take none of these paths.
 * Leases of running deliveries and of messages being routed are renewed while they run (LeaseKeeper).
 *
 * Poison: work that keeps failing without an outcome (it crashes or hangs the worker, or throws) is dead-lettered
 * with its reason after a bounded number of claims, or at once when its error is not retriable (PoisonRule).
 */
export class OutboxWorker {
  private running = false;
  private inFlight = 0;
  /** Deliveries whose call is over and whose outcome is being written: they hold no slot (see startDelivery). */
  private committing = 0;
  /** Slots promised to deliveries a routing pass is handing off (see routeMessage). */
  private reserved = 0;
  private readonly idle = new Set<() => void>();
  /** Set by wake(); cleared when a claim pass starts, so that a wake during a pass is not lost. */
  private woken = false;
  /** Ends the current pause early (coalesced), while the loop is paused. */
  private resume?: () => void;
  private lastPassAt = 0;
  /** When deliveries were last claimed, and whether this worker since left some free for a claim. */
  private lastDeliveryClaimAt = 0;
  private deliveriesLeft = true;
  /** Targets with deliveries this worker left free in the store (a routing had no slot for them, a claim brought more
   *  than their share) that no claim has taken yet, because they held their share and claims left them out. The
   *  first slot one of them gives back makes deliveries due again (see releaseSlot), rather than the next poll. */
  private readonly leftOut = new Set<string>();
  private loop?: Promise<void>;
  /** What this instance's worker did since start (deliveries by outcome), for the admin API and scale-out checks. */
  readonly counts = { routed: 0, delivered: 0, retried: 0, dead: 0 };
  private readonly slots: TargetSlots;
  private readonly poison: PoisonRule;
  private readonly deliveries: DeliveryRunner;
  private readonly leases: LeaseKeeper;
  /** The targets with resilience patterns, listed once per route set (see heldBack). */
  private guarded: { routes: unknown; refs: Array<{ ref: TargetRef; r: TargetResilience }> } = { routes: undefined, refs: [] };

  constructor(
    private readonly store: Store,
    private readonly routes: RouteTable,
    private readonly options: OutboxWorkerOptions,
    private readonly log: Logger,
    /** Told about every routing, attempt and outcome (metrics, per-message logs). */
    private readonly observer: BusObserver = NOOP_OBSERVER,
    /** Breakers and throttles: kept across route reloads (held by the runtime). */
    readonly resilience: Resilience = new Resilience(),
  ) {
    this.slots = new TargetSlots(options.concurrency, Date.now, (t) => this.routes.get(t.routeId)?.targets.get(t.targetId)?.resilience?.maxInFlight);
    this.leases = new LeaseKeeper(store, options.leaseMs, log);
    this.poison = new PoisonRule(options.poisonMaxClaims);
    this.deliveries = new DeliveryRunner(store, routes, this.poison, this.counts, observer);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.leases.start();
    this.loop = this.run();
  }

  /** Stops claiming, then waits for in-flight work to finish (or `timeoutMs`, after which leases expire elsewhere). */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    if (this.inFlight > 0 || this.committing > 0) {
      await Promise.race([new Promise<void>((resolve) => this.idle.add(resolve)), sleep(timeoutMs)]);
    }
    this.leases.stop();
  }

  /** There may be work: new messages, new deliveries or free slots. Many wakes make one claim pass (see the class). */
  wake(): void {
    this.woken = true;
    this.resume?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more = false;
      // Outcomes waiting for the store beyond one per slot mean the store is the bottleneck: claim less.
      const free = this.options.concurrency - this.inFlight - this.reserved - Math.max(0, this.committing - this.options.concurrency);
      // A pass for one or two free slots would claim one or two rows: wait for more to free up (each wakes us). Unless
      // a target holds its share: the slots it leaves free may be all that routing and the other targets get.
      const minClaim = Math.max(1, Math.floor(Math.min(this.options.batch, this.options.concurrency) / 4));
      if (free >= minClaim || (free > 0 && (this.inFlight === 0 || this.slots.full().length > 0))) {
        this.woken = false;
        this.lastPassAt = Date.now();
        try {
          more = await this.claim(free);
        } catch (err) {
          this.log.warn({ err: toBusError(err).message }, 'outbox claim failed; retrying');
          await sleep(Math.max(this.options.pollMs, 500));
        }
      }
      if (!more && this.running) await this.pause();
    }
  }

  /** One claim pass; true when a claim came back full (more may be waiting). */
  private async claim(free: number): Promise<boolean> {
    // Routing may take at most half the free slots while deliveries are due for a claim, so that a flood of new
    // messages never starves the deliveries already waiting (and deliveries take whatever routing leaves). While none
    // is (a routing hands its deliveries off to the slot it held), routing takes every free slot: one claim feeds them
    // all, rather than half of them idling until the next pass, and claims stay large (a claim's cost is mostly fixed).
    const limit = Math.min(free, this.options.batch);
    const messageLimit = this.deliveriesDue(Date.now()) ? Math.max(1, Math.floor(limit / 2)) : limit;
    const messages = await this.store.claimMessages(messageLimit, this.options.leaseMs);
    for (const m of messages) {
      // Still being routed here (its lease ran out while the event loop stalled): the routing under way finishes it.
      if (this.leases.has(m.id, 'message')) continue;
      this.leases.hold(m, 'message');
      this.track(m.routeId, this.routeMessage(m).finally(() => this.leases.release(m.id, 'message')));
    }
    // Handed-off deliveries need no claim: claim only for those this worker left free, and once per poll interval for
    // the rest (retries coming due, other instances' work, expired leases, sync routes' wire taps).
    const now = Date.now();
    const deliveryLimit = this.deliveriesDue(now) ? Math.max(0, limit - messages.length) : 0;
    if (deliveryLimit === 0) return messages.length === messageLimit;
    this.deliveriesLeft = false;
    let deliveries: StoredDelivery[];
    try {
      const full = this.slots.full();
      // This claim takes what waits for the targets it does not leave out.
      if (this.leftOut.size > 0) {
        const excluded = new Set(full.map(slotKey));
        for (const key of this.leftOut) if (!excluded.has(key)) this.leftOut.delete(key);
      }
      deliveries = await this.store.claimDeliveries(deliveryLimit, this.options.leaseMs, [...full, ...this.heldBack()]);
    } catch (err) {
      this.deliveriesLeft = true;
      throw err;
    }
    this.lastDeliveryClaimAt = now;
    // Rows of a target that reached its share during this claim go back to the store for a later claim; the next
    // claim leaves that target out.
    const over: string[] = [];
    for (const d of deliveries) {
      if (this.leases.has(d.id)) continue;
      if (this.slots.tryAcquire(d)) this.startDelivery(d);
      else {
        over.push(d.id);
        // Given back free: claimed again once the target gives back a slot, not only at the next poll.
        this.leftOut.add(slotKey(d));
      }
    }
    // A full claim may have left more behind.
    if (deliveries.length === deliveryLimit) this.deliveriesLeft = true;
    if (over.length > 0) await this.store.releaseDeliveries(over);
    return messages.length === messageLimit || deliveries.length === deliveryLimit;
  }

  /** Gives back a target's slot; deliveries left free for it (see leftOut) are due for a claim now. */
  private releaseSlot(target: TargetRef): void {
    this.slots.release(target);
    if (this.leftOut.size > 0 && this.leftOut.delete(slotKey(target))) this.deliveriesLeft = true;
  }

  /** Whether the next claim should take deliveries: some were left free for one, or the poll interval ran out. */
  private deliveriesDue(now: number): boolean {
    return this.deliveriesLeft || now - this.lastDeliveryClaimAt >= this.options.pollMs;
  }

  /** Until the poll interval runs out or a wake comes: at once when the last pass is WAKE_COALESCE_MS old (on the
   *  next turn of the event loop, so that wakes of one I/O phase share it), else when it will be. */
  private pause(): Promise<void> {
    return new Promise((resolve) => {
      let timeout: NodeJS.Timeout | undefined = setTimeout(done, this.options.pollMs);
      let immediate: NodeJS.Immediate | undefined;
      const self = this;
      function done() {
        clearTimeout(timeout);
        if (immediate) clearImmediate(immediate);
        self.resume = undefined;
        resolve();
      }
      function soon() {
        self.resume = undefined;
        clearTimeout(timeout);
        const wait = self.lastPassAt + WAKE_COALESCE_MS - Date.now();
        if (wait > 0) timeout = setTimeout(done, wait);
        else immediate = setImmediate(done);
      }
      if (this.woken) soon();
      else this.resume = soon;
    });
  }

  private track(route: string, work: Promise<unknown>): void {
    this.begin(route);
    this.logFailure(work).finally(() => this.end(route));
  }

  private begin(route: string): void {
    this.inFlight++;
    this.observer.inFlight(route, 1);
  }

  /** A slot is free again. */
  private end(route: string): void {
    this.inFlight--;
    this.observer.inFlight(route, -1);
    this.settled();
  }

  private settled(): void {
    if (this.running) this.wake();
    if (this.inFlight === 0 && this.committing === 0) for (const resolve of this.idle) resolve();
  }

  private logFailure(work: Promise<unknown>): Promise<unknown> {
    return work.catch((err) => this.log.error({ err: toBusError(err).message }, 'outbox work failed; its lease will expire'));
  }

  /**
   * Starts a claimed or handed-off delivery whose slot (TargetSlots) is taken; keeps its lease until its outcome is
   * written. The slot, the worker's and the target's, covers the call only: once the target answered, another
   * delivery takes it while the outcome is group-committed, so that the store's commit latency does not cap the rate
   * of calls (a target still never has more calls in flight than its share). Outcomes waiting for the store beyond
   * one per slot make the worker claim less (see run).
   */
  private startDelivery(d: StoredDelivery): void {
    const target: TargetRef = { routeId: d.routeId, targetId: d.targetId };
    const resilience = this.routes.get(d.routeId)?.targets.get(d.targetId)?.resilience;
    const signal = this.leases.hold(d);
    let calling = true;
    const callEnded = () => {
      if (!calling) return;
      calling = false;
      this.committing++;
      this.releaseSlot(target);
      this.end(d.routeId);
    };
    this.begin(d.routeId);
    const work = resilience ? this.runGuarded(d, target, resilience, signal, callEnded) : this.deliveries.run(d, signal, undefined, callEnded);
    this.logFailure(work).finally(() => {
      this.leases.release(d.id);
      if (calling) {
        // No call was made or it never ended normally (dead-lettered without an attempt, deferred, a store error).
        calling = false;
        this.releaseSlot(target);
        this.end(d.routeId);
      } else {
        this.committing--;
        this.settled();
      }
    });
  }

  /** A delivery to a target with patterns: its breaker and throttle decide whether it goes now, waits, or goes back
   *  to the store for later (no attempt spent); the breaker learns the outcome. */
  private async runGuarded(d: StoredDelivery, ref: TargetRef, r: TargetResilience, signal: AbortSignal, callEnded: () => void): Promise<void> {
    let probe = false;
    if (r.breaker) {
      const permit = this.resilience.permit(ref, r.breaker);
      if (permit.kind === 'wait') return this.store.deferDeliveries([d.id], permit.untilMs);
      probe = permit.probe;
    }
    let outcome: CallOutcome = 'none';
    try {
      if (r.throttle) {
        const turn = await this.resilience.targetTurn(ref, r.throttle);
        if (!turn.go) return await this.store.deferDeliveries([d.id], turn.untilMs);
      }
      // A failed probe waits out the next cooldown (see DeliveryRunner.run), when the breaker lets the next one go.
      const breaker = r.breaker;
      const asProbe = probe && breaker ? { retryAt: () => Date.now() + breaker.cooldownMs } : undefined;
      outcome = await this.deliveries.run(d, signal, asProbe, callEnded);
    } finally {
      if (r.breaker) {
        if (outcome === 'none') this.resilience.abandonCall(ref, r.breaker, probe);
        else this.resilience.recordCall(ref, r.breaker, outcome === 'ok', probe);
      }
    }
  }

  /** The targets whose breaker or throttle holds them back now: claims leave them out. Listed from the routes once
   *  per route set, so that routes without patterns cost nothing here. */
  private heldBack(): TargetRef[] {
    const routes = this.routes.lastReload;
    if (this.guarded.routes !== routes) {
      const refs: Array<{ ref: TargetRef; r: TargetResilience }> = [];
      for (const route of this.routes.list()) {
        for (const t of route.targets.values()) if (t.resilience) refs.push({ ref: { routeId: route.id, targetId: t.id }, r: t.resilience });
      }
      this.guarded = { routes, refs };
    }
    const held: TargetRef[] = [];
    for (const { ref, r } of this.guarded.refs) if (this.resilience.holdsBack(ref, r)) held.push(ref);
    return held;
  }

  /** Routes a claimed message, or dead-letters it as poison (see PoisonRule). A retriable error is thrown: the lease
   *  runs out and the next claim counts. */
  private async routeMessage(stored: StoredMessage): Promise<void> {
    const overClaimed = this.poison.overClaimed(stored.id, stored.claims);
    if (overClaimed) return this.deadMessage(stored, stored.hops ?? [], overClaimed);
    try {
      await this.routeOnce(stored);
      this.poison.done(stored.id);
    } catch (err) {
      const failure = this.poison.failed(stored.id, err);
      if (!failure) throw err;
      const hops = [...(stored.hops ?? []), { at: Date.now(), step: 'failed', note: failure.code }];
      await this.deadMessage(stored, hops, failure);
    }
  }

  private async deadMessage(stored: StoredMessage, hops: StoredMessage['hops'], failure: Failure): Promise<void> {
    // A route whose source has a dead-letter place (a Kafka topic) gets its refusals there too, through the outbox.
    const copy = deadLetterCopy(this.routes.get(stored.routeId), stored, failure);
    await this.store.completeRouting(stored.id, { status: 'dead', hops, deliveries: copy ? [copy] : [], failure });
    if (copy) {
      this.deliveriesLeft = true;
      this.wake();
    }
    this.observer.completed(stored.routeId, 'async', stored, 'dead', Date.now() - stored.receivedAt, failure);
  }

  /** One routing of a stored message, as a `route <id>` span under the journaled ingress span. */
  private async routeOnce(stored: StoredMessage): Promise<void> {
    const span = startInnerSpan(`route ${stored.routeId}`, extractTrace(stored.headers), () => ({
      'junction.route': stored.routeId,
      'junction.message_id': stored.id,
    }));
    try {
      await this.routeTraced(stored, span);
      endSpan(span);
    } catch (err) {
      endSpan(span, toBusError(err));
      throw err;
    }
  }

  private async routeTraced(stored: StoredMessage, span: Span): Promise<void> {
    const traced = { route: stored.routeId, parent: contextWith(span) };
    const route = this.routes.get(stored.routeId);
    const hops = stored.hops ?? [];
    if (!route) {
      const failure = { code: 'ROUTE_GONE', message: `route ${stored.routeId} is no longer loaded` };
      return this.deadMessage(stored, hops, failure);
    }
    const message = new Message(
      stored.id,
      stored.correlationId,
      // $params and $query as they were at ingress: journaled with the message.
      { kind: stored.sourceKind, address: stored.sourceAddress, ...stored.sourceVars },
      stored.headers,
      bodyFromBytes(stored.body, stored.contentType, route.codec, { json: route.jsonLimits }),
      stored.receivedAt,
      [...hops],
    );
    // A large XML body is parsed by a worker, not on the event loop that every other message shares. What fails
    // here is never the body's fault (that is cached for the route to meet): the message stays leased and is routed
    // again when the lease expires.
    if (route.readsBodyOf(message.body.format)) await loadBody(message.body);
    let run: RouteRun;
    try {
      // An aggregate message resumes its route after the aggregate step it came from.
      const from = stored.sourceKind === 'aggregate' ? stored.sourceAddress : undefined;
      run = await runRoute(
        route,
        message,
        (target, m, address) => callInline(target, m, Date.now() + this.options.callTimeoutMs, address, traced),
        from,
      );
    } catch (err) {
      // The route's own failure (a step, an enricher), retriable or not: dead-lettered at once, as the route decides.
      const error = toBusError(err);
      message.hop('failed', error.code);
      failSpan(span, error);
      return this.deadMessage(stored, message.hops, { code: error.code, message: error.message });
    }
    const { dispatches, filtered } = run;
    const direct = dispatches.filter((d) => !d.wireTap).length;
    // Parts an aggregate step holds go into their groups with this routing result; a message held whole ends 'held'.
    const held = run.held.length > 0 ? run.held.map((h) => heldPart(route.id, h, route.aggregators.get(h.step)!)) : undefined;
    const status = direct > 0 ? 'pending' : held ? 'held' : filtered ? 'filtered' : 'delivered';
    if (span.isRecording()) span.setAttribute('junction.outcome', status);
    message.hop('routed', `${dispatches.length} deliveries`);
    // Hand off as many deliveries as this worker can start now (this routing's own slot, plus the free ones), each
    // to a target under its share. A stopping worker hands off nothing: what it has not started stays free for the
    // others. Handed-off deliveries go first: the store leases the first `count`.
    const room = this.running ? 1 + Math.max(0, this.options.concurrency - this.inFlight - this.reserved) : 0;
    const handed: Dispatch[] = [];
    const left: Dispatch[] = [];
    // An ordered split's parts after the first to a target wait for the one before them: never handed off.
    const waits = waitingParts(dispatches);
    for (const d of dispatches) {
      const ref = { routeId: route.id, targetId: d.target.id };
      const free = !waits.has(d) && (!d.target.resilience || !this.resilience.holdsBack(ref, d.target.resilience));
      if (handed.length < room && free && this.slots.tryAcquire(ref)) handed.push(d);
      else left.push(d);
    }
    this.reserved += handed.length;
    const all = [...handed, ...left];
    const routeTrace = traceparentOf(span);
    let leased: StoredDelivery[] = [];
    try {
      const commit: RoutingResult = {
        status,
        hops: message.hops,
        deliveries: chainOrderedParts(
          all,
          // Each delivery's trace context is this run's span: its attempts are children of it.
          all.map((d) => newDelivery(d, outgoingBody(d.message.body, d.target, route.codec), routeTrace)),
        ),
        // A held message keeps its payload: if its group expires, it is dead-lettered and replayed from it.
        scrubbed: held ? undefined : scrubbedCopy(route.masker, stored.headers, stored.body, stored.contentType),
        messageBody: stored.body,
        ...(held && { held }),
      };
      const handOff = handed.length > 0 ? { count: handed.length, leaseMs: this.options.leaseMs } : undefined;
      leased = await storeCommit(traced.parent, 'routing', () => this.store.completeRouting(stored.id, commit, handOff));
    } finally {
      this.reserved -= handed.length;
      // Slots taken for deliveries the store did not hand back (the result was ignored, or it failed).
      for (const d of handed.slice(leased.length)) this.releaseSlot({ routeId: route.id, targetId: d.target.id });
    }
    this.counts.routed++;
    if (held) this.options.held?.();
    if (status === 'pending') this.observer.routed(route.id, stored, direct);
    else if (status !== 'held') this.observer.completed(route.id, 'async', stored, status, Date.now() - stored.receivedAt);
    for (const d of leased) this.startDelivery(d);
    if (leased.length < dispatches.length) {
      for (const d of left) this.leftOut.add(slotKey({ routeId: route.id, targetId: d.target.id }));
      this.deliveriesLeft = true;
      this.wake();
    }
  }
}

function slotKey(t: TargetRef): string {
  return `${t.routeId} ${t.targetId}`;
}
