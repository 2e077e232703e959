import { v7 as uuidv7 } from 'uuid';

/** A new time-sortable message id (UUIDv7). */
export function newMessageId(): string {
  return uuidv7();
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const SAFE_ID = /^[\w.:@\-]{1,128}$/;

/**
 * The correlation id of an incoming message: the caller's `x-correlation-id` when it is a sane token, else the
 * trace id of a W3C `traceparent`, else a new id. Callers' values are bounded so that they cannot flood the journal.
 */
export function correlationIdFrom(headers: Readonly<Record<string, string>>, fallback: string): string {
  const given = headers['x-correlation-id'];
  if (given && SAFE_ID.test(given)) return given;
  const trace = headers['traceparent'];
  const m = trace ? TRACEPARENT.exec(trace) : null;
  if (m) return m[1];
  return fallback;
}
