import { ConfigError, toBusError, type IngressBinding, type Logger, type SourceStatus } from '@junction/core';
import type { IClientOptions, IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { BrokerIngress, type BrokerConsumer, type ConsumerLink } from '../shared/broker-ingress';
import { dispatchUntilTaken } from '../shared/bus-dispatch';
import { connectClient, endClient, mqttConnection, redact, type MqttConnection } from './mqtt-connection';
import { incomingFromPublish } from './mqtt-headers';
import { topicMatches } from './mqtt-topics';
import type { MqttSourceDef } from './mqtt.config';

/** MQTT 5 session expiry meaning "never": a persistent session lasts as long as in 3.1.1. */
const NEVER_EXPIRES = 4_294_967_295;
/**
 * Time allowed for the SUBACK. Generous: a resumed session's queued messages come first, and mqtt.js hands the SUBACK
 * over only after the bus took those.
 */
const SUBSCRIBE_TIMEOUT_MS = 60_000;
/** MQTT 5 DISCONNECT reason: another client connected with the same client id. */
const SESSION_TAKEN_OVER = 142;

/** The client id of a route's session when its source names none: stable, so that the session outlives restarts. */
export function defaultClientId(routeId: string): string {
  return `junction-${routeId}`;
}

/** A route's live connection as mqtt.js reports it, for the status (the base class only knows it was opened). */
interface Session {
  readonly clientId: string;
  readonly topics: readonly string[];
  up: boolean;
  since: number;
  error?: string;
}

/**
 * MQTT ingress, hosted by the bus's broker transport like every broker ingress: one client session per route, with
 * the route's own client id. At least once with QoS 1: mqtt.js sends a message's PUBACK only once `handleMessage`
 * called back, which the ingress does after the bus took the message (stored for async routes, delivered for sync
 * ones), so that a message the bus did not take is redelivered by the broker when the session resumes. A message the
 * bus refuses is journaled and dead-lettered by the bus, and acknowledged so that the session moves on; only a store
 * outage holds the session, retried with backoff. mqtt.js hands over one message at a time, and the ingress takes
 * them in that order, across reconnections too. With `cleanSession: false` (the default) the session, its
 * subscriptions and the QoS 1 messages published while the bus is down wait at the broker. mqtt.js reconnects by
 * itself; the status shows `reconnecting` meanwhile.
 */
export class MqttIngress extends BrokerIngress<MqttSourceDef> {
  readonly kind = 'mqtt';
  private readonly sessions = new Map<string, Session>();
  /** Filters each session was last subscribed to here, so that a reload can unsubscribe those it dropped. */
  private readonly subscribed = new Map<string, readonly string[]>();

  constructor(
    private readonly defaultUrl: string,
    log: Logger,
  ) {
    super(log, { minMs: 500, maxMs: 15_000 });
  }

  /** Refuses two routes with one session (broker and client id): each would take it from the other, endlessly. */
  override async prepare(bindings: readonly IngressBinding<MqttSourceDef>[]): Promise<void> {
    const owners = new Map<string, string>();
    const problems: string[] = [];
    for (const b of bindings) {
      const key = this.sessionKey(b);
      const owner = owners.get(key);
      if (owner) problems.push(`route ${b.routeId}: MQTT session "${key}" is already route ${owner}'s (give one of them another clientId)`);
      else owners.set(key, b.routeId);
    }
    if (problems.length > 0) throw new ConfigError(problems[0], problems);
    await super.prepare(bindings);
  }

  override async status(): Promise<SourceStatus[]> {
    return (await super.status()).map((s) => {
      const session = this.sessions.get(s.routeId);
      if (!session || s.state !== 'connected') return s;
      const detail = { topics: session.topics, clientId: session.clientId };
      if (session.up) return { ...s, detail };
      return { ...s, state: 'reconnecting', since: session.since, detail, ...(session.error ? { error: session.error } : {}) };
    });
  }

  protected override describeError(err: unknown): string {
    return redact(toBusError(err).message, []);
  }

  protected async open(b: IngressBinding<MqttSourceDef>, link: ConsumerLink): Promise<BrokerConsumer> {
    const conn = mqttConnection(b.config, this.defaultUrl);
    const clientId = b.config.clientId ?? defaultClientId(b.routeId);
    const key = this.sessionKey(b);
    const { topics, qos, protocolVersion, cleanSession } = b.config;
    const session: Session = { clientId, topics, up: false, since: Date.now() };
    const client = connectClient(conn.url, { ...conn.options, ...this.sessionOptions(b.config, clientId), manualConnect: true });
    const fields = { route: b.routeId, kind: this.kind, broker: conn.shown, clientId };
    let stopping = false;
    // Messages in the order mqtt.js handed them over: a message still with the bus when the connection dropped is
    // followed by the broker's redeliveries, which must wait for it.
    let tail: Promise<void> = Promise.resolve();

    client.on('error', (err) => (session.error = redact(err.message, conn.secrets)));
    client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
      // Not acknowledged: the broker redelivers it when the session resumes.
      if (stopping || link.closing()) return done(new Error('the MQTT consumer is closing'));
      const turn = tail.then(() => this.take(b, link, packet, conn, () => stopping));
      tail = turn.catch(() => undefined);
      turn.then(
        () => done(),
        (err: unknown) => {
          done(err instanceof Error ? err : new Error(String(err)));
          // A message left unacknowledged while connected comes back only on a new session: start one.
          if (!stopping && !link.closing()) link.lost(err);
        },
      );
    };

    try {
      const connack = await this.connected(client, link.signal, conn);
      // A resumed session keeps the subscriptions of the route's earlier configuration: those it dropped since are
      // ended here (within this process; after a restart, `take` recognises and skips their messages).
      const dropped = connack.sessionPresent ? (this.subscribed.get(key) ?? []).filter((t) => !topics.includes(t)) : [];
      if (dropped.length > 0) await within(client.unsubscribeAsync(dropped), SUBSCRIBE_TIMEOUT_MS, 'UNSUBACK', link.signal);
      // MQTT 5 `rh: 1`: retained messages only for a new subscription, not again at every restart of the bus.
      const request = client.subscribeAsync([...topics], { qos, ...(protocolVersion === 5 ? { rh: 1 } : {}) });
      const grants = await within(request, SUBSCRIBE_TIMEOUT_MS, 'SUBACK', link.signal);
      const refused = grants.filter((g) => g.qos >= 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.join(', ')}`);
      this.subscribed.set(key, topics);
      this.log.info({ ...fields, topics, sessionPresent: connack.sessionPresent, cleanSession }, 'MQTT subscribed');
    } catch (err) {
      // Messages already handed over stay unacknowledged: the broker redelivers them to the next attempt.
      stopping = true;
      client.end(true);
      throw new Error(redact(toBusError(err).message, conn.secrets), { cause: err });
    }

    Object.assign(session, { up: true, since: Date.now(), error: undefined });
    this.sessions.set(b.routeId, session);
    client.on('connect', () => {
      if (!session.up) this.log.info(fields, 'MQTT reconnected');
      Object.assign(session, { up: true, since: Date.now(), error: undefined });
    });
    client.on('close', () => {
      if (!session.up || stopping) return;
      Object.assign(session, { up: false, since: Date.now() });
      this.log.warn({ ...fields, err: session.error }, 'MQTT connection lost: the client reconnects by itself');
    });
    client.on('disconnect', (packet) => {
      if (packet.reasonCode === SESSION_TAKEN_OVER) {
        this.log.warn(fields, 'MQTT session taken over by another client with the same client id (another bus instance?)');
      }
    });

    let closed: Promise<void> | undefined;
    return {
      inspect: async () => ({ detail: { topics, clientId } }),
      close: (timeoutMs) =>
        (closed ??= (async () => {
          stopping = true;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([tail, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
          clearTimeout(timer);
          await endClient(client);
          if (this.sessions.get(b.routeId) === session) this.sessions.delete(b.routeId);
        })()),
    };
  }

  /** Client id, clean start and (MQTT 5) session expiry of a route's session. */
  private sessionOptions(config: MqttSourceDef, clientId: string): IClientOptions {
    const expiry = config.sessionExpirySeconds ?? (config.cleanSession ? undefined : NEVER_EXPIRES);
    return {
      clientId,
      clean: config.cleanSession,
      // MQTT 5 ends a session at disconnect unless told otherwise, which would drop what is published meanwhile.
      ...(config.protocolVersion === 5 && expiry !== undefined ? { properties: { sessionExpiryInterval: expiry } } : {}),
    };
  }

  /** Resolves at the CONNACK; rejects when the first connection fails or the attempt is given up. */
  private connected(client: MqttClient, signal: AbortSignal, conn: MqttConnection): Promise<IConnackPacket> {
    return new Promise<IConnackPacket>((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (err: Error) => (lastError = err);
      const onConnect = (connack: IConnackPacket) => settle(() => resolve(connack));
      // The first attempt is the base class's to retry, with backoff and a status; mqtt.js only retries once connected.
      const onClose = () => settle(() => reject(lastError ?? new Error(`connection to ${conn.shown} closed`)));
      const onAbort = () => settle(() => reject(new Error('connection attempt given up')));
      const settle = (then: () => void) => {
        client.off('error', onError).off('connect', onConnect).off('close', onClose);
        signal.removeEventListener('abort', onAbort);
        then();
      };
      client.on('error', onError).on('connect', onConnect).on('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });
      client.connect();
    });
  }

  /** One message to the bus. Resolving lets mqtt.js acknowledge it; rejecting leaves it unacknowledged. */
  private async take(b: IngressBinding<MqttSourceDef>, link: ConsumerLink, packet: IPublishPacket, conn: MqttConnection, stopping: () => boolean): Promise<void> {
    const fields = { route: b.routeId, topic: packet.topic, qos: packet.qos, broker: conn.shown };
    if (!b.config.topics.some((f) => topicMatches(f, packet.topic))) {
      // A subscription the session kept from an earlier configuration of the route: not the route's message.
      this.log.warn(fields, 'MQTT message on a topic the route no longer subscribes to: acknowledged and skipped');
      return;
    }
    const result = await dispatchUntilTaken(link.sink, b.routeId, incomingFromPublish(packet), () => link.closing() || stopping());
    if (result.taken) return;
    const e = result.error;
    this.log.warn({ ...fields, code: e.code, messageId: e.messageId }, 'MQTT message dead-lettered');
  }

  /** Broker (without credentials) and client id: what names a session at the broker. */
  private sessionKey(b: IngressBinding<MqttSourceDef>): string {
    return `${mqttConnection(b.config, this.defaultUrl).shown} ${b.config.clientId ?? defaultClientId(b.routeId)}`;
  }
}

/** `promise`, or a rejection naming `what` after `ms` or when `signal` aborts. */
async function within<T>(promise: Promise<T>, ms: number, what: string, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} from the broker within ${ms} ms`)), ms);
    onAbort = () => reject(new Error('connection attempt given up'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
