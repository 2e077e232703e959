import { InputError } from '@junction/core';
import { scanJson } from './json-scan';
import { parseJsonText, screenJson } from './json-text';

const syntaxOnly = { maxDepth: Infinity, duplicates: false };

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
    expect(scanJson(deep, syntaxOnly)).toEqual({ kind: 'malformed', at: 100_000 });
  });

  it('locates errors in a long line precisely', () => {
    const text = `{"items":[${'1,'.repeat(1000)}1}`;
    expect(scanJson(text, syntaxOnly)).toEqual({ kind: 'malformed', at: text.length - 1 });
  });
});

describe('parseJsonText and screenJson: limits and duplicate keys', () => {
  const refusal = (run: () => unknown): InputError => {
    try {
      run();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    }
    throw new Error('not refused');
  };
  const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

  it('takes nesting up to the limit, 100 by default, and names the limit and the place of the level over it', () => {
    expect(parseJsonText(nested(100))).toBeDefined();
    // Depth 101 is the 99th object inside the list: at 3 + 98 * 5 characters into line 2.
    const e = refusal(() => parseJsonText(`{"list":\n  [${nested(100)}]}`));
    expect(e).toMatchObject({ code: 'JSON_LIMIT', status: 400 });
    expect(e.message).toBe('JSON limit maxDepth (100) exceeded: arrays and objects are nested deeper (line 2, column 494)');
    expect(parseJsonText(nested(5), { maxDepth: 5 })).toBeDefined();
    expect(refusal(() => parseJsonText(nested(6), { maxDepth: 5 })).message).toContain('maxDepth (5)');
  });

  it('refuses the 5,000-deep body of the attack in milliseconds', () => {
    const started = performance.now();
    expect(refusal(() => parseJsonText(nested(5000))).code).toBe('JSON_LIMIT');
    // Generous: the point is that nothing recursed, not the exact time.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('names a repeated key and where it is repeated, escapes decoded', () => {
    const e = refusal(() => parseJsonText('{\n  "role": "user",\n  "\\u0072ole": "admin"\n}'));
    expect(e).toMatchObject({ code: 'JSON_DUPLICATE_KEY', status: 400 });
    expect(e.message).toBe('Duplicate JSON key "role": an object gives it twice (line 3, column 3)');
  });

  it('shortens a long repeated key rather than echo it whole', () => {
    const key = 'k'.repeat(5000);
    const e = refusal(() => parseJsonText(`{"${key}":1,"${key}":2}`));
    expect(e.message).toContain(`"${'k'.repeat(64)}..."`);
    expect(e.message.length).toBeLessThan(200);
  });

  it('screens bytes as strictly as it parses, without a value, byte order mark ignored', () => {
    expect(() => screenJson(Buffer.from('\uFEFF{"a":[1,{"b":null}]}'))).not.toThrow();
    expect(refusal(() => screenJson(Buffer.from(nested(101)))).code).toBe('JSON_LIMIT');
    expect(refusal(() => screenJson(Buffer.from('{"role":"user","role":"admin"}'))).code).toBe('JSON_DUPLICATE_KEY');
    expect(refusal(() => screenJson(Buffer.from('{"a":1,}'))).code).toBe('JSON_MALFORMED');
    expect(() => screenJson('[1,2]', { maxDepth: 1 })).not.toThrow();
  });
});
