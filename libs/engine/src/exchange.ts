import {
  BusError,
  correlationIdFrom,
  DeliveryError,
  InputError,
  Message,
  newMessageId,
  toBusError,
  type Ack,
  type Body,
  type Incoming,
  type MessageSink,
  type Reply,
} from '@junction/core';
import { outgoingBody, runRoute, type CompiledRoute, type Dispatch, type RouteRun } from '@junction/routing';
import type { NewDelivery, NewMessage, Store } from '@junction/store';
import { bodyFromBytes } from '@junction/transform';
import { callInline, deliverInline, type InlineDelivery } from './deliverer';
import type { RouteTable } from './route-table';

export interface ExchangeOptions {
  readonly syncTimeoutMs: number;
  /** Called after an async message was committed, so the outbox worker starts at once instead of at its next poll. */
  readonly wake: () => void;
}

/**
 * The bus as ingresses see it. Async routes: the message is committed to the store, then acknowledged; the outbox
 * worker routes and delivers it. Sync routes: the flow runs and the targets are called while the caller waits, and the
 * whole exchange is journaled (dead letters included) before the caller gets the reply.
 */
export class Exchange implements MessageSink {
  constructor(
    private readonly routes: RouteTable,
    private readonly store: Store,
    private readonly options: ExchangeOptions,
  ) {}

  async dispatch(routeId: string, incoming: Incoming): Promise<Ack> {
    const route = this.routes.get(routeId);
    if (!route) throw new InputError('NO_ROUTE', `route ${routeId} is not loaded`, 404);
    const id = newMessageId();
    const message = new Message(
      id,
      correlationIdFrom(incoming.headers, id),
      incoming.source,
      incoming.headers,
      bodyFromBytes(incoming.body, incoming.contentType, route.codec),
      Date.now(),
    );
    const record = toNewMessage(route, message, incoming);
    try {
      message.body.value();
      record.businessKey = (await route.businessKey(message)) ?? null;
    } catch (err) {
      return this.reject(record, message, toBusError(err));
    }
    message.hop('received', `${incoming.source.kind} ${incoming.source.address}`);
    if (route.mode === 'async') {
      await this.store.acceptMessage(record).catch((err) => {
        throw withId(toBusError(err), id);
      });
      this.options.wake();
      return { kind: 'accepted', messageId: id };
    }
    return this.runSync(route, message, record);
  }

  /** Input the route cannot take: journaled as dead (with its reason, replayable after a fix), then refused. */
  private async reject(record: NewMessage, message: Message, error: BusError): Promise<never> {
    const failure = { code: error.code, message: error.message };
    await this.store.journalExchange({ message: record, status: 'dead', hops: message.hops, failure, deliveries: [] }).catch(() => undefined);
    throw withId(error, message.id);
  }

  private async runSync(route: CompiledRoute, message: Message, record: NewMessage): Promise<Ack> {
    const deadline = Date.now() + this.options.syncTimeoutMs;
    let run: RouteRun;
    try {
      run = await runRoute(route, message, (target, m) => callInline(target, m, deadline));
    } catch (err) {
      const error = toBusError(err);
      message.hop('failed', error.code);
      return this.reject(record, message, error);
    }
    const { dispatches, filtered } = run;
    const direct = dispatches.filter((d) => !d.wireTap);
    const replyIndex = Math.max(0, direct.findIndex((d) => d.target.reply));
    // Each copy is converted to its target's format once, for the call and for the journal alike.
    const bodies = direct.map((d) => outgoingBody(d.message.body, d.target, route.codec));
    const results = await Promise.all(direct.map((d, i) => deliverInline(d.target, d.message.withBody(bodies[i]), deadline)));
    const deliveries = [
      ...direct.map((d, i) => journaledDelivery(d, bodies[i], results[i])),
      ...dispatches
        .filter((d) => d.wireTap)
        .map((d) => ({ ...newDelivery(d, outgoingBody(d.message.body, d.target, route.codec)), status: 'pending' as const, attempts: [] })),
    ];
    const dead = deliveries.find((d) => d.status === 'dead');
    const status = direct.length === 0 ? (filtered ? 'filtered' : 'delivered') : dead ? 'dead' : 'delivered';
    message.hop(status);
    await this.store
      .journalExchange({ message: record, status, hops: message.hops, deliveries, failure: dead?.failure })
      .catch((err) => {
        throw withId(toBusError(err), message.id);
      });
    if (direct.length === 0) return { kind: 'filtered', messageId: message.id };
    const chosen = results[replyIndex];
    if (!chosen.reply) throw withId(chosen.error ?? new DeliveryError('NO_REPLY', 'no reply', { retriable: false }), message.id);
    return { kind: 'reply', messageId: message.id, reply: await this.replyFor(route, message, chosen.reply) };
  }

  private async replyFor(route: CompiledRoute, request: Message, reply: Reply): Promise<Reply> {
    const body = bodyFromBytes(reply.body.bytes(), reply.body.contentType, route.codec);
    const replyMessage = new Message(request.id, request.correlationId, request.source, reply.headers, body, Date.now());
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

/** A dispatch as an outbox row, with its copy of the body already in the target's format. */
export function newDelivery(d: Dispatch, body: Body): NewDelivery {
  return {
    id: newMessageId(),
    messageId: d.message.id,
    targetId: d.target.id,
    targetDescription: d.target.description,
    partIndex: d.message.part?.index ?? null,
    wireTap: d.wireTap,
    headers: { ...d.message.headers },
    contentType: body.contentType,
    body: body.bytes(),
    maxAttempts: d.target.retry.attempts,
  };
}

function journaledDelivery(d: Dispatch, body: Body, result: InlineDelivery) {
  const base = newDelivery(d, body);
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
    mode: route.mode,
    headers: { ...incoming.headers },
    contentType: incoming.contentType,
    body: incoming.body,
    receivedAt: message.receivedAt,
  };
}

function withId<E extends BusError>(error: E, messageId: string): E {
  error.messageId ??= messageId;
  return error;
}
