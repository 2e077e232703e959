import { DeliveryError, Message, silentLogger } from '@junction/core';
import { BytesBody } from '@junction/transform';
import { waitUntil } from '@junction/testing';
import { AmqpTargetSchema } from './amqp.config';
import { AmqpEgress } from './amqp.egress';
import { closeConnectionsNamed, TEST_AMQP_URL, testRabbit, uniqueName, type TestRabbit } from './testing/rabbitmq';

/** The AMQP egress against a real RabbitMQ: what a published message carries, and how each failure is classed. */

function message(id: string, body: object, headers: Record<string, string> = {}): Message {
  return new Message(id, `corr-${id}`, { kind: 'http', address: '/in' }, headers, new BytesBody(Buffer.from(JSON.stringify(body)), 'application/json'), Date.now());
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('AMQP egress on a real RabbitMQ', () => {
  let rabbit: TestRabbit;
  const connectionName = uniqueName('junction egress test');
  const egress = new AmqpEgress({ url: TEST_AMQP_URL, log: silentLogger, connectionName });
  const target = (config: Record<string, unknown>) => egress.endpoint(AmqpTargetSchema.parse(config));

  beforeAll(async () => {
    rabbit = await testRabbit();
  });
  afterAll(async () => {
    await egress.close();
    await rabbit?.cleanup();
  });

  test('publishes to a queue through the default exchange, confirmed, with ids, headers and persistence', async () => {
    const queue = uniqueName('out');
    await rabbit.queue(queue);
    const endpoint = target({ routingKey: queue, headers: { 'x-source': 'junction' } });
    expect(endpoint.description).toBe(`amqp (default exchange) ${queue} at amqp://127.0.0.1:5672/`);
    expect(endpoint.passthrough).toBe(true);
    const reply = await endpoint.send(message('m-1', { n: 1 }, { 'x-tenant': 'acme', authorization: 'Bearer secret' }));
    expect(reply.status).toBe(200);
    expect(await rabbit.depth(queue)).toBe(1);
    const reader = await rabbit.read(queue);
    await waitUntil(() => reader.messages.length === 1, 20_000, 'the message read');
    await reader.stop();
    const got = reader.messages[0];
    expect(JSON.parse(got.content.toString())).toEqual({ n: 1 });
    expect(got.properties).toMatchObject({ contentType: 'application/json', messageId: 'm-1', correlationId: 'corr-m-1', deliveryMode: 2, appId: 'junction' });
    expect(got.properties.headers).toMatchObject({ 'x-tenant': 'acme', 'x-source': 'junction', 'x-message-id': 'm-1', 'x-correlation-id': 'corr-m-1' });
    expect(got.properties.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(got.properties.headers).not.toHaveProperty('authorization');
  });

  test('a routing key from an expression, to a topic exchange; not persistent when asked', async () => {
    const exchange = uniqueName('events');
    const queue = uniqueName('created');
    await rabbit.exchange(exchange, 'topic');
    await rabbit.queue(queue);
    await rabbit.channel.bindQueue(queue, exchange, 'order.created');
    const endpoint = target({ exchange, routingKeyExpr: '"order." & type', persistent: false });
    expect(endpoint.passthrough).toBe(false);
    await endpoint.send(message('m-2', { type: 'created' }));
    const reader = await rabbit.read(queue);
    await waitUntil(() => reader.messages.length === 1, 20_000, 'the message read');
    await reader.stop();
    expect(reader.messages[0].fields).toMatchObject({ exchange, routingKey: 'order.created' });
    expect(reader.messages[0].properties.deliveryMode).toBe(1);
  });

  test('an unroutable mandatory message fails without retry; a non-mandatory one is confirmed (and dropped)', async () => {
    const exchange = uniqueName('nowhere');
    await rabbit.exchange(exchange, 'direct');
    const err = await failure(target({ exchange, routingKey: 'nobody' }).send(message('m-3', { n: 3 })));
    expect(err).toMatchObject({ code: 'AMQP_UNROUTABLE', retriable: false });
    await expect(target({ exchange, routingKey: 'nobody', mandatory: false }).send(message('m-4', { n: 4 }))).resolves.toMatchObject({ status: 200 });
  });

  test('a missing exchange fails and may be retried; the next publish opens a new channel', async () => {
    const err = await failure(target({ exchange: uniqueName('absent'), routingKey: 'x' }).send(message('m-5', { n: 5 })));
    expect(err).toMatchObject({ code: 'AMQP_NOT_CONFIRMED', retriable: true });
    expect(err.message).toContain('NOT_FOUND');
    const queue = uniqueName('after');
    await rabbit.queue(queue);
    await target({ routingKey: queue }).send(message('m-6', { n: 6 }));
    expect(await rabbit.depth(queue)).toBe(1);
  });

  test('a publishing connection closed by force is opened again on the next send', async () => {
    const queue = uniqueName('reopen');
    await rabbit.queue(queue);
    const endpoint = target({ routingKey: queue });
    await endpoint.send(message('m-7', { n: 7 }));
    expect(await closeConnectionsNamed(connectionName)).toBe(1);
    // A send racing the close may fail (retriable); the bus's retry sends it again.
    await waitUntil(
      () => endpoint.send(message('m-8', { n: 8 })).then(() => true),
      20_000,
      'a send on a new connection',
      200,
    );
    expect(await rabbit.depth(queue)).toBeGreaterThanOrEqual(2);
  });

  test('a broker that cannot be reached, or no confirm in time, is a retriable failure', async () => {
    const unreachable = new AmqpEgress({ url: 'amqp://guest:Sec4et@127.0.0.1:1', log: silentLogger });
    const err = await failure(unreachable.endpoint(AmqpTargetSchema.parse({ routingKey: 'q' })).send(message('m-9', {})));
    expect(err).toMatchObject({ code: 'AMQP_UNREACHABLE', retriable: true });
    expect(err.message).not.toContain('Sec4et');
    await unreachable.close();
    // Opening a connection takes several round trips: a 1 ms allowance always runs out first.
    const hurried = new AmqpEgress({ url: TEST_AMQP_URL, log: silentLogger });
    const timeout = await failure(hurried.endpoint(AmqpTargetSchema.parse({ routingKey: 'q', timeoutMs: 1 })).send(message('m-10', {})));
    expect(timeout).toMatchObject({ code: 'AMQP_CONFIRM_TIMEOUT', retriable: true });
    await hurried.close();
  });
});
