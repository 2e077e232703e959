import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { redactUrl } from './broker-url';
import { readPickRequest, routingKeyOf, WarehouseStock, type PickRequest, type WarehouseEvent } from './warehouse.stock';

/** The exchanges and queue the warehouse uses; the sample routes (routes/warehouse.yaml) name the defaults. */
export interface WarehouseNames {
  /** Topic exchange the bus publishes pick requests to, with routing key `pick.<country>`. */
  readonly pickExchange: string;
  /** The warehouse's own queue of pick requests, bound to `pickExchange` with `pick.*`. */
  readonly pickQueue: string;
  /** Topic exchange the warehouse publishes its events to (`shipment.dispatched.<country>`, `stock.short.<country>`). */
  readonly eventExchange: string;
}

export const DEFAULT_WAREHOUSE_NAMES: WarehouseNames = {
  pickExchange: 'warehouse',
  pickQueue: 'warehouse.picks',
  eventExchange: 'warehouse.events',
};

/** Where the warehouse runs: the sandbox option `warehouse`. */
export interface WarehouseAmqpConfig {
  /** `amqp://user:password@host:port[/vhost]`. */
  readonly url: string;
  /** Default DEFAULT_WAREHOUSE_NAMES; tests give names of their own. */
  readonly names?: Partial<WarehouseNames>;
}

export interface WarehouseAmqpOptions extends WarehouseAmqpConfig {
  /** Where connections, losses and refused messages are reported, one line each. */
  readonly log: (line: string) => void;
  /** The stock the warehouse picks from (default: a new WarehouseStock). */
  readonly stock?: WarehouseStock;
  /** Delay before the first reconnection attempt, doubling up to 5 s (default 500 ms). */
  readonly reconnectDelayMs?: number;
}

/** What the warehouse did since it started. */
export interface WarehouseCounts {
  /** Pick requests taken off the queue (a redelivered one counts again). */
  readonly picksReceived: number;
  /** Messages that were no pick request: rejected, not requeued. */
  readonly picksRefused: number;
  /** Events the broker confirmed, by kind. */
  readonly shipped: number;
  readonly short: number;
  /** Confirmed events that no queue was bound to take (the broker returned them). */
  readonly unroutable: number;
  /** Events the broker did not confirm; their pick requests go back to the queue. */
  readonly publishFailed: number;
}

/** Unacknowledged pick requests the broker hands the warehouse at once. */
const PREFETCH = 10;
/** Pick requests kept for `received()`. */
const RECENT_LIMIT = 200;
/** How long a TCP connection attempt may take. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Pause before a pick request whose event was not confirmed goes back to the queue, so that a failing broker is not hammered. */
const REQUEUE_PAUSE_MS = 1_000;

/**
 * The warehouse system on RabbitMQ. It takes pick requests from its queue, decides each against its stock
 * (WarehouseStock), publishes the outcome (ShipmentDispatched or StockShort, JSON, persistent) to its event exchange,
 * and acknowledges the request only once the broker confirmed the event: at least once, never lost. One request at a
 * time, in the order they arrive. A message that is no pick request is logged and rejected without requeue.
 *
 * Lifecycle: the constructor does no I/O. `start` connects in the background and, on every connection, declares what
 * the warehouse needs (both exchanges durable topic exchanges, its queue durable and bound with `pick.*`) and starts
 * consuming. When RabbitMQ is absent or goes away it says so once and keeps trying (500 ms doubling up to 5 s); it
 * says so again when it is back. `close` stops consuming, waits for the request in hand, then closes the connection;
 * unacknowledged requests go back to the queue. Safe to call twice, and without `start`.
 */
export class AmqpWarehouse {
  readonly names: WarehouseNames;
  private readonly stock: WarehouseStock;
  private readonly tally = { picksReceived: 0, picksRefused: 0, shipped: 0, short: 0, unroutable: 0, publishFailed: 0 };
  private readonly recent: PickRequest[] = [];
  /** The recovering connection, once `start` made it (undefined when amqplib refused the options). */
  private connection?: Promise<RecoveringChannelModel | undefined>;
  /** The channel pick requests arrive on, while it is open; a request from any other is left to the broker. */
  private channel?: ConfirmChannel;
  private consumerTag?: string;
  private work: Promise<void> = Promise.resolve();
  private closing?: Promise<void>;
  /** Whether trouble was reported since the last connection, so that it is reported once. */
  private troubled = false;
  private connectedOnce = false;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly options: WarehouseAmqpOptions) {
    this.names = { ...DEFAULT_WAREHOUSE_NAMES, ...options.names };
    this.stock = options.stock ?? new WarehouseStock();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  /** Starts connecting in the background; never throws. A second call does nothing. */
  start(): void {
    if (this.connection || this.closing) return;
    const initialDelay = this.options.reconnectDelayMs ?? 500;
    this.connection = connect(this.options.url, {
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: 'junction-sandbox-warehouse' },
      recovery: {
        initialDelay,
        maxDelay: Math.max(initialDelay, 5_000),
        waitForConnect: false,
        setup: (model: ChannelModel) => this.setup(model),
      },
    }).then(
      (connection) => {
        // Listeners go on before the first attempt, which the recovering connection defers to the next turn.
        connection.on('connect', () => this.onConnect());
        connection.on('connect-failed', (err: Error) =>
          this.trouble(`cannot reach RabbitMQ at ${this.where()} (${err.message}); trying again in the background`),
        );
        connection.on('disconnect', (err: Error) => this.trouble(`lost RabbitMQ at ${this.where()} (${err.message}); reconnecting`));
        // Every connection error also ends in a disconnect, which reports it.
        connection.on('error', () => undefined);
        return connection;
      },
      (err: unknown) => {
        this.trouble(`cannot use RabbitMQ at ${this.where()} (${String(err)})`);
        return undefined;
      },
    );
  }

  /** Resolves true once the warehouse has declared what it needs and consumes, false when `timeoutMs` passes first. */
  async whenReady(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.ready.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  counts(): WarehouseCounts {
    return { ...this.tally };
  }

  /** The last pick requests received (up to 200), oldest first. */
  received(): readonly PickRequest[] {
    return [...this.recent];
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const channel = this.channel;
      this.channel = undefined;
      if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
      await this.work;
      const connection = await this.connection;
      await connection?.close().catch(() => undefined);
    })();
    return this.closing;
  }

  /** Runs on every connection, before it counts as made: a failure here fails the attempt, and it is tried again. */
  private async setup(model: ChannelModel): Promise<void> {
    const { pickExchange, pickQueue, eventExchange } = this.names;
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.trouble(`RabbitMQ closed the warehouse's channel (${err.message}); reconnecting`));
    // A channel the broker closed (a missing exchange, a deleted queue) is reopened with a new connection, which
    // declares everything again.
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
      if (!this.closing) void model.close().catch(() => undefined);
    });
    channel.on('return', () => this.tally.unroutable++);
    await channel.assertExchange(pickExchange, 'topic', { durable: true });
    await channel.assertExchange(eventExchange, 'topic', { durable: true });
    await channel.assertQueue(pickQueue, { durable: true });
    await channel.bindQueue(pickQueue, pickExchange, 'pick.*');
    await channel.prefetch(PREFETCH);
    // Set before consuming: a request may arrive before the consumer's tag does.
    this.channel = channel;
    const { consumerTag } = await channel.consume(pickQueue, (message) => {
      // null: the broker cancelled the consumer (the queue was deleted); a new connection declares it again.
      if (message === null) void model.close().catch(() => undefined);
      else this.work = this.work.then(() => this.handle(channel, message)).catch((err: unknown) => this.options.log(`warehouse: ${String(err)}`));
    });
    this.consumerTag = consumerTag;
  }

  private onConnect(): void {
    if (!this.connectedOnce || this.troubled) {
      const { pickExchange, pickQueue, eventExchange } = this.names;
      this.options.log(
        `warehouse: connected to RabbitMQ at ${this.where()}; taking pick requests from ${pickQueue} ` +
          `(${pickExchange}, pick.*), publishing events to ${eventExchange}`,
      );
    }
    this.connectedOnce = true;
    this.troubled = false;
    this.markReady();
  }

  private trouble(line: string): void {
    if (this.troubled || this.closing) return;
    this.troubled = true;
    this.options.log(`warehouse: ${line}`);
  }

  private async handle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    // Left unacknowledged: the broker puts it back on the queue when the connection closes (or has closed: a request
    // that waited behind others on a channel since lost comes again on the new one).
    if (this.closing || this.channel !== channel) return;
    const reading = readPickRequest(message.content.toString('utf8'));
    if (!reading.ok) {
      this.tally.picksRefused++;
      this.options.log(`warehouse: refused a message on ${this.names.pickQueue}: ${reading.reason}`);
      // Not requeued: it would come back for ever.
      return settle(() => channel.reject(message, false));
    }
    this.tally.picksReceived++;
    this.recent.push(reading.request);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    const event = this.stock.pick(reading.request);
    try {
      await this.publish(channel, event);
    } catch (err) {
      this.tally.publishFailed++;
      const reason = (err as Error).message;
      this.options.log(`warehouse: ${event.event} ${event.orderId} not published (${reason}); its pick request goes back to the queue`);
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      // On a closed channel this throws, and the broker requeues the request by itself.
      return settle(() => channel.nack(message, false, true));
    }
    if (event.event === 'ShipmentDispatched') this.tally.shipped++;
    else this.tally.short++;
    settle(() => channel.ack(message));
  }

  /** Publishes one event and resolves once the broker confirmed it. */
  private publish(channel: ConfirmChannel, event: WarehouseEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      channel.publish(
        this.names.eventExchange,
        routingKeyOf(event),
        Buffer.from(JSON.stringify(event)),
        {
          persistent: true,
          // Returned (and counted as unroutable) when no queue is bound to take it, instead of vanishing.
          mandatory: true,
          contentType: 'application/json',
          type: event.event,
          messageId: `${event.orderId}:${event.event}`,
          appId: 'junction-sandbox-warehouse',
          timestamp: Math.floor(Date.parse(event.at) / 1000),
        },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
    });
  }

  private where(): string {
    return redactUrl(this.options.url);
  }
}

/** Acknowledges or rejects; a channel that closed meanwhile has already handed the message back to the broker. */
function settle(act: () => void): void {
  try {
    act();
  } catch {
    // IllegalOperationError: channel closed.
  }
}
