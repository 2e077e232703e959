import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpEgress } from '@junction/connectors';
import { Message, type Reply } from '@junction/core';
import { compileRouteDir, outgoingBody, type CompiledRoute, type Dispatch, type FlowContext } from '@junction/routing';
import { tempDir, type TempDir } from '@junction/testing';
import { bodyFromBytes } from '@junction/transform';
import { legacyBatch, seededRandom, webOrder, type SampleRequest } from './demo/sample-orders';
import { startSandbox, type Sandbox } from './sandbox.server';

/**
 * The draft routes, compiled by the real route compiler and run against a real sandbox through the real HTTP egress:
 * proof that the draft and the sandbox agree. A small stand-in for the bus runs each flow and sends its dispatches at
 * once (no store, no retries); the erp-handoff target, which points at the bus itself, feeds the erp-orders route.
 */
describe('sample-routes.draft.yaml against the sandbox', () => {
  let sandbox: Sandbox;
  let dir: TempDir;
  const egress = new HttpEgress();
  let routes: Map<string, CompiledRoute>;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => new Date('2025-03-01T10:00:00.000Z') });
    dir = await tempDir('junction-draft-routes');
    await copyFile(join(__dirname, '..', 'sample-routes.draft.yaml'), join(dir.path, 'sample.yaml'));
    const set = compileRouteDir(dir.path, { SANDBOX_URL: sandbox.url }, { egress: new Map([['http', egress]]) });
    expect(set.problems).toEqual([]);
    routes = new Map(set.routes.map((r) => [r.id, r]));
  });
  afterAll(async () => {
    await egress.close();
    await sandbox.close();
    await dir.cleanup();
  });
  beforeEach(() => sandbox.recorder.clear());

  let seq = 0;
  /** Runs a message through a route and delivers what it dispatches; resolves with the replies of direct targets. */
  const run = async (routeId: string, body: string, contentType: string, headers: Record<string, string> = {}): Promise<Reply[]> => {
    const route = routes.get(routeId)!;
    const id = `draft-${++seq}`;
    const source = { kind: 'http', address: routeId };
    const message = new Message(id, id, source, headers, bodyFromBytes(Buffer.from(body), contentType, route.codec), Date.now());
    const dispatches: Dispatch[] = [];
    const flow: FlowContext = {
      dispatch: (d) => dispatches.push(d),
      filtered: () => undefined,
      call: (target, m) => target.endpoint.send(m.withBody(outgoingBody(m.body, target, route.codec))),
    };
    await route.run(message, flow);
    const replies: Reply[] = [];
    for (const d of dispatches) {
      const out = d.message.withBody(outgoingBody(d.message.body, d.target, route.codec));
      if (d.target.id === 'erp-handoff') replies.push(...(await run('erp-orders', out.body.bytes().toString(), out.body.contentType, { ...out.headers })));
      else if (d.wireTap) await d.target.endpoint.send(out);
      else replies.push(await d.target.endpoint.send(out));
    }
    return replies;
  };
  const runSample = (s: SampleRequest) => run(s.path === '/orders' ? 'web-orders' : 'legacy-orders', s.body, s.headers['content-type'], s.headers);
  const received = (system: 'crm' | 'erp' | 'legacy') => sandbox.recorder.list(system);
  let orderN = 0;
  /** A sample web order with its own orderId (the CRM and the ERP deduplicate on it) and the given changes. */
  const webOrderWith = (changes: Record<string, unknown>, priority = 'normal'): SampleRequest => {
    const base = webOrder(900 + ++orderN, seededRandom(11));
    const body = { ...(JSON.parse(base.body) as object), ...changes };
    return { ...base, body: JSON.stringify(body), headers: { ...base.headers, 'x-priority': priority } };
  };

  it('holds the four routes', () => {
    expect([...routes.keys()].sort()).toEqual(['erp-orders', 'legacy-orders', 'quotes', 'web-orders']);
  });

  it('sends a small normal web order to the CRM in its order shape and a copy to the legacy system, not to the ERP', async () => {
    const order = webOrderWith({ total: 120, items: [{ sku: 'SKU-LAMP-02', name: 'Desk lamp', qty: 3, unitPrice: 40 }] });
    await runSample(order);
    const [crm] = received('crm');
    expect(crm.status).toBe(201);
    expect(JSON.parse(crm.body)).toEqual({
      orderId: expect.stringMatching(/^W-1009\d\d$/),
      customerId: expect.stringMatching(/^C-\d{4}$/),
      channel: 'web',
      priority: 'normal',
      currency: 'EUR',
      total: 120,
      placedAt: expect.any(String),
      lines: [{ sku: 'SKU-LAMP-02', quantity: 3, unitPrice: 40 }],
      shipTo: expect.objectContaining({ country: expect.any(String) }),
    });
    const [legacy] = received('legacy');
    expect(legacy.status).toBe(200);
    expect(legacy.body).toMatch(/<WebOrder><orderId>W-1009\d\d<\/orderId>/);
    expect(received('erp')).toEqual([]);
  });

  it.each([
    ['a total of 1000 or more', { total: 1000 }, 'normal'],
    ['x-priority: high', { total: 10 }, 'high'],
  ])('also sends the order to the ERP as XML for %s', async (_name, changes, priority) => {
    await runSample(webOrderWith(changes, priority));
    expect(received('crm').map((r) => r.status)).toEqual([201]);
    const [erp] = received('erp');
    expect(erp.status).toBe(200);
    expect(erp.headers['content-type']).toContain('xml');
    expect(erp.body).toMatch(/^(<\?xml[^>]*>\s*)?<Order><OrderId>W-1009\d\d<\/OrderId><CustomerId>C-\d{4}<\/CustomerId><Channel>WEB<\/Channel>/);
    expect(erp.body).toContain(`<Priority>${priority.toUpperCase()}</Priority>`);
  });

  it('refuses an invalid web order before anything is sent', async () => {
    const invalid = webOrder(15, seededRandom(2));
    expect(invalid.invalidOnPurpose).toBeDefined();
    await expect(runSample(invalid)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(sandbox.recorder.list()).toEqual([]);
  });

  it('splits a legacy batch into one CRM order per <Order>, with numbers as numbers', async () => {
    const batch = legacyBatch(4, seededRandom(4));
    const orderCount = (batch.body.match(/<Order>/g) ?? []).length;
    await runSample(batch);
    const crm = received('crm');
    expect(crm).toHaveLength(orderCount);
    for (const entry of crm) {
      expect(entry.status).toBe(201);
      const order = JSON.parse(entry.body) as { orderId: string; channel: string; total: unknown; lines: Array<{ quantity: unknown }> };
      expect(order).toMatchObject({ orderId: expect.stringMatching(/^L-/), customerId: expect.stringMatching(/^C-/), channel: 'legacy' });
      expect(typeof order.total).toBe('number');
      expect(order.lines.length).toBeGreaterThan(0);
      for (const line of order.lines) expect(typeof line.quantity).toBe('number');
    }
  });

  it('gets every valid sample order of the demo accepted by the sandbox', async () => {
    const random = seededRandom(99);
    const samples = [
      ...Array.from({ length: 40 }, (_, i) => webOrder(i + 1, random)).filter((s) => !s.invalidOnPurpose),
      ...Array.from({ length: 10 }, (_, i) => legacyBatch(i + 1, random)),
    ];
    for (const s of samples) await runSample(s);
    const all = sandbox.recorder.list();
    expect(all.length).toBeGreaterThan(samples.length);
    expect(all.filter((r) => r.status >= 300)).toEqual([]);
    expect(received('erp').length).toBeGreaterThan(0);
  });

  describe('quotes (sync)', () => {
    const quote = async (customerId: string) => {
      const route = routes.get('quotes')!;
      const body = JSON.stringify({ customerId, items: [{ sku: 'SKU-DESK-01', qty: 2 }] });
      const [reply] = await run('quotes', body, 'application/json');
      // As the bus does for a sync caller: the target's reply, as a message, through the reply steps.
      const replyBody = bodyFromBytes(reply.body.bytes(), reply.body.contentType, route.codec);
      const message = new Message('q', 'q', { kind: 'http', address: '/quotes' }, reply.headers, replyBody, Date.now());
      const out = await route.transformReply(message);
      return { status: reply.status, contentType: out.body.contentType, value: out.body.value() };
    };

    it('prices at the GOLD list for a gold customer and answers JSON', async () => {
      const answer = await quote('C-1001');
      expect(answer.status).toBe(200);
      expect(answer.contentType).toContain('json');
      expect(answer.value).toEqual({
        quoteRef: expect.stringMatching(/^QT-\d{6}$/),
        customerId: 'C-1001',
        priceList: 'GOLD',
        currency: 'EUR',
        lines: [{ sku: 'SKU-DESK-01', qty: 2, unitPrice: 584.1, amount: 1168.2 }],
        total: 1168.2,
        validUntil: '2025-03-15',
      });
      expect(received('crm').map((r) => [r.path, r.status])).toEqual([['/crm/customers/lookup', 200]]);
    });

    it('prices at the STANDARD list for a silver customer', async () => {
      expect(await quote('C-1002')).toMatchObject({ value: { priceList: 'STANDARD', total: 1298 } });
    });

    it('fails for a customer the CRM does not know (404 from the enricher)', async () => {
      await expect(quote('C-0404')).rejects.toMatchObject({ code: 'HTTP_404', retriable: false });
      expect(received('erp')).toEqual([]);
    });
  });
});
