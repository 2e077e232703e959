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
import { CompressionTypes, type Message as KafkaMessage, type Producer } from 'kafkajs';
import { forwardable } from '../shared/http-headers';
import type { KafkaClients } from './kafka-clients';

/** Sends that arrive within this many ms of each other go to the broker in one request. */
const LINGER_MS = 2;
const MAX_BATCH = 1_000;

interface Pending {
  readonly message: KafkaMessage;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Kafka delivery: one idempotent producer per broker list (acks from all in-sync replicas), and sends batched per
 * topic: those that arrive within a couple of milliseconds go out in one request, which is what gives throughput
 * when the outbox delivers many messages at once. A send resolves once the broker acknowledged it.
 */
export class KafkaEgress implements EgressConnector<KafkaTargetDef> {
  readonly kind = 'kafka';
  private readonly producers = new Map<string, Promise<Producer>>();
  private readonly queues = new Map<string, { pending: Pending[]; timer?: NodeJS.Timeout; flush: () => void }>();

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
    for (const q of this.queues.values()) q.flush();
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map((p) => p.then((x) => x.disconnect()).catch(() => undefined)));
  }

  private queue(brokers: string[], config: KafkaTargetDef, description: string) {
    const id = `${brokers.join(',')} ${config.topic} ${config.compression} ${config.timeoutMs}`;
    let q = this.queues.get(id);
    if (q) return q;
    const compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const state: { pending: Pending[]; timer?: NodeJS.Timeout; flush: () => void } = {
      pending: [],
      flush: () => {
        clearTimeout(state.timer);
        state.timer = undefined;
        const batch = state.pending.splice(0, state.pending.length);
        if (batch.length === 0) return;
        this.producer(brokers)
          .then((p) => p.send({ topic: config.topic, acks: -1, timeout: config.timeoutMs, compression, messages: batch.map((b) => b.message) }))
          .then(
            () => batch.forEach((b) => b.resolve()),
            (err) => {
              const e = toBusError(err);
              const failure = new DeliveryError('KAFKA_SEND_FAILED', `${description}: ${e.message}`, { retriable: true, cause: err });
              batch.forEach((b) => b.reject(failure));
            },
          );
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
