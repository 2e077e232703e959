import type { Logger } from '@junction/core';
import type { Pool, PoolClient } from 'pg';
import { retriableSqlError, sqlErrorText } from './sql-errors';
import type { TranslatedSql } from './sql-params';
import type { SqlConnection, SqlPool, SqlResult } from './sql-pool';
import { safeSqlUrl } from './sql-url';

let pg: typeof import('pg') | undefined;

/** node-postgres, loaded by the first pool: a bus process whose routes use no PostgreSQL does not hold it. */
function loadPg(): typeof import('pg') {
  return (pg ??= require('pg') as typeof import('pg'));
}

/** PostgreSQL through node-postgres: `$1` placeholders, values sent apart from the text (extended protocol). */
export class PostgresPool implements SqlPool {
  readonly dialect = 'postgres';
  readonly safeUrl: string;
  private readonly pool: Pool;

  constructor(url: string, size: number, log: Logger) {
    this.safeUrl = safeSqlUrl(url);
    const { Pool } = loadPg();
    this.pool = new Pool({ connectionString: url, max: size, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // An idle connection the server ended (a restart, pg_terminate_backend) is reported here and dropped by the
    // pool; without a listener it would end the process.
    this.pool.on('error', (err) => log.warn({ db: this.safeUrl, err: sqlErrorText(err) }, 'an idle database connection failed; it is replaced on next use'));
  }

  async run(sql: TranslatedSql, values: readonly unknown[]): Promise<SqlResult> {
    return resultOf(await this.pool.query(sql.text, values as unknown[]));
  }

  async transaction<T>(work: (c: SqlConnection) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The server may end a connection while it is lent (between two statements of a transaction): the client then
    // emits an error of its own, which would end the process unheard; the next statement fails and says so.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await work(connectionOf(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (retriableSqlError(err)) broken = err as Error;
      await client.query('ROLLBACK').catch(() => (broken ??= new Error('rollback failed')));
      throw err;
    } finally {
      // A connection that failed for a reason other than the statement may be unusable: it is closed, not reused.
      client.off('error', onError);
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

function connectionOf(client: PoolClient): SqlConnection {
  return { run: async (sql, values) => resultOf(await client.query(sql.text, values as unknown[])) };
}

function resultOf(r: { rows: Record<string, unknown>[]; rowCount: number | null }): SqlResult {
  return { rows: r.rows ?? [], rowCount: r.rowCount ?? r.rows?.length ?? 0 };
}
