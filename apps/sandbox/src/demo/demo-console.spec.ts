import { DEFAULT_WAREHOUSE_NAMES } from '../warehouse.amqp';
import {
  busLogLine,
  devicesSummaryLine,
  emptyTally,
  kafkaLine,
  mqttLine,
  rabbitmqLine,
  warehouseSummaryLine,
  orderLine,
  soapOrderLine,
  summaryLine,
  tallyOutcome,
  tallySoapOutcome,
  whereToLook,
  demoAdmin,
} from './demo-console';
import { legacySoapOrder, seededRandom, type SampleRequest, type SoapOrderRequest } from './sample-orders';

const web: SampleRequest = { kind: 'web', path: '/orders', headers: {}, body: '{}', summary: 'W-100001 C-1001' };
const invalid: SampleRequest = { ...web, summary: 'W-100015 (none)', invalidOnPurpose: 'no customerId' };

describe('demo console', () => {
  it.each([
    [web, { status: 202, messageId: 'm-1' }, 'web    W-100001 C-1001  -> 202 Accepted  msg m-1'],
    [web, { status: 503, detail: 'store down' }, 'web    W-100001 C-1001  -> 503 Service Unavailable  store down'],
    [web, { error: 'ECONNREFUSED' }, 'web    W-100001 C-1001  -> no answer: ECONNREFUSED'],
    [invalid, { status: 400, detail: 'invalid' }, 'web    W-100015 (none)  -> 400 Bad Request  (invalid on purpose: no customerId)'],
    [
      invalid,
      { status: 202, messageId: 'm-2' },
      'web    W-100015 (none)  -> 202 Accepted  msg m-2  (invalid on purpose: no customerId; look for it in the dead letters)',
    ],
  ])('prints %j answered %j as one line', (request, outcome, line) => {
    expect(orderLine(request, outcome)).toBe(line);
  });

  it('tallies answers: 2xx accepted, 4xx to invalid-on-purpose expected, anything else failed', () => {
    const tally = emptyTally();
    tallyOutcome(tally, web, { status: 202 });
    tallyOutcome(tally, invalid, { status: 400 });
    tallyOutcome(tally, invalid, { status: 202 });
    tallyOutcome(tally, web, { status: 400 });
    tallyOutcome(tally, web, { status: 500 });
    tallyOutcome(tally, web, { error: 'timeout' });
    expect(tally).toEqual({ sent: 6, accepted: 2, rejectedOnPurpose: 1, failed: 3 });
  });

  it('summarises what was sent and what each system received', () => {
    const tallies = { web: { sent: 10, accepted: 9, rejectedOnPurpose: 1, failed: 0 }, legacy: { sent: 3, accepted: 2, rejectedOnPurpose: 0, failed: 1 } };
    const counts = { crm: { received: 20, failed: 2 }, erp: { received: 4, failed: 0 }, legacy: { received: 9, failed: 0 } };
    expect(summaryLine(10_200, tallies, counts)).toBe(
      '== 10 s | sent to the bus: web 10 (9 accepted, 1 rejected on purpose), legacy 3 (2 accepted, 1 failed)' +
        ' | sandbox received: crm 20 (2 answered with an error), erp 4, legacy 9',
    );
  });

  it('ends the summary with the order events the CRM took, when given', () => {
    const tallies = { web: emptyTally(), legacy: emptyTally() };
    const counts = { crm: { received: 3, failed: 0 }, erp: { received: 1, failed: 0 }, legacy: { received: 0, failed: 0 } };
    expect(summaryLine(5_000, tallies, counts, 2)).toMatch(/\| sandbox received: crm 3, erp 1, legacy 0 \| CRM order events: 2$/);
    expect(summaryLine(5_000, tallies, counts, 0)).toMatch(/\| CRM order events: 0$/);
    expect(summaryLine(5_000, tallies, counts)).not.toContain('order events');
  });

  it('says whether a Kafka broker answered, and so whether the ERP publishes order events', () => {
    expect(kafkaLine(['127.0.0.1:9092'], true, 'erp.order-events')).toBe(
      'kafka    broker at 127.0.0.1:9092: the ERP publishes order events to erp.order-events, the bus routes them',
    );
    expect(kafkaLine(['127.0.0.1:9092'], false, 'erp.order-events')).toBe(
      'kafka    no broker at 127.0.0.1:9092: ERP order events are off (start one with npm run kafka:start, or set KAFKA_BROKERS)',
    );
    expect(kafkaLine(['k1:9092', 'k2:9092'], true, 't')).toContain('broker at k1:9092,k2:9092: ');
  });

  it('says whether RabbitMQ answered, without its password, and how to start one when not', () => {
    expect(rabbitmqLine('amqp://guest:guest@127.0.0.1:5672', true, DEFAULT_WAREHOUSE_NAMES)).toBe(
      'rabbitmq broker at amqp://guest:***@127.0.0.1:5672: the warehouse takes pick requests from exchange warehouse and ' +
        'publishes its events to warehouse.events; the web shop releases accepted orders for picking',
    );
    expect(rabbitmqLine('amqp://guest:guest@127.0.0.1:5672', false, DEFAULT_WAREHOUSE_NAMES)).toBe(
      'rabbitmq no broker at amqp://guest:***@127.0.0.1:5672: the warehouse is off (start one with rabbitmq-server -detached ' +
        'or docker run -d -p 5672:5672 rabbitmq:3, or set AMQP_URL)',
    );
  });

  it('says whether an MQTT broker answered, and how to start one when not', () => {
    expect(mqttLine('mqtt://127.0.0.1:1883', true, 'devices/<id>/telemetry')).toBe(
      'mqtt     broker at mqtt://127.0.0.1:1883: simulated devices publish telemetry to devices/<id>/telemetry; a reading ' +
        'over its limit opens a CRM case and goes back to the device as an alert',
    );
    expect(mqttLine('mqtt://u:pw@127.0.0.1:1883', false, 'devices/<id>/telemetry')).toBe(
      'mqtt     no broker at mqtt://u:***@127.0.0.1:1883: the device feed is off (start one with mosquitto -d or ' +
        'docker run -d -p 1883:1883 eclipse-mosquitto:2 mosquitto -c /mosquitto-no-auth.conf, or set MQTT_URL)',
    );
  });

  it('summarises the warehouse flow end to end, naming trouble only when there is some', () => {
    const quiet = { picksReceived: 9, picksRefused: 0, shipped: 8, short: 1, unroutable: 0, publishFailed: 0 };
    expect(warehouseSummaryLine({ sent: 9, accepted: 9, rejectedOnPurpose: 0, failed: 0 }, quiet, 9)).toBe(
      '== warehouse | released for picking: 9 (9 accepted) | pick requests received: 9 | events published: 9 ' +
        '(8 shipped, 1 short of stock) | CRM warehouse events: 9',
    );
    const troubled = { ...quiet, picksRefused: 1, unroutable: 2, publishFailed: 3 };
    expect(warehouseSummaryLine({ sent: 10, accepted: 9, rejectedOnPurpose: 0, failed: 1 }, troubled, 7)).toBe(
      '== warehouse | released for picking: 10 (9 accepted, 1 failed) | pick requests received: 9 (1 refused) | ' +
        'events published: 9 (8 shipped, 1 short of stock, 2 with no queue bound, 3 not confirmed) | CRM warehouse events: 7',
    );
  });

  it('summarises the device feed: readings, those over their limit, alerts back, CRM cases', () => {
    const counts = { published: 40, overLimit: 3, failed: 0, skipped: 0, alertsReceived: 3 };
    expect(devicesSummaryLine(4, counts, 3)).toBe(
      '== devices | 4 devices, readings published: 40 (3 over their limit) | alerts back to the devices: 3 | CRM cases: 3',
    );
    expect(devicesSummaryLine(4, { ...counts, skipped: 5, failed: 1 }, 2)).toContain(
      '(3 over their limit, 5 turns skipped while not connected, 1 not acknowledged)',
    );
  });

  it('shows where to see the Kafka consumer lag', () => {
    expect(whereToLook('http://127.0.0.1:8080', 'http://127.0.0.1:4010')).toContain(
      '  Connectors       curl http://127.0.0.1:8080/admin/connectors',
    );
  });

  it('gives the demo its own admin login unless the environment brings one, and shows how to use it', () => {
    const own = demoAdmin({});
    expect(own.env).toEqual({ ADMIN_USER: 'admin', ADMIN_PASSWORD: 'junction-demo' });
    const lines = whereToLook('http://127.0.0.1:8080', 'http://127.0.0.1:4010', own.admin);
    expect(lines).toContain('  dashboard        http://127.0.0.1:8080/dashboard  (log in as admin / junction-demo)');
    expect(lines).toContain('  metrics          curl -u admin:junction-demo http://127.0.0.1:8080/metrics');
    const token = demoAdmin({ ADMIN_TOKEN: 'secret-token' });
    expect(token.env).toEqual({});
    expect(whereToLook('http://b', 'http://s', token.admin).join('\n')).not.toContain('secret-token');
    expect(demoAdmin({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'pw-from-env' }).admin.curlAuth).toBe('-u ops:$ADMIN_PASSWORD ');
  });

  const soap: SoapOrderRequest = { ...legacySoapOrder(1, seededRandom(1)), summary: 'L-700001 C-1001' };

  it.each([
    [{ kind: 'response', status: 'ACCEPTED', messageId: 'm-9' }, 'soap   L-700001 C-1001  -> ACCEPTED  msg m-9'],
    [{ kind: 'response', status: 'REJECTED' }, 'soap   L-700001 C-1001  -> REJECTED'],
    [{ kind: 'fault', reason: 'unknown customer', httpStatus: 500 }, 'soap   L-700001 C-1001  -> Fault (HTTP 500): unknown customer'],
    [{ kind: 'error', error: 'ECONNRESET' }, 'soap   L-700001 C-1001  -> no answer: ECONNRESET'],
  ] as const)('prints a SOAP call answered %j as one line', (outcome, line) => {
    expect(soapOrderLine(soap, outcome)).toBe(line);
  });

  it('tallies SOAP answers: ACCEPTED accepted, anything else failed; the summary shows SOAP once some was sent', () => {
    const tally = emptyTally();
    tallySoapOutcome(tally, { kind: 'response', status: 'ACCEPTED', messageId: 'm-1' });
    tallySoapOutcome(tally, { kind: 'response', status: 'REJECTED' });
    tallySoapOutcome(tally, { kind: 'fault', reason: 'no' });
    tallySoapOutcome(tally, { kind: 'error', error: 'timeout' });
    expect(tally).toEqual({ sent: 4, accepted: 1, rejectedOnPurpose: 0, failed: 3 });
    const counts = { crm: { received: 1, failed: 0 }, erp: { received: 0, failed: 0 }, legacy: { received: 0, failed: 0 } };
    const base = { web: { ...emptyTally(), sent: 1, accepted: 1 }, legacy: emptyTally() };
    expect(summaryLine(1_000, { ...base, soap: tally }, counts)).toContain(', soap 4 (1 accepted, 3 failed) | ');
    expect(summaryLine(1_000, { ...base, soap: emptyTally() }, counts)).not.toContain('soap');
  });

  it.each([
    ['{"level":30,"time":1,"service":"junction","routes":4,"store":"sqlite","msg":"bus started"}', '[bus] info  bus started routes=4 store=sqlite'],
    ['{"level":50,"msg":"delivery failed","err":{"code":"HTTP_503"}}', '[bus] error delivery failed err={"code":"HTTP_503"}'],
    ['plain text from the bus', '[bus] plain text from the bus'],
    ['{"no":"msg"}', '[bus] {"no":"msg"}'],
  ])('shows the bus log line %s as %s', (line, shown) => {
    expect(busLogLine(line)).toBe(shown);
  });
});
