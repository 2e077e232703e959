import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BROKER_PROBE_TIMEOUT_MS, probeBroker, type BrokerProbe } from './broker-probe';

/** The broker the demo looks for when KAFKA_BROKERS is not set: the one `npm run kafka:start` runs. */
export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:9092'];

/**
 * Whether a Kafka broker answers at `brokers`: a kafkajs admin client connects and lists the topics, without retries
 * and without kafkajs's log lines. Resolves within about `timeoutMs`, never rejects (probeBroker); the client's
 * connection and request timeouts are `timeoutMs` too, so that one still trying after the verdict is soon released.
 */
export function probeKafka(brokers: readonly string[], timeoutMs = BROKER_PROBE_TIMEOUT_MS): Promise<BrokerProbe> {
  return probeBroker(() => {
    const admin: Admin = new Kafka({
      clientId: 'junction-demo-probe',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
    }).admin();
    const attempt = (async () => {
      await admin.connect();
      await admin.listTopics();
    })();
    return { attempt, release: () => admin.disconnect() };
  }, timeoutMs);
}

export type TopicCheck = { readonly ok: true; readonly created: boolean } | { readonly ok: false; readonly reason: string };

/**
 * Creates `topic` at `brokers` unless it exists (partitions and replication: the broker's defaults), so that a
 * consumer that subscribes before the first event is published finds it. Never rejects.
 */
export async function ensureTopic(brokers: readonly string[], topic: string, timeoutMs = BROKER_PROBE_TIMEOUT_MS): Promise<TopicCheck> {
  const admin: Admin = new Kafka({
    clientId: 'junction-demo-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
  }).admin();
  try {
    await admin.connect();
    // false when the topic is there already.
    const created = await admin.createTopics({ topics: [{ topic }], waitForLeaders: true, timeout: timeoutMs });
    return { ok: true, created };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
