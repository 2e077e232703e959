import {
  DeliveryError,
  toBusError,
  type EgressConnector,
  type EgressEndpoint,
  type Message,
  type Reply,
} from '@junction/core';
import { BytesBody, compileExpression } from '@junction/transform';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { connectClient, endClient, mqttConnection, redact, type MqttConnection } from './mqtt-connection';
import { outgoingUserProperties } from './mqtt-headers';
import { topicNameProblem } from './mqtt-topics';
import type { MqttTargetDef } from './mqtt.config';

/** PUBACK reason codes (MQTT 5) that the same message would get again: trying again cannot help. */
const FINAL_REASONS = new Set([
  0x87, // not authorized
  0x90, // topic name invalid
  0x95, // packet too large
  0x99, // payload format invalid
]);

/** A client shared by the targets on one broker, and a wait for it to be connected (at once when it is). */
interface Shared {
  readonly client: MqttClient;
  connected(): Promise<void>;
}

/**
 * MQTT delivery: one client per broker URL, user and protocol version, shared by every target on it and connected on
 * the first send (never at route load). A QoS 1 send resolves once the broker acknowledged it (PUBACK), a QoS 0 one
 * once written to the socket. A broker that does not answer within `timeoutMs` (or cannot be reached) gives a
 * retriable DeliveryError: the outbox tries again. A message that mqtt.js already wrote may still reach the broker
 * after such a time-out, which makes a duplicate (at least once); a refusal the broker would repeat (not authorized,
 * invalid topic, too large) is final.
 */
export class MqttEgress implements EgressConnector<MqttTargetDef> {
  readonly kind = 'mqtt';
  private readonly clients = new Map<string, Shared>();

  constructor(private readonly defaultUrl: string) {}

  endpoint(config: MqttTargetDef): EgressEndpoint {
    const conn = mqttConnection(config, this.defaultUrl);
    const topicExpr = config.topicExpr === undefined ? undefined : compileExpression(config.topicExpr, { step: 'topicExpr' });
    const description = `mqtt ${conn.shown} ${config.topic ?? `(${config.topicExpr})`}`;
    const { qos, retain, timeoutMs } = config;
    const v5 = config.protocolVersion === 5;
    const fixed = config.properties;
    return {
      description,
      send: async (message: Message, signal?: AbortSignal): Promise<Reply> => {
        const topic = config.topic ?? (await this.topicOf(message, topicExpr!, description));
        const options: IClientPublishOptions = { qos, retain };
        if (v5) {
          options.properties = {
            userProperties: outgoingUserProperties(message, fixed),
            contentType: message.body.contentType,
            correlationData: Buffer.from(message.correlationId, 'utf8'),
          };
        }
        await this.publish(conn, topic, message.body.bytes(), options, timeoutMs, description, signal);
        return { status: 200, headers: { 'mqtt-topic': topic }, body: new BytesBody(Buffer.alloc(0), 'application/octet-stream') };
      },
    };
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => endClient(c.client)));
  }

  /** The topic a message goes to; a result that is no topic name fails the message for good (it would again). */
  private async topicOf(message: Message, expr: NonNullable<ReturnType<typeof compileExpression>>, description: string): Promise<string> {
    const value = await expr.evaluate(expr.readsInput ? message.body.value() : undefined, { headers: message.headers, messageId: message.id });
    const topic = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    const problem = topic === '' ? 'the topic expression gave no string' : topicNameProblem(topic);
    if (problem) throw new DeliveryError('MQTT_BAD_TOPIC', `${description}: ${problem}`, { retriable: false });
    return topic;
  }

  private async publish(
    conn: MqttConnection,
    topic: string,
    payload: Buffer,
    options: IClientPublishOptions,
    timeoutMs: number,
    description: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const shared = this.shared(conn);
    const client = shared.client;
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const limit = new Promise<never>((_, reject) => {
      const fail = (why: string) => reject(new DeliveryError('MQTT_TIMEOUT', `${description}: ${why}`, { retriable: true }));
      timer = setTimeout(() => fail(client.connected ? `no PUBACK within ${timeoutMs} ms` : `broker not reachable within ${timeoutMs} ms`), timeoutMs);
      onAbort = () => fail('send aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      // Sent only once connected: mqtt.js would otherwise queue the message and send it whenever the broker is back,
      // long after the bus gave up on this attempt and tried again.
      await Promise.race([shared.connected(), limit]);
      await Promise.race([client.publishAsync(topic, payload, options), limit]);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      throw publishFailure(err, description, conn);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private shared(conn: MqttConnection): Shared {
    const key = `${conn.url} ${conn.options.username ?? ''} ${conn.options.protocolVersion}`;
    let shared = this.clients.get(key);
    if (!shared) {
      // A client id of its own per client: publishers keep no session, and two bus instances must not share one.
      const clientId = `junction-pub-${randomBytes(6).toString('hex')}`;
      const client = connectClient(conn.url, { ...conn.options, clientId, clean: true });
      // Errors are reported through the sends that fail; a listener keeps them from being thrown.
      client.on('error', () => undefined);
      // One wait for the connection shared by every send, rather than one listener per send while the broker is away.
      let waiting: Promise<void> | undefined;
      client.on('connect', () => (waiting = undefined));
      const connected = () => {
        if (client.connected) return Promise.resolve();
        return (waiting ??= new Promise<void>((resolve) => client.once('connect', () => resolve())));
      };
      shared = { client, connected };
      this.clients.set(key, shared);
    }
    return shared;
  }
}

/** A failed publish as a DeliveryError: final when the broker would refuse the message again, else retriable. */
export function publishFailure(err: unknown, description: string, conn: Pick<MqttConnection, 'secrets'>): DeliveryError {
  const code = (err as { code?: unknown }).code;
  const reason = typeof code === 'number' ? code : undefined;
  const message = `${description}: ${redact(toBusError(err).message, conn.secrets)}`;
  return new DeliveryError('MQTT_PUBLISH_FAILED', message, { retriable: reason === undefined || !FINAL_REASONS.has(reason), cause: err });
}
