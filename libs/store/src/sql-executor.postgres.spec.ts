import { DataSource } from 'typeorm';
import { SqlExecutor } from './sql-executor';
import { PG_URL } from './testing/store-fixtures';

describe('SqlExecutor on PostgreSQL', () => {
  const dataSource = new DataSource({ type: 'postgres', url: PG_URL, poolSize: 2 });
  let exec: SqlExecutor;
  beforeAll(async () => {
    await dataSource.initialize();
    exec = new SqlExecutor(dataSource, 'postgres');
  });
  afterAll(() => dataSource.destroy());

  const setting = (asyncCommit?: boolean) =>
    exec.tx('reading', async (sql) => (await sql.rows<{ synchronous_commit: string }>('SHOW synchronous_commit'))[0].synchronous_commit, { asyncCommit });

  it('runs an asyncCommit transaction with synchronous_commit off, and that transaction alone', async () => {
    expect(await setting(true)).toBe('off');
    // SET LOCAL ends with its transaction: the pooled connection's next transactions are durable again.
    expect(await setting()).toBe('on');
    expect(await setting(false)).toBe('on');
  });

  it('rolls an asyncCommit transaction back when its work throws', async () => {
    const table = `t_async_${Date.now()}`;
    await exec.run('setup', (sql) => sql.run(`CREATE TABLE ${table} (x int)`));
    try {
      await expect(
        exec.tx('inserting', async (sql) => {
          await sql.run(`INSERT INTO ${table} VALUES (1)`);
          throw new Error('boom');
        }, { asyncCommit: true }),
      ).rejects.toThrow('boom');
      const rows = await exec.run('counting', (sql) => sql.rows<{ n: string }>(`SELECT count(*) AS n FROM ${table}`));
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await exec.run('cleanup', (sql) => sql.run(`DROP TABLE ${table}`));
    }
  });
});
