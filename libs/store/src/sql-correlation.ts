import { newMessageId } from '@junction/core';
import type {
  AggregateMessage,
  CorrelationStore,
  GroupFilter,
  GroupPart,
  GroupRef,
  HeldGroup,
  HeldPart,
} from './correlation.types';
import { epochMs, type Driver } from './entities';
import { insertRows, messageRow } from './row-builders';
import type { Sql, SqlExecutor } from './sql-executor';
import { numbered, type SqlStatements } from './sql-statements';
import type { Failure, Hop } from './store.types';

/** A timeout that never comes, for the sums and minimums below (far inside a bigint). */
const NEVER = 1_000_000_000_000_000;
const PART_COLUMNS = 'route_id, step, message_id, part_index, group_key, correlation_id, headers, content_type, body, added_at';
const GROUP_INSERT =
  'route_id, step, group_key, part_count, size, first_at, last_at, ready_at, expires_at, check_each, after_first_ms, after_last_ms';
const GROUP_COLUMNS = 'route_id, step, group_key, part_count, size, first_at, last_at, ready_at, expires_at, lease_owner';

interface GroupRow {
  route_id: string;
  step: string;
  group_key: string;
  part_count: number | string;
  size: number | string | null;
  first_at: number | string;
  last_at: number | string;
  ready_at: number | string;
  expires_at: number | string;
  lease_owner: string | null;
}

/**
 * The statements of the correlation tables. Each claim, completion and release is guarded by its WHERE (the lease
 * owner and the part count the caller saw), so that of two instances only one acts on a group; on PostgreSQL a
 * statement that meets a row another transaction changed waits for it and re-checks its WHERE on the new row.
 */
function statements(driver: Driver) {
  const pg = driver === 'postgres';
  const q = pg ? numbered : (s: string) => s;
  const least = pg ? 'LEAST' : 'MIN';
  const inIds = pg ? '= ANY(?::text[])' : 'IN (SELECT value FROM json_each(?))';
  const group = 'route_id = ? AND step = ? AND group_key = ?';
  // A hop appended to a message's JSON array of hops without reading it (a held message always has hops).
  const appendHop = `CASE WHEN hops = '[]' THEN '[' || CAST(? AS text) || ']'
    ELSE substr(hops, 1, length(hops) - 1) || ',' || CAST(? AS text) || ']' END`;
  return {
    // SQLite, one part: route, step, message, index, key, correlation id, headers, content type, body, now.
    // PostgreSQL: the same ten columns as arrays, every part of a batch in one statement.
    addParts: pg
      ? `INSERT INTO aggregation_parts (${PART_COLUMNS})
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::bytea[], $10::bigint[])
          ON CONFLICT (route_id, step, message_id, part_index) DO NOTHING RETURNING route_id, step, group_key`
      : `INSERT INTO aggregation_parts (${PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (route_id, step, message_id, part_index) DO NOTHING RETURNING route_id, step, group_key`,
    // The groups' columns (GROUP_INSERT) as one row (SQLite) or arrays (PostgreSQL, one row per group of the batch). A
    // group is due at once when its count is reached or every part must be checked, else at its earliest timeout.
    addToGroups: `INSERT INTO aggregation_groups (${GROUP_INSERT})
        ${pg ? `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::bigint[],
            $8::bigint[], $9::bigint[], $10::int[], $11::bigint[], $12::bigint[])` : `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`}
      ON CONFLICT (route_id, step, group_key) DO UPDATE SET
        part_count = aggregation_groups.part_count + excluded.part_count,
        size = COALESCE(excluded.size, aggregation_groups.size), last_at = excluded.last_at,
        ready_at = CASE
          WHEN excluded.check_each = 1
            OR aggregation_groups.part_count + excluded.part_count >= COALESCE(excluded.size, aggregation_groups.size)
            THEN excluded.last_at
          ELSE ${least}(aggregation_groups.expires_at, excluded.last_at + COALESCE(excluded.after_last_ms, ${NEVER}),
            aggregation_groups.first_at + COALESCE(excluded.after_first_ms, ${NEVER})) END`,
    claimGroups: pg
      ? `WITH c AS (SELECT route_id, step, group_key FROM aggregation_groups
            WHERE ready_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) ORDER BY ready_at LIMIT $4
            FOR UPDATE SKIP LOCKED)
          UPDATE aggregation_groups g SET lease_owner = $1, lease_until = $2 FROM c
          WHERE g.route_id = c.route_id AND g.step = c.step AND g.group_key = c.group_key
          RETURNING ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}`
      : `UPDATE aggregation_groups SET lease_owner = ?, lease_until = ?
          WHERE rowid IN (SELECT rowid FROM aggregation_groups
            WHERE ready_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY ready_at LIMIT ?)
          RETURNING ${GROUP_COLUMNS}`,
    readGroup: q(`SELECT message_id, part_index, correlation_id, headers, content_type, body, added_at
      FROM aggregation_parts WHERE ${group} ORDER BY added_at, message_id, part_index`),
    // Parameters: group, owner, parts.
    removeGroup: q(`DELETE FROM aggregation_groups WHERE ${group} AND lease_owner = ? AND part_count = ? RETURNING part_count`),
    removeParts: q(`DELETE FROM aggregation_parts WHERE ${group} RETURNING message_id`),
    // Parameters: hop, hop, now, ids.
    markAggregated: q(`UPDATE messages SET status = 'aggregated', hops = ${appendHop}, updated_at = ?
      WHERE id ${inIds} AND status = 'held'
        AND NOT EXISTS (SELECT 1 FROM aggregation_parts p WHERE p.message_id = messages.id)`),
    // Parameters: code, message, hop, hop, now, id.
    markDead: q(`UPDATE messages SET status = 'dead', failure_code = ?, failure_message = ?, hops = ${appendHop},
        updated_at = ?
      WHERE id = ? AND status IN ('held', 'aggregated', 'delivered') RETURNING id`),
    // Parameters: ready at, parts, group, owner.
    releaseGroup: q(`UPDATE aggregation_groups SET lease_owner = NULL, lease_until = NULL,
        ready_at = CASE WHEN part_count = ? THEN ? ELSE ready_at END
      WHERE ${group} AND lease_owner = ?`),
    listGroups: q(`SELECT ${GROUP_COLUMNS} FROM aggregation_groups WHERE (CAST(? AS text) IS NULL OR route_id = ?)
      ORDER BY first_at, route_id, group_key LIMIT ?`),
    countGroups: `SELECT COUNT(*) AS groups, COALESCE(SUM(part_count), 0) AS parts FROM aggregation_groups`,
  };
}

type Statements = ReturnType<typeof statements>;
const cache = new Map<Driver, Statements>();
const statementsOf = (driver: Driver) => cache.get(driver) ?? cache.set(driver, statements(driver)).get(driver)!;

/**
 * Adds parts to their groups inside the transaction of their messages' routing result (see RoutingResult.held): the
 * parts first (a part already held is skipped), then each group once with the number of parts it gained, in key
 * order, so that two transactions adding to the same groups lock them in one order. On PostgreSQL the whole batch
 * takes two statements.
 */
export async function holdParts(sql: Sql, driver: Driver, parts: readonly HeldPart[], now: number): Promise<void> {
  const s = statementsOf(driver);
  const partRow = (p: HeldPart) => [
    p.routeId, p.step, p.messageId, Math.trunc(p.partIndex), p.key, p.correlationId, JSON.stringify(p.headers),
    p.contentType, p.body, now,
  ];
  const added: Array<{ route_id: string; step: string; group_key: string }> = [];
  if (driver === 'postgres') {
    added.push(...(await sql.rows<(typeof added)[number]>(s.addParts, columns(parts.map(partRow), 10))));
  } else {
    for (const p of parts) added.push(...(await sql.rows<(typeof added)[number]>(s.addParts, partRow(p))));
  }
  // Parts by group: the first part of a group gives its settings, the last known size counts.
  const groups = new Map<string, { part: HeldPart; count: number; size: number | null }>();
  const byId = new Map(parts.map((p) => [groupId(p.routeId, p.step, p.key), p]));
  for (const r of added) {
    const id = groupId(r.route_id, r.step, r.group_key);
    const part = byId.get(id)!;
    const g = groups.get(id) ?? { part, count: 0, size: null };
    g.count++;
    groups.set(id, g);
  }
  for (const p of parts) {
    const g = groups.get(groupId(p.routeId, p.step, p.key));
    if (g && p.size !== null) g.size = p.size;
  }
  const rows = [...groups.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, { part: p, count, size }]) => {
      const expiresAt = now + p.expireMs;
      const dueNow = p.checkEach || (size !== null && count >= size);
      const lastDue = p.completeAfterLastMs === null ? NEVER : now + p.completeAfterLastMs;
      const firstDue = p.completeAfterFirstMs === null ? NEVER : now + p.completeAfterFirstMs;
      const ready = dueNow ? now : Math.min(expiresAt, lastDue, firstDue);
      return [
        p.routeId, p.step, p.key, count, size, now, now, Math.round(ready), Math.round(expiresAt), p.checkEach ? 1 : 0,
        nullableMs(p.completeAfterFirstMs), nullableMs(p.completeAfterLastMs),
      ];
    });
  if (rows.length === 0) return;
  if (driver === 'postgres') await sql.run(s.addToGroups, columns(rows, 12));
  else for (const row of rows) await sql.run(s.addToGroups, row);
}

function groupId(routeId: string, step: string, key: string): string {
  return `${routeId}\u0000${step}\u0000${key}`;
}

function nullableMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms);
}

/** Rows as one array per column (PostgreSQL's unnest). */
function columns(rows: unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((v, i) => cols[i].push(v));
  return cols;
}

/** The CorrelationStore on the store's SQL executor; see CorrelationStore for the contract. */
export class SqlCorrelation implements CorrelationStore {
  private readonly s: Statements;

  constructor(
    private readonly driver: Driver,
    private readonly owner: string,
    /** The store's executor; throws StoreError while the store is not open. */
    private readonly exec: () => SqlExecutor,
    private readonly journal: () => SqlStatements,
  ) {
    this.s = statementsOf(driver);
  }

  async claimGroups(limit: number, leaseMs: number): Promise<HeldGroup[]> {
    if (limit < 1) return [];
    const now = Date.now();
    const until = now + Math.round(leaseMs);
    const params = this.driver === 'postgres' ? [this.owner, until, now, Math.trunc(limit)] : [this.owner, until, now, now, Math.trunc(limit)];
    const rows = await this.exec().run('claiming aggregation groups', (sql) => sql.rows<GroupRow>(this.s.claimGroups, params));
    return rows.map(heldGroup).sort((a, b) => a.readyAt - b.readyAt);
  }

  async readGroup(group: GroupRef): Promise<GroupPart[]> {
    const rows = await this.exec().run('reading an aggregation group', (sql) =>
      sql.rows<Record<string, unknown>>(this.s.readGroup, refParams(group)),
    );
    return rows.map((r) => ({
      messageId: String(r.message_id),
      partIndex: Number(r.part_index),
      correlationId: String(r.correlation_id),
      headers: JSON.parse(String(r.headers)) as Record<string, string>,
      contentType: String(r.content_type),
      body: Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body as Uint8Array),
      addedAt: epochMs(r.added_at as number | string),
    }));
  }

  async completeGroup(group: GroupRef, parts: number, aggregate: AggregateMessage): Promise<boolean> {
    const now = Date.now();
    return this.exec().tx('completing an aggregation group', async (sql) => {
      const ids = await this.remove(sql, group, parts);
      if (!ids) return false;
      await insertRows(sql, this.journal(), 'messages', [messageRow(aggregate, 'received', aggregate.hops, null, now)]);
      const hop = JSON.stringify({ at: now, step: 'aggregated', note: `into ${aggregate.id}` } satisfies Hop);
      const list = this.driver === 'postgres' ? ids : JSON.stringify(ids);
      await sql.run(this.s.markAggregated, [hop, hop, now, list]);
      return true;
    });
  }

  async expireGroup(group: GroupRef, parts: number, failure: Failure): Promise<boolean> {
    const now = Date.now();
    return this.exec().tx('expiring an aggregation group', async (sql) => {
      const ids = await this.remove(sql, group, parts);
      if (!ids) return false;
      const hop = JSON.stringify({ at: now, step: 'failed', note: failure.code } satisfies Hop);
      for (const id of ids) {
        const dead = await sql.rows(this.s.markDead, [failure.code, failure.message, hop, hop, now, id]);
        if (dead.length === 0) continue;
        await sql.run(this.journal().deadLetterFromMessage, [newMessageId(), failure.code, failure.message, now, id]);
      }
      return true;
    });
  }

  async releaseGroup(group: GroupRef, parts: number, readyAt: number): Promise<boolean> {
    const params = [parts, Math.round(readyAt), ...refParams(group), this.owner];
    const changed = await this.exec().run('releasing an aggregation group', (sql) => sql.run(this.s.releaseGroup, params));
    return changed > 0;
  }

  async listGroups(filter: GroupFilter = {}): Promise<HeldGroup[]> {
    const limit = Math.min(1000, Math.max(1, Math.trunc(filter.limit ?? 100)));
    const route = filter.routeId ?? null;
    const rows = await this.exec().run('listing aggregation groups', (sql) => sql.rows<GroupRow>(this.s.listGroups, [route, route, limit]));
    return rows.map(heldGroup);
  }

  async countGroups(): Promise<{ groups: number; parts: number }> {
    const [row] = await this.exec().run('counting aggregation groups', (sql) =>
      sql.rows<{ groups: unknown; parts: unknown }>(this.s.countGroups),
    );
    return { groups: Number(row?.groups ?? 0), parts: Number(row?.parts ?? 0) };
  }

  /** Removes a group this instance holds with `parts` parts, and its parts; the parts' distinct message ids, or null
   *  when the group was not removed. */
  private async remove(sql: Sql, group: GroupRef, parts: number): Promise<string[] | null> {
    const removed = await sql.rows(this.s.removeGroup, [...refParams(group), this.owner, Math.trunc(parts)]);
    if (removed.length === 0) return null;
    const rows = await sql.rows<{ message_id: string }>(this.s.removeParts, refParams(group));
    return [...new Set(rows.map((r) => r.message_id))].sort();
  }
}

function refParams(g: GroupRef): unknown[] {
  return [g.routeId, g.step, g.key];
}

function heldGroup(r: GroupRow): HeldGroup {
  return {
    routeId: r.route_id,
    step: r.step,
    key: r.group_key,
    parts: Number(r.part_count),
    size: r.size === null ? null : Number(r.size),
    firstAt: epochMs(r.first_at),
    lastAt: epochMs(r.last_at),
    readyAt: epochMs(r.ready_at),
    expiresAt: epochMs(r.expires_at),
    leaseOwner: r.lease_owner,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
