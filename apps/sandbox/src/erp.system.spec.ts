import { XMLParser } from 'fast-xml-parser';
import { startSandbox, type Sandbox } from './sandbox.server';

const parse = (xml: string) => new XMLParser({ parseTagValue: false }).parse(xml) as Record<string, Record<string, unknown>>;

describe('ERP (XML over HTTP)', () => {
  let sandbox: Sandbox;
  const post = (path: string, body: string, contentType = 'application/xml') =>
    fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => new Date('2025-03-01T10:00:00.000Z') });
  });
  afterAll(() => sandbox.close());

  describe('POST /erp/orders', () => {
    const order = (id: string) =>
      `<?xml version="1.0"?><Order><OrderId>${id}</OrderId><CustomerId>C-1001</CustomerId><Total>1200.00</Total></Order>`;

    it('acknowledges an order with OrderId, ACCEPTED and an ErpRef', async () => {
      const res = await post('/erp/orders', order('W-100001'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/xml');
      const text = await res.text();
      expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<OrderAck>/);
      expect(text).toMatch(/<OrderAck><OrderId>W-100001<\/OrderId><Status>ACCEPTED<\/Status><ErpRef>ERP-\d{6}<\/ErpRef><\/OrderAck>$/);
    });

    it('gives the same OrderId the same ErpRef and another OrderId another one', async () => {
      const ref = async (id: string) => parse(await (await post('/erp/orders', order(id))).text()).OrderAck.ErpRef;
      const first = await ref('W-200');
      expect(await ref('W-200')).toBe(first);
      expect(await ref('W-201')).not.toBe(first);
    });

    it('escapes the OrderId it echoes', async () => {
      const text = await (await post('/erp/orders', '<Order><OrderId>A&amp;B</OrderId></Order>', 'text/xml')).text();
      expect(text).toContain('<OrderId>A&amp;B</OrderId>');
    });

    it.each([
      ['malformed XML', '<Order><OrderId>W-1</OrderId>', 'application/xml', 400, /malformed XML at line 1/],
      ['not XML at all', '{"orderId":"W-1"}', 'application/xml', 400, /malformed XML/],
      ['another root element', '<Invoice><OrderId>W-1</OrderId></Invoice>', 'application/xml', 400, /expected a &lt;Order&gt; document, got &lt;Invoice&gt;/],
      ['no OrderId', '<Order><CustomerId>C-1</CustomerId></Order>', 'application/xml', 400, /non-empty &lt;OrderId&gt;/],
      ['an empty OrderId', '<Order><OrderId></OrderId><X>1</X></Order>', 'application/xml', 400, /OrderId/],
      ['a JSON content type', '<Order><OrderId>W-1</OrderId></Order>', 'application/json', 415, /XML content type/],
    ])('rejects %s', async (_name, body, contentType, status, message) => {
      const res = await post('/erp/orders', body, contentType);
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).toMatch(/<Error><Code>[A-Z_]+<\/Code><Message>/);
      expect(text).toMatch(message);
    });
  });

  describe('POST /erp/quotes', () => {
    const request = (priceList: string, lines: string) =>
      `<PriceRequest><CustomerId>C-1001</CustomerId><PriceList>${priceList}</PriceList><Currency>EUR</Currency><Lines>${lines}</Lines></PriceRequest>`;

    it('prices the lines from the catalogue at the STANDARD list', async () => {
      const res = await post('/erp/quotes', request('STANDARD', '<Line><Sku>SKU-CHAIR-01</Sku><Qty>2</Qty></Line>'));
      expect(res.status).toBe(200);
      const quote = parse(await res.text()).Quote;
      expect(quote).toEqual({
        QuoteRef: expect.stringMatching(/^QT-\d{6}$/),
        CustomerId: 'C-1001',
        PriceList: 'STANDARD',
        Currency: 'EUR',
        Lines: { Line: { Sku: 'SKU-CHAIR-01', Qty: '2', UnitPrice: '149.00', Amount: '298.00' } },
        Total: '298.00',
        ValidUntil: '2025-03-15',
      });
    });

    it('takes 10% off at the GOLD list and sums several lines', async () => {
      const lines = '<Line><Sku>SKU-DESK-01</Sku><Qty>1</Qty></Line><Line><Sku>SKU-LAMP-02</Sku><Qty>3</Qty></Line>';
      const quote = parse(await (await post('/erp/quotes', request('GOLD', lines))).text()).Quote;
      // 649 * 0.9 = 584.10; 39.90 * 0.9 = 35.91, times 3 = 107.73
      expect(quote.Total).toBe('691.83');
      expect((quote.Lines as { Line: unknown[] }).Line).toHaveLength(2);
    });

    it.each([
      ['an unknown SKU', request('GOLD', '<Line><Sku>SKU-NOPE</Sku><Qty>1</Qty></Line>'), 422, /unknown SKU SKU-NOPE/],
      ['a zero quantity', request('GOLD', '<Line><Sku>SKU-LAMP-02</Sku><Qty>0</Qty></Line>'), 422, /bad quantity/],
      ['an unknown price list', request('PLATINUM', '<Line><Sku>SKU-LAMP-02</Sku><Qty>1</Qty></Line>'), 422, /unknown price list/],
      ['no lines', request('GOLD', ''), 400, /at least one/],
      ['no customer', '<PriceRequest><Lines><Line><Sku>SKU-LAMP-02</Sku><Qty>1</Qty></Line></Lines></PriceRequest>', 400, /CustomerId/],
    ])('rejects %s', async (_name, body, status, message) => {
      const res = await post('/erp/quotes', body);
      expect(res.status).toBe(status);
      expect(await res.text()).toMatch(message);
    });
  });
});
