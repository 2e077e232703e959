import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { DRIVERS, getJson, post, startTestBus, type TestBus } from './support/test-bus';

/** Bad input, failing targets, retries, dead letters and replay, on SQLite and on PostgreSQL. */
const ROUTES = `
routes:
  - id: strict
    from: { http: { path: /strict } }
    mode: async
    steps:
      - validate:
          schema:
            type: object
            required: [order]
            properties:
              order: { type: object, required: [id], properties: { id: { type: string } } }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]

  - id: flaky
    from: { http: { path: /flaky } }
    mode: async
    to: [{ id: flaky, http: { url: "\${TARGET_URL}/flaky" }, retry: { attempts: 4, backoffMs: 20, maxBackoffMs: 100 } }]

  - id: throttled
    from: { http: { path: /throttled } }
    mode: async
    to: [{ id: throttled, http: { url: "\${TARGET_URL}/throttled" }, retry: { attempts: 3, backoffMs: 10 } }]

  - id: rejecting
    from: { http: { path: /rejecting } }
    mode: async
    to: [{ id: rejecting, http: { url: "\${TARGET_URL}/rejecting" }, retry: { attempts: 5, backoffMs: 10 } }]

  - id: down
    from: { http: { path: /down } }
    mode: async
    to: [{ id: down, http: { url: "\${TARGET_URL}/down" }, retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 20 } }]

  - id: sync-down
    from: { http: { path: /sync-down } }
    mode: sync
    to: [{ id: sync-down, http: { url: "\${TARGET_URL}/down" }, retry: { attempts: 2, backoffMs: 10 } }]
`;

describe.each(DRIVERS)('errors, retries and dead letters on %s', (driver) => {
  let target: TargetServer;
  let bus: TestBus;
  let downIsUp = false;
  const flakyCalls = new Map<string, number>();

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        const id = String(req.headers['x-message-id']);
        if (req.path === '/flaky') {
          const n = (flakyCalls.get(id) ?? 0) + 1;
          flakyCalls.set(id, n);
          return n < 3 ? { status: 503 } : { body: { ok: true } };
        }
        if (req.path === '/throttled') {
          const n = (flakyCalls.get(`t-${id}`) ?? 0) + 1;
          flakyCalls.set(`t-${id}`, n);
          return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { body: { ok: true } };
        }
        if (req.path === '/rejecting') return { status: 400, body: { error: 'bad order' } };
        if (req.path === '/down') return downIsUp ? { body: { back: true } } : { status: 500 };
        return { body: { ok: true } };
      },
    });
    bus = await startTestBus({
      routes: { 'errors.yaml': ROUTES },
      driver,
      env: { TARGET_URL: target.url, BODY_LIMIT_BYTES: '65536', SYNC_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  const journal = async (id: string) => await getJson(`${bus.url}/admin/messages/${id}`);
  const settled = (id: string, status: string) =>
    waitUntil(async () => (await journal(id)).status === status, 15_000, `message ${id} ${status}`);

  test.each([
    ['malformed JSON', '{"order": ', 'application/json', 400, /JSON/],
    ['malformed XML', '<order><id>1</order>', 'application/xml', 400, /XML|closing|mismatch|expected/i],
    ['a DOCTYPE (XML entity attack)', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'application/xml', 400, /DOCTYPE/i],
    ['a wrong content type', 'hello', 'text/plain', 415, /JSON or XML/],
  ])('%s gets a problem body with status %s', async (_what, body, contentType, status, detail) => {
    const res = await fetch(`${bus.url}/strict`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as any;
    expect(problem).toMatchObject({ status, title: expect.any(String), code: expect.any(String) });
    expect(problem.detail).toMatch(detail);
  });

  test('malformed input is journaled as dead with its reason, quoting the message id', async () => {
    const res = await post(`${bus.url}/strict`, '{"order": [1,', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    const record = await journal(res.json.messageId);
    expect(record).toMatchObject({ status: 'dead', routeId: 'strict' });
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=strict`);
    const letter = letters.find((l: { messageId: string }) => l.messageId === res.json.messageId);
    expect(letter).toMatchObject({ reason: { code: 'JSON_MALFORMED' } });
  });

  test('unknown path is 404, a body over the limit 413, both as problems', async () => {
    const missing = await post(`${bus.url}/nowhere`, { a: 1 });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ status: 404, code: 'NO_ROUTE' });
    const big = await post(`${bus.url}/strict`, { order: { id: 'x', pad: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ status: 413 });
  });

  test('a failing validation step dead-letters the message with its reason; replay after edit delivers it', async () => {
    const res = await post(`${bus.url}/strict`, { order: { id: 12 } });
    expect(res.status).toBe(202);
    await settled(res.json.messageId, 'dead');
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=strict`);
    const letter = letters.find((l: { messageId: string }) => l.messageId === res.json.messageId);
    expect(letter).toMatchObject({ reason: { code: 'VALIDATION_FAILED', message: expect.stringContaining('/order/id') } });
    const replay = await post(`${bus.url}/admin/dead-letters/${letter.id}/replay`, { body: { order: { id: '12' } } });
    expect(replay.status).toBe(202);
    await settled(res.json.messageId, 'delivered');
    const delivered = target.requests.filter((r) => r.path === '/sink' && r.headers['x-message-id'] === res.json.messageId);
    expect(delivered.map((r) => r.json)).toEqual([{ order: { id: '12' } }]);
  });

  test('5xx is retried with backoff until delivered, every attempt journaled', async () => {
    const res = await post(`${bus.url}/flaky`, { n: 1 });
    await settled(res.json.messageId, 'delivered');
    const record = await journal(res.json.messageId);
    const attempts = record.deliveries[0].attempts;
    expect(attempts.map((a: { ok: boolean; statusCode: number }) => [a.ok, a.statusCode])).toEqual([
      [false, 503],
      [false, 503],
      [true, 200],
    ]);
  });

  test('429 honours Retry-After', async () => {
    const res = await post(`${bus.url}/throttled`, { n: 1 });
    await settled(res.json.messageId, 'delivered');
    const [first, second] = (await journal(res.json.messageId)).deliveries[0].attempts;
    expect(first.statusCode).toBe(429);
    expect(second.startedAt - first.startedAt).toBeGreaterThanOrEqual(950);
  });

  test('4xx is not retried: dead-lettered at once', async () => {
    const res = await post(`${bus.url}/rejecting`, { n: 1 });
    await settled(res.json.messageId, 'dead');
    const record = await journal(res.json.messageId);
    expect(record.deliveries[0].attempts).toHaveLength(1);
    expect(target.requests.filter((r) => r.headers['x-message-id'] === res.json.messageId)).toHaveLength(1);
  });

  test('after the attempt limit the delivery is dead-lettered; replay delivers it once the target is back', async () => {
    downIsUp = false;
    const res = await post(`${bus.url}/down`, { n: 'down' });
    await settled(res.json.messageId, 'dead');
    expect((await journal(res.json.messageId)).deliveries[0].attempts).toHaveLength(3);
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=down`);
    const letter = letters.find((l: { messageId: string }) => l.messageId === res.json.messageId);
    expect(letter).toBeDefined();
    downIsUp = true;
    const replay = await post(`${bus.url}/admin/dead-letters/replay`, { ids: [letter.id] });
    expect(replay.status).toBe(202);
    await settled(res.json.messageId, 'delivered');
    const after = await getJson(`${bus.url}/admin/dead-letters/${letter.id}`);
    expect(after.replayCount).toBe(1);
  });

  test('sync route whose target fails: 502 problem with the message id, dead-lettered', async () => {
    downIsUp = false;
    const res = await post(`${bus.url}/sync-down`, { n: 'sync' });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ status: 502, messageId: expect.any(String) });
    const record = await journal(res.json.messageId);
    expect(record.status).toBe('dead');
    expect(record.deliveries[0].attempts).toHaveLength(2);
  });
});
