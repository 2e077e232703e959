/**
 * The Kafka connector's harnesses for the contract suites. The ingress's: a fresh topic and group on the real broker the e2e setup
 * started (KAFKA_BROKERS); a message counts as acknowledged once its group's committed offset passed it.
 */
import { silentLogger } from '@junction/core';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '@junction/testing';
import type { EgressHarness } from '../testing/egress-contract';
import type { IngressHarness } from '../testing/ingress-contract';
import { KafkaTargetSchema } from './kafka.config';
import { KafkaEgress } from './kafka.egress';
import { KafkaClients } from './kafka-clients';
import { KafkaIngress } from './kafka.ingress';

export const kafkaHarness: IngressHarness = {
  kind: 'kafka',
  settleMs: 30_000,
  outage: 'held',
  async source(mode) {
    const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
    if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: the e2e global setup starts a broker');
    const topic = `contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    const group = `${topic}-group`;
    const kafka = new Kafka({ clientId: 'junction-contract', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const ingress = new KafkaIngress(new KafkaClients({ brokers, clientId: 'junction-contract', log: silentLogger }), silentLogger);
    return {
      ingress,
      binding: { routeId: `kafka-contract-${mode}`, mode, config: { topic, group, fromBeginning: true, concurrency: 1 }, baseDir: process.cwd() },
      async send(body) {
        await producer.send({ topic, acks: -1, messages: [{ value: body, headers: { 'content-type': 'application/json' } }] });
      },
      async acknowledged() {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      },
      async dispose() {
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      },
    };
  },
};

const testBrokers = () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: the e2e global setup starts a broker');
  return brokers;
};

/** The Kafka egress's harness for the egress contract suite: produces to a fresh topic a test consumer reads. */
export const kafkaEgressHarness: EgressHarness = {
  kind: 'kafka',
  settleMs: 30_000,
  async destination() {
    const brokers = testBrokers();
    const topic = `contract-out-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    const kafka = new Kafka({ clientId: 'junction-contract', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const consumer = kafka.consumer({ groupId: `${topic}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const arrived: Array<{ body: string; messageId?: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        arrived.push({ body: message.value?.toString('utf8') ?? '', messageId: message.headers?.['x-message-id']?.toString() });
      },
    });
    return {
      egress: new KafkaEgress(new KafkaClients({ brokers, clientId: 'junction-contract', log: silentLogger })),
      config: KafkaTargetSchema.parse({ topic, timeoutMs: 10_000 }),
      arrived: async () => arrived,
      async dispose() {
        await consumer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      },
    };
  },
  async unreachable() {
    const brokers = [`127.0.0.1:${await freePort()}`];
    return {
      egress: new KafkaEgress(new KafkaClients({ brokers, clientId: 'junction-contract', log: silentLogger })),
      config: KafkaTargetSchema.parse({ topic: 'nowhere', timeoutMs: 3_000 }),
    };
  },
};
