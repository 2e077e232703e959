import { InputError, StoreError, silentLogger, type Ack, type Incoming, type IngressBinding, type MessageSink } from '@junction/core';
import { waitUntil } from '@junction/testing';
import { AmqpSourceSchema, type AmqpSourceDef } from './amqp.config';
import { AmqpIngress } from './amqp.ingress';
import { closeConnectionsNamed, connectionsNamed, TEST_AMQP_URL, testRabbit, uniqueName, type TestRabbit } from './testing/rabbitmq';

/**
 * The AMQP ingress against a real RabbitMQ, with a scripted sink in place of the bus: what it acknowledges, rejects
 * and leaves for redelivery, how it reconnects, what it reports.
 */

/** A sink that records what it took; `decide` may refuse (throw) or hold a message. */
function scriptedSink(decide: (incoming: Incoming, attempt: number) => Promise<void> | void = () => undefined) {
  const taken: Incoming[] = [];
  const attempts = new Map<string, number>();
  const sink: MessageSink = {
    async dispatch(_routeId, incoming): Promise<Ack> {
      const body = incoming.body.toString();
      const attempt = (attempts.get(body) ?? 0) + 1;
      attempts.set(body, attempt);
      await decide(incoming, attempt);
      taken.push(incoming);
      return { kind: 'accepted', messageId: `m-${taken.length}` };
    },
  };
  return { sink, taken, attempts, bodies: () => taken.map((i) => i.body.toString()) };
}

function binding(routeId: string, config: Record<string, unknown>, mode: 'sync' | 'async' = 'async'): IngressBinding<AmqpSourceDef> {
  return { routeId, mode, baseDir: '.', config: AmqpSourceSchema.parse({ url: TEST_AMQP_URL, ...config }) };
}

async function started(sink: MessageSink, bindings: IngressBinding<AmqpSourceDef>[]): Promise<AmqpIngress> {
  const ingress = new AmqpIngress({ url: TEST_AMQP_URL, log: silentLogger });
  await ingress.start(sink);
  await ingress.prepare(bindings);
  ingress.bind(bindings);
  ingress.listen();
  return ingress;
}

const stateOf = async (ingress: AmqpIngress, routeId: string) => (await ingress.status()).find((s) => s.routeId === routeId);

describe('AMQP ingress on a real RabbitMQ', () => {
  let rabbit: TestRabbit;
  const ingresses: AmqpIngress[] = [];

  beforeAll(async () => {
    rabbit = await testRabbit();
  });
  afterEach(async () => {
    await Promise.all(ingresses.splice(0).map((i) => i.close(2_000)));
  });
  afterAll(async () => {
    await rabbit?.cleanup();
  });

  test('acknowledges what the bus took, rejects what it refused to the dead-letter exchange, maps headers', async () => {
    const queue = uniqueName('in');
    const dlx = uniqueName('dlx');
    const dlq = uniqueName('dlq');
    await rabbit.exchange(dlx, 'fanout');
    await rabbit.queue(dlq);
    await rabbit.channel.bindQueue(dlq, dlx, '');
    rabbit.removeLater(queue);
    const { sink, bodies } = scriptedSink((incoming) => {
      if (incoming.body.toString() === 'poison') throw new InputError('JSON_MALFORMED', 'not JSON');
    });
    const route = uniqueName('route');
    ingresses.push(await started(sink, [binding(route, { queue, declare: { deadLetterExchange: dlx }, prefetch: 1 })]));
    await waitUntil(async () => (await stateOf(ingresses[0], route))?.state === 'connected', 20_000, 'the consumer connected');

    await rabbit.publish(queue, ['{"n":1}', 'poison', '{"n":3}'], (i) => ({
      contentType: i === 0 ? 'application/json' : undefined,
      correlationId: `c-${i}`,
      messageId: `source-${i}`,
      headers: { 'X-Tenant': 'acme' },
    }));
    await waitUntil(() => bodies().length === 2, 20_000, 'the two good messages taken');
    await waitUntil(async () => (await rabbit.depth(dlq)) === 1, 20_000, 'the refused one in the dead-letter queue');
    expect(bodies()).toEqual(['{"n":1}', '{"n":3}']);
    await waitUntil(async () => (await stateOf(ingresses[0], route))?.backlog === 0, 20_000, 'nothing left in the queue');
    expect(await stateOf(ingresses[0], route)).toMatchObject({ state: 'connected', backlog: 0, detail: { queue, consumers: 1 } });
    const [dead] = await rabbit.read(dlq).then(async (r) => {
      await waitUntil(() => r.messages.length === 1, 20_000, 'the dead letter read');
      await r.stop();
      return r.messages;
    });
    expect(dead.content.toString()).toBe('poison');
    expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ reason: 'rejected', queue });
  });

  test('headers and properties become message headers; a body without content type is sniffed', async () => {
    const queue = uniqueName('headers');
    await rabbit.queue(queue);
    const { sink, taken } = scriptedSink();
    const route = uniqueName('route');
    ingresses.push(await started(sink, [binding(route, { queue })]));
    await rabbit.publish(queue, ['{"n":1}'], () => ({
      correlationId: 'corr-7',
      messageId: 'src-7',
      type: 'OrderCreated',
      appId: 'shop',
      timestamp: 1_700_000_000,
      headers: { 'X-Tenant': 'acme', priority: 5 },
    }));
    await waitUntil(() => taken.length === 1, 20_000, 'the message taken');
    expect(taken[0]).toMatchObject({
      source: { kind: 'amqp', address: queue },
      contentType: 'application/json',
      headers: {
        'x-tenant': 'acme',
        priority: '5',
        'x-correlation-id': 'corr-7',
        'amqp-message-id': 'src-7',
        'amqp-type': 'OrderCreated',
        'amqp-app-id': 'shop',
        'amqp-timestamp': '1700000000',
        'amqp-exchange': '',
        'amqp-routing-key': queue,
        'amqp-redelivered': 'false',
      },
    });
  });

  test('a store outage holds the message unacknowledged and tries again until the bus takes it', async () => {
    const queue = uniqueName('outage');
    await rabbit.queue(queue);
    const { sink, bodies, attempts } = scriptedSink((_incoming, attempt) => {
      if (attempt <= 3) throw new StoreError('store down');
    });
    const route = uniqueName('route');
    ingresses.push(await started(sink, [binding(route, { queue })]));
    await rabbit.publish(queue, ['held']);
    await waitUntil(() => bodies().length === 1, 30_000, 'taken once the store is back');
    expect(attempts.get('held')).toBe(4);
    await waitUntil(async () => (await stateOf(ingresses[0], route))?.backlog === 0 && (await rabbit.depth(queue)) === 0, 20_000, 'acknowledged');
  });

  test('close waits for the messages in hand and acknowledges them; none comes back', async () => {
    const queue = uniqueName('drain');
    await rabbit.queue(queue);
    const { sink, bodies } = scriptedSink(() => new Promise((r) => setTimeout(r, 300)));
    const route = uniqueName('route');
    const ingress = await started(sink, [binding(route, { queue, prefetch: 5 })]);
    await rabbit.publish(queue, ['a', 'b', 'c']);
    await waitUntil(async () => (await stateOf(ingress, route))?.state === 'connected', 20_000, 'connected');
    await new Promise((r) => setTimeout(r, 100));
    await ingress.close(10_000);
    expect(bodies().sort()).toEqual(['a', 'b', 'c']);
    expect(await rabbit.depth(queue)).toBe(0);
  });

  test('on close during a store outage the message stays with the broker for redelivery', async () => {
    const queue = uniqueName('left');
    await rabbit.queue(queue);
    const { sink, attempts } = scriptedSink(() => {
      throw new StoreError('store down');
    });
    const route = uniqueName('route');
    const ingress = await started(sink, [binding(route, { queue })]);
    await rabbit.publish(queue, ['kept']);
    await waitUntil(() => (attempts.get('kept') ?? 0) >= 1, 20_000, 'the first attempt');
    await ingress.close(2_000);
    await waitUntil(async () => (await rabbit.depth(queue)) === 1, 20_000, 'the message back in the queue');
  });

  test('a connection closed by force is opened again and the queue keeps flowing', async () => {
    const queue = uniqueName('forced');
    await rabbit.queue(queue);
    const { sink, bodies } = scriptedSink();
    const route = uniqueName('route');
    const ingress = await started(sink, [binding(route, { queue })]);
    ingresses.push(ingress);
    await waitUntil(async () => (await connectionsNamed(`junction ${route}`)).length === 1, 20_000, 'the named connection');
    await rabbit.publish(queue, ['before']);
    await waitUntil(() => bodies().includes('before'), 20_000, 'the first message');
    expect(await closeConnectionsNamed(`junction ${route}`)).toBe(1);
    await waitUntil(async () => (await stateOf(ingress, route))?.state !== 'connected', 10_000, 'the loss noticed');
    await waitUntil(async () => (await stateOf(ingress, route))?.state === 'connected', 30_000, 'connected again');
    await rabbit.publish(queue, ['after']);
    await waitUntil(() => bodies().includes('after'), 20_000, 'the message after the reconnection');
  });

  test('a missing queue (passive) keeps the route connecting, without credentials in its error, until it exists', async () => {
    const queue = uniqueName('missing');
    const { sink, bodies } = scriptedSink();
    const route = uniqueName('route');
    const ingress = await started(sink, [binding(route, { queue })]);
    ingresses.push(ingress);
    await waitUntil(async () => /NOT.FOUND/.test((await stateOf(ingress, route))?.error ?? ''), 20_000, 'NOT_FOUND reported');
    const status = (await stateOf(ingress, route))!;
    expect(status.state).toBe('connecting');
    expect(status.error).not.toContain('guest:guest');
    await rabbit.queue(queue);
    await rabbit.publish(queue, ['late']);
    await waitUntil(() => bodies().includes('late'), 40_000, 'consumed once the queue exists');
  });

  test('a wrong password is reported without the password', async () => {
    const route = uniqueName('route');
    const url = TEST_AMQP_URL.replace(/\/\/[^@]*@/, '//guest:Wr0ngSecret@');
    const ingress = await started(scriptedSink().sink, [{ ...binding(route, { queue: 'unused' }), config: AmqpSourceSchema.parse({ url, queue: 'unused' }) }]);
    ingresses.push(ingress);
    await waitUntil(async () => ((await stateOf(ingress, route))?.error ?? '') !== '', 20_000, 'an error reported');
    expect((await stateOf(ingress, route))!.error).not.toContain('Wr0ngSecret');
  });
});
