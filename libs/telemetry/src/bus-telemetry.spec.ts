import { silentLogger } from '@junction/core';
import type { DeadLetterSummary, StoreStats } from '@junction/store';
import { BusTelemetry, type TelemetrySources } from './bus-telemetry';
import type { LiveSnapshot } from './live.types';

const ROUTES = [
  { id: 'orders', sourceKind: 'http' },
  { id: 'events', sourceKind: 'kafka' },
];

function stats(deadLetters: number, received = 0, pendingDeliveries = 0): StoreStats {
  return { messages: { received, pending: 0, delivered: 0, filtered: 0, dead: deadLetters, duplicate: 0, held: 0, aggregated: 0 }, pendingDeliveries, deadLetters };
}

/** Sources whose store answers when the test says so (or at once), counting the queries. */
function fakeSources() {
  const calls = { stats: 0, listDeadLetters: 0, lag: 0, journalSize: 0 };
  let current = stats(0);
  let gate: Promise<void> | undefined;
  let fail = false;
  const dead: Array<Pick<DeadLetterSummary, 'routeId'>> = [];
  const sources: TelemetrySources = {
    routes: () => ROUTES,
    store: {
      stats: async () => {
        calls.stats++;
        await gate;
        if (fail) throw new Error('store down');
        return current;
      },
      listDeadLetters: async () => {
        calls.listDeadLetters++;
        return dead as DeadLetterSummary[];
      },
      journalSize: async () => {
        calls.journalSize++;
        return { bytes: 8192 * 100, usedBytes: 8192 * 90 };
      },
    },
    sourceStatus: async () => {
      calls.lag++;
      return [{ routeId: 'events', state: 'connected' as const, since: 0, backlog: 11 }];
    },
  };
  return {
    sources,
    calls,
    dead,
    set: (s: StoreStats) => (current = s),
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    failing: (value: boolean) => (fail = value),
  };
}

describe('bus telemetry', () => {
  let telemetry: BusTelemetry | undefined;
  afterEach(async () => {
    await telemetry?.stop();
    jest.useRealTimers();
  });

  test('reads share one store query: concurrent scrapes and snapshots never pile up', async () => {
    const f = fakeSources();
    telemetry = new BusTelemetry(f.sources, silentLogger);
    const release = f.hold();
    const reads = [telemetry.snapshot(), telemetry.metricsText(), telemetry.snapshot(), telemetry.metricsText()];
    release();
    await Promise.all(reads);
    expect(f.calls.stats).toBe(1);
    // Fresh for a while: the next reads ask nothing.
    await telemetry.snapshot();
    await telemetry.metricsText();
    expect(f.calls.stats).toBe(1);
  });

  test('store counts and Kafka lag show in the snapshot and the gauges', async () => {
    const f = fakeSources();
    f.set(stats(3, 4, 9));
    f.dead.push({ routeId: 'orders' }, { routeId: 'orders' }, { routeId: 'events' });
    telemetry = new BusTelemetry(f.sources, silentLogger);
    await telemetry.snapshot();
    // The lag is read in the background; the next refresh shows it.
    await new Promise((resolve) => setImmediate(resolve));
    const snapshot = await telemetry.snapshot();
    expect(snapshot.bus).toMatchObject({ deadLetters: 3, backlog: 11 });
    expect(snapshot.routes.orders).toMatchObject({ deadLetters: 2, backlog: null });
    expect(snapshot.routes.events).toMatchObject({ deadLetters: 1, backlog: 11 });
    const text = await telemetry.metricsText();
    expect(text).toContain('junction_queue_depth{queue="messages_waiting"} 4');
    expect(text).toContain('junction_queue_depth{queue="deliveries_pending"} 9');
    expect(text).toContain('junction_source_backlog{route="events"} 11');
    // The journal: its size as the store reads it, its rows from the same counts.
    expect(snapshot.journal).toEqual({ bytes: 819_200, usedBytes: 737_280, rows: 7 });
    expect(text).toContain('junction_journal_bytes 819200');
    expect(text).toContain('junction_journal_rows 7');
  });

  test('a stream gets a snapshot a second, refreshes at most once a second, and ends when the bus stops', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const f = fakeSources();
    telemetry = new BusTelemetry(f.sources, silentLogger);
    telemetry.start();
    const got: LiveSnapshot[] = [];
    let ended = 0;
    telemetry.subscribe({ snapshot: (s) => got.push(s), end: () => ended++ });
    telemetry.observer.received('orders', { id: 'm', correlationId: 'c', headers: {}, source: { kind: 'http' } });
    await jest.advanceTimersByTimeAsync(3000);
    expect(got).toHaveLength(3);
    expect(got.map((s) => s.at)).toEqual([1, 2, 3].map((s) => 1_700_000_000_000 + s * 1000));
    expect(got[2].routes.orders.totals.received).toBe(1);
    expect(got[2].routes.orders.inPerSec).toBe(0.2);
    expect(f.calls.stats).toBe(3);
    // Kafka's lag is read every 5 s at most.
    expect(f.calls.lag).toBe(1);
    await telemetry.stop();
    expect(ended).toBe(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(got).toHaveLength(3);
    let endedLate = false;
    telemetry.subscribe({ snapshot: () => undefined, end: () => (endedLate = true) });
    expect(endedLate).toBe(true);
  });

  test('nobody looking: the tick leaves the store alone', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const f = fakeSources();
    telemetry = new BusTelemetry(f.sources, silentLogger);
    telemetry.start();
    await jest.advanceTimersByTimeAsync(5000);
    expect(f.calls.stats).toBe(0);
  });

  test('dead letters are listed by route only when their total changes (or every 30 s)', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const f = fakeSources();
    f.set(stats(2));
    f.dead.push({ routeId: 'orders' }, { routeId: 'orders' });
    telemetry = new BusTelemetry(f.sources, silentLogger);
    telemetry.start();
    telemetry.subscribe({ snapshot: () => undefined, end: () => undefined });
    await jest.advanceTimersByTimeAsync(5000);
    expect(f.calls.listDeadLetters).toBe(1);
    f.set(stats(3));
    await jest.advanceTimersByTimeAsync(1000);
    expect(f.calls.listDeadLetters).toBe(2);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(f.calls.listDeadLetters).toBe(3);
  });

  test('a store outage keeps the last counts and breaks nothing', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const f = fakeSources();
    f.set(stats(5));
    telemetry = new BusTelemetry(f.sources, silentLogger);
    expect((await telemetry.snapshot()).bus.deadLetters).toBe(5);
    f.failing(true);
    await jest.advanceTimersByTimeAsync(3000);
    const snapshot = await telemetry.snapshot();
    expect(snapshot.bus.deadLetters).toBe(5);
    expect(f.calls.stats).toBe(2);
  });

  test('a read waits for a slow store at most 2 s, then answers with what it has', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const f = fakeSources();
    telemetry = new BusTelemetry(f.sources, silentLogger);
    const release = f.hold();
    let answered = false;
    const read = telemetry.snapshot().then((s) => ((answered = true), s));
    await jest.advanceTimersByTimeAsync(1900);
    expect(answered).toBe(false);
    await jest.advanceTimersByTimeAsync(200);
    expect((await read).bus.deadLetters).toBe(0);
    release();
  });
});
