import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const MESSAGES = 40;
/** How long the target fails once the first request reached it. */
const FAILS_FOR_MS = 8000;

/**
 * A target that fails for a fixed period, then recovers. Its retry policy alone would give up well before it
 * recovers (4 attempts, 0.3 s doubling: about 2 s); the breaker opens after 5 failures, and the deliveries then wait
 * without spending attempts (a probe that fails waits for the next cooldown rather than die): all are delivered once
 * it recovers.
 */
describe('circuit breaker per target', () => {
  let target: TargetServer;
  let bus: TestBus;
  let failingSince = 0;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: () => {
        failingSince ||= Date.now();
        return Date.now() - failingSince < FAILS_FOR_MS ? { status: 503, body: 'down' } : { body: { ok: true } };
      },
    });
    const routes = `
routes:
  - id: guarded
    from: { http: { path: /guarded } }
    to:
      - id: flaky
        http: { url: "${target.url}/flaky" }
        retry: { attempts: 4, backoffMs: 300, maxBackoffMs: 2000 }
        circuitBreaker: { failures: 5, window: 30s, cooldown: 1s }
`;
    bus = await startTestBus({ routes: { 'breaker.yaml': routes }, driver: 'postgres' });
  }, 60_000);
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('opens, defers deliveries without spending their attempts, probes, closes, and all are delivered', async () => {
    const replies = await Promise.all(Array.from({ length: MESSAGES }, (_, i) => post(`${bus.url}/guarded`, { i })));
    expect(replies.every((r) => r.status === 202)).toBe(true);
    const ids = replies.map((r) => r.json.messageId as string);

    const breaker = async () =>
      (await getJson(`${bus.adminUrl}/admin/resilience`)).circuits.find((c: { targetId: string }) => c.targetId === 'flaky');
    await waitUntil(async () => (await breaker())?.state === 'open', 20_000, 'the breaker opens');
    const open = await getJson(`${bus.adminUrl}/admin/resilience`);
    expect(open.open).toEqual([expect.objectContaining({ routeId: 'guarded', targetId: 'flaky', state: 'open' })]);
    expect(open.open[0].since).toBeGreaterThanOrEqual(failingSince);
    // A route reload keeps the breaker's state (it is held outside the compiled routes).
    const reload = await post(`${bus.adminUrl}/admin/routes/reload`, {});
    expect(reload.status).toBe(200);
    const reloaded = await breaker();
    expect(['open', 'half-open']).toContain(reloaded.state);
    expect(reloaded.opened).toBeGreaterThanOrEqual(open.open.length);
    const metrics = await (await fetch(`${bus.adminUrl}/metrics`, { headers: { authorization: 'Bearer test-admin-token' } })).text();
    expect(metrics).toMatch(/junction_circuit_state\{route="guarded",target="flaky"\} [12]/);

    const messageStatus = async (id: string) => (await getJson(`${bus.adminUrl}/admin/messages/${id}`)).status;
    await waitUntil(async () => (await Promise.all(ids.map(messageStatus))).every((s) => s === 'delivered'), 60_000, 'all delivered');

    const details = await Promise.all(ids.map((id) => getJson(`${bus.adminUrl}/admin/messages/${id}`)));
    const attempts = details.map((m) => m.deliveries[0].attempts.length as number);
    const failed = target.requests.filter((r) => r.receivedAt - failingSince < FAILS_FOR_MS).length;
    const closed = await breaker();
    console.log(
      `circuit breaker: ${MESSAGES} messages, ${details.filter((m) => m.status === 'delivered').length} delivered after ${FAILS_FOR_MS / 1000} s down, ` +
        `${target.requests.length} requests (${failed} failed), attempts per delivery max ${Math.max(...attempts)} total ${attempts.reduce((a, b) => a + b, 0)}, ` +
        `opened ${closed.opened} times, now ${closed.state}`,
    );
    expect(details.every((m) => m.status === 'delivered')).toBe(true);
    // Without the breaker each would have spent its 4 attempts and died while the target was down (160 failed
    // calls); with it, the target saw the calls that opened it, those already under way, and one probe per cooldown.
    expect(failed).toBeLessThan(MESSAGES * 4 / 2);
    expect(closed.state).toBe('closed');
    expect(closed.opened).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
