import { stat } from 'node:fs/promises';
import type { JournalSize } from './retention.types';
import type { Sql } from './sql-executor';
import type { StoreTarget } from './store-url';

/** The tables the journal is made of (the audit log and the leases are not: they stay small). */
const JOURNAL_TABLES = ['messages', 'deliveries', 'attempts', 'dead_letters'];
// A heap tuple's header and its line pointer, on top of its columns' average width.
const PG_TUPLE_OVERHEAD = 28;

const PG_SIZES = `SELECT pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap,
    COALESCE(s.n_live_tup, 0) AS live,
    (SELECT SUM(p.avg_width) FROM pg_stats p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) AS width
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
  WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname = ANY($1::text[])`;
const PG_LIVE_MESSAGES = `SELECT COALESCE(n_live_tup, 0) AS n FROM pg_stat_all_tables WHERE relid = 'messages'::regclass`;

/**
 * The journal's size from the database's own bookkeeping: a few pragmas and a stat of the WAL file on SQLite, the
 * catalog and the statistics on PostgreSQL. No row is read. See JournalSize.
 */
export async function journalSize(sql: Sql, target: StoreTarget): Promise<JournalSize> {
  if (target.driver === 'sqlite') {
    const pageSize = await pragma(sql, 'page_size');
    const pages = await pragma(sql, 'page_count');
    const free = await pragma(sql, 'freelist_count');
    const wal = target.path === ':memory:' ? 0 : await stat(`${target.path}-wal`).then((s) => s.size, () => 0);
    return { bytes: pages * pageSize + wal, usedBytes: (pages - free) * pageSize };
  }
  const rows = await sql.rows<{ total: unknown; heap: unknown; live: unknown; width: unknown }>(PG_SIZES, [JOURNAL_TABLES]);
  let bytes = 0;
  let usedBytes = 0;
  for (const r of rows) {
    const total = Number(r.total);
    const heap = Number(r.heap);
    const live = Number(r.live);
    bytes += total;
    // An emptied table loses its statistics at its next ANALYZE: no live rows is no bytes in use, whatever they say.
    // Without statistics a count of 0 may only trail fresh writes: the rule below (all of it counts) then applies.
    if (live === 0 && r.width !== null) continue;
    if (r.width === null || heap === 0) {
      // Rows but no statistics yet: all of it counts, which errs towards purging early, never towards a full disk.
      usedBytes += total;
      continue;
    }
    // Indexes and TOAST are taken to hold as much free space as the heap does.
    const heapUsed = Math.min(heap, live * (Number(r.width) + PG_TUPLE_OVERHEAD));
    usedBytes += Math.min(total, Math.round(heapUsed * (total / heap)));
  }
  return { bytes, usedBytes };
}

/** How many messages the journal holds, when the database knows it without counting (PostgreSQL's statistics);
 *  null on SQLite, where the exact size is cheap to read again after each batch instead. */
export async function messageEstimate(sql: Sql, target: StoreTarget): Promise<number | null> {
  if (target.driver === 'sqlite') return null;
  const [row] = await sql.rows<{ n: unknown }>(PG_LIVE_MESSAGES);
  return row ? Number(row.n) : null;
}

async function pragma(sql: Sql, name: string): Promise<number> {
  const [row] = await sql.rows<Record<string, unknown>>(`PRAGMA ${name}`);
  return Number(row?.[name] ?? 0);
}
