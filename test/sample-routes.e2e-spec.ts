import { cpSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LegacyWarehouseFiles, startSandbox, type Sandbox } from '../apps/sandbox/src';
import { LEGACY_SKUS } from '../apps/sandbox/src/legacy-warehouse.formats';
import { legacyBatch, seededRandom, webOrder } from '../apps/sandbox/src/demo/sample-orders';
import { createClientAsync } from 'soap';
import { tempDir, waitUntil, type TempDir } from '@junction/testing';
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
  // The legacy warehouse's folder, of this suite alone.
  let warehouseDir: TempDir;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    warehouseDir = await tempDir('sample-routes-legacy-warehouse');
    // A session and a queue of its own, so that a demo running beside this suite keeps its devices and shipments.
    bus = await startTestBus({ routes: {}, env: { SANDBOX_URL: sandbox.url, LEGACY_WAREHOUSE_DIR: warehouseDir.path, ...brokers.env } });
    cpSync(join(__dirname, '..', 'routes'), bus.routesDir, { recursive: true });
    const reload = await post(`${bus.url}/admin/routes/reload`, {});
    expect(reload.json).toMatchObject({ ok: true, routes: 10 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await sandbox?.close();
    await brokers.remove();
    await warehouseDir?.cleanup();
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

  test('legacy warehouse: its stock CSVs reach the CRM one SKU at a time; web orders come back to it as fixed-width files', async () => {
    const warehouse = new LegacyWarehouseFiles({ dir: warehouseDir.path, random: seededRandom(3) });
    const exports = 3;
    for (let i = 0; i < exports; i++) await warehouse.tick();
    const stockLevels = () => received('crm').filter((x) => x.path === '/crm/stock-levels').map((x) => JSON.parse(x.body));
    await waitUntil(() => stockLevels().length === exports * LEGACY_SKUS.length, 30_000, 'every SKU of every export in the CRM');
    const levels = stockLevels();
    expect(new Set(levels.map((l) => l.sku))).toEqual(new Set(LEGACY_SKUS));
    expect(levels.every((l) => l.warehouse === 'LEGACY-LYON' && Number.isInteger(l.onHand) && l.available <= l.onHand)).toBe(true);
    // after: delete: the files the bus took are gone
    await waitUntil(async () => (await readdir(join(warehouseDir.path, 'stock'))).length === 0, 30_000, 'stock folder emptied');

    const random = seededRandom(5);
    const orders = Array.from({ length: 20 }, (_, i) => JSON.parse(webOrder(i + 1, random).body)).filter((o) => o.customerId);
    for (const order of orders) {
      const res = await post(`${bus.url}/legacy-warehouse/orders`, order);
      expect(res.status).toBe(202);
      await settled(res.json.messageId, 'delivered');
    }
    await warehouse.tick();
    const counts = warehouse.counts();
    const lines = orders.reduce((n, o) => n + o.items.length, 0);
    console.log(
      `sample routes, legacy warehouse: ${exports} stock CSVs, ${levels.length} CRM stock levels; ${orders.length} web orders, ` +
        `${counts.orderFiles} order files read (${counts.orders} orders, ${counts.orderLines} lines, ${counts.rejectedFiles} refused)`,
    );
    expect(counts).toMatchObject({ orderFiles: orders.length, orders: orders.length, orderLines: lines, rejectedFiles: 0 });
    const done = await readdir(join(warehouseDir.path, 'orders', 'done'));
    expect(done.sort()).toEqual(orders.map((o) => `ORD-${o.orderId}.txt`).sort());
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
