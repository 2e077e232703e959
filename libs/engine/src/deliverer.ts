import {
  deliverySpanKind,
  DeliveryError,
  endSpan,
  extractTrace,
  startSpan,
  toBusError,
  tracing,
  withCallSpan,
  type BusError,
  type Message,
  type Reply,
} from '@junction/core';
import type { Attributes, Context } from '@opentelemetry/api';
import { decideRetry, type CompiledTarget } from '@junction/routing';
import type { AttemptRecord } from '@junction/store';

/** The result of one attempt at a target: the reply, or the error, and the attempt as the journal records it. */
export interface AttemptResult {
  readonly reply?: Reply;
  readonly error?: BusError & { retryAfterMs?: number };
  readonly record: AttemptRecord;
}

/** Where an attempt's span belongs: its route, and the span it is a child of (by default the one in the message's
 *  `traceparent`: the journaled trace context, for an outbox delivery). */
export interface AttemptTrace {
  readonly route: string;
  readonly parent?: Context;
}

/**
 * One attempt: sends and times it, as a `deliver <target>` span whose context the call carries. `address` is the
 * target's resolved address for this message (see Dispatch.address). Never throws: failures come back as `error`.
 */
export async function attempt(
  target: CompiledTarget,
  message: Message,
  number: number,
  signal?: AbortSignal,
  address?: string,
  traced?: AttemptTrace,
): Promise<AttemptResult> {
  // Recorded, the call is a `deliver` span of its own and carries it. Not recorded, no span is made: the call carries a
  // new child of the message's span (see outgoingTraceHeaders), which is all that anything could see of one.
  const span = tracing()
    ? startSpan(`deliver ${target.id}`, deliverySpanKind(target.kind), traced?.parent ?? extractTrace(message.headers), () => ({
        'junction.route': traced?.route ?? '',
        'junction.target': target.id,
        'junction.target.kind': target.kind,
        'junction.attempt': number,
        'junction.message_id': message.id,
      }))
    : undefined;
  const startedAt = Date.now();
  try {
    const send = () => target.endpoint.send(message, signal, address);
    const reply = await (span ? withCallSpan(message, span, send) : send());
    if (span) {
      span.setAttributes({ 'junction.outcome': 'delivered', ...statusAttribute(target, reply.status) });
      endSpan(span);
    }
    return { reply, record: { number, startedAt, durationMs: Date.now() - startedAt, ok: true, statusCode: reply.status } };
  } catch (err) {
    const error = toBusError(err) as BusError & { retryAfterMs?: number; status?: number };
    if (span) {
      span.setAttributes({ 'junction.outcome': 'failed', ...statusAttribute(target, error.status) });
      endSpan(span, error);
    }
    return {
      error,
      record: {
        number,
        startedAt,
        durationMs: Date.now() - startedAt,
        ok: false,
        statusCode: error.status ?? null,
        errorCode: error.code,
        error: error.message,
      },
    };
  }
}

function statusAttribute(target: CompiledTarget, status: number | undefined): Attributes {
  return status !== undefined && (target.kind === 'http' || target.kind === 'soap') ? { 'http.response.status_code': status } : {};
}

/** The outcome of delivering inline (sync routes, enrichers): every attempt made and the final reply or error. */
export interface InlineDelivery {
  readonly reply?: Reply;
  readonly error?: BusError;
  readonly attempts: AttemptRecord[];
}

/**
 * Delivers while the caller waits: retries by the target's policy as long as the next try still fits before
 * `deadline`; past it, the last error stands (the message is then dead-lettered by the caller).
 */
export async function deliverInline(
  target: CompiledTarget,
  message: Message,
  deadline: number,
  address?: string,
  traced?: AttemptTrace,
): Promise<InlineDelivery> {
  const attempts: AttemptRecord[] = [];
  for (let n = 1; ; n++) {
    const left = deadline - Date.now();
    if (left <= 0) {
      return { attempts, error: new DeliveryError('SYNC_TIMEOUT', `no reply from ${target.id} in time`, { retriable: true }) };
    }
    const result = await attemptWithin(left, (signal) => attempt(target, message, n, signal, address, traced));
    attempts.push(result.record);
    if (result.reply) return { reply: result.reply, attempts };
    const decision = decideRetry(target.retry, n, result.error!);
    if (decision.kind === 'dead' || Date.now() + decision.delayMs >= deadline) return { attempts, error: result.error };
    await sleep(decision.delayMs);
  }
}

/**
 * Runs `call` with a signal that aborts (a TimeoutError, as AbortSignal.timeout's) after `ms`, and clears the timer
 * when the call ends. AbortSignal.timeout's own timer cannot be cleared: each call would leave one pending until the
 * whole sync timeout had passed (thousands at once under load, each holding its signal).
 */
async function attemptWithin<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An inline call (an enricher's): the reply, or the delivery's last error thrown. */
export async function callInline(target: CompiledTarget, message: Message, deadline: number, address?: string, traced?: AttemptTrace): Promise<Reply> {
  const result = await deliverInline(target, message, deadline, address, traced);
  if (result.reply) return result.reply;
  throw result.error ?? new DeliveryError('NO_REPLY', `no reply from ${target.id}`, { retriable: false });
}
