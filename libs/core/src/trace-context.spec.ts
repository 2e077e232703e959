import { childTraceparent, formatTraceparent, ingressTrace, outgoingTraceHeaders, parseTraceparent } from './trace-context';

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

  it('continues the caller trace at ingress with a span of its own, keeping the flags', () => {
    const t = ingressTrace({ traceparent: `00-${TRACE}-${SPAN}-00` });
    expect(t.traceId).toBe(TRACE);
    expect(t.flags).toBe('00');
    expect(t.spanId).toMatch(/^[\da-f]{16}$/);
    expect(t.spanId).not.toBe(SPAN);
  });

  it('starts a sampled trace when the caller sent none or an invalid one', () => {
    for (const headers of [{}, { traceparent: 'garbage' }] as Record<string, string>[]) {
      const t = ingressTrace(headers);
      expect(formatTraceparent(t)).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
      expect(t.traceId).not.toBe('0'.repeat(32));
    }
    expect(ingressTrace({}).traceId).not.toBe(ingressTrace({}).traceId);
  });

  it('gives each target call a child span of the message span', () => {
    const parent = `00-${TRACE}-${SPAN}-01`;
    const a = parseTraceparent(childTraceparent(parent))!;
    const b = parseTraceparent(childTraceparent(parent))!;
    expect([a.traceId, b.traceId]).toEqual([TRACE, TRACE]);
    expect(new Set([a.spanId, b.spanId, SPAN]).size).toBe(3);
    expect(childTraceparent(undefined)).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
  });

  it('puts the ids and a child span on every outgoing call', () => {
    const headers = outgoingTraceHeaders({ id: 'm-1', correlationId: 'c-1', headers: { traceparent: `00-${TRACE}-${SPAN}-01` } });
    expect(headers).toEqual({ 'x-message-id': 'm-1', 'x-correlation-id': 'c-1', traceparent: expect.stringMatching(new RegExp(`^00-${TRACE}-[\\da-f]{16}-01$`)) });
  });

  it('draws distinct ids across refills of its random pool', () => {
    const spans = Array.from({ length: 3000 }, () => parseTraceparent(childTraceparent(`00-${TRACE}-${SPAN}-01`))!.spanId);
    expect(new Set(spans).size).toBe(3000);
  });
});
