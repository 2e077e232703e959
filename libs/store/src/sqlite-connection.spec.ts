import { BusError, StoreError } from '@junction/core';
import { QueryFailedError, type DataSource } from 'typeorm';
import { buildDataSource } from './data-source';
import { storeEntities } from './entities';
import { SqlExecutor } from './sql-executor';
import { SqliteConnection, type BetterSqlite3Database } from './sqlite-connection';

/** A better-sqlite3 connection as the store gets it: the one TypeORM's driver opens. */
async function openSqlite(): Promise<{ dataSource: DataSource; db: BetterSqlite3Database & SqliteTestApi }> {
  const dataSource = buildDataSource({ driver: 'sqlite', path: ':memory:' }, storeEntities('sqlite'), { warn: () => undefined });
  await dataSource.initialize();
  const db = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3Database & SqliteTestApi }).databaseConnection;
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, flag INTEGER, data BLOB, big INTEGER)');
  return { dataSource, db };
}

interface SqliteTestApi {
  exec(sql: string): void;
}

/** The integer as SQLite holds it, past what a JavaScript number keeps exactly. */
function exactInteger(db: BetterSqlite3Database, sql: string, ...params: unknown[]): unknown {
  const stmt = db.prepare(sql) as unknown as { safeIntegers(on: boolean): { get(...p: unknown[]): unknown } };
  return stmt.safeIntegers(true).get(...params);
}

describe('SqliteConnection', () => {
  let dataSource: DataSource;
  let db: BetterSqlite3Database & SqliteTestApi;
  let connection: SqliteConnection;

  beforeEach(async () => {
    ({ dataSource, db } = await openSqlite());
    connection = new SqliteConnection(db, 3);
  });
  afterEach(() => dataSource.destroy());

  it('gives the rows of a SELECT and of a statement with RETURNING, and the changed-row count of the rest', () => {
    expect(connection.run('INSERT INTO t (name) VALUES (?), (?)', ['a', 'b'])).toBe(2);
    expect(connection.rows('INSERT INTO t (name) VALUES (?) RETURNING id, name', ['c'])).toEqual([{ id: 3, name: 'c' }]);
    expect(connection.rows('SELECT name FROM t WHERE id > ? ORDER BY id', [1])).toEqual([{ name: 'b' }, { name: 'c' }]);
    expect(connection.run('UPDATE t SET flag = 1 WHERE id < ?', [3])).toBe(2);
    expect(connection.run('DELETE FROM t WHERE id = ?', [42])).toBe(0);
    // As TypeORM's runner: rows of a statement that returns none are an empty list, the count of a reader is 0.
    expect(connection.rows('DELETE FROM t WHERE id = ?', [3])).toEqual([]);
    expect(connection.run('SELECT * FROM t', [])).toBe(0);
    expect(connection.rows('SELECT count(*) AS n FROM t', [])).toEqual([{ n: 2 }]);
  });

  it('binds booleans as 0/1, undefined as NULL, Buffers as blobs and bigints as integers', () => {
    const data = Buffer.from([0, 1, 2, 255]);
    connection.run('INSERT INTO t (name, flag, data, big) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', ['x', true, data, 2n ** 53n + 1n, 'y', false, undefined, null]);
    const rows = connection.rows<Record<string, unknown>>('SELECT name, flag, data, big FROM t ORDER BY name', []);
    expect(rows).toEqual([
      { name: 'x', flag: 1, data, big: Number(2n ** 53n + 1n) },
      { name: 'y', flag: 0, data: null, big: null },
    ]);
    expect(exactInteger(db, 'SELECT big FROM t WHERE name = ?', 'x')).toEqual({ big: 2n ** 53n + 1n });
  });

  it('throws what TypeORM throws: a QueryFailedError around the driver error, for a run and for a bad statement', () => {
    connection.run('INSERT INTO t (name) VALUES (?)', ['a']);
    let thrown: unknown;
    try {
      connection.run('INSERT INTO t (name) VALUES (?)', ['a']);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(QueryFailedError);
    expect((thrown as QueryFailedError).driverError).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(() => connection.rows('SELECT nope FROM t', [])).toThrow(QueryFailedError);
  });

  it('keeps at most its bound of prepared statements, dropping the least recently used', () => {
    const prepare = jest.spyOn(db, 'prepare');
    for (const n of [1, 2, 3]) connection.rows(`SELECT ${n} AS n`, []);
    connection.rows('SELECT 1 AS n', []); // 1 is now the most recently used
    connection.rows('SELECT 4 AS n', []); // drops 2
    expect(connection.cachedStatements).toBe(3);
    expect(prepare).toHaveBeenCalledTimes(4);
    connection.rows('SELECT 1 AS n', []);
    connection.rows('SELECT 3 AS n', []);
    expect(prepare).toHaveBeenCalledTimes(4);
    expect(connection.rows('SELECT 2 AS n', [])).toEqual([{ n: 2 }]);
    expect(prepare).toHaveBeenCalledTimes(5);
    expect(connection.cachedStatements).toBe(3);
  });
});

describe('SqlExecutor on SQLite', () => {
  let dataSource: DataSource;
  let executor: SqlExecutor;

  beforeEach(async () => {
    ({ dataSource } = await openSqlite());
    executor = new SqlExecutor(dataSource, 'sqlite');
  });
  afterEach(() => dataSource.destroy());

  it('maps a unique violation to a non-retriable STORE_REJECTED and rolls the transaction back', async () => {
    await executor.run('seeding', (sql) => sql.run('INSERT INTO t (name) VALUES (?)', ['a']));
    const failed = executor.tx('writing twice', async (sql) => {
      await sql.run('INSERT INTO t (name) VALUES (?)', ['b']);
      await sql.run('INSERT INTO t (name) VALUES (?)', ['a']);
    });
    await expect(failed).rejects.toMatchObject({ code: 'STORE_REJECTED', retriable: false });
    await expect(failed).rejects.toThrow(/^writing twice: the database rejected the data: .*UNIQUE constraint failed: t\.name/);
    const names = await executor.run('reading', (sql) => sql.rows<{ name: string }>('SELECT name FROM t ORDER BY name'));
    expect(names).toEqual([{ name: 'a' }]);
  });

  it('maps other failures to a retriable StoreError', async () => {
    const failed = executor.run('reading a missing table', (sql) => sql.rows('SELECT * FROM missing'));
    await expect(failed).rejects.toBeInstanceOf(StoreError);
    await expect(failed).rejects.toMatchObject({ retriable: true });
  });

  it('serialises transactions: one that waits between its statements does not take in the statements of another', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = executor.tx('first', async (sql) => {
      await sql.run('INSERT INTO t (name) VALUES (?)', ['first-1']);
      await gate;
      await sql.run('INSERT INTO t (name) VALUES (?)', ['first-1']); // fails: the whole of `first` rolls back
    });
    const second = executor.tx('second', (sql) => sql.run('INSERT INTO t (name) VALUES (?)', ['second']));
    const seen = executor.run('reading', (sql) => sql.rows<{ name: string }>('SELECT name FROM t ORDER BY name'));
    release();
    await expect(first).rejects.toBeInstanceOf(BusError);
    await expect(second).resolves.toBe(1);
    await expect(seen).resolves.toEqual([{ name: 'second' }]);
  });

  it('gives an entity manager on the same connection', async () => {
    await executor.run('seeding', (sql) => sql.run('INSERT INTO t (name) VALUES (?)', ['m']));
    const rows = await executor.run('reading', (sql) => sql.manager.query('SELECT name FROM t'));
    expect(rows).toEqual([{ name: 'm' }]);
  });
});
