import {
  ConfigError,
  toBusError,
  type IngressBinding,
  type IngressConnector,
  type LinkState,
  type Logger,
  type MessageSink,
  type SourceStatus,
} from '@junction/core';
import { Backoff } from './backoff';

/**
 * One route's live subscription to a broker (a Kafka consumer in its group, an AMQP channel on a queue, an MQTT
 * session), as a broker ingress opened it.
 */
export interface BrokerConsumer {
  /**
   * Stops taking messages, waits (at most `timeoutMs`) for those already handed to the bus and acknowledges them to
   * the broker, then disconnects. Must not throw.
   */
  close(timeoutMs: number): Promise<void>;
  /** Backlog and detail for the status (bounded I/O: the admin API and the metrics read it every few seconds). */
  inspect?(): Promise<Pick<SourceStatus, 'backlog' | 'detail'>>;
}

/** Handed to `open`: how a consumer tells its ingress that its connection is gone for good. */
export interface ConsumerLink {
  /** The connection broke and the client will not recover it itself: the ingress closes it and opens it again. */
  lost(err: unknown): void;
  /** The bus's sink, to dispatch messages to. */
  readonly sink: MessageSink;
  /** True once the ingress is closing: a consumer stops retrying store outages and leaves messages unacknowledged. */
  closing(): boolean;
  /** Aborted when this attempt is given up (shutdown, route removed): an `open` still connecting stops at once. */
  readonly signal: AbortSignal;
}

interface Entry {
  readonly binding: IngressBinding;
  readonly signature: string;
  state: LinkState;
  since: number;
  error?: string;
  consumer?: BrokerConsumer;
  backoff: Backoff;
  timer?: NodeJS.Timeout;
  /** Aborts the connection attempt in progress. */
  attempt?: AbortController;
  /** Bumped on every (re)open, so that a late `lost` from an old connection is ignored. */
  generation: number;
}

/** Broker ingresses are hosted by the bus's Nest microservice transport (see BrokerTransport). */
export interface HostedIngress {
  /** Called when the transport starts listening: consumers of bound routes open from then on. */
  listen(): void;
}

/**
 * The lifecycle every broker ingress shares: one consumer per bound route, opened in the background once the bus's
 * transport listens (a broker that cannot be reached never holds up the rest of the bus), opened again with
 * exponential backoff and jitter after a failure or a lost connection, replaced when its route's source config
 * changes on reload, and closed at shutdown after the messages in hand were taken. Subclasses only open one consumer
 * (`open`); acknowledgement after commit is theirs, through `ConsumerLink.sink`.
 */
export abstract class BrokerIngress<C> implements IngressConnector<C>, HostedIngress {
  abstract readonly kind: string;
  private sink?: MessageSink;
  private bindings: readonly IngressBinding<C>[] = [];
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  private closing = false;
  private closed?: Promise<void>;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(
    protected readonly log: Logger,
    private readonly backoff: { readonly minMs: number; readonly maxMs: number } = { minMs: 500, maxMs: 30_000 },
  ) {}

  /** Opens one consumer for a route: connects, subscribes and starts taking messages. Rejects when it cannot. */
  protected abstract open(binding: IngressBinding<C>, link: ConsumerLink): Promise<BrokerConsumer>;

  /** Checks a binding before it replaces the current ones (no network); throws a ConfigError naming the route. */
  protected check(_binding: IngressBinding<C>): void {}

  /** What identifies a consumer: a route whose signature changes on reload gets a new consumer. */
  protected signature(binding: IngressBinding<C>): string {
    return `${binding.mode} ${JSON.stringify(binding.config)}`;
  }

  /** A connection error as shown in logs and the status: subclasses strip credentials. */
  protected describeError(err: unknown): string {
    return toBusError(err).message;
  }

  async prepare(bindings: readonly IngressBinding<C>[]): Promise<void> {
    const problems: string[] = [];
    for (const b of bindings) {
      try {
        this.check(b);
      } catch (err) {
        problems.push(...(err instanceof ConfigError ? err.problems : [toBusError(err).message]));
      }
    }
    if (problems.length > 0) throw new ConfigError(problems[0], problems);
  }

  async start(sink: MessageSink): Promise<void> {
    this.sink = sink;
  }

  bind(bindings: readonly IngressBinding<C>[]): void {
    this.bindings = bindings;
    if (this.listening) this.reconcile();
  }

  listen(): void {
    if (this.closing) return;
    this.listening = true;
    this.reconcile();
  }

  close(timeoutMs = 10_000): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.listening = false;
      await this.reconciling;
      const all = [...this.entries.values()];
      this.entries.clear();
      for (const e of all) {
        clearTimeout(e.timer);
        e.attempt?.abort();
      }
      await Promise.all(all.map((e) => e.consumer?.close(timeoutMs)));
    })();
    return this.closed;
  }

  async status(): Promise<SourceStatus[]> {
    return Promise.all(
      [...this.entries.values()].map(async (e): Promise<SourceStatus> => {
        const base = { routeId: e.binding.routeId, state: e.state, since: e.since, ...(e.error ? { error: e.error } : {}) };
        if (!e.consumer?.inspect || e.state !== 'connected') return base;
        try {
          return { ...base, ...(await e.consumer.inspect()) };
        } catch (err) {
          return { ...base, error: this.describeError(err) };
        }
      }),
    );
  }

  /** Brings the consumers in line with the bindings: closes removed or changed ones, opens new ones. Serialised. */
  private reconcile(): void {
    const bindings = this.bindings;
    this.reconciling = this.reconciling.then(async () => {
      const wanted = new Map(bindings.map((b) => [b.routeId, b]));
      for (const [routeId, e] of this.entries) {
        const b = wanted.get(routeId);
        if (b && this.signature(b) === e.signature) continue;
        this.entries.delete(routeId);
        clearTimeout(e.timer);
        e.attempt?.abort();
        e.generation++;
        await e.consumer?.close(5_000);
      }
      for (const b of bindings) {
        if (this.entries.has(b.routeId) || this.closing) continue;
        const now = Date.now();
        const entry: Entry = {
          binding: b,
          signature: this.signature(b),
          state: 'connecting',
          since: now,
          backoff: new Backoff(this.backoff.minMs, this.backoff.maxMs),
          generation: 0,
        };
        this.entries.set(b.routeId, entry);
        void this.connect(entry);
      }
    });
  }

  private async connect(entry: Entry): Promise<void> {
    const generation = ++entry.generation;
    const attempt = (entry.attempt = new AbortController());
    const current = () => !this.closing && this.entries.get(entry.binding.routeId) === entry && entry.generation === generation;
    const link: ConsumerLink = {
      sink: this.sink!,
      closing: () => this.closing,
      signal: attempt.signal,
      lost: (err) => {
        if (!current() || entry.state !== 'connected') return;
        const consumer = entry.consumer;
        entry.consumer = undefined;
        void consumer?.close(1_000);
        this.retry(entry, err, 'connection lost');
      },
    };
    try {
      const consumer = await this.open(entry.binding as IngressBinding<C>, link);
      if (!current()) {
        await consumer.close(1_000);
        return;
      }
      entry.consumer = consumer;
      entry.backoff.reset();
      this.enter(entry, 'connected');
      entry.error = undefined;
      this.log.info({ route: entry.binding.routeId, kind: this.kind }, `${this.kind} consumer connected`);
    } catch (err) {
      if (current()) this.retry(entry, err, 'cannot connect');
    }
  }

  private retry(entry: Entry, err: unknown, what: string): void {
    const first = entry.error === undefined;
    entry.error = this.describeError(err);
    this.enter(entry, entry.state === 'connecting' ? 'connecting' : 'reconnecting');
    const delay = entry.backoff.next();
    const fields = { route: entry.binding.routeId, kind: this.kind, err: entry.error, retryInMs: delay };
    // Said once per outage; the retries after it are quiet until the broker answers.
    if (first) this.log.warn(fields, `${this.kind} ${what}: route ${entry.binding.routeId} tries again with backoff`);
    else this.log.debug(fields, `${this.kind} still unreachable`);
    entry.timer = setTimeout(() => void this.connect(entry), delay);
    entry.timer.unref();
  }

  private enter(entry: Entry, state: LinkState): void {
    if (entry.state !== state) entry.since = Date.now();
    entry.state = state;
  }
}
