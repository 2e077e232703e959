import { type JsonScanOptions, scanJson } from './json-scan';

const syntaxOnly: JsonScanOptions = { maxDepth: Infinity, duplicates: false };
const strict = (maxDepth = 100): JsonScanOptions => ({ maxDepth, duplicates: true });

const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const mixed = (n: number) => '{"a":['.repeat(n / 2) + 'true' + ']}'.repeat(n / 2);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('scanJson: what JSON.parse accepts', () => {
  const seeds = [
    '{"a":[1,-2.5e+3,true,false,null,"x\\"y"],"b":{"c":"\\u00e9\\n"},"d":0}',
    '[{"k":"v"},[],{},[[0.5]],"[{\\\\}]"]',
    ' {\n\t"s" : "a b" ,\r\n "n" : -0 } ',
    `{"long":"${'x'.repeat(40)}\\"${'y'.repeat(40)}","t":"${'z'.repeat(30)}\\\\"}`,
  ];
  const inserted = ['"', '{', '}', '[', ']', ',', ':', '\\', ' ', '0', '-', 'e', '.', 'x', '\u0001', '\n', 'u'];

  it('agrees with JSON.parse on every one-character edit of valid documents', () => {
    let compared = 0;
    for (const seed of seeds) {
      expect(scanJson(seed, syntaxOnly)).toBeUndefined();
      for (let at = 0; at <= seed.length; at++) {
        const edits = [seed.slice(0, at) + seed.slice(at + 1), ...inserted.map((c) => seed.slice(0, at) + c + seed.slice(at))];
        for (const text of edits) {
          const problem = scanJson(text, syntaxOnly);
          if ((problem === undefined) !== parses(text)) throw new Error(`scan and JSON.parse disagree on ${JSON.stringify(text)}`);
          compared++;
        }
      }
    }
    expect(compared).toBe(seeds.reduce((n, seed) => n + (seed.length + 1) * (1 + inserted.length), 0));
  });

  it.each([
    ['scalars at the top', ['1', '-0.0e-0', '"s"', 'true', 'null', ' 3 ']],
    ['strings with every escape', ['"\\"\\\\\\/\\b\\f\\n\\r\\t\\u12aB"', '"\\ud800"']],
    ['non-ASCII and brackets inside strings', ['{"é[":"}{ü]"}', '["\\"]", "{"]']],
  ])('accepts %s', (_what, texts) => {
    for (const text of texts) {
      expect(parses(text)).toBe(true);
      expect(scanJson(text, strict())).toBeUndefined();
    }
  });

  it.each([
    ['an unterminated long string', `["${'x'.repeat(100)}`, 102],
    ['a control character in a long string', `["${'x'.repeat(100)}\u0002"]`, 102],
    ['a bad escape in a long string', `["${'x'.repeat(100)}\\x"]`, 103],
    ['a raw newline after long content', `{"a":"${'x'.repeat(30)}\n"}`, 36],
    ['a second value', '{} {}', 3],
    ['a missing colon', '{"a" 1}', 5],
  ])('refuses %s at the offending character', (_what, text, at) => {
    expect(parses(text)).toBe(false);
    expect(scanJson(text, syntaxOnly)).toEqual({ kind: 'malformed', at });
  });
});

describe('scanJson: nesting depth', () => {
  it.each([
    ['objects', objects],
    ['arrays', arrays],
    ['arrays and objects mixed', mixed],
  ])('accepts %s nested exactly to the limit and refuses one level more at its bracket', (_what, nest) => {
    expect(scanJson(nest(100), strict(100))).toBeUndefined();
    const over = nest(102);
    const problem = scanJson(over, strict(100));
    expect(problem?.kind).toBe('depth');
    // The refused bracket is the 101st opening one.
    const opening = [...over].map((c, i) => (c === '{' || c === '[' ? i : -1)).filter((i) => i >= 0);
    expect(problem?.at).toBe(opening[100]);
  });

  it('counts levels open at once, not brackets in the text', () => {
    const siblings = `[${Array.from({ length: 500 }, () => arrays(50)).join(',')}]`;
    expect(scanJson(siblings, strict(51))).toBeUndefined();
    expect(scanJson(siblings, strict(50))?.kind).toBe('depth');
  });

  it('ignores brackets and escaped quotes inside strings', () => {
    const tricky = `{"a":"${'[{'.repeat(200)}\\"${'[{'.repeat(200)}","b":["\\\\",{"c":"]}\\"]}"}]}`;
    expect(parses(tricky)).toBe(true);
    expect(scanJson(tricky, strict(3))).toBeUndefined();
    expect(scanJson(tricky, strict(2))?.kind).toBe('depth');
  });

  it('refuses the 5,000-deep body of the attack, and 100,000 levels, without recursion', () => {
    const attack = objects(5000);
    expect(attack.length).toBeGreaterThan(29_000);
    expect(scanJson(attack, strict(100))).toEqual({ kind: 'depth', at: 500 });
    expect(scanJson(arrays(100_000), strict(100))).toEqual({ kind: 'depth', at: 100 });
    expect(scanJson(arrays(100_000), syntaxOnly)).toBeUndefined();
  });
});

describe('scanJson: duplicate keys', () => {
  const duplicate = (text: string) => scanJson(text, strict());

  // The second occurrence, as written, is the last one in each text.
  it.each([
    ['at the top', '{"role":"user","role":"admin"}', '"role"', 'role'],
    ['in a nested object', '{"a":{"b":{"role":1,"x":2,"role":3}}}', '"role"', 'role'],
    ['after a nested object that had the same key', '{"a":{"a":1},"a":2}', '"a"', 'a'],
    ['in an object inside an array', '[1,{"k":[{"k":{"k":0}}],"k":null}]', '"k"', 'k'],
    ['written with a unicode escape', '{"role":"user","\\u0072ole":"admin"}', '"\\u0072ole"', 'role'],
    ['escaped once, then plain', '{"\\/":3,"/":4}', '"/"', '/'],
    ['escaped both times, differently', '{"\\u00e9":1,"\\u00E9":2}', '"\\u00E9"', 'é'],
    ['as the empty key', '{"":1,"":2}', '""', ''],
    ['named __proto__', '{"__proto__":1,"__proto__":2}', '"__proto__"', '__proto__'],
    ['among many keys', `{${Array.from({ length: 600 }, (_, i) => `"k${i}":${i}`).join(',')},"k512":0}`, '"k512"', 'k512'],
  ])('refuses a key given twice %s, at the second one', (_where, text, second, key) => {
    expect(parses(text)).toBe(true);
    expect(duplicate(text)).toEqual({ kind: 'duplicate', at: text.lastIndexOf(second), key });
  });

  it.each([
    ['in sibling objects', '[{"id":1,"name":"a"},{"id":2,"name":"b"}]'],
    ['in an object and the one inside it', '{"id":1,"child":{"id":2,"child":{"id":3}}}'],
    ['in objects at the same depth under different keys', '{"x":{"k":1},"y":{"k":2},"z":[{"k":3}]}'],
    ['that differ in case or by an escape that decodes elsewhere', '{"Role":1,"role":2,"\\u0052ole ":3,"r\\u00f6le":4,"röle ":5}'],
    ['many distinct keys', `{${Array.from({ length: 600 }, (_, i) => `"k${i}":{"k${i}":${i}}`).join(',')}}`],
  ])('accepts the same key %s', (_where, text) => {
    expect(parses(text)).toBe(true);
    expect(duplicate(text)).toBeUndefined();
  });

  it('reports the first problem in text order, and none when duplicates are allowed', () => {
    expect(scanJson('{"a":1,"a":2,', strict())?.kind).toBe('duplicate');
    expect(scanJson('{"a":1,"a":2,', syntaxOnly)).toEqual({ kind: 'malformed', at: 13 });
    expect(scanJson('{"a":1,"a":2}', syntaxOnly)).toBeUndefined();
  });
});
