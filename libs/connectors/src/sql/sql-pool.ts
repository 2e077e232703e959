import type { Logger } from '@junction/core';
import type { SqlDialectName, TranslatedSql } from './sql-params';
import { MariaDbPool } from './sql-mariadb';
import { PostgresPool } from './sql-postgres';
import { safeSqlUrl, sqlDialectOf } from './sql-url';

/** What a statement gave: its rows (none for an INSERT or UPDATE without RETURNING) and the rows it touched. */
export interface SqlResult {
  readonly rows: Record<string, unknown>[];
  readonly rowCount: number;
}

/** One connection of a pool, lent for the length of a transaction. */
export interface SqlConnection {
  /** Runs a translated statement with its values bound by the driver (server-side: no SQL text built from values). */
  run(sql: TranslatedSql, values: readonly unknown[]): Promise<SqlResult>;
}

/**
 * A pool of connections to one database, in one dialect. Connections open on first use (no I/O when built) and again
 * after the server dropped them. Rejects with the driver's own error, which sql-errors.ts reads.
 */
export interface SqlPool extends SqlConnection {
  readonly dialect: SqlDialectName;
  /** The URL without credentials, for logs, statuses and descriptions. */
  readonly safeUrl: string;
  /**
   * Runs `work` in one transaction on one connection: committed when `work` resolves, rolled back when it rejects
   * (and the connection dropped when it is broken). Resolves with what `work` gave after the commit.
   */
  transaction<T>(work: (c: SqlConnection) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

/** Connections per database URL, shared by every source and target of the bus on it. */
const POOL_SIZE = 8;

/**
 * The pools of one connector module, one per database URL, shared by its ingress and egress (Camel's component owns
 * both directions' resources). A pool lives while someone holds it: `acquire` counts holders, `release` ends the pool
 * with its last holder.
 */
export class SqlPools {
  private readonly pools = new Map<string, { pool: SqlPool; holders: number }>();

  constructor(private readonly log: Logger) {}

  /** The pool for `url` (built on first request, without I/O). Throws when the URL names no known dialect. */
  acquire(url: string): SqlPool {
    const held = this.pools.get(url);
    if (held) {
      held.holders++;
      return held.pool;
    }
    const dialect = sqlDialectOf(url);
    if (!dialect) throw new Error(`expected a postgres://, mysql:// or mariadb:// URL, got ${safeSqlUrl(url)}`);
    const pool = dialect === 'postgres' ? new PostgresPool(url, POOL_SIZE, this.log) : new MariaDbPool(url, POOL_SIZE);
    this.pools.set(url, { pool, holders: 1 });
    return pool;
  }

  /** Gives back a pool `acquire` lent; the last holder's release ends it. */
  async release(pool: SqlPool): Promise<void> {
    for (const [url, held] of this.pools) {
      if (held.pool !== pool) continue;
      if (--held.holders > 0) return;
      this.pools.delete(url);
      await pool.end().catch(() => undefined);
      return;
    }
  }
}
