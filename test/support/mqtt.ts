import { connectAsync, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';

/** The broker the MQTT suites use: the machine's Mosquitto. */
export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

/** A name no other test (or earlier run) uses, for topics, route ids and client ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** An MQTT 5 test client on Mosquitto; rejects saying plainly that Mosquitto is needed when it cannot connect. */
export async function mqttTestClient(options: IClientOptions = {}): Promise<MqttClient> {
  try {
    return await connectAsync(MOSQUITTO_URL, { protocolVersion: 5, connectTimeout: 5_000, reconnectPeriod: 0, ...options }, false);
  } catch (err) {
    throw new Error(
      `Mosquitto at 127.0.0.1:1883 is needed for the MQTT suites (start it: mosquitto -d -c /etc/mosquitto/mosquitto.conf): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Subscribes a new test client to `filter` (QoS 1) and collects every message it receives. */
export async function mqttCollector(filter: string): Promise<{ readonly messages: IPublishPacket[]; close(): Promise<void> }> {
  const client = await mqttTestClient();
  const messages: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => messages.push(packet));
  await client.subscribeAsync(filter, { qos: 1 });
  return { messages, close: () => client.endAsync() };
}

/** Ends a persistent session a test left at the broker: a clean start without expiry, then a disconnect. */
export async function forgetMqttSession(clientId: string): Promise<void> {
  const client = await mqttTestClient({ clientId, clean: true });
  await client.endAsync();
}
