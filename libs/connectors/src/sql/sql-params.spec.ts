import { bindValues, parameterNames, positionalPlaceholders, translateSql } from './sql-params';

describe('SQL named parameters', () => {
  it.each([
    ['INSERT INTO t (a, b) VALUES (:a, :b)', ['a', 'b']],
    ['SELECT * FROM t WHERE id > :cursor ORDER BY id LIMIT :limit', ['cursor', 'limit']],
    ["SELECT ':not' , \"col:x\", `q:y` FROM t WHERE a = :a", ['a']],
    ["SELECT 'it''s :not' FROM t WHERE a = :a", ['a']],
    ["SELECT 'back\\':not' FROM t WHERE a = :a", ['a']],
    ['SELECT a::text FROM t WHERE b = :b::int', ['b']],
    ['SELECT 1 -- :comment\nFROM t WHERE x = :x /* :block */', ['x']],
    ['SELECT $$ :body $$, $f$ :tagged $f$ FROM t WHERE y = :y', ['y']],
    ['UPDATE t SET a = :v WHERE b = :v', ['v']],
    ['SELECT x:y FROM t', []],
  ])('finds the names in %s', (sql, names) => {
    expect(parameterNames(sql)).toEqual(names);
  });

  it('counts positional placeholders outside literals', () => {
    expect(positionalPlaceholders("SELECT '?' FROM t WHERE a = ? AND b = $1")).toBe(2);
    expect(positionalPlaceholders('SELECT * FROM t WHERE a = :a')).toBe(0);
  });

  it('translates to $n on PostgreSQL, a name used twice keeping its number', () => {
    const t = translateSql('UPDATE t SET a = :v, b = :w WHERE c = :v', 'postgres');
    expect(t.text).toBe('UPDATE t SET a = $1, b = $2 WHERE c = $1');
    expect(t.order).toEqual(['v', 'w']);
    expect(bindValues(t, { v: 1, w: 'x' })).toEqual([1, 'x']);
  });

  it('translates to ? per occurrence on MariaDB', () => {
    const t = translateSql("UPDATE t SET a = :v, b = ':w' WHERE c = :v", 'mariadb');
    expect(t.text).toBe("UPDATE t SET a = ?, b = ':w' WHERE c = ?");
    expect(bindValues(t, { v: 'a' })).toEqual(['a', 'a']);
  });

  it('binds a value holding SQL as a value, not as text of the statement', () => {
    const t = translateSql('INSERT INTO x (name) VALUES (:name)', 'postgres');
    const evil = "'; DROP TABLE x; --";
    expect(t.text).toBe('INSERT INTO x (name) VALUES ($1)');
    expect(bindValues(t, { name: evil })).toEqual([evil]);
  });

  it('binds an absent value as NULL', () => {
    expect(bindValues(translateSql('SELECT :a, :b', 'postgres'), { a: 1 })).toEqual([1, null]);
  });
});
