import { InputError } from '@junction/core';
import { jsonErrorOffset, parseJsonText } from './json-text';

describe('parseJsonText', () => {
  it('parses JSON and ignores a byte order mark', () => {
    expect(parseJsonText('{"a":[1,true,null,"x"]}')).toEqual({ a: [1, true, null, 'x'] });
    expect(parseJsonText('\uFEFF{"a":1}')).toEqual({ a: 1 });
  });

  it.each([
    ['a missing value', '{"a":}', 'line 1, column 6'],
    ['a trailing comma', '{\n  "a": 1,\n}', 'line 3, column 1'],
    ['an unterminated array', '[1,2', 'line 1, column 5'],
    ['text after the value', '{"a":1} x', 'line 1, column 9'],
    ['an unterminated string', '"abc', 'line 1, column 5'],
    ['an empty body', '', 'line 1, column 1'],
    ['a single-quoted string', "{'a':1}", 'line 1, column 2'],
    ['a bad escape', '["a\\qb"]', 'line 1, column 5'],
    ['a control character in a string', '["a\u0001"]', 'line 1, column 4'],
    ['a leading zero', '[01]', 'line 1, column 3'],
    ['a bare word', '[nul]', 'line 1, column 5'],
    ['a lone minus', '[-]', 'line 1, column 3'],
    ['a bad token deep in a long line', `[${'1,'.repeat(50)}x${',1'.repeat(50)}]`, 'line 1, column 102'],
    ['a bad token at the start of a long text', `x${'1'.repeat(50)}`, 'line 1, column 1'],
  ])('names the reason and position of %s', (_case, text, position) => {
    let error: unknown;
    try {
      parseJsonText(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.code).toBe('JSON_MALFORMED');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^Malformed JSON: \S.*\(line \d+, column \d+\)$/);
    expect(e.message).toContain(position);
    expect(e.message).not.toContain('is not valid JSON'); // V8 quotes the whole input there; we do not
  });

  it('locates errors in deeply nested input without recursion', () => {
    const deep = '['.repeat(100_000) + 'x' + ']'.repeat(100_000);
    expect(jsonErrorOffset(deep)).toBe(100_000);
  });

  it('locates errors in a long line precisely', () => {
    const text = `{"items":[${'1,'.repeat(1000)}1}`;
    expect(jsonErrorOffset(text)).toBe(text.length - 1);
  });
});
