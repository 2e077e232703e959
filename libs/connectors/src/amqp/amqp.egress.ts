import {
  ConfigError,
  DeliveryError,
  type EgressConnector,
  type EgressEndpoint,
  type Logger,
  type Message,
  type Reply,
} from '@junction/core';
import { BytesBody, compileExpression } from '@junction/transform';
import { publishOptions } from './amqp-headers';
import { AmqpPublisher } from './amqp-publisher';
import { isAmqpUrl, safeUrl } from './amqp-url';
import type { AmqpTargetDef } from './amqp.config';

const EMPTY_REPLY: Reply = { status: 200, headers: {}, body: new BytesBody(Buffer.alloc(0), 'application/octet-stream') };

/**
 * RabbitMQ (AMQP 0-9-1) delivery with publisher confirms: a message counts as delivered only once the broker
 * confirmed it (for a persistent message to a durable queue: written to disk). One connection and confirm channel per
 * broker URL, shared by every target on it, opened on the first send and again after it closed. `endpoint` prepares a
 * target once at load (URL resolved, routing key expression compiled) and does no I/O.
 */
export class AmqpEgress implements EgressConnector<AmqpTargetDef> {
  readonly kind = 'amqp';
  private readonly publishers = new Map<string, AmqpPublisher>();

  /**
   * `url`: the AMQP_URL setting, for targets without a url of their own. `connectionName`: what the broker shows for
   * the bus's publishing connections (default `junction egress`).
   */
  constructor(private readonly options: { readonly url: string; readonly log: Logger; readonly connectionName?: string }) {}

  endpoint(config: AmqpTargetDef): EgressEndpoint {
    const url = config.url ?? this.options.url;
    if (!isAmqpUrl(url)) throw new ConfigError('expected an amqp:// or amqps:// URL');
    const keyExpr = config.routingKeyExpr ? compileExpression(config.routingKeyExpr, { step: 'routingKeyExpr' }) : undefined;
    const fixedKey = config.routingKey ?? '';
    const { exchange, timeoutMs } = config;
    const description = `amqp ${exchange === '' ? '(default exchange)' : exchange} ${keyExpr ? `[${config.routingKeyExpr}]` : fixedKey} at ${safeUrl(url)}`;
    const publisher = this.publisher(url);
    return {
      description,
      send: async (message: Message, signal?: AbortSignal): Promise<Reply> => {
        let routingKey = fixedKey;
        if (keyExpr) {
          const input = keyExpr.readsInput ? message.body.value() : undefined;
          routingKey = routingKeyOf(await keyExpr.evaluate(input, { headers: message.headers, messageId: message.id }), description);
        }
        const options = publishOptions({ ...message, contentType: message.body.contentType }, config);
        await publisher.publish({ exchange, routingKey, content: message.body.bytes(), options: { ...options, messageId: message.id }, timeoutMs, description }, signal);
        return EMPTY_REPLY;
      },
    };
  }

  async close(): Promise<void> {
    const publishers = [...this.publishers.values()];
    this.publishers.clear();
    await Promise.all(publishers.map((p) => p.close()));
  }

  private publisher(url: string): AmqpPublisher {
    let p = this.publishers.get(url);
    if (!p) {
      p = new AmqpPublisher(url, this.options.connectionName ?? 'junction egress', this.options.log);
      this.publishers.set(url, p);
    }
    return p;
  }
}

/** The routing key an expression gave: a string or number of at most 255 bytes, else the message fails (no retry). */
function routingKeyOf(value: unknown, description: string): string {
  const key = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (key === undefined) throw new DeliveryError('AMQP_ROUTING_KEY', `${description}: routingKeyExpr gave no text (got ${value === undefined ? 'nothing' : typeof value})`, { retriable: false });
  if (Buffer.byteLength(key) > 255) throw new DeliveryError('AMQP_ROUTING_KEY', `${description}: routing key longer than 255 bytes`, { retriable: false });
  return key;
}
