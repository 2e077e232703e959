import { connect as amqpConnect } from 'amqplib';
import { connectAsync } from 'mqtt';

/**
 * A RabbitMQ queue and an MQTT session of a test's own, for suites that run the sample routes beside a demo: the bus
 * consumes from them instead of the demo's, and `remove` deletes both afterwards (a durable queue left bound to the
 * warehouse's exchange would collect events forever, and a persistent session would queue readings).
 */
export function ownBrokerNames(prefix: string): { readonly env: Record<string, string>; remove(): Promise<void> } {
  const own = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const queue = `${own}.shipments`;
  return {
    env: { DEVICES_CLIENT_ID: own, WAREHOUSE_SHIPMENTS_QUEUE: queue },
    async remove() {
      const amqp = await amqpConnect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672').catch(() => undefined);
      if (amqp) {
        const channel = await amqp.createChannel();
        await channel.deleteQueue(queue).catch(() => undefined);
        await amqp.close().catch(() => undefined);
      }
      // A clean start with no expiry ends the session the bus left at the broker.
      const mqtt = await connectAsync(process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883', {
        clientId: own,
        clean: true,
        protocolVersion: 5,
        properties: { sessionExpiryInterval: 0 },
        reconnectPeriod: 0,
      }).catch(() => undefined);
      await mqtt?.endAsync().catch(() => undefined);
    },
  };
}
