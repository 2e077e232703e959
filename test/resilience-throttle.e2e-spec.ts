import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import type { LiveSnapshot } from '@junction/telemetry';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/** Messages sent to the throttled target: at 50/s, about 11 s of deliveries. */
const THROTTLED = 550;
/** Above the rate, what any 1 s window of the target's own arrival times may hold: the throttle's burst (1: turns are
 *  evenly spaced, 20 ms apart), one turn a late timer may catch up (see RateLimiter.tryTake), plus 5 for loopback
 *  timing (a request's write and the target's read of it share this process's event loop with the bus, so a stalled
 *  loop brings the requests sent during the stall in together; runs on a 2-core machine at load 12 measured 48 to 54
 *  in all). */
const ARRIVAL_SLACK = 1 + 1 + 5;

/** The most arrivals in any window of `windowMs` (sliding, from each arrival). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

const postAll = async (url: string, n: number, tag: string) => {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => post(url, { tag, n: i + j })));
    statuses.push(...batch.map((r) => r.status));
  }
  return statuses;
};

describe('throttle and bulkhead per target', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => (req.path.startsWith('/hung') ? { delayMs: 120_000 } : { body: { ok: true } }),
    });
    const routes = `
routes:
  - id: throttled
    from: { http: { path: /throttled } }
    to:
      - id: limited
        http: { url: "${target.url}/limited" }
        throttle: { rate: 50/s }
  - id: stuck
    from: { http: { path: /stuck } }
    to:
      - id: hung
        http: { url: "${target.url}/hung", timeoutMs: 120000 }
        bulkhead: { maxInFlight: 4 }
  - id: flowing
    from: { http: { path: /flowing } }
    to:
      - id: fine
        http: { url: "${target.url}/fine" }
`;
    bus = await startTestBus({ routes: { 'resilience.yaml': routes }, driver: 'postgres', env: { SHUTDOWN_TIMEOUT_MS: '500' } });
  }, 60_000);
  afterAll(async () => {
    // The target first: it drops the hung requests, which the bus would otherwise wait for on close.
    await target?.close();
    await bus?.destroy();
  });

  test(`a target limited to 50/s receives no more than 50 + ${ARRIVAL_SLACK} in any 1 s, measured by its own arrival times`, async () => {
    const started = Date.now();
    const statuses = await postAll(`${bus.url}/throttled`, THROTTLED, 'throttled');
    expect(statuses.every((s) => s === 202)).toBe(true);
    const arrived = await target.waitFor(THROTTLED, 120_000, '/limited');
    const times = arrived.map((r) => r.receivedAt);
    const perSecond = maxInWindow(times, 1000);
    const spanMs = Math.max(...times) - Math.min(...times);
    const ids = new Set(arrived.map((r) => r.headers['x-message-id']));
    const view = await getJson(`${bus.adminUrl}/admin/resilience`);
    const throttle = view.throttles.find((t: { targetId: string }) => t.targetId === 'limited');
    console.log(
      `throttle 50/s: ${THROTTLED} messages, ${arrived.length} delivered (${ids.size} distinct), max ${perSecond} in any 1 s, ` +
        `span ${(spanMs / 1000).toFixed(1)} s, held back ${throttle.throttled}, total ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(ids.size).toBe(THROTTLED);
    expect(perSecond).toBeLessThanOrEqual(50 + ARRIVAL_SLACK);
    // Not faster than the rate over the whole run either (every turn after the first is 20 ms after the last).
    expect(spanMs).toBeGreaterThanOrEqual(((THROTTLED - 1) * 1000) / 50 - 500);
    // Waiting for a turn spends no attempt.
    const metrics = await (await fetch(`${bus.adminUrl}/metrics`, { headers: { authorization: 'Bearer test-admin-token' } })).text();
    expect(metrics).toMatch(/junction_throttled_total\{route="throttled",target="limited"\} [1-9]/);
    expect(metrics).not.toMatch(/junction_deliveries_total\{route="throttled",target="limited",outcome="retry"\} [1-9]/);
  }, 180_000);

  test('a hung target limited to 4 in flight leaves another route flowing: all its messages delivered while the hung one holds 4', async () => {
    const stuck = await postAll(`${bus.url}/stuck`, 20, 'stuck');
    expect(stuck.every((s) => s === 202)).toBe(true);
    await waitUntil(() => target.count('/hung') >= 4, 30_000, 'the hung target holds 4');
    const flowing = await postAll(`${bus.url}/flowing`, 300, 'flowing');
    expect(flowing.every((s) => s === 202)).toBe(true);
    await target.waitFor(300, 60_000, '/fine');
    // Well past the claims that followed: still only 4 at the hung target.
    await new Promise((r) => setTimeout(r, 500));
    const hung = target.count('/hung');
    console.log(`bulkhead 4: stuck 20 messages, ${hung} in flight at the hung target; flowing 300 messages, ${target.count('/fine')} delivered`);
    expect(hung).toBe(4);
    expect(new Set(target.requests.filter((r) => r.path.startsWith('/fine')).map((r) => r.headers['x-message-id'])).size).toBe(300);
  }, 120_000);
});

describe('throttle per route', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    const routes = `
routes:
  - id: sync-limited
    mode: sync
    from: { http: { path: /sync-limited } }
    throttle: { rate: 2/s, burst: 2 }
    to: [{ id: echo, http: { url: "${target.url}/echo" } }]
  - id: async-limited
    from: { http: { path: /async-limited } }
    throttle: { rate: 20/s }
    to: [{ id: sink, http: { url: "${target.url}/sink" } }]
`;
    bus = await startTestBus({ routes: { 'route-throttle.yaml': routes } });
  }, 60_000);
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('a sync route over its rate answers 429 with Retry-After, and the target sees only what was let in', async () => {
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`${bus.url}/sync-limited`, { i })));
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    console.log(`route throttle sync 2/s burst 2: 6 at once, ${ok.length} answered, ${refused.length} refused with 429`);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(ok.length + refused.length).toBe(6);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.json).toMatchObject({ status: 429, code: 'THROTTLED' });
    }
    expect(target.count('/echo')).toBe(ok.length);
    // Refused before they were messages: counted with the route's refusals, and as failed in the live figures.
    const metrics = new PrometheusText(await (await fetch(`${bus.adminUrl}/metrics`, { headers: { authorization: 'Bearer test-admin-token' } })).text());
    expect(metrics.value('junction_messages_rejected_total', { route: 'sync-limited', code: 'THROTTLED' })).toBe(refused.length);
    expect(metrics.value('junction_throttle_refused_total', { route: 'sync-limited' })).toBe(refused.length);
    expect(metrics.sum('junction_messages_received_total', { route: 'sync-limited' })).toBe(ok.length);
    const live = (await getJson(`${bus.adminUrl}/admin/live/snapshot`)) as LiveSnapshot;
    expect(live.routes['sync-limited'].totals).toEqual({ received: ok.length, completed: ok.length, failed: refused.length });
  });

  test('an async route over its rate makes its callers wait: all accepted, taken in no faster than the rate', async () => {
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 41 }, (_, i) => post(`${bus.url}/async-limited`, { i })));
    const tookMs = Date.now() - started;
    console.log(`route throttle async 20/s: 41 at once, ${replies.filter((r) => r.status === 202).length} accepted in ${tookMs} ms`);
    expect(replies.every((r) => r.status === 202)).toBe(true);
    expect(tookMs).toBeGreaterThanOrEqual(1900);
    await target.waitFor(41, 30_000, '/sink');
  });
});
