import { SqlSourceSchema, SqlTargetSchema, checkSqlSource, checkSqlTarget } from './sql.config';

const URL_PG = 'postgres://u:secret@127.0.0.1:5432/test';

describe('SQL connector config', () => {
  it('takes a cursor source with defaults', () => {
    const s = SqlSourceSchema.parse({ url: URL_PG, query: 'SELECT id FROM t WHERE id > :cursor ORDER BY id LIMIT :limit', cursor: { column: 'id' } });
    expect(s).toMatchObject({ pollMs: 1000, batch: 100, as: 'row', cursor: { column: 'id', initial: 0 } });
    expect(checkSqlSource(s)).toEqual([]);
  });

  it('wants exactly one of cursor and claim', () => {
    expect(SqlSourceSchema.safeParse({ url: URL_PG, query: 'SELECT 1' }).success).toBe(false);
    const both = { url: URL_PG, query: 'SELECT 1', cursor: { column: 'id' }, claim: { done: 'UPDATE t SET s = 1 WHERE id = :id' } };
    expect(SqlSourceSchema.safeParse(both).success).toBe(false);
  });

  it('refuses unknown keys', () => {
    expect(SqlTargetSchema.safeParse({ url: URL_PG, statement: 'SELECT 1', sql: 'x' }).success).toBe(false);
  });

  it('checks a source: dialect, the parameters the mode binds, positional placeholders', () => {
    const bad = SqlSourceSchema.parse({ url: 'http://x/db', query: 'SELECT id FROM t WHERE id > ? AND o = :other', cursor: { column: 'id' } });
    const messages = checkSqlSource(bad).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^url: expected a postgres/),
      expect.stringMatching(/^query: positional placeholders/),
      expect.stringMatching(/^query: :other is not bound here/),
      expect.stringMatching(/^query: a cursor query must read rows after :cursor/),
    ]);
    const claim = SqlSourceSchema.parse({ url: 'mariadb://root@db/test', query: 'SELECT id FROM t LIMIT :limit FOR UPDATE SKIP LOCKED', claim: { done: "UPDATE t SET s = 'sent'" } });
    expect(checkSqlSource(claim).map((p) => p.path.join('.'))).toEqual(['claim.done']);
  });

  it('checks a target: every parameter mapped, every mapping used, the expressions compile', () => {
    const t = SqlTargetSchema.parse({
      url: 'mysql://root@127.0.0.1/test',
      statement: 'INSERT INTO c (email, name) VALUES (:email, :name)',
      params: { email: 'email', extra: 'x', broken: '(((' },
    });
    const messages = checkSqlTarget(t).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(messages).toEqual([
      'params: :name in the statement has no mapping in params',
      'params.extra: the statement has no :extra',
      'params.broken: the statement has no :broken',
      expect.stringMatching(/^params\.broken: JSONata syntax error/),
    ]);
    const ok = SqlTargetSchema.parse({ url: URL_PG, statement: 'CALL upsert_contact(:email)', params: { email: 'email' } });
    expect(checkSqlTarget(ok)).toEqual([]);
  });
});
