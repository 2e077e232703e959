import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context (`traceparent`: `00-<trace id>-<parent span id>-<flags>`). The bus is one participant in a trace:
 * at ingress it keeps the caller's trace id (or starts a trace) and takes a span id of its own; each call to a target
 * is a child span with a fresh id. Invalid headers are treated as absent, as the specification asks.
 */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: string;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is forbidden; version 00 has no trailing fields; later versions may add some.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}

/** The bus's own span at ingress: the caller's trace continued, or a new sampled trace. */
export function ingressTrace(headers: Readonly<Record<string, string>>): TraceContext {
  const caller = parseTraceparent(headers['traceparent']);
  return caller
    ? { traceId: caller.traceId, spanId: newSpanId(), flags: caller.flags }
    : { traceId: randomHex(16), spanId: newSpanId(), flags: '01' };
}

/** The `traceparent` of one call to a target: a child of the message's span (or a new trace if it has none). */
export function childTraceparent(messageTraceparent: string | undefined): string {
  const parent = parseTraceparent(messageTraceparent);
  return formatTraceparent(
    parent ? { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags } : ingressTrace({}),
  );
}

function newSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN) id = randomHex(8);
  return id;
}

// Ids are drawn from a pool filled 4 KB at a time: one call into the CSPRNG per few hundred ids instead of one per id
// (every message takes a span, and every target call another).
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** What every call to a target carries, whatever the protocol: the message and correlation ids and a child span. */
export function outgoingTraceHeaders(message: { id: string; correlationId: string; headers: Readonly<Record<string, string>> }): {
  'x-message-id': string;
  'x-correlation-id': string;
  traceparent: string;
} {
  return {
    'x-message-id': message.id,
    'x-correlation-id': message.correlationId,
    traceparent: childTraceparent(message.headers['traceparent']),
  };
}
