import type { Pool, PoolConnection } from 'mysql2/promise';
import type { TranslatedSql } from './sql-params';
import type { SqlConnection, SqlPool, SqlResult } from './sql-pool';
import { safeSqlUrl } from './sql-url';

let mysql2: typeof import('mysql2/promise') | undefined;

/** mysql2, loaded by the first pool: a bus process whose routes use no MariaDB or MySQL does not hold it. */
function loadMysql2(): typeof import('mysql2/promise') {
  return (mysql2 ??= require('mysql2/promise') as typeof import('mysql2/promise'));
}

/**
 * MariaDB and MySQL through mysql2: `?` placeholders run as server-side prepared statements (`execute`), so values
 * travel apart from the text. `mariadb://` is read as `mysql://`.
 */
export class MariaDbPool implements SqlPool {
  readonly dialect = 'mariadb';
  readonly safeUrl: string;
  private readonly pool: Pool;

  constructor(url: string, size: number) {
    this.safeUrl = safeSqlUrl(url);
    const u = new URL(url);
    this.pool = loadMysql2().createPool({
      host: u.hostname,
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username) || undefined,
      password: decodeURIComponent(u.password) || undefined,
      database: decodeURIComponent(u.pathname.slice(1)) || undefined,
      connectionLimit: size,
      maxIdle: size,
      idleTimeout: 30_000,
      connectTimeout: 10_000,
      dateStrings: false,
      // Dates are read and written as UTC, whatever the machine's zone.
      timezone: 'Z',
      charset: 'utf8mb4',
    });
  }

  async run(sql: TranslatedSql, values: readonly unknown[]): Promise<SqlResult> {
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      return await execute(conn, sql, values);
    } catch (err) {
      broken = fatal(err);
      throw err;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  async transaction<T>(work: (c: SqlConnection) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      await conn.query('START TRANSACTION');
      const out = await work({ run: (sql, values) => execute(conn, sql, values) });
      await conn.query('COMMIT');
      return out;
    } catch (err) {
      broken = fatal(err);
      if (!broken) await conn.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** Whether mysql2 marked the error as one that leaves the connection unusable. */
function fatal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { fatal?: unknown }).fatal === true;
}

async function execute(conn: PoolConnection, sql: TranslatedSql, values: readonly unknown[]): Promise<SqlResult> {
  const [result] = await conn.execute(sql.text, values.map(driverValue) as never[]);
  if (Array.isArray(result)) {
    // A SELECT gives its rows; a CALL gives its result sets followed by a status header: the first set is the answer.
    const rows = (Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
    return { rows, rowCount: rows.length };
  }
  return { rows: [], rowCount: (result as { affectedRows?: number }).affectedRows ?? 0 };
}

/** mysql2's prepared statements take no booleans and no undefined: 1/0 and NULL. */
function driverValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
