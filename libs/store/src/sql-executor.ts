import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Driver } from './entities';
import { toStoreError } from './db-errors';
import { SqliteConnection, type BetterSqlite3Database } from './sqlite-connection';
import { whenUnlocked } from './sqlite-lock-wait';

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
 * takes one writer at a time and better-sqlite3 blocks while a statement runs. On SQLite the statements run straight
 * on the driver's better-sqlite3 connection (see SqliteConnection); TypeORM's query runner on that connection only
 * serves `manager`. PostgreSQL work takes a pooled connection per call.
 */
export class SqlExecutor {
  private tail: Promise<unknown> = Promise.resolve();
  private sqlite: { connection: SqliteConnection; sql: Sql } | undefined;
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
    if (this.driver === 'sqlite') return this.serialised(what, (sql) => work(sql));
    return this.withRunner(what, (runner) => work(wrap(runner)));
  }

  /** Runs `work` in one transaction, rolled back when it throws. `asyncCommit` (PostgreSQL): the transaction runs with
   *  `synchronous_commit = off`, set with BEGIN in one round trip (see SqlStore.writeBatch for when that is safe). */
  tx<R>(what: string, work: (sql: Sql) => Promise<R>, options: { asyncCommit?: boolean } = {}): Promise<R> {
    // Without parameters, pg sends the text as a simple query, which may hold several statements.
    const begin = options.asyncCommit && this.driver === 'postgres' ? `${this.begin}; SET LOCAL synchronous_commit = off` : this.begin;
    if (this.driver === 'sqlite') {
      return this.serialised(what, async (sql, connection) => {
        await whenUnlocked(() => connection.run(begin, []));
        let result: R;
        try {
          result = await work(sql);
          // In WAL mode a COMMIT holding the write lock is not refused; in a rollback journal it may wait for readers.
          await whenUnlocked(() => connection.run('COMMIT', []));
        } catch (err) {
          try {
            connection.run('ROLLBACK', []);
          } catch {
            // SQLite already ended the transaction (some errors, a full disk, roll it back); the first error counts.
          }
          throw err;
        }
        return result;
      });
    }
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

  /** SQLite: `work` runs after the work queued before it, on the one connection. */
  private serialised<R>(what: string, work: (sql: Sql, connection: SqliteConnection) => Promise<R>): Promise<R> {
    const { connection, sql } = (this.sqlite ??= this.openSqlite());
    const result = this.tail.then(() => work(sql, connection));
    this.tail = result.catch(() => undefined);
    return result.catch((err: unknown) => {
      throw toStoreError(err, what);
    });
  }

  private openSqlite(): { connection: SqliteConnection; sql: Sql } {
    const db = (this.dataSource.driver as unknown as { databaseConnection: BetterSqlite3Database }).databaseConnection;
    const connection = new SqliteConnection(db);
    // From here on (the migrations, run before, waited in SQLite's own handler) a lock held by another process is
    // waited for on timers, not in a sleep on the event loop: see sqlite-lock-wait.ts.
    connection.run('PRAGMA busy_timeout = 0', []);
    const dataSource = this.dataSource;
    let manager: EntityManager | undefined;
    const sql: Sql = {
      rows: <R>(text: string, params: unknown[] = []) => whenUnlocked(() => connection.rows<R>(text, params)),
      run: (text: string, params: unknown[] = []) => whenUnlocked(() => connection.run(text, params)),
      // TypeORM's better-sqlite3 driver hands out one query runner on the same connection.
      get manager() {
        return (manager ??= dataSource.createQueryRunner().manager);
      },
    };
    return { connection, sql };
  }

  private withRunner<R>(what: string, work: (runner: QueryRunner) => Promise<R>): Promise<R> {
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
