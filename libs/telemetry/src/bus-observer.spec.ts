import { BusMetrics } from './bus-metrics';
import { TelemetryObserver, type ObserverLogger } from './bus-observer';
import { DeliveryTracker } from './delivery-tracker';
import { PrometheusText } from './testing/prometheus-text';

const T0 = 1_700_000_000_000;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

type Line = { level: 'debug' | 'warn'; obj: Record<string, unknown>; msg?: string };

function setup(debug = true) {
  let now = T0;
  const lines: Line[] = [];
  const log: ObserverLogger = {
    debug: (obj, msg) => lines.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    isLevelEnabled: (level) => debug || level !== 'debug',
  };
  const metrics = new BusMetrics(() => 1, () => now);
  const tracker = new DeliveryTracker();
  const observer = new TelemetryObserver(metrics, tracker, log, () => now);
  return { observer, metrics, tracker, lines, clock: (ms: number) => (now = T0 + ms) };
}

const traced = { id: 'm-1', correlationId: 'c-1', headers: { traceparent: `00-${TRACE}-${SPAN}-01` }, source: { kind: 'http' } };
const untraced = { id: 'm-2', correlationId: 'c-2', headers: {}, source: { kind: 'soap' } };
const delivery = (id: string, messageId: string, wireTap = false) => ({ id, messageId, correlationId: `c-${messageId}`, headers: {}, wireTap });

describe('telemetry observer', () => {
  test('per-message lines carry the ids, the trace ids when there is a traceparent, and the target', () => {
    const { observer, lines } = setup();
    observer.received('orders', traced);
    observer.received('orders', untraced);
    observer.rejected('orders', untraced, { code: 'BODY_INVALID', message: 'not JSON' });
    observer.attempted('orders', 'crm', 'dead', 15, { ...delivery('d-1', 'm-1'), headers: traced.headers }, { error: { code: 'HTTP_500', message: 'boom' } });
    expect(lines).toEqual([
      { level: 'debug', msg: 'message received', obj: { route: 'orders', messageId: 'm-1', correlationId: 'c-1', traceId: TRACE, spanId: SPAN, source: 'http' } },
      { level: 'debug', msg: 'message received', obj: { route: 'orders', messageId: 'm-2', correlationId: 'c-2', source: 'soap' } },
      { level: 'warn', msg: 'message refused', obj: { route: 'orders', messageId: 'm-2', correlationId: 'c-2', code: 'BODY_INVALID', error: 'not JSON' } },
      {
        level: 'warn',
        msg: 'delivery dead-lettered',
        obj: { route: 'orders', messageId: 'm-1', correlationId: 'c-m-1', traceId: TRACE, spanId: SPAN, target: 'crm', deliveryId: 'd-1', durationMs: 15, code: 'HTTP_500', error: 'boom' },
      },
    ]);
  });

  test('success lines are debug and skipped when debug is off; warnings and metrics stay', async () => {
    const { observer, metrics, lines } = setup(false);
    observer.received('orders', traced);
    observer.completed('orders', 'sync', traced, 'delivered', 12);
    observer.completed('orders', 'sync', untraced, 'dead', 30, { code: 'HTTP_503', message: 'down' });
    expect(lines).toEqual([
      { level: 'warn', msg: 'message dead', obj: { route: 'orders', messageId: 'm-2', correlationId: 'c-2', mode: 'sync', latencyMs: 30, code: 'HTTP_503', error: 'down' } },
    ]);
    const text = new PrometheusText(await metrics.metrics());
    expect(text.value('junction_messages_received_total', { route: 'orders', source: 'http' })).toBe(1);
    expect(text.sum('junction_messages_completed_total', { route: 'orders' })).toBe(2);
  });

  test('an async message completes when its last delivery settles, dead if any died, latency from reception', async () => {
    const { observer, metrics, clock } = setup();
    observer.received('orders', traced);
    clock(100);
    observer.routed('orders', { ...traced, receivedAt: T0 }, 2);
    clock(200);
    observer.attempted('orders', 'crm', 'delivered', 5, delivery('d-1', 'm-1'));
    observer.attempted('orders', 'erp', 'retry', 5, delivery('d-2', 'm-1'), { nextAttemptAt: T0 + 1000 });
    observer.attempted('orders', 'audit', 'delivered', 5, delivery('d-3', 'm-1', true));
    expect(new PrometheusText(await metrics.metrics()).sum('junction_messages_completed_total')).toBe(0);
    clock(1500);
    observer.attempted('orders', 'erp', 'dead', 5, delivery('d-2', 'm-1'));
    const text = new PrometheusText(await metrics.metrics());
    expect(text.value('junction_messages_completed_total', { route: 'orders', status: 'dead' })).toBe(1);
    expect(text.histogram('junction_message_latency_seconds', { route: 'orders', mode: 'async' })).toMatchObject({ count: 1, sum: 1.5 });
    expect(text.value('junction_deliveries_total', { route: 'orders', target: 'erp', outcome: 'retry' })).toBe(1);
    clock(2000);
    expect(metrics.snapshot([{ id: 'orders', sourceKind: 'http' }]).routes.orders.totals).toEqual({ received: 1, completed: 0, failed: 1 });
  });

  test('a request refused before it was a message counts as refused by route and code, not as received; its line is debug', async () => {
    const { observer, metrics, lines, clock } = setup(false);
    observer.received('orders', traced);
    observer.rejected('orders', traced, { code: 'BODY_INVALID', message: 'not JSON' });
    observer.refusedRequest('orders', { code: 'WORKERS_BUSY', message: 'busy' });
    observer.refusedRequest('orders', { code: 'WORKERS_BUSY', message: 'busy' });
    observer.refusedRequest('quotes', { code: 'THROTTLED', message: 'over its rate' });
    const text = new PrometheusText(await metrics.metrics());
    expect(text.value('junction_messages_rejected_total', { route: 'orders', code: 'WORKERS_BUSY' })).toBe(2);
    expect(text.value('junction_messages_rejected_total', { route: 'orders', code: 'BODY_INVALID' })).toBe(1);
    expect(text.value('junction_messages_rejected_total', { route: 'quotes', code: 'THROTTLED' })).toBe(1);
    expect(text.sum('junction_messages_received_total')).toBe(1);
    expect((await metrics.routeCounts('orders')).rejected).toBe(3);
    // The live figures count them as failed, so that the error rate of a flood shows.
    clock(2000);
    const live = metrics.snapshot([{ id: 'orders', sourceKind: 'http' }, { id: 'quotes', sourceKind: 'http' }]);
    expect(live.routes.orders.totals).toEqual({ received: 1, completed: 0, failed: 3 });
    expect(live.routes.quotes.totals).toEqual({ received: 0, completed: 0, failed: 1 });
    expect(live.bus.errorRate).toBe(1);
    // Only the refused message's warning: a flood of refused requests writes no line per request unless debugging.
    expect(lines.map((l) => l.msg)).toEqual(['message refused']);
  });

  test('deliveries of messages routed elsewhere settle nothing here', async () => {
    const { observer, metrics, tracker } = setup();
    observer.attempted('orders', 'crm', 'delivered', 5, delivery('d-9', 'm-9'));
    expect(new PrometheusText(await metrics.metrics()).sum('junction_messages_completed_total')).toBe(0);
    expect(tracker.size).toBe(0);
  });
});

describe('delivery tracker', () => {
  test.each<[string, Array<['delivered' | 'retry' | 'dead', string]>, 'delivered' | 'dead' | undefined]>([
    ['all delivered', [['delivered', 'a'], ['delivered', 'b']], 'delivered'],
    ['one dead', [['dead', 'a'], ['delivered', 'b']], 'dead'],
    ['retries do not settle', [['retry', 'a'], ['delivered', 'b']], undefined],
    ['retried, then delivered', [['retry', 'a'], ['delivered', 'b'], ['delivered', 'a']], 'delivered'],
  ])('a message with two deliveries: %s', (_name, attempts, settled) => {
    const tracker = new DeliveryTracker();
    tracker.routed('m', { route: 'r', receivedAt: 5 }, 2);
    const results = attempts.map(([outcome, id]) => tracker.attempted('r', delivery(id, 'm'), outcome, 100));
    expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
    expect(results.at(-1)).toEqual(settled && { route: 'r', receivedAt: 5, status: settled });
    expect(tracker.size).toBe(settled ? 0 : 1);
  });

  test('retries wait until their next attempt or their due time, counted by route', () => {
    const tracker = new DeliveryTracker();
    tracker.attempted('r1', delivery('a', 'm1'), 'retry', 1000);
    tracker.attempted('r1', delivery('b', 'm1'), 'retry', 3000);
    tracker.attempted('r2', delivery('c', 'm2'), 'retry', 3000);
    expect(tracker.retryWaiting(500)).toEqual(new Map([['r1', 2], ['r2', 1]]));
    expect(tracker.retryWaiting(1000)).toEqual(new Map([['r1', 1], ['r2', 1]]));
    tracker.attempted('r2', delivery('c', 'm2'), 'delivered', 0);
    expect(tracker.retryWaiting(1000)).toEqual(new Map([['r1', 1]]));
    expect(tracker.retryWaiting(5000)).toEqual(new Map());
  });
});
