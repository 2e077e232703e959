import { BusMetrics, type QueueFigures } from './bus-metrics';
import { LATENCY_RELATIVE_ERROR } from './log-histogram';
import { PrometheusText } from './testing/prometheus-text';

const T0 = 1_700_000_000_000;

function queues(over: Partial<QueueFigures> = {}): QueueFigures {
  return {
    messagesWaiting: 0,
    deliveriesPending: 0,
    deadLetters: 0,
    deadLettersByRoute: new Map(),
    retryWaitingByRoute: new Map(),
    sources: [],
    journal: null,
    ...over,
  };
}

describe('bus metrics', () => {
  let now: number;
  let metrics: BusMetrics;
  const routes = [
    { id: 'orders', sourceKind: 'http' },
    { id: 'events', sourceKind: 'kafka' },
    { id: 'idle', sourceKind: 'soap' },
  ];

  beforeEach(() => {
    now = T0;
    metrics = new BusMetrics(() => routes.length, () => now);
  });

  /** The traffic of the tests: 5 received on orders (http), 2 on events (kafka); outcomes and attempts. */
  function traffic(): void {
    for (let i = 0; i < 5; i++) metrics.received('orders', 'http');
    metrics.received('events', 'kafka');
    metrics.received('events', 'kafka');
    metrics.rejected('orders', 'BODY_INVALID');
    metrics.completed('orders', 'sync', 'delivered', 12);
    metrics.completed('orders', 'sync', 'delivered', 30);
    metrics.completed('orders', 'async', 'filtered', 3);
    metrics.completed('orders', 'async', 'dead', 2500);
    metrics.completed('events', 'async', 'delivered', 40);
    metrics.attempted('orders', 'crm', 'retry', 20);
    metrics.attempted('orders', 'crm', 'delivered', 7);
    metrics.attempted('orders', 'erp', 'dead', 1200);
    metrics.reloaded(true);
    metrics.reloaded(false);
    metrics.reloaded(true);
  }

  test('every metric is named junction_*, the bus metrics and the Node runtime ones', async () => {
    traffic();
    const text = new PrometheusText(await metrics.metrics());
    const names = [...text.families.keys()];
    expect(names.filter((n) => !n.startsWith('junction_'))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining([
        'junction_process_cpu_user_seconds_total',
        'junction_process_resident_memory_bytes',
        'junction_nodejs_eventloop_lag_seconds',
        'junction_nodejs_heap_size_used_bytes',
        'junction_messages_received_total',
        'junction_messages_rejected_total',
        'junction_messages_completed_total',
        'junction_deliveries_total',
        'junction_delivery_attempt_duration_seconds',
        'junction_message_latency_seconds',
        'junction_messages_in_flight',
        'junction_routes_loaded',
        'junction_route_reloads_total',
      ]),
    );
  });

  test('counters carry their labels and count what was recorded', async () => {
    traffic();
    const text = new PrometheusText(await metrics.metrics());
    expect(text.family('junction_messages_received_total').type).toBe('COUNTER');
    expect(text.value('junction_messages_received_total', { route: 'orders', source: 'http' })).toBe(5);
    expect(text.value('junction_messages_received_total', { route: 'events', source: 'kafka' })).toBe(2);
    expect(text.value('junction_messages_rejected_total', { route: 'orders', code: 'BODY_INVALID' })).toBe(1);
    expect(text.value('junction_messages_completed_total', { route: 'orders', status: 'delivered' })).toBe(2);
    expect(text.value('junction_messages_completed_total', { route: 'orders', status: 'filtered' })).toBe(1);
    expect(text.value('junction_messages_completed_total', { route: 'orders', status: 'dead' })).toBe(1);
    expect(text.value('junction_deliveries_total', { route: 'orders', target: 'crm', outcome: 'retry' })).toBe(1);
    expect(text.value('junction_deliveries_total', { route: 'orders', target: 'crm', outcome: 'delivered' })).toBe(1);
    expect(text.value('junction_deliveries_total', { route: 'orders', target: 'erp', outcome: 'dead' })).toBe(1);
    expect(text.value('junction_route_reloads_total', { outcome: 'ok' })).toBe(2);
    expect(text.value('junction_route_reloads_total', { outcome: 'refused' })).toBe(1);
    expect(text.value('junction_routes_loaded')).toBe(3);
  });

  test('histograms: seconds, cumulative buckets ending in +Inf = count, per label set', async () => {
    traffic();
    const text = new PrometheusText(await metrics.metrics());
    const sync = text.histogram('junction_message_latency_seconds', { route: 'orders', mode: 'sync' });
    expect(sync.count).toBe(2);
    expect(sync.sum).toBeCloseTo(0.042, 6);
    const { buckets } = sync;
    for (let i = 1; i < buckets.length; i++) expect(buckets[i][1]).toBeGreaterThanOrEqual(buckets[i - 1][1]);
    expect(buckets.at(-1)).toEqual([Infinity, 2]);
    expect(buckets.find(([le]) => le === 0.01)![1]).toBe(0);
    expect(buckets.find(([le]) => le === 0.025)![1]).toBe(1);
    expect(buckets.find(([le]) => le === 0.05)![1]).toBe(2);
    expect(text.histogram('junction_message_latency_seconds', { route: 'orders', mode: 'async' }).count).toBe(2);
    expect(text.histogram('junction_message_latency_seconds', { route: 'events', mode: 'async' }).count).toBe(1);
    const attempts = text.histogram('junction_delivery_attempt_duration_seconds', { route: 'orders', target: 'crm' });
    expect(attempts.buckets.at(-1)).toEqual([Infinity, 2]);
    expect(attempts.buckets.find(([le]) => le === 0.01)![1]).toBe(1);
    expect(text.histogram('junction_delivery_attempt_duration_seconds', { route: 'orders', target: 'erp' }).sum).toBeCloseTo(1.2, 6);
  });

  test('in flight: up and down per route, as a gauge and in the live figures', async () => {
    metrics.inFlight('orders', 1);
    metrics.inFlight('orders', 1);
    metrics.inFlight('events', 1);
    metrics.inFlight('orders', -1);
    const text = new PrometheusText(await metrics.metrics());
    expect(text.value('junction_messages_in_flight', { route: 'orders' })).toBe(1);
    expect(text.value('junction_messages_in_flight', { route: 'events' })).toBe(1);
    const live = metrics.snapshot(routes);
    expect(live.routes.orders.inFlight).toBe(1);
    expect(live.bus.inFlight).toBe(2);
  });

  test("the journal's size and rows: gauges and live figures, none before the first reading", async () => {
    expect(metrics.snapshot(routes).journal).toBeNull();
    metrics.setQueues(queues({ journal: { bytes: 24_690_688, usedBytes: 20_000_000, rows: 10_000 } }));
    const text = new PrometheusText(await metrics.metrics());
    expect(text.family('junction_journal_bytes').type).toBe('GAUGE');
    expect(text.value('junction_journal_bytes', {})).toBe(24_690_688);
    expect(text.value('junction_journal_used_bytes', {})).toBe(20_000_000);
    expect(text.value('junction_journal_rows', {})).toBe(10_000);
    expect(metrics.snapshot(routes).journal).toEqual({ bytes: 24_690_688, usedBytes: 20_000_000, rows: 10_000 });
  });

  test('queue depths, dead letters and source backlog: gauges and live figures from one refresh; gone labels disappear', async () => {
    metrics.setQueues(
      queues({
        messagesWaiting: 4,
        messagesHeld: 3,
        deliveriesPending: 9,
        deadLetters: 6,
        deadLettersByRoute: new Map([['orders', 5], ['events', 1]]),
        retryWaitingByRoute: new Map([['orders', 2]]),
        sources: [
          { routeId: 'events', state: 'connected', since: 0, backlog: 7 },
          { routeId: 'idle', state: 'reconnecting', since: 0, error: 'connection refused' },
        ],
      }),
    );
    let text = new PrometheusText(await metrics.metrics());
    expect(text.value('junction_queue_depth', { queue: 'messages_waiting' })).toBe(4);
    expect(text.value('junction_queue_depth', { queue: 'messages_held' })).toBe(3);
    expect(text.value('junction_queue_depth', { queue: 'deliveries_pending' })).toBe(9);
    expect(text.value('junction_queue_depth', { queue: 'deliveries_retry_waiting' })).toBe(2);
    expect(text.value('junction_dead_letters', { route: 'orders' })).toBe(5);
    expect(text.value('junction_source_backlog', { route: 'events' })).toBe(7);
    expect(text.value('junction_source_up', { route: 'events' })).toBe(1);
    expect(text.value('junction_source_up', { route: 'idle' })).toBe(0);
    expect(text.samples('junction_source_backlog').map((s) => s.labels)).toEqual([{ route: 'events' }]);
    const live = metrics.snapshot(routes);
    expect(live.bus).toMatchObject({ pendingRetries: 2, deadLetters: 6, backlog: 7 });
    expect(live.routes.orders).toMatchObject({ pendingRetries: 2, deadLetters: 5, backlog: null });
    expect(live.routes.events).toMatchObject({ pendingRetries: 0, deadLetters: 1, backlog: 7 });

    metrics.setQueues(queues({ deadLettersByRoute: new Map([['events', 1]]) }));
    text = new PrometheusText(await metrics.metrics());
    expect(text.samples('junction_dead_letters').map((s) => s.labels)).toEqual([{ route: 'events' }]);
    expect(text.families.get('junction_source_backlog')?.metrics ?? []).toEqual([]);
    expect(text.families.get('junction_source_up')?.metrics ?? []).toEqual([]);
    expect(metrics.snapshot(routes).routes.events.backlog).toBeNull();
  });

  test('the live figures agree with the counters: same calls, same numbers', async () => {
    traffic();
    now = T0 + 1000;
    const text = new PrometheusText(await metrics.metrics());
    const live = metrics.snapshot(routes);
    const orders = live.routes.orders;
    expect(orders.totals).toEqual({
      received: text.value('junction_messages_received_total', { route: 'orders' }),
      completed:
        text.value('junction_messages_completed_total', { route: 'orders', status: 'delivered' }) +
        text.value('junction_messages_completed_total', { route: 'orders', status: 'filtered' }),
      failed:
        text.value('junction_messages_completed_total', { route: 'orders', status: 'dead' }) +
        text.value('junction_messages_rejected_total', { route: 'orders' }),
    });
    expect(orders.totals).toEqual({ received: 5, completed: 3, failed: 2 });
    expect(orders.inPerSec).toBe(1);
    expect(orders.outPerSec).toBe(0.6);
    expect(orders.errorRate).toBe(0.4);
    expect(Math.abs(orders.p50Ms! - 12) / 12).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR);
    expect(live.bus.totals).toEqual({ received: 7, completed: 4, failed: 2 });
    expect(live.routes.idle).toMatchObject({ inPerSec: 0, p50Ms: null, totals: { received: 0, completed: 0, failed: 0 } });
    expect(Object.keys(live.routes).sort()).toEqual(['events', 'idle', 'orders']);
  });

  test('history of the bus and of a tracked route; none for a route never seen', () => {
    metrics.track(routes);
    traffic();
    now = T0 + 3000;
    expect(metrics.history(undefined, 15)!.points.map((p) => p.inPerSec)).toEqual([7, 0, 0]);
    expect(metrics.history('idle', 15)).toEqual({ step: 1000, points: [0, 1, 2].map((s) => expect.objectContaining({ at: T0 + s * 1000, inPerSec: 0 })) });
    expect(metrics.history('orders', 1 / 60)!.points).toHaveLength(1);
    expect(metrics.history('nope', 15)).toBeUndefined();
  });

  test('each metrics object has a registry of its own', async () => {
    const other = new BusMetrics(() => 0, () => now);
    metrics.received('orders', 'http');
    const text = new PrometheusText(await other.metrics());
    expect(text.families.get('junction_messages_received_total')?.metrics ?? []).toEqual([]);
  });
});
