import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Driver } from './entities';
import { toStoreError } from './db-errors';

/** A connection to run statements on, inside or outside a transaction. */
export interface Sql {
  /** Rows of a SELECT or of a statement with RETURNING. */
  rows<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Rows changed by an INSERT/UPDATE/DELETE without RETURNING. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** An entity manager on the same connection (admin reads through the entities). */
  readonly manager: EntityManager;
}

/**
 * Runs store work on the data source with the connection discipline of each driver.
 *
 * SQLite has one connection (TypeORM's better-sqlite3 driver shares a single query runner), so work is serialised
 * here: two transactions interleaving their statements on one connection would merge. This costs nothing, as SQLite
 * takes one writer at a time and better-sqlite3 blocks while a statement runs. PostgreSQL work takes a pooled
 * connection per call.
 */
export class SqlExecutor {
  private tail: Promise<unknown> = Promise.resolve();
  private sqliteRunner: QueryRunner | undefined;
  private readonly begin: string;

  constructor(
    readonly dataSource: DataSource,
    readonly driver: Driver,
  ) {
    // IMMEDIATE takes the write lock up front: a deferred transaction that later writes can fail with SQLITE_BUSY
    // without waiting for busy_timeout when another process holds the file.
    this.begin = driver === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN';
  }

  /** Runs `work` on one connection; errors other than BusErrors become StoreError (see toStoreError). */
  run<R>(what: string, work: (sql: Sql) => Promise<R>): Promise<R> {
    return this.withRunner(what, (runner) => work(wrap(runner)));
  }

  /** Runs `work` in one transaction, rolled back when it throws. `asyncCommit` (PostgreSQL): the transaction runs with
   *  `synchronous_commit = off`, set with BEGIN in one round trip (see SqlStore.writeBatch for when that is safe). */
  tx<R>(what: string, work: (sql: Sql) => Promise<R>, options: { asyncCommit?: boolean } = {}): Promise<R> {
    // Without parameters, pg sends the text as a simple query, which may hold several statements.
    const begin = options.asyncCommit && this.driver === 'postgres' ? `${this.begin}; SET LOCAL synchronous_commit = off` : this.begin;
    return this.withRunner(what, async (runner) => {
      await runner.query(begin);
      let result: R;
      try {
        result = await work(wrap(runner));
        await runner.query('COMMIT');
      } catch (err) {
        try {
          await runner.query('ROLLBACK');
        } catch {
          // The transaction is already gone (failed COMMIT, lost connection); the first error is the one to report.
        }
        throw err;
      }
      return result;
    });
  }

  private withRunner<R>(what: string, work: (runner: QueryRunner) => Promise<R>): Promise<R> {
    if (this.driver === 'sqlite') {
      const runner = (this.sqliteRunner ??= this.dataSource.createQueryRunner());
      const result = this.tail.then(() => work(runner));
      this.tail = result.catch(() => undefined);
      return result.catch((err: unknown) => {
        throw toStoreError(err, what);
      });
    }
    return (async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return await work(runner);
      } catch (err) {
        throw toStoreError(err, what);
      } finally {
        await runner.release();
      }
    })();
  }
}

function wrap(runner: QueryRunner): Sql {
  return {
    async rows<R>(sql: string, params: unknown[] = []): Promise<R[]> {
      const result = await runner.query(sql, params, true);
      return (result.records ?? []) as R[];
    },
    async run(sql: string, params: unknown[] = []): Promise<number> {
      const result = await runner.query(sql, params, true);
      return result.affected ?? 0;
    },
    manager: runner.manager,
  };
}
