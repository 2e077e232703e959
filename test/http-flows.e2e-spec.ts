import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { DRIVERS, getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * The integration patterns end to end: real bus on a free port, real HTTP targets, on SQLite and on PostgreSQL.
 * Each target path below is a separate "system" so that each test counts only its own deliveries.
 */
const ROUTES = `
routes:
  - id: orders-async
    description: web orders, stored then delivered (recipient list)
    from: { http: { path: /orders } }
    mode: async
    businessKey: order.id
    to:
      - id: crm
        http: { url: "\${TARGET_URL}/crm/orders", format: json }
      - id: erp
        http: { url: "\${TARGET_URL}/erp/orders", format: xml }

  - id: quote-sync
    description: request-reply with reply steps
    from: { http: { path: /quote, method: [POST, PUT] } }
    mode: sync
    to:
      - id: pricing
        http: { url: "\${TARGET_URL}/pricing" }
    reply:
      - map: '{ "price": total, "currency": "EUR", "via": "junction" }'
      - setHeaders: { x-priced-by: junction }

  - id: router
    description: content-based router on a header and on the body
    from: { http: { path: /route } }
    mode: sync
    steps:
      - choice:
          when:
            - if: "$headers.'x-priority' = 'high'"
              to: [{ id: express, http: { url: "\${TARGET_URL}/express" } }]
            - if: "$number(order.total) >= 1000"
              to: [{ id: big, http: { url: "\${TARGET_URL}/big" } }]
          otherwise:
            to: [{ id: standard, http: { url: "\${TARGET_URL}/standard" } }]

  - id: filtered
    description: message filter
    from: { http: { path: /filter } }
    mode: async
    steps:
      - filter: "order.country = 'NL'"
    to: [{ id: nl, http: { url: "\${TARGET_URL}/nl" } }]

  - id: split-json
    description: one message per item
    from: { http: { path: /split-json } }
    mode: async
    steps:
      - split:
          expr: "order.items"
          to: [{ id: items, http: { url: "\${TARGET_URL}/items" } }]

  - id: split-xml
    description: one message per repeated element, keeping namespaces
    from: { http: { path: /split-xml } }
    mode: async
    xml: { arrays: ["o:Orders.o:Order"] }
    steps:
      - split:
          path: "o:Orders.o:Order"
          to: [{ id: xml-items, http: { url: "\${TARGET_URL}/xml-items" } }]

  - id: tapped
    description: wire tap whose target is down does not affect the flow
    from: { http: { path: /tapped } }
    mode: sync
    steps:
      - wireTap: { id: audit, http: { url: "\${TARGET_URL}/audit-down" }, retry: { attempts: 2, backoffMs: 10 } }
    to: [{ id: main, http: { url: "\${TARGET_URL}/main" } }]

  - id: enriched
    description: content enricher
    from: { http: { path: /enrich } }
    mode: async
    steps:
      - enrich:
          target: { id: customers, http: { url: "\${TARGET_URL}/customers", method: POST, format: xml } }
          into: customer
      - setHeaders: { x-tier: { expr: "customer.tier" } }
    to: [{ id: enriched-out, http: { url: "\${TARGET_URL}/enriched" } }]

  - id: xml-to-json
    description: XML in, mapped JSON out
    from: { http: { path: /xml-in } }
    mode: async
    steps:
      - convert: { to: json }
      - map: '{ "id": Order.\`@id\`, "sku": Order.Item.Sku, "qty": $number(Order.Item.Qty) }'
    to: [{ id: json-out, http: { url: "\${TARGET_URL}/json-out", format: json } }]
`;

const respond = (req: { path: string; json?: any }) => {
  if (req.path.startsWith('/audit-down')) return { status: 503 };
  if (req.path.startsWith('/pricing')) return { body: { total: 42.5, sku: req.json?.sku } };
  if (req.path.startsWith('/customers')) return { body: { name: 'Ada', tier: 'gold' } };
  if (req.path.startsWith('/erp')) return { headers: { 'content-type': 'application/xml' }, body: '<Ack>OK</Ack>' };
  return { body: { ok: true } };
};

describe.each(DRIVERS)('HTTP flows and patterns on %s', (driver) => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer({ respond });
    bus = await startTestBus({ routes: { 'flows.yaml': ROUTES }, driver, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  const journal = async (id: string) => await getJson(`${bus.url}/admin/messages/${id}`);
  const settled = (id: string, status: string) =>
    waitUntil(async () => (await journal(id)).status === status, 10_000, `message ${id} ${status}`);

  test('async: 202 with the message id, then delivered to every recipient, JSON and XML', async () => {
    const res = await post(`${bus.url}/orders`, { order: { id: 'A-1', total: 10 } }, { 'x-correlation-id': 'corr-async-1' });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ messageId: expect.any(String), status: 'accepted' });
    expect(res.headers.get('x-message-id')).toBe(res.json.messageId);
    await settled(res.json.messageId, 'delivered');
    const crm = target.requests.filter((r) => r.path === '/crm/orders' && r.headers['x-message-id'] === res.json.messageId);
    const erp = target.requests.filter((r) => r.path === '/erp/orders' && r.headers['x-message-id'] === res.json.messageId);
    expect(crm.map((r) => r.json)).toEqual([{ order: { id: 'A-1', total: 10 } }]);
    expect(crm[0].headers['x-correlation-id']).toBe('corr-async-1');
    expect(erp).toHaveLength(1);
    expect(erp[0].headers['content-type']).toContain('xml');
    expect(erp[0].body).toContain('<order><id>A-1</id><total>10</total></order>');
    const record = await journal(res.json.messageId);
    expect(record.routeId).toBe('orders-async');
    expect(record.businessKey).toBe('A-1');
    expect(record.deliveries).toHaveLength(2);
    for (const d of record.deliveries) expect(d.attempts).toEqual([expect.objectContaining({ ok: true, statusCode: 200 })]);
    const found = await getJson(`${bus.url}/admin/messages?correlationId=corr-async-1`);
    expect(found.map((m: { id: string }) => m.id)).toEqual([res.json.messageId]);
  });

  test('sync: the caller gets the target reply through the reply steps, for POST and PUT', async () => {
    for (const method of ['POST', 'PUT']) {
      const res = await post(`${bus.url}/quote`, { sku: 'X1' }, {}, method);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ price: 42.5, currency: 'EUR', via: 'junction' });
      expect(res.headers.get('x-priced-by')).toBe('junction');
      expect(res.headers.get('x-message-id')).toBeTruthy();
    }
    expect(target.requests.filter((r) => r.path === '/pricing').map((r) => r.json)).toEqual([{ sku: 'X1' }, { sku: 'X1' }]);
  });

  test('content-based router: header first, then body, else otherwise', async () => {
    target.clear();
    await post(`${bus.url}/route`, { order: { total: 5 } }, { 'x-priority': 'high' });
    await post(`${bus.url}/route`, { order: { total: 5000 } });
    await post(`${bus.url}/route`, { order: { total: 5 } });
    expect(target.requests.map((r) => r.path)).toEqual(['/express', '/big', '/standard']);
  });

  test('message filter: a non-matching message is journaled as filtered and not delivered', async () => {
    target.clear();
    const kept = await post(`${bus.url}/filter`, { order: { country: 'NL' } });
    const dropped = await post(`${bus.url}/filter`, { order: { country: 'DE' } });
    await settled(kept.json.messageId, 'delivered');
    await settled(dropped.json.messageId, 'filtered');
    expect(target.requests.filter((r) => r.path === '/nl').map((r) => r.json)).toEqual([{ order: { country: 'NL' } }]);
  });

  test('splitter over a JSON array: one delivery per item', async () => {
    const res = await post(`${bus.url}/split-json`, { order: { items: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }] } });
    await settled(res.json.messageId, 'delivered');
    // Each part is a message of its own: its id is the parent's with its index, the parent's id in a header.
    const parts = target.requests.filter((r) => r.path === '/items' && r.headers['x-parent-message-id'] === res.json.messageId);
    expect(parts.map((r) => (r.json as { sku: string }).sku).sort()).toEqual(['a', 'b', 'c']);
    expect(parts.map((r) => r.headers['x-message-id']).sort()).toEqual([0, 1, 2].map((i) => `${res.json.messageId}.${i}`));
  });

  test('splitter over repeated XML elements: each part a document with its namespace', async () => {
    const xml =
      '<o:Orders xmlns:o="urn:orders"><o:Order id="1"><o:Sku>a</o:Sku></o:Order><o:Order id="2"><o:Sku>b</o:Sku></o:Order></o:Orders>';
    const res = await post(`${bus.url}/split-xml`, xml);
    await settled(res.json.messageId, 'delivered');
    const parts = target.requests.filter((r) => r.path === '/xml-items' && r.headers['x-parent-message-id'] === res.json.messageId);
    expect(parts.map((r) => r.body).sort()).toEqual([
      '<o:Order xmlns:o="urn:orders" id="1"><o:Sku>a</o:Sku></o:Order>',
      '<o:Order xmlns:o="urn:orders" id="2"><o:Sku>b</o:Sku></o:Order>',
    ]);
    // a single repeated element stays a list through the route's arrays path
    const one = await post(`${bus.url}/split-xml`, '<o:Orders xmlns:o="urn:orders"><o:Order id="9"><o:Sku>z</o:Sku></o:Order></o:Orders>');
    await settled(one.json.messageId, 'delivered');
  });

  test('wire tap: the copy is attempted, its failure dead-letters only the copy', async () => {
    const res = await post(`${bus.url}/tapped`, { hello: 'tap' });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-message-id')!;
    await waitUntil(
      async () => (await journal(id)).deliveries.some((d: { wireTap: boolean; status: string }) => d.wireTap && d.status === 'dead'),
      10_000,
      'wire tap dead-lettered',
    );
    const record = await journal(id);
    expect(record.status).toBe('delivered');
    expect(target.requests.filter((r) => r.path === '/audit-down' && r.headers['x-message-id'] === id)).toHaveLength(2);
  });

  test('content enricher: the reply is merged into the body before delivery', async () => {
    const res = await post(`${bus.url}/enrich`, { customerId: 'c-7' });
    await settled(res.json.messageId, 'delivered');
    const out = target.requests.find((r) => r.path === '/enriched' && r.headers['x-message-id'] === res.json.messageId)!;
    expect(out.json).toEqual({ customerId: 'c-7', customer: { name: 'Ada', tier: 'gold' } });
    // the enricher's call went out in its target's format
    const lookup = target.requests.find((r) => r.path === '/customers' && r.headers['x-message-id'] === res.json.messageId)!;
    expect(lookup.headers['content-type']).toContain('xml');
    expect(lookup.body).toBe('<customerId>c-7</customerId>');
    expect(out.headers['x-tier']).toBe('gold');
  });

  test('XML in, JSONata mapping, JSON out', async () => {
    const res = await post(`${bus.url}/xml-in`, '<Order id="77"><Item><Sku>S-1</Sku><Qty>3</Qty></Item></Order>');
    await settled(res.json.messageId, 'delivered');
    const out = target.requests.find((r) => r.path === '/json-out' && r.headers['x-message-id'] === res.json.messageId)!;
    expect(out.json).toEqual({ id: '77', sku: 'S-1', qty: 3 });
  });

  test('admin: routes listed with id, source, targets, mode and state', async () => {
    const routes = await getJson(`${bus.url}/admin/routes`);
    const orders = routes.find((r: { id: string }) => r.id === 'orders-async');
    expect(orders).toMatchObject({
      id: 'orders-async',
      mode: 'async',
      state: 'running',
      source: { kind: 'http', path: '/orders' },
    });
    expect(orders.targets.map((t: { id: string }) => t.id)).toEqual(['crm', 'erp']);
    // the definition is shown as written: the placeholder, not the interpolated value
    expect(JSON.stringify(orders.definition)).toContain('${TARGET_URL}');
    const health = await getJson(`${bus.url}/health`);
    expect(health).toMatchObject({ status: 'ok', ready: true, store: { ok: true, driver } });
  });
});
