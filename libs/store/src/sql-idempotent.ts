import type { Driver } from './entities';
import { GroupCommit } from './group-commit';
import type { IdempotentEntry, IdempotentOutcome, IdempotentRepository } from './idempotent.types';
import { emptyRows, insertJournalRows, messageRow } from './row-builders';
import type { Sql, SqlExecutor } from './sql-executor';
import { numbered, type SqlStatements } from './sql-statements';
import type { Hop, NewMessage } from './store.types';

/** Items per group-commit transaction, as the journal's. */
const MAX_BATCH = 1000;
/** Keys per multi-row upsert: a few fixed sizes, so that SQLite's statement cache keeps a few texts. */
const UPSERT_SIZES = [256, 64, 16, 4, 1];
const DEFAULT_PURGE_LIMIT = 5000;

interface Item {
  message: NewMessage;
  entry: IdempotentEntry;
}

/**
 * The statements of the key table. The upsert takes a key that is unseen or lapsed and returns the keys it took; a key
 * held by a live row is left alone (`DO UPDATE ... WHERE` refuses, and RETURNING gives no row for it). On PostgreSQL a
 * second transaction upserting a key the first has written waits for the first to commit, then re-checks its WHERE on
 * the committed row (READ COMMITTED): two instances never both take one key.
 */
function statements(driver: Driver) {
  const q = driver === 'postgres' ? numbered : (s: string) => s;
  const upserts = new Map<number, string>();
  return {
    /** Parameters: (route, key, message id, created, expires) per row, then now. */
    upsert(rows: number): string {
      let text = upserts.get(rows);
      if (!text) {
        const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ');
        text = q(`INSERT INTO idempotent_keys (route_id, idem_key, message_id, created_at, expires_at) VALUES ${values}
          ON CONFLICT (route_id, idem_key) DO UPDATE SET message_id = excluded.message_id,
            created_at = excluded.created_at, expires_at = excluded.expires_at
          WHERE idempotent_keys.expires_at <= ?
          RETURNING route_id, idem_key`);
        upserts.set(rows, text);
      }
      return text;
    },
    // Parameters: route, key.
    holder: q(`SELECT message_id FROM idempotent_keys WHERE route_id = ? AND idem_key = ?`),
    // Parameters: route, key, now.
    contains: q(`SELECT message_id FROM idempotent_keys WHERE route_id = ? AND idem_key = ? AND expires_at > ?`),
    remove: q(`DELETE FROM idempotent_keys WHERE route_id = ? AND idem_key = ?`),
    // Parameters: now, limit. Row values work on both (SQLite 3.15+).
    purge: q(`DELETE FROM idempotent_keys WHERE (route_id, idem_key) IN
      (SELECT route_id, idem_key FROM idempotent_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`),
  };
}

/** The IdempotentRepository on the store's SQL executor; see IdempotentRepository for the contract. */
export class SqlIdempotent implements IdempotentRepository {
  private readonly sql: ReturnType<typeof statements>;
  private readonly batches: GroupCommit<Item, IdempotentOutcome>;

  constructor(
    driver: Driver,
    private readonly journal: SqlStatements,
    /** The store's executor; throws StoreError while the store is not open. */
    private readonly exec: () => SqlExecutor,
  ) {
    this.sql = statements(driver);
    this.batches = new GroupCommit((items) => this.writeBatch(items), MAX_BATCH);
  }

  acceptOnce(message: NewMessage, entry: IdempotentEntry): Promise<IdempotentOutcome> {
    this.exec();
    return this.batches.submit({ message, entry });
  }

  async contains(routeId: string, key: string): Promise<string | null> {
    const rows = await this.exec().run('reading an idempotency key', (sql) =>
      sql.rows<{ message_id: string }>(this.sql.contains, [routeId, key, Date.now()]),
    );
    return rows[0]?.message_id ?? null;
  }

  async remove(routeId: string, key: string): Promise<boolean> {
    const n = await this.exec().run('removing an idempotency key', (sql) => sql.run(this.sql.remove, [routeId, key]));
    return n > 0;
  }

  async purgeKeys(limit = DEFAULT_PURGE_LIMIT): Promise<number> {
    const now = Date.now();
    return this.exec().run('purging idempotency keys', (sql) => sql.run(this.sql.purge, [now, Math.max(1, Math.trunc(limit))]));
  }

  /** Waits for the batches in flight; called by the store's close. */
  close(): Promise<void> {
    return this.batches.close();
  }

  /**
   * One batch in one transaction: the first message of each (route, key) in the batch tries to take the key; the
   * others with that key are duplicates of whoever holds it after. Keys are upserted in sorted order, so that two
   * instances' batches lock them in the same order (no deadlock between them). Then every message is inserted, as
   * 'received' or 'duplicate'.
   */
  private async writeBatch(items: Item[]): Promise<IdempotentOutcome[]> {
    const what = items.length === 1 ? 'accepting an idempotent message' : `accepting ${items.length} idempotent messages`;
    return this.exec().tx(what, async (sql) => {
      const now = Date.now();
      const firsts = new Map<string, Item>();
      for (const item of items) {
        const id = slot(item);
        if (!firsts.has(id)) firsts.set(id, item);
      }
      const order = [...firsts.keys()].sort();
      const taken = await this.upsert(sql, order.map((id) => firsts.get(id)!), now);
      const holders = new Map<string, string>();
      for (const id of order) {
        const first = firsts.get(id)!;
        if (taken.has(id)) holders.set(id, first.message.id);
        else holders.set(id, await this.holder(sql, first));
      }
      const rows = emptyRows();
      const outcomes = items.map((item): IdempotentOutcome => {
        const holder = holders.get(slot(item))!;
        if (holder === item.message.id) {
          rows.messages.push(messageRow(item.message, 'received', [], null, now));
          return { kind: 'accepted' };
        }
        const copy = item.entry.duplicateCopy?.();
        const m = copy ? { ...item.message, headers: copy.headers, body: copy.body } : item.message;
        const hops: Hop[] = [{ at: now, step: 'duplicate', note: `of ${holder}` }];
        rows.messages.push(messageRow(m, 'duplicate', hops, null, now));
        return { kind: 'duplicate', originalId: holder };
      });
      await insertJournalRows(sql, this.journal, rows);
      return outcomes;
    });
  }

  /** Upserts the keys of `items` (one per key); resolves with the slots of the keys taken. */
  private async upsert(sql: Sql, items: Item[], now: number): Promise<Set<string>> {
    const taken = new Set<string>();
    let at = 0;
    for (const size of UPSERT_SIZES) {
      while (items.length - at >= size) {
        const params: unknown[] = [];
        for (const { message: m, entry } of items.slice(at, at + size)) {
          params.push(m.routeId, entry.key, m.id, now, now + Math.max(0, Math.round(entry.retentionMs)));
        }
        params.push(now);
        const rows = await sql.rows<{ route_id: string; idem_key: string }>(this.sql.upsert(size), params);
        for (const r of rows) taken.add(slotOf(r.route_id, r.idem_key));
        at += size;
      }
    }
    return taken;
  }

  private async holder(sql: Sql, item: Item): Promise<string> {
    const rows = await sql.rows<{ message_id: string }>(this.sql.holder, [item.message.routeId, item.entry.key]);
    // The upsert found a live row for the key in this very transaction, so it is there.
    return rows[0].message_id;
  }
}

function slot(item: Item): string {
  return slotOf(item.message.routeId, item.entry.key);
}

function slotOf(routeId: string, key: string): string {
  return `${routeId}\u0000${key}`;
}
