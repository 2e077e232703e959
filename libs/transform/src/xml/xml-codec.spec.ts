import { ConfigError } from '@junction/core';
import { createXmlCodec, defaultXmlCodec, jsonToXml, xmlToJson } from './xml-codec';

// Counts parser constructions, to prove that options are prepared once per codec and never per message. The count
// lives on the mock class because the module under test builds its default codec while being imported.
jest.mock('fast-xml-parser', () => {
  const actual = jest.requireActual('fast-xml-parser');
  class CountingParser extends actual.XMLParser {
    static constructed = 0;
    constructor(options: unknown) {
      super(options);
      CountingParser.constructed++;
    }
  }
  return { ...actual, XMLParser: CountingParser };
});
const mockParsers = {
  get constructed(): number {
    return (jest.requireMock('fast-xml-parser') as { XMLParser: { constructed: number } }).XMLParser.constructed;
  },
};

describe('createXmlCodec', () => {
  it('builds its parser once and reuses it for every message', () => {
    const before = mockParsers.constructed;
    const codec = createXmlCodec({ arrays: ['r.i'] });
    expect(mockParsers.constructed).toBe(before + 1);
    for (let n = 0; n < 50; n++) expect(codec.parse(`<r><i>${n}</i></r>`)).toEqual({ r: { i: [String(n)] } });
    expect(codec.build({ r: { i: ['1'] } })).toBe('<r><i>1</i></r>');
    expect(mockParsers.constructed).toBe(before + 1);
  });

  it('exposes its limits with defaults filled in', () => {
    expect(createXmlCodec({ limits: { maxDepth: 7 } }).limits).toEqual({
      maxDepth: 7,
      maxAttributes: 256,
      maxBytes: 10 * 1024 * 1024,
    });
    expect(defaultXmlCodec.limits.maxDepth).toBe(100);
  });

  it.each([
    [['Orders'], /names only the root element/],
    [['Orders..Order'], /empty or blank segment/],
    [[''], /empty or blank segment/],
    [['Orders. Order'], /empty or blank segment/],
  ])('refuses the arrays path %j as a ConfigError', (arrays, message) => {
    expect(() => createXmlCodec({ arrays })).toThrow(ConfigError);
    expect(() => createXmlCodec({ arrays })).toThrow(message);
  });

  describe('arrays paths', () => {
    const codec = createXmlCodec({ arrays: ['a.b', 'a.c.d', 'x.y'] });

    it('apply from the root element, names as written', () => {
      expect(codec.parse('<a><b>1</b><c><d>2</d></c><e>3</e></a>')).toEqual({ a: { b: ['1'], c: { d: ['2'] }, e: '3' } });
    });

    it('leave absent elements absent', () => {
      expect(codec.parse('<a><e>3</e></a>')).toEqual({ a: { e: '3' } });
    });

    it('do not match the same name at another path or under another root', () => {
      expect(codec.parse('<a><c><b>1</b></c></a>')).toEqual({ a: { c: { b: '1' } } });
      expect(codec.parse('<z><b>1</b></z>')).toEqual({ z: { b: '1' } });
    });

    it('keep repeated elements one array', () => {
      expect(codec.parse('<a><b>1</b><b>2</b></a>')).toEqual({ a: { b: ['1', '2'] } });
    });

    it('keep prefixes as written: ns:b is not b', () => {
      expect(codec.parse('<a xmlns:ns="u"><ns:b>1</ns:b></a>')).toEqual({ a: { '@xmlns:ns': 'u', 'ns:b': '1' } });
    });

    it('still reach through #mixed entries', () => {
      expect(codec.parse('<a>text<c><d>1</d></c></a>')).toEqual({ a: { '#mixed': ['text', { c: { d: ['1'] } }] } });
    });
  });
});

describe('input decoding', () => {
  it.each([
    ['a UTF-8 byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<r>é</r>')])],
    ['UTF-16LE with its byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<r>é</r>', 'utf16le')])],
    ['a string with a byte order mark', '\uFEFF<r>é</r>'],
    ['ISO-8859-1 by declaration', Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r>\xe9</r>', 'latin1')],
  ])('reads %s', (_case, input) => {
    const json = defaultXmlCodec.parse(input) as Record<string, unknown>;
    expect(json.r).toBe('é');
  });
});

describe('xmlToJson and jsonToXml', () => {
  it('use the default codec without options', () => {
    expect(xmlToJson('<a><b>1</b></a>')).toEqual({ a: { b: '1' } });
    expect(jsonToXml({ a: { b: '1' } })).toBe('<a><b>1</b></a>');
  });

  it('honour options and cache a codec per options object', () => {
    const options = { arrays: ['a.b'] };
    const before = mockParsers.constructed;
    expect(xmlToJson('<a><b>1</b></a>', options)).toEqual({ a: { b: ['1'] } });
    expect(xmlToJson('<a><b>2</b></a>', options)).toEqual({ a: { b: ['2'] } });
    expect(mockParsers.constructed).toBe(before + 1);
  });

  it('apply limits given as options', () => {
    expect(() => xmlToJson('<a><b/></a>', { limits: { maxDepth: 1 } })).toThrow(expect.objectContaining({ code: 'XML_LIMIT' }));
  });

  it('never put a parsed name on the prototype', () => {
    const json = xmlToJson('<r><__proto__><polluted>yes</polluted></__proto__></r>') as { r: Record<string, unknown> };
    expect(Object.getPrototypeOf(json.r)).toBe(Object.prototype);
    expect(Object.keys(json.r)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
