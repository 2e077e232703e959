import { Kafka, logLevel } from 'kafkajs';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { createTopic, testBrokers, uniqueTopic } from './support/kafka';
import { getJson, startTestBus, type TestBus } from './support/test-bus';

const KEYS = 40;
const RESENT = 10;

/**
 * Idempotent Consumer on a Kafka route: records whose key was seen are committed (the lag drains to 0) but not
 * delivered again, and journaled as duplicates. Real broker, unique topic.
 */
describe('idempotent consumer on a Kafka route', () => {
  let target: TargetServer;
  let bus: TestBus;
  const topic = uniqueTopic('idem-in');

  beforeAll(async () => {
    await createTopic(topic, 1);
    target = await startTargetServer();
    bus = await startTestBus({
      routes: {
        'idem.yaml': `
routes:
  - id: kafka-idem
    from:
      kafka: { topic: ${topic}, group: ${topic}-group, fromBeginning: true }
    mode: async
    idempotent: { key: "$headers.'kafka-key'", retention: 1h }
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

  test(`${KEYS + RESENT} records, ${RESENT} with a key seen before: ${KEYS} delivered, every offset committed`, async () => {
    const kafka = new Kafka({ clientId: 'junction-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const records = Array.from({ length: KEYS }, (_, i) => ({ key: `k-${i}`, value: JSON.stringify({ i, copy: 0 }) }));
    // The resends come in a later batch, so the first copy of each is the one delivered.
    const resends = Array.from({ length: RESENT }, (_, i) => ({ key: `k-${i * 3}`, value: JSON.stringify({ i: i * 3, copy: 1 }) }));
    try {
      await producer.send({ topic, acks: -1, messages: records });
      await producer.send({ topic, acks: -1, messages: resends });
    } finally {
      await producer.disconnect();
    }
    type Source = { routeId: string; backlog?: number; detail?: { partitions: Array<{ committed: number; lag: number }> } };
    let source: Source | undefined;
    await waitUntil(async () => {
      const connectors: Array<{ kind: string; sources: Source[] }> = await getJson(`${bus.url}/admin/connectors`);
      source = connectors.find((c) => c.kind === 'kafka')?.sources.find((s) => s.routeId === 'kafka-idem');
      const partitions = source?.detail?.partitions ?? [];
      return partitions.length === 1 && partitions[0].committed === KEYS + RESENT;
    }, 60_000, 'every offset committed');
    await waitUntil(() => target.count('/sink') >= KEYS, 30_000, 'every key delivered');
    await new Promise((r) => setTimeout(r, 1_000));
    const duplicates: Array<{ status: string }> = await getJson(`${bus.url}/admin/messages?route=kafka-idem&status=duplicate&limit=1000`);
    const delivered = target.requests.filter((r) => r.path === '/sink').map((r) => r.json as { i: number; copy: number });
    process.stdout.write(
      `kafka idempotent: ${KEYS + RESENT} records (${RESENT} resent keys), ${delivered.length} delivered, ${duplicates.length} journaled duplicate, ` +
        `committed ${source!.detail!.partitions[0].committed}, lag ${source!.detail!.partitions[0].lag}\n`,
    );
    expect(delivered).toHaveLength(KEYS);
    expect(new Set(delivered.map((d) => d.i)).size).toBe(KEYS);
    expect(delivered.every((d) => d.copy === 0)).toBe(true);
    expect(duplicates).toHaveLength(RESENT);
    expect(source!.detail!.partitions[0].lag).toBe(0);
  });
});
