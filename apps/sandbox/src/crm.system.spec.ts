import { startSandbox, type Sandbox } from './sandbox.server';

describe('CRM (REST/JSON)', () => {
  let sandbox: Sandbox;
  const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${sandbox.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => new Date('2025-03-01T10:00:00.000Z') });
  });
  afterAll(() => sandbox.close());

  describe('POST /crm/orders', () => {
    it('answers 201 with a crmId, the orderId and receivedAt', async () => {
      const res = await post('/crm/orders', { orderId: 'W-1', customerId: 'C-1001', total: 10 });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { crmId: string; orderId: string; receivedAt: string };
      expect(body).toEqual({ crmId: expect.stringMatching(/^CRM-\d{6}$/), orderId: 'W-1', receivedAt: '2025-03-01T10:00:00.000Z' });
      expect(res.headers.get('location')).toBe(`/crm/orders/${body.crmId}`);
    });

    it('answers the same orderId again with 200 and the first crmId (idempotent)', async () => {
      const first = (await (await post('/crm/orders', { orderId: 'W-dup', customerId: 'C-1002' })).json()) as { crmId: string };
      const again = await post('/crm/orders', { orderId: 'W-dup', customerId: 'C-1002' });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ crmId: first.crmId, duplicate: true });
    });

    it('gives each new order its own crmId', async () => {
      const a = (await (await post('/crm/orders', { orderId: 'W-a', customerId: 'C-1' })).json()) as { crmId: string };
      const b = (await (await post('/crm/orders', { orderId: 'W-b', customerId: 'C-1' })).json()) as { crmId: string };
      expect(a.crmId).not.toBe(b.crmId);
    });

    it.each([
      ['unparseable JSON', '{"orderId":', { 'content-type': 'application/json' }, 400, /not JSON/],
      ['a JSON array', '[1,2]', { 'content-type': 'application/json' }, 422, /JSON object/],
      ['no customerId', { orderId: 'W-2' }, { 'content-type': 'application/json' }, 422, /customerId/],
      ['an empty orderId', { orderId: ' ', customerId: 'C-1' }, { 'content-type': 'application/json' }, 422, /orderId/],
      ['an XML content type', '<Order/>', { 'content-type': 'application/xml' }, 415, /application\/json/],
    ])('rejects %s', async (_name, body, headers, status, message) => {
      const res = await post('/crm/orders', body, headers);
      expect(res.status).toBe(status);
      const problem = (await res.json()) as { error: string; status: number };
      expect(problem.status).toBe(status);
      expect(problem.error).toMatch(message);
    });
  });

  describe('customers', () => {
    it('GET /crm/customers/:id answers the customer', async () => {
      const res = await fetch(`${sandbox.url}/crm/customers/C-1001`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: 'C-1001', name: 'Ada Lovelace', tier: 'gold', email: 'ada.lovelace@example.com' });
    });

    it('GET /crm/customers/:id answers 404 for an unknown id', async () => {
      const res = await fetch(`${sandbox.url}/crm/customers/C-0000`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'no customer C-0000' });
    });

    it('POST /crm/customers/lookup finds the customer named in the body', async () => {
      const res = await post('/crm/customers/lookup', { customerId: 'C-1002', items: [] });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: 'C-1002', tier: 'silver' });
      expect((await post('/crm/customers/lookup', { id: 'C-1003' })).status).toBe(200);
      expect((await post('/crm/customers/lookup', { customerId: 'C-9' })).status).toBe(404);
      expect((await post('/crm/customers/lookup', { name: 'x' })).status).toBe(422);
    });
  });

  describe('POST /crm/leads', () => {
    it('answers 201 with a leadId', async () => {
      const res = await post('/crm/leads', { name: 'Hedy Lamarr', email: 'hedy@example.com', source: 'web' });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ leadId: expect.stringMatching(/^LEAD-\d{6}$/), receivedAt: '2025-03-01T10:00:00.000Z' });
    });

    it('rejects a lead without a valid email with 422', async () => {
      expect((await post('/crm/leads', { name: 'No Mail' })).status).toBe(422);
      expect((await post('/crm/leads', { name: 'Bad Mail', email: 'nope' })).status).toBe(422);
    });
  });

  describe('POST /crm/order-events', () => {
    const accepted = { event: 'OrderAccepted', orderId: 'W-ev-1', erpRef: 'ERP-000001', customerId: 'C-1001', total: 1298, currency: 'EUR', at: '2025-03-01T10:00:00.000Z' };

    it('takes an order event with 202 { received: true }, records it as sent and counts it', async () => {
      sandbox.recorder.clear();
      const before = sandbox.crmOrderEvents();
      const res = await post('/crm/order-events', accepted);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ received: true });
      const [entry] = sandbox.recorder.list('crm');
      expect(entry).toMatchObject({ method: 'POST', path: '/crm/order-events', status: 202 });
      expect(JSON.parse(entry?.body ?? '')).toEqual(accepted);
      expect(sandbox.crmOrderEvents()).toBe(before + 1);
    });

    it('takes every event, a repeated one and an OrderShipped too', async () => {
      const before = sandbox.crmOrderEvents();
      const shipped = { event: 'OrderShipped', orderId: 'W-ev-1', trackingNo: 'TRK-1', carrier: null, at: '2025-03-01T11:00:00.000Z' };
      for (const event of [accepted, accepted, shipped]) expect((await post('/crm/order-events', event)).status).toBe(202);
      expect(sandbox.crmOrderEvents()).toBe(before + 3);
    });

    it.each([
      ['no event', { orderId: 'W-ev-2' }, 422, /missing or empty: event$/],
      ['no orderId', { event: 'OrderAccepted' }, 422, /missing or empty: orderId$/],
      ['an empty event and a numeric orderId', { event: '', orderId: 7 }, 422, /missing or empty: event, orderId/],
      ['a JSON array', [accepted], 422, /JSON object/],
      ['unparseable JSON', '{"event":', 400, /not JSON/],
    ])('refuses %s and does not count it', async (_name, body, status, message) => {
      const before = sandbox.crmOrderEvents();
      const res = await post('/crm/order-events', body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
      expect(sandbox.crmOrderEvents()).toBe(before);
    });

    it('counts events by their source field', async () => {
      const before = { all: sandbox.crmOrderEvents(), warehouse: sandbox.crmOrderEventsFrom('warehouse') };
      const shipped = { event: 'OrderShipped', orderId: 'W-ev-3', source: 'warehouse', trackingNo: 'JD0000000001' };
      for (const event of [shipped, accepted, { ...shipped, source: 7 }]) expect((await post('/crm/order-events', event)).status).toBe(202);
      expect(sandbox.crmOrderEvents()).toBe(before.all + 3);
      expect(sandbox.crmOrderEventsFrom('warehouse')).toBe(before.warehouse + 1);
      expect(sandbox.crmOrderEventsFrom('erp')).toBe(0);
    });

    it('answers 405 with Allow for a GET', async () => {
      const res = await fetch(`${sandbox.url}/crm/order-events`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    });
  });

  describe('POST /crm/cases', () => {
    it('opens a case with 201 { caseId, receivedAt } and a Location, and counts it', async () => {
      const before = sandbox.crmCases();
      const res = await post('/crm/cases', { subject: 'Temperature excursion on fridge-01', priority: 'high', deviceId: 'fridge-01' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { caseId: string };
      expect(body).toEqual({ caseId: expect.stringMatching(/^CASE-\d{6}$/), receivedAt: '2025-03-01T10:00:00.000Z' });
      expect(res.headers.get('location')).toBe(`/crm/cases/${body.caseId}`);
      const again = (await (await post('/crm/cases', { subject: 'Temperature excursion on fridge-01' })).json()) as { caseId: string };
      expect(again.caseId).not.toBe(body.caseId);
      expect(sandbox.crmCases()).toBe(before + 2);
    });

    it.each([
      ['no subject', { deviceId: 'fridge-01' }, 422, /missing or empty: subject$/],
      ['a blank subject', { subject: '  ' }, 422, /subject/],
      ['unparseable JSON', '{"subject":', 400, /not JSON/],
    ])('refuses %s and opens nothing', async (_name, body, status, message) => {
      const before = sandbox.crmCases();
      const res = await post('/crm/cases', body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
      expect(sandbox.crmCases()).toBe(before);
    });
  });

  describe('POST /crm/stock-levels', () => {
    it('takes a stock level with 202 and counts it', async () => {
      const before = sandbox.crmStockLevels();
      const res = await post('/crm/stock-levels', { sku: 'SKU-DESK-01', onHand: 12, description: 'Bureau réglable', warehouse: 'LEGACY-LYON' });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ received: true });
      expect(sandbox.crmStockLevels()).toBe(before + 1);
    });

    it.each([
      ['no sku', { onHand: 1 }, /missing or empty: sku$/],
      ['a fractional onHand', { sku: 'SKU-DESK-01', onHand: 1.5 }, /onHand must be a whole number/],
    ])('refuses %s with 422', async (_name, body, message) => {
      const before = sandbox.crmStockLevels();
      const res = await post('/crm/stock-levels', body);
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
      expect(sandbox.crmStockLevels()).toBe(before);
    });
  });

  it('answers 404 for an unknown CRM path and 405 with Allow for a wrong method', async () => {
    const missing = await fetch(`${sandbox.url}/crm/invoices`);
    expect(missing.status).toBe(404);
    const wrong = await fetch(`${sandbox.url}/crm/orders`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});
