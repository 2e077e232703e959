import { Kafka, logLevel, type Admin } from 'kafkajs';

/** The broker the demo looks for when KAFKA_BROKERS is not set: the one `npm run kafka:start` runs. */
export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:9092'];

/** Time the demo gives a broker to answer at start. */
export const KAFKA_PROBE_TIMEOUT_MS = 3_000;

export type KafkaProbe = { readonly reachable: true } | { readonly reachable: false; readonly reason: string };

/**
 * Whether a Kafka broker answers at `brokers`: a kafkajs admin client connects and lists the topics, without retries
 * and without kafkajs's log lines. Resolves within about `timeoutMs`, never rejects. When the time is up while the
 * client is still trying, the verdict is given at once and the client is disconnected once its attempt ends (its
 * connection and request timeouts are `timeoutMs` too, so that is soon).
 */
export async function probeKafka(brokers: readonly string[], timeoutMs = KAFKA_PROBE_TIMEOUT_MS): Promise<KafkaProbe> {
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
  const disconnect = () => admin.disconnect().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([attempt, deadline]);
    await disconnect();
    return { reachable: true };
  } catch (err) {
    // The attempt may still be under way (the deadline came first): disconnect once it is over, whatever its end.
    void attempt.then(disconnect, disconnect);
    return { reachable: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export type TopicCheck = { readonly ok: true; readonly created: boolean } | { readonly ok: false; readonly reason: string };

/**
 * Creates `topic` at `brokers` unless it exists (partitions and replication: the broker's defaults), so that a
 * consumer that subscribes before the first event is published finds it. Never rejects.
 */
export async function ensureTopic(brokers: readonly string[], topic: string, timeoutMs = KAFKA_PROBE_TIMEOUT_MS): Promise<TopicCheck> {
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
