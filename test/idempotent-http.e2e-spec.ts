import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { DRIVERS, getJson, post, startTestBus, type TestBus } from './support/test-bus';

const ROUTES = {
  'idem.yaml': `
routes:
  - id: idem-http
    from: { http: { path: /orders } }
    mode: async
    idempotent: { key: "$headers.'idempotency-key' ? $headers.'idempotency-key' : orderId", retention: 2s }
    sensitive: { fields: [card] }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]
`,
};

/**
 * Idempotent Consumer over HTTP on each store: the answers a sender gets for a first message, a duplicate, a message
 * without a key; what the journal keeps; and a key taken again once its retention ran out.
 */
describe.each(DRIVERS)('idempotent consumer over HTTP on %s', (driver) => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({ routes: ROUTES, driver, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('a resend is answered 202 with the original id, journaled as duplicate (masked) and not delivered', async () => {
    const first = await post(`${bus.url}/orders`, { orderId: 'A-1', card: '4111' });
    const again = await post(`${bus.url}/orders`, { orderId: 'A-1', card: '4111', note: 'resent' });
    const byHeader = await post(`${bus.url}/orders`, { orderId: 'other' }, { 'idempotency-key': 'A-1' });
    expect(first.status).toBe(202);
    for (const r of [again, byHeader]) {
      expect(r.status).toBe(202);
      expect(r.json).toEqual({ messageId: first.json.messageId, status: 'accepted' });
      expect(r.headers.get('x-message-id')).toBe(first.json.messageId);
    }
    await waitUntil(() => target.count('/sink') >= 1, 10_000, 'the first delivered');
    await new Promise((r) => setTimeout(r, 500));
    expect(target.requests.filter((r) => r.path === '/sink').map((r) => r.json)).toEqual([{ orderId: 'A-1', card: '4111' }]);

    const duplicates: Array<{ id: string; status: string }> = await getJson(`${bus.url}/admin/messages?route=idem-http&status=duplicate`);
    expect(duplicates).toHaveLength(2);
    const detail = await getJson(`${bus.url}/admin/messages/${duplicates.find((d) => d.id !== byHeader.json.messageId)!.id}`);
    expect(detail.status).toBe('duplicate');
    expect(detail.hops).toEqual([expect.objectContaining({ step: 'duplicate', note: `of ${first.json.messageId}` })]);
    expect(detail.deliveries).toEqual([]);
    expect(JSON.stringify(detail.body)).not.toContain('4111');
  });

  test('a message without a key is refused 400 and journaled as dead; a lapsed key is taken again', async () => {
    const refused = await post(`${bus.url}/orders`, { nothing: true });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ status: 400, code: 'NO_IDEMPOTENCY_KEY' });
    const dead = await getJson(`${bus.url}/admin/messages/${refused.headers.get('x-message-id')}`);
    expect(dead).toMatchObject({ status: 'dead', failure: { code: 'NO_IDEMPOTENCY_KEY' } });

    const first = await post(`${bus.url}/orders`, { orderId: 'B-1' });
    await new Promise((r) => setTimeout(r, 2_500));
    const later = await post(`${bus.url}/orders`, { orderId: 'B-1' });
    expect(later.status).toBe(202);
    expect(later.json.messageId).not.toBe(first.json.messageId);
    await waitUntil(() => target.requests.filter((r) => (r.json as { orderId?: string }).orderId === 'B-1').length === 2, 10_000, 'B-1 delivered twice, once per retention window');
  });
});
