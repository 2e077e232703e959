import type { Driver } from './entities';
import type { TargetRef } from './store.types';

/** Column orders of the row arrays built in row-builders.ts. */
export const MESSAGE_COLUMNS = [
  'id', 'route_id', 'correlation_id', 'business_key', 'source_kind', 'source_address', 'mode', 'status', 'headers',
  'content_type', 'body', 'hops', 'failure_code', 'failure_message', 'received_at', 'updated_at', 'claim_count',
  'lease_owner', 'lease_until', 'source_vars',
] as const;
export const DELIVERY_COLUMNS = [
  'id', 'message_id', 'route_id', 'correlation_id', 'target_id', 'target_description', 'part_index', 'wire_tap',
  'status', 'headers', 'content_type', 'body', 'attempts', 'max_attempts', 'next_attempt_at', 'lease_owner',
  'lease_until', 'reply', 'last_error', 'created_at', 'updated_at', 'address', 'body_from_message', 'claim_count',
  'part_id', 'then_id',
] as const;
export const ATTEMPT_COLUMNS = [
  'delivery_id', 'number', 'started_at', 'duration_ms', 'ok', 'status_code', 'error_code', 'error',
] as const;
export const DEAD_LETTER_COLUMNS = [
  'id', 'message_id', 'delivery_id', 'route_id', 'target_id', 'reason_code', 'reason_message', 'content_type',
  'headers', 'body', 'created_at', 'replayed_at', 'replay_count',
] as const;

export type Table = 'messages' | 'deliveries' | 'attempts' | 'dead_letters';
const COLUMNS: Record<Table, readonly string[]> = {
  messages: MESSAGE_COLUMNS,
  deliveries: DELIVERY_COLUMNS,
  attempts: ATTEMPT_COLUMNS,
  dead_letters: DEAD_LETTER_COLUMNS,
};

/** The due time of a delivery that waits for the part before it (an ordered split): never, until released. The
 *  largest time a JS Date holds, so that the admin API and the dashboard can still show it. */
export const WAITING_FOR_PART = 8_640_000_000_000_000;

/** What a claim returns: everything the router or the worker needs, nothing more. */
const CLAIMED_MESSAGE = [
  'id', 'route_id', 'correlation_id', 'business_key', 'source_kind', 'source_address', 'mode', 'status', 'headers',
  'content_type', 'body', 'hops', 'received_at', 'claim_count', 'lease_until', 'source_vars',
];
const CLAIMED_DELIVERY = [
  'id', 'message_id', 'route_id', 'correlation_id', 'target_id', 'target_description', 'part_index', 'wire_tap',
  'headers', 'content_type', 'body', 'attempts', 'max_attempts', 'next_attempt_at', 'created_at', 'lease_until', 'address',
  'claim_count', 'part_id',
];

/** A delivery's body as sent: its own, or its message's when it shares it (`body_from_message`). `d`: the deliveries
 *  table or its alias. */
export function deliveryBody(d: string): string {
  return `CASE WHEN ${d}.body_from_message THEN (SELECT sm.body FROM messages sm WHERE sm.id = ${d}.message_id) ELSE ${d}.body END`;
}

/** The claimed columns of a delivery, the body resolved. */
function claimedDelivery(d: string): string {
  return CLAIMED_DELIVERY.map((c) => (c === 'body' ? `${deliveryBody(d)} AS body` : `${d}.${c}`)).join(', ');
}

/** A target as the claims name it in SQL, and the same name from a TargetRef (ids hold no space: see the route
 *  schema). */
export const TARGET_KEY = `route_id || ' ' || target_id`;
export const targetKey = (t: TargetRef): string => `${t.routeId} ${t.targetId}`;

/** Turns `?` placeholders into `$1..$n` (PostgreSQL). The statements below hold no `?` in literals. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * The SQL of the store for one driver, built once per store. Statements are written with `?` placeholders and
 * numbered for PostgreSQL; the two claims differ by driver. On SQLite TypeORM caches the prepared statement of each
 * text, so the texts here are fixed (bulk inserts use a few fixed row counts, see `insert`).
 */
export class SqlStatements {
  /** Parameters: owner, lease end, now, limit. */
  readonly claimMessages: string;
  /** Parameters from `claimParams`. */
  readonly claimDeliveries: string;
  /** Parameters: ids (an array on PostgreSQL, a JSON array on SQLite), owner. */
  readonly releaseDeliveries: string;
  /** PostgreSQL: locks the message row so that deliveries finishing at once settle it one after the other. */
  readonly lockMessage: string | null;
  readonly routeMessage: string;
  readonly messageState: string;
  readonly deadLetterFromMessage: string;
  readonly deliveryDelivered: string;
  readonly deliveryRetry: string;
  readonly deliveryDead: string;
  readonly deliveryState: string;
  readonly releaseNextPart: string;
  readonly deadLetterFromDelivery: string;
  readonly messageFailure: string;
  readonly settleMessage: string;
  readonly deadLetterRef: string;
  readonly replayDelivery: string;
  readonly reopenMessage: string;
  readonly messageHops: string;
  readonly unshareMessageBody: string;
  readonly replayMessage: string;
  readonly markReplayed: string;
  readonly countMessages: string;
  readonly countPendingDeliveries: string;
  readonly countDeadLetters: string;
  readonly countPendingByTarget: string;
  private readonly insertCache = new Map<string, string>();

  constructor(readonly driver: Driver) {
    const pg = driver === 'postgres';
    const q = pg ? numbered : (s: string) => s;
    const message = CLAIMED_MESSAGE.join(', ');
    if (pg) {
      // A CTE with FOR UPDATE is always materialised: the rows are picked and locked once, and rows another instance
      // holds are skipped rather than waited for.
      this.claimMessages = `WITH c AS (SELECT id FROM messages WHERE status = 'received'
          AND (lease_until IS NULL OR lease_until <= $3) ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
        UPDATE messages m SET lease_owner = $1, lease_until = $2, claim_count = m.claim_count + 1
        FROM c WHERE m.id = c.id RETURNING ${CLAIMED_MESSAGE.map((c) => `m.${c}`).join(', ')}`;
      this.claimDeliveries = `WITH c AS (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $3
          AND (lease_until IS NULL OR lease_until <= $3) AND NOT (${TARGET_KEY} = ANY($5::text[]))
          ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
        UPDATE deliveries d SET lease_owner = $1, lease_until = $2, claim_count = d.claim_count + 1
        FROM c WHERE d.id = c.id RETURNING ${claimedDelivery('d')}`;
      this.releaseDeliveries = `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL,
          claim_count = GREATEST(claim_count - 1, 0)
        WHERE id = ANY($1::text[]) AND status = 'pending' AND lease_owner = $2`;
    } else {
      // SQLite has a single writer: the sub-select and the update see the same rows.
      this.claimMessages = `UPDATE messages SET lease_owner = ?, lease_until = ?, claim_count = claim_count + 1
        WHERE id IN (SELECT id FROM messages WHERE status = 'received'
          AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?)
        RETURNING ${message}`;
      // The targets left out come as one JSON array, so that the text stays fixed (and prepared).
      this.claimDeliveries = `UPDATE deliveries SET lease_owner = ?, lease_until = ?, claim_count = claim_count + 1
        WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
          AND (lease_until IS NULL OR lease_until <= ?) AND ${TARGET_KEY} NOT IN (SELECT value FROM json_each(?))
          ORDER BY next_attempt_at, id LIMIT ?)
        RETURNING ${claimedDelivery('deliveries')}`;
      this.releaseDeliveries = `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL,
          claim_count = MAX(claim_count - 1, 0)
        WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending' AND lease_owner = ?`;
    }
    this.lockMessage = pg ? `SELECT id FROM messages WHERE id = $1 FOR UPDATE` : null;
    // The masked copy (when given) is written by the same statement: one round trip less per message.
    this.routeMessage = q(`UPDATE messages SET status = ?, hops = ?, failure_code = ?, failure_message = ?,
        headers = COALESCE(?, headers), body = COALESCE(?, body), lease_owner = NULL, lease_until = NULL, updated_at = ?
      WHERE id = ? AND status = 'received' AND (lease_owner = ? OR lease_owner IS NULL)
      RETURNING route_id, correlation_id`);
    this.messageState = q(`SELECT status, lease_owner FROM messages WHERE id = ?`);
    this.deadLetterFromMessage = q(`INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS.join(', ')})
      SELECT ?, id, NULL, route_id, NULL, ?, ?, content_type, headers, body, ?, NULL, 0 FROM messages WHERE id = ?`);

    const releaseDelivery = `lease_owner = NULL, lease_until = NULL, updated_at = ?`;
    // A masked copy replaces a shared body with a body of the delivery's own.
    this.deliveryDelivered = q(`UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, reply = ?,
        last_error = NULL, headers = COALESCE(?, headers), body = COALESCE(?, body),
        body_from_message = body_from_message AND ?, ${releaseDelivery}
      WHERE id = ? AND status = 'pending' RETURNING message_id, wire_tap, then_id`);
    // An attempt is an outcome: the count of claims without one starts again.
    this.deliveryRetry = q(`UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
        claim_count = 0, ${releaseDelivery}
      WHERE id = ? AND status = 'pending' AND (lease_owner = ? OR lease_owner IS NULL) RETURNING message_id, wire_tap`);
    this.deliveryDead = q(`UPDATE deliveries SET status = 'dead', attempts = attempts + 1, last_error = ?,
        ${releaseDelivery}
      WHERE id = ? AND status = 'pending' AND (lease_owner = ? OR lease_owner IS NULL) RETURNING message_id, wire_tap, then_id`);
    // An ordered split's next part to the same target, due once the part before it is delivered or dead.
    this.releaseNextPart = q(`UPDATE deliveries SET next_attempt_at = ?, updated_at = ?
      WHERE id = ? AND status = 'pending' AND next_attempt_at = ${WAITING_FOR_PART}`);
    this.deliveryState = q(`SELECT status, lease_owner FROM deliveries WHERE id = ?`);
    this.deadLetterFromDelivery = q(`INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS.join(', ')})
      SELECT ?, message_id, id, route_id, target_id, ?, ?, content_type, headers, ${deliveryBody('deliveries')}, ?, NULL, 0
      FROM deliveries WHERE id = ?`);
    this.messageFailure = q(`UPDATE messages SET failure_code = ?, failure_message = ?, updated_at = ? WHERE id = ?`);
    // Wire taps never count. Run after the delivery's own update, under the message lock on PostgreSQL.
    this.settleMessage = q(`UPDATE messages SET
        status = CASE WHEN EXISTS (SELECT 1 FROM deliveries d
          WHERE d.message_id = messages.id AND d.status = 'dead' AND NOT d.wire_tap) THEN 'dead' ELSE 'delivered' END,
        updated_at = ?
      WHERE id = ? AND status = 'pending' AND NOT EXISTS (SELECT 1 FROM deliveries d
        WHERE d.message_id = messages.id AND d.status = 'pending' AND NOT d.wire_tap)`);

    this.deadLetterRef = q(`SELECT message_id, delivery_id FROM dead_letters WHERE id = ?`);
    this.replayDelivery = q(`UPDATE deliveries SET status = 'pending', attempts = 0, claim_count = 0, next_attempt_at = ?,
        reply = NULL, last_error = NULL, body = COALESCE(?, body), body_from_message = body_from_message AND ?,
        content_type = COALESCE(?, content_type),
        headers = COALESCE(?, headers), ${releaseDelivery}
      WHERE id = ? AND status = 'dead' RETURNING message_id, wire_tap`);
    this.reopenMessage = q(`UPDATE messages SET status = 'pending', failure_code = NULL, failure_message = NULL,
        updated_at = ? WHERE id = ? AND status = 'dead'`);
    this.messageHops = q(`SELECT status, hops FROM messages WHERE id = ?`);
    // Before a message's body may change (a replay edits it or routes it again, which can mask it): deliveries
    // sharing it take a copy of their own.
    this.unshareMessageBody = q(`UPDATE deliveries
      SET body = (SELECT sm.body FROM messages sm WHERE sm.id = deliveries.message_id), body_from_message = false
      WHERE message_id = ? AND body_from_message`);
    this.replayMessage = q(`UPDATE messages SET status = 'received', hops = ?, claim_count = 0, failure_code = NULL,
        failure_message = NULL, lease_owner = NULL, lease_until = NULL, body = COALESCE(?, body),
        content_type = COALESCE(?, content_type), headers = COALESCE(?, headers), updated_at = ?
      WHERE id = ? AND status = 'dead'`);
    this.markReplayed = q(`UPDATE dead_letters SET replayed_at = ?, replay_count = replay_count + 1 WHERE id = ?`);

    this.countMessages = `SELECT status, COUNT(*) AS n FROM messages GROUP BY status`;
    this.countPendingDeliveries = `SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'`;
    this.countDeadLetters = `SELECT COUNT(*) AS n FROM dead_letters WHERE replayed_at IS NULL`;
    this.countPendingByTarget = `SELECT route_id, target_id, COUNT(*) AS n FROM deliveries WHERE status = 'pending' GROUP BY route_id, target_id ORDER BY route_id, target_id`;
  }

  /** The parameters of a delivery claim (better-sqlite3 binds `?NNN` by name only, so SQLite repeats `now`). `skip`:
   *  the targets left out. */
  claimParams(
    owner: string,
    leaseUntil: number,
    now: number,
    limit: number,
    skip: readonly TargetRef[] = [],
  ): unknown[] {
    const keys = skip.map(targetKey);
    return this.driver === 'postgres'
      ? [owner, leaseUntil, now, limit, keys]
      : [owner, leaseUntil, now, now, JSON.stringify(keys), limit];
  }

  /** The parameters of `releaseDeliveries`. */
  releaseParams(ids: readonly string[], owner: string): unknown[] {
    return [this.driver === 'postgres' ? ids : JSON.stringify(ids), owner];
  }

  /**
   * The multi-row INSERTs writing `rowCount` rows into `table`, with the row counts each covers. SQLite: chunks of
   * 256/64/16/4/1 rows (at most five distinct texts per table, so all stay prepared); PostgreSQL: one statement per
   * 65535 parameters.
   */
  insert(table: Table, rowCount: number): Array<{ sql: string; rows: number }> {
    const width = COLUMNS[table].length;
    const chunks: Array<{ sql: string; rows: number }> = [];
    let left = rowCount;
    if (this.driver === 'postgres') {
      const max = Math.floor(65535 / width);
      while (left > 0) {
        const rows = Math.min(left, max);
        chunks.push({ sql: this.insertSql(table, rows), rows });
        left -= rows;
      }
      return chunks;
    }
    for (const size of [256, 64, 16, 4, 1]) {
      while (left >= size) {
        chunks.push({ sql: this.insertSql(table, size), rows: size });
        left -= size;
      }
    }
    return chunks;
  }

  private insertSql(table: Table, rows: number): string {
    const key = `${table}:${rows}`;
    let sql = this.insertCache.get(key);
    if (sql === undefined) {
      const columns = COLUMNS[table];
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`;
      sql = this.driver === 'postgres' ? numbered(text) : text;
      // PostgreSQL batches vary in size: keep only the common ones.
      if (this.driver === 'sqlite' || rows <= 16) this.insertCache.set(key, sql);
    }
    return sql;
  }
}
