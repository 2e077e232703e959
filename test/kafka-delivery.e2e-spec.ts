import { Kafka, logLevel } from 'kafkajs';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { createTopic, drain, testBrokers, uniqueTopic } from './support/kafka';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const text = (v: Buffer | string | (Buffer | string)[] | null | undefined) => (v === undefined || v === null ? undefined : String(v));

describe('Kafka delivery and Kafka ingress details', () => {
  let target: TargetServer;
  let bus: TestBus;
  const out = uniqueTopic('out');
  const inTopic = uniqueTopic('in');
  const dlt = uniqueTopic('dlt');

  beforeAll(async () => {
    await createTopic(out, 3);
    await createTopic(inTopic, 1);
    await createTopic(dlt, 1);
    target = await startTargetServer();
    bus = await startTestBus({
      routes: {
        'kafka.yaml': `
routes:
  - id: to-kafka
    from: { http: { path: /events } }
    mode: async
    to:
      - id: events-topic
        kafka:
          topic: ${out}
          key: orderId
          headers: { x-source: junction }
          compression: gzip

  - id: from-kafka
    from:
      kafka: { topic: ${inTopic}, group: ${inTopic}-group, fromBeginning: true, deadLetterTopic: ${dlt} }
    mode: async
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]
`,
      },
      env: { TARGET_URL: target.url, KAFKA_BROKERS: testBrokers().join(',') },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('a topic target: key from an expression, headers, gzip, every message acknowledged', async () => {
    const reader = await drain(out);
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `O-${i}`);
      const accepted = await Promise.all(ids.map((orderId) => post(`${bus.url}/events`, { orderId, total: 5 })));
      expect(accepted.every((r) => r.status === 202)).toBe(true);
      await waitUntil(() => reader.messages.length >= ids.length, 30_000, 'all 50 on the topic');
      expect(reader.messages.map((m) => text(m.key)).sort()).toEqual([...ids].sort());
      const first = reader.messages.find((m) => text(m.key) === 'O-0')!;
      expect(JSON.parse(first.value!.toString())).toEqual({ orderId: 'O-0', total: 5 });
      expect(text(first.headers!['x-source'])).toBe('junction');
      expect(text(first.headers!['content-type'])).toContain('json');
      expect(text(first.headers!['x-message-id'])).toBe(accepted[0].json.messageId);
      const record = await getJson(`${bus.url}/admin/messages/${accepted[0].json.messageId}`);
      expect(record).toMatchObject({ status: 'delivered' });
    } finally {
      await reader.stop();
    }
  });

  test('Kafka key and headers become message headers; a refused message goes to the dead-letter topic and the partition moves on', async () => {
    const kafka = new Kafka({ clientId: 'junction-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: inTopic,
      acks: -1,
      messages: [
        { key: 'k-1', value: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json', 'x-tenant': 'acme' } },
        { key: 'k-2', value: '{"n": 2,', headers: { 'content-type': 'application/json' } },
        { key: 'k-3', value: JSON.stringify({ n: 3 }) },
      ],
    });
    await producer.disconnect();
    const reader = await drain(dlt);
    try {
      await waitUntil(() => target.requests.filter((r) => r.path === '/sink').length >= 2, 30_000, 'the two good messages');
      const sunk = target.requests.filter((r) => r.path === '/sink');
      expect(sunk.map((r) => r.json)).toEqual([{ n: 1 }, { n: 3 }]);
      expect(sunk[0].headers).toMatchObject({ 'kafka-key': 'k-1', 'x-tenant': 'acme', 'kafka-topic': inTopic, 'kafka-partition': '0' });
      await waitUntil(() => reader.messages.length === 1, 30_000, 'the refused one on the dead-letter topic');
      const refused = reader.messages[0];
      expect(refused.value!.toString()).toBe('{"n": 2,');
      expect(text(refused.headers!['junction-error-code'])).toBe('JSON_MALFORMED');
      const letters = await getJson(`${bus.url}/admin/dead-letters?route=from-kafka`);
      expect(letters).toEqual([expect.objectContaining({ reason: expect.objectContaining({ code: 'JSON_MALFORMED' }) })]);
    } finally {
      await reader.stop();
    }
  });
});
