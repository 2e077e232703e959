import { outgoingTraceHeaders, type Headers, type Incoming, type Message } from '@junction/core';
import type { IPublishPacket } from 'mqtt';
import { guessContentType } from '../shared/bus-dispatch';
import { forwardable, messageHeadersFrom } from '../shared/http-headers';

/** What of a received PUBLISH becomes a message: topic, flags, payload and the MQTT 5 properties the bus reads. */
export type ReceivedPublish = Pick<IPublishPacket, 'topic' | 'qos' | 'retain' | 'payload' | 'properties'>;

/** A header name as the bus's targets can send it (an HTTP token, lower case). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** Control characters (tab aside): such a value cannot go on to an HTTP target. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * A received PUBLISH as the bus's Incoming:
 * - headers `mqtt-topic`, `mqtt-qos`, `mqtt-retain` (these cannot be overridden by user properties);
 * - MQTT 5 user properties as headers, names lower-cased, repeated ones joined with `, `; those that no target could
 *   carry (a name that is not a header name, a value with control characters) and the credential and hop-by-hop
 *   names that no ingress passes on (authorization, content-length...) are left out;
 * - `x-correlation-id` from the correlation data (as text, or hex when it is not printable text), so that the
 *   bus keeps the publisher's correlation;
 * - the content type from the MQTT 5 property, else guessed from the payload.
 */
export function incomingFromPublish(packet: ReceivedPublish): Incoming {
  const body = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload;
  const properties = packet.properties ?? {};
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties.userProperties ?? {})) {
    const key = name.toLowerCase();
    const text = (Array.isArray(value) ? value : [value]).map(String).join(', ');
    if (!HEADER_NAME.test(key) || CONTROL.test(text)) continue;
    raw[key] = key in raw ? `${raw[key]}, ${text}` : text;
  }
  const headers: Headers = messageHeadersFrom(raw);
  const correlation = properties.correlationData;
  if (correlation && correlation.length > 0) headers['x-correlation-id'] = correlationText(correlation);
  headers['mqtt-topic'] = packet.topic;
  headers['mqtt-qos'] = String(packet.qos);
  headers['mqtt-retain'] = String(packet.retain);
  const contentType = properties.contentType && !CONTROL.test(properties.contentType) ? properties.contentType : guessContentType(body);
  return { source: { kind: 'mqtt', address: packet.topic }, headers, body, contentType };
}

/**
 * The MQTT 5 user properties a message is published with: its forwardable headers, the trace headers
 * (x-message-id, x-correlation-id, a child traceparent) and the target's own `properties`, which win.
 */
export function outgoingUserProperties(message: Pick<Message, 'id' | 'correlationId' | 'headers'>, fixed: Readonly<Record<string, string>>): Record<string, string> {
  return { ...forwardable(message.headers), ...outgoingTraceHeaders(message), ...fixed };
}

/** Correlation data is bytes: kept as text when it is printable UTF-8, else as hex. */
function correlationText(data: Buffer): string {
  const text = data.toString('utf8');
  return text.includes('\ufffd') || CONTROL.test(text) ? data.toString('hex') : text;
}
