import { ConfigError, toBusError, type IngressBinding, type Logger } from '@junction/core';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { BrokerIngress, type BrokerConsumer, type ConsumerLink } from '../shared/broker-ingress';
import { dispatchUntilTaken, guessContentType, type Taken } from '../shared/bus-dispatch';
import { openConnection, within } from './amqp-connection';
import { amqpMessageHeaders } from './amqp-headers';
import { isAmqpUrl, redactCredentials, safeUrl } from './amqp-url';
import type { AmqpSourceDef } from './amqp.config';

/** Time allowed for one status read of a queue (the admin API reads it every few seconds). */
const INSPECT_TIMEOUT_MS = 5_000;

/**
 * RabbitMQ (AMQP 0-9-1) ingress, hosted by the bus's broker transport like every broker ingress: one connection and
 * channel per route (named `junction <route id>`), manual acknowledgements, at most `prefetch` messages in hand.
 * At least once: a message is acknowledged only after the bus took it (stored for async routes, delivered for sync
 * ones). A message the bus refuses (bad input, a failed step, undeliverable in a sync route) is journaled and
 * dead-lettered by the bus, then rejected without requeue, so that the broker moves it to the queue's dead-letter
 * exchange when it has one, and the queue keeps flowing. A store outage holds the message, retried with backoff. A
 * closed connection or channel makes the base class open the consumer again with backoff; whatever was not
 * acknowledged is redelivered by the broker. At shutdown the consumer is cancelled, the messages in hand are taken and
 * acknowledged (within the time allowed), and the connection is closed; the rest stays with the broker.
 */
export class AmqpIngress extends BrokerIngress<AmqpSourceDef> {
  readonly kind = 'amqp';

  constructor(private readonly options: { readonly url: string; readonly log: Logger }) {
    super(options.log, { minMs: 500, maxMs: 15_000 });
  }

  /** The broker of a source: its own URL, else the AMQP_URL setting. */
  private urlOf(config: AmqpSourceDef): string {
    return config.url ?? this.options.url;
  }

  protected override check(b: IngressBinding<AmqpSourceDef>): void {
    if (!isAmqpUrl(this.urlOf(b.config))) throw new ConfigError(`route ${b.routeId}: expected an amqp:// or amqps:// URL`);
  }

  protected override describeError(err: unknown): string {
    return redactCredentials(toBusError(err).message);
  }

  protected async open(b: IngressBinding<AmqpSourceDef>, link: ConsumerLink): Promise<BrokerConsumer> {
    const connection = await openConnection(this.urlOf(b.config), `junction ${b.routeId}`, link.signal);
    const consumer = new AmqpConsumer(b, link, connection, this.log);
    try {
      await consumer.start();
    } catch (err) {
      await consumer.close(1_000);
      throw err;
    }
    this.log.info({ route: b.routeId, url: safeUrl(this.urlOf(b.config)), queue: b.config.queue, prefetch: b.config.prefetch }, 'AMQP consumer started');
    return consumer;
  }
}

/** One route's consumer: its connection, its channel, the deliveries in hand. */
class AmqpConsumer implements BrokerConsumer {
  private channel?: Channel;
  private consumerTag?: string;
  /** Set once the consumer is being closed (shutdown, reload, lost connection): no new dispatches, no `lost`. */
  private stopping = false;
  /** Why the connection or channel closed, when it did before `start` finished. */
  private broken?: Error;
  private closed?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly binding: IngressBinding<AmqpSourceDef>,
    private readonly link: ConsumerLink,
    private readonly connection: ChannelModel,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { queue, declare, prefetch } = this.binding.config;
    this.connection.on('close', (err?: Error) => this.broke(err ?? new Error('connection closed by the broker')));
    const channel = (this.channel = await this.connection.createChannel());
    let channelError: Error | undefined;
    channel.on('error', (err: Error) => void (channelError = err));
    channel.on('close', () => this.broke(channelError ?? new Error('channel closed')));
    await channel.prefetch(prefetch);
    if (declare) {
      await channel.assertQueue(queue, {
        durable: true,
        ...(declare.deadLetterExchange !== undefined ? { deadLetterExchange: declare.deadLetterExchange } : {}),
        ...(declare.deadLetterRoutingKey !== undefined ? { deadLetterRoutingKey: declare.deadLetterRoutingKey } : {}),
      });
      for (const b of declare.bindings) await channel.bindQueue(queue, b.exchange, b.routingKey);
    } else {
      // Passive: a missing queue closes the channel with NOT_FOUND, and the route tries again with backoff.
      await channel.checkQueue(queue);
    }
    const { consumerTag } = await channel.consume(queue, (msg) => this.receive(msg), { noAck: false });
    this.consumerTag = consumerTag;
    if (this.broken) throw this.broken;
  }

  async inspect() {
    if (!this.channel) return {};
    const q = await within(this.channel.checkQueue(this.binding.config.queue), INSPECT_TIMEOUT_MS, 'queue status');
    return { backlog: q.messageCount, detail: { queue: this.binding.config.queue, consumers: q.consumerCount } };
  }

  close(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.closed ??= (async () => {
      const deadline = Date.now() + timeoutMs;
      const left = () => Math.max(0, deadline - Date.now());
      const channel = this.channel;
      // basic.cancel first: the broker stops delivering, then the messages in hand are taken and acknowledged.
      if (channel && this.consumerTag && !this.broken) await within(channel.cancel(this.consumerTag), left(), 'cancel').catch(() => undefined);
      if (this.inFlight.size > 0) await within(Promise.allSettled([...this.inFlight]), left(), 'messages in hand').catch(() => undefined);
      // The channel is closed first: its close goes out after its acknowledgements, on the channel's own frame
      // stream, whereas a connection close may overtake them and the broker would requeue messages already taken.
      if (channel && !this.broken) await within(channel.close(), Math.max(left(), 1_000), 'channel close').catch(() => undefined);
      await within(this.connection.close(), Math.max(left(), 1_000), 'close').catch(() => undefined);
    })();
    return this.closed;
  }

  private broke(err: Error): void {
    this.broken ??= err;
    if (!this.stopping) this.link.lost(err);
  }

  private receive(msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled the consumer (the queue was deleted): open it again, which finds out why.
      this.broke(new Error(`the broker cancelled the consumer of queue ${this.binding.config.queue}`));
      return;
    }
    // Delivered while closing: left unacknowledged, the broker redelivers it once the channel closes.
    if (this.stopping) return;
    const taking = this.take(msg).finally(() => this.inFlight.delete(taking));
    this.inFlight.add(taking);
  }

  /** One delivery to the bus, then its acknowledgement: ack when taken, reject (no requeue) when refused. */
  private async take(msg: ConsumeMessage): Promise<void> {
    const { routeId, config } = this.binding;
    const headers = amqpMessageHeaders(msg.fields, msg.properties);
    const incoming = {
      source: { kind: 'amqp', address: config.queue },
      headers,
      body: msg.content,
      contentType: headers['content-type'] ?? guessContentType(msg.content),
    };
    let result: Taken;
    try {
      result = await dispatchUntilTaken(this.link.sink, routeId, incoming, () => this.link.closing() || this.stopping);
    } catch {
      return; // closing during a store outage: left unacknowledged for redelivery
    }
    if (!result.taken) {
      const e = result.error;
      const dlx = config.declare?.deadLetterExchange;
      this.log.warn(
        { route: routeId, queue: config.queue, code: e.code, messageId: e.messageId, ...(dlx !== undefined ? { deadLetterExchange: dlx } : {}) },
        'AMQP message refused by the route: dead-lettered and rejected',
      );
    }
    try {
      if (result.taken) this.channel!.ack(msg);
      else this.channel!.nack(msg, false, false);
    } catch {
      // The channel closed meanwhile: the broker redelivers the message to the next consumer (at least once).
    }
  }
}
