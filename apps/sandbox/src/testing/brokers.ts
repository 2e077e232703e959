import { randomBytes } from 'node:crypto';
import { connect as connectAmqp, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { connectAsync as connectMqtt, type IPublishPacket, type MqttClient } from 'mqtt';
import { waitUntil } from '@junction/testing';

/**
 * Helpers for specs against the real RabbitMQ and MQTT broker of the machine (or those AMQP_URL and MQTT_URL name).
 * Every spec uses names of its own (`uniqueName`), so that specs running side by side, and the demo, never share an
 * exchange, a queue or a topic; each helper that opens something returns the way to close it.
 */

export const TEST_AMQP_URL = process.env.AMQP_URL?.trim() || 'amqp://guest:guest@127.0.0.1:5672';
export const TEST_MQTT_URL = process.env.MQTT_URL?.trim() || 'mqtt://127.0.0.1:1883';

/** Time a spec gives a broker round trip: generous, for a busy machine. */
export const BROKER_WAIT_MS = 20_000;

/** A name no other run uses: `<prefix>-<pid>-<random>` (letters, digits, dots and dashes: an AMQP name, an MQTT level). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A message a spec took off a queue it bound. */
export interface TakenMessage {
  readonly routingKey: string;
  readonly body: string;
  readonly properties: ConsumeMessage['properties'];
}

/** A spec's own connection to RabbitMQ: it binds queues to look at what is published, and publishes itself. */
export interface AmqpTestClient {
  readonly channel: Channel;
  /**
   * Binds a new exclusive queue to `exchange` with `pattern` and collects what arrives (acknowledged at once). The
   * exchange must exist.
   */
  collect(exchange: string, pattern: string): Promise<TakenMessage[]>;
  publish(exchange: string, routingKey: string, body: unknown): void;
  /**
   * Ready messages (unacknowledged ones are not counted) and consumers of `queue`; undefined when it does not exist.
   * Asked on a channel of its own, since a missing queue closes the channel that asked.
   */
  queueInfo(queue: string): Promise<{ messageCount: number; consumerCount: number } | undefined>;
  /** Deletes queues and exchanges, each on a channel of its own (a failure closes only that channel). */
  remove(what: { queues?: readonly string[]; exchanges?: readonly string[] }): Promise<void>;
  close(): Promise<void>;
}

export async function amqpTestClient(url = TEST_AMQP_URL): Promise<AmqpTestClient> {
  const model: ChannelModel = await connectAmqp(url);
  const channel = await model.createChannel();
  const once = async (act: (ch: Channel) => Promise<unknown>): Promise<void> => {
    const ch = await model.createChannel();
    ch.on('error', () => undefined);
    await act(ch).catch(() => undefined);
    await ch.close().catch(() => undefined);
  };
  return {
    channel,
    async collect(exchange, pattern) {
      const taken: TakenMessage[] = [];
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, exchange, pattern);
      await channel.consume(queue, (m) => {
        if (m) taken.push({ routingKey: m.fields.routingKey, body: m.content.toString('utf8'), properties: m.properties });
      }, { noAck: true });
      return taken;
    },
    publish(exchange, routingKey, body) {
      const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      channel.publish(exchange, routingKey, content, { contentType: 'application/json', persistent: true });
    },
    async queueInfo(queue) {
      const ch = await model.createChannel();
      ch.on('error', () => undefined);
      try {
        const { messageCount, consumerCount } = await ch.checkQueue(queue);
        return { messageCount, consumerCount };
      } catch {
        return undefined;
      } finally {
        await ch.close().catch(() => undefined);
      }
    },
    async remove({ queues = [], exchanges = [] }) {
      for (const q of queues) await once((ch) => ch.deleteQueue(q));
      for (const x of exchanges) await once((ch) => ch.deleteExchange(x));
    },
    close: () => model.close().catch(() => undefined),
  };
}

/** A message a spec's MQTT client received. */
export interface ReceivedPublish {
  readonly topic: string;
  readonly body: string;
  readonly packet: IPublishPacket;
}

/** A spec's own MQTT 5 client, subscribed to `filter` (QoS 1), collecting what arrives. */
export async function mqttTestClient(filter: string, url = TEST_MQTT_URL): Promise<{ client: MqttClient; received: ReceivedPublish[]; close(): Promise<void> }> {
  const client = await connectMqtt(url, { protocolVersion: 5, clientId: uniqueName('junction-spec'), clean: true, reconnectPeriod: 0 });
  const received: ReceivedPublish[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, body: payload.toString('utf8'), packet }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received, close: () => client.endAsync().catch(() => undefined) };
}

/** Waits until `list` holds at least `count` items, for up to BROKER_WAIT_MS. */
export function waitForCount(list: readonly unknown[], count: number, what: string): Promise<void> {
  return waitUntil(() => list.length >= count, BROKER_WAIT_MS, `${count} ${what} (have ${list.length})`);
}
