import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as soap from 'soap';
import { parseTraceparent } from '@junction/core';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { createTopic, drain, testBrokers, uniqueTopic } from './support/kafka';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { copyWsdlFixtures, envelope, ORDERS_NS, placeOrder, postSoap, WSDL_FIXTURES } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${TRACE}-${CALLER_SPAN}-01`;

const routes = (topic: string, chainTopic: string) => `
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

  - id: otel-soap
    from: { http: { path: /o/soap } }
    mode: sync
    steps:
      - map: '{ "Order": { "OrderId": id, "CustomerId": "C", "Currency": "EUR", "Line": [{ "Sku": "S-1", "Quantity": 1, "UnitPrice": 2 }] } }'
    to:
      - id: erp
        soap: { wsdl: wsdl/order-service.wsdl, operation: PlaceOrder, endpoint: "\${SOAP_URL}/erp" }
    reply:
      - map: '{ "orderId": PlaceOrderResponse.OrderId, "status": PlaceOrderResponse.Status }'

  - id: otel-to-kafka
    from: { http: { path: /o/kafka } }
    mode: async
    to: [{ id: events, kafka: { topic: ${chainTopic} } }]

  - id: otel-from-kafka
    from: { kafka: { topic: ${chainTopic}, group: ${chainTopic}-group, fromBeginning: true } }
    mode: async
    to: [{ id: crm, http: { url: "\${TARGET_URL}/crm" } }]
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

/** What the real SOAP server (the `soap` package) saw of one call: the HTTP traceparent and the raw Envelope. */
interface SoapCall {
  readonly orderId: string;
  readonly traceparent?: string;
  readonly envelope: string;
}

/** A real SOAP server for PlaceOrder (SOAP 1.1), recording each call. */
async function startErp(calls: SoapCall[]): Promise<{ url: string; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const raw = new WeakMap<IncomingMessage, string>();
  const wsdl = join(WSDL_FIXTURES, 'order-service-soap11.wsdl');
  const port = {
    PlaceOrder: (args: { Order: { OrderId: string } }, _cb: unknown, _headers: unknown, req: IncomingMessage) => {
      calls.push({ orderId: args.Order.OrderId, traceparent: req.headers.traceparent as string | undefined, envelope: raw.get(req) ?? '' });
      return { OrderId: args.Order.OrderId, Status: 'ACCEPTED', Total: 2 };
    },
    GetOrder: () => ({}),
    CancelOrder: () => undefined,
  };
  const soapServer = soap.listen(server, { path: '/erp', services: { OrderService: { OrderSoap11Port: port } }, xml: readFileSync(wsdl, 'utf8'), uri: wsdl });
  soapServer.log = (type, data, req) => {
    if (type === 'received' && req) raw.set(req, String(data));
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('trace propagation: traceparent and correlation id from ingress to every target, spans exported over OTLP', () => {
  let target: TargetServer;
  let bus: TestBus;
  let collector: OtlpReceiver;
  let erp: { url: string; server: Server };
  const soapCalls: SoapCall[] = [];
  const topic = uniqueTopic('trace');
  const chainTopic = uniqueTopic('trace-chain');

  beforeAll(async () => {
    await createTopic(topic, 1);
    await createTopic(chainTopic, 1);
    collector = await startOtlpReceiver();
    erp = await startErp(soapCalls);
    target = await startTargetServer({
      respond: (req) => (req.path === '/erp' ? { status: 200, headers: { 'content-type': 'text/xml' }, body: SOAP_REPLY } : { status: 200, body: { ok: true } }),
    });
    bus = await startTestBus({
      routes: {},
      env: {
        TARGET_URL: target.url,
        SOAP_URL: erp.url,
        KAFKA_BROKERS: testBrokers().join(','),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'junction-e2e',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    copyWsdlFixtures(bus.routesDir);
    bus.writeRoute('trace.yaml', routes(topic, chainTopic));
    const reload = (await post(`${bus.url}/admin/routes/reload`, {})).json;
    expect(reload).toMatchObject({ ok: true, routes: 8, problems: [] });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
    await new Promise((resolve) => erp?.server.close(resolve));
    await collector?.close();
  });

  /** The spans of one trace the collector received, once every name in `names` is there (as often as listed). */
  async function traceSpans(traceId: string, names: string[]): Promise<ReceivedSpan[]> {
    const of = () => collector.spans.filter((s) => s.traceId === traceId);
    const count = (list: ReceivedSpan[], name: string) => list.filter((s) => s.name === name).length;
    await waitUntil(async () => names.every((n) => count(of(), n) >= names.filter((m) => m === n).length), 30_000, `spans ${names.join(', ')}`);
    return of();
  }
  const one = (spans: ReceivedSpan[], name: string, where: (s: ReceivedSpan) => boolean = () => true) => {
    const found = spans.filter((s) => s.name === name && where(s));
    expect(found).toHaveLength(1);
    return found[0];
  };

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

  test('OTLP: HTTP ingress -> SOAP target is one trace: ingress, route run and delivery under the caller, the SOAP server given the delivery span', async () => {
    const trace = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const callerSpan = '1122334455667788';
    const res = await post(`${bus.url}/o/soap`, { id: 'otel-1' }, { traceparent: `00-${trace}-${callerSpan}-01` });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ orderId: 'otel-1', status: 'ACCEPTED' });
    const spans = await traceSpans(trace, ['ingress', 'route otel-soap', 'deliver erp']);
    const ingress = one(spans, 'ingress');
    const route = one(spans, 'route otel-soap');
    const deliver = one(spans, 'deliver erp');
    expect(ingress).toMatchObject({ kind: SPAN_KIND.SERVER, parentSpanId: callerSpan, service: 'junction-e2e' });
    expect(ingress.attributes).toMatchObject({ 'junction.route': 'otel-soap', 'junction.source.kind': 'http', 'junction.message_id': res.headers.get('x-message-id') });
    expect(route).toMatchObject({ kind: SPAN_KIND.INTERNAL, parentSpanId: ingress.spanId });
    expect(deliver).toMatchObject({ kind: SPAN_KIND.CLIENT, parentSpanId: route.spanId, status: 0 });
    expect(deliver.attributes).toMatchObject({
      'junction.route': 'otel-soap',
      'junction.target': 'erp',
      'junction.attempt': 1,
      'junction.outcome': 'delivered',
      'http.response.status_code': 200,
    });
    // The SOAP server got the delivery span's context in the HTTP header and in the Envelope's header block.
    const call = soapCalls.find((c) => c.orderId === 'otel-1')!;
    expect(call.traceparent).toBe(`00-${trace}-${deliver.spanId}-01`);
    const block = /<jt:traceparent xmlns:jt="urn:junction:trace">([^<]+)<\/jt:traceparent>/.exec(call.envelope);
    expect(block?.[1]).toBe(call.traceparent);
    console.log(`otlp: ${collector.requests.length} export requests, ${collector.spans.length} spans, ${spans.length} in the SOAP trace`);
  });

  test('OTLP: HTTP -> Kafka -> HTTP is one trace: the Kafka consumer span is the child of the producer span carried in the record headers', async () => {
    const res = await post(`${bus.url}/o/kafka`, { a: 1 });
    expect(res.status).toBe(202);
    await target.waitFor(1, 30_000, '/crm');
    const crm = sent(target.requests.find((r) => r.path === '/crm')!.headers.traceparent);
    const spans = await traceSpans(crm.traceId, [
      'ingress',
      'ingress',
      'route otel-to-kafka',
      'route otel-from-kafka',
      'deliver events',
      'deliver crm',
    ]);
    const httpIngress = one(spans, 'ingress', (s) => s.kind === SPAN_KIND.SERVER);
    const toKafka = one(spans, 'route otel-to-kafka');
    const produce = one(spans, 'deliver events');
    const kafkaIngress = one(spans, 'ingress', (s) => s.kind === SPAN_KIND.CONSUMER);
    const fromKafka = one(spans, 'route otel-from-kafka');
    const deliver = one(spans, 'deliver crm');
    // A caller without a trace: the bus starts it.
    expect(httpIngress.parentSpanId).toBeUndefined();
    expect(toKafka.parentSpanId).toBe(httpIngress.spanId);
    expect(produce).toMatchObject({ kind: SPAN_KIND.PRODUCER, parentSpanId: toKafka.spanId });
    expect(produce.attributes).toMatchObject({ 'junction.target': 'events', 'junction.outcome': 'delivered' });
    expect(kafkaIngress).toMatchObject({ parentSpanId: produce.spanId });
    expect(kafkaIngress.attributes).toMatchObject({ 'junction.route': 'otel-from-kafka', 'junction.source.kind': 'kafka' });
    expect(fromKafka.parentSpanId).toBe(kafkaIngress.spanId);
    expect(deliver).toMatchObject({ kind: SPAN_KIND.CLIENT, parentSpanId: fromKafka.spanId });
    expect(deliver.attributes).toMatchObject({ 'http.response.status_code': 200, 'junction.attempt': 1 });
    expect(crm.spanId).toBe(deliver.spanId);
    // The store's commits: the acceptance under the ingress, the routing under the route run.
    const commits = spans.filter((s) => s.name === 'store commit');
    expect(commits.find((c) => c.attributes['junction.store.operation'] === 'accept' && c.parentSpanId === httpIngress.spanId)).toBeDefined();
    expect(commits.find((c) => c.attributes['junction.store.operation'] === 'routing' && c.parentSpanId === toKafka.spanId)).toBeDefined();
    // The journal keeps the ingress span's context with the message.
    const journal = await getJson(`${bus.url}/admin/messages/${res.json.messageId}`);
    expect(journal.headers.traceparent).toBe(`00-${crm.traceId}-${httpIngress.spanId}-01`);
    expect(collector.requests.every((r) => r.path === '/v1/traces' && r.contentType === 'application/x-protobuf')).toBe(true);
    console.log(`otlp: ${spans.length} spans in the Kafka chain trace (${commits.length} store commits)`);
  });
});
