import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { ErpEventSink, ErpOrderEvent } from './erp.events';

/** Where the ERP publishes its order events: the sandbox option `kafka`. */
export interface ErpEventsKafkaConfig {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly topic: string;
}

export interface ErpEventsKafkaOptions extends ErpEventsKafkaConfig {
  /** Where the first connection and every event that could not be published are reported, one line each. */
  readonly log: (line: string) => void;
  /** Kafka client id (default `junction-sandbox-erp`). */
  readonly clientId?: string;
}

/**
 * Bounded retries: an idempotent kafkajs producer retries forever by default, and an event must fail (and be logged)
 * within a few seconds rather than pile up behind a broker that is gone.
 */
const RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 };

/**
 * Publishes the ERP's events to one Kafka topic through one kafkajs producer: idempotent, acknowledged by all in-sync
 * replicas (acks -1). Each event is one message: key = orderId, value = the event as JSON, header `content-type:
 * application/json`. One send at a time, carrying every event that waited for it, in the order published: so an
 * order's events reach its partition in order, and a broker outage holds up one send, not one per event.
 *
 * Lifecycle: nothing connects until the first event; the producer is created and connected then, and kept. `publish`
 * returns at once and the send happens afterwards, so an ERP answer never waits for Kafka. A send that fails (broker
 * unreachable, retries used up: a few seconds at most) is logged, one line per event it lost, and not tried again; the
 * next send tries afresh, with a new producer when the connection failed. `close` stops taking events, waits for the
 * sends under way, then disconnects the producer; safe to call twice.
 */
export class KafkaErpEvents implements ErpEventSink {
  private readonly kafka: Kafka;
  private readonly queue: ErpOrderEvent[] = [];
  private draining?: Promise<void>;
  private producer?: Promise<Producer>;
  private closing?: Promise<void>;
  private announced = false;

  constructor(private readonly options: ErpEventsKafkaOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'junction-sandbox-erp',
      brokers: [...options.brokers],
      // Failures are reported through `log`, one line per lost event, rather than kafkajs's own lines.
      logLevel: logLevel.NOTHING,
      retry: RETRY,
    });
  }

  publish(event: ErpOrderEvent): void {
    if (this.closing) {
      this.options.log(`erp events: ${describe(event)} not published: the sandbox is closing`);
      return;
    }
    this.queue.push(event);
    this.draining ??= this.drain();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.draining;
      const producer = await this.producer?.catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
    })();
    return this.closing;
  }

  /** Sends what is queued, batch after batch, until nothing is left; never rejects. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.send(batch);
      } catch (err) {
        const reason = reasonOf(err);
        for (const event of batch) {
          this.options.log(`erp events: ${describe(event)} not published to ${this.options.topic}: ${reason}`);
        }
      }
    }
    // In the same synchronous stretch as the check above: an event published from now on starts a new drain.
    this.draining = undefined;
  }

  private async send(events: readonly ErpOrderEvent[]): Promise<void> {
    const producer = await this.connected();
    await producer.send({
      topic: this.options.topic,
      acks: -1,
      messages: events.map((event) => ({
        key: event.orderId,
        value: JSON.stringify(event),
        headers: { 'content-type': 'application/json' },
      })),
    });
  }

  /** The producer, connected on first use; a failed connection is dropped so that the next send tries again. */
  private connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: RETRY,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const connecting = producer.connect().then(
      () => {
        if (!this.announced) {
          this.announced = true;
          this.options.log(`erp events: publishing to ${this.options.topic} at ${this.options.brokers.join(',')}`);
        }
        return producer;
      },
      async (err: unknown) => {
        if (this.producer === connecting) this.producer = undefined;
        await producer.disconnect().catch(() => undefined);
        throw err;
      },
    );
    this.producer = connecting;
    return connecting;
  }
}

function describe(event: ErpOrderEvent): string {
  return `${event.event} ${event.orderId}`;
}

/** kafkajs's message, with the cause it wraps when retries ran out. */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const original = (err as { originalError?: unknown }).originalError ?? cause;
  return original instanceof Error && original.message !== err.message ? `${err.message} (${original.message})` : err.message;
}
