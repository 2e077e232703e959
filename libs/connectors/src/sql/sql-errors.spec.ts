import { DeliveryError } from '@junction/core';
import { retriableSqlError, sqlDeliveryError, sqlStateOf } from './sql-errors';
import { safeSqlUrl, sqlDialectOf } from './sql-url';

describe('SQL errors and URLs', () => {
  it.each([
    [{ code: '23505', message: 'duplicate key' }, false],
    [{ code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000', message: 'Duplicate entry' }, false],
    [{ code: '42P01', message: 'relation does not exist' }, false],
    [{ code: '22001', message: 'value too long' }, false],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, true],
    [{ code: '40001', message: 'could not serialize' }, true],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, true],
    [{ code: 'PROTOCOL_CONNECTION_LOST', fatal: true, message: 'Connection lost' }, true],
    [{ errno: 1927, sqlState: '70100', message: 'Connection was killed' }, true],
    [new Error('Connection terminated unexpectedly'), true],
  ])('%j retriable: %s', (err, retriable) => {
    expect(retriableSqlError(err)).toBe(retriable);
  });

  it('reads the SQLSTATE from either driver', () => {
    expect(sqlStateOf({ code: '23505' })).toBe('23505');
    expect(sqlStateOf({ code: 'ER_DUP_ENTRY', sqlState: '23000' })).toBe('23000');
    expect(sqlStateOf({ code: 'ECONNRESET' })).toBeUndefined();
  });

  it('makes a constraint violation a final DeliveryError without credentials in its text', () => {
    const err = Object.assign(new Error('connect to postgres://u:secret@db/x failed: duplicate key'), { code: '23505' });
    const d = sqlDeliveryError(err, 'sql INSERT INTO t at postgres://db:5432/x');
    expect(d).toBeInstanceOf(DeliveryError);
    expect(d.retriable).toBe(false);
    expect(d.code).toBe('SQL_CONSTRAINT');
    expect(d.message).not.toContain('secret');
    expect(d.message).toContain('SQLSTATE 23505');
  });

  it('knows the dialect by scheme and shows a URL without credentials', () => {
    expect(sqlDialectOf('postgresql://u@h/db')).toBe('postgres');
    expect(sqlDialectOf('mariadb://u@h/db')).toBe('mariadb');
    expect(sqlDialectOf('mysql://u@h/db')).toBe('mariadb');
    expect(sqlDialectOf('sqlite:x.db')).toBeUndefined();
    expect(safeSqlUrl('postgres://u:secret@DB.example:6432/test?sslmode=require')).toBe('postgres://db.example:6432/test');
    expect(safeSqlUrl('mysql://root:pw@127.0.0.1/test')).toBe('mysql://127.0.0.1:3306/test');
    expect(safeSqlUrl('${NOT_SET}')).toBe('${NOT_SET}');
  });
});
