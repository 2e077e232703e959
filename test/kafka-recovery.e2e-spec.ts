import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startOwnKafkaBroker, startTargetServer, waitUntil, type OwnKafkaBroker, type RunningChild, type TargetServer } from '@junction/testing';
import { tally, uniqueTopic } from './support/kafka';
import { startChildBus } from './support/child-bus';

/** The goal: consumption resumes within this long of the bus and the broker both being back. */
const RESUME_GOAL_MS = 15_000;
const BEFORE = 300;
const AFTER = 600;

/**
 * Recovery of Kafka consumption after the worst sequence an operator meets: the bus is killed with SIGKILL (its
 * consumer never leaves its group), the broker restarts, and the bus comes back while the broker is still down. The
 * broker is this suite's own, so that restarting it disturbs no other suite. Figures: the time from both being back
 * (the broker answering metadata, the bus answering /health) to the first delivery and to catching up.
 */
describe('Kafka consumption after a bus kill -9 and a broker restart', () => {
  let broker: OwnKafkaBroker;
  let target: TargetServer;
  let dir: string;
  const buses: RunningChild[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-kafka-recovery-'));
    target = await startTargetServer();
    broker = await startOwnKafkaBroker();
  }, 180_000);
  afterAll(async () => {
    for (const b of buses) await b.kill('SIGKILL').catch(() => undefined);
    await target?.close();
    await broker?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`resumes within ${RESUME_GOAL_MS / 1000} s of both being back, 0 lost`, async () => {
    const topic = uniqueTopic('recovery');
    const kafka = new Kafka({ clientId: 'junction-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const produce = async (ids: readonly string[]) => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: ids.map((id) => ({ key: id, value: JSON.stringify({ id }), headers: { 'content-type': 'application/json' } })) });
      await producer.disconnect();
    };
    const routes = `
routes:
  - id: kafka-recovery
    from: { kafka: { topic: ${topic}, group: ${topic}-group, fromBeginning: true } }
    mode: async
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]
`;
    const startBus = async () => {
      const bus = await startChildBus({
        dir,
        name: 'recovery',
        routes,
        databaseUrl: `sqlite:${join(dir, 'recovery.db')}`,
        env: { KAFKA_BROKERS: broker.brokers.join(','), TARGET_URL: target.url },
      });
      buses.push(bus.child);
      return bus;
    };
    const delivered = () => target.requests.map((r) => (r.json as { id?: string } | undefined)?.id ?? '');

    const before = Array.from({ length: BEFORE }, (_, i) => `${topic}-a${i}`);
    const after = Array.from({ length: AFTER }, (_, i) => `${topic}-b${i}`);
    const first = await startBus();
    await produce(before);
    await waitUntil(() => before.every((id) => delivered().includes(id)), 60_000, 'the first messages delivered');
    // Offsets are committed after each chunk the bus accepted; a moment more lets the last commit land.
    await new Promise((r) => setTimeout(r, 1_000));

    await first.child.kill('SIGKILL');
    await produce(after);
    await broker.stop('SIGTERM');
    // The bus comes back first and finds no broker: its consumer retries with backoff meanwhile.
    await startBus();
    const busBackAt = Date.now();
    await new Promise((r) => setTimeout(r, 8_000));
    await broker.start();
    const bothBackAt = Math.max(busBackAt, Date.now());

    const wanted = new Set(after);
    const arrivals = () => target.requests.filter((r) => wanted.has((r.json as { id?: string } | undefined)?.id ?? ''));
    await waitUntil(() => arrivals().length > 0, 120_000, 'a first delivery after the restart');
    const resumedMs = arrivals()[0].receivedAt - bothBackAt;
    await waitUntil(() => new Set(arrivals().map((r) => (r.json as { id: string }).id)).size === AFTER, 120_000, 'caught up');
    const firstArrival = new Map<string, number>();
    for (const r of arrivals()) {
      const id = (r.json as { id: string }).id;
      if (!firstArrival.has(id)) firstArrival.set(id, r.receivedAt);
    }
    const caughtUpMs = Math.max(...firstArrival.values()) - bothBackAt;
    process.stdout.write(
      `kafka recovery: first delivery ${(resumedMs / 1000).toFixed(1)} s, caught up ${(caughtUpMs / 1000).toFixed(1)} s after the bus and the broker were both back\n`,
    );
    const counts = tally('kafka recovery', [...before, ...after], delivered());
    expect(counts.lost).toBe(0);
    expect(resumedMs).toBeLessThanOrEqual(RESUME_GOAL_MS);
    // Catching up on the whole backlog is throughput, which a loaded machine slows (15.3 s seen at load 8): it gets
    // three times the goal; resuming, the goal itself, is the first delivery above.
    expect(caughtUpMs).toBeLessThanOrEqual(3 * RESUME_GOAL_MS);
  }, 400_000);
});
