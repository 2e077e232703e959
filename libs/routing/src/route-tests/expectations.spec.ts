import { defaultXmlCodec } from '@junction/transform';
import { bodyMismatch, partialMismatch } from './expectations';

describe('partialMismatch', () => {
  it.each<[string, unknown, unknown, string | undefined]>([
    ['equal scalars', 1, 1, undefined],
    ['keys the expectation leaves out are free', { a: 1 }, { a: 1, b: 2 }, undefined],
    ['nested partial objects', { a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 }, undefined],
    ['a different scalar', { a: 1 }, { a: 2 }, '$.a: expected 1, got 2'],
    ['a number is not its text', { a: 1 }, { a: '1' }, '$.a: expected 1, got "1"'],
    ['a missing key', { a: { b: 1 } }, { a: {} }, '$.a.b: expected 1, got undefined'],
    ['an object where a scalar is', { a: { b: 1 } }, { a: 5 }, '$.a: expected an object, got 5'],
    ['an object where an array is', { a: {} }, { a: [] }, '$.a: expected an object, got []'],
    ['arrays element by element, partially', [{ a: 1 }, { b: 2 }], [{ a: 1, x: 0 }, { b: 2 }], undefined],
    ['arrays of another length', [1, 2], [1, 2, 3], '$: expected 2 items, got 3'],
    ['an array where an object is', { a: [1] }, { a: { 0: 1 } }, '$.a: expected an array, got {"0":1}'],
    ['the first mismatch inside an array', { a: [1, 2] }, { a: [1, 3] }, '$.a[1]: expected 2, got 3'],
    ['null matches only null', { a: null }, { a: 0 }, '$.a: expected null, got 0'],
  ])('%s', (_name, expected, actual, mismatch) => {
    expect(partialMismatch(expected, actual)).toBe(mismatch);
  });

  it('cuts long values in its message', () => {
    expect(partialMismatch('x', 'y'.repeat(500))).toBe(`$: expected "x", got ${JSON.stringify('y'.repeat(500)).slice(0, 200)}...`);
  });
});

describe('bodyMismatch', () => {
  const received = (text: string, value: () => unknown = () => JSON.parse(text)) => ({ text, value });

  it.each<[string, unknown, { text: string; value: () => unknown }, string | undefined]>([
    ['JSON by partial match', { id: 1 }, received('{"id":1,"x":2}'), undefined],
    ['JSON that differs', { id: 1 }, received('{"id":2}'), '$.id: expected 1, got 2'],
    ['XML by its JSON form, whatever the formatting', '<a>\n  <b>1</b>\n</a>', received('<a><b>1</b></a>', () => ({})), undefined],
    ['XML that differs', '<a><b>1</b></a>', received('<a><b>2</b></a>', () => ({})), 'body: expected <a><b>1</b></a>, got <a><b>2</b></a>'],
    ['text exactly', 'hello', received('hello', () => 'hello'), undefined],
    ['text that differs', 'hello', received('hello!', () => 'hello!'), 'body: expected "hello", got "hello!"'],
    ['XML expected, text received', '<a/>', received('a', () => 'a'), 'body: expected "<a/>", got "a"'],
  ])('%s', (_name, expected, got, mismatch) => {
    expect(bodyMismatch(expected, got, defaultXmlCodec)).toBe(mismatch);
  });

  it('reports XML that cannot be parsed as a mismatch rather than throwing', () => {
    expect(bodyMismatch('<a><b></a>', received('<a/>', () => ({})), defaultXmlCodec)).toMatch(/^body: cannot compare as XML: /);
  });

  it('reports a body with no JSON form when an object is expected', () => {
    const unparseable = received('not json', () => {
      throw new Error('Unexpected token');
    });
    expect(bodyMismatch({ a: 1 }, unparseable, defaultXmlCodec)).toBe('body is not JSON or XML: Unexpected token');
  });
});
