import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, readReply, startTestBus, type TestBus } from './support/test-bus';

/**
 * Flat files over HTTP on the real bus: a posted CSV body (latin1, semicolons, quotes) read into JSON for a real
 * HTTP target, one message per record, JSON written as fixed-width records, and malformed files refused (sync) or
 * dead-lettered (async) with their line numbers.
 */
const ROUTES = `
routes:
  - id: stock-sync
    from: { http: { path: /flat/stock, text: true } }
    mode: sync
    steps:
      - convert:
          to: json
          from:
            csv:
              delimiter: ";"
              encoding: latin1
              columns: [sku, name, { name: qty, type: integer }, { name: price, type: decimal }]
              header: true
    to:
      - id: crm
        http: { url: "\${TARGET_URL}/crm/stock", format: json }

  - id: stock-split
    from: { http: { path: /flat/stock-lines, text: true } }
    mode: async
    steps:
      - convert: { to: json, from: { csv: { columns: [sku, { name: qty, type: integer }], header: true } } }
      - split: { expr: "$" }
    to:
      - id: crm-line
        http: { url: "\${TARGET_URL}/crm/stock-line", format: json }

  - id: order-file
    from: { http: { path: /flat/orders } }
    mode: async
    steps:
      - map: "orders.{ 'id': id, 'customer': customer, 'amount': amount, 'due': due }"
      - convert:
          to: fixedWidth
          fixedWidth:
            recordDelimiter: crlf
            fields:
              - { name: id, start: 1, length: 8 }
              - { name: customer, start: 9, length: 12 }
              - { name: amount, start: 21, length: 9, type: decimal, decimals: 2 }
              - { name: due, start: 30, length: 8, type: date }
    to:
      - id: warehouse
        http: { url: "\${TARGET_URL}/warehouse/orders" }
`;

describe('flat files over HTTP', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({ routes: { 'flat.yaml': ROUTES }, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  const postCsv = async (path: string, text: string, charset = 'utf-8', encoding: BufferEncoding = 'utf8') =>
    readReply(await fetch(`${bus.url}${path}`, { method: 'POST', headers: { 'content-type': `text/csv; charset=${charset}` }, body: Buffer.from(text, encoding) }));

  it('delivers a posted latin1 CSV as a JSON array of typed records', async () => {
    const csv = 'sku;name;qty;price\r\nA-1;"Crème brûlée; 6 pièces";12;3.5\r\nB-2;"Müsli ""bio""\r\nsans sucre";0;4.2\r\n';
    const reply = await postCsv('/flat/stock', csv, 'iso-8859-1', 'latin1');
    expect(reply.status).toBe(200);
    const [delivered] = await target.waitFor(1, 20_000, '/crm/stock');
    expect(delivered.headers['content-type']).toMatch(/application\/json/);
    expect(delivered.json).toEqual([
      { sku: 'A-1', name: 'Crème brûlée; 6 pièces', qty: 12, price: 3.5 },
      { sku: 'B-2', name: 'Müsli "bio"\r\nsans sucre', qty: 0, price: 4.2 },
    ]);
  });

  it('refuses a malformed CSV with 422 naming its lines, and delivers nothing', async () => {
    const before = target.count('/crm/stock');
    const reply = await postCsv('/flat/stock', 'sku;name;qty;price\nA-1;x;1;2\nB-2;y;3\nC-3;z;many;4\n');
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({
      code: 'FLAT_FORMAT',
      lines: [3, 4],
      errors: ['line 3: 3 fields, expected 4', 'line 4: qty: "many" is not an integer'],
    });
    expect(reply.json.detail).toBe('2 malformed lines: line 3: 3 fields, expected 4; line 4: qty: "many" is not an integer');
    expect(target.count('/crm/stock')).toBe(before);
  });

  it('splits a CSV into one message per record', async () => {
    const n = 200;
    const csv = 'sku,qty\n' + Array.from({ length: n }, (_, i) => `S-${i},${i}\n`).join('');
    const reply = await postCsv('/flat/stock-lines', csv);
    expect(reply.status).toBe(202);
    const lines = await target.waitFor(n, 60_000, '/crm/stock-line');
    const qty = lines.map((r) => (r.json as { qty: number }).qty).sort((a, b) => a - b);
    expect(qty).toEqual(Array.from({ length: n }, (_, i) => i));
    console.log(`flat e2e split: 1 CSV of ${n} records, ${lines.length} messages delivered`);
  });

  it('dead-letters an async CSV with its line numbers', async () => {
    const reply = await postCsv('/flat/stock-lines', 'sku,qty\nA,1\nB\n"C,3\n');
    expect(reply.status).toBe(202);
    const id = reply.json.messageId as string;
    let message: any;
    await waitUntil(async () => {
      message = await getJson(`${bus.url}/admin/messages/${id}`);
      return message.status === 'dead';
    }, 20_000, 'dead-lettered');
    expect(JSON.stringify(message)).toContain('2 malformed lines: line 3: 1 field, expected 2; line 4: a quoted field is not closed');
  });

  it('takes text bodies only on routes whose HTTP source says text: true', async () => {
    const reply = await postCsv('/flat/orders', 'id\n1\n');
    expect(reply.status).toBe(415);
    expect(reply.json.detail).toBe('expected a JSON or XML body, got "text/csv; charset=utf-8"');
  });

  it('writes JSON orders as a fixed-width file for the target', async () => {
    const reply = await post(`${bus.url}/flat/orders`, {
      orders: [
        { id: 'O-1', customer: 'Müller AG', amount: 1234.5, due: '2026-12-24' },
        { id: 'O-2', customer: 'Refund', amount: -7.25, due: '2027-01-02T10:00:00Z' },
      ],
    });
    expect(reply.status).toBe(202);
    const [delivered] = await target.waitFor(1, 20_000, '/warehouse/orders');
    expect(delivered.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(delivered.body).toBe('O-1     Müller AG   00012345020261224\r\nO-2     Refund      -0000072520270102\r\n');
  });
});
