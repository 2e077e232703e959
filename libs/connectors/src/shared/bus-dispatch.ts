import { DeliveryError, toBusError, type BusError, type Incoming, type MessageSink } from '@junction/core';
import { Backoff } from './backoff';

/** What became of a message a broker consumer handed to the bus. */
export type Taken =
  /** The bus took it (stored for async routes, delivered for sync ones): acknowledge it to the broker. */
  | { readonly taken: true }
  /** The bus refused it (bad input, a failed step, undeliverable): journaled and dead-lettered; the source moves on. */
  | { readonly taken: false; readonly error: BusError };

/**
 * Hands one broker message to the bus the way every broker ingress must: a store outage (nothing was taken) is tried
 * again with backoff, holding the source, so nothing is lost and nothing acknowledged; a refusal is returned for the
 * consumer to acknowledge (or route to its dead-letter exchange or topic). Rejects only when the ingress closes during
 * an outage: the message then stays unacknowledged and the broker redelivers it. A body that waits for a parse worker
 * waits its turn (`whenBusy: 'wait'`) rather than being refused and tried again: the consumer's prefetch bounds what
 * waits, and a flood of HTTP callers, who are refused instead, cannot keep it out.
 */
export async function dispatchUntilTaken(sink: MessageSink, routeId: string, incoming: Incoming, closing: () => boolean): Promise<Taken> {
  const backoff = new Backoff(100, 30_000);
  const waiting: Incoming = { ...incoming, whenBusy: 'wait' };
  for (;;) {
    try {
      await sink.dispatch(routeId, waiting);
      return { taken: true };
    } catch (err) {
      const e = toBusError(err);
      if (!e.retriable || e instanceof DeliveryError) return { taken: false, error: e };
      if (closing()) throw e;
      await new Promise((r) => setTimeout(r, backoff.next()));
    }
  }
}

/** A body that came without a content type: JSON or XML by its first character, else text. */
export function guessContentType(body: Buffer): string {
  for (const b of body.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    if (b === 0x7b || b === 0x5b) return 'application/json';
    if (b === 0x3c) return 'application/xml';
    break;
  }
  return 'text/plain; charset=utf-8';
}
