import { outgoingTraceHeaders, type Headers } from '@junction/core';
import type { MessageProperties, Options } from 'amqplib';
import { forwardable, messageHeadersFrom } from '../shared/http-headers';

/** What the broker says of a delivery besides its properties. */
export interface DeliveryFields {
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
}

/** Header names the bus can hand on to any target (HTTP's token characters). */
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Message headers of one AMQP delivery: the AMQP application headers (lower-cased; numbers and booleans as text,
 * tables and arrays such as `x-death` as JSON), then the properties and delivery fields under names of their own:
 * `content-type`, `x-correlation-id` (correlationId), `amqp-message-id`, `amqp-type`, `amqp-timestamp` (seconds since
 * the epoch, as sent), `amqp-app-id`, `amqp-reply-to`, `amqp-exchange`, `amqp-routing-key`, `amqp-redelivered`.
 * Those win over an application header of the same name, so a publisher cannot pass off a routing key. Names that
 * are not HTTP tokens are dropped (they could not be forwarded), and so are the ones the bus never forwards.
 */
export function amqpMessageHeaders(fields: DeliveryFields, properties: Partial<MessageProperties>): Headers {
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined && TOKEN.test(name)) raw[name.toLowerCase()] = text;
  }
  const headers = messageHeadersFrom(raw);
  const set = (name: string, value: unknown) => {
    const text = headerText(value);
    if (text !== undefined && text !== '') headers[name] = text;
  };
  set('content-type', properties.contentType);
  set('x-correlation-id', properties.correlationId);
  set('amqp-message-id', properties.messageId);
  set('amqp-type', properties.type);
  set('amqp-timestamp', properties.timestamp);
  set('amqp-app-id', properties.appId);
  set('amqp-reply-to', properties.replyTo);
  headers['amqp-exchange'] = fields.exchange;
  headers['amqp-routing-key'] = fields.routingKey;
  headers['amqp-redelivered'] = String(fields.redelivered);
  return headers;
}

/** A header value as text, on one line; undefined for an absent value. */
function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (Buffer.isBuffer(value)) text = value.toString('utf8');
  else text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('utf8') : v));
  // A line break would split an HTTP header the message may be forwarded in.
  return text.replace(/[\r\n\0]+/g, ' ');
}

/**
 * Headers that describe an earlier AMQP hop: not published again. The broker owns the dead-letter history (a string
 * where it expects a table would confuse it), and the `amqp-*` ones describe where the message came from.
 */
function ownedByBroker(name: string): boolean {
  return name.startsWith('amqp-') || name === 'x-death' || name.startsWith('x-first-death-') || name.startsWith('x-last-death-');
}

/** What a published message carries, from the message being delivered. */
export interface OutgoingMessage {
  readonly id: string;
  readonly correlationId: string;
  readonly headers: Readonly<Headers>;
  readonly contentType: string;
}

/**
 * Properties of a message the bus publishes: content type from the body, message id and correlation id of the bus
 * message, the forwardable message headers with the trace headers (`x-message-id`, `x-correlation-id`,
 * `traceparent`) and the target's fixed ones as AMQP headers.
 */
export function publishOptions(
  message: OutgoingMessage,
  target: { readonly headers: Readonly<Record<string, string>>; readonly persistent: boolean; readonly mandatory: boolean },
  now = Date.now(),
): Options.Publish {
  const headers: Record<string, string> = {};
  const forwarded = forwardable(message.headers);
  for (const name in forwarded) if (!ownedByBroker(name)) headers[name] = forwarded[name];
  Object.assign(headers, outgoingTraceHeaders(message), target.headers);
  return {
    contentType: message.contentType,
    messageId: message.id,
    correlationId: message.correlationId,
    timestamp: Math.floor(now / 1000),
    appId: 'junction',
    persistent: target.persistent,
    mandatory: target.mandatory,
    headers,
  };
}
