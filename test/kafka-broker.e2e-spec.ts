/** The development broker helper itself (scripts/kafka via ensureKafkaBroker): an e2e suite, so unit specs need no Java. */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { ensureKafkaBroker, type KafkaBroker } from '../libs/testing/src/kafka-broker';
import { waitUntil } from '../libs/testing/src/wait-until';

/** Resolves true when `address` (`host:port`) accepts a TCP connection. */
function answers(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

describe('ensureKafkaBroker', () => {
  it('takes the brokers of KAFKA_BROKERS as they are, and its stop leaves them alone', async () => {
    const broker = await ensureKafkaBroker({ env: { KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9093 ,' } });
    expect(broker.brokers).toEqual(['kafka-1:9092', 'kafka-2:9093']);
    expect(broker.startedHere).toBe(false);
    await expect(broker.stop()).resolves.toBeUndefined();
  });

  describe('a real broker', () => {
    let broker: KafkaBroker | undefined;
    afterAll(async () => {
      await broker?.stop();
    });

    it('carries 100 messages from a producer to a consumer group, then stops', async () => {
      // Unset KAFKA_BROKERS (when the run has one, that one is tested instead): the start script runs, or finds the
      // broker of an earlier `npm run kafka:start`.
      broker = await ensureKafkaBroker();
      const kafka = new Kafka({ clientId: 'kafka-broker-spec', brokers: broker.brokers, logLevel: logLevel.NOTHING });
      const topic = `kafka-broker-spec-${randomUUID()}`;
      const sent = Array.from({ length: 100 }, (_, i) => `message-${i}`);
      const received: string[] = [];

      const admin = kafka.admin();
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      const consumer = kafka.consumer({ groupId: `kafka-broker-spec-${randomUUID()}` });
      try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
        const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        expect(metadata?.partitions).toHaveLength(3);

        await producer.connect();
        await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ key: `key-${i % 7}`, value })) });

        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            received.push(message.value?.toString('utf8') ?? '');
          },
        });
        await waitUntil(() => received.length >= sent.length, 90_000, `${sent.length} messages on ${topic}`, 100);
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
        await admin.disconnect();
      }
      expect([...received].sort()).toEqual([...sent].sort());

      await broker.stop();
      // A broker this test started is gone; one that was running before it (or KAFKA_BROKERS') is left running.
      expect(await answers(broker.brokers[0] ?? '')).toBe(!broker.startedHere);
    }, 300_000);
  });
});
