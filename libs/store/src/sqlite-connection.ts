import { QueryFailedError } from 'typeorm';

/** The part of a better-sqlite3 statement the store uses. */
interface Statement {
  /** Whether the statement returns rows (a SELECT, a PRAGMA that answers, anything with RETURNING). */
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** The part of a better-sqlite3 Database the store uses: TypeORM's driver holds one as `databaseConnection`. */
export interface BetterSqlite3Database {
  prepare(sql: string): Statement;
}

/** Prepared statements kept per connection. The store's statements are a few dozen texts, but some are built per
 *  batch size (multi-row INSERTs, IN lists): the bound keeps a stream of distinct sizes from holding them all. */
export const STATEMENT_CACHE_SIZE = 200;

/**
 * Runs statements straight on the better-sqlite3 connection that TypeORM's driver holds, with the results TypeORM's
 * query runner gives (rows of a reader, the changed-row count of the rest), the same parameter conversion (booleans
 * as 0/1, the rest as better-sqlite3 binds them) and the same error (QueryFailedError around the driver's), without
 * its per-statement cost (awaits, subscriber broadcasts, logging hooks, result objects), which was a sixth of the
 * bus's CPU on a journaled passthrough. Statements are prepared once per text and kept in a bounded LRU.
 */
export class SqliteConnection {
  private readonly cache = new Map<string, Statement>();

  constructor(
    private readonly db: BetterSqlite3Database,
    private readonly cacheSize = STATEMENT_CACHE_SIZE,
  ) {}

  /** Rows of a reader; an empty list for a statement that returns none. */
  rows<R>(sql: string, params: readonly unknown[]): R[] {
    const stmt = this.statement(sql, params);
    try {
      return (stmt.reader ? stmt.all(...bindable(params)) : (stmt.run(...bindable(params)), [])) as R[];
    } catch (err) {
      throw new QueryFailedError(sql, params as unknown[], err as Error);
    }
  }

  /** Rows changed by a statement that returns none; 0 for a reader (its rows are read and dropped, as TypeORM does). */
  run(sql: string, params: readonly unknown[]): number {
    const stmt = this.statement(sql, params);
    try {
      if (stmt.reader) {
        stmt.all(...bindable(params));
        return 0;
      }
      return stmt.run(...bindable(params)).changes;
    } catch (err) {
      throw new QueryFailedError(sql, params as unknown[], err as Error);
    }
  }

  /** How many prepared statements are kept (for tests of the bound). */
  get cachedStatements(): number {
    return this.cache.size;
  }

  private statement(sql: string, params: readonly unknown[]): Statement {
    let stmt = this.cache.get(sql);
    if (stmt) {
      // Most recently used goes last: a Map iterates in insertion order, so the first key is the one to evict.
      this.cache.delete(sql);
      this.cache.set(sql, stmt);
      return stmt;
    }
    try {
      stmt = this.db.prepare(sql);
    } catch (err) {
      throw new QueryFailedError(sql, params as unknown[], err as Error);
    }
    this.cache.set(sql, stmt);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return stmt;
  }
}

/** better-sqlite3 binds numbers, bigints, strings, Buffers and null; TypeORM's runner turns booleans into 0/1 first. */
function bindable(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (typeof p === 'boolean') (out ??= params.slice())[i] = p ? 1 : 0;
  }
  return out ?? (params as unknown[]);
}
