import { randomFillSync } from 'node:crypto';
import {
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { parseTraceParent, TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C Trace Context through the OpenTelemetry API. The bus is one participant in a trace: at ingress it continues the
 * caller's trace (or starts one) with a span of its own, whose `traceparent` is kept in the message headers and so
 * journaled with the message; routing, every call to a target and the store's commits are spans under it.
 *
 * Two modes, chosen once per process (see `useTracer`):
 * - no tracer (the default, no exporter configured): spans are the API's non-recording spans, each with ids of its own
 *   drawn here, so that the headers, the journal and the log lines carry the same ids as when spans are recorded,
 *   and nothing else is allocated, timed or exported;
 * - a tracer (an SDK's, exporting over OTLP): spans are recorded with their attributes and outcome.
 *
 * Context crosses every protocol through the propagator API (`propagation.inject` / `extract`) with the carrier
 * accessors below: HTTP headers, Kafka and AMQP headers (Buffers or strings), MQTT user properties and the SOAP
 * header blocks all go through a headers record on their way in and out.
 */

// The W3C propagator, for this process: set once when the bus is loaded, so that propagation.inject and extract
// speak W3C traceparent / tracestate whether or not an SDK is registered. The bus registers no other (see
// startTracing), so its own calls go to it directly rather than through the API's global lookup on every message.
const w3c = new W3CTraceContextPropagator();
propagation.setGlobalPropagator(w3c);

/** A parsed `traceparent` (`00-<trace id>-<parent span id>-<flags>`). */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: string;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The ids of a `traceparent` (for log lines and tests); invalid values are treated as absent, as W3C asks. */
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

/** A carrier value as the protocols hand it over: HTTP headers (strings, lists), Kafka headers (Buffers, lists of
 *  them), AMQP headers (anything). */
type CarrierValue = unknown;

/** Reads a headers-like carrier: names as given (the bus's headers are lower-case), Buffers as UTF-8. */
export const headerGetter: TextMapGetter<Readonly<Record<string, CarrierValue>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
    return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  },
};

/** Writes into a headers record (HTTP headers, or the record a connector turns into Kafka, AMQP or SOAP headers). */
export const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The trace context a carrier brings (ROOT_CONTEXT when it brings none or an invalid one). */
export function extractTrace(carrier: Readonly<Record<string, CarrierValue>>): Context {
  // Most messages come without one: no parse, no context.
  if (carrier.traceparent === undefined || carrier.traceparent === null) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, carrier, headerGetter);
}

/** Writes the context's span as `traceparent` (and `tracestate`) into `carrier`. */
export function injectTrace<C extends Record<string, string>>(ctx: Context, carrier: C): C {
  w3c.inject(ctx, carrier, headerSetter);
  return carrier;
}

/**
 * The `traceparent` of a span (undefined for an invalid one), as the W3C propagator writes it: for the context kept
 * with a stored delivery, written straight from the span's ids (a carrier and a context less per message).
 */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

let tracer: Tracer | undefined;

/**
 * Records spans with `t` from now on (an SDK's tracer, set up when an exporter is configured), or, with undefined,
 * only propagates context again. Set once at start and reset at shutdown.
 */
export function useTracer(t: Tracer | undefined): void {
  tracer = t;
}

/** Whether spans are recorded (a tracer is in use): the attributes of a span are worth computing only then. */
export function tracing(): boolean {
  return tracer !== undefined;
}

/**
 * Starts a span under `parent` (a new trace when it has no valid span). `attributes` is called only when spans are
 * recorded. The caller ends it (`endSpan`).
 */
export function startSpan(name: string, kind: SpanKind, parent: Context, attributes?: () => Attributes): Span {
  return tracer ? tracer.startSpan(name, { kind, attributes: attributes?.() }, parent) : childSpan(parent);
}

/**
 * Starts a span inside the bus (a route run, a store commit) whose context is not sent anywhere of its own: without a
 * tracer it is the parent's context itself (the API's no-op behaviour), so that it costs no ids.
 */
export function startInnerSpan(name: string, parent: Context, attributes?: () => Attributes): Span {
  if (tracer) return tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: attributes?.() }, parent);
  return trace.wrapSpanContext(trace.getSpanContext(parent) ?? INVALID_SPAN_CONTEXT);
}

/** A non-recording span under `parent` with an id of its own (a new sampled trace when `parent` has no valid span). */
function childSpan(parent: Context): Span {
  return trace.wrapSpanContext(childSpanContext(trace.getSpanContext(parent)));
}

function childSpanContext(p: SpanContext | undefined): SpanContext {
  return p && isSpanContextValid(p)
    ? { traceId: p.traceId, spanId: newSpanId(), traceFlags: p.traceFlags, traceState: p.traceState }
    : { traceId: randomHex(16), spanId: newSpanId(), traceFlags: TraceFlags.SAMPLED };
}

/** The span context the W3C propagator extracts from message headers (string values), without a context around it. */
function remoteSpanContext(headers: Readonly<Record<string, string>>): SpanContext | undefined {
  const traceparent = headers.traceparent;
  if (!traceparent) return undefined;
  const sc: SpanContext | null = parseTraceParent(traceparent);
  if (!sc) return undefined;
  sc.isRemote = true;
  if (headers.tracestate) sc.traceState = new TraceState(headers.tracestate);
  return sc;
}

/** The context whose current span is `span`: the parent of the spans started under it. */
export function contextWith(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Marks a span as failed with `error` (its code as `error.type`), without ending it. */
export function failSpan(span: Span, error: { code: string; message: string }): void {
  if (!span.isRecording()) return;
  span.setAttribute('error.type', error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** Ends a span, marked as failed with `error` when there is one. */
export function endSpan(span: Span, error?: { code: string; message: string }): void {
  if (error) failSpan(span, error);
  span.end();
}

/** The span kind of an ingress of this kind of source: SERVER for request/reply protocols, else CONSUMER. */
export function ingressSpanKind(sourceKind: string): SpanKind {
  return sourceKind === 'http' || sourceKind === 'soap' ? SpanKind.SERVER : SpanKind.CONSUMER;
}

/** The span kind of a call to this kind of target: PRODUCER for brokers and files, else CLIENT. */
export function deliverySpanKind(targetKind: string): SpanKind {
  return ['kafka', 'amqp', 'mqtt', 'file', 'sftp', 'ftp'].includes(targetKind) ? SpanKind.PRODUCER : SpanKind.CLIENT;
}

// The span of the call being made with a message (see withCallSpan); what outgoingTraceHeaders puts on the wire.
const callSpans = new WeakMap<object, Span>();

/**
 * Runs `send` with `span` as the span of the call it makes with `message`: the connector's outgoing headers carry it.
 * (Context goes with the message object rather than through async context, which costs nothing when not tracing.)
 */
export async function withCallSpan<T>(message: object, span: Span, send: () => Promise<T>): Promise<T> {
  callSpans.set(message, span);
  try {
    return await send();
  } finally {
    if (callSpans.get(message) === span) callSpans.delete(message);
  }
}

/**
 * What every call to a target carries, whatever the protocol: the message and correlation ids and the call's span
 * (the one the engine started for this attempt, or, for a message sent outside an attempt, a new child of the
 * message's span).
 */
export function outgoingTraceHeaders(message: { id: string; correlationId: string; headers: Readonly<Record<string, string>> }): {
  'x-message-id': string;
  'x-correlation-id': string;
  traceparent: string;
} {
  // The call's span, or a new child of the message's (as a span context: nothing else of a span is needed here).
  const sc = callSpans.get(message)?.spanContext() ?? childSpanContext(remoteSpanContext(message.headers));
  // What the W3C propagator writes for it, written here from its ids (no context, no carrier per call).
  const out = { 'x-message-id': message.id, 'x-correlation-id': message.correlationId, traceparent: undefined as unknown as string };
  if (!isSpanContextValid(sc)) return out;
  out.traceparent = `00-${sc.traceId}-${sc.spanId}-0${Number(sc.traceFlags || TraceFlags.NONE).toString(16)}`;
  if (sc.traceState) (out as Record<string, string>).tracestate = sc.traceState.serialize();
  return out;
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
