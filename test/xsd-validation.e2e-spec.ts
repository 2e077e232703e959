import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { xsdCounts } from '@junction/transform';
import { postSoap } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * XSD validation on the real bus over real HTTP: the `validate: { xsd }` step (the fixtures' schemas: two target
 * namespaces, qualified and unqualified, attributes, nested anonymous types, a choice, optional and repeated
 * elements), and `validate` on a SOAP source and a SOAP target against the WSDL's own schemas. A caller's invalid
 * input is refused with every violation and its line (422 problem, Client Fault) and journaled as dead; a payload the
 * bus itself is about to send is dead-lettered with the violations; nothing invalid reaches a target.
 */
const ROUTES = `
routes:
  - id: xml-orders
    from: { http: { path: /orders } }
    mode: sync
    steps:
      - validate: { xsd: xsd/orders.xsd }
    to:
      - id: sink
        http: { url: "\${TARGET_URL}/sink" }

  - id: json-orders
    from: { http: { path: /orders-json } }
    mode: async
    steps:
      - map: >-
          { "o:Order": { "@xmlns:o": "urn:example:orders", "@xmlns:c": "urn:example:customer", "@id": id,
            "c:Customer": { "Name": name }, "o:Status": status,
            "o:Lines": { "o:Line": { "@no": "1", "o:Sku": "S-1", "o:Qty": "1" } }, "o:Invoice": "INV" } }
      - convert: { to: xml }
      - validate: { xsd: xsd/orders.xsd }
    to:
      - id: sink
        http: { url: "\${TARGET_URL}/sink-json" }

  - id: soap-orders
    from: { soap: { path: /soap/orders, wsdl: xsd/service.wsdl, validate: request } }
    mode: sync
    to:
      - id: erp
        http: { url: "\${TARGET_URL}/soap-sink" }
    reply:
      - map: '{ "OrderId": orderId, "Status": status }'

  - id: soap-bad-response
    from: { soap: { path: /soap/orders-r, wsdl: xsd/service.wsdl, validate: response } }
    mode: sync
    to:
      - id: erp
        http: { url: "\${TARGET_URL}/soap-sink-lost" }

  - id: soap-async-ack
    from:
      soap:
        path: /soap/orders-async
        wsdl: xsd/service.wsdl
        validate: both
        ack: '{ "OrderId": $messageId, "Status": "new", "Note": Order.Status = "new" ? "ok" : "a note too long for it" }'
    mode: async
    to:
      - id: sink
        http: { url: "\${TARGET_URL}/async-sink" }

  - id: to-erp
    from: { http: { path: /to-erp } }
    mode: async
    to:
      - id: erp
        soap: { wsdl: xsd/service.wsdl, operation: PlaceOrder, endpoint: "\${TARGET_URL}/soap-erp", validate: both }
        retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 20 }

  - id: to-erp-bad-reply
    from: { http: { path: /to-erp-bad-reply } }
    mode: async
    to:
      - id: erp
        soap: { wsdl: xsd/service.wsdl, operation: PlaceOrder, endpoint: "\${TARGET_URL}/soap-erp-lost", validate: response }
        retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 20 }
`;

/** An order of the fixtures' schema; `bad` puts a status outside the enumeration, an undeclared element and a line
 *  without its required Qty (lines 4, 6 and 8). */
function order(id: string, bad = false): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<o:Order xmlns:o="urn:example:orders" xmlns:c="urn:example:customer" id="${id}">`,
    '  <c:Customer vip="true"><Name>Ada</Name><Phone>1</Phone><Phone>2</Phone></c:Customer>',
    `  <o:Status>${bad ? 'lost' : 'new'}</o:Status>`,
    '  <o:Lines>',
    bad ? '    <o:Line no="1"><o:Sku>S-1</o:Sku><o:Colour>red</o:Colour></o:Line>' : '    <o:Line no="1"><o:Sku>S-1</o:Sku><o:Qty>2</o:Qty></o:Line>',
    '  </o:Lines>',
    bad ? '  <o:Card last4="1234"/><o:Gift>yes</o:Gift>' : '  <o:Card last4="1234"/>',
    '</o:Order>',
  ].join('\n');
}

const FIXTURE_FILES = ['orders.xsd', 'common/customer.xsd', 'service.wsdl'];

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

/** A SOAP 1.1 envelope around a payload (without its declaration) that starts on line 4. */
function envelope(payload: string): string {
  const body = payload.replace(/^<\?xml[^>]*>\n/, '');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${SOAP11}">\n<soap:Body>\n${body}\n</soap:Body>\n</soap:Envelope>`;
}

function response(status: string): string {
  return (
    `<soap:Envelope xmlns:soap="${SOAP11}"><soap:Body>` +
    `<svc:PlaceOrderResponse xmlns:svc="urn:example:order-service"><svc:OrderId>A-1</svc:OrderId>\n<svc:Status>${status}</svc:Status></svc:PlaceOrderResponse>` +
    '</soap:Body></soap:Envelope>'
  );
}

/** The `j:error` entries of a Fault's detail. */
function faultErrors(fault: string): string[] {
  return [...fault.matchAll(/<j:error>([^<]*)<\/j:error>/g)].map((m) => m[1].replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
}

describe('XSD validation (libxml2) on the real bus', () => {
  let target: TargetServer;
  let bus: TestBus;
  const counts = { documents: 0, refused: 0, violations: 0 };
  const before = { ...xsdCounts };

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        if (req.path === '/soap-sink') return { body: { orderId: 'A-1', status: 'paid' } };
        // The response element as XML: written as it is, so that only the validator stands between it and the caller.
        if (req.path === '/soap-sink-lost') {
          const xml = '<r:PlaceOrderResponse xmlns:r="urn:example:order-service"><r:OrderId>A-1</r:OrderId><r:Status>lost</r:Status></r:PlaceOrderResponse>';
          return { headers: { 'content-type': 'text/xml; charset=utf-8' }, body: xml };
        }
        if (req.path === '/soap-erp') return { headers: { 'content-type': 'text/xml; charset=utf-8' }, body: response('new') };
        if (req.path === '/soap-erp-lost') return { headers: { 'content-type': 'text/xml; charset=utf-8' }, body: response('lost') };
        return { body: { ok: true } };
      },
    });
    // The fixtures sit in the route folder, beside the route file that names them.
    const fixtures = Object.fromEntries(FIXTURE_FILES.map((f) => [`xsd/${f}`, readFileSync(join(__dirname, 'fixtures', 'xsd-validation', f), 'utf8')]));
    bus = await startTestBus({ routes: { 'xsd.yaml': ROUTES, ...fixtures }, env: { TARGET_URL: target.url, SYNC_TIMEOUT_MS: '20000' } });
  });
  afterAll(async () => {
    // The bus runs in this process: xsdCounts are its validators' own.
    console.log(
      `XSD e2e: ${counts.documents} documents sent to the bus, ${counts.refused} refused or dead-lettered, ${counts.violations} violations listed; ` +
        `the bus validated (requests and replies) ${xsdCounts.documents - before.documents} documents and found ${xsdCounts.violations - before.violations} violations`,
    );
    await bus?.destroy();
    await target?.close();
  });

  const journal = async (id: string) => await getJson(`${bus.url}/admin/messages/${id}`);
  const deadLetter = async (route: string, messageId: string) => {
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=${route}`);
    return letters.find((l: { messageId: string }) => l.messageId === messageId);
  };

  test('HTTP: a valid order is delivered to the target; an invalid one gets 422 listing every violation with its line', async () => {
    const ok = await post(`${bus.url}/orders`, order('A-1'));
    counts.documents++;
    expect(ok.status).toBe(200);
    expect(target.requests.filter((r) => r.path === '/sink').map((r) => r.body)).toEqual([order('A-1')]);

    const bad = await post(`${bus.url}/orders`, order('A-2', true));
    counts.documents++;
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.json).toMatchObject({ status: 422, code: 'VALIDATION_FAILED', messageId: expect.any(String) });
    const errors: string[] = bad.json.errors;
    expect(errors).toEqual([
      expect.stringMatching(/^line 4: Element '\{urn:example:orders\}Status': \[facet 'enumeration'\] The value 'lost' is not an element of the set/),
      expect.stringMatching(/^line 6: Element '\{urn:example:orders\}Colour': This element is not expected\. Expected is \( \{urn:example:orders\}Qty \)/),
      expect.stringMatching(/^line 8: Element '\{urn:example:orders\}Gift': This element is not expected/),
    ]);
    counts.refused++;
    counts.violations += errors.length;
    expect(target.requests.filter((r) => r.path === '/sink')).toHaveLength(1);

    const record = await journal(bad.json.messageId);
    expect(record).toMatchObject({ status: 'dead', routeId: 'xml-orders' });
    const letter = await deadLetter('xml-orders', bad.json.messageId);
    expect(letter.reason.code).toBe('VALIDATION_FAILED');
    for (const line of [4, 6, 8]) expect(letter.reason.message).toContain(`line ${line}: `);
  });

  test('a document the route produced (map, convert to XML) that does not match is dead-lettered, never sent', async () => {
    const good = await post(`${bus.url}/orders-json`, { id: 'J-1', name: 'Ada', status: 'paid' });
    const bad = await post(`${bus.url}/orders-json`, { id: 'J-2', name: 'Bob', status: 'lost' });
    counts.documents += 2;
    expect([good.status, bad.status]).toEqual([202, 202]);
    await waitUntil(async () => (await journal(good.json.messageId)).status === 'delivered', 20_000, 'the valid order delivered');
    await waitUntil(async () => (await journal(bad.json.messageId)).status === 'dead', 20_000, 'the invalid order dead');
    const sent = target.requests.filter((r) => r.path === '/sink-json');
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toContain('id="J-1"');
    const letter = await deadLetter('json-orders', bad.json.messageId);
    expect(letter.reason).toMatchObject({ code: 'XSD_OUTPUT_INVALID', message: expect.stringMatching(/line 1: .*The value 'lost'/) });
    counts.refused++;
    counts.violations++;
  });

  test('SOAP source, validate: request: a Client Fault lists every violation with its line in the envelope; the target gets nothing', async () => {
    const ok = await postSoap(`${bus.url}/soap/orders`, '1.1', envelope(order('S-1')), 'urn:example:order-service/PlaceOrder');
    counts.documents++;
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/<[\w:]*OrderId>A-1<\/[\w:]*OrderId>/);
    expect(target.requests.filter((r) => r.path === '/soap-sink')).toHaveLength(1);

    const bad = await postSoap(`${bus.url}/soap/orders`, '1.1', envelope(order('S-2', true)), 'urn:example:order-service/PlaceOrder');
    counts.documents++;
    expect(bad.status).toBe(500);
    expect(bad.text).toContain('<faultcode>soap:Client</faultcode>');
    const errors = faultErrors(bad.text);
    // The envelope puts the payload's first line on line 4: the order's lines 4, 6 and 8 are the envelope's 6, 8, 10.
    expect(errors).toEqual([
      expect.stringMatching(/^line 6: .*Status.*The value 'lost'/),
      expect.stringMatching(/^line 8: .*Colour': This element is not expected/),
      expect.stringMatching(/^line 10: .*Gift': This element is not expected/),
    ]);
    counts.refused++;
    counts.violations += errors.length;
    expect(target.requests.filter((r) => r.path === '/soap-sink')).toHaveLength(1);
    expect(bad.messageId).toBeTruthy();
    expect(await journal(bad.messageId!)).toMatchObject({ status: 'dead', routeId: 'soap-orders' });

    // SOAP 1.2: a Sender Fault (HTTP 400) with the same violations.
    const env12 = envelope(order('S-3', true)).replace(SOAP11, 'http://www.w3.org/2003/05/soap-envelope');
    const bad12 = await postSoap(`${bus.url}/soap/orders`, '1.2', env12);
    counts.documents++;
    expect(bad12.status).toBe(400);
    expect(bad12.text).toContain('<env:Value>env:Sender</env:Value>');
    expect(faultErrors(bad12.text).map((e) => e.slice(0, 8))).toEqual(['line 6: ', 'line 8: ', 'line 10:']);
    counts.refused++;
    counts.violations += 3;
    expect(target.requests.filter((r) => r.path === '/soap-sink')).toHaveLength(1);
  });

  test('SOAP source, validate: response: a target reply that is an invalid response element gets a Server Fault and the message is dead', async () => {
    const res = await postSoap(`${bus.url}/soap/orders-r`, '1.1', envelope(order('R-1')), 'urn:example:order-service/PlaceOrder');
    counts.documents++;
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(res.text).toContain('SOAP_RESPONSE_INVALID');
    expect(res.text).toContain('lost');
    expect(target.requests.filter((r) => r.path === '/soap-sink-lost')).toHaveLength(1);
    const record = await journal(res.messageId!);
    expect(record.status).toBe('dead');
    const letter = await deadLetter('soap-bad-response', res.messageId!);
    expect(letter.reason).toMatchObject({ code: 'SOAP_RESPONSE_INVALID', message: expect.stringContaining("The value 'lost'") });
    counts.refused++;
    counts.violations++;
  });

  test('SOAP source on an async route: an ack response that does not match is a Server Fault, and the message is refused, never delivered', async () => {
    const ok = await postSoap(`${bus.url}/soap/orders-async`, '1.1', envelope(order('Y-1')), 'urn:example:order-service/PlaceOrder');
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/<[\w:]*Status>new<\/[\w:]*Status>/);
    const odd = envelope(order('Y-2')).replace('<o:Status>new</o:Status>', '<o:Status>paid</o:Status>');
    const res = await postSoap(`${bus.url}/soap/orders-async`, '1.1', odd, 'urn:example:order-service/PlaceOrder');
    counts.documents += 2;
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(res.text).toContain('SOAP_RESPONSE_INVALID');
    expect(res.text).toContain('Note');
    // A caller that got a Fault must not find its message accepted: it is journaled dead with the reason.
    await waitUntil(async () => (await journal(ok.messageId!)).status === 'delivered', 20_000, 'the matching message delivered');
    const refused = await journal(res.messageId!);
    expect(refused.status).toBe('dead');
    expect(JSON.stringify(refused)).toContain('SOAP_RESPONSE_INVALID');
    expect(target.requests.filter((r) => r.path === '/async-sink')).toHaveLength(1);
    counts.violations++;
  });

  test('SOAP target, validate: request: an invalid payload is dead-lettered with its violations and never sent', async () => {
    const good = await post(`${bus.url}/to-erp`, order('T-1'));
    const bad = await post(`${bus.url}/to-erp`, order('T-2', true));
    counts.documents += 2;
    expect([good.status, bad.status]).toEqual([202, 202]);
    await waitUntil(async () => (await journal(good.json.messageId)).status === 'delivered', 20_000, 'the valid order delivered');
    await waitUntil(async () => (await journal(bad.json.messageId)).status === 'dead', 20_000, 'the invalid order dead');
    const sent = target.requests.filter((r) => r.path === '/soap-erp');
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toContain('id="T-1"');
    const letter = await deadLetter('to-erp', bad.json.messageId);
    expect(letter.reason.code).toBe('SOAP_REQUEST_INVALID');
    for (const text of ["line 4: Element '{urn:example:orders}Status'", "line 6: Element '{urn:example:orders}Colour'", "line 8: Element '{urn:example:orders}Gift'"]) {
      expect(letter.reason.message).toContain(text);
    }
    const record = await journal(bad.json.messageId);
    expect(record.deliveries[0].attempts).toHaveLength(1);
    counts.refused++;
    counts.violations += 3;
  });

  test('SOAP target, validate: response: an invalid reply is a delivery failure that is not retried', async () => {
    const res = await post(`${bus.url}/to-erp-bad-reply`, order('T-3'));
    counts.documents++;
    await waitUntil(async () => (await journal(res.json.messageId)).status === 'dead', 20_000, 'the message dead');
    expect(target.requests.filter((r) => r.path === '/soap-erp-lost')).toHaveLength(1);
    const letter = await deadLetter('to-erp-bad-reply', res.json.messageId);
    expect(letter.reason).toMatchObject({ code: 'SOAP_RESPONSE_INVALID', message: expect.stringMatching(/line 2: .*The value 'lost'/) });
    counts.refused++;
    counts.violations++;
  });
});
