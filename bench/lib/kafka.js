'use strict';
/**
 * Kafka for S8: a fresh topic per run on the broker KAFKA_BROKERS names (else 127.0.0.1:9092), deleted afterwards,
 * and a producer of the JSON twin of the buyStocks order.
 */
const { Kafka, logLevel } = require('kafkajs');

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const client = () => new Kafka({ clientId: 'junction-bench', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 2 } });

/** Whether the broker answers; the reason when it does not (S8 is then skipped, not failed). */
async function kafkaProblem() {
  const admin = client().admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return undefined;
  } catch (err) {
    return `no Kafka broker answers at ${BROKERS.join(',')} (npm run kafka:start, or KAFKA_BROKERS): ${err.message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function createTopic(topic, partitions) {
  const admin = client().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopic(topic) {
  const admin = client().admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  } catch {
    // A topic left behind is harmless on a development broker; the run's figures do not depend on it.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A connected producer: `produce(topic, body, count, from)` sends `count` copies keyed `from`..., in batches. */
async function producer() {
  const p = client().producer({ allowAutoTopicCreation: false });
  await p.connect();
  return {
    async produce(topic, body, count, from = 0) {
      // One produce request stays under the broker's default message.max.bytes (1 MB), whatever the body size.
      const BATCH = Math.max(1, Math.min(1_000, Math.floor(900_000 / (body.length + 64))));
      const headers = { 'content-type': 'application/json' };
      for (let i = 0; i < count; i += BATCH) {
        const n = Math.min(BATCH, count - i);
        const messages = Array.from({ length: n }, (_, j) => ({ key: String(from + i + j), value: body, headers }));
        await p.send({ topic, messages, acks: -1 });
      }
    },
    close: () => p.disconnect(),
  };
}

module.exports = { BROKERS, kafkaProblem, createTopic, deleteTopic, producer };
