import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// The random bits of ids come from a pool filled 4 KB at a time (uuid's own refills 256 bytes and copies 16 for every
// id): every message takes an id, and every delivery another.
const pool = new Uint8Array(4096);
let used = pool.length;
// uuid's monotonic state, kept here since ids are made with explicit bytes: within one millisecond the 32-bit counter
// seeded from the random bytes goes up by one, so ids made in one process sort in the order they were made.
let lastMs = -Infinity;
let seq = 0;

/** A new time-sortable message id (UUIDv7), monotonic within the process as uuid's `v7()` makes them. */
export function newMessageId(): string {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used, (used += 16));
  const now = Date.now();
  if (now > lastMs) {
    seq = (random[6] << 23) | (random[7] << 16) | (random[8] << 8) | random[9];
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return uuidv7({ random, msecs: lastMs, seq });
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
