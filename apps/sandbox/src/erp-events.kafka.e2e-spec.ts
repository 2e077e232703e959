import { randomUUID } from 'node:crypto';
import { ensureKafkaBroker, freePort, waitUntil, type KafkaBroker } from '@junction/testing';
import { Kafka, logLevel, type IHeaders, type Producer, type ProducerConfig } from 'kafkajs';
import { createClientAsync, type Client } from 'soap';
import { ensureTopic, probeKafka } from './demo/kafka-probe';
import { runDemo, type DemoOptions } from './demo/demo-runner';
import type { ErpOrderEvent } from './erp.events';
import { ERP_WSDL_NAMES } from './erp-soap.operations';
import { startSandbox, type Sandbox } from './sandbox.server';
import { callSoap } from './testing/soap-calls';

/**
 * Everything in the sandbox that needs a real Kafka broker, in one file: the broker is one per checkout
 * (scripts/kafka), and the file that started it stops it, so two files sharing it could stop it under each other.
 * KAFKA_BROKERS names a broker to use instead; one that runs already (an earlier `npm run kafka:start`) is used and
 * left running.
 */

const AT = '2025-03-01T10:00:00.000Z';

/** One message read back from a topic. */
interface Received {
  readonly key: string;
  readonly value: ErpOrderEvent;
  readonly headers: Readonly<Record<string, string>>;
}

const order = (orderId: string) => ({
  OrderId: orderId,
  CustomerId: 'C-1001',
  Currency: 'EUR',
  Total: '1298.00',
  Lines: { Line: [{ Sku: 'SKU-DESK-01', Qty: 2, UnitPrice: '649.00' }] },
});

const topicName = (what: string) => `sandbox-spec-${what}-${randomUUID()}`;

describe('with a real Kafka broker', () => {
  let broker: KafkaBroker | undefined;
  let kafka: Kafka;
  let unused: string;

  beforeAll(async () => {
    broker = await ensureKafkaBroker();
    kafka = new Kafka({ clientId: 'sandbox-spec', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    unused = `127.0.0.1:${await freePort()}`;
  }, 300_000);
  afterAll(async () => {
    await broker?.stop();
  });

  /**
   * Reads `topic` from the start in a group of its own until `enough` holds; the consumer is gone when this resolves.
   * The topic is created first unless the ERP's producer created it already: a consumer does not wait for a topic.
   */
  async function consume(topic: string, enough: (received: readonly Received[]) => boolean): Promise<Received[]> {
    expect(await ensureTopic(broker!.brokers, topic)).toEqual({ ok: true, created: expect.any(Boolean) });
    const received: Received[] = [];
    // A short fetch wait: disconnecting waits for the fetch in hand (5 s by default).
    const consumer = kafka.consumer({ groupId: `sandbox-spec-${randomUUID()}`, maxWaitTimeInMs: 100 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({
            key: message.key?.toString('utf8') ?? '',
            value: JSON.parse(message.value?.toString('utf8') ?? 'null') as ErpOrderEvent,
            headers: textHeaders(message.headers),
          });
        },
      });
      await waitUntil(() => enough(received), 60_000, `the expected messages on ${topic}`, 50);
    } finally {
      await consumer.disconnect();
    }
    return received;
  }

  describe('the ERP publishing its order events', () => {
    let sandbox: Sandbox | undefined;
    let lines: string[];
    let soap: Client;
    const start = async (brokers: string[], topic: string) => {
      sandbox = await startSandbox({ port: 0, now: () => new Date(AT), kafka: { brokers, topic }, log: (l) => lines.push(l) });
      soap = await createClientAsync(`${sandbox.url}/erp/soap?wsdl`, { disableCache: true });
      return sandbox;
    };
    const call = (operation: string, args: unknown) =>
      callSoap(soap, [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap11Port], operation, args);

    beforeEach(() => {
      lines = [];
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      await sandbox?.close();
      sandbox = undefined;
    });

    it('SOAP SubmitOrder is an OrderAccepted event on the topic, keyed by orderId, as JSON', async () => {
      const topic = topicName('accepted');
      await start(broker!.brokers, topic);
      const res = await call('SubmitOrder', order('S-K1'));
      expect(res.result).toEqual({ OrderId: 'S-K1', Status: 'ACCEPTED', ErpRef: expect.stringMatching(/^ERP-\d{6}$/) });
      const { ErpRef } = res.result as { ErpRef: string };

      const [message] = await consume(topic, (r) => r.length >= 1);
      expect(message).toEqual({
        key: 'S-K1',
        value: { event: 'OrderAccepted', orderId: 'S-K1', erpRef: ErpRef, customerId: 'C-1001', total: 1298, currency: 'EUR', at: AT },
        headers: { 'content-type': 'application/json' },
      });
      expect(lines).toEqual([`erp events: publishing to ${topic} at ${broker!.brokers.join(',')}`]);
    });

    it("keeps one order's events in order on its key: SOAP SubmitOrder, then NotifyShipment; XML orders too", async () => {
      const topic = topicName('shipped');
      const box = await start(broker!.brokers, topic);
      expect((await call('SubmitOrder', order('S-K2'))).status).toBe(200);
      expect((await call('NotifyShipment', { OrderId: 'S-K2', Carrier: 'DHL', TrackingNo: 'JD0001' })).status).toBe(202);
      const xml = await fetch(`${box.url}/erp/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<Order><OrderId>X-K3</OrderId><CustomerId>C-1002</CustomerId><Total>39.90</Total><Currency>EUR</Currency></Order>',
      });
      expect(xml.status).toBe(200);

      const received = await consume(topic, (r) => r.length >= 3);
      expect(received.filter((m) => m.key === 'S-K2').map((m) => m.value)).toEqual([
        expect.objectContaining({ event: 'OrderAccepted', orderId: 'S-K2' }),
        { event: 'OrderShipped', orderId: 'S-K2', trackingNo: 'JD0001', carrier: 'DHL', at: AT },
      ]);
      expect(received.find((m) => m.key === 'X-K3')?.value).toMatchObject({
        event: 'OrderAccepted',
        customerId: 'C-1002',
        total: 39.9,
        currency: 'EUR',
      });
    });

    it('creates one idempotent producer on the first event, and disconnects it on close', async () => {
      const producers: Array<{ config: ProducerConfig | undefined; producer: Producer; disconnected: boolean }> = [];
      const original = Kafka.prototype.producer;
      jest.spyOn(Kafka.prototype, 'producer').mockImplementation(function (this: Kafka, config?: ProducerConfig) {
        const producer = original.call(this, config);
        const entry = { config, producer, disconnected: false };
        producer.on(producer.events.DISCONNECT, () => {
          entry.disconnected = true;
        });
        producers.push(entry);
        return producer;
      });
      const topic = topicName('lifecycle');
      const box = await start(broker!.brokers, topic);
      expect(producers).toHaveLength(0);

      for (const id of ['S-K4', 'S-K5', 'S-K6']) expect((await call('SubmitOrder', order(id))).status).toBe(200);
      await consume(topic, (r) => r.length >= 3);
      expect(producers).toHaveLength(1);
      expect(producers[0]?.config).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
      expect(producers[0]?.disconnected).toBe(false);

      await box.close();
      expect(producers[0]?.disconnected).toBe(true);
    });

    it('answers at once when the broker is down, and logs the event it could not publish', async () => {
      const topic = topicName('outage');
      await start([unused], topic);
      const began = Date.now();
      const res = await call('SubmitOrder', order('S-K7'));
      expect(Date.now() - began).toBeLessThan(1_000);
      expect(res.result).toMatchObject({ OrderId: 'S-K7', Status: 'ACCEPTED' });
      // The publish is still being tried when the answer is back: the answer did not wait for it.
      expect(lines).toEqual([]);

      await waitUntil(() => lines.length > 0, 30_000, 'the failed publish to be logged', 50);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^erp events: OrderAccepted S-K7 not published to ${topic}: .+`))]);
      expect((await call('SubmitOrder', order('S-K8'))).result).toMatchObject({ Status: 'ACCEPTED' });
    });
  });

  describe("the demo's broker check", () => {
    it('finds the broker that runs', async () => {
      expect(await probeKafka(broker!.brokers)).toEqual({ reachable: true });
    });

    it('says no, within its time, where nothing listens', async () => {
      const began = Date.now();
      const probe = await probeKafka([unused], 3_000);
      expect(probe).toEqual({ reachable: false, reason: expect.stringMatching(/connect|ECONNREFUSED/i) });
      expect(Date.now() - began).toBeLessThan(3_500);
    });
  });

  describe('the demo with a broker', () => {
    /**
     * A stand-in for the bus and its Kafka route: web orders go to the sandbox ERP as XML (so that the ERP publishes
     * OrderAccepted), and a consumer of SANDBOX_ERP_EVENTS_TOPIC at KAFKA_BROKERS posts each event to the CRM.
     */
    const KAFKA_BUS = `
const http = require('node:http');
const { Kafka, logLevel } = require(process.env.KAFKAJS_MODULE);
const sandbox = process.env.SANDBOX_URL;
const brokers = process.env.KAFKA_BROKERS;
const topic = process.env.SANDBOX_ERP_EVENTS_TOPIC;
let n = 0;
let consumer;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return res.end('{"status":"ok"}');
  if (req.method === 'GET') { res.writeHead(404); return res.end('{"title":"no route"}'); }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    if (req.url === '/orders') {
      const o = JSON.parse(Buffer.concat(chunks));
      const xml = '<Order><OrderId>' + o.orderId + '</OrderId><CustomerId>' + (o.customerId || '') + '</CustomerId>' +
        '<Currency>' + o.currency + '</Currency><Total>' + o.total.toFixed(2) + '</Total></Order>';
      await fetch(sandbox + '/erp/orders', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
    }
    res.writeHead(202, { 'x-message-id': 'm-' + ++n });
    res.end();
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', async () => {
  console.log('fake bus on ' + process.env.PORT + ' with KAFKA_BROKERS=' + brokers + ' SANDBOX_ERP_EVENTS_TOPIC=' + topic);
  consumer = new Kafka({ clientId: 'fake-bus', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
    .consumer({ groupId: 'fake-bus-' + process.pid, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => {
    await fetch(sandbox + '/crm/order-events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: message.value });
  } });
});
process.on('SIGTERM', async () => {
  console.log('fake bus stopping');
  await consumer?.disconnect();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`;

    it("says the broker is there, tells the bus, and the CRM gets the ERP's order events through it", async () => {
      const lines: string[] = [];
      const topic = topicName('demo');
      const stop = new AbortController();
      const options: DemoOptions = {
        sandboxPort: 0,
        busPort: 0,
        busCommand: process.execPath,
        busArgs: ['-e', KAFKA_BUS],
        busEnv: { PATH: process.env.PATH, KAFKAJS_MODULE: require.resolve('kafkajs') },
        cwd: process.cwd(),
        failureRate: 0,
        // Until the CRM has events, or a minute at most.
        durationMs: 60_000,
        seed: 1,
        webEveryMs: 200,
        legacyEveryMs: 1_000,
        soapEveryMs: 1_000,
        summaryEveryMs: 250,
        busReadyTimeoutMs: 10_000,
        kafkaBrokers: broker!.brokers,
        erpEventsTopic: topic,
        // About Kafka only: the machine's RabbitMQ and MQTT broker are left out.
        amqpUrl: `amqp://guest:guest@${unused}`,
        mqttUrl: `mqtt://${unused}`,
        signal: stop.signal,
        log: (line) => {
          lines.push(line);
          if (/\| CRM order events: [1-9]/.test(line)) stop.abort();
        },
      };
      expect(await runDemo(options)).toBe(0);
      const text = lines.join('\n');
      const at = broker!.brokers.join(',');
      expect(lines).toContain(`kafka    broker at ${at}: the ERP publishes order events to ${topic}, the bus routes them`);
      expect(text).toMatch(new RegExp(` with PORT=\\d+ SANDBOX_URL=\\S+ PUBLIC_URL=\\S+ KAFKA_BROKERS=${at} SANDBOX_ERP_EVENTS_TOPIC=${topic}( |$)`, 'm'));
      expect(text).toContain(`[bus] fake bus on`);
      expect(text).toContain(`with KAFKA_BROKERS=${at} SANDBOX_ERP_EVENTS_TOPIC=${topic}`);
      expect(text).toContain(`erp events: publishing to ${topic} at ${at}`);
      expect(text).not.toMatch(/not published/);
      expect(lines.filter((l) => l.startsWith('== ') && l.includes('CRM order events:')).pop()).toMatch(/\| CRM order events: [1-9]\d*$/);

      // What the fake bus routed is what the ERP published: OrderAccepted of the first web order, keyed by its id.
      const received = await consume(topic, (r) => r.some((m) => m.key === 'W-100001'));
      expect(received.find((m) => m.key === 'W-100001')?.value).toMatchObject({ event: 'OrderAccepted', orderId: 'W-100001' });
    });
  });
});

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = ([] as Array<Buffer | string>).concat(value).map(String).join(', ');
  }
  return out;
}
