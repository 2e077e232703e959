import { columnIncoming, cursorValue, rowObject } from './sql-rows';

describe('SQL rows as messages', () => {
  it('makes a row a JSON object: bytes as base64, big integers as text, dates as ISO text', () => {
    const row = rowObject({ id: 5n, data: Buffer.from('hi'), at: new Date(Date.UTC(2026, 0, 2)), n: null });
    expect(JSON.parse(JSON.stringify(row))).toEqual({ id: '5', data: 'aGk=', at: '2026-01-02T00:00:00.000Z', n: null });
  });

  it('takes a body column as it is, typed by its first character; a JSON column as JSON; NULL as an empty body', () => {
    expect(columnIncoming('db', { body: '<a/>' }, 'body')).toMatchObject({ contentType: 'application/xml', body: Buffer.from('<a/>') });
    expect(columnIncoming('db', { body: '{"a":1}' }, 'body').contentType).toBe('application/json');
    expect(columnIncoming('db', { body: { a: 1 } }, 'body')).toMatchObject({ contentType: 'application/json', body: Buffer.from('{"a":1}') });
    expect(columnIncoming('db', { body: null }, 'body').body).toHaveLength(0);
    expect(() => columnIncoming('db', { other: 1 }, 'body')).toThrow('no column "body"');
  });

  it('reads a cursor position from an integer column, and refuses anything else', () => {
    expect(cursorValue({ id: 7 }, 'id')).toBe(7);
    expect(cursorValue({ id: '9007199254740991' }, 'id')).toBe(9007199254740991);
    expect(() => cursorValue({ id: null }, 'id')).toThrow('not an integer');
    expect(() => cursorValue({ id: '1.5' }, 'id')).toThrow('not an integer');
    expect(() => cursorValue({ x: 1 }, 'id')).toThrow('no column "id"');
  });
});
