import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const ROUTES = {
  'pay.yaml': `
routes:
  - id: payments
    from: { http: { path: /payments } }
    mode: sync
    sensitive:
      fields: [cardNumber, customer.email]
      headers: [x-partner-key]
    to: [{ id: psp, http: { url: "\${TARGET_URL}/psp" }, retry: { attempts: 1 } }]

  - id: payments-xml
    from: { http: { path: /payments-xml } }
    mode: async
    sensitive: { fields: [Payment.CardNumber] }
    to: [{ id: legacy, http: { url: "\${TARGET_URL}/legacy" }, retry: { attempts: 1 } }]
`,
};

const PAYMENT = { amount: 12.5, cardNumber: '4111111111111111', customer: { email: 'ann@example.com', name: 'Ann' } };

describe('sensitive fields and credential headers are masked for the journal readers', () => {
  let target: TargetServer;
  let bus: TestBus;
  let failing = false;

  beforeAll(async () => {
    target = await startTargetServer({ respond: () => (failing ? { status: 400, body: { error: 'declined' } } : { status: 200, body: { ok: true } }) });
    bus = await startTestBus({ routes: ROUTES, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('the target gets the real values; the admin API shows *** for the fields and headers marked', async () => {
    const res = await post(`${bus.url}/payments`, PAYMENT, { 'x-partner-key': 'pk-live-123', 'x-api-key': 'ak-9' });
    expect(res.status).toBe(200);
    const seen = target.requests.at(-1)!;
    expect(seen.json).toEqual(PAYMENT);
    expect(seen.headers['x-partner-key']).toBe('pk-live-123');

    const record = await getJson(`${bus.url}/admin/messages/${res.headers.get('x-message-id')}`);
    expect(JSON.parse(record.body)).toEqual({ amount: 12.5, cardNumber: '***', customer: { email: '***', name: 'Ann' } });
    expect(record.headers).toMatchObject({ 'x-partner-key': '***', 'x-api-key': '***' });
    expect(JSON.parse(record.deliveries[0].body)).toMatchObject({ cardNumber: '***', customer: { email: '***' } });
    expect(record.deliveries[0].headers['x-partner-key']).toBe('***');
    const raw = JSON.stringify(record);
    for (const secret of ['4111111111111111', 'ann@example.com', 'pk-live-123', 'ak-9']) expect(raw).not.toContain(secret);

    // At rest too: a delivered exchange no longer needs its payload, so the journal keeps only the masked copy.
    const stored = (await bus.runtime.store.getMessage(res.headers.get('x-message-id')!))!;
    const rows = JSON.stringify([stored.body.toString(), stored.headers, ...stored.deliveries.map((d) => [d.body.toString(), d.headers])]);
    for (const secret of ['4111111111111111', 'ann@example.com', 'pk-live-123', 'ak-9']) expect(rows).not.toContain(secret);
    expect(rows).toContain('Ann');
  });

  test('XML bodies are masked by element; a dead letter is shown masked and replayed with its real values', async () => {
    failing = true;
    const xml = '<Payment><CardNumber>5500000000000004</CardNumber><Amount>9</Amount></Payment>';
    const res = await post(`${bus.url}/payments-xml`, xml);
    expect(res.status).toBe(202);
    let letters: Array<{ id: string; messageId: string }> = [];
    await waitUntil(async () => (letters = await getJson(`${bus.url}/admin/dead-letters?route=payments-xml`)).length === 1, 10_000, 'the dead letter');
    const letter = await getJson(`${bus.url}/admin/dead-letters/${letters[0].id}`);
    expect(letter.body).toBe('<Payment><CardNumber>***</CardNumber><Amount>9</Amount></Payment>');

    // Edit-then-replay from what the dashboard shows: the amount changes, the masked card number stays masked.
    failing = false;
    const replay = await post(`${bus.url}/admin/dead-letters/${letters[0].id}/replay`, { body: letter.body.replace('<Amount>9</Amount>', '<Amount>10</Amount>') });
    expect(replay.status).toBe(202);
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${res.json.messageId}`)).status === 'delivered', 10_000, 'delivered');
    expect(target.requests.at(-1)!.body).toBe('<Payment><CardNumber>5500000000000004</CardNumber><Amount>10</Amount></Payment>');
    // Delivered after the replay: the stored message and delivery keep only the masked copy.
    const stored = (await bus.runtime.store.getMessage(res.json.messageId))!;
    expect(stored.body.toString()).toBe('<Payment><CardNumber>***</CardNumber><Amount>9</Amount></Payment>');
    expect(stored.deliveries[0].body.toString()).toBe('<Payment><CardNumber>***</CardNumber><Amount>10</Amount></Payment>');
  });

  test('an edited JSON replay keeps masked values and takes the real edits', async () => {
    failing = true;
    const res = await post(`${bus.url}/payments`, PAYMENT);
    expect(res.status).toBe(502);
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=payments`);
    const letter = await getJson(`${bus.url}/admin/dead-letters/${letters[0].id}`);
    const shown = JSON.parse(letter.body);
    expect(shown.cardNumber).toBe('***');
    failing = false;
    const replay = await post(`${bus.url}/admin/dead-letters/${letters[0].id}/replay`, { body: { ...shown, amount: 20 } });
    expect(replay.status).toBe(202);
    await target.waitFor(1, 10_000, '/psp');
    await waitUntil(async () => target.requests.some((r) => (r.json as { amount?: number })?.amount === 20), 10_000, 'the replay');
    expect(target.requests.find((r) => (r.json as { amount?: number })?.amount === 20)!.json).toEqual({ ...PAYMENT, amount: 20 });
  });
});
