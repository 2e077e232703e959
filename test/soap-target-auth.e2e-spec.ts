import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import * as soap from 'soap';
import { copyWsdlFixtures, WSDL_FIXTURES } from './support/soap';
import { makeTestPki } from './support/tls';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const order = '{ "Order": { "OrderId": id, "CustomerId": "C", "Currency": "EUR", "Line": [{ "Sku": "S-1", "Quantity": 1, "UnitPrice": 2 }] } }';
const target = (name: string, security: string) => `
  - id: ${name}
    from: { http: { path: /${name} } }
    mode: sync
    steps: [{ map: '${order}' }]
    to:
      - id: erp
        soap:
          wsdl: wsdl/order-service.wsdl
          operation: PlaceOrder
          endpoint: "\${ERP_URL}/erp"
          security: ${security}
        retry: { attempts: 1 }
    reply: [{ map: '{ "status": PlaceOrderResponse.Status }' }]`;

/**
 * SOAP targets behind HTTP basic authentication and TLS client certificates: an https SOAP server (the `soap`
 * package) that demands a client certificate from its own CA and a basic-auth password.
 */
describe('SOAP target: basic auth and TLS client certificate', () => {
  let https: Server;
  let bus: TestBus;
  const seen: Array<{ cn: string | undefined; authorized: boolean }> = [];

  beforeAll(async () => {
    bus = await startTestBus({ routes: {} });
    copyWsdlFixtures(bus.routesDir);
    const certs = join(bus.routesDir, 'certs');
    mkdirSync(certs);
    const pki = makeTestPki(certs);
    https = createServer({
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      ca: readFileSync(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const wsdl = join(WSDL_FIXTURES, 'order-service-soap11.wsdl');
    const server = soap.listen(https, {
      path: '/erp',
      services: { OrderService: { OrderSoap11Port: { PlaceOrder: (a: { Order: { OrderId: string } }) => ({ OrderId: a.Order.OrderId, Status: 'ACCEPTED', Total: 2 }) } } },
      xml: readFileSync(wsdl, 'utf8'),
      uri: wsdl,
    });
    const expected = `Basic ${Buffer.from('bus:erp-basic-pw').toString('base64')}`;
    server.authorizeConnection = (req, res) => {
      const socket = req.socket as TLSSocket;
      const cn = socket.getPeerCertificate()?.subject?.CN;
      seen.push({ cn: Array.isArray(cn) ? cn[0] : cn, authorized: socket.authorized });
      if (req.headers.authorization === expected) return true;
      res?.writeHead(401, { 'www-authenticate': 'Basic' });
      return false;
    };
    const erpUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    const tls = '{ cert: certs/client.pem, key: certs/client-key.pem, ca: certs/ca.pem }';
    bus.writeRoute(
      'auth.yaml',
      `routes:${[
        target('with-both', `{ basicAuth: { username: bus, password: erp-basic-pw }, tls: ${tls} }`),
        target('wrong-password', `{ basicAuth: { username: bus, password: nope }, tls: ${tls} }`),
        target('no-client-cert', '{ basicAuth: { username: bus, password: erp-basic-pw } }'),
      ].join('')}\n`.replace(/\$\{ERP_URL\}/g, erpUrl),
    );
    expect((await post(`${bus.url}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 3 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await new Promise((resolve) => https?.close(resolve));
  });

  test('with the client certificate and the password the call goes through', async () => {
    const res = await post(`${bus.url}/with-both`, { id: 'tls-1' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ACCEPTED' });
    expect(seen.at(-1)).toEqual({ cn: 'junction-bus', authorized: true });
  });

  test('a wrong basic-auth password: 401 from the target, not retried, 502 to the caller', async () => {
    const res = await post(`${bus.url}/wrong-password`, { id: 'tls-2' });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ code: 'HTTP_401' });
    const record = await getJson(`${bus.url}/admin/messages/${res.json.messageId}`);
    expect(record.deliveries[0].attempts).toEqual([expect.objectContaining({ statusCode: 401 })]);
  });

  test('without the client certificate the TLS handshake fails and nothing reaches the service', async () => {
    const before = seen.length;
    const res = await post(`${bus.url}/no-client-cert`, { id: 'tls-3' });
    expect(res.status).toBe(502);
    expect(seen.length).toBe(before);
  });
});
