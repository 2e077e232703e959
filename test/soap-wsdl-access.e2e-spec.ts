import { copyWsdlFixtures } from './support/soap';
import { post, readReply, startTestBus, type TestBus } from './support/test-bus';

// With INGRESS_TOKEN set, a SOAP service's published WSDL and schemas need the token like its calls do, unless
// WSDL_PUBLIC=true publishes them to anyone (README, "A SOAP service on the bus").

const INGRESS_TOKEN = `ingress-${Date.now().toString(36)}`;
const ROUTES = `
routes:
  - id: soap-orders
    from:
      soap: { path: /soap/orders, wsdl: wsdl/order-service.wsdl, ack: '{ "OrderId": "x", "Status": "ACCEPTED", "Total": 0 }' }
    mode: async
    to: [{ http: { url: "http://127.0.0.1:9/sink" } }]
`;

async function startSoapBus(env: Record<string, string>): Promise<TestBus> {
  const bus = await startTestBus({ routes: {}, env: { INGRESS_TOKEN, ...env } });
  copyWsdlFixtures(bus.routesDir);
  bus.writeRoute('soap.yaml', ROUTES);
  expect((await post(`${bus.adminUrl}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 1 });
  return bus;
}

const get = async (url: string, token?: string) =>
  readReply(await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }));

describe('published WSDLs with INGRESS_TOKEN set', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startSoapBus({});
  });
  afterAll(async () => bus?.destroy());

  test('need the token, as the calls do: 401 without it or with a wrong one, the WSDL and its schemas with it', async () => {
    for (const doc of ['?wsdl', '?xsd=1']) {
      const anonymous = await get(`${bus.url}/soap/orders${doc}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(anonymous.json).toMatchObject({ title: 'Unauthorized', code: 'UNAUTHORIZED' });
      expect(anonymous.text).not.toContain('definitions');
      expect((await get(`${bus.url}/soap/orders${doc}`, 'wrong-token')).status).toBe(401);
    }
    const wsdl = await get(`${bus.url}/soap/orders?wsdl`, INGRESS_TOKEN);
    expect(wsdl.status).toBe(200);
    expect(wsdl.text).toContain(`location="${bus.url}/soap/orders"`);
    expect((await get(`${bus.url}/soap/orders?xsd=1`, INGRESS_TOKEN)).text).toContain('name="PlaceOrder"');
  });
});

describe('published WSDLs with INGRESS_TOKEN and WSDL_PUBLIC=true', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startSoapBus({ WSDL_PUBLIC: 'true' });
  });
  afterAll(async () => bus?.destroy());

  test('are served to anyone; the calls still need the token', async () => {
    const wsdl = await get(`${bus.url}/soap/orders?wsdl`);
    expect(wsdl.status).toBe(200);
    expect(wsdl.text).toContain(`location="${bus.url}/soap/orders"`);
    const call = await fetch(`${bus.url}/soap/orders`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<x/>' });
    // A SOAP 1.1 caller is refused with a Fault (HTTP 500, as the SOAP 1.1 binding has every Fault) naming the reason.
    expect(call.status).toBe(500);
    expect(await call.text()).toContain('<j:code>UNAUTHORIZED</j:code>');
  });
});
