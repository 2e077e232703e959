import { createClientAsync, WSSecurity } from 'soap';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { copyWsdlFixtures, envelope, ORDERS_NS, placeOrder, postSoap } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/** A SOAP service published by the bus and bridged to REST targets: real SOAP clients and raw envelopes. */
const ROUTES = `
routes:
  - id: soap-orders
    description: the order service of a legacy system, bridged to a REST order API
    from:
      soap: { path: /soap/orders, wsdl: wsdl/order-service.wsdl }
    mode: sync
    xml: { arrays: [PlaceOrder.Order.Line] }
    steps:
      - choice:
          when:
            - if: "$headers.'soap-operation' = 'PlaceOrder'"
              steps:
                - validate:
                    schema:
                      type: object
                      properties:
                        PlaceOrder:
                          type: object
                          properties:
                            Order: { type: object, properties: { CustomerId: { type: string, minLength: 1 } } }
                - map: >-
                    { "orderId": PlaceOrder.Order.OrderId, "customer": PlaceOrder.Order.CustomerId,
                      "lines": [PlaceOrder.Order.Line.{ "sku": Sku, "qty": $number(Quantity) }] }
              to: [{ id: rest-orders, http: { url: "\${TARGET_URL}/place", format: json } }]
            - if: "$headers.'soap-operation' = 'GetOrder'"
              to: [{ id: rest-get, http: { url: "\${TARGET_URL}/broken", format: json }, retry: { attempts: 1 } }]
            - if: "$headers.'soap-operation' = 'CancelOrder'"
              to: [{ id: rest-cancel, http: { url: "\${TARGET_URL}/cancel", format: json } }]
    reply:
      - map: '{ "OrderId": orderId, "Status": status, "Total": total }'

  - id: soap-secure
    description: the same service behind WS-Security
    from:
      soap:
        path: /soap/secure
        wsdl: wsdl/order-service.wsdl
        security: { usernameToken: { users: { legacy: "\${LEGACY_PASSWORD}" } } }
        ack: '{ "OrderId": PlaceOrder.Order.OrderId, "Status": "ACCEPTED", "Total": 0 }'
    mode: async
    to: [{ id: secure-sink, http: { url: "\${TARGET_URL}/secure" } }]
`;

describe('SOAP ingress', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        if (req.path === '/broken') return { status: 500 };
        const order = req.json as { orderId?: string; lines?: Array<{ qty: number }> } | undefined;
        if (req.path === '/place') return { body: { orderId: order?.orderId, status: 'ACCEPTED', total: 12.5 } };
        return { body: { ok: true } };
      },
    });
    bus = await startTestBus({ routes: {}, env: { TARGET_URL: target.url, LEGACY_PASSWORD: 's3cret-pw' } });
    copyWsdlFixtures(bus.routesDir);
    bus.writeRoute('soap.yaml', ROUTES);
    const reload = (await post(`${bus.url}/admin/routes/reload`, {})).json;
    expect(reload).toMatchObject({ ok: true, routes: 2 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('publishes the WSDL with its address and imports pointing at the bus', async () => {
    const wsdl = await (await fetch(`${bus.url}/soap/orders?wsdl`)).text();
    expect(wsdl).toContain(`location="${bus.url}/soap/orders"`);
    expect(wsdl).not.toContain('legacy.example.com');
    expect(wsdl).toContain(`schemaLocation="${bus.url}/soap/orders?xsd=1"`);
    const xsd = await fetch(`${bus.url}/soap/orders?xsd=1`);
    expect(xsd.status).toBe(200);
    expect(await xsd.text()).toContain('name="PlaceOrder"');
  });

  test('a soap client that knows only the published WSDL calls through the bus and gets the response', async () => {
    const client = await createClientAsync(`${bus.url}/soap/orders?wsdl`);
    const [result] = await client.PlaceOrderAsync({
      Order: { OrderId: 'A-1', CustomerId: 'C-9', Currency: 'EUR', Line: [{ Sku: 'S-1', Quantity: 2, UnitPrice: 3.5 }] },
    });
    expect(result).toMatchObject({ OrderId: 'A-1', Status: 'ACCEPTED' });
    expect(Number(result.Total)).toBe(12.5);
    const seen = target.requests.find((r) => r.path === '/place' && (r.json as { orderId: string }).orderId === 'A-1')!;
    expect(seen.json).toEqual({ orderId: 'A-1', customer: 'C-9', lines: [{ sku: 'S-1', qty: 2 }] });
  });

  test.each(['1.1', '1.2'] as const)('raw SOAP %s: the response comes back in the same version', async (version) => {
    const action = version === '1.1' ? 'http://example.com/orders/PlaceOrder' : 'urn:orders:PlaceOrder12';
    const res = await postSoap(`${bus.url}/soap/orders`, version, envelope(version, placeOrder(`R-${version}`, 'C-2', 'zz')), action);
    expect(res.status).toBe(200);
    expect(res.contentType).toContain(version === '1.1' ? 'text/xml' : 'application/soap+xml');
    expect(res.text).toContain(version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope');
    expect(res.text).toMatch(new RegExp(`<(\\w+:)?PlaceOrderResponse[^>]*xmlns(:\\w+)?="${ORDERS_NS}"`));
    expect(res.text).toMatch(/<(\w+:)?OrderId>R-1\.[12]<\/(\w+:)?OrderId><(\w+:)?Status>ACCEPTED</);
    // the caller's prefix (zz) did not reach the route: the mapping named plain element names
    const seen = target.requests.find((r) => (r.json as { orderId?: string })?.orderId === `R-${version}`);
    expect(seen?.json).toMatchObject({ customer: 'C-2' });
  });

  test('SOAP header blocks become message headers that go on to the target', async () => {
    const headerBlock = '<h:Channel xmlns:h="urn:legacy:headers">branch-42</h:Channel>';
    const res = await postSoap(`${bus.url}/soap/orders`, '1.1', envelope('1.1', placeOrder('HDR-1'), headerBlock));
    expect(res.status).toBe(200);
    const seen = target.requests.find((r) => (r.json as { orderId?: string })?.orderId === 'HDR-1')!;
    expect(seen.headers).toMatchObject({ 'soap-header-channel': 'branch-42', 'soap-operation': 'PlaceOrder', 'soap-version': '1.1' });
  });

  test('the operation is chosen by the Body element when the action is absent', async () => {
    const res = await postSoap(`${bus.url}/soap/orders`, '1.1', envelope('1.1', placeOrder('NOACT')));
    expect(res.status).toBe(200);
    expect(res.text).toContain('NOACT');
  });

  test('a one-way operation is acknowledged with 202 and delivered', async () => {
    const cancel = `<c:CancelOrder xmlns:c="${ORDERS_NS}"><c:OrderId>X-1</c:OrderId></c:CancelOrder>`;
    const res = await postSoap(`${bus.url}/soap/orders`, '1.2', envelope('1.2', cancel));
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(target.requests.filter((r) => r.path === '/cancel' && r.headers['x-message-id'] === res.messageId)).toHaveLength(1);
  });

  const faults: Array<[string, '1.1' | '1.2', string, number, RegExp, string]> = [
    ['not an envelope (1.1)', '1.1', '<hello/>', 500, /<faultcode>soap:Client<\/faultcode>/, 'SOAP_NOT_ENVELOPE'],
    ['not an envelope (1.2)', '1.2', '<hello/>', 400, /env:Sender/, 'SOAP_NOT_ENVELOPE'],
    ['malformed XML', '1.2', '<s:Envelope', 400, /env:Sender/, 'XML_MALFORMED'],
    ['an unknown operation', '1.1', envelope('1.1', '<x:Nope xmlns:x="urn:nope"/>'), 500, /soap:Client/, 'SOAP_UNKNOWN_OPERATION'],
    ['a validation failure', '1.2', envelope('1.2', placeOrder('V-1', '')), 400, /env:Sender/, 'VALIDATION_FAILED'],
    ['a target failure', '1.1', envelope('1.1', `<g:GetOrder xmlns:g="${ORDERS_NS}"><g:OrderId>G</g:OrderId></g:GetOrder>`), 500, /soap:Server/, 'HTTP_500'],
    ['a target failure (1.2)', '1.2', envelope('1.2', `<g:GetOrder xmlns:g="${ORDERS_NS}"><g:OrderId>G</g:OrderId></g:GetOrder>`), 500, /env:Receiver/, 'HTTP_500'],
    ['a SOAP 1.1 envelope sent as 1.2', '1.2', envelope('1.1', placeOrder('M-1')), 400, /env:Sender/, 'SOAP_VERSION_MISMATCH'],
  ];
  test.each(faults)('%s gives a Fault of the caller version', async (_what, version, body, status, code, busCode) => {
    const res = await postSoap(`${bus.url}/soap/orders`, version, body);
    expect(res.status).toBe(status);
    expect(res.contentType).toContain(version === '1.1' ? 'text/xml' : 'application/soap+xml');
    expect(res.text).toMatch(code);
    expect(res.text).toContain(busCode);
    expect(res.text).not.toMatch(/\n\s+at |Error:/);
  });

  test('a fault after the message got its id carries that id; the message is journaled and dead-lettered', async () => {
    const res = await postSoap(`${bus.url}/soap/orders`, '1.2', envelope('1.2', placeOrder('V-2', '')));
    expect(res.messageId).toBeTruthy();
    expect(res.text).toContain(`<j:messageId>${res.messageId}</j:messageId>`);
    const record = await getJson(`${bus.url}/admin/messages/${res.messageId}`);
    expect(record).toMatchObject({ status: 'dead', sourceKind: 'soap' });
  });

  describe('WS-Security UsernameToken', () => {
    const url = () => `${bus.url}/soap/secure`;

    test('a client with the right password (digest) is accepted, and the async route acknowledges at once', async () => {
      const client = await createClientAsync(`${url()}?wsdl`);
      client.setSecurity(new WSSecurity('legacy', 's3cret-pw', { passwordType: 'PasswordDigest' }));
      const [result] = await client.PlaceOrderAsync({
        Order: { OrderId: 'S-1', CustomerId: 'C-1', Currency: 'EUR', Line: [{ Sku: 'S-1', Quantity: 1, UnitPrice: 1 }] },
      });
      expect(result).toMatchObject({ OrderId: 'S-1', Status: 'ACCEPTED' });
      await waitUntil(() => target.requests.some((r) => r.path === '/secure' && r.body.includes('S-1')), 10_000, 'secure delivery');
    });

    test('a wrong password is refused with a Client fault and nothing is delivered', async () => {
      const client = await createClientAsync(`${url()}?wsdl`);
      client.setSecurity(new WSSecurity('legacy', 'wrong', { passwordType: 'PasswordDigest' }));
      await expect(
        client.PlaceOrderAsync({ Order: { OrderId: 'S-2', CustomerId: 'C', Currency: 'EUR', Line: [{ Sku: 'S', Quantity: 1, UnitPrice: 1 }] } }),
      ).rejects.toMatchObject({ root: { Envelope: { Body: { Fault: { faultcode: 'soap:Client' } } } } });
      expect(target.requests.some((r) => r.body.includes('S-2'))).toBe(false);
    });

    test('a replayed nonce is refused', async () => {
      const { usernameTokenHeader } = await import('@junction/connectors');
      const header = usernameTokenHeader({ username: 'legacy', password: 's3cret-pw', digest: true });
      const body = envelope('1.1', placeOrder('S-3'), header);
      const first = await postSoap(url(), '1.1', body);
      expect(first.status).toBe(200);
      const again = await postSoap(url(), '1.1', body);
      expect(again.status).toBe(500);
      expect(again.text).toContain('WSSE_REPLAY');
    });

    test('a token created too long ago is refused', async () => {
      const { usernameTokenHeader } = await import('@junction/connectors');
      const stale = usernameTokenHeader({ username: 'legacy', password: 's3cret-pw', digest: true, now: () => Date.now() - 15 * 60_000 });
      const res = await postSoap(url(), '1.2', envelope('1.2', placeOrder('S-5'), stale));
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/WSSE_EXPIRED/);
      expect(target.requests.some((r) => r.body.includes('S-5'))).toBe(false);
    });

    test('no token at all is refused', async () => {
      const res = await postSoap(url(), '1.1', envelope('1.1', placeOrder('S-4')));
      expect(res.status).toBe(500);
      expect(res.text).toContain('WSSE_MISSING');
    });
  });
});
