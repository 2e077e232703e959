import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startChildProcess, startTargetServer, waitUntil, type RunningChild, type TargetServer } from '@junction/testing';
import { createTopic, testBrokers, testProducer, tally, uniqueTopic } from './support/kafka';
import { freshDatabase, getJson, TEST_ADMIN_TOKEN } from './support/test-bus';

const MAIN = resolve(__dirname, '..', 'dist', 'apps', 'bus', 'src', 'main.js');

const route = (topic: string, group: string, extra = '') => `
routes:
  - id: kafka-orders
    from:
      kafka: { topic: ${topic}, group: ${group}, fromBeginning: true, concurrency: 3 }
    mode: async
    to:
      - id: sink
        http: { url: "\${TARGET_URL}/sink" }
        retry: { attempts: 3, backoffMs: 20, maxBackoffMs: 50 }
${extra}`;

/**
 * Kafka ingress on a real broker, the bus as its own process (the built code, as npm start runs it): every message
 * produced reaches the HTTP target at least once, through kill -9, SIGTERM, a poison message and a second instance.
 */
describe('Kafka ingress end to end', () => {
  let target: TargetServer;
  let dir: string;
  const poison = new Set<string>();
  const buses: RunningChild[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-kafka-'));
    target = await startTargetServer({
      respond: (req) => {
        const id = (req.json as { id?: string } | undefined)?.id ?? '';
        return poison.has(id) ? { status: 500 } : { body: { ok: true } };
      },
    });
  });
  afterAll(async () => {
    for (const b of buses) await b.kill('SIGKILL').catch(() => undefined);
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a bus on its own port with the given route file and database; resolves once it is healthy. */
  async function startBus(name: string, routes: string, databaseUrl: string, env: Record<string, string> = {}) {
    const routesDir = join(dir, `${name}-routes`);
    mkdirSync(routesDir, { recursive: true });
    writeFileSync(join(routesDir, 'kafka.yaml'), routes);
    const port = await freePort();
    const child = await startChildProcess(process.execPath, [MAIN], {
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        ROUTES_DIR: routesDir,
        DATABASE_URL: databaseUrl,
        TARGET_URL: target.url,
        KAFKA_BROKERS: testBrokers().join(','),
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        LEASE_MS: '2000',
        WATCH_ROUTES: 'false',
        ...env,
      },
      readyUrl: `http://127.0.0.1:${port}/health`,
      readyTimeoutMs: 60_000,
    });
    buses.push(child);
    return { child, url: `http://127.0.0.1:${port}` };
  }

  const received = (ids: ReadonlySet<string>) =>
    target.requests.map((r) => (r.json as { id?: string } | undefined)?.id ?? '').filter((id) => ids.has(id));

  test('10,000 messages: 0 lost, duplicates reported', async () => {
    const topic = uniqueTopic('orders');
    await createTopic(topic, 3);
    const ids = Array.from({ length: 10_000 }, (_, i) => `${topic}-${i}`);
    const set = new Set(ids);
    const db = `sqlite:${join(dir, 'ten-thousand.db')}`;
    const bus = await startBus('ten-thousand', route(topic, `${topic}-group`), db);
    const producer = await testProducer();
    await producer.produce(topic, ids);
    await producer.close();
    await waitUntil(() => new Set(received(set)).size === ids.length, 120_000, 'all 10,000 delivered');
    const counts = tally('kafka 10,000', ids, received(set));
    expect(counts.lost).toBe(0);
    // every offset committed once the messages were taken: the lag drains to 0 (commits are periodic)
    type Source = { routeId: string; state: string; backlog?: number; detail?: { group: string; partitions: Array<{ committed: number; high: number; lag: number }> } };
    let source: Source | undefined;
    await waitUntil(async () => {
      const connectors: Array<{ kind: string; sources: Source[] }> = await getJson(`${bus.url}/admin/connectors`);
      source = connectors.find((c) => c.kind === 'kafka')?.sources[0];
      const partitions = source?.detail?.partitions ?? [];
      return partitions.length === 3 && partitions.every((p) => p.lag === 0);
    }, 30_000, 'consumer lag 0');
    expect(source).toMatchObject({ routeId: 'kafka-orders', state: 'connected', backlog: 0, detail: { group: `${topic}-group` } });
    expect(source!.detail!.partitions.reduce((sum, p) => sum + p.committed, 0)).toBe(10_000);
    await bus.child.kill('SIGTERM');
  });

  test('a poison message is dead-lettered after its attempts while the messages behind it keep flowing', async () => {
    const topic = uniqueTopic('poison');
    await createTopic(topic, 1);
    const ids = Array.from({ length: 200 }, (_, i) => `${topic}-${i}`);
    poison.add(ids[10]);
    const set = new Set(ids);
    const bus = await startBus('poison', route(topic, `${topic}-group`), `sqlite:${join(dir, 'poison.db')}`);
    const producer = await testProducer();
    await producer.produce(topic, ids);
    await producer.close();
    const healthy = ids.filter((id) => !poison.has(id));
    await waitUntil(() => healthy.every((id) => received(set).includes(id)), 60_000, 'the messages behind the poison one');
    await waitUntil(async () => (await getJson(`${bus.url}/admin/dead-letters?route=kafka-orders`)).length === 1, 30_000, 'the dead letter');
    const attempts = target.requests.filter((r) => (r.json as { id?: string })?.id === ids[10]).length;
    const counts = tally('kafka poison (the messages behind it)', healthy, received(new Set(healthy)));
    process.stdout.write(`kafka poison: attempts on the poison message=${attempts}, dead letters=1\n`);
    expect(counts.lost).toBe(0);
    expect(attempts).toBe(3);
    await bus.child.kill('SIGTERM');
  });

  test.each([
    ['kill -9', 'SIGKILL'],
    ['SIGTERM', 'SIGTERM'],
  ] as const)('%s mid-stream, then a restart: 0 lost', async (what, signal) => {
    const topic = uniqueTopic(signal.toLowerCase());
    await createTopic(topic, 3);
    const ids = Array.from({ length: 5_000 }, (_, i) => `${topic}-${i}`);
    const set = new Set(ids);
    const db = `sqlite:${join(dir, `${signal}.db`)}`;
    // A short shutdown allowance, so that a SIGTERM stops the first bus while the outbox still holds accepted work.
    const first = await startBus(`${signal}-1`, route(topic, `${topic}-group`), db, { SHUTDOWN_TIMEOUT_MS: '100' });
    const producer = await testProducer();
    await producer.produce(topic, ids);
    await producer.close();
    await waitUntil(() => received(set).length >= 500, 60_000, 'deliveries under way');
    const exit = await first.child.kill(signal);
    const atStop = new Set(received(set)).size;
    expect(atStop).toBeLessThan(ids.length);
    if (signal === 'SIGTERM') expect(exit).toBe(0);
    const second = await startBus(`${signal}-2`, route(topic, `${topic}-group`), db);
    await waitUntil(() => new Set(received(set)).size === ids.length, 120_000, `all delivered after the ${what}`);
    const counts = tally(`kafka ${what} (stopped at ${atStop})`, ids, received(set));
    expect(counts.lost).toBe(0);
    await second.child.kill('SIGTERM');
  });

  test('two instances in one group on one PostgreSQL, one killed: the other takes over, 0 lost', async () => {
    const topic = uniqueTopic('pair');
    await createTopic(topic, 4);
    const ids = Array.from({ length: 5_000 }, (_, i) => `${topic}-${i}`);
    const set = new Set(ids);
    const db = await freshDatabase('postgres', dir);
    try {
      const a = await startBus('pair-a', route(topic, `${topic}-group`), db.url, { INSTANCE_ID: 'a' });
      const b = await startBus('pair-b', route(topic, `${topic}-group`), db.url, { INSTANCE_ID: 'b' });
      const producer = await testProducer();
      await producer.produce(topic, ids);
      await producer.close();
      await waitUntil(() => received(set).length >= 1_000, 60_000, 'deliveries under way');
      await a.child.kill('SIGKILL');
      await waitUntil(() => new Set(received(set)).size === ids.length, 120_000, 'all delivered by the survivor');
      const counts = tally('kafka two instances, one killed', ids, received(set));
      expect(counts.lost).toBe(0);
      await b.child.kill('SIGTERM');
    } finally {
      await db.drop();
    }
  });
});
