/**
 * The MQTT connector's harnesses for the contract suites. The ingress's: the ingress reaches the machine's Mosquitto through a
 * loopback relay that counts the PUBACK packets the ingress sends. A QoS 1 message counts as acknowledged once its
 * PUBACK left the bus, which is what the broker sees (and what keeps it from delivering the message again).
 */
import { createServer, Socket, type Server } from 'node:net';
import { silentLogger } from '@junction/core';
import { connectAsync } from 'mqtt';
import { freePort } from '@junction/testing';
import type { EgressHarness } from '../testing/egress-contract';
import type { IngressHarness } from '../testing/ingress-contract';
import { MqttTargetSchema } from './mqtt.config';
import { MqttEgress } from './mqtt.egress';
import { MqttIngress } from './mqtt.ingress';

const BROKER = { host: '127.0.0.1', port: 1883 };

/** Counts MQTT control packets of one type in a client-to-broker byte stream (fixed header: type, remaining length). */
function packetCounter(type: number): { feed(chunk: Buffer): void; readonly count: number } {
  let pending = Buffer.alloc(0);
  let count = 0;
  return {
    get count() {
      return count;
    },
    feed(chunk) {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        let length = 0;
        let multiplier = 1;
        let i = 1;
        for (; i < pending.length && i <= 4; i++) {
          length += (pending[i] & 0x7f) * multiplier;
          multiplier *= 128;
          if ((pending[i] & 0x80) === 0) break;
        }
        if (i >= pending.length || pending.length < i + 1 + length) return;
        if (pending[0] >> 4 === type) count++;
        pending = pending.subarray(i + 1 + length);
      }
    },
  };
}

/** A relay from a free loopback port to Mosquitto that counts the PUBACKs going to the broker. */
async function pubackRelay(): Promise<{ url: string; pubacks(): number; close(): Promise<void> }> {
  const pubacks = packetCounter(4);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const broker = new Socket();
    sockets.add(client).add(broker);
    broker.connect(BROKER.port, BROKER.host);
    client.on('data', (chunk) => {
      pubacks.feed(chunk);
      broker.write(chunk);
    });
    broker.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      broker.destroy();
    };
    client.on('close', end).on('error', end);
    broker.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pubacks: () => pubacks.count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const mqttHarness: IngressHarness = {
  kind: 'mqtt',
  settleMs: 15_000,
  outage: 'held',
  async source(mode) {
    const relay = await pubackRelay();
    const name = `contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    const publisher = await connectAsync(`mqtt://${BROKER.host}:${BROKER.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
    return {
      ingress: new MqttIngress(relay.url, silentLogger),
      binding: {
        routeId: `mqtt-contract-${mode}`,
        mode,
        // A clean session: the contract's sources are throw-away, and Mosquitto keeps nothing after the test.
        config: { url: relay.url, topics: [`${name}/in`], qos: 1, clientId: name, cleanSession: true, protocolVersion: 5 },
        baseDir: process.cwd(),
      },
      async send(body) {
        await publisher.publishAsync(`${name}/in`, body, { qos: 1, properties: { contentType: 'application/json' } });
      },
      acknowledged: async () => relay.pubacks(),
      async dispose() {
        await publisher.endAsync();
        await relay.close();
      },
    };
  },
};

/** The MQTT egress's harness for the egress contract suite: publishes QoS 1 to a fresh topic a test client reads. */
export const mqttEgressHarness: EgressHarness = {
  kind: 'mqtt',
  async destination() {
    const topic = `contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}/out`;
    const reader = await connectAsync(`mqtt://${BROKER.host}:${BROKER.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
    const arrived: Array<{ body: string; messageId?: string }> = [];
    reader.on('message', (_t, payload, packet) => {
      const id = packet.properties?.userProperties?.['x-message-id'];
      arrived.push({ body: payload.toString('utf8'), messageId: Array.isArray(id) ? id[0] : id });
    });
    await reader.subscribeAsync(topic, { qos: 1 });
    const egress = new MqttEgress(`mqtt://${BROKER.host}:${BROKER.port}`);
    return {
      egress,
      config: MqttTargetSchema.parse({ topic, qos: 1, timeoutMs: 5_000 }),
      arrived: async () => arrived,
      dispose: () => reader.endAsync(),
    };
  },
  async unreachable() {
    return { egress: new MqttEgress(`mqtt://127.0.0.1:${await freePort()}`), config: MqttTargetSchema.parse({ topic: 'nowhere', qos: 1, timeoutMs: 3_000 }) };
  },
};
