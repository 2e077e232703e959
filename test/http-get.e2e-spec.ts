import { startTargetServer, waitUntil, type CapturedRequest, type TargetServer } from '@junction/testing';
import { DRIVERS, getJson, post, readReply, startTestBus, TEST_ADMIN_TOKEN, type TestBus } from './support/test-bus';

/**
 * HTTP ingress beyond POST (GET and DELETE, path parameters, the query string) and target URLs computed per message,
 * end to end: the real bus, a real HTTP target, on SQLite and on PostgreSQL. Target paths are distinct per test, and
 * each test prints how many requests it sent and how many the target received.
 */
const ROUTES = `
routes:
  - id: customer-read
    description: read-through facade over the CRM
    from: { http: { path: /customers/:id, method: GET } }
    mode: sync
    to:
      - id: crm-customer
        http: { method: GET, url: "\${TARGET_URL}/crm/customers/{$params.id}?page={$query.page}&tag={$query.tag}" }

  - id: customer-new-form
    description: a literal path beside the pattern
    from: { http: { path: /customers/new, method: GET } }
    mode: sync
    to: [{ id: crm-form, http: { method: GET, url: "\${TARGET_URL}/crm/new-form" } }]

  - id: customer-delete
    from: { http: { path: /customers/:key, method: DELETE } }
    mode: sync
    to: [{ id: crm-delete, http: { method: DELETE, url: "\${TARGET_URL}/crm/customers/{$params.key}" } }]

  - id: tenant-orders
    description: async; params and query used after the outbox
    from: { http: { path: /tenants/:tenant/orders/:orderId, method: [PUT, POST] } }
    mode: async
    businessKey: $params.orderId
    steps:
      - setHeaders: { x-tenant: { expr: "$params.tenant" }, x-channel: { expr: "$query.channel" } }
    to:
      - id: erp-orders
        http: { method: PUT, url: "\${TARGET_URL}/erp/{$params.tenant}/orders/{$params.orderId}?channel={$query.channel}", format: json }
        retry: { attempts: 1 }

  - id: lookup
    description: a URL segment from the body
    from: { http: { path: /lookup } }
    mode: sync
    to: [{ id: lookup-target, http: { method: GET, url: "\${TARGET_URL}/lookup/{key}/details" } }]

  - id: order-view
    description: an enricher calling GET on a computed URL
    from: { http: { path: /orders/:id/view, method: GET } }
    mode: sync
    steps:
      - enrich:
          target: { id: order-lookup, http: { method: GET, url: "\${TARGET_URL}/oms/orders/{$params.id}" } }
          into: order
    to: [{ id: view, http: { url: "\${TARGET_URL}/view" } }]
`;

const respond = (req: CapturedRequest) => {
  if (req.path.startsWith('/crm/customers/') && req.method === 'GET') {
    return { body: { id: decodeURIComponent(req.path.split('/')[3].split('?')[0]), name: 'Ada' } };
  }
  if (req.path.startsWith('/crm/customers/') && req.method === 'DELETE') return { body: { deleted: true } };
  if (req.path === '/crm/new-form') return { body: { form: 'new customer' } };
  if (req.path.startsWith('/erp/refused-co/') && req.headers['x-attempt'] !== 'replay') return { status: 400, body: { error: 'not yet' } };
  if (req.path.startsWith('/oms/orders/')) return { body: { total: 12.5 } };
  if (req.path === '/view') return { body: { seen: req.json } };
  return { body: { ok: true } };
};

function report(test: string, sent: number, received: number): void {
  console.log(`${test}: sent ${sent}, target received ${received}`);
}

describe.each(DRIVERS)('HTTP GET, DELETE, parameters and computed URLs on %s', (driver) => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer({ respond });
    bus = await startTestBus({ routes: { 'get.yaml': ROUTES }, driver, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  const call = async (method: string, path: string) => readReply(await fetch(`${bus.url}${path}`, { method }));
  const admin = (path: string) => getJson(`${bus.adminUrl}${path}`, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  const at = (prefix: string) => target.requests.filter((r) => r.path.startsWith(prefix));

  test('GET with a path parameter and a query: the caller gets the target reply, the target saw the computed URL', async () => {
    const res = await call('GET', '/customers/42?page=3&tag=a&tag=b%20c');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: '42', name: 'Ada' });
    const messageId = res.headers.get('x-message-id');
    const plain = await call('GET', '/customers/C%C3%A9%20%2B1');
    expect(plain.json).toEqual({ id: 'Cé +1', name: 'Ada' });
    const seen = at('/crm/customers/');
    expect(seen.map((r) => [r.method, r.path, r.body])).toEqual([
      ['GET', '/crm/customers/42?page=3&tag=a&tag=b%20c', ''],
      ['GET', '/crm/customers/C%C3%A9%20%2B1', ''],
    ]);
    // The journal: the request as received, its parameters, the body a GET stands for, the address the target got.
    const record = await admin(`/admin/messages/${messageId}`);
    expect(record).toMatchObject({
      sourceKind: 'http',
      sourceAddress: '/customers/42?page=3&tag=a&tag=b%20c',
      sourceVars: { params: { id: '42' }, query: { page: '3', tag: ['a', 'b c'] } },
      contentType: 'application/json',
      body: '{}',
      status: 'delivered',
    });
    expect(record.deliveries.map((d: { address: string }) => d.address)).toEqual(['/crm/customers/42?page=3&tag=a&tag=b%20c']);
    report('GET with parameters', 2, seen.length);
  });

  test('a literal path wins over a pattern; a parameter holding an encoded slash is refused', async () => {
    const form = await call('GET', '/customers/new');
    expect(form.json).toEqual({ form: 'new customer' });
    const slash = await call('GET', '/customers/a%2Fb');
    expect(slash.status).toBe(400);
    expect(slash.json).toMatchObject({ code: 'BAD_PATH', detail: 'path parameter "id" may not contain "/"' });
    const wrongMethod = await call('POST', '/customers/42');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('DELETE, GET');
    const received = at('/crm/new-form').length + at('/crm/customers/a').length;
    expect(received).toBe(1);
    report('literal before pattern', 3, received);
  });

  test('DELETE without a body goes to a DELETE target, the reply comes back', async () => {
    const res = await call('DELETE', '/customers/K-9');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ deleted: true });
    const seen = at('/crm/customers/K-9').filter((r) => r.method === 'DELETE');
    expect(seen.map((r) => [r.path, r.body, r.headers['content-type']])).toEqual([['/crm/customers/K-9', '', undefined]]);
    report('DELETE', 1, seen.length);
  });

  test('async: $params and $query are journaled and used after the outbox, and after a replay', async () => {
    const res = await post(`${bus.url}/tenants/acme/orders/A-17?channel=web%20shop`, { lines: 2 }, {}, 'PUT');
    expect(res.status).toBe(202);
    const id = res.json.messageId as string;
    await waitUntil(async () => (await admin(`/admin/messages/${id}`)).status === 'delivered', 10_000, `message ${id} delivered`);
    const seen = at('/erp/acme/');
    expect(seen.map((r) => [r.method, r.path, r.json, r.headers['x-tenant'], r.headers['x-channel']])).toEqual([
      ['PUT', '/erp/acme/orders/A-17?channel=web%20shop', { lines: 2 }, 'acme', 'web shop'],
    ]);
    const record = await admin(`/admin/messages/${id}`);
    expect(record).toMatchObject({
      businessKey: 'A-17',
      sourceAddress: '/tenants/acme/orders/A-17?channel=web%20shop',
      sourceVars: { params: { tenant: 'acme', orderId: 'A-17' }, query: { channel: 'web shop' } },
    });

    // Refused once (400, not retried): dead-lettered; the replay goes to the URL resolved at routing.
    const refused = await post(`${bus.url}/tenants/refused-co/orders/B-2?channel=phone`, { lines: 1 }, {}, 'POST');
    const refusedId = refused.json.messageId as string;
    await waitUntil(async () => (await admin(`/admin/messages/${refusedId}`)).status === 'dead', 10_000, 'dead');
    const [letter] = (await admin(`/admin/messages/${refusedId}`)).deadLetters;
    const replay = await post(`${bus.url}/admin/dead-letters/${letter.id}/replay`, { headers: { 'x-attempt': 'replay' } });
    expect(replay.status).toBe(202);
    await waitUntil(async () => (await admin(`/admin/messages/${refusedId}`)).status === 'delivered', 10_000, 'replayed');
    const refusedSeen = at('/erp/refused-co/');
    expect(refusedSeen.map((r) => r.path)).toEqual(['/erp/refused-co/orders/B-2?channel=phone', '/erp/refused-co/orders/B-2?channel=phone']);
    report('async with parameters', 2, seen.length + refusedSeen.length);
  });

  test('a value holding ../, ?, #, %2F and / arrives as one encoded segment', async () => {
    const keys = ['../../admin', 'a?b=1#frag', 'x%2Fy', 'p/q', 'sp ace+é'];
    for (const key of keys) {
      const res = await post(`${bus.url}/lookup`, { key });
      expect(res.status).toBe(200);
    }
    const seen = at('/lookup/');
    expect(seen.map((r) => r.path)).toEqual([
      '/lookup/..%2F..%2Fadmin/details',
      '/lookup/a%3Fb%3D1%23frag/details',
      '/lookup/x%252Fy/details',
      '/lookup/p%2Fq/details',
      '/lookup/sp%20ace%2B%C3%A9/details',
    ]);
    // A value that would be a dot segment is refused before anything is sent.
    const dots = await post(`${bus.url}/lookup`, { key: '..' });
    expect(dots.status).toBe(422);
    expect(dots.json).toMatchObject({ code: 'STEP_FAILED' });
    expect(at('/lookup/').length).toBe(keys.length);
    report('encoded segments', keys.length + 1, seen.length);
  });

  test('an enricher calls GET on a URL computed from the path parameter', async () => {
    const res = await call('GET', '/orders/O-5/view');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ seen: { order: { total: 12.5 } } });
    const lookups = at('/oms/orders/');
    expect(lookups.map((r) => [r.method, r.path])).toEqual([['GET', '/oms/orders/O-5']]);
    report('enricher GET', 1, lookups.length + at('/view').length);
  });
});
