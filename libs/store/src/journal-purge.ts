import type { Driver } from './entities';
import type { JournalSize, PurgeOptions, PurgeReport, RetentionPolicy } from './retention.types';
import type { Sql } from './sql-executor';

const DEFAULT_BATCH = 500;
/** A journal over `maxBytes` is purged down to this share of it, so that one near the bound is not purged on every
 *  pass. */
const SIZE_TARGET = 0.9;

/** What the purge needs from the store: a statement at a time (never a transaction), and the journal's size. */
export interface PurgeTarget {
  readonly driver: Driver;
  run<R>(what: string, work: (sql: Sql) => Promise<R>): Promise<R>;
  size(): Promise<JournalSize>;
  /** See messageEstimate in journal-size.ts. */
  messageEstimate(): Promise<number | null>;
}

/**
 * The statements of the purge. A batch is two statements: the next `batch` ids in id order after a cursor (a walk of
 * an index, bounded by the batch whatever the rows hold), then one DELETE of those among them that may go. The walk
 * goes on from the last id seen, so that the rows kept (pending, dead-lettered) are looked at once per pass, not once
 * per batch. Ids are UUIDv7: their order is the order of reception, and an id below `idBound(t)` was made before t.
 */
class PurgeSql {
  /** Parameters: after, before, limit. */
  readonly next: string;
  /** Parameters: route, after, before, limit. */
  readonly nextOfRoute: string;
  /** Parameters: ids, received before, dead letters written before, routes left out. Returns nothing. */
  readonly remove: string;

  constructor(driver: Driver) {
    const pg = driver === 'postgres';
    // `$n` on PostgreSQL, `?` on SQLite (parameters in the order of their numbers).
    const p = (n: number) => (pg ? `$${n}` : '?');
    const inList = (n: number) => (pg ? `= ANY(${p(n)}::text[])` : `IN (SELECT value FROM json_each(${p(n)}))`);
    this.next = `SELECT id FROM messages WHERE id > ${p(1)} AND id < ${p(2)} ORDER BY id LIMIT ${p(3)}`;
    this.nextOfRoute = `SELECT id FROM messages WHERE route_id = ${p(1)} AND id > ${p(2)} AND id < ${p(3)} ORDER BY id LIMIT ${p(4)}`;
    // Deleting a message cascades to its deliveries, their attempts and the dead letters (each has its index).
    this.remove = `DELETE FROM messages WHERE id ${inList(1)} AND received_at < ${p(2)}
        AND status IN ('delivered', 'filtered', 'dead', 'duplicate', 'aggregated')
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id AND d.status = 'pending')
        AND NOT EXISTS (SELECT 1 FROM dead_letters l WHERE l.message_id = messages.id AND l.replayed_at IS NULL
          AND l.created_at >= ${p(3)})
        AND NOT (route_id ${inList(4)})`;
  }

  /** Parameters of `remove`: the id list and the routes left out as the driver binds lists. */
  removeParams(driver: Driver, ids: string[], receivedBefore: number, letterBefore: number, excluded: string[]): unknown[] {
    const list = (xs: string[]) => (driver === 'postgres' ? xs : JSON.stringify(xs));
    return [list(ids), receivedBefore, letterBefore, list(excluded)];
  }
}

/** The smallest UUIDv7 prefix of time `ms`: every id made before it sorts below, every id made at or after above. */
export function idBound(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

/** One walk: the messages of one route, or of all routes but some, received before a time. */
interface Walk {
  route?: string;
  excluded: string[];
  receivedBefore: number;
  /** Ends the walk early, given how many it deleted so far: true once enough went (the size pass). */
  enough?: (deleted: number) => Promise<boolean>;
}

/** Store.purgeJournal. See there for the contract. */
export class JournalPurge {
  private readonly sql: PurgeSql;

  constructor(private readonly target: PurgeTarget) {
    this.sql = new PurgeSql(target.driver);
  }

  async run(policy: RetentionPolicy, options: PurgeOptions = {}, now = Date.now()): Promise<PurgeReport> {
    const started = performance.now();
    const batch = Math.max(1, Math.trunc(options.batch ?? DEFAULT_BATCH));
    const pause = options.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
    const letterBefore = now - policy.deadLetterAgeMs;
    const own = Object.entries(policy.routeAgeMs ?? {});
    const report: PurgeReport = { messages: 0, forSize: 0, batches: 0, ms: 0 };
    const walk = async (w: Walk): Promise<number> => {
      let after = '';
      let deleted = 0;
      const before = idBound(w.receivedBefore);
      while (!options.signal?.aborted) {
        const ids = await this.target.run('purging the journal', async (sql) => {
          const rows = w.route === undefined
            ? await sql.rows<{ id: string }>(this.sql.next, [after, before, batch])
            : await sql.rows<{ id: string }>(this.sql.nextOfRoute, [w.route, after, before, batch]);
          return rows.map((r) => r.id);
        });
        if (ids.length === 0) break;
        after = ids[ids.length - 1];
        const params = this.sql.removeParams(this.target.driver, ids, w.receivedBefore, letterBefore, w.excluded);
        deleted += await this.target.run('purging the journal', (sql) => sql.run(this.sql.remove, params));
        report.batches++;
        if (ids.length < batch || (w.enough && (await w.enough(deleted)))) break;
        await pause();
      }
      return deleted;
    };

    report.messages += await walk({ excluded: own.map(([route]) => route), receivedBefore: now - policy.ageMs });
    for (const [route, ageMs] of own) {
      if (options.signal?.aborted) break;
      report.messages += await walk({ route, excluded: [], receivedBefore: now - ageMs });
    }
    if (policy.maxBytes !== undefined && !options.signal?.aborted) {
      report.forSize = await this.toSize(policy.maxBytes, now, walk);
      report.messages += report.forSize;
    }
    report.ms = Math.round(performance.now() - started);
    return report;
  }

  /**
   * Deletes the oldest finished messages, whatever their age, until the journal's used bytes are under the target.
   * On SQLite the size read after each batch is exact. PostgreSQL's figures lag behind deletes (they come from its
   * statistics), so there the pass also stops once it deleted the share of the messages by which the journal is over.
   */
  private async toSize(maxBytes: number, now: number, walk: (w: Walk) => Promise<number>): Promise<number> {
    const target = maxBytes * SIZE_TARGET;
    const first = await this.target.size();
    if (first.usedBytes <= maxBytes) return 0;
    const estimate = await this.target.messageEstimate();
    // No live rows counted yet (PostgreSQL's statistics trail fresh writes by about a second): one message this pass,
    // the next pass sees the figures; never a guess that could purge the whole journal.
    const budget =
      estimate === null ? Infinity : estimate === 0 ? 1 : Math.ceil((estimate * (first.usedBytes - target)) / first.usedBytes);
    return walk({
      excluded: [],
      receivedBefore: now + 1,
      enough: async (deleted) => deleted >= budget || (await this.target.size()).usedBytes <= target,
    });
  }
}
