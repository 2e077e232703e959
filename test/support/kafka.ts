import { Kafka, logLevel, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';

/** The broker the e2e setup started (or the one KAFKA_BROKERS names). */
export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the e2e global setup starts a broker (npm run kafka:start)');
  return brokers.split(',');
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Creates a topic with `partitions` partitions and waits until it is there. */
export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = new Kafka({ clientId: 'junction-test', brokers: testBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** A producer for test traffic: `produce(ids)` sends one JSON message per id (key = id), in batches. */
export async function testProducer(): Promise<{ produce(topic: string, ids: string[], extra?: (id: string) => object): Promise<void>; close(): Promise<void> }> {
  const producer: Producer = new Kafka({ clientId: 'junction-test', brokers: testBrokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  return {
    async produce(topic, ids, extra = () => ({})) {
      for (let i = 0; i < ids.length; i += 500) {
        const messages = ids.slice(i, i + 500).map((id) => ({
          key: id,
          value: JSON.stringify({ id, ...extra(id) }),
          headers: { 'content-type': 'application/json' },
        }));
        await producer.send({ topic, messages, acks: -1 });
      }
    },
    close: () => producer.disconnect(),
  };
}

/** Counts what a target received against what was produced, and prints the figures the issue asks for. */
export function tally(label: string, produced: readonly string[], receivedIds: readonly string[]) {
  const unique = new Set(receivedIds);
  const lost = produced.filter((id) => !unique.has(id)).length;
  const duplicated = receivedIds.length - unique.size;
  process.stdout.write(`${label}: produced=${produced.length} delivered=${unique.size} lost=${lost} duplicated=${duplicated}\n`);
  return { delivered: unique.size, lost, duplicated };
}

/** Reads every message of a topic from the beginning into an array, until stopped. */
export async function drain(topic: string): Promise<{ messages: KafkaMessage[]; stop(): Promise<void> }> {
  const kafka = new Kafka({ clientId: 'junction-test-reader', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: `reader-${topic}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return { messages, stop: () => consumer.disconnect() };
}
