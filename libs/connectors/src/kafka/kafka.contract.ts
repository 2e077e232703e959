/**
 * The Kafka ingress's harness for the ingress contract suite: a fresh topic and group on the real broker the e2e setup
 * started (KAFKA_BROKERS); a message counts as acknowledged once its group's committed offset passed it.
 */
import { silentLogger } from '@junction/core';
import { Kafka, logLevel } from 'kafkajs';
import type { IngressHarness } from '../testing/ingress-contract';
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
