import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../apps/sandbox/src';
import { legacyBatch, seededRandom, webOrder } from '../apps/sandbox/src/demo/sample-orders';
import { createClientAsync } from 'soap';
import { waitUntil } from '@junction/testing';
import { ownBrokerNames } from './support/broker-sessions';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * The sample routes in routes/ running on the real bus against the sandbox's CRM, ERP and legacy system: what a new
 * user sees in `npm run demo`, checked system by system.
 */
describe('sample routes against the sandbox', () => {
  let sandbox: Sandbox;
  let bus: TestBus;
  const brokers = ownBrokerNames('sample-routes');

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    // A session and a queue of its own, so that a demo running beside this suite keeps its devices and shipments.
    bus = await startTestBus({ routes: {}, env: { SANDBOX_URL: sandbox.url, ...brokers.env } });
    cpSync(join(__dirname, '..', 'routes'), bus.routesDir, { recursive: true });
    const reload = await post(`${bus.url}/admin/routes/reload`, {});
    expect(reload.json).toMatchObject({ ok: true, routes: 8 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await sandbox?.close();
    await brokers.remove();
  });

  const received = (system: 'crm' | 'erp' | 'legacy') => sandbox.recorder.list(system);
  const settled = (id: string, status: string) =>
    waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${id}`)).status === status, 15_000, `${id} ${status}`);

  test('web orders: every valid one in the CRM and archived in legacy; large or urgent ones in the ERP over SOAP', async () => {
    const random = seededRandom(7);
    const orders = Array.from({ length: 30 }, (_, i) => webOrder(i + 1, random));
    const results = [];
    for (const o of orders) {
      const res = await post(`${bus.url}${o.path}`, JSON.parse(o.body), { 'x-priority': o.headers['x-priority'] });
      expect(res.status).toBe(202);
      results.push({ order: JSON.parse(o.body), priority: o.headers['x-priority'], id: res.json.messageId as string });
    }
    const valid = results.filter((r) => r.order.customerId);
    const invalid = results.filter((r) => !r.order.customerId);
    for (const r of valid) await settled(r.id, 'delivered');
    for (const r of invalid) await settled(r.id, 'dead');

    const crmIds = received('crm').filter((x) => x.path === '/crm/orders').map((x) => JSON.parse(x.body).orderId);
    expect(crmIds.sort()).toEqual(valid.map((r) => r.order.orderId).sort());
    const toErp = valid.filter((r) => r.order.total >= 1000 || r.priority === 'high');
    // the ERP is a SOAP service: SubmitOrder envelopes, each with a UsernameToken
    const erpDocs = received('erp').map((x) => x.body);
    expect(erpDocs).toHaveLength(toErp.length);
    for (const r of toErp) expect(erpDocs.some((d) => new RegExp(`<(\\w+:)?OrderId>${r.order.orderId}</`).test(d))).toBe(true);
    expect(erpDocs.every((d) => d.includes('Envelope') && d.includes('UsernameToken'))).toBe(true);
    expect(received('legacy').filter((x) => x.body.includes('<WebOrder>'))).toHaveLength(valid.length);
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=web-orders`);
    expect(letters).toHaveLength(invalid.length);
  });

  test('legacy batches: one CRM order per Order element', async () => {
    const random = seededRandom(11);
    const before = received('crm').length;
    let orders = 0;
    for (let n = 1; n <= 5; n++) {
      const batch = legacyBatch(n, random);
      orders += (batch.body.match(/<Order>/g) ?? []).length;
      const res = await post(`${bus.url}${batch.path}`, batch.body);
      expect(res.status).toBe(202);
      await settled(res.json.messageId, 'delivered');
    }
    const legacyInCrm = received('crm').slice(before).map((x) => JSON.parse(x.body));
    expect(legacyInCrm).toHaveLength(orders);
    expect(legacyInCrm.every((o) => o.channel === 'legacy' && /^L-/.test(o.orderId))).toBe(true);
  });

  test('legacy SOAP client: SubmitOrder through the published WSDL becomes a CRM order; the response is the one the WSDL declares', async () => {
    const client = await createClientAsync(`${bus.url}/soap/orders?wsdl`);
    const [result] = await client.SubmitOrderAsync({
      Order: {
        OrderNo: 'L-799999',
        CustNo: 'C-1002',
        OrderDate: '2025-03-01',
        Currency: 'EUR',
        Lines: { Line: [{ Sku: 'SKU-DESK-01', Qty: 1, Price: 649 }] },
        Total: 649,
      },
    });
    expect(result).toMatchObject({ OrderNo: 'L-799999', Status: 'ACCEPTED', MessageId: expect.any(String) });
    const inCrm = received('crm').map((x) => JSON.parse(x.body)).find((o) => o.orderId === 'L-799999');
    expect(inCrm).toMatchObject({ customerId: 'C-1002', channel: 'legacy', total: 649, lines: [{ sku: 'SKU-DESK-01', quantity: 1 }] });
    const record = await getJson(`${bus.url}/admin/messages/${result.MessageId}`);
    expect(record).toMatchObject({ status: 'delivered', sourceKind: 'soap', businessKey: 'L-799999' });
  });

  test('quotes: a sync JSON quote priced on the tier the CRM gives', async () => {
    const gold = await post(`${bus.url}/quotes`, { customerId: 'C-1001', items: [{ sku: 'SKU-DESK-01', qty: 2 }] });
    expect(gold.status).toBe(200);
    expect(gold.json).toMatchObject({ customerId: 'C-1001', priceList: 'GOLD', currency: 'EUR', lines: [{ sku: 'SKU-DESK-01', qty: 2 }] });
    const silver = await post(`${bus.url}/quotes`, { customerId: 'C-1002', items: [{ sku: 'SKU-DESK-01', qty: 2 }] });
    expect(silver.json.priceList).toBe('STANDARD');
    expect(gold.json.total).toBeLessThan(silver.json.total);
  });
});
