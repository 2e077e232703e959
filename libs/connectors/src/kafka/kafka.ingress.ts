import type { KafkaSourceDef } from '@junction/config';
import {
  ConfigError,
  DeliveryError,
  toBusError,
  type Headers,
  type IngressBinding,
  type IngressConnector,
  type Logger,
  type MessageSink,
} from '@junction/core';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage, Producer } from 'kafkajs';
import type { KafkaClients } from './kafka-clients';

/** Pause before trying again to start the consumers of routes whose broker could not be reached. */
const RETRY_START_MS = 5_000;
/** Records of one partition an async route takes at once: they are accepted together (one group commit), then their
 *  offsets are committed together. */
const ASYNC_CHUNK = 250;

interface Running {
  readonly signature: string;
  readonly consumer: Consumer;
  readonly brokers: string[];
  readonly topics: Array<string | RegExp>;
  readonly group: string;
}

/** Per route: partitions, committed offsets and lag, for the admin API. */
export interface KafkaRouteLag {
  readonly routeId: string;
  readonly group: string;
  readonly partitions: Array<{ topic: string; partition: number; committed: number; high: number; lag: number }>;
}

/**
 * Kafka ingress, as a Nest custom transport strategy (the bus is a hybrid application: HTTP and this transport):
 * one consumer per route, in the route's consumer group, so that instances of the bus share the partitions.
 * At least once: kafkajs commits an offset only after the handler for it resolved, and the handler resolves only
 * once the bus took the message (stored in the outbox for async routes, delivered for sync ones). A message the bus
 * refuses (bad input, a failed step) is journaled and dead-lettered by the bus, copied to the route's dead-letter
 * topic when it has one, and the partition moves on; only a store outage holds the partition, retried with backoff.
 * Nest calls `listen` once the app starts (consumers start then) and `close` at shutdown, which waits for the
 * messages in hand and commits them before leaving the group.
 */
export class KafkaIngress extends Server implements CustomTransportStrategy, IngressConnector<KafkaSourceDef> {
  readonly kind = 'kafka';
  private sink?: MessageSink;
  private bindings: readonly IngressBinding<KafkaSourceDef>[] = [];
  private readonly running = new Map<string, Running>();
  private listening = false;
  private closing = false;
  private reconciling: Promise<void> = Promise.resolve();
  private dlt?: Promise<Producer>;
  /** Consumers connecting right now (so that close can give them up). */
  private readonly starting = new Set<Consumer>();
  private closed: Promise<void> = Promise.resolve();
  /** Routes whose broker could not be reached yet. */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly clients: KafkaClients,
    private readonly log: Logger,
  ) {
    super();
  }

  async prepare(bindings: readonly IngressBinding<KafkaSourceDef>[]): Promise<void> {
    for (const b of bindings) {
      this.clients.brokers(b.config.brokers);
      if (b.config.topicPattern) {
        try {
          new RegExp(b.config.topicPattern);
        } catch {
          throw new ConfigError(`route ${b.routeId}: topicPattern is not a regular expression`);
        }
      }
    }
  }

  async start(sink: MessageSink): Promise<void> {
    this.sink = sink;
  }

  bind(bindings: readonly IngressBinding<KafkaSourceDef>[]): void {
    this.bindings = bindings;
    if (this.listening) this.reconcile();
  }

  /**
   * Nest starts the transport: the consumers of the bound routes join their groups, in the background, so that a
   * broker that cannot be reached does not hold up the rest of the bus (its routes wait and retry).
   */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.listening = true;
    this.reconcile();
    callback();
  }

  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    this.listening = false;
    this.closed = this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    // A consumer still trying to reach its broker is given up at once rather than waited for.
    await Promise.all([...this.starting].map((c) => c.disconnect().catch(() => undefined)));
    await Promise.race([this.reconciling, new Promise((r) => setTimeout(r, 2_000).unref())]);
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => r.consumer.disconnect().catch(() => undefined)));
    const dlt = this.dlt;
    this.dlt = undefined;
    await dlt?.then((p) => p.disconnect()).catch(() => undefined);
  }

  on(): void {
    throw new Error('the Kafka ingress takes its routes from route files, not from event handlers');
  }

  unwrap<T>(): T {
    return [...this.running.values()].map((r) => r.consumer) as T;
  }

  /** Consumer lag per route: how far each partition's committed offset is behind its end. */
  async lag(): Promise<KafkaRouteLag[]> {
    const out: KafkaRouteLag[] = [];
    for (const [routeId, r] of this.running) {
      const admin = this.clients.client(r.brokers).admin();
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((t) => r.topics.some((s) => (typeof s === 'string' ? s === t : s.test(t))));
        const committed = await admin.fetchOffsets({ groupId: r.group, topics });
        const partitions = [];
        for (const t of committed) {
          const ends = await admin.fetchTopicOffsets(t.topic);
          for (const p of t.partitions) {
            const high = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
            const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
            partitions.push({ topic: t.topic, partition: p.partition, committed: at, high, lag: Math.max(0, high - at) });
          }
        }
        out.push({ routeId, group: r.group, partitions });
      } finally {
        await admin.disconnect();
      }
    }
    return out;
  }

  /** Brings the consumers in line with the bindings: stops removed or changed ones, starts new ones. Serialised. */
  private reconcile(): void {
    const bindings = this.bindings;
    this.reconciling = this.reconciling
      .then(async () => {
        const wanted = new Map(bindings.map((b) => [b.routeId, b]));
        for (const [routeId, r] of this.running) {
          const b = wanted.get(routeId);
          if (!b || signature(b) !== r.signature) {
            this.running.delete(routeId);
            await r.consumer.disconnect().catch(() => undefined);
          }
        }
        let waiting = 0;
        for (const b of bindings) {
          if (this.running.has(b.routeId) || this.closing) continue;
          try {
            await this.startConsumer(b);
          } catch (err) {
            waiting++;
            // Said once per route; the retries after it are quiet until the broker answers.
            const first = !this.waiting.has(b.routeId);
            this.waiting.add(b.routeId);
            const fields = { route: b.routeId, brokers: this.clients.brokers(b.config.brokers), err: toBusError(err).message };
            if (first) this.log.warn(fields, `Kafka broker unreachable: route ${b.routeId} waits for it and tries again`);
            else this.log.debug(fields, 'Kafka broker still unreachable');
          }
        }
        if (waiting > 0 && !this.closing) setTimeout(() => this.listening && this.reconcile(), RETRY_START_MS).unref();
      })
      .catch((err) => this.log.error({ err: toBusError(err).message }, 'Kafka consumers could not be started'));
  }

  private async startConsumer(b: IngressBinding<KafkaSourceDef>): Promise<void> {
    const brokers = this.clients.brokers(b.config.brokers);
    const consumer = this.clients.client(brokers).consumer({ groupId: b.config.group, allowAutoTopicCreation: true });
    const topics: Array<string | RegExp> = b.config.topics ?? (b.config.topic ? [b.config.topic] : [new RegExp(b.config.topicPattern!)]);
    this.starting.add(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: b.config.fromBeginning });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    } finally {
      this.starting.delete(consumer);
    }
    if (this.closing) {
      await consumer.disconnect().catch(() => undefined);
      return;
    }
    const chunk = b.mode === 'async' ? ASYNC_CHUNK : 1;
    await consumer.run({
      autoCommit: true,
      // Async routes commit after every chunk they accepted (fewer redeliveries after a crash); sync routes, which
      // take one record at a time, let kafkajs commit on its interval.
      ...(chunk > 1 ? { autoCommitThreshold: 1 } : {}),
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: b.config.concurrency,
      eachBatch: (payload) => this.takeBatch(b, payload, chunk),
    });
    this.running.set(b.routeId, { signature: signature(b), consumer, brokers, topics, group: b.config.group });
    this.waiting.delete(b.routeId);
    this.log.info({ route: b.routeId, group: b.config.group, topics: topics.map(String) }, 'Kafka consumer started');
  }

  /**
   * A fetched batch of one partition, `chunk` records at a time: a sync route takes them one by one (in order); an
   * async route hands a chunk to the bus at once, so that its messages share one store commit, then resolves and
   * commits the offsets of the chunk. Only the offsets of records the bus has taken are resolved: on a stop in the
   * middle of a chunk the rest is fetched again (at-least-once).
   */
  private async takeBatch(b: IngressBinding<KafkaSourceDef>, payload: EachBatchPayload, chunk: number): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += chunk) {
      const records = batch.messages.slice(i, i + chunk);
      const results = await Promise.allSettled(records.map((message) => this.take(b, topic, partition, message)));
      const failed = results.findIndex((r) => r.status === 'rejected');
      const taken = failed === -1 ? records.length : failed;
      if (taken > 0) resolveOffset(records[taken - 1].offset);
      if (failed !== -1) throw (results[failed] as PromiseRejectedResult).reason;
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** One Kafka message to the bus. Resolving lets its offset be committed; throwing keeps it uncommitted. */
  private async take(b: IngressBinding<KafkaSourceDef>, topic: string, partition: number, message: KafkaMessage): Promise<void> {
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
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sink!.dispatch(b.routeId, incoming);
        return;
      } catch (err) {
        const e = toBusError(err);
        if (e.retriable && !(e instanceof DeliveryError)) {
          // The store is out: nothing was taken, so the partition waits (and nothing is committed if we stop now).
          if (this.closing) throw e;
          await new Promise((r) => setTimeout(r, Math.min(30_000, 100 * 2 ** attempt)));
          continue;
        }
        // Refused or undeliverable: the bus journaled and dead-lettered it; the partition moves on.
        this.log.warn({ route: b.routeId, topic, partition, offset: message.offset, code: e.code, messageId: e.messageId }, 'Kafka message dead-lettered');
        if (b.config.deadLetterTopic) await this.toDeadLetterTopic(b, body, headers, e.code, e.message, e.messageId);
        return;
      }
    }
  }

  private async toDeadLetterTopic(
    b: IngressBinding<KafkaSourceDef>,
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
      messages: [{ value, headers: { ...headers, 'junction-error-code': code, 'junction-error': reason, ...(messageId ? { 'x-message-id': messageId } : {}) } }],
    });
  }
}

function signature(b: IngressBinding<KafkaSourceDef>): string {
  return JSON.stringify(b.config);
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

/** A body without a content-type header: JSON or XML by its first character, else text. */
function guessContentType(body: Buffer): string {
  for (const b of body.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    if (b === 0x7b || b === 0x5b) return 'application/json';
    if (b === 0x3c) return 'application/xml';
    break;
  }
  return 'text/plain; charset=utf-8';
}
