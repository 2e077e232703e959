import { newMessageId } from '@junction/core';
import type { Sql } from './sql-executor';
import { WAITING_FOR_PART, type SqlStatements, type Table } from './sql-statements';
import type {
  AttemptRecord,
  Exchange,
  Failure,
  Hop,
  MessageStatus,
  NewDelivery,
  NewMessage,
} from './store.types';

/** A row as an array in the column order of sql-statements.ts. Times are rounded: integer columns on PostgreSQL refuse
 *  a fractional duration. */
export type Row = unknown[];

/** The rows one group-committed batch writes, in foreign-key order. */
export interface JournalRows {
  messages: Row[];
  deliveries: Row[];
  attempts: Row[];
  deadLetters: Row[];
}

export function emptyRows(): JournalRows {
  return { messages: [], deliveries: [], attempts: [], deadLetters: [] };
}

export function messageRow(
  m: NewMessage,
  status: MessageStatus,
  hops: readonly Hop[],
  failure: Failure | null,
  now: number,
): Row {
  return [
    m.id, m.routeId, m.correlationId, m.businessKey ?? null, m.sourceKind, m.sourceAddress, m.mode, status,
    JSON.stringify(m.headers), m.contentType, m.body, JSON.stringify(hops), failure?.code ?? null,
    failure?.message ?? null, Math.round(m.receivedAt), now, 0, null, null,
    m.sourceVars ? JSON.stringify(m.sourceVars) : null,
  ];
}

const NO_BODY = Buffer.alloc(0);

/** `routeId`/`correlationId` come from the message: a claim then needs no join. `lease`: inserted already claimed.
 *  `bodyFromMessage`: the delivery's body is its message's as stored, which is then not copied (see
 *  `deliveryBody` in sql-statements.ts). A claim that counts: see StoredDelivery.claims. */
export function deliveryRow(
  d: NewDelivery,
  routeId: string,
  correlationId: string,
  status: 'pending' | 'delivered' | 'dead',
  attempts: number,
  lastError: string | null,
  now: number,
  lease: { owner: string; until: number } | null = null,
  bodyFromMessage = false,
): Row {
  return [
    d.id, d.messageId, routeId, correlationId, d.targetId, d.targetDescription, d.partIndex, d.wireTap, status,
    JSON.stringify(d.headers), d.contentType, bodyFromMessage ? NO_BODY : d.body, attempts, d.maxAttempts,
    d.waiting && status === 'pending' && !lease ? WAITING_FOR_PART : now,
    lease?.owner ?? null, lease?.until ?? null, null, lastError, now, now, d.address ?? null, bodyFromMessage, lease ? 1 : 0,
    d.partId ?? null, d.thenId ?? null,
  ];
}

export function attemptRow(deliveryId: string, a: AttemptRecord): Row {
  return [
    deliveryId, a.number, Math.round(a.startedAt), Math.round(a.durationMs), a.ok, a.statusCode ?? null,
    a.errorCode ?? null, a.error ?? null,
  ];
}

export function deadLetterRow(
  source: { messageId: string; deliveryId: string | null; routeId: string; targetId: string | null },
  reason: Failure,
  content: { contentType: string; headers: Record<string, string>; body: Buffer },
  now: number,
): Row {
  return [
    newMessageId(), source.messageId, source.deliveryId, source.routeId, source.targetId, reason.code, reason.message,
    content.contentType, JSON.stringify(content.headers), content.body, now, null, 0,
  ];
}

/** The failure to file a dead delivery under when the caller gave none: its last attempt's error. */
export function deliveryFailure(attempts: readonly AttemptRecord[], failure?: Failure): Failure {
  if (failure) return failure;
  const last = attempts[attempts.length - 1];
  return { code: last?.errorCode ?? 'DELIVERY_FAILED', message: last?.error ?? 'delivery failed' };
}

/** Adds the rows of a journaled sync exchange. */
export function addExchangeRows(rows: JournalRows, x: Exchange, now: number): void {
  const m = x.message;
  const deadDelivery = x.deliveries.some((d) => d.status === 'dead' && !d.wireTap);
  rows.messages.push(messageRow(m, x.status, x.hops, x.failure ?? null, now));
  for (const d of x.deliveries) {
    const failure = d.status === 'dead' ? deliveryFailure(d.attempts, d.failure) : null;
    const lastError = failure?.message ?? d.attempts[d.attempts.length - 1]?.error ?? null;
    // Most copies of a passthrough are the message's own bytes (`asis` targets): stored once, with the message.
    const shared = d.body.equals(m.body);
    rows.deliveries.push(deliveryRow(d, m.routeId, m.correlationId, d.status, d.attempts.length, lastError, now, null, shared));
    for (const a of d.attempts) rows.attempts.push(attemptRow(d.id, a));
    if (failure) {
      rows.deadLetters.push(
        deadLetterRow({ messageId: m.id, deliveryId: d.id, routeId: m.routeId, targetId: d.targetId }, failure, d, now),
      );
    }
  }
  // A failed exchange is dead-lettered as a whole only when no delivery carries the failure (a step failed).
  if (x.status === 'dead' && !deadDelivery) {
    const reason = x.failure ?? { code: 'STEP_FAILED', message: 'the exchange failed' };
    rows.deadLetters.push(
      deadLetterRow({ messageId: m.id, deliveryId: null, routeId: m.routeId, targetId: null }, reason, m, now),
    );
  }
}

/** Writes rows into `table` with the fixed-size multi-row INSERTs of `statements`. */
export async function insertRows(sql: Sql, statements: SqlStatements, table: Table, rows: Row[]): Promise<void> {
  let at = 0;
  for (const chunk of statements.insert(table, rows.length)) {
    const params: unknown[] = [];
    for (let i = at; i < at + chunk.rows; i++) {
      const row = rows[i];
      for (let c = 0; c < row.length; c++) params.push(row[c]);
    }
    at += chunk.rows;
    await sql.run(chunk.sql, params);
  }
}

export async function insertJournalRows(sql: Sql, statements: SqlStatements, rows: JournalRows): Promise<void> {
  await insertRows(sql, statements, 'messages', rows.messages);
  await insertRows(sql, statements, 'deliveries', rows.deliveries);
  await insertRows(sql, statements, 'attempts', rows.attempts);
  await insertRows(sql, statements, 'dead_letters', rows.deadLetters);
}
