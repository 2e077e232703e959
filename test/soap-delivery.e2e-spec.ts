import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as soap from 'soap';
import { NonceCache, parseEnvelope, SecurityError, verifyUsernameToken } from '@junction/connectors';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { createXmlCodec } from '@junction/transform';
import { copyWsdlFixtures, envelope, ORDERS_NS, WSDL_FIXTURES } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * REST -> SOAP: routes deliver to a real SOAP server (the `soap` package) given by its WSDL; the server checks
 * WS-Security with our verifier. Faults decide retries: Server faults are retried, Client faults dead-lettered at
 * once, and a Fault is recognised also when it comes with HTTP 200.
 */
const ROUTES = `
routes:
  - id: web-to-erp
    from: { http: { path: /orders } }
    mode: sync
    steps:
      - map: >-
          { "Order": { "OrderId": id, "CustomerId": customer, "Currency": "EUR",
            "Line": [lines.{ "Sku": sku, "Quantity": qty, "UnitPrice": price }] } }
    to:
      - id: erp
        soap:
          wsdl: wsdl/order-service.wsdl
          operation: PlaceOrder
          endpoint: "\${SOAP_URL}/erp"
          security: { usernameToken: { username: junction, password: "\${ERP_PASSWORD}" } }
        retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 20 }
    reply:
      - map: '{ "orderId": PlaceOrderResponse.OrderId, "status": PlaceOrderResponse.Status, "total": $number(PlaceOrderResponse.Total) }'

  - id: web-to-erp-async
    from: { http: { path: /orders-async } }
    mode: async
    steps:
      - map: '{ "Order": { "OrderId": id, "CustomerId": "C", "Currency": "EUR", "Line": [{ "Sku": "S-1", "Quantity": 1, "UnitPrice": 1 }] } }'
    to:
      - id: erp
        soap:
          wsdl: wsdl/order-service.wsdl
          operation: PlaceOrder
          endpoint: "\${SOAP_URL}/erp"
          security: { usernameToken: { username: junction, password: "\${ERP_PASSWORD}" } }
        retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 20 }

  - id: soap12-xml
    from: { http: { path: /orders-12 } }
    mode: sync
    to:
      - id: erp12
        soap:
          wsdl: wsdl/order-service.wsdl
          operation: PlaceOrder
          version: "1.2"
          endpoint: "\${SOAP_URL}/erp12"
          security: { usernameToken: { username: junction, password: "\${ERP_PASSWORD}", digest: false } }

  - id: fault-with-200
    from: { http: { path: /orders-200 } }
    mode: async
    to:
      - id: odd-erp
        soap: { wsdl: wsdl/order-service.wsdl, operation: PlaceOrder, endpoint: "\${ODD_URL}/erp" }
        retry: { attempts: 2, backoffMs: 10 }
`;

describe('SOAP delivery', () => {
  let http: Server;
  let soapUrl: string;
  let odd: TargetServer;
  let bus: TestBus;
  const calls: Array<{ orderId: string; version: string }> = [];
  const verdicts: string[] = [];
  const raw = new WeakMap<IncomingMessage, string>();
  const codec = createXmlCodec();
  const nonces = new NonceCache();

  beforeAll(async () => {
    http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    soapUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const wsdlFile = join(WSDL_FIXTURES, 'order-service.wsdl');
    const serverFaults = new Map<string, number>();
    const port = (version: string) => ({
      PlaceOrder: (args: { Order: { OrderId: string; Line: Array<{ Quantity: number; UnitPrice: number }> | { Quantity: number; UnitPrice: number } } }) => {
        const id = args.Order.OrderId;
        calls.push({ orderId: id, version });
        if (id.startsWith('server-fault')) {
          const n = (serverFaults.get(id) ?? 0) + 1;
          serverFaults.set(id, n);
          if (id === 'server-fault-always' || n < 3) throw { Fault: { faultcode: 'soap:Server', faultstring: 'ERP is busy' } };
        }
        if (id.startsWith('client-fault')) throw { Fault: { faultcode: 'soap:Client', faultstring: 'unknown customer' } };
        const lines = Array.isArray(args.Order.Line) ? args.Order.Line : [args.Order.Line];
        const total = lines.reduce((sum, l) => sum + Number(l.Quantity) * Number(l.UnitPrice), 0);
        return { OrderId: id, Status: 'ACCEPTED', Total: total };
      },
      GetOrder: () => ({}),
      CancelOrder: () => undefined,
    });
    // Two servers on one listener, since the soap package cannot serve both bindings of one port type (see
    // test/fixtures/wsdl/README.md): SOAP 1.1 at /erp, SOAP 1.2 at /erp12.
    const wsdl11 = join(WSDL_FIXTURES, 'order-service-soap11.wsdl');
    const servers = [
      soap.listen(http, { path: '/erp', services: { OrderService: { OrderSoap11Port: port('1.1') } }, xml: readFileSync(wsdl11, 'utf8'), uri: wsdl11 }),
      soap.listen(http, { path: '/erp12', services: { OrderService: { OrderSoap12Port: port('1.2') } }, xml: readFileSync(wsdlFile, 'utf8'), uri: wsdlFile }),
    ];
    for (const server of servers) {
      server.log = (type, data, req) => {
        if (type === 'received' && req) raw.set(req, String(data));
      };
      server.authenticate = authenticate;
    }
  });

  const authenticate: soap.Server['authenticate'] = (_security, _done, req) => {
      try {
        const { username } = verifyUsernameToken(parseEnvelope(raw.get(req!)!, codec).headers, {
          users: new Map([['junction', 'erp-pw']]),
          nonces,
        });
        verdicts.push(`ok:${username}`);
        return true;
      } catch (err) {
        if (!(err instanceof SecurityError)) throw err;
        verdicts.push(err.code);
        return false;
      }
    };

  beforeAll(async () => {
    odd = await startTargetServer({
      respond: () => ({
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: envelope('1.1', '<s:Fault><faultcode>s:Client</faultcode><faultstring>bad order, said with 200</faultstring></s:Fault>'),
      }),
    });
    bus = await startTestBus({ routes: {}, env: { SOAP_URL: soapUrl, ODD_URL: odd.url, ERP_PASSWORD: 'erp-pw' } });
    copyWsdlFixtures(bus.routesDir);
    bus.writeRoute('soap-out.yaml', ROUTES);
    expect((await post(`${bus.url}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 4 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await odd?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  const journal = (id: string) => getJson(`${bus.url}/admin/messages/${id}`);
  const settled = (id: string, status: string) => waitUntil(async () => (await journal(id)).status === status, 15_000, `${id} ${status}`);

  test('REST JSON in, SOAP 1.1 with a UsernameToken out, the SOAP response back as JSON', async () => {
    const res = await post(`${bus.url}/orders`, { id: 'ok-1', customer: 'C-7', lines: [{ sku: 'S-1', qty: 2, price: 3.5 }, { sku: 'S-2', qty: 1, price: 1 }] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ orderId: 'ok-1', status: 'ACCEPTED', total: 8 });
    expect(calls.filter((c) => c.orderId === 'ok-1')).toEqual([{ orderId: 'ok-1', version: '1.1' }]);
    expect(verdicts).toContain('ok:junction');
  });

  test('an XML body goes out as it is, over SOAP 1.2 with a PasswordText token', async () => {
    const xml = `<PlaceOrder xmlns="${ORDERS_NS}"><Order><OrderId>xml-12</OrderId><CustomerId>C</CustomerId><Currency>EUR</Currency><Line><Sku>S-9</Sku><Quantity>1</Quantity><UnitPrice>4</UnitPrice></Line></Order></PlaceOrder>`;
    const res = await fetch(`${bus.url}/orders-12`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^<PlaceOrderResponse xmlns="http:\/\/example.com\/orders\/types"><OrderId>xml-12<\/OrderId><Status>ACCEPTED<\/Status>/);
    expect(calls.filter((c) => c.orderId === 'xml-12')).toEqual([{ orderId: 'xml-12', version: '1.2' }]);
  });

  test('a Server fault is retried with the target backoff until it succeeds', async () => {
    const res = await post(`${bus.url}/orders-async`, { id: 'server-fault-1' });
    await settled(res.json.messageId, 'delivered');
    const attempts = (await journal(res.json.messageId)).deliveries[0].attempts;
    expect(attempts.map((a: { ok: boolean; errorCode: string | null }) => [a.ok, a.errorCode])).toEqual([
      [false, 'SOAP_FAULT_SERVER'],
      [false, 'SOAP_FAULT_SERVER'],
      [true, null],
    ]);
  });

  test('a Server fault that persists is dead-lettered after the attempt limit', async () => {
    const res = await post(`${bus.url}/orders-async`, { id: 'server-fault-always' });
    await settled(res.json.messageId, 'dead');
    expect((await journal(res.json.messageId)).deliveries[0].attempts).toHaveLength(3);
  });

  test('a Client fault is dead-lettered at once, with the fault as its reason', async () => {
    const res = await post(`${bus.url}/orders-async`, { id: 'client-fault-1' });
    await settled(res.json.messageId, 'dead');
    expect((await journal(res.json.messageId)).deliveries[0].attempts).toHaveLength(1);
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=web-to-erp-async`);
    const letter = letters.find((l: { messageId: string }) => l.messageId === res.json.messageId);
    expect(letter.reason).toMatchObject({ code: 'SOAP_FAULT_CLIENT', message: expect.stringContaining('unknown customer') });
  });

  test('a Fault that comes with HTTP 200 is recognised as a Fault', async () => {
    const res = await post(`${bus.url}/orders-200`, '<Anything/>');
    await settled(res.json.messageId, 'dead');
    const attempts = (await journal(res.json.messageId)).deliveries[0].attempts;
    expect(attempts).toEqual([expect.objectContaining({ ok: false, statusCode: 200, errorCode: 'SOAP_FAULT_CLIENT' })]);
  });

  test('a sync call whose SOAP target faults gets a 502 problem, not the fault text of an internal system', async () => {
    const res = await post(`${bus.url}/orders`, { id: 'client-fault-2', customer: 'C', lines: [{ sku: 'S-1', qty: 1, price: 1 }] });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ status: 502, code: 'SOAP_FAULT_CLIENT', messageId: expect.any(String) });
    expect(res.text).not.toContain(soapUrl);
  });
});
