import { Message } from '@junction/core';
import type { CompiledRoute } from '@junction/routing';
import type { Failure, NewDelivery, StoredMessage } from '@junction/store';
import { bodyFromBytes } from '@junction/transform';
import { newDelivery } from './exchange';

/**
 * The copy of a message its route refused in the outbox (a step failed, or it was poison) for the route's
 * dead-letter target (CompiledRoute.deadLetter: Kafka's dead-letter topic), or undefined when the route has none.
 * It carries the bytes and headers the message came with (a Kafka key among them, as `kafka-key`), the reason as
 * `junction-error-code` and `junction-error`, and the message id; it is a wire tap of the dead message, so the outbox
 * delivers it with retries and it never changes the message's status.
 */
export function deadLetterCopy(route: CompiledRoute | undefined, stored: StoredMessage, failure: Failure): NewDelivery | undefined {
  const target = route?.deadLetter;
  if (!route || !target) return undefined;
  const headers = { ...stored.headers, 'junction-error-code': failure.code, 'junction-error': failure.message, 'x-message-id': stored.id };
  const body = bodyFromBytes(stored.body, stored.contentType, route.codec, { json: route.jsonLimits });
  const message = new Message(stored.id, stored.correlationId, { kind: stored.sourceKind, address: stored.sourceAddress }, headers, body, stored.receivedAt);
  return newDelivery({ target, message, wireTap: true }, body);
}
