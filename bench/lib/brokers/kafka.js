'use strict';
/**
 * Kafka for S8 (the shape is in index.js): a fresh topic per cell, with as many partitions as the cell's parallelism,
 * on the broker KAFKA_BROKERS names (else 127.0.0.1:9092), deleted afterwards; a producer of the JSON twin of the
 * buyStocks order.
 */
const { Kafka, logLevel } = require('kafkajs');

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const client = () => new Kafka({ clientId: 'junction-bench', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 2 } });

async function problem() {
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

/** A topic with one partition per consumer task of the route (its `concurrency`), and a group of the same name. */
async function open({ id, parallelism }) {
  const topic = `bench-${id.toLowerCase()}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await createTopic(topic, parallelism);
  let removed;
  return {
    name: `topic ${topic}`,
    env: { BENCH_TOPIC: topic, BENCH_GROUP: topic },
    remove: () => (removed ??= deleteTopic(topic)),
    topic,
  };
}

async function publisher(destination) {
  const p = client().producer({ allowAutoTopicCreation: false });
  await p.connect();
  const headers = { 'content-type': 'application/json' };
  return {
    /** Records keyed `from`..., in batches; resolves once every batch is acknowledged by all in-sync replicas. */
    async publish(body, count, from = 0) {
      // One produce request stays under the broker's default message.max.bytes (1 MB), whatever the body size.
      const BATCH = Math.max(1, Math.min(1_000, Math.floor(900_000 / (body.length + 64))));
      for (let i = 0; i < count; i += BATCH) {
        const n = Math.min(BATCH, count - i);
        const messages = Array.from({ length: n }, (_, j) => ({ key: String(from + i + j), value: body, headers }));
        await p.send({ topic: destination.topic, messages, acks: -1 });
      }
    },
    close: () => p.disconnect(),
  };
}

// The soak (bench/soak) uses the topic helpers directly.
module.exports = { name: 'Kafka', busEnv: { KAFKA_BROKERS: BROKERS.join(',') }, problem, open, publisher, BROKERS, createTopic, deleteTopic };
