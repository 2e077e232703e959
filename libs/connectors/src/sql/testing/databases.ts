import { Client } from 'pg';
import { createConnection, type Connection } from 'mysql2/promise';

/**
 * Helpers for tests against the machine's real databases: the connector's contract harnesses, the end-to-end suites
 * and the bench. Every table a test makes has a name of its own and is dropped at cleanup.
 */

/** The PostgreSQL the tests use (TEST_DATABASE_URL, else the local one, database `test`, trust auth). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The MariaDB the tests use (TEST_MARIADB_URL, else the local one: root without password, database `test`). */
export const TEST_MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

export type TestDialect = 'postgres' | 'mariadb';
export const TEST_DIALECTS: readonly TestDialect[] = ['postgres', 'mariadb'];

/** A table name no other test uses (lower case, valid unquoted on both dialects). */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * A set-up connection of the test's own: `exec` runs SQL text the test wrote (table definitions, never message
 * values), `query` runs it with positional values in the dialect's own form ($1 or ?).
 */
export interface TestDb {
  readonly dialect: TestDialect;
  readonly url: string;
  exec(sql: string): Promise<void>;
  query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]>;
  /** Drops the tables named (IF EXISTS) and closes the connection. */
  cleanup(...tables: string[]): Promise<void>;
}

export async function testDb(dialect: TestDialect): Promise<TestDb> {
  if (dialect === 'postgres') {
    const client = new Client({ connectionString: TEST_PG_URL });
    await client.connect();
    return {
      dialect,
      url: TEST_PG_URL,
      exec: async (sql) => void (await client.query(sql)),
      query: async <R>(sql: string, values: unknown[] = []) => (await client.query(sql, values)).rows as R[],
      async cleanup(...tables) {
        for (const t of tables) await client.query(`DROP TABLE IF EXISTS ${t}`);
        await client.end();
      },
    };
  }
  const u = new URL(TEST_MARIADB_URL);
  const conn: Connection = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password) || undefined,
    database: u.pathname.slice(1),
    multipleStatements: false,
  });
  return {
    dialect,
    url: TEST_MARIADB_URL,
    exec: async (sql) => void (await conn.query(sql)),
    query: async <R>(sql: string, values: unknown[] = []) => (await conn.query(sql, values))[0] as R[],
    async cleanup(...tables) {
      for (const t of tables) await conn.query(`DROP TABLE IF EXISTS ${t}`);
      await conn.end();
    },
  };
}

/** A serial key column in each dialect. */
export function serialKey(dialect: TestDialect): string {
  return dialect === 'postgres' ? 'id bigserial PRIMARY KEY' : 'id bigint AUTO_INCREMENT PRIMARY KEY';
}
