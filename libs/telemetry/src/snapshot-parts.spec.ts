import { BusMetrics, type QueueFigures } from './bus-metrics';
import { mergeHistories, RollingFigures } from './rolling-figures';
import { addRouteCounts, mergeSnapshots } from './snapshot-parts';
import { PrometheusText } from './testing/prometheus-text';
import { aggregateMetrics } from './whole-bus-metrics';

const T0 = 1_700_000_000_000;
const routes = [{ id: 'orders', sourceKind: 'http' }];

function queues(over: Partial<QueueFigures> = {}): QueueFigures {
  return {
    messagesWaiting: 3,
    deliveriesPending: 4,
    deadLetters: 2,
    deadLettersByRoute: new Map([['orders', 2]]),
    retryWaitingByRoute: new Map(),
    sources: [],
    journal: { bytes: 100, usedBytes: 50, rows: 9 },
    ...over,
  };
}

/** Two processes of one bus, each with its own metrics: what one of them alone would count is `all`'s share. */
function twoProcesses(now: () => number) {
  const a = new BusMetrics(() => 1, now);
  const b = new BusMetrics(() => 1, now);
  const all = new BusMetrics(() => 1, now);
  for (const m of [a, b, all]) m.track(routes);
  const traffic = (m: BusMetrics, n: number, latencyMs: number) => {
    for (let i = 0; i < n; i++) {
      m.received('orders', 'http');
      m.completed('orders', 'sync', 'delivered', latencyMs);
    }
  };
  return { a, b, all, traffic };
}

describe('whole-bus figures from the parts of its processes', () => {
  test('the live figures of two processes equal those of one process that saw all their traffic', () => {
    let now = T0;
    const { a, b, all, traffic } = twoProcesses(() => now);
    now = T0 + 1000;
    traffic(a, 30, 5);
    traffic(all, 30, 5);
    traffic(b, 10, 400);
    traffic(all, 10, 400);
    a.rejected('orders', 'BAD_INPUT');
    all.rejected('orders', 'BAD_INPUT');
    a.inFlight('orders', 2);
    b.inFlight('orders', 1);
    all.inFlight('orders', 3);
    for (const m of [a, b, all]) m.setQueues(queues());
    now = T0 + 3000;
    const merged = mergeSnapshots([a.snapshotPart(routes), b.snapshotPart(routes)]);
    const whole = all.snapshot(routes);
    expect(merged).toEqual(whole);
    // Not either process's figures: a alone saw only 5 ms latencies.
    expect(merged.bus.p99Ms).not.toEqual(a.snapshot(routes).bus.p99Ms);
    expect(merged.bus.totals).toEqual({ received: 40, completed: 40, failed: 1 });
    expect(merged.bus.inFlight).toBe(3);
    expect(merged.routes.orders.deadLetters).toBe(2);
    expect(merged.journal).toEqual({ bytes: 100, usedBytes: 50, rows: 9 });
  });

  test('a single part is the process\'s own snapshot', () => {
    const m = new BusMetrics(() => 1, () => T0 + 5000);
    m.track(routes);
    m.received('orders', 'http');
    expect(mergeSnapshots([m.snapshotPart(routes)])).toEqual(m.snapshot(routes));
    expect(() => mergeSnapshots([])).toThrow(/at least one/);
  });

  test('histories add up second by second; percentiles are the highest of the processes\'', () => {
    const a = new RollingFigures(T0);
    const b = new RollingFigures(T0);
    a.recordReceived(T0 + 100);
    a.recordCompleted(T0 + 200, true, 10);
    b.recordReceived(T0 + 300);
    b.recordReceived(T0 + 1300);
    b.recordCompleted(T0 + 1400, false, 800);
    const points = mergeHistories([a.historyCounts(T0 + 3000, 60), b.historyCounts(T0 + 3000, 60)]);
    expect(points.map((p) => [p.at - T0, p.inPerSec, p.outPerSec, p.errorRate])).toEqual([
      [0, 2, 1, 0],
      [1000, 1, 0, 1],
      [2000, 0, 0, 0],
    ]);
    expect(points[1].p50Ms).toBe(b.history(T0 + 3000, 60)[1].p50Ms);
    // One process's history alone comes out as it was.
    expect(mergeHistories([a.historyCounts(T0 + 3000, 60)])).toEqual(a.history(T0 + 3000, 60));
  });

  test('/metrics of two processes: counters and histograms add up, the store\'s gauges are taken once', async () => {
    let now = T0;
    const { a, b, traffic } = twoProcesses(() => now);
    now = T0 + 1000;
    traffic(a, 3, 5);
    traffic(b, 4, 5);
    a.setQueues(queues({ retryWaitingByRoute: new Map([['orders', 2]]) }));
    b.setQueues(queues({ retryWaitingByRoute: new Map([['orders', 3]]) }));
    const text = new PrometheusText(await aggregateMetrics([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]));
    expect(text.value('junction_messages_received_total', { route: 'orders', source: 'http' })).toBe(7);
    expect(text.histogram('junction_message_latency_seconds', { route: 'orders', mode: 'sync' }).count).toBe(7);
    expect(text.value('junction_dead_letters', { route: 'orders' })).toBe(2);
    expect(text.value('junction_queue_depth', { queue: 'messages_waiting' })).toBe(3);
    // Each process counts the retries it scheduled itself: those add up.
    expect(text.value('junction_queue_depth', { queue: 'deliveries_retry_waiting' })).toBe(5);
    expect(text.value('junction_journal_rows')).toBe(9);
    expect(text.value('junction_routes_loaded')).toBe(1);
  });

  test('a source is up when up in any process that runs it; its backlog is the largest reading, not their sum', async () => {
    const both = [...routes, { id: 'feed', sourceKind: 'kafka' }];
    const a = new BusMetrics(() => 2, () => T0);
    const b = new BusMetrics(() => 2, () => T0);
    // The first process lost its consumer of orders (no backlog read); both read feed's lag, a moment apart.
    a.setQueues(queues({ sources: [{ routeId: 'orders', state: 'reconnecting', since: T0 }, { routeId: 'feed', state: 'connected', since: T0, backlog: 7 }] }));
    b.setQueues(queues({ sources: [{ routeId: 'orders', state: 'connected', since: T0, backlog: 5 }, { routeId: 'feed', state: 'connected', since: T0, backlog: 9 }] }));
    const text = new PrometheusText(await aggregateMetrics([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]));
    expect(text.value('junction_source_up', { route: 'orders' })).toBe(1);
    expect(text.value('junction_source_up', { route: 'feed' })).toBe(1);
    expect(text.value('junction_source_backlog', { route: 'orders' })).toBe(5);
    expect(text.value('junction_source_backlog', { route: 'feed' })).toBe(9);

    const live = mergeSnapshots([a.snapshotPart(both), b.snapshotPart(both)]);
    expect(live.routes.orders.backlog).toBe(5);
    expect(live.routes.feed.backlog).toBe(9);
    expect(live.bus.backlog).toBe(14);

    // Down in every process that runs it: down.
    b.setQueues(queues({ sources: [{ routeId: 'orders', state: 'connecting', since: T0 }] }));
    const down = new PrometheusText(await aggregateMetrics([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]));
    expect(down.value('junction_source_up', { route: 'orders' })).toBe(0);
    expect(mergeSnapshots([a.snapshotPart(both), b.snapshotPart(both)]).routes.orders.backlog).toBeNull();
  });

  test('a route\'s counters of two processes add up, targets only one of them tried included', async () => {
    const { a, b, traffic } = twoProcesses(() => T0);
    traffic(a, 2, 5);
    traffic(b, 3, 5);
    a.attempted('orders', 'crm', 'delivered', 5);
    b.attempted('orders', 'crm', 'retry', 5);
    b.attempted('orders', 'erp', 'dead', 5);
    const sum = addRouteCounts([await a.routeCounts('orders'), await b.routeCounts('orders')]);
    expect(sum).toEqual({
      received: 5,
      rejected: 0,
      completed: { delivered: 5, filtered: 0, dead: 0, duplicate: 0 },
      targets: { crm: { delivered: 1, retry: 1, dead: 0 }, erp: { delivered: 0, retry: 0, dead: 1 } },
    });
  });
});
