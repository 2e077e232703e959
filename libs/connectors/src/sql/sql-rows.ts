import type { Incoming } from '@junction/core';
import { guessContentType } from '../shared/bus-dispatch';

/** A column value as JSON holds it: bytes as base64, big integers as text; dates become ISO text through JSON. */
function jsonValue(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** A row as a plain JSON object. */
export function rowObject(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = jsonValue(v);
  return out;
}

/** The message of one row (a JSON object) or one poll (`as: batch`: a JSON array of rows). */
export function rowsIncoming(address: string, value: unknown): Incoming {
  return {
    source: { kind: 'sql', address },
    headers: {},
    body: Buffer.from(JSON.stringify(value)),
    contentType: 'application/json',
  };
}

/**
 * The message of one row whose `column` is the message itself (a transactional outbox's payload): text and bytes as
 * they are (JSON, XML or text by the first character), a JSON column's value as JSON, NULL as an empty body. Throws
 * naming the column when the rows have no such column (the query and the source disagree: every row would fail).
 */
export function columnIncoming(address: string, row: Readonly<Record<string, unknown>>, column: string): Incoming {
  if (!(column in row)) throw new Error(`the query's rows have no column "${column}" (the body column)`);
  const v = row[column];
  // A NULL body is handed over empty, so that the route (or the bus, refusing it) decides, and the source moves on.
  if (v === null || v === undefined) return { source: { kind: 'sql', address }, headers: {}, body: Buffer.alloc(0), contentType: 'text/plain; charset=utf-8' };
  const body = Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(JSON.stringify(jsonValue(v)));
  const contentType = typeof v === 'object' && !Buffer.isBuffer(v) ? 'application/json' : guessContentType(body);
  return { source: { kind: 'sql', address }, headers: {}, body, contentType };
}

/**
 * The cursor position a row holds in `column`: an integer (a number, or a big integer as text or bigint within the
 * safe range). Throws naming the column when the row has none or it is not an integer.
 */
export function cursorValue(row: Readonly<Record<string, unknown>>, column: string): number {
  if (!(column in row)) throw new Error(`the query's rows have no column "${column}" (the cursor column)`);
  const v = row[column];
  const n = typeof v === 'number' ? v : typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`the cursor column "${column}" holds ${v === null ? 'NULL' : 'a value'} that is not an integer`);
  return n;
}
