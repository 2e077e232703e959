import { BusError, ConfigError, InputError } from '@junction/core';
import { createXmlCodec } from './xml-codec';

/**
 * Every parse runs on untrusted input: hostile documents must be refused with the right code, and fast. The time
 * bound is a generous safety net (a regression to super-linear work or a tree build shows up as seconds), not a
 * benchmark.
 */

const FAST_MS = 2_000;
const codec = createXmlCodec();

function refusal(run: () => unknown): { error: InputError; ms: number } {
  const start = performance.now();
  try {
    run();
  } catch (err) {
    const ms = performance.now() - start;
    if (!(err instanceof InputError)) throw err;
    return { error: err, ms };
  }
  throw new Error('expected the input to be refused');
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>`;

const deep = (n: number): string => '<a>'.repeat(n) + 'x' + '</a>'.repeat(n);
const manyAttributes = (n: number): string =>
  `<r ${Array.from({ length: n }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;

describe('XML hardening: refused fast with the right code', () => {
  it.each([
    ['a DOCTYPE', '<!DOCTYPE r><r/>', 'XML_DOCTYPE_FORBIDDEN'],
    ['a lower-case doctype', '<!doctype r><r/>', 'XML_DOCTYPE_FORBIDDEN'],
    ['billion laughs', billionLaughs, 'XML_DOCTYPE_FORBIDDEN'],
    [
      'an external entity (XXE)',
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
      'XML_DOCTYPE_FORBIDDEN',
    ],
    ['an external DTD', '<!DOCTYPE r SYSTEM "http://example.com/evil.dtd"><r/>', 'XML_DOCTYPE_FORBIDDEN'],
    ['an ENTITY declaration without DOCTYPE', '<!ENTITY x "y"><r>&x;</r>', 'XML_DOCTYPE_FORBIDDEN'],
    ['10,000-deep nesting', deep(10_000), 'XML_LIMIT'],
    ['100,000 attributes', manyAttributes(100_000), 'XML_LIMIT'],
    ['an undeclared entity reference', '<r>&lol9;</r>', 'XML_MALFORMED'],
  ])('%s', (_case, xml, code) => {
    const { error, ms } = refusal(() => codec.parse(xml));
    expect(error.code).toBe(code);
    expect(error.status).toBe(400);
    expect(error.retriable).toBe(false);
    expect(ms).toBeLessThan(FAST_MS);
  });

  it('names the depth limit and where it was passed', () => {
    const { error } = refusal(() => codec.parse(deep(10_000)));
    expect(error.message).toMatch(/maxDepth \(100\)/);
    expect(error.message).toMatch(/line 1, column 301\b/);
  });

  it('names the attribute limit', () => {
    const { error } = refusal(() => codec.parse(manyAttributes(100_000)));
    expect(error.message).toMatch(/maxAttributes \(256\)/);
  });

  it('refuses the same payloads as bytes', () => {
    expect(refusal(() => codec.parse(Buffer.from(billionLaughs))).error.code).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(refusal(() => codec.parse(Buffer.from(deep(10_000)))).error.code).toBe('XML_LIMIT');
  });

  it('refuses a document over the default 10 MiB before reading it', () => {
    const big = `<r>${'x'.repeat(10 * 1024 * 1024)}</r>`;
    for (const input of [big, Buffer.from(big)]) {
      const { error, ms } = refusal(() => codec.parse(input));
      expect(error.code).toBe('XML_LIMIT');
      expect(error.message).toMatch(/maxBytes \(10485760\)/);
      expect(ms).toBeLessThan(FAST_MS);
    }
  });

  it('counts bytes, not characters, for string input', () => {
    const small = createXmlCodec({ limits: { maxBytes: 20 } });
    expect(small.parse('<r>ééééé</r>')).toEqual({ r: 'ééééé' }); // 17 bytes
    expect(refusal(() => small.parse('<r>éééééééé</r>')).error.code).toBe('XML_LIMIT'); // 23 bytes, 15 chars
  });
});

describe('XML limits are configurable and exact at the boundary', () => {
  it('accepts the default depth of 100 and refuses 101', () => {
    expect(codec.parse(deep(100))).toBeDefined();
    expect(refusal(() => codec.parse(deep(101))).error.code).toBe('XML_LIMIT');
  });

  it.each([
    [{ maxDepth: 3 }, deep(3), deep(4), 'maxDepth'],
    [{ maxAttributes: 2 }, manyAttributes(2), manyAttributes(3), 'maxAttributes'],
    [{ maxBytes: 10 }, '<r>12</r>', '<r>1234</r>', 'maxBytes'],
  ])('%j', (limits, accepted, refused, name) => {
    const limited = createXmlCodec({ limits });
    expect(() => limited.parse(accepted)).not.toThrow();
    const { error } = refusal(() => limited.parse(refused));
    expect(error.code).toBe('XML_LIMIT');
    expect(error.message).toContain(name);
  });

  it('counts a self-closing element at its own depth', () => {
    const limited = createXmlCodec({ limits: { maxDepth: 2 } });
    expect(limited.parse('<a><b/><b x="1"/></a>')).toEqual({ a: { b: ['', { '@x': '1' }] } });
    expect(refusal(() => limited.parse('<a><b><c/></b></a>')).error.code).toBe('XML_LIMIT');
  });

  it('is not fooled by > or /> inside attribute values', () => {
    const limited = createXmlCodec({ limits: { maxDepth: 2, maxAttributes: 1 } });
    expect(limited.parse(`<a x="/>"><b y='a>b'/></a>`)).toEqual({ a: { '@x': '/>', b: { '@y': 'a>b' } } });
    expect(refusal(() => limited.parse('<a x="1"><b><c/></b></a>')).error.code).toBe('XML_LIMIT');
  });

  it.each([{ maxDepth: 0 }, { maxAttributes: -1 }, { maxBytes: 1.5 }, { maxDepth: 100_000 }])(
    'refuses the invalid limit %j as a ConfigError',
    (limits) => {
      expect(() => createXmlCodec({ limits })).toThrow(ConfigError);
    },
  );
});

describe('malformed XML names the problem and its position', () => {
  it.each([
    ['a mismatched closing tag', '<a>\n  <b>x</c>\n</a>', /Expected closing tag 'b'.*\(line 2, column 7\)/],
    ['an unclosed element', '<a>\n<b>', /Invalid '\[\s*"a",\s*"b"\]' found/],
    ['an unclosed root', '<a>\n  <b/>', /Unclosed tag 'a' \(line 1, column 1\)/],
    ['an unquoted attribute', '<a x=1/>', /line 1, column \d+/],
    ['text after the root', '<a></a>\nextra', /text after the root element \(line 2, column 1\)/],
    ['text after a self-closing root', '<a/>\n extra', /text after the root element \(line 2, column 2\)/],
    ['two roots', '<a></a><b></b>', /only one root element is allowed \(line 1, column 8\)/],
    ['a second self-closing root', '<a></a>\n<b/>', /only one root element is allowed \(line 2, column 1\)/],
    ['a second root after a self-closing root', '<a/><b>x</b>', /only one root element is allowed/],
    ['an undefined entity', '<a>\n  fine &amp; &nbsp;\n</a>', /undefined entity &nbsp; \(line 2, column 14\)/],
    ['a reference to a forbidden character', '<a>&#0;</a>', /character XML does not allow: &#0; \(line 1, column 4\)/],
    ['an undefined entity in an attribute', '<a x="&foo;"/>', /undefined entity &foo;/],
    ['stray markup declarations', '<a><!FOO bar></a>', /unexpected '<!' markup \(line 1, column 4\)/],
    ['an empty document', '', /Start tag expected/],
    ['plain text', 'not xml at all', /line 1, column 1/],
  ])('%s', (_case, xml, message) => {
    const { error } = refusal(() => codec.parse(xml));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('refuses bytes that are not valid in their encoding', () => {
    const { error } = refusal(() => codec.parse(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e])));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toMatch(/not valid utf-8/);
  });

  it('refuses an encoding it does not know', () => {
    const { error } = refusal(() => codec.parse(Buffer.from('<?xml version="1.0" encoding="x-martian"?><a/>')));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toMatch(/unsupported encoding 'x-martian'/);
  });

  it('is a BusError that is never retriable', () => {
    const { error } = refusal(() => codec.parse('<a>'));
    expect(error).toBeInstanceOf(BusError);
    expect(error.retriable).toBe(false);
  });
});

describe('screen: the refusals of parse without a tree, for bodies passed on unread', () => {
  it.each([
    ['a DTD', billionLaughs, 'XML_DOCTYPE_FORBIDDEN'],
    ['deep nesting', `${'<a>'.repeat(200)}${'</a>'.repeat(200)}`, 'XML_LIMIT'],
    ['too many attributes', `<a ${Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ')}/>`, 'XML_LIMIT'],
    ['a second root', '<a/><b/>', 'XML_MALFORMED'],
  ])('refuses %s', (_name, xml, code) => {
    expect(refusal(() => codec.screen(xml)).error.code).toBe(code);
  });

  it('lets a well-formed document through without parsing it', () => {
    expect(() => codec.screen('<?xml version="1.0"?><a x="1"><b>text</b></a>')).not.toThrow();
  });
});
