import { parseTraceparent } from '@junction/core';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { createTopic, drain, testBrokers, uniqueTopic } from './support/kafka';
import { copyWsdlFixtures, envelope, ORDERS_NS, placeOrder, postSoap } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${TRACE}-${CALLER_SPAN}-01`;

const routes = (topic: string) => `
routes:
  - id: to-http
    from: { http: { path: /t/http } }
    mode: sync
    to: [{ http: { url: "\${TARGET_URL}/http" } }]

  - id: to-http-async
    from: { http: { path: /t/async } }
    mode: async
    to: [{ http: { url: "\${TARGET_URL}/async" } }]

  - id: to-soap
    from: { http: { path: /t/soap } }
    mode: async
    to:
      - soap: { wsdl: wsdl/order-service.wsdl, operation: PlaceOrder, endpoint: "\${TARGET_URL}/erp" }

  - id: to-kafka
    from: { http: { path: /t/kafka } }
    mode: async
    to: [{ kafka: { topic: ${topic} } }]

  - id: from-soap
    from: { soap: { path: /soap/orders, wsdl: wsdl/order-service.wsdl, ack: '{ "OrderId": "1", "Status": "ACCEPTED", "Total": 0 }' } }
    mode: async
    to: [{ http: { url: "\${TARGET_URL}/from-soap" } }]
`;

const SOAP_REPLY = envelope(
  '1.1',
  `<t:PlaceOrderResponse xmlns:t="${ORDERS_NS}"><t:OrderId>1</t:OrderId><t:Status>OK</t:Status><t:Total>1</t:Total></t:PlaceOrderResponse>`,
);

/** Trace id and span id of a traceparent the bus sent, checked to be valid. */
function sent(traceparent: string | undefined) {
  const t = parseTraceparent(traceparent);
  if (!t) throw new Error(`not a valid traceparent: ${traceparent}`);
  return t;
}

describe('trace propagation: traceparent and correlation id from ingress to every target', () => {
  let target: TargetServer;
  let bus: TestBus;
  const topic = uniqueTopic('trace');

  beforeAll(async () => {
    await createTopic(topic, 1);
    target = await startTargetServer({
      respond: (req) => (req.path === '/erp' ? { status: 200, headers: { 'content-type': 'text/xml' }, body: SOAP_REPLY } : { status: 200, body: { ok: true } }),
    });
    bus = await startTestBus({ routes: {}, env: { TARGET_URL: target.url, KAFKA_BROKERS: testBrokers().join(',') } });
    copyWsdlFixtures(bus.routesDir);
    bus.writeRoute('trace.yaml', routes(topic));
    const reload = (await post(`${bus.url}/admin/routes/reload`, {})).json;
    expect(reload).toMatchObject({ ok: true, routes: 5, problems: [] });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('HTTP to HTTP: the caller trace continues with a new span; the correlation id goes along', async () => {
    const res = await post(`${bus.url}/t/http`, { a: 1 }, { traceparent: CALLER, 'x-correlation-id': 'order-77' });
    expect(res.status).toBe(200);
    const seen = target.requests.find((r) => r.path === '/http')!;
    const t = sent(seen.headers.traceparent);
    expect(t.traceId).toBe(TRACE);
    expect(t.spanId).not.toBe(CALLER_SPAN);
    expect(seen.headers['x-correlation-id']).toBe('order-77');
    expect(seen.headers['x-message-id']).toBe(res.headers.get('x-message-id'));
  });

  test('a caller without a trace starts one at the bus; async delivery continues the journaled trace', async () => {
    const res = await post(`${bus.url}/t/async`, { a: 2 });
    expect(res.status).toBe(202);
    await target.waitFor(1, 15_000, '/async');
    const t = sent(target.requests.find((r) => r.path === '/async')!.headers.traceparent);
    const journal = await getJson(`${bus.url}/admin/messages/${res.json.messageId}`);
    const bus_ = sent(journal.headers.traceparent);
    expect(t.traceId).toBe(bus_.traceId);
    expect(t.spanId).not.toBe(bus_.spanId);
    expect(target.requests.find((r) => r.path === '/async')!.headers['x-correlation-id']).toBe(res.json.messageId);
  });

  test('SOAP target: in the HTTP headers and as SOAP header blocks in the Envelope', async () => {
    const res = await post(`${bus.url}/t/soap`, placeOrder('T-1'), { traceparent: CALLER, 'x-correlation-id': 'soap-corr-1' });
    expect(res.status).toBe(202);
    await target.waitFor(1, 15_000, '/erp');
    const seen = target.requests.find((r) => r.path === '/erp')!;
    expect(sent(seen.headers.traceparent).traceId).toBe(TRACE);
    const block = /<jt:traceparent xmlns:jt="urn:junction:trace">([^<]+)<\/jt:traceparent>/.exec(seen.body);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(seen.headers.traceparent);
    expect(seen.body).toContain('<jt:correlationId xmlns:jt="urn:junction:trace">soap-corr-1</jt:correlationId>');
    expect(seen.body.indexOf('<jt:traceparent')).toBeLessThan(seen.body.indexOf('Body>'));
  });

  test('Kafka target: as Kafka record headers', async () => {
    const reader = await drain(topic);
    try {
      const res = await post(`${bus.url}/t/kafka`, { a: 3 }, { traceparent: CALLER, 'x-correlation-id': 'kafka-corr-1' });
      expect(res.status).toBe(202);
      await waitUntil(async () => reader.messages.length === 1, 30_000, 'the Kafka record');
      const headers = reader.messages[0].headers!;
      expect(sent(String(headers.traceparent)).traceId).toBe(TRACE);
      expect(String(headers['x-correlation-id'])).toBe('kafka-corr-1');
      expect(String(headers['x-message-id'])).toBe(res.json.messageId);
    } finally {
      await reader.stop();
    }
  });

  test('SOAP ingress: trace header blocks in the Envelope are taken when HTTP carries none', async () => {
    const blocks =
      `<jt:traceparent xmlns:jt="urn:junction:trace">${CALLER}</jt:traceparent>` +
      `<jt:correlationId xmlns:jt="urn:junction:trace">legacy-corr-9</jt:correlationId>`;
    const res = await postSoap(`${bus.url}/soap/orders`, '1.1', envelope('1.1', placeOrder('S-1'), blocks), 'http://example.com/orders/PlaceOrder');
    expect(res.status).toBe(200);
    await target.waitFor(1, 15_000, '/from-soap');
    const seen = target.requests.find((r) => r.path === '/from-soap')!;
    expect(sent(seen.headers.traceparent).traceId).toBe(TRACE);
    expect(seen.headers['x-correlation-id']).toBe('legacy-corr-9');
    expect(seen.headers['soap-header-traceparent']).toBeUndefined();
  });
});
