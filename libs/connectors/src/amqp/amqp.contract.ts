/**
 * The AMQP ingress's harness for the ingress contract suite: a fresh durable queue on the machine's RabbitMQ. A
 * message counts as acknowledged once it has left the queue (acked, or rejected without requeue): the queue's total
 * (ready and unacknowledged, as `rabbitmqctl list_queues` reports it) fell below what was sent.
 */
import { silentLogger } from '@junction/core';
import { freePort } from '@junction/testing';
import type { EgressHarness } from '../testing/egress-contract';
import type { IngressHarness } from '../testing/ingress-contract';
import { AmqpTargetSchema } from './amqp.config';
import { AmqpEgress } from './amqp.egress';
import { AmqpIngress } from './amqp.ingress';
import { rabbitmqctl, TEST_AMQP_URL, testRabbit, uniqueName } from './testing/rabbitmq';

async function messagesIn(queue: string): Promise<number> {
  const out = await rabbitmqctl(['list_queues', '-q', '--no-table-headers', 'name', 'messages']);
  const line = out.split('\n').find((l) => l.split(/\s+/)[0] === queue);
  if (!line) throw new Error(`queue ${queue} is not listed`);
  return Number(line.trim().split(/\s+/)[1]);
}

export const amqpHarness: IngressHarness = {
  kind: 'amqp',
  settleMs: 20_000,
  outage: 'held',
  async source(mode) {
    const rabbit = await testRabbit();
    const queue = uniqueName('contract');
    await rabbit.queue(queue);
    let sent = 0;
    return {
      ingress: new AmqpIngress({ url: TEST_AMQP_URL, log: silentLogger }),
      binding: { routeId: `amqp-contract-${mode}`, mode, config: { queue, prefetch: 10, declare: false }, baseDir: process.cwd() },
      async send(body) {
        sent++;
        await rabbit.publish(queue, [body], () => ({ contentType: 'application/json' }));
      },
      acknowledged: async () => sent - (await messagesIn(queue)),
      dispose: () => rabbit.cleanup(),
    };
  },
};

/** The AMQP egress's harness for the egress contract suite: publishes to a fresh queue through the default exchange. */
export const amqpEgressHarness: EgressHarness = {
  kind: 'amqp',
  async destination() {
    const rabbit = await testRabbit();
    const queue = uniqueName('contract-out');
    await rabbit.queue(queue);
    const reader = await rabbit.read(queue);
    return {
      egress: new AmqpEgress({ url: TEST_AMQP_URL, log: silentLogger }),
      config: AmqpTargetSchema.parse({ routingKey: queue, timeoutMs: 5_000 }),
      arrived: async () => reader.messages.map((m) => ({ body: m.content.toString('utf8'), messageId: m.properties.messageId as string | undefined })),
      async dispose() {
        await reader.stop();
        await rabbit.cleanup();
      },
    };
  },
  async unreachable() {
    const url = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    return { egress: new AmqpEgress({ url, log: silentLogger }), config: AmqpTargetSchema.parse({ routingKey: 'nowhere', timeoutMs: 3_000 }) };
  },
};
