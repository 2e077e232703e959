import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createLegacySystem } from '../legacy.system';
import { CRM_CUSTOMERS } from '../crm.system';
import { CATALOG } from '../sandbox.catalog';
import { legacyBatch, legacySoapOrder, seededRandom, webOrder, type WebOrder } from './sample-orders';

const now = new Date('2025-03-01T10:00:00.000Z');
const orders = (seed: number, count: number) => Array.from({ length: count }, (_, i) => webOrder(i + 1, seededRandom(seed + i), now));

describe('sample orders', () => {
  it('are the same for the same seed and differ for another', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    expect(webOrder(1, a, now)).toEqual(webOrder(1, b, now));
    expect(legacyBatch(1, a, now)).toEqual(legacyBatch(1, b, now));
    expect(webOrder(2, c, now).body).not.toBe(webOrder(2, seededRandom(7), now).body);
  });

  it('web orders are JSON with known customers and catalogue items, and a total that adds up', () => {
    for (const request of orders(1, 60)) {
      expect(request).toMatchObject({ kind: 'web', path: '/orders', headers: { 'content-type': 'application/json' } });
      const order = JSON.parse(request.body) as WebOrder;
      expect(order.orderId).toMatch(/^W-1\d{5}$/);
      if (!request.invalidOnPurpose) expect(CRM_CUSTOMERS.map((c) => c.id)).toContain(order.customerId);
      expect(order.items.length).toBeGreaterThan(0);
      for (const item of order.items) expect(CATALOG.find((p) => p.sku === item.sku)?.unitPrice).toBe(item.unitPrice);
      const sum = order.items.reduce((s, i) => s + i.qty * i.unitPrice, 0);
      expect(order.total).toBeCloseTo(sum, 2);
    }
  });

  it('vary in priority and total, so both branches of the router show', () => {
    const all = orders(3, 200);
    const priorities = new Set(all.map((r) => r.headers['x-priority']));
    expect(priorities).toEqual(new Set(['high', 'normal']));
    const totals = all.map((r) => (JSON.parse(r.body) as WebOrder).total);
    expect(totals.some((t) => t >= 1000)).toBe(true);
    expect(totals.some((t) => t < 1000)).toBe(true);
  });

  it('every 15th web order lacks its customerId on purpose', () => {
    const random = seededRandom(5);
    const fifteenth = webOrder(15, random, now);
    expect(fifteenth.invalidOnPurpose).toBe('no customerId');
    expect(JSON.parse(fifteenth.body)).not.toHaveProperty('customerId');
    expect(webOrder(16, random, now).invalidOnPurpose).toBeUndefined();
  });

  it('legacy batches are well-formed XML with one to three orders the legacy system accepts', () => {
    const legacy = createLegacySystem();
    const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Order' || name === 'Line' });
    const sizes = new Set<number>();
    for (let n = 1; n <= 40; n++) {
      const request = legacyBatch(n, seededRandom(n), now);
      expect(request).toMatchObject({ kind: 'legacy', path: '/legacy/orders', headers: { 'content-type': 'application/xml' } });
      expect(XMLValidator.validate(request.body)).toBe(true);
      const batch = (parser.parse(request.body) as { OrderBatch: { BatchId: string; Order: Array<Record<string, unknown>> } }).OrderBatch;
      expect(batch.BatchId).toBe(`B-${String(n).padStart(6, '0')}`);
      sizes.add(batch.Order.length);
      for (const order of batch.Order) {
        expect(order).toMatchObject({ OrderNo: expect.stringMatching(/^L-\d+$/), CustNo: expect.stringMatching(/^C-\d{4}$/), Currency: 'EUR' });
        // Plain decimals: a document never carries thousands separators.
        expect(order.Total).toMatch(/^\d+\.\d{2}$/);
        const lines = (order.Lines as { Line: Array<{ Price: string }> }).Line;
        for (const line of lines) expect(line.Price).toMatch(/^\d+\.\d{2}$/);
      }
      const reply = legacy.handle({ method: 'POST', path: '/legacy/orders', query: new URLSearchParams(), headers: request.headers, body: request.body });
      expect(reply.status).toBe(200);
    }
    expect(sizes).toEqual(new Set([1, 2, 3]));
  });

  it('legacy SOAP orders are SubmitOrder inputs of known customers and catalogue items, with a total that adds up', () => {
    const first = legacySoapOrder(1, seededRandom(9), now);
    expect(first).toEqual(legacySoapOrder(1, seededRandom(9), now));
    expect(first.summary).toMatch(/^L-700001 C-\d{4} +\d+ items +[\d,]+\.\d{2} EUR$/);
    for (let n = 1; n <= 40; n++) {
      const request = legacySoapOrder(n, seededRandom(n), now);
      expect(request).toMatchObject({ kind: 'soap', operation: 'SubmitOrder' });
      const order = request.args.Order;
      expect(order).toMatchObject({ OrderNo: `L-${700000 + n}`, OrderDate: '2025-03-01', Currency: 'EUR' });
      const customer = CRM_CUSTOMERS.find((c) => c.id === order.CustNo);
      expect(order.CustName).toBe(customer?.name);
      expect(order.Lines.Line.length).toBeGreaterThan(0);
      for (const line of order.Lines.Line) {
        expect(CATALOG.find((p) => p.sku === line.Sku)?.unitPrice.toFixed(2)).toBe(line.Price);
        expect(Number.isInteger(line.Qty) && line.Qty > 0).toBe(true);
      }
      expect(order.Total).toMatch(/^\d+\.\d{2}$/);
      expect(Number(order.Total)).toBeCloseTo(order.Lines.Line.reduce((s, l) => s + l.Qty * Number(l.Price), 0), 2);
    }
  });
});
