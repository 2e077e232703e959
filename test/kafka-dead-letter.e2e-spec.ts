import { Kafka, logLevel } from 'kafkajs';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { createTopic, drain, testBrokers, uniqueTopic } from './support/kafka';
import { getJson, startTestBus, type TestBus } from './support/test-bus';

const text = (v: Buffer | string | (Buffer | string)[] | null | undefined) => (v === undefined || v === null ? undefined : String(v));

const SCHEMA = JSON.stringify({ type: 'object', required: ['n'], properties: { n: { type: 'number' } } });

/**
 * Dead-letter topics get every refusal: on an async route a step refuses a message in the outbox, after its offset
 * was committed, and the copy still goes to the route's dead-letter topic, keyed as the original; so does a message
 * refused at ingress (unparseable) and a sync route's refusal. Real broker, unique topics.
 */
describe('Kafka dead-letter topic: every refusal, with its original key', () => {
  let target: TargetServer;
  let bus: TestBus;
  const asyncIn = uniqueTopic('dl-async-in');
  const asyncDlt = uniqueTopic('dl-async-dlt');
  const syncIn = uniqueTopic('dl-sync-in');
  const syncDlt = uniqueTopic('dl-sync-dlt');

  beforeAll(async () => {
    for (const t of [asyncIn, asyncDlt, syncIn, syncDlt]) await createTopic(t, 1);
    target = await startTargetServer();
    bus = await startTestBus({
      routes: {
        'dl.yaml': `
routes:
  - id: dl-async
    from:
      kafka: { topic: ${asyncIn}, group: ${asyncIn}-group, fromBeginning: true, deadLetterTopic: ${asyncDlt} }
    mode: async
    steps:
      - validate: { schema: ${SCHEMA} }
      - map: '$exists(boom) ? $error("mapping refused " & boom) : { "n": n, "ok": true }'
    to: [{ id: sink, http: { url: "\${TARGET_URL}/async" } }]

  - id: dl-sync
    from:
      kafka: { topic: ${syncIn}, group: ${syncIn}-group, fromBeginning: true, deadLetterTopic: ${syncDlt} }
    mode: sync
    steps:
      - validate: { schema: ${SCHEMA} }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sync" } }]
`,
      },
      env: { TARGET_URL: target.url, KAFKA_BROKERS: testBrokers().join(',') },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  async function produce(topic: string, messages: Array<{ key: string | null; value: string }>): Promise<void> {
    const kafka = new Kafka({ clientId: 'junction-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({ ...m, headers: { 'content-type': 'application/json', 'x-tenant': 'acme' } })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  test('async route: a validation refusal, a mapping refusal and an unparseable record go to the dead-letter topic with their keys', async () => {
    const reader = await drain(asyncDlt);
    try {
      await produce(asyncIn, [
        { key: 'good-1', value: JSON.stringify({ n: 1 }) },
        { key: 'invalid-2', value: JSON.stringify({ n: 'two' }) },
        { key: 'mapping-3', value: JSON.stringify({ n: 3, boom: 'x' }) },
        { key: 'broken-4', value: '{"n": 4,' },
        { key: null, value: JSON.stringify({ nothing: 5 }) },
        { key: 'good-6', value: JSON.stringify({ n: 6 }) },
      ]);
      await waitUntil(() => target.count('/async') >= 2, 30_000, 'the two good messages');
      await waitUntil(() => reader.messages.length >= 4, 30_000, 'four refusals on the dead-letter topic');
      await new Promise((r) => setTimeout(r, 1_000));
      const letters = reader.messages.map((m) => ({
        key: text(m.key) ?? null,
        value: m.value!.toString(),
        code: text(m.headers!['junction-error-code']),
        tenant: text(m.headers!['x-tenant']),
        id: text(m.headers!['x-message-id']),
      }));
      process.stdout.write(
        `kafka dead letters (async): 6 produced, ${target.count('/async')} delivered, ${letters.length} on the dead-letter topic: ` +
          `${letters.map((l) => `${l.key ?? '(no key)'}=${l.code}`).join(', ')}\n`,
      );
      expect(target.requests.filter((r) => r.path === '/async').map((r) => r.json)).toEqual([
        { n: 1, ok: true },
        { n: 6, ok: true },
      ]);
      expect(letters).toHaveLength(4);
      const byKey = new Map(letters.map((l) => [l.key, l]));
      expect(byKey.get('invalid-2')).toMatchObject({ value: JSON.stringify({ n: 'two' }), code: 'VALIDATION_FAILED', tenant: 'acme' });
      expect(byKey.get('mapping-3')).toMatchObject({ value: JSON.stringify({ n: 3, boom: 'x' }), tenant: 'acme' });
      expect(byKey.get('mapping-3')!.code).toEqual(expect.any(String));
      expect(byKey.get('broken-4')).toMatchObject({ value: '{"n": 4,', code: 'JSON_MALFORMED' });
      expect(byKey.get(null)).toMatchObject({ value: JSON.stringify({ nothing: 5 }), code: 'VALIDATION_FAILED' });
      // The copy names the journaled message, which is dead (replayable) as before.
      for (const l of letters) {
        expect(l.id).toEqual(expect.any(String));
        expect(await getJson(`${bus.url}/admin/messages/${l.id}`)).toMatchObject({ status: 'dead', routeId: 'dl-async' });
      }
    } finally {
      await reader.stop();
    }
  });

  test('sync route: a validation refusal goes to the dead-letter topic with its key', async () => {
    const reader = await drain(syncDlt);
    try {
      await produce(syncIn, [
        { key: 'sync-bad', value: JSON.stringify({ n: 'x' }) },
        { key: 'sync-good', value: JSON.stringify({ n: 2 }) },
      ]);
      await waitUntil(() => target.count('/sync') >= 1, 30_000, 'the good message');
      await waitUntil(() => reader.messages.length >= 1, 30_000, 'the refusal on the dead-letter topic');
      const refused = reader.messages[0];
      expect(text(refused.key)).toBe('sync-bad');
      expect(refused.value!.toString()).toBe(JSON.stringify({ n: 'x' }));
      expect(text(refused.headers!['junction-error-code'])).toBe('VALIDATION_FAILED');
    } finally {
      await reader.stop();
    }
  });
});
