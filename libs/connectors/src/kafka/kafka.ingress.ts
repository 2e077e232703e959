import type { KafkaSourceDef } from './kafka.config';
import { ConfigError, type Headers, type IngressBinding, type Logger } from '@junction/core';
import type { EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { BrokerIngress, type BrokerConsumer, type ConsumerLink } from '../shared/broker-ingress';
import { dispatchUntilTaken, guessContentType } from '../shared/bus-dispatch';
import { CONSUMER_TIMING, type KafkaClients } from './kafka-clients';

/** Records of one partition an async route takes at once: they are accepted together (one group commit), then their
 *  offsets are committed together. */
const ASYNC_CHUNK = 250;

/** Per route: partitions, committed offsets and lag, for the admin API. */
export interface KafkaPartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number;
  readonly high: number;
  readonly lag: number;
}

/**
 * Kafka ingress, hosted by the bus's broker transport like every broker ingress: one consumer per route, in the
 * route's consumer group, so that instances of the bus share the partitions. At least once: an offset is committed
 * only after the bus took the message (stored in the outbox for async routes, delivered for sync ones). A message the
 * bus refuses (bad input, a failed step) is journaled and dead-lettered by the bus, copied to the route's dead-letter
 * topic when it has one (with its key), and the partition moves on; on an async route a step refuses it later, in the
 * outbox, which sends that copy itself (the module's deadLetterTarget); only a store outage holds the partition, retried with backoff.
 * At shutdown the messages in hand are taken and committed before the consumer leaves its group.
 */
export class KafkaIngress extends BrokerIngress<KafkaSourceDef> {
  readonly kind = 'kafka';
  private dlt?: Promise<Producer>;

  constructor(
    private readonly clients: KafkaClients,
    log: Logger,
  ) {
    // Capped at 5 s: a route whose broker is back resumes within that, however long the outage lasted.
    super(log, { minMs: 1_000, maxMs: 5_000 });
  }

  protected override check(b: IngressBinding<KafkaSourceDef>): void {
    this.clients.brokers(b.config.brokers);
    if (b.config.topicPattern && !patternCompiles(b.config.topicPattern)) {
      throw new ConfigError(`route ${b.routeId}: topicPattern is not a regular expression`);
    }
  }

  override async close(timeoutMs?: number): Promise<void> {
    await super.close(timeoutMs);
    const dlt = this.dlt;
    this.dlt = undefined;
    await dlt?.then((p) => p.disconnect()).catch(() => undefined);
  }

  protected async open(b: IngressBinding<KafkaSourceDef>, link: ConsumerLink): Promise<BrokerConsumer> {
    const brokers = this.clients.brokers(b.config.brokers);
    const kafka = this.clients.client(brokers);
    const consumer = kafka.consumer({ groupId: b.config.group, allowAutoTopicCreation: true, ...CONSUMER_TIMING });
    const topics: Array<string | RegExp> = b.config.topics ?? (b.config.topic ? [b.config.topic] : [new RegExp(b.config.topicPattern!)]);
    // A consumer still trying to reach its broker is given up at once at shutdown rather than waited for.
    const giveUp = () => void consumer.disconnect().catch(() => undefined);
    link.signal.addEventListener('abort', giveUp, { once: true });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: b.config.fromBeginning });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    } finally {
      link.signal.removeEventListener('abort', giveUp);
    }
    // kafkajs restarts a crashed consumer itself when the error is retriable; otherwise the ingress opens a new one.
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) link.lost(event.payload.error);
    });
    const chunk = b.mode === 'async' ? ASYNC_CHUNK : 1;
    await consumer.run({
      autoCommit: true,
      // Async routes commit after every chunk they accepted (fewer redeliveries after a crash); sync routes, which
      // take one record at a time, let kafkajs commit on its interval.
      ...(chunk > 1 ? { autoCommitThreshold: 1 } : {}),
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: b.config.concurrency,
      eachBatch: (payload) => this.takeBatch(b, link, payload, chunk),
    });
    this.log.info({ route: b.routeId, group: b.config.group, topics: topics.map(String) }, 'Kafka consumer started');
    return {
      close: () => consumer.disconnect().catch(() => undefined),
      inspect: async () => {
        const partitions = await this.lag(kafka, b.config.group, topics);
        return { backlog: partitions.reduce((sum, p) => sum + p.lag, 0), detail: { group: b.config.group, partitions } };
      },
    };
  }

  /** How far each partition's committed offset is behind its end. */
  private async lag(kafka: Kafka, group: string, subscribed: ReadonlyArray<string | RegExp>): Promise<KafkaPartitionLag[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => subscribed.some((s) => (typeof s === 'string' ? s === t : s.test(t))));
      const committed = await admin.fetchOffsets({ groupId: group, topics });
      const partitions: KafkaPartitionLag[] = [];
      for (const t of committed) {
        const ends = await admin.fetchTopicOffsets(t.topic);
        for (const p of t.partitions) {
          const high = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
          const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
          partitions.push({ topic: t.topic, partition: p.partition, committed: at, high, lag: Math.max(0, high - at) });
        }
      }
      return partitions;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A fetched batch of one partition, `chunk` records at a time: a sync route takes them one by one (in order); an
   * async route hands a chunk to the bus at once, so that its messages share one store commit, then resolves and
   * commits the offsets of the chunk. Only the offsets of records the bus has taken are resolved: on a stop in the
   * middle of a chunk the rest is fetched again (at-least-once).
   */
  private async takeBatch(b: IngressBinding<KafkaSourceDef>, link: ConsumerLink, payload: EachBatchPayload, chunk: number): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += chunk) {
      const records = batch.messages.slice(i, i + chunk);
      // A chunk may take long (a store outage held, a slow target on a sync route): the member keeps its session.
      const beat = setInterval(() => void heartbeat().catch(() => undefined), CONSUMER_TIMING.heartbeatInterval);
      const results = await Promise.allSettled(records.map((message) => this.take(b, link, topic, partition, message))).finally(() =>
        clearInterval(beat),
      );
      const failed = results.findIndex((r) => r.status === 'rejected');
      const taken = failed === -1 ? records.length : failed;
      if (taken > 0) resolveOffset(records[taken - 1].offset);
      if (failed !== -1) throw (results[failed] as PromiseRejectedResult).reason;
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** One Kafka message to the bus. Resolving lets its offset be committed; throwing keeps it uncommitted. */
  private async take(b: IngressBinding<KafkaSourceDef>, link: ConsumerLink, topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const headers = kafkaHeaders(message.headers);
    if (message.key) headers['kafka-key'] = message.key.toString('utf8');
    headers['kafka-topic'] = topic;
    headers['kafka-partition'] = String(partition);
    headers['kafka-offset'] = message.offset;
    const body = message.value ?? Buffer.alloc(0);
    const incoming = {
      source: { kind: 'kafka', address: `${topic}/${partition}` },
      headers,
      body,
      contentType: headers['content-type'] ?? guessContentType(body),
    };
    const result = await dispatchUntilTaken(link.sink, b.routeId, incoming, link.closing);
    if (result.taken) return;
    const e = result.error;
    this.log.warn({ route: b.routeId, topic, partition, offset: message.offset, code: e.code, messageId: e.messageId }, 'Kafka message dead-lettered');
    if (b.config.deadLetterTopic) await this.toDeadLetterTopic(b, message.key ?? null, body, headers, e.code, e.message, e.messageId);
  }

  private async toDeadLetterTopic(
    b: IngressBinding<KafkaSourceDef>,
    /** The record's own key, kept so that the dead letter lands in the partition its key picks, as the original. */
    key: Buffer | null,
    value: Buffer,
    headers: Headers,
    code: string,
    reason: string,
    messageId: string | undefined,
  ): Promise<void> {
    const brokers = this.clients.brokers(b.config.brokers);
    this.dlt ??= (async () => {
      const p = this.clients.client(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })();
    const producer = await this.dlt;
    await producer.send({
      topic: b.config.deadLetterTopic!,
      acks: -1,
      messages: [{ key, value, headers: { ...headers, 'junction-error-code': code, 'junction-error': reason, ...(messageId ? { 'x-message-id': messageId } : {}) } }],
    });
  }
}

/** Kafka headers as message headers: lower-case names, values as UTF-8 text (several joined by commas). */
export function kafkaHeaders(raw: IHeaders | undefined): Headers {
  const out: Headers = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name.toLowerCase()] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).join(', ');
  }
  return out;
}

function patternCompiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
