import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type RunningChild, type TargetServer } from '@junction/testing';
import type { ConsumeMessage } from 'amqplib';
import { closeConnectionsNamed, connectionsNamed, TEST_AMQP_URL, testRabbit, uniqueName, type TestRabbit } from '../libs/connectors/src/amqp/testing/rabbitmq';
import { startChildBus } from './support/child-bus';
import { tally } from './support/kafka';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * RabbitMQ end to end: the real bus (as a child process where it is killed, in process elsewhere), a real RabbitMQ
 * (127.0.0.1:5672, guest/guest, or AMQP_URL) and a real HTTP target. Every test counts what it produced against what
 * arrived, by a unique id, and prints produced/delivered/lost/duplicated.
 */

const ADMIN_TOKEN = 'amqp-e2e-admin-token';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const JSON_PROPS = () => ({ contentType: 'application/json' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An async route from a queue to the HTTP target. */
const queueToHttp = (routeId: string, amqp: string, extra = '') => `
routes:
  - id: ${routeId}
    from:
      amqp: ${amqp}
    mode: async
${extra}    to:
      - id: sink
        http: { url: "\${TARGET_URL}/sink" }
        retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 }
`;

describe('AMQP (RabbitMQ) end to end', () => {
  let rabbit: TestRabbit;
  let target: TargetServer;
  let dir: string;
  const children: RunningChild[] = [];
  const buses: TestBus[] = [];

  beforeAll(async () => {
    rabbit = await testRabbit();
    dir = mkdtempSync(join(tmpdir(), 'junction-amqp-'));
    target = await startTargetServer({
      respond: (req) => (req.path === '/slow' ? { delayMs: 150, body: { ok: true } } : { body: { ok: true } }),
    });
  });
  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL').catch(() => undefined);
    for (const b of buses) await b.destroy().catch(() => undefined);
    await target?.close();
    await rabbit?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const received = (ids: ReadonlySet<string>) =>
    target.requests.map((r) => (r.json as { id?: string } | undefined)?.id ?? '').filter((id) => ids.has(id));
  const uniqueReceived = (ids: ReadonlySet<string>) => new Set(received(ids)).size;
  const bodies = (ids: readonly string[]) => ids.map((id) => JSON.stringify({ id }));

  async function inProcessBus(routes: string, env: Record<string, string> = {}): Promise<TestBus> {
    const bus = await startTestBus({ routes: { 'amqp.yaml': routes }, env: { AMQP_URL: TEST_AMQP_URL, TARGET_URL: target.url, ADMIN_TOKEN, ...env } });
    buses.push(bus);
    return bus;
  }

  /** The amqp source of a route as `GET /admin/connectors` shows it. */
  async function sourceOf(busUrl: string, routeId: string) {
    const connectors: Array<{ kind: string; sources: Array<{ routeId: string; state: string; backlog?: number; detail?: Record<string, unknown> }> }> =
      await getJson(`${busUrl}/admin/connectors`, ADMIN);
    return connectors.find((c) => c.kind === 'amqp')?.sources.find((s) => s.routeId === routeId);
  }

  test('10,000 messages, the bus killed -9 twice mid-stream and restarted: 0 lost, duplicates counted', async () => {
    const queue = uniqueName('orders');
    await rabbit.queue(queue);
    const ids = Array.from({ length: 10_000 }, (_, i) => `${queue}-${i}`);
    const set = new Set(ids);
    const routes = queueToHttp(uniqueName('amqp-orders'), `{ queue: ${queue} }`);
    const start = async (n: number) => {
      const bus = await startChildBus({
        dir,
        name: `kill-${n}`,
        routes,
        databaseUrl: `sqlite:${join(dir, 'kill.db')}`,
        env: { AMQP_URL: TEST_AMQP_URL, TARGET_URL: target.url, LEASE_MS: '2000', ADMIN_TOKEN },
      });
      children.push(bus.child);
      return bus;
    };
    let bus = await start(1);
    // Published while the bus runs, so that the kills land while it takes messages as well as while it delivers.
    const publishing = (async () => {
      for (let i = 0; i < ids.length; i += 500) {
        await rabbit.publish(queue, bodies(ids.slice(i, i + 500)), JSON_PROPS);
        await sleep(100);
      }
    })();
    const atKill: number[] = [];
    for (const at of [1_500, 5_000]) {
      await waitUntil(() => uniqueReceived(set) >= at, 120_000, `${at} delivered`, 50);
      await bus.child.kill('SIGKILL');
      atKill.push(uniqueReceived(set));
      bus = await start(atKill.length + 1);
    }
    await publishing;
    await waitUntil(() => uniqueReceived(set) === ids.length, 240_000, 'all 10,000 delivered', 200);
    const counts = tally(`amqp 10,000, kill -9 twice (at ${atKill.join(' and ')} delivered)`, ids, received(set));
    expect(counts.lost).toBe(0);
    expect(atKill.every((n) => n < ids.length)).toBe(true);
    await waitUntil(async () => (await rabbit.depth(queue)) === 0, 30_000, 'the queue drained');
    expect(await bus.child.kill('SIGTERM')).toBe(0);
  }, 420_000);

  test('poison messages are dead-lettered by the bus and to the dead-letter exchange while the rest flows', async () => {
    const dlx = uniqueName('poison-dlx');
    const dlq = uniqueName('poison-dlq');
    await rabbit.exchange(dlx, 'fanout');
    await rabbit.queue(dlq);
    await rabbit.channel.bindQueue(dlq, dlx, '');
    const [asyncQueue, syncQueue] = [uniqueName('poison-async'), uniqueName('poison-sync')];
    const [asyncRoute, syncRoute] = [uniqueName('amqp-poison-async'), uniqueName('amqp-poison-sync')];
    rabbit.removeLater(asyncQueue);
    rabbit.removeLater(syncQueue);
    const route = (id: string, queue: string, mode: string) => `
  - id: ${id}
    from:
      amqp: { queue: ${queue}, declare: { deadLetterExchange: ${dlx} } }
    mode: ${mode}
    steps:
      - validate: { schema: { type: object, required: [id] } }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]
`;
    const bus = await inProcessBus(`routes:${route(asyncRoute, asyncQueue, 'async')}${route(syncRoute, syncQueue, 'sync')}`);
    for (const id of [asyncRoute, syncRoute]) {
      await waitUntil(async () => (await sourceOf(bus.url, id))?.state === 'connected', 30_000, `${id} declared its queue`);
    }

    // Async route: a malformed body is refused at intake (rejected: the broker dead-letters it); a message that fails
    // validation is accepted first (steps run after), so it is acknowledged, dead-lettered by the bus, and published
    // to the dead-letter exchange by the outbox. Sync route: the validation failure is a refusal, so the message goes
    // to the dead-letter exchange too.
    const malformed = '{"id": "broken';
    const invalid = '{"noId": true}';
    const asyncIds = Array.from({ length: 200 }, (_, i) => `${asyncQueue}-${i}`);
    const syncIds = Array.from({ length: 50 }, (_, i) => `${syncQueue}-${i}`);
    await rabbit.publish(asyncQueue, asyncIds.map((id, i) => (i === 10 ? malformed : i === 20 ? invalid : JSON.stringify({ id }))), JSON_PROPS);
    await rabbit.publish(syncQueue, syncIds.map((id, i) => (i === 5 ? invalid : JSON.stringify({ id }))), JSON_PROPS);
    const healthy = [...asyncIds.filter((_, i) => i !== 10 && i !== 20), ...syncIds.filter((_, i) => i !== 5)];
    const set = new Set(healthy);
    await waitUntil(() => uniqueReceived(set) === healthy.length, 60_000, 'the messages behind the poison ones');
    const reader = await rabbit.read(dlq);
    await waitUntil(() => reader.messages.length >= 3, 30_000, 'the dead-letter queue read');
    await sleep(500); // a fourth one would come right behind
    await reader.stop();
    type Letter = { reason: { code: string } };
    const asyncLetters: Letter[] = await getJson(`${bus.url}/admin/dead-letters?route=${asyncRoute}`, ADMIN);
    const syncLetters: Letter[] = await getJson(`${bus.url}/admin/dead-letters?route=${syncRoute}`, ADMIN);
    const counts = tally('amqp poison (the messages behind the poison ones)', healthy, received(set));
    process.stdout.write(
      `amqp poison: produced=3 bus dead letters=${asyncLetters.length + syncLetters.length} dead-letter queue=${reader.messages.length} ` +
        `(async: malformed and invalid in both; sync: invalid in both)\n`,
    );
    expect(counts.lost).toBe(0);
    expect(asyncLetters.map((l) => l.reason.code).sort()).toEqual(['JSON_MALFORMED', 'VALIDATION_FAILED']);
    expect(syncLetters.map((l) => l.reason.code)).toEqual(['VALIDATION_FAILED']);
    const dead = reader.messages.map((m) => ({
      body: m.content.toString(),
      death: m.properties.headers?.['x-death']?.[0],
      code: m.properties.headers?.['junction-error-code'] as string | undefined,
    }));
    expect(dead).toEqual(
      expect.arrayContaining([
        { body: malformed, death: expect.objectContaining({ reason: 'rejected', queue: asyncQueue }), code: undefined },
        { body: invalid, death: expect.objectContaining({ reason: 'rejected', queue: syncQueue }), code: undefined },
        // Published by the bus, not rejected to the broker: the reason travels in the bus's headers.
        { body: invalid, death: undefined, code: 'VALIDATION_FAILED' },
      ]),
    );
    expect(dead).toHaveLength(3);
    expect(await rabbit.depth(asyncQueue)).toBe(0);
    expect(await rabbit.depth(syncQueue)).toBe(0);
  }, 180_000);

  test('the broker connection closed by force mid-stream: the bus reconnects, 0 lost', async () => {
    const queue = uniqueName('forced');
    await rabbit.queue(queue);
    const routeId = uniqueName('amqp-forced');
    const bus = await inProcessBus(queueToHttp(routeId, `{ queue: ${queue}, prefetch: 50 }`));
    const ids = Array.from({ length: 3_000 }, (_, i) => `${queue}-${i}`);
    const set = new Set(ids);
    const publishing = (async () => {
      for (let i = 0; i < ids.length; i += 250) {
        await rabbit.publish(queue, bodies(ids.slice(i, i + 250)), JSON_PROPS);
        await sleep(100);
      }
    })();
    await waitUntil(() => uniqueReceived(set) >= 500, 60_000, '500 delivered');
    const atClose = uniqueReceived(set);
    expect(await closeConnectionsNamed(`junction ${routeId}`, 'test')).toBe(1);
    await publishing;
    await waitUntil(() => uniqueReceived(set) === ids.length, 120_000, 'all 3,000 delivered');
    const counts = tally(`amqp forced connection close (at ${atClose} delivered)`, ids, received(set));
    expect(counts.lost).toBe(0);
    expect(atClose).toBeLessThan(ids.length);
    await waitUntil(async () => (await sourceOf(bus.url, routeId))?.state === 'connected', 30_000, 'connected again');
    expect(await connectionsNamed(`junction ${routeId}`)).toHaveLength(1);
    await waitUntil(async () => (await rabbit.depth(queue)) === 0, 30_000, 'the queue drained');
  }, 240_000);

  test('HTTP to an exchange with publisher confirms: every message read back with its properties', async () => {
    const exchange = uniqueName('events');
    const queue = uniqueName('order-events');
    await rabbit.exchange(exchange, 'topic');
    await rabbit.queue(queue);
    await rabbit.channel.bindQueue(queue, exchange, 'order.*');
    const routeId = uniqueName('http-to-amqp');
    const bus = await inProcessBus(`
routes:
  - id: ${routeId}
    from: { http: { path: /amqp-events } }
    mode: async
    to:
      - id: events
        amqp: { exchange: ${exchange}, routingKeyExpr: '"order." & type', headers: { x-source: junction } }
`);
    const reader = await rabbit.read(queue);
    const sent = Array.from({ length: 100 }, (_, i) => ({ orderId: `o-${i}`, type: i % 2 ? 'created' : 'paid' }));
    const replies = await Promise.all(sent.map((body) => post(`${bus.url}/amqp-events`, body, { 'x-correlation-id': `corr-${body.orderId}` })));
    expect(replies.map((r) => r.status)).toEqual(sent.map(() => 202));
    const accepted = replies.map((r) => String(r.json.messageId));
    await waitUntil(() => reader.messages.length >= sent.length, 60_000, 'all 100 read from the queue');
    await sleep(500); // a duplicate would come right behind
    await reader.stop();
    const counts = tally('amqp HTTP -> exchange', accepted, reader.messages.map((m) => String(m.properties.messageId)));
    expect(counts.lost).toBe(0);
    expect(counts.duplicated).toBe(0);
    const byId = new Map<string, ConsumeMessage>(reader.messages.map((m) => [String(m.properties.messageId), m]));
    sent.forEach((body, i) => {
      const m = byId.get(accepted[i])!;
      expect(JSON.parse(m.content.toString())).toEqual(body);
      expect(m.fields.routingKey).toBe(`order.${body.type}`);
      expect(m.properties).toMatchObject({ contentType: expect.stringContaining('json'), correlationId: `corr-${body.orderId}`, deliveryMode: 2 });
      expect(m.properties.headers).toMatchObject({ 'x-source': 'junction', 'x-message-id': accepted[i], 'x-correlation-id': `corr-${body.orderId}` });
      expect(m.properties.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    });
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${accepted[0]}`, ADMIN)).status === 'delivered', 30_000, 'journaled as delivered');
  }, 120_000);

  test('GET /admin/connectors shows the amqp source connected with its backlog (a sync route, one message at a time)', async () => {
    const queue = uniqueName('slow');
    await rabbit.queue(queue);
    const routeId = uniqueName('amqp-sync');
    // The url comes from the environment with its credentials: they must not show in the admin API.
    const bus = await inProcessBus(
      `
routes:
  - id: ${routeId}
    from:
      amqp: { url: "\${RABBIT_URL}", queue: ${queue}, prefetch: 1 }
    mode: sync
    to: [{ id: slow, http: { url: "\${TARGET_URL}/slow" } }]
`,
      { RABBIT_URL: TEST_AMQP_URL },
    );
    await waitUntil(async () => (await sourceOf(bus.url, routeId))?.state === 'connected', 30_000, 'connected');
    expect(await sourceOf(bus.url, routeId)).toMatchObject({ state: 'connected', backlog: 0, detail: { queue, consumers: 1 } });
    expect((await fetch(`${bus.url}/admin/connectors`)).status).toBe(401);

    // The target answers /slow after 150 ms and the route takes one message at a time: the queue is seen waiting.
    const ids = Array.from({ length: 20 }, (_, i) => `${queue}-${i}`);
    const set = new Set(ids);
    await rabbit.publish(queue, bodies(ids), JSON_PROPS);
    let seen = 0;
    await waitUntil(
      async () => {
        seen = Math.max(seen, (await sourceOf(bus.url, routeId))?.backlog ?? 0);
        return seen > 0;
      },
      30_000,
      'a backlog while the queue drains',
    );
    await waitUntil(() => uniqueReceived(set) === ids.length, 60_000, 'all 20 delivered');
    await waitUntil(async () => (await sourceOf(bus.url, routeId))?.backlog === 0, 30_000, 'backlog 0');
    const counts = tally(`amqp sync route (backlog seen up to ${seen})`, ids, received(set));
    expect(counts.lost).toBe(0);
    const shown = JSON.stringify([await getJson(`${bus.url}/admin/connectors`, ADMIN), await getJson(`${bus.url}/admin/routes`, ADMIN)]);
    expect(shown).not.toContain('guest:guest');
  }, 180_000);
});
