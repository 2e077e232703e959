import {
  BusError,
  BusyError,
  contextWith,
  correlationIdFrom,
  DeliveryError,
  endSpan,
  extractTrace,
  ingressSpanKind,
  injectTrace,
  startInnerSpan,
  startSpan,
  traceparentOf,
  InputError,
  Message,
  newMessageId,
  sourceVarsOf,
  ThrottledError,
  toBusError,
  type Ack,
  type Body,
  type Incoming,
  type MessageSink,
  type Reply,
} from '@junction/core';
import { outgoingBody, replyMessage as replyMessageOf, runRoute, type CompiledRoute, type Dispatch, type RouteRun } from '@junction/routing';
import { IDEMPOTENT_KEY_MAX, type Exchange as JournaledExchange, type NewDelivery, type NewMessage, type Store } from '@junction/store';
import { NOOP_OBSERVER, type BusObserver } from '@junction/telemetry';
import { bodyFromBytes, charsetOf, loadBody, screenJson } from '@junction/transform';
import type { Settings } from '@junction/config';
import type { Context } from '@opentelemetry/api';
import { callInline, deliverInline, type InlineDelivery } from './deliverer';
import { deliverInTurn } from './ordered-parts';
import type { RouteTable } from './route-table';
import { Resilience } from './resilience/resilience';
import { scrubbedCopy } from './scrub';
import { storeCommit } from './store-commit';

export interface ExchangeOptions {
  readonly syncTimeoutMs: number;
  /** Called after an async message was committed, so the outbox worker starts at once instead of at its next poll. */
  readonly wake: () => void;
  /** Told about every message, attempt and outcome (metrics, per-message logs). */
  readonly observer?: BusObserver;
  /** Where the routes' throttles keep their state (shared with the outbox worker). */
  readonly resilience?: Resilience;
  /** When a sync success is journaled (JOURNAL_SUCCESSES): right after its reply (default), or before it. */
  readonly journalSuccesses?: Settings['JOURNAL_SUCCESSES'];
}

/**
 * Records of answered successes still being committed, at most: past it, a success's reply waits for its own record,
 * so that a store slower than the traffic slows the callers down instead of holding ever more records in memory.
 */
const RECORDS_BEHIND_MAX = 1000;

/**
 * The bus as ingresses see it. Async routes: the message is committed to the store, then acknowledged; the outbox
 * worker routes and delivers it. Sync routes: the flow runs and the targets are called while the caller waits, and the
 * whole exchange is journaled. A failure (dead letters included) or an exchange that leaves wire-tap copies in the
 * outbox is committed before the caller gets the reply; a success's record is handed to the store before the reply
 * and committed right after it (unless `journalSuccesses` is 'before-reply'): the commit is most of a passthrough's
 * added latency, and what it records has already happened.
 */
export class Exchange implements MessageSink {
  private readonly observer: BusObserver;
  private readonly resilience: Resilience;
  private recordsBehind = 0;

  constructor(
    private readonly routes: RouteTable,
    private readonly store: Store,
    private readonly options: ExchangeOptions,
  ) {
    this.observer = options.observer ?? NOOP_OBSERVER;
    this.resilience = options.resilience ?? new Resilience();
  }

  async dispatch(routeId: string, incoming: Incoming): Promise<Ack> {
    const route = this.routes.get(routeId);
    // Refusals before a message is made are counted here (the listener and the ingresses count theirs); every later
    // one is counted with its message.
    if (!route) throw this.refusedBefore(routeId, new InputError('NO_ROUTE', `route ${routeId} is not loaded`, 404));
    if (route.throttle) await this.throttle(route);
    this.observer.inFlight(route.id, 1);
    try {
      return await this.take(route, incoming);
    } finally {
      this.observer.inFlight(route.id, -1);
    }
  }

  /**
   * The route's throttle: an async route's caller waits for its turn (at most SYNC_TIMEOUT_MS); a sync route's caller
   * over the rate is refused at once. Refused: ThrottledError (429 with Retry-After), nothing taken or journaled.
   */
  private async throttle(route: CompiledRoute): Promise<void> {
    const maxWaitMs = route.mode === 'sync' ? 0 : this.options.syncTimeoutMs;
    const turn = await this.resilience.routeTurn(route.id, route.throttle!, maxWaitMs);
    if (!turn.go) throw this.refusedBefore(route.id, new ThrottledError(`route ${route.id} is over its rate`, Math.max(1, turn.untilMs - Date.now())));
  }

  private refusedBefore<E extends BusError>(routeId: string, error: E): E {
    this.observer.refusedRequest(routeId, error);
    return error;
  }

  /** The message's `ingress` span, in the caller's trace (or a new one), around everything up to the acknowledgement. */
  private async take(route: CompiledRoute, incoming: Incoming): Promise<Ack> {
    const id = newMessageId();
    const span = startSpan('ingress', ingressSpanKind(incoming.source.kind), extractTrace(incoming.headers), () => ({
      'junction.route': route.id,
      'junction.source.kind': incoming.source.kind,
      'junction.message_id': id,
    }));
    try {
      const ack = await this.takeTraced(route, incoming, id, contextWith(span));
      if (span.isRecording()) span.setAttribute('junction.ack', ack.kind);
      endSpan(span);
      return ack;
    } catch (err) {
      endSpan(span, toBusError(err));
      throw err;
    }
  }

  private async takeTraced(route: CompiledRoute, incoming: Incoming, id: string, ingress: Context): Promise<Ack> {
    // The ingress span's context is journaled with the message, so that the outbox worker and every target call
    // continue its trace.
    const headers = injectTrace(ingress, { ...incoming.headers });
    const message = new Message(
      id,
      correlationIdFrom(incoming.headers, id),
      incoming.source,
      headers,
      bodyFromBytes(incoming.body, incoming.contentType, route.codec, { written: incoming.parsed, json: route.jsonLimits }),
      Date.now(),
    );
    this.observer.received(route.id, message);
    const record = toNewMessage(route, message, incoming);
    let idempotencyKey: string | undefined;
    try {
      if (incoming.refused) throw incoming.refused;
      await this.admit(route, message, incoming);
      record.businessKey = (await route.businessKey(message)) ?? null;
      if (route.idempotent) idempotencyKey = await idempotencyKeyOf(route, message);
    } catch (err) {
      const error = toBusError(err);
      this.observer.rejected(route.id, message, error);
      // Refused for want of room, not for what it is: nothing was taken, so nothing is journaled.
      if (error instanceof BusyError) throw withId(error, id);
      return this.reject(record, message, error);
    }
    message.hop('received', `${incoming.source.kind} ${incoming.source.address}`);
    if (idempotencyKey !== undefined) return this.acceptOnce(route, message, record, idempotencyKey, incoming, ingress);
    if (route.mode === 'async') {
      const response = await this.acceptedResponse(route, record, message, incoming, id);
      await storeCommit(ingress, 'accept', () => this.store.acceptMessage(record)).catch((err) => {
        const error = withId(toBusError(err), id);
        this.observer.rejected(route.id, message, error);
        throw error;
      });
      this.options.wake();
      return { kind: 'accepted', messageId: id, ...(response && { response }) };
    }
    return this.runSync(route, message, record, incoming, ingress);
  }

  /**
   * The ingress's answer for an accepted message, made before it is committed: one that cannot be made refuses the
   * message (journaled dead with the reason), so that a caller who gets an error never finds it accepted.
   */
  private async acceptedResponse(route: CompiledRoute, record: NewMessage, message: Message, incoming: Incoming, messageId: string): Promise<Reply | undefined> {
    if (!incoming.prepareAccepted) return undefined;
    try {
      return await incoming.prepareAccepted(messageId);
    } catch (err) {
      const error = toBusError(err);
      this.observer.rejected(route.id, message, error);
      return this.reject(record, message, error);
    }
  }

  /**
   * Refuses malformed input before it is accepted, reading no more of it than the route will use. A passthrough never
   * reads its body: its XML is only screened (encoding, DTD, depth, attributes) in one pass instead of parsed, the
   * costly part. An async route without a business key reads its body in the outbox: here the XML need only prove
   * sound, so nothing of it comes back from a worker. XML the ingress wrote and checked itself is not read again
   * unless its value is needed now. JSON is checked as it is parsed. Large XML is read by the workers; when they are
   * all busy and their backlog is full, a BusyError (503) refuses the message, unless its source waits its turn
   * (`incoming.whenBusy`: a broker consumer).
   */
  private async admit(route: CompiledRoute, message: Message, incoming: Incoming): Promise<void> {
    const body = message.body;
    // A passthrough never reads its body: its JSON is only screened (well-formed, within the limits, no duplicate key)
    // in one pass instead of parsed, as its XML is below.
    const reads = route.readsBodyOf(body.format);
    if (body.format === 'json' && !reads) return void screenJson(incoming.body, route.jsonLimits);
    if (body.format !== 'xml') return void body.value();
    const whenBusy = incoming.whenBusy ?? 'refuse';
    const read = { charset: charsetOf(incoming.contentType), whenBusy };
    const valueLater = route.mode === 'async' && route.def.businessKey === undefined && !route.idempotent?.readsBody;
    if (!reads || valueLater) {
      if (incoming.checked) return;
      return reads ? route.codec.checkAsync(incoming.body, read) : route.codec.screenAsync(incoming.body, read);
    }
    await loadBody(body, whenBusy);
    body.value();
  }

  /**
   * Idempotent Consumer: the message is accepted under its key, or, when the route saw the key within its retention,
   * journaled as `duplicate` (masked, as a finished message) and acknowledged with the id of the message that took
   * the key, so that a sender resending after a lost answer gets the answer it missed. Either way in one commit.
   */
  private async acceptOnce(route: CompiledRoute, message: Message, record: NewMessage, key: string, incoming: Incoming, ingress: Context): Promise<Ack> {
    const response = await this.acceptedResponse(route, record, message, incoming, message.id);
    const entry = {
      key,
      retentionMs: route.idempotent!.retentionMs,
      duplicateCopy: () => scrubbedCopy(route.masker, record.headers, record.body, record.contentType),
    };
    const outcome = await storeCommit(ingress, 'accept once', () => this.store.idempotent.acceptOnce(record, entry)).catch((err) => {
      const error = withId(toBusError(err), message.id);
      this.observer.rejected(route.id, message, error);
      throw error;
    });
    if (outcome.kind === 'duplicate') {
      this.observer.completed(route.id, 'async', message, 'duplicate', Date.now() - message.receivedAt);
      // The answer the first sender got, under the id of the message that took the key.
      let again: Reply | undefined;
      try {
        again = await incoming.prepareAccepted?.(outcome.originalId);
      } catch (err) {
        throw withId(toBusError(err), message.id);
      }
      return { kind: 'accepted', messageId: outcome.originalId, ...(again && { response: again }) };
    }
    this.options.wake();
    return { kind: 'accepted', messageId: message.id, ...(response && { response }) };
  }

  /** Journals a finished sync exchange. What is done is kept masked; what may be replayed (dead) or is still to be
   *  delivered (a wire tap) keeps its payload. `answered`: the caller has its reply already (else a failed commit
   *  refuses the message, and it counts as rejected). */
  private async journal(route: CompiledRoute, message: Message, exchange: JournaledExchange, parent: Context, answered = false): Promise<void> {
    const m = exchange.message;
    if (exchange.status !== 'dead') Object.assign(m, scrubbedCopy(route.masker, m.headers, m.body, m.contentType));
    for (const d of exchange.deliveries) {
      if (d.status === 'delivered') Object.assign(d, scrubbedCopy(route.masker, d.headers, d.body, d.contentType));
    }
    await storeCommit(parent, 'journal', () => this.store.journalExchange(exchange, { answered })).catch((err) => {
      const error = withId(toBusError(err), message.id);
      if (!answered) this.observer.rejected(route.id, message, error);
      throw error;
    });
  }

  private mayAnswerFirst(): boolean {
    return this.options.journalSuccesses !== 'before-reply' && this.recordsBehind < RECORDS_BEHIND_MAX;
  }

  /**
   * Journals a success without holding its reply: the record is handed to the store's group commit now (so that this
   * process's admin reads find it), and committed once the reply has been written, sharing its commit with the records
   * of the next few milliseconds. A commit that fails then cannot change the caller's answer: it is counted and logged
   * with the message id.
   */
  private journalAfterReply(route: CompiledRoute, message: Message, exchange: JournaledExchange, parent: Context): void {
    this.recordsBehind++;
    this.journal(route, message, exchange, parent, true)
      .catch((err) => this.observer.unjournaled(route.id, message, toBusError(err)))
      .finally(() => this.recordsBehind--);
  }

  /** Input the route cannot take: journaled as dead (with its reason, replayable after a fix), then refused. */
  private async reject(record: NewMessage, message: Message, error: BusError): Promise<never> {
    const failure = { code: error.code, message: error.message };
    await this.store.journalExchange({ message: record, status: 'dead', hops: message.hops, failure, deliveries: [] }).catch(() => undefined);
    throw withId(error, message.id);
  }

  /** A sync route's run, as a `route <id>` span under the ingress span, with its target calls under it. */
  private async runSync(route: CompiledRoute, message: Message, record: NewMessage, incoming: Incoming, ingress: Context): Promise<Ack> {
    const span = startInnerSpan(`route ${route.id}`, ingress, () => ({ 'junction.route': route.id, 'junction.message_id': message.id }));
    const traced = { route: route.id, parent: contextWith(span) };
    const deadline = Date.now() + this.options.syncTimeoutMs;
    let run: RouteRun;
    try {
      run = await runRoute(route, message, (target, m, address) => callInline(target, m, deadline, address, traced));
    } catch (err) {
      const error = toBusError(err);
      endSpan(span, error);
      message.hop('failed', error.code);
      this.observer.completed(route.id, 'sync', message, 'dead', Date.now() - message.receivedAt, error);
      return this.reject(record, message, error);
    }
    const { dispatches, filtered } = run;
    const direct = dispatches.filter((d) => !d.wireTap);
    const replyIndex = Math.max(0, direct.findIndex((d) => d.target.reply));
    // Each copy is converted to its target's format once, for the call and for the journal alike.
    const bodies = direct.map((d) => outgoingBody(d.message.body, d.target, route.codec));
    const results = await deliverInTurn(direct, (d, i) => deliverInline(d.target, d.message.withBody(bodies[i]), deadline, d.address, traced));
    // Wire-tap copies are delivered by the outbox later, as children of this run.
    const routeTrace = traceparentOf(span);
    const deliveries = [
      ...direct.map((d, i) => journaledDelivery(d, bodies[i], results[i], routeTrace)),
      ...dispatches
        .filter((d) => d.wireTap)
        .map((d) => ({ ...newDelivery(d, outgoingBody(d.message.body, d.target, route.codec), routeTrace), status: 'pending' as const, attempts: [] })),
    ];
    for (let i = 0; i < direct.length; i++) this.observeAttempts(route.id, direct[i], deliveries[i].id, results[i]);
    const dead = deliveries.find((d) => d.status === 'dead');
    let status: 'filtered' | 'delivered' | 'dead' = direct.length === 0 ? (filtered ? 'filtered' : 'delivered') : dead ? 'dead' : 'delivered';
    let failure = dead?.failure;
    // The reply is made ready to write (reply steps, then the ingress's own rendering) before anything is journaled:
    // a caller who gets an error instead must not find the message journaled as delivered.
    let answer: Reply | undefined;
    let refusal: BusError | undefined;
    if (direct.length > 0) {
      const chosen = results[replyIndex];
      if (!chosen.reply) refusal = chosen.error ?? new DeliveryError('NO_REPLY', 'no reply', { retriable: false });
      else {
        try {
          answer = await this.replyFor(route, message, chosen.reply, direct[replyIndex].message);
          if (incoming.prepareReply) answer = await incoming.prepareReply(answer);
        } catch (err) {
          refusal = toBusError(err);
          message.hop('failed', refusal.code);
        }
      }
      if (refusal && status === 'delivered') {
        status = 'dead';
        failure = { code: refusal.code, message: refusal.message };
      }
    }
    message.hop(status);
    if (span.isRecording()) span.setAttribute('junction.outcome', status);
    endSpan(span, failure);
    // A route that journals only failures skips a success, unless wire-tap copies wait in the outbox.
    const wireTaps = deliveries.length > direct.length;
    const journaled = route.def.journal === 'all' || status === 'dead' || wireTaps;
    if (journaled) {
      const exchange: JournaledExchange = { message: record, status, hops: message.hops, deliveries, failure };
      if (status === 'dead' || wireTaps || !this.mayAnswerFirst()) await this.journal(route, message, exchange, ingress);
      else this.journalAfterReply(route, message, exchange, ingress);
    }
    this.observer.completed(route.id, 'sync', message, status, Date.now() - message.receivedAt, failure);
    if (direct.length === 0) return { kind: 'filtered', messageId: message.id };
    if (refusal || !answer) throw withId(refusal ?? new DeliveryError('NO_REPLY', 'no reply', { retriable: false }), message.id);
    return { kind: 'reply', messageId: message.id, reply: answer };
  }

  /** Every attempt of an inline delivery: the failed ones before the last were retried, the last one decided. */
  private observeAttempts(route: string, d: Dispatch, deliveryId: string, result: InlineDelivery): void {
    const ref = { id: deliveryId, messageId: d.message.journalId, correlationId: d.message.correlationId, headers: d.message.headers, wireTap: false };
    const last = result.attempts.length - 1;
    result.attempts.forEach((a, n) => {
      const outcome = a.ok ? 'delivered' : n < last ? 'retry' : 'dead';
      const error = a.ok ? undefined : { code: a.errorCode ?? 'DELIVERY_FAILED', message: a.error ?? '' };
      this.observer.attempted(route, d.target.id, outcome, a.durationMs, ref, { error });
    });
  }

  /** The reply after the route's reply steps, which see the route variables of the copy that drew the reply
   *  (`sent`), and the caller's request as `$request` and `$requestHeaders`. */
  private async replyFor(route: CompiledRoute, request: Message, reply: Reply, sent: Message): Promise<Reply> {
    const body = bodyFromBytes(reply.body.bytes(), reply.body.contentType, route.codec, { json: route.jsonLimits });
    const replyMessage = replyMessageOf(request, sent, reply.headers, body);
    let out: Message;
    try {
      out = await route.transformReply(replyMessage);
    } catch (err) {
      const e = toBusError(err);
      throw withId(new DeliveryError('REPLY_FAILED', `reply steps failed: ${e.message}`, { retriable: false, cause: e }), request.id);
    }
    return { status: reply.status, headers: out.headers, body: out.body };
  }
}

/**
 * A dispatch as an outbox row, with its copy of the body already in the target's format. `traceparent`: the span of
 * the route run that made it, whose child its delivery spans are (the message's own trace context when absent).
 */
export function newDelivery(d: Dispatch, body: Body, traceparent?: string): NewDelivery {
  return {
    id: newMessageId(),
    messageId: d.message.journalId,
    targetId: d.target.id,
    targetDescription: d.target.description,
    partIndex: d.message.part?.index ?? null,
    wireTap: d.wireTap,
    headers: traceparent ? { ...d.message.headers, traceparent } : { ...d.message.headers },
    contentType: body.contentType,
    body: body.bytes(),
    maxAttempts: d.target.retry.attempts,
    address: d.address ?? null,
    partId: d.message.part ? d.message.id : null,
  };
}

function journaledDelivery(d: Dispatch, body: Body, result: InlineDelivery, traceparent: string | undefined) {
  const base = newDelivery(d, body, traceparent);
  if (result.reply) return { ...base, status: 'delivered' as const, attempts: result.attempts };
  const error = result.error!;
  return { ...base, status: 'dead' as const, attempts: result.attempts, failure: { code: error.code, message: error.message } };
}

function toNewMessage(route: CompiledRoute, message: Message, incoming: Incoming): NewMessage {
  return {
    id: message.id,
    routeId: route.id,
    correlationId: message.correlationId,
    businessKey: null,
    sourceKind: incoming.source.kind,
    sourceAddress: incoming.source.address,
    sourceVars: sourceVarsOf(incoming.source),
    mode: route.mode,
    headers: { ...message.headers },
    contentType: incoming.contentType,
    body: incoming.body,
    receivedAt: message.receivedAt,
  };
}

/** The message's idempotency key, refused when too long for the key set's index. */
async function idempotencyKeyOf(route: CompiledRoute, message: Message): Promise<string> {
  const key = await route.idempotent!.key(message);
  if (key.length > IDEMPOTENT_KEY_MAX) {
    throw new InputError('IDEMPOTENCY_KEY_TOO_LONG', `the idempotency key has ${key.length} characters, at most ${IDEMPOTENT_KEY_MAX} are kept`);
  }
  return key;
}

function withId<E extends BusError>(error: E, messageId: string): E {
  error.messageId ??= messageId;
  return error;
}
