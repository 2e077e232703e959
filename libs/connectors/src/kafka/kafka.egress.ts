import type { KafkaTargetDef } from './kafka.config';
import {
  DeliveryError,
  toBusError,
  type EgressConnector,
  type EgressEndpoint,
  type Headers,
  type Message,
  type Reply,
  outgoingTraceHeaders,
} from '@junction/core';
import { BytesBody, compileExpression } from '@junction/transform';
import type { Message as KafkaMessage, Producer } from 'kafkajs';
import { forwardable } from '../shared/http-headers';
import { kafkajs, type KafkaClients } from './kafka-clients';

/** Sends that arrive within this many ms of each other go to the broker in one request. */
const LINGER_MS = 2;
const MAX_BATCH = 1_000;

interface Pending {
  readonly message: KafkaMessage;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface TopicQueue {
  readonly pending: Pending[];
  timer?: NodeJS.Timeout;
  /** Sends what is pending now, unless a batch is in flight: then it goes when that one was answered. */
  flush(): void;
  /** Resolves once nothing is pending or in flight. */
  drain(): Promise<void>;
}

/**
 * Kafka delivery: one idempotent producer per broker list (acks from all in-sync replicas), and sends batched per
 * topic: those that arrive within a couple of milliseconds go out in one request, which is what gives throughput
 * when the outbox delivers many messages at once. A send resolves once the broker acknowledged it.
 */
export class KafkaEgress implements EgressConnector<KafkaTargetDef> {
  readonly kind = 'kafka';
  private readonly producers = new Map<string, Promise<Producer>>();
  private readonly queues = new Map<string, TopicQueue>();

  constructor(private readonly clients: KafkaClients) {}

  endpoint(config: KafkaTargetDef): EgressEndpoint {
    const brokers = this.clients.brokers(config.brokers);
    const key = config.key ? compileExpression(config.key) : undefined;
    const fixed = config.headers;
    const description = `kafka ${config.topic}`;
    const queue = this.queue(brokers, config, description);
    return {
      description,
      send: async (message: Message): Promise<Reply> => {
        const headers: Headers = {
          ...forwardable(message.headers),
          'content-type': message.body.contentType,
          ...outgoingTraceHeaders(message),
          ...fixed,
        };
        let k: string | undefined;
        if (key) {
          // A key from the headers alone leaves the body unparsed (a dead letter's body may not parse).
          const v = await key.evaluate(key.readsInput ? message.body.value() : undefined, { headers: message.headers, messageId: message.id });
          k = v === undefined || v === null ? undefined : String(v);
        }
        await new Promise<void>((resolve, reject) => {
          queue.pending.push({ message: { key: k, value: message.body.bytes(), headers }, resolve, reject });
          if (queue.pending.length >= MAX_BATCH) queue.flush();
          else queue.timer ??= setTimeout(queue.flush, LINGER_MS);
        });
        return { status: 200, headers: {}, body: new BytesBody(Buffer.alloc(0), 'application/octet-stream') };
      },
    };
  }

  async close(): Promise<void> {
    // What was handed over is sent (or fails) before the producers go: each queue empties, one batch after the other.
    await Promise.all([...this.queues.values()].map((q) => q.drain()));
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map((p) => p.then((x) => x.disconnect()).catch(() => undefined)));
  }

  /**
   * The batching queue of one topic (with its producer settings). One batch is in flight at a time: the next one goes
   * once the broker answered the one before. kafkajs keeps the requests of one connection in order, but a send to a
   * topic without metadata yet (a topic the broker creates on first use) waits and retries on its own, so two batches
   * in flight could overtake each other: sequential sends with one key would arrive out of order. Sends that arrive
   * meanwhile gather into the next batch, so throughput is kept.
   */
  private queue(brokers: string[], config: KafkaTargetDef, description: string): TopicQueue {
    const id = `${brokers.join(',')} ${config.topic} ${config.compression} ${config.timeoutMs}`;
    let q = this.queues.get(id);
    if (q) return q;
    const { CompressionTypes } = kafkajs();
    const compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    let inFlight: Promise<void> | undefined;
    const send = async (batch: Pending[]): Promise<void> => {
      try {
        const producer = await this.producer(brokers);
        await producer.send({ topic: config.topic, acks: -1, timeout: config.timeoutMs, compression, messages: batch.map((b) => b.message) });
        batch.forEach((b) => b.resolve());
      } catch (err) {
        const e = toBusError(err);
        const failure = new DeliveryError('KAFKA_SEND_FAILED', `${description}: ${e.message}`, { retriable: true, cause: err });
        batch.forEach((b) => b.reject(failure));
      }
    };
    const state: TopicQueue = {
      pending: [],
      flush: () => {
        clearTimeout(state.timer);
        state.timer = undefined;
        if (inFlight || state.pending.length === 0) return;
        const batch = state.pending.splice(0, MAX_BATCH);
        inFlight = send(batch).finally(() => {
          inFlight = undefined;
          state.flush();
        });
      },
      drain: async () => {
        state.flush();
        while (inFlight) await inFlight;
      },
    };
    this.queues.set(id, state);
    return state;
  }

  private producer(brokers: string[]): Promise<Producer> {
    const key = brokers.join(',');
    let p = this.producers.get(key);
    if (!p) {
      const producer = this.clients.client(brokers).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      p = producer.connect().then(() => producer);
      p.catch(() => this.producers.delete(key));
      this.producers.set(key, p);
    }
    return p;
  }
}
