import { waitUntil } from '@junction/testing';
import { drain, testBrokers, uniqueTopic } from './support/kafka';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const text = (v: Buffer | string | null | undefined) => (v === undefined || v === null ? undefined : String(v));

/** A Kafka target on a topic the broker creates on first use, and what its `key` is evaluated on. */
describe('Kafka target: order on a new topic, the key', () => {
  let bus: TestBus;
  const fresh = uniqueTopic('fresh');
  const keyed = uniqueTopic('keyed');

  beforeAll(async () => {
    bus = await startTestBus({
      routes: {
        'kafka.yaml': `
routes:
  - id: to-new-topic
    from: { http: { path: /fresh } }
    to:
      - id: fresh-topic
        kafka: { topic: ${fresh}, key: orderId }

  - id: keyed-after-steps
    from: { http: { path: /keyed } }
    steps:
      - setHeaders: { x-order: { expr: order.no } }
    to:
      - id: keyed-topic
        kafka: { topic: ${keyed}, key: "id & '/' & $headers.'x-order'" }
        steps:
          - map: '{ "id": "E-" & order.no, "lines": $count(order.lines) }'
`,
      },
      env: { KAFKA_BROKERS: testBrokers().join(',') },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
  });

  async function delivered(ids: readonly string[]): Promise<void> {
    await waitUntil(
      async () => (await Promise.all(ids.map((id) => getJson(`${bus.url}/admin/messages/${id}`)))).every((m) => m.status === 'delivered'),
      60_000,
      `${ids.length} messages delivered`,
    );
  }

  test('four sequential sends with one key to a topic that does not exist yet arrive in the order sent', async () => {
    const ids: string[] = [];
    for (let seq = 1; seq <= 4; seq++) {
      const res = await post(`${bus.url}/fresh`, { orderId: 'O-1', seq });
      expect(res.status).toBe(202);
      ids.push(res.json.messageId);
    }
    await delivered(ids);
    const reader = await drain(fresh);
    try {
      await waitUntil(() => reader.messages.length >= 4, 60_000, 'four records on the new topic');
      const seqs = reader.messages.map((m) => (JSON.parse(m.value!.toString()) as { seq: number }).seq);
      console.log(`kafka new topic: ${reader.messages.length} records, order ${seqs.join(',')}`);
      expect(seqs).toEqual([1, 2, 3, 4]);
      expect(reader.messages.map((m) => text(m.key))).toEqual(['O-1', 'O-1', 'O-1', 'O-1']);
    } finally {
      await reader.stop();
    }
  });

  test("the key is evaluated on the copy the target sends: after the target's steps, with the headers", async () => {
    const res = await post(`${bus.url}/keyed`, { order: { no: 'N-7', lines: [1, 2, 3] } });
    expect(res.status).toBe(202);
    await delivered([res.json.messageId]);
    const reader = await drain(keyed);
    try {
      await waitUntil(() => reader.messages.length >= 1, 60_000, 'the keyed record');
      expect(text(reader.messages[0]!.key)).toBe('E-N-7/N-7');
      expect(JSON.parse(reader.messages[0]!.value!.toString())).toEqual({ id: 'E-N-7', lines: 3 });
    } finally {
      await reader.stop();
    }
  });
});
