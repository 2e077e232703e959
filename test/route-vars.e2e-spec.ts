import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientAsync } from 'soap';
import { startTargetServer, waitUntil, type CapturedRequest, type TargetServer } from '@junction/testing';
import { startChildBus } from './support/child-bus';
import { copyWsdlFixtures, envelope, placeOrder, postSoap } from './support/soap';
import { DRIVERS, freshDatabase, getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * Route variables and the request in reply steps (issue 12, item 6) on the real bus: a SOAP service whose response
 * carries values of the request, and variables that reach a target through the outbox, across a kill -9.
 */
describe('route variables: a SOAP response carries values from the request', () => {
  let target: TargetServer;
  let bus: TestBus;

  const ROUTES = `
routes:
  - id: soap-vars
    from:
      soap: { path: /soap/vars, wsdl: wsdl/order-service.wsdl }
    mode: sync
    xml: { arrays: [PlaceOrder.Order.Line] }
    steps:
      - setVars:
          lines: "$count(PlaceOrder.Order.Line)"
          amount: "$sum(PlaceOrder.Order.Line.($number(Quantity) * $number(UnitPrice)))"
      # The REST target knows nothing of the order number: it gets only the customer and answers a status.
      - map: '{ "customer": PlaceOrder.Order.CustomerId, "lines": $vars.lines }'
    to: [{ id: rest-status, http: { url: "\${TARGET_URL}/status", format: json } }]
    reply:
      - map: '{ "OrderId": $request.PlaceOrder.Order.OrderId, "Status": status, "Total": $vars.amount }'
`;

  beforeAll(async () => {
    target = await startTargetServer({ respond: () => ({ body: { status: 'ACCEPTED' } }) });
    bus = await startTestBus({ routes: {}, env: { TARGET_URL: target.url } });
    copyWsdlFixtures(bus.routesDir);
    bus.writeRoute('soap.yaml', ROUTES);
    expect((await post(`${bus.url}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 1 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('a soap client from the published WSDL gets its own order id and the total of its lines back', async () => {
    const client = await createClientAsync(`${bus.url}/soap/vars?wsdl`);
    const orders = ['V-1', 'V-2', 'V-3'];
    for (const [i, orderId] of orders.entries()) {
      const [result] = await client.PlaceOrderAsync({
        Order: {
          OrderId: orderId,
          CustomerId: `C-${i}`,
          Currency: 'EUR',
          Line: [
            { Sku: 'S-1', Quantity: 2, UnitPrice: 3.5 },
            { Sku: 'S-2', Quantity: i + 1, UnitPrice: 10 },
          ],
        },
      });
      expect(result).toMatchObject({ OrderId: orderId, Status: 'ACCEPTED' });
      expect(Number(result.Total)).toBe(7 + (i + 1) * 10);
    }
    const sent = target.requests.map((r) => r.json);
    expect(sent).toEqual(orders.map((_, i) => ({ customer: `C-${i}`, lines: 2 })));
    console.log(`soap vars: ${orders.length} calls, ${orders.length} responses with the request's order id, ${target.requests.length} target calls`);
  });

  test('a raw SOAP 1.2 envelope gets the same', async () => {
    const res = await postSoap(`${bus.url}/soap/vars`, '1.2', envelope('1.2', placeOrder('RAW-12', 'C-7', 'q')), 'urn:orders:PlaceOrder12');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<t:OrderId>RAW-12<\/t:OrderId><t:Status>ACCEPTED<\/t:Status><t:Total>7<\/t:Total>/);
  });
});

describe.each(DRIVERS)('route variables on %s: seen by a target\'s steps after the outbox and a kill -9', (driver) => {
  const MESSAGES = 20;
  let target: TargetServer;
  let dir: string;
  let up = false;

  const ROUTES = `
routes:
  - id: vars-async
    from: { http: { path: /vars } }
    mode: async
    steps:
      - setVars:
          customer: "order.customer"
          units: "$sum(order.lines.qty)"
      - map: '{ "orderId": order.id }'
    to:
      - id: crm
        http: { url: "\${TARGET_URL}/customers/{$vars.customer}/orders", format: json }
        retry: { attempts: 50, backoffMs: 100, maxBackoffMs: 500 }
        steps:
          - map: '$merge([$, { "customer": $vars.customer, "units": $vars.units }])'
          - setHeaders: { x-units: { expr: "$string($vars.units)" } }
`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-vars-'));
    // Down until the bus has been killed: every delivery is routed, stored and waiting for a retry.
    target = await startTargetServer({ respond: () => (up ? { body: { ok: true } } : { status: 503 }) });
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${MESSAGES} messages routed before a kill -9 are delivered after the restart with their variables`, async () => {
    const db = await freshDatabase(driver, dir);
    const env = { TARGET_URL: target.url, LEASE_MS: '2000', OUTBOX_POLL_MS: '20' };
    const first = await startChildBus({ dir, name: `vars-${driver}-1`, routes: ROUTES, databaseUrl: db.url, env });
    const accepted: string[] = [];
    try {
      for (let i = 0; i < MESSAGES; i++) {
        const order = { id: `O-${i}`, customer: `cust ${i % 3}`, lines: [{ qty: 1 }, { qty: i }] };
        const r = await post(`${first.url}/vars`, { order });
        expect(r.status).toBe(202);
        accepted.push(r.json.messageId);
      }
      const tried = () => new Set(target.requests.map((r) => r.headers['x-message-id'])).size;
      await waitUntil(() => tried() >= MESSAGES, 60_000, 'every message routed and tried once');
    } finally {
      first.child.kill('SIGKILL');
      await first.child.exited;
    }
    const failedBefore = target.requests.length;
    target.clear();
    up = true;
    const second = await startChildBus({ dir, name: `vars-${driver}-2`, routes: ROUTES, databaseUrl: db.url, env });
    try {
      const delivered = (): readonly CapturedRequest[] => target.requests;
      await waitUntil(() => new Set(delivered().map((r) => r.headers['x-message-id'])).size >= MESSAGES, 60_000, 'every message delivered');
      const byId = new Map(delivered().map((r) => [r.headers['x-message-id'], r]));
      for (const [i, id] of accepted.entries()) {
        const r = byId.get(id)!;
        expect(r.path).toBe(`/customers/cust%20${i % 3}/orders`);
        expect(r.json).toEqual({ orderId: `O-${i}`, customer: `cust ${i % 3}`, units: 1 + i });
        expect(r.headers['x-units']).toBe(String(1 + i));
      }
      // The outcome is recorded after the target's answer: wait for it.
      await waitUntil(async () => (await getJson(`${second.url}/admin/messages/${accepted[MESSAGES - 1]}`)).status === 'delivered', 30_000, 'journaled as delivered');
      console.log(
        `vars kill-9 (${driver}): ${MESSAGES} accepted, ${failedBefore} failed attempts before the kill, ${byId.size} delivered after the restart with their variables, ${delivered().length - byId.size} duplicates`,
      );
    } finally {
      second.child.kill('SIGTERM');
      await second.child.exited;
      await db.drop();
    }
  });
});
