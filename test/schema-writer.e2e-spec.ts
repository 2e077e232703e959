import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { createClientAsync } from 'soap';
import { startTargetServer, waitUntil, type CapturedRequest, type TargetServer } from '@junction/testing';
import { envelope } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';
import { schemaErrors, validated } from './support/xsd-validate';

/**
 * JSON written through a schema, end to end, over the fixtures of test/fixtures/schema-writer (two target
 * namespaces, qualified and unqualified, anonymous types, attributes, choice, simple content, an rpc/literal WSDL):
 * - a SOAP target gets a schema-valid document (libxml2 checks every Body the stand-in ERP receives), written in
 *   schema order with attributes from JSON in another order; a body that does not fit is dead-lettered unsent;
 * - a bus SOAP service answers schema-valid responses written from JSON (called with the `soap` package's client),
 *   and a Server Fault when the JSON does not fit;
 * - rpc/literal both ways; `convert` with a schema.
 */
const FIXTURES = join(__dirname, 'fixtures', 'schema-writer');

const ROUTES = `
routes:
  - id: json-to-soap
    from: { http: { path: /orders } }
    mode: sync
    to:
      - id: erp-orders
        soap: { wsdl: schema-writer/orders.wsdl, operation: PlaceOrder, endpoint: "\${ERP_URL}/orders" }
    reply:
      - map: '{ "status": OrderAck."@status", "accepted": OrderAck.Accepted }'

  - id: json-to-soap-async
    from: { http: { path: /orders-async } }
    mode: async
    to:
      - id: erp-orders-async
        soap: { wsdl: schema-writer/orders.wsdl, operation: PlaceOrder, endpoint: "\${ERP_URL}/orders" }
        retry: { attempts: 3, backoffMs: 10 }

  - id: json-to-rpc
    from: { http: { path: /stock } }
    mode: sync
    steps:
      - map: '{ "warehouse": warehouse, "sku": sku }'
    to:
      - id: erp-stock
        soap: { wsdl: schema-writer/stock-rpc.wsdl, operation: GetStock, endpoint: "\${ERP_URL}/stock" }
    reply:
      # Canonical prefixes: the wrapper's namespace is the default, so unqualified parts carry xmlns="" (an attribute).
      - map: '{ "quantity": $number(GetStockResponse.quantity."#text"), "city": GetStockResponse.location.City }'

  - id: json-to-xml
    from: { http: { path: /acks } }
    mode: sync
    steps:
      - convert: { to: xml, schema: schema-writer/orders.xsd, element: "{urn:example:orders}OrderAck" }
    to: [{ id: ack-archive, http: { url: "\${ERP_URL}/acks" } }]

  - id: soap-orders-service
    from: { soap: { path: /soap/orders, wsdl: schema-writer/orders.wsdl } }
    mode: sync
    steps:
      - map: '{ "orderId": $number(Order.OrderId), "customer": Order.Customer.Name }'
    to: [{ id: crm, http: { url: "\${CRM_URL}/crm", format: json } }]
    reply:
      - map: >-
          customer = "broken" ? { "OrderId": orderId, "@status": "NEW" } :
          { "@status": "PAID", "Message": ["stored", "for " & customer], "ReceivedAt": 1714557600000,
            "Accepted": true, "OrderId": orderId, "Amount": 1e-7 }

  - id: soap-stock-service
    from: { soap: { path: /soap/stock, wsdl: schema-writer/stock-rpc.wsdl } }
    mode: sync
    steps:
      - map: '{ "sku": GetStock.sku."#text", "warehouse": $number(GetStock.warehouse."#text") }'
    to: [{ id: crm-stock, http: { url: "\${CRM_URL}/stock", format: json } }]
    reply:
      - map: >-
          { "location": { "Country": "FR", "@kind": "store", "City": "Lyon", "Street": "Rue " & sku },
            "checkedAt": "2024-05-01T10:00:00Z", "quantity": warehouse * 10 }
`;

/** The exact Body content of an envelope as sent (no re-serialisation). */
function bodyOf(text: string): string {
  const m = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?>([\s\S]*)<\/(?:[\w.-]+:)?Body>/.exec(text);
  if (!m) throw new Error(`no SOAP Body in ${text.slice(0, 200)}`);
  return m[1];
}

describe('JSON written through a schema (SOAP targets, SOAP services, convert)', () => {
  let erp: TargetServer;
  let crm: TargetServer;
  let bus: TestBus;
  /** Every document the stand-in ERP received, with libxml2's verdict. */
  const received: Array<{ path: string; xml: string; errors: string[] }> = [];

  beforeAll(async () => {
    const check = async (req: CapturedRequest, schema: string) => {
      const xml = req.path === '/acks' ? req.body : bodyOf(req.body);
      const errors = await schemaErrors(xml, FIXTURES, schema);
      received.push({ path: req.path, xml, errors });
      return errors;
    };
    const soapReply = (payload: string) => ({ status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: envelope('1.1', payload) });
    erp = await startTargetServer({
      respond: async (req) => {
        if (req.path === '/acks') return (await check(req, 'orders.xsd')).length ? { status: 400 } : { status: 204 };
        if (req.path === '/orders') {
          const errors = await check(req, 'orders.xsd');
          if (errors.length) return soapReply(`<s:Fault><faultcode>s:Client</faultcode><faultstring>${errors[0].replace(/[<&]/g, ' ')}</faultstring></s:Fault>`);
          return soapReply('<a:OrderAck xmlns:a="urn:example:orders" status="NEW"><a:OrderId>1</a:OrderId><a:Accepted>true</a:Accepted><a:ReceivedAt>2024-05-01T10:00:00Z</a:ReceivedAt></a:OrderAck>');
        }
        const errors = await check(req, 'stock-rpc-wrappers.xsd');
        if (errors.length) return soapReply(`<s:Fault><faultcode>s:Client</faultcode><faultstring>invalid</faultstring></s:Fault>`);
        return soapReply(
          '<r:GetStockResponse xmlns:r="urn:example:stock"><quantity>12</quantity><checkedAt>2024-05-01T10:00:00Z</checkedAt>' +
            '<location><Street>Dam 1</Street><City>Amsterdam</City><Country>NL</Country></location></r:GetStockResponse>',
        );
      },
    });
    crm = await startTargetServer({ respond: (req) => ({ body: req.json as object }) });
    bus = await startTestBus({ routes: {}, env: { ERP_URL: erp.url, CRM_URL: crm.url } });
    cpSync(FIXTURES, join(bus.routesDir, 'schema-writer'), { recursive: true });
    bus.writeRoute('schema-writer.yaml', ROUTES);
    expect((await post(`${bus.url}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 6 });
  });

  afterAll(async () => {
    console.log(`schema writer e2e: ${received.length} documents received by the SOAP/HTTP stand-in, ${validated.documents} validated by libxml2`);
    await bus?.destroy();
    await erp?.close();
    await crm?.close();
  });

  /** An order in JSON key order unlike the schema's, attributes given last. */
  const order = (id: number, name: string | undefined) => ({
    Status: 'NEW',
    Paid: 'false',
    Total: { '#text': 25, '@currency': 'EUR' },
    Lines: { Line: [{ Price: { '@currency': 'EUR', '#text': 12.5 }, Quantity: 2, Sku: 'A-1', '@lineNo': 1 }] },
    Customer: { Address: { Country: 'DE', City: 'Berlin', Street: 'Str. 1' }, Contact: { Fax: '030 1' }, ...(name ? { Name: name } : {}), '@vip': true },
    Placed: '2024-05-01T10:00:00Z',
    OrderId: id,
    '@id': `ord-${id}`,
  });

  test('a SOAP target receives a schema-valid request: attributes, schema order, both namespaces', async () => {
    const res = await post(`${bus.url}/orders`, order(1, 'Ada'));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'NEW', accepted: 'true' });
    const got = received.filter((r) => r.path === '/orders');
    expect(got).toHaveLength(1);
    expect(got[0].errors).toEqual([]);
    expect(got[0].xml).toMatch(/^<o:Order xmlns:o="urn:example:orders" id="ord-1"><o:OrderId>1<\/o:OrderId><o:Placed>/);
    expect(got[0].xml).toContain('<o:Customer vip="true"><o:Name>Ada</o:Name><o:Contact><o:Fax>030 1</o:Fax></o:Contact><o:Address><Street>Str. 1</Street>');
  });

  test('a body that does not fit the schema is dead-lettered before anything is sent, not retried', async () => {
    const before = erp.count('/orders');
    const res = await post(`${bus.url}/orders-async`, order(2, undefined));
    expect(res.status).toBe(202);
    const id = res.json.messageId as string;
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${id}`)).status === 'dead', 20_000, `${id} dead`);
    const journal = await getJson(`${bus.url}/admin/messages/${id}`);
    expect(journal.deliveries[0].attempts).toHaveLength(1);
    expect(journal.deliveries[0].attempts[0]).toMatchObject({ ok: false, errorCode: 'XML_SCHEMA_MISMATCH' });
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=json-to-soap-async`);
    const letter = letters.find((l: { messageId: string }) => l.messageId === id);
    expect(letter.reason).toMatchObject({ code: 'XML_SCHEMA_MISMATCH', message: expect.stringContaining('Order.Customer.Name: the element is required') });
    expect(erp.count('/orders')).toBe(before);
  });

  test('a SOAP target calls an rpc/literal operation: wrapper in the body namespace, unqualified parts', async () => {
    const res = await post(`${bus.url}/stock`, { sku: 'A-1', warehouse: 3 });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ quantity: 12, city: 'Amsterdam' });
    const got = received.filter((r) => r.path === '/stock');
    expect(got.map((r) => [r.xml, r.errors])).toEqual([
      ['<tns:GetStock xmlns:tns="urn:example:stock"><sku>A-1</sku><warehouse>3</warehouse></tns:GetStock>', []],
    ]);
  });

  test('convert with a schema writes a schema-valid document', async () => {
    const res = await post(`${bus.url}/acks`, { Accepted: false, OrderId: 7, ReceivedAt: 0, '@status': 'SHIPPED' });
    expect(res.status).toBe(204);
    const got = received.filter((r) => r.path === '/acks');
    expect(got).toHaveLength(1);
    expect(got[0].errors).toEqual([]);
  });

  test('a bus SOAP service writes its JSON reply as a schema-valid response (soap package client)', async () => {
    const client = await createClientAsync(`${bus.url}/soap/orders?wsdl`);
    const [result] = await client.PlaceOrderAsync({
      attributes: { id: 'ord-9' },
      OrderId: 9,
      Placed: '2024-05-01T10:00:00Z',
      Customer: { Name: 'Grace', Contact: { Phone: '1' }, Address: { Street: 'S', City: 'C', Country: 'NL' } },
      Lines: { Line: [{ attributes: { lineNo: 1 }, Sku: 'A', Quantity: 1, Price: { attributes: { currency: 'EUR' }, $value: '1.00' } }] },
      Total: { attributes: { currency: 'EUR' }, $value: '1.00' },
      Paid: true,
      Status: 'NEW',
    });
    const response = bodyOf(client.lastResponse as string);
    expect(await schemaErrors(response, FIXTURES, 'orders.xsd')).toEqual([]);
    expect(response).toBe(
      '<o:OrderAck xmlns:o="urn:example:orders" status="PAID"><o:OrderId>9</o:OrderId><o:Accepted>true</o:Accepted>' +
        '<o:ReceivedAt>2024-05-01T10:00:00.000Z</o:ReceivedAt><o:Amount>0.0000001</o:Amount><o:Message>stored</o:Message><o:Message>for Grace</o:Message></o:OrderAck>',
    );
    expect(result).toMatchObject({ OrderId: 9, Accepted: true, Message: ['stored', 'for Grace'] });
  });

  test('a reply that does not fit the schema is a Server Fault naming the path, with the message id', async () => {
    const client = await createClientAsync(`${bus.url}/soap/orders?wsdl`);
    const args = {
      attributes: { id: 'ord-10' },
      OrderId: 10,
      Placed: '2024-05-01T10:00:00Z',
      Customer: { Name: 'broken', Contact: { Phone: '1' }, Address: { Street: 'S', City: 'C', Country: 'NL' } },
      Lines: { Line: [{ attributes: { lineNo: 1 }, Sku: 'A', Quantity: 1, Price: { attributes: { currency: 'EUR' }, $value: '1.00' } }] },
      Total: { attributes: { currency: 'EUR' }, $value: '1.00' },
      Paid: true,
      Status: 'NEW',
    };
    const err = await client.PlaceOrderAsync(args).then(
      () => undefined,
      (e: { response?: { status: number; headers: Record<string, string> }; body?: string }) => e,
    );
    expect(err?.response?.status).toBe(500);
    expect(err?.body).toContain('soap:Server');
    // The sync exchange is journaled dead with the reason the reply could not be written (see the truthful journal).
    expect(err?.body).toContain('REPLY_UNWRITABLE');
    expect(err?.body).toContain('OrderAck.Accepted: the element is required');
    expect(err?.response?.headers['x-message-id']).toMatch(/./);
  });

  test('a bus SOAP service answers an rpc/literal operation (soap package client)', async () => {
    const client = await createClientAsync(`${bus.url}/soap/stock?wsdl`);
    const [result] = await client.GetStockAsync({ sku: 'B-2', warehouse: 4 });
    const response = bodyOf(client.lastResponse as string);
    expect(await schemaErrors(response, FIXTURES, 'stock-rpc-wrappers.xsd')).toEqual([]);
    expect(response).toBe(
      '<tns:GetStockResponse xmlns:tns="urn:example:stock"><quantity>40</quantity><checkedAt>2024-05-01T10:00:00Z</checkedAt>' +
        '<location kind="store"><Street>Rue B-2</Street><City>Lyon</City><Country>FR</Country></location></tns:GetStockResponse>',
    );
    expect(result).toMatchObject({ quantity: 40, location: { City: 'Lyon' } });
    expect(crm.requests.filter((r) => r.path === '/stock').map((r) => r.json)).toEqual([{ sku: 'B-2', warehouse: 4 }]);
  });
});
