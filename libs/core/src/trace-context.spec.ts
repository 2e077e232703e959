import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  endSpan,
  extractTrace,
  formatTraceparent,
  injectTrace,
  outgoingTraceHeaders,
  parseTraceparent,
  startSpan,
  traceparentOf,
  tracing,
  useTracer,
  withCallSpan,
} from './trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('trace context (W3C traceparent)', () => {
  it.each([
    [`00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, flags: '01' }],
    [` 00-${TRACE}-${SPAN}-00 `, { traceId: TRACE, spanId: SPAN, flags: '00' }],
    [`01-${TRACE}-${SPAN}-01-future-field`, { traceId: TRACE, spanId: SPAN, flags: '01' }],
    [`00-${TRACE}-${SPAN}-01-extra`, undefined],
    [`ff-${TRACE}-${SPAN}-01`, undefined],
    [`00-${'0'.repeat(32)}-${SPAN}-01`, undefined],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
    [`00-${TRACE.toUpperCase()}-${SPAN}-01`, undefined],
    ['00-abc-def-01', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('parses %j as %j', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  const ingress = (headers: Record<string, string>) => parseTraceparent(traceparentOf(startSpan('ingress', SpanKind.SERVER, extractTrace(headers))))!;
  const child = (parent: string | undefined) => traceparentOf(startSpan('call', SpanKind.CLIENT, extractTrace(parent ? { traceparent: parent } : {})));

  it('continues the caller trace at ingress with a span of its own, keeping the flags', () => {
    const t = ingress({ traceparent: `00-${TRACE}-${SPAN}-00` });
    expect(t.traceId).toBe(TRACE);
    expect(t.flags).toBe('00');
    expect(t.spanId).toMatch(/^[\da-f]{16}$/);
    expect(t.spanId).not.toBe(SPAN);
  });

  it('starts a sampled trace when the caller sent none or an invalid one', () => {
    for (const headers of [{}, { traceparent: 'garbage' }, { traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` }] as Record<string, string>[]) {
      const t = ingress(headers);
      expect(formatTraceparent(t)).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
      expect(t.traceId).not.toBe('0'.repeat(32));
      expect(t.traceId).not.toBe(TRACE);
    }
    expect(ingress({}).traceId).not.toBe(ingress({}).traceId);
  });

  it('gives each target call a child span of the message span', () => {
    const parent = `00-${TRACE}-${SPAN}-01`;
    const a = parseTraceparent(child(parent))!;
    const b = parseTraceparent(child(parent))!;
    expect([a.traceId, b.traceId]).toEqual([TRACE, TRACE]);
    expect(new Set([a.spanId, b.spanId, SPAN]).size).toBe(3);
    expect(child(undefined)).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
  });

  it('reads the context from Kafka and AMQP headers as well as HTTP ones, and keeps tracestate', () => {
    const kafka = { traceparent: Buffer.from(`00-${TRACE}-${SPAN}-01`), tracestate: Buffer.from('vendor=1') };
    const span = startSpan('ingress', SpanKind.CONSUMER, extractTrace(kafka));
    const out = injectTrace(trace.setSpan(ROOT_CONTEXT, span), {} as Record<string, string>);
    expect(parseTraceparent(out.traceparent)!.traceId).toBe(TRACE);
    expect(out.tracestate).toBe('vendor=1');
    expect(trace.getSpanContext(extractTrace({ traceparent: [`00-${TRACE}-${SPAN}-01`] }))?.traceId).toBe(TRACE);
  });

  it('writes a span\'s traceparent as the W3C propagator does', () => {
    for (const headers of [{ traceparent: `00-${TRACE}-${SPAN}-01` }, { traceparent: `00-${TRACE}-${SPAN}-00` }, {}]) {
      const span = startSpan('route', SpanKind.INTERNAL, extractTrace(headers));
      expect(traceparentOf(span)).toBe(injectTrace(trace.setSpan(ROOT_CONTEXT, span), {} as Record<string, string>).traceparent);
    }
    expect(traceparentOf(trace.wrapSpanContext(INVALID_SPAN_CONTEXT))).toBeUndefined();
  });

  it('puts the span of the call under way on the wire, and a child of the message span outside a call', async () => {
    const message = { id: 'm-1', correlationId: 'c-1', headers: { traceparent: `00-${TRACE}-${SPAN}-01` } };
    const span = startSpan('deliver', SpanKind.CLIENT, extractTrace(message.headers));
    const during = await withCallSpan(message, span, async () => outgoingTraceHeaders(message).traceparent);
    expect(during).toBe(traceparentOf(span));
    const after = outgoingTraceHeaders(message).traceparent;
    expect(after).not.toBe(during);
    expect(parseTraceparent(after)!.traceId).toBe(TRACE);
  });

  it('records spans with their parents when a tracer is in use, and only propagates without one', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    useTracer(provider.getTracer('test'));
    try {
      expect(tracing()).toBe(true);
      const ingressSpan = startSpan('ingress', SpanKind.SERVER, extractTrace({ traceparent: `00-${TRACE}-${SPAN}-01` }), () => ({ 'junction.route': 'r' }));
      const routeSpan = startSpan('route r', SpanKind.INTERNAL, trace.setSpan(ROOT_CONTEXT, ingressSpan));
      endSpan(routeSpan, { code: 'X', message: 'failed' });
      endSpan(ingressSpan);
      const [route, ing] = exporter.getFinishedSpans();
      expect(ing.spanContext().traceId).toBe(TRACE);
      expect(ing.parentSpanContext?.spanId).toBe(SPAN);
      expect(ing.attributes).toEqual({ 'junction.route': 'r' });
      expect(route.parentSpanContext?.spanId).toBe(ing.spanContext().spanId);
      expect(route.attributes['error.type']).toBe('X');
    } finally {
      useTracer(undefined);
    }
    expect(tracing()).toBe(false);
    const span = startSpan('ingress', SpanKind.SERVER, ROOT_CONTEXT, () => {
      throw new Error('attributes are not computed when nothing records them');
    });
    expect(span.isRecording()).toBe(false);
  });

  it('puts the ids and a child span on every outgoing call', () => {
    const headers = outgoingTraceHeaders({ id: 'm-1', correlationId: 'c-1', headers: { traceparent: `00-${TRACE}-${SPAN}-01` } });
    expect(headers).toEqual({ 'x-message-id': 'm-1', 'x-correlation-id': 'c-1', traceparent: expect.stringMatching(new RegExp(`^00-${TRACE}-[\\da-f]{16}-01$`)) });
  });

  it('carries the caller\'s flags and tracestate on outgoing calls, and starts a trace for a message without one', () => {
    const unsampled = outgoingTraceHeaders({ id: 'm-2', correlationId: 'c-2', headers: { traceparent: `00-${TRACE}-${SPAN}-00`, tracestate: 'vendor=1,other=2' } });
    expect(unsampled).toEqual({
      'x-message-id': 'm-2',
      'x-correlation-id': 'c-2',
      traceparent: expect.stringMatching(new RegExp(`^00-${TRACE}-[\\da-f]{16}-00$`)),
      tracestate: 'vendor=1,other=2',
    });
    expect(parseTraceparent(unsampled.traceparent)!.spanId).not.toBe(SPAN);
    const parents: Array<Record<string, string>> = [{}, { traceparent: 'garbage' }, { traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` }];
    for (const headers of parents) {
      const fresh = parseTraceparent(outgoingTraceHeaders({ id: 'm-3', correlationId: 'c-3', headers }).traceparent)!;
      expect(fresh.traceId).not.toBe(TRACE);
      expect(fresh.flags).toBe('01');
    }
  });

  it('draws distinct ids across refills of its random pool', () => {
    const spans = Array.from({ length: 3000 }, () => parseTraceparent(child(`00-${TRACE}-${SPAN}-01`))!.spanId);
    expect(new Set(spans).size).toBe(3000);
  });
});
