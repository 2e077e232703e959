import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import type { History, LiveSnapshot } from '@junction/telemetry';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { post, startTestBus, type TestBus } from './support/test-bus';

/**
 * Metrics and live figures end to end: the real bus, a real HTTP target, traffic through a sync route, an async route
 * and an async route whose target is down; then /metrics (Prometheus text), the SSE stream read by a plain HTTP
 * client, the per-second history, and the stream's end at shutdown.
 */
const ROUTES = `
routes:
  - id: quote-sync
    from: { http: { path: /m/quote } }
    mode: sync
    to: [{ id: pricing, http: { url: "\${TARGET_URL}/pricing" } }]

  - id: orders-async
    from: { http: { path: /m/orders } }
    mode: async
    to: [{ id: crm, http: { url: "\${TARGET_URL}/crm" } }]

  - id: failing-async
    from: { http: { path: /m/failing } }
    mode: async
    to: [{ id: down, http: { url: "\${TARGET_URL}/down" }, retry: { attempts: 2, backoffMs: 10 } }]
`;

const TOKEN = 'metrics-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SENT = { sync: 4, async: 5, failing: 2, malformed: 1 };

/** A server-sent event stream read with node:http: parsed events as they come, and the end. */
class EventStream {
  readonly events: Array<{ event: string; data: LiveSnapshot }> = [];
  readonly comments: string[] = [];
  response!: IncomingMessage;
  readonly ended: Promise<void>;
  private readonly req: ClientRequest;

  constructor(url: string, headers: Record<string, string>) {
    let buffer = '';
    let done!: () => void;
    this.ended = new Promise((resolve) => (done = resolve));
    this.req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      this.response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      });
      res.on('end', done);
      res.on('close', done);
    });
    this.req.on('error', done);
    this.req.end();
  }

  private parse(block: string): void {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line);
      else fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim());
    }
    if (fields.has('data')) this.events.push({ event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data')!) });
  }

  close(): void {
    this.req.destroy();
  }
}

describe('metrics, live figures and history', () => {
  let target: TargetServer;
  let bus: TestBus;
  let stream: EventStream;
  let trafficAt: number;

  const admin = (path: string) => fetch(`${bus.adminUrl}${path}`, { headers: AUTH });
  const adminJson = async <T>(path: string) => (await (await admin(path)).json()) as T;
  const scrape = async () => new PrometheusText(await (await admin('/metrics')).text());

  beforeAll(async () => {
    target = await startTargetServer({ respond: (req) => (req.path.startsWith('/down') ? { status: 503 } : { body: { ok: true } }) });
    bus = await startTestBus({ routes: { 'metrics.yaml': ROUTES }, env: { TARGET_URL: target.url, ADMIN_TOKEN: TOKEN } });
    // The stream opens before the traffic, so that its events see the rates rise.
    stream = new EventStream(`${bus.adminUrl}/admin/live`, AUTH);
    await waitUntil(() => stream.events.length >= 1, 5000, 'the first live event');
    trafficAt = Date.now();
    const sends = [];
    for (let i = 0; i < SENT.sync; i++) sends.push(post(`${bus.url}/m/quote`, { n: i }));
    for (let i = 0; i < SENT.async; i++) sends.push(post(`${bus.url}/m/orders`, { n: i }));
    for (let i = 0; i < SENT.failing; i++) sends.push(post(`${bus.url}/m/failing`, { n: i }));
    sends.push(post(`${bus.url}/m/orders`, '{"not json', { 'content-type': 'application/json' }));
    const statuses = (await Promise.all(sends)).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(SENT.sync);
    expect(statuses.filter((s) => s === 202)).toHaveLength(SENT.async + SENT.failing);
    expect(statuses.filter((s) => s === 400)).toHaveLength(SENT.malformed);
    // Settled: every async message delivered or dead.
    await waitUntil(async () => (await scrape()).sum('junction_messages_completed_total') === SENT.sync + SENT.async + SENT.failing, 15_000, 'every message settled');
  });

  afterAll(async () => {
    stream?.close();
    await bus?.destroy();
    await target?.close();
  });

  test('GET /metrics: Prometheus text with the counters equal to what was sent', async () => {
    const res = await admin('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = new PrometheusText(await res.text());
    expect([...text.families.keys()].filter((n) => !n.startsWith('junction_'))).toEqual([]);
    expect(text.families.has('junction_process_cpu_user_seconds_total')).toBe(true);
    expect(text.families.has('junction_nodejs_eventloop_lag_seconds')).toBe(true);

    expect(text.value('junction_messages_received_total', { route: 'quote-sync', source: 'http' })).toBe(SENT.sync);
    expect(text.value('junction_messages_received_total', { route: 'orders-async', source: 'http' })).toBe(SENT.async + SENT.malformed);
    expect(text.value('junction_messages_received_total', { route: 'failing-async', source: 'http' })).toBe(SENT.failing);
    expect(text.sum('junction_messages_rejected_total', { route: 'orders-async' })).toBe(SENT.malformed);
    expect(text.value('junction_messages_completed_total', { route: 'quote-sync', status: 'delivered' })).toBe(SENT.sync);
    expect(text.value('junction_messages_completed_total', { route: 'orders-async', status: 'delivered' })).toBe(SENT.async);
    expect(text.value('junction_messages_completed_total', { route: 'failing-async', status: 'dead' })).toBe(SENT.failing);

    expect(text.value('junction_deliveries_total', { route: 'quote-sync', target: 'pricing', outcome: 'delivered' })).toBe(SENT.sync);
    expect(text.value('junction_deliveries_total', { route: 'orders-async', target: 'crm', outcome: 'delivered' })).toBe(SENT.async);
    expect(text.value('junction_deliveries_total', { route: 'failing-async', target: 'down', outcome: 'retry' })).toBe(SENT.failing);
    expect(text.value('junction_deliveries_total', { route: 'failing-async', target: 'down', outcome: 'dead' })).toBe(SENT.failing);
    expect(target.count('/down')).toBe(2 * SENT.failing);

    const latency = text.histogram('junction_message_latency_seconds', { route: 'orders-async', mode: 'async' });
    expect(latency.count).toBe(SENT.async);
    expect(latency.buckets.at(-1)).toEqual([Infinity, SENT.async]);
    for (let i = 1; i < latency.buckets.length; i++) expect(latency.buckets[i][1]).toBeGreaterThanOrEqual(latency.buckets[i - 1][1]);
    expect(text.histogram('junction_message_latency_seconds', { route: 'quote-sync', mode: 'sync' }).count).toBe(SENT.sync);
    expect(text.histogram('junction_delivery_attempt_duration_seconds', { route: 'failing-async', target: 'down' }).count).toBe(2 * SENT.failing);
    expect(text.value('junction_routes_loaded')).toBe(3);
    expect(text.sum('junction_messages_in_flight')).toBe(0);
  });

  test('GET /metrics: dead letters and queue depths come from the store', async () => {
    // The gauges follow the store within a refresh (a second or two).
    await waitUntil(async () => (await scrape()).value('junction_dead_letters', { route: 'failing-async' }) === SENT.failing, 5000, 'dead letters');
    const text = await scrape();
    expect(text.value('junction_dead_letters', { route: 'orders-async' })).toBe(SENT.malformed);
    expect(text.value('junction_queue_depth', { queue: 'messages_waiting' })).toBe(0);
    expect(text.value('junction_queue_depth', { queue: 'deliveries_pending' })).toBe(0);
  });

  test('GET /metrics and the live figures need the admin credentials', async () => {
    expect((await fetch(`${bus.adminUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${bus.adminUrl}/admin/live/snapshot`)).status).toBe(401);
  });

  test('GET /admin/live: an event at once, then one a second, with the totals and rates of each route', async () => {
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    const expected = { received: SENT.async + SENT.malformed, completed: SENT.async, failed: SENT.malformed };
    await waitUntil(() => stream.events.some((e) => sameTotals(e.data.routes['orders-async'].totals, expected)), 10_000, 'settled totals on the stream');
    const settled = stream.events.filter((e) => sameTotals(e.data.routes['orders-async'].totals, expected));
    await waitUntil(() => stream.events.length >= stream.events.indexOf(settled[0]) + 2, 5000, 'one more event');
    expect(stream.events.every((e) => e.event === 'stats')).toBe(true);
    // Error rates count whole seconds gone by: a failure of the current second shows in the next event. On a loaded
    // machine the failing route's dead letters may come a second or two after the other route's settled.
    await waitUntil(() => stream.events.at(-1)!.data.routes['failing-async'].errorRate === 1, 10_000, "the failing route's error rate");
    const last = stream.events.at(-1)!.data;
    expect(Object.keys(last.routes).sort()).toEqual(['failing-async', 'orders-async', 'quote-sync']);
    expect(last.routes['quote-sync'].totals).toEqual({ received: SENT.sync, completed: SENT.sync, failed: 0 });
    expect(last.routes['failing-async'].totals).toEqual({ received: SENT.failing, completed: 0, failed: SENT.failing });
    expect(last.bus.totals).toEqual({ received: 12, completed: 9, failed: 3 });
    expect(last.routes['failing-async'].errorRate).toBe(1);
    expect(last.routes['orders-async'].errorRate).toBeCloseTo(1 / 6, 10);
    expect(last.routes['orders-async'].p50Ms).toEqual(expect.any(Number));
    expect(last.bus.backlog).toBeNull();
    // After the first one (sent on connection), events come a second apart.
    const gaps = stream.events.slice(1).map((e, i) => e.data.at - stream.events[i].data.at);
    expect(gaps[0]).toBeLessThanOrEqual(2500);
    for (const gap of gaps.slice(1)) {
      expect(gap).toBeGreaterThanOrEqual(900);
      expect(gap).toBeLessThanOrEqual(2500);
    }

    // Each event's rate is the received count of the 5 whole seconds before it, divided by 5: the history says which.
    const history = await adminJson<History>('/admin/stats/history?minutes=15&route=orders-async');
    const received = new Map(history.points.map((p) => [p.at, p.inPerSec]));
    const rates = stream.events.filter((e) => e.data.at >= trafficAt).map((e) => e.data.routes['orders-async']);
    for (const e of stream.events) {
      const second = Math.floor(e.data.at / 1000) * 1000;
      let sum = 0;
      for (let s = second - 5000; s < second; s += 1000) sum += received.get(s) ?? 0;
      expect(e.data.routes['orders-async'].inPerSec).toBeCloseTo(sum / 5, 10);
    }
    expect(rates.some((r) => r.inPerSec > 0)).toBe(true);
  });

  test('GET /admin/live/snapshot and /admin/stats/history', async () => {
    const snapshot = await adminJson<LiveSnapshot>('/admin/live/snapshot');
    expect(snapshot.routes['orders-async'].totals.received).toBe(SENT.async + SENT.malformed);
    expect(snapshot.routes['failing-async'].deadLetters).toBe(SENT.failing);
    expect(snapshot.bus.deadLetters).toBe(SENT.failing + SENT.malformed);

    const bus = await adminJson<History>('/admin/stats/history?minutes=1');
    expect(bus.step).toBe(1000);
    expect(bus.points.length).toBeGreaterThan(0);
    expect(bus.points.length).toBeLessThanOrEqual(60);
    for (let i = 1; i < bus.points.length; i++) expect(bus.points[i].at - bus.points[i - 1].at).toBe(1000);
    // Everything happened within the last minute, in whole seconds now over.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const route = await adminJson<History>('/admin/stats/history?minutes=1&route=orders-async');
    expect(route.points.reduce((n, p) => n + p.inPerSec, 0)).toBe(SENT.async + SENT.malformed);
    expect(route.points.reduce((n, p) => n + p.outPerSec, 0)).toBe(SENT.async);
    expect((await admin('/admin/stats/history?route=nope')).status).toBe(404);
    expect((await admin('/admin/stats/history?minutes=99')).status).toBe(400);
  });

  test('a stream ends on the server side when its client goes, and every stream ends when the bus stops', async () => {
    const telemetry = bus.runtime.telemetry;
    const before = telemetry.listenerCount;
    const leaving = new EventStream(`${bus.adminUrl}/admin/live`, AUTH);
    await waitUntil(() => leaving.events.length >= 1 && telemetry.listenerCount === before + 1, 5000, 'a second stream');
    leaving.close();
    await waitUntil(() => telemetry.listenerCount === before, 5000, 'the stream dropped');

    // The app closes its listener only once no response is open: the open stream must not hold it.
    const started = Date.now();
    await Promise.all([bus.close(), stream.ended]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(telemetry.listenerCount).toBe(0);
  });
});

function sameTotals(a: LiveSnapshot['bus']['totals'], b: LiveSnapshot['bus']['totals']): boolean {
  return a.received === b.received && a.completed === b.completed && a.failed === b.failed;
}
