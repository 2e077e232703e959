import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type XmlCodec, createXmlCodec } from './xml-codec';

/**
 * XmlCodec.reread must give exactly what parse gives for the bytes build wrote (key order included), or undefined;
 * never a different value. Every case is checked against the real write and read.
 */

const DIR = join(__dirname, '../../../../test/fixtures/xml');
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => f.slice(0, -'.xml'.length))
  .sort();

/** reread against build + parse: same value, same key order. */
function expectSameAsParse(codec: XmlCodec, written: Record<string, unknown>): Record<string, unknown> {
  const bytes = Buffer.from(codec.build(written, { declaration: false }));
  const reread = codec.reread(written, bytes);
  const parsed = codec.parse(bytes);
  expect(reread).toEqual(parsed);
  expect(JSON.stringify(reread)).toBe(JSON.stringify(parsed));
  return reread!;
}

describe('XmlCodec.reread', () => {
  it.each(fixtures)('gives what parse gives for the fixture %s written back', (name) => {
    const optionsFile = join(DIR, `${name}.options.json`);
    const options = existsSync(optionsFile) ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as { arrays?: string[] }) : {};
    const codec = createXmlCodec({ arrays: options.arrays });
    const { '?xml': _declaration, ...value } = codec.parse(readFileSync(join(DIR, `${name}.xml`)));
    expectSameAsParse(codec, value);
  });

  it.each([
    ['an element whose only attributes went away, with text', { r: { '#text': 'x' } }, { r: 'x' }],
    ['an element whose only attributes went away, empty', { r: { a: {}, b: { '#text': '' } } }, { r: { a: '', b: '' } }],
    ['attributes written first wherever their keys sit', { r: { b: '1', '@x': '2', '#text': undefined } }, { r: { '@x': '2', b: '1' } }],
    ['names no longer interleaved', { r: { '#mixed': [{ a: '1' }, { b: '2' }, { 'p:a': '3' }] } }, { r: { a: '1', b: '2', 'p:a': '3' } }],
    ['names now interleaved', { r: { '#mixed': [{ a: '1' }, { b: '2' }, { a: '3' }] } }, { r: { '#mixed': [{ a: '1' }, { b: '2' }, { a: '3' }] } }],
    ['repeated names from a list of entries', { r: { '#mixed': [{ a: '1' }, { a: '2' }, { b: '3' }] } }, { r: { a: ['1', '2'], b: '3' } }],
    ['real text kept in order', { r: { '#mixed': ['Hi ', { b: 'you' }, ' ', { '#cdata': '<x>' }] } }, { r: { '#mixed': ['Hi ', { b: 'you' }, ' ', { '#cdata': '<x>' }] } }],
    ['indentation dropped beside CDATA', { r: { '#mixed': ['  ', { '#cdata': 'c' }, '\n'] } }, { r: { '#cdata': 'c' } }],
    ['empty CDATA', { r: { '#mixed': [{ '#cdata': '' }, { '#cdata': 'x' }], e: undefined } }, { r: { '#mixed': [{ '#cdata': '' }, { '#cdata': 'x' }] } }],
    ['a list of one and an empty list', { r: { a: ['1'], b: [] } }, { r: { a: '1' } }],
    ['text escaped on the way out', { r: { '@q': 'a"\t\n<&', '#text': '<&>\r]]>' } }, { r: { '@q': 'a"\t\n<&', '#text': '<&>\r]]>' } }],
    ['unsafe names', { r: { constructor: 'c', prototype: { '@a': '1' } } }, { r: { constructor: 'c', prototype: { '@a': '1' } } }],
  ])('follows the reader: %s', (_what, written, expected) => {
    expect(expectSameAsParse(createXmlCodec(), written)).toEqual(expected);
  });

  it('applies the codec`s arrays paths, in objects and below #mixed entries', () => {
    const codec = createXmlCodec({ arrays: ['r.a', 'r.m.x', 'r.q.x'] });
    const written = { r: { a: 'one', m: { '#mixed': ['t', { x: '1' }] }, q: { '#mixed': [{ x: { y: '1' } }, { z: '' }, { x: '2' }] } } };
    expect(expectSameAsParse(codec, written)).toEqual({
      r: { a: ['one'], m: { '#mixed': ['t', { x: '1' }] }, q: { '#mixed': [{ x: { y: '1' } }, { z: '' }, { x: '2' }] } },
    });
    expect(expectSameAsParse(codec, { r: { m: { x: '1' }, q: { x: ['1', '2'] } } })).toEqual({ r: { m: { x: ['1'] }, q: { x: ['1', '2'] } } });
  });

  it('keeps an element named __proto__ as an own key', () => {
    const written = JSON.parse('{"r":{"__proto__":"p"}}') as Record<string, unknown>;
    const value = expectSameAsParse(createXmlCodec(), written);
    expect(Object.keys(value.r as object)).toEqual(['__proto__']);
  });

  it('does not change the value it was given', () => {
    const written = { r: { '@a': '1', '#mixed': [{ b: '' }, { c: '' }, { b: '' }] } };
    const copy = structuredClone(written);
    expectSameAsParse(createXmlCodec({ arrays: ['r.b'] }), written);
    expect(written).toEqual(copy);
  });

  it.each([
    ['a number', { r: { a: 7 } }],
    ['a declaration', { '?xml': { '@version': '1.0' }, r: '' }],
    ['two roots', { a: '', b: '' }],
    ['a list at the root', { r: ['1', '2'] }],
    ['CDATA the writer splits', { r: { '#cdata': 'a]]>b' } }],
    ['a list inside a #mixed entry', { r: { '#mixed': [{ a: ['1', '2'] }] } }],
  ])('leaves %s to parse', (_what, written) => {
    expect(createXmlCodec().reread(written, '<r/>')).toBeUndefined();
  });

  it('leaves bytes a limit would refuse to parse, which refuses them', () => {
    const deep = { a: { b: { c: '' } } };
    const shallow = createXmlCodec({ limits: { maxDepth: 2 } });
    const bytes = createXmlCodec().build(deep);
    expect(shallow.reread(deep, bytes)).toBeUndefined();
    expect(() => shallow.parse(bytes)).toThrow(/maxDepth/);
    expectSameAsParse(createXmlCodec({ limits: { maxDepth: 3 } }), deep);

    const attributes = { r: { '@a': '1', '@b': '2', '@c': '3' } };
    const few = createXmlCodec({ limits: { maxAttributes: 2 } });
    expect(few.reread(attributes, '<r a="1" b="2" c="3"/>')).toBeUndefined();
    expect(() => few.parse('<r a="1" b="2" c="3"/>')).toThrow(/maxAttributes/);
    expectSameAsParse(createXmlCodec({ limits: { maxAttributes: 3 } }), attributes);

    const small = createXmlCodec({ limits: { maxBytes: 10 } });
    expect(small.reread({ r: 'é'.repeat(4) }, 'é'.repeat(4).padStart(11, '<'))).toBeUndefined();
    expect(small.reread({ r: '' }, Buffer.alloc(11))).toBeUndefined();
    expect(small.reread({ r: '' }, '<r/>')).toEqual({ r: '' });
  });

  describe('with route namespaces', () => {
    const DOC = 'urn:acme:doc';
    const CMN = 'urn:acme:common';
    const codec = createXmlCodec({ namespaces: { doc: DOC, c: CMN }, arrays: ['doc:PlaceOrder.doc:Order.doc:Line'] });

    it.each(fixtures)('gives what parse gives for the fixture %s, its namespaces declared on the route', (name) => {
      const bytes = readFileSync(join(DIR, `${name}.xml`));
      const { '?xml': _declaration, ...value } = createXmlCodec().parse(bytes);
      const root = Object.values(value)[0];
      // Every namespace the root declares, under a route prefix of its own.
      const uris = typeof root === 'object' && root !== null ? Object.entries(root).filter(([k]) => k === '@xmlns' || k.startsWith('@xmlns:')).map(([, v]) => String(v)) : [];
      const namespaces = Object.fromEntries([...new Set(uris.filter((u) => u !== ''))].map((uri, i) => [`r${i}`, uri]));
      expectSameAsParse(createXmlCodec({ namespaces }), value);
    });

    it.each([
      ['a SOAP payload made canonical', { PlaceOrder: { '@xmlns': DOC, '@xmlns:cmn': CMN, Order: { Line: { Sku: 'a' }, 'cmn:Ref': 'r' } } }],
      ['two prefixes for one namespace, now interleaved', { r: { '@xmlns:a': DOC, '@xmlns:b': DOC, 'a:x': '1', y: '2', 'b:x': '3' } }],
      ['two prefixes for one namespace, now repeats', { r: { '@xmlns:a': DOC, '@xmlns:b': DOC, 'a:x': '1', 'b:x': '2' } }],
      ['items of one key in different namespaces', { r: { x: [{ '@xmlns': DOC, '#text': '1' }, { '@xmlns': CMN, '#text': '2' }, { '@xmlns': 'urn:other', '#text': '3' }] } }],
      ['a route prefix the sender uses for another namespace', { 'doc:r': { '@xmlns:doc': 'urn:other', '@xmlns:d': DOC, 'd:x': '1', 'doc:x': '2' } }],
      ['#mixed entries renamed', { r: { '@xmlns:p': DOC, '#mixed': ['t ', { 'p:b': 'x' }, ' u'] } }],
      ['attributes in a declared namespace', { 'p:r': { '@xmlns:p': DOC, '@p:at': '1', '@plain': '2', 'p:x': '' } }],
    ])('gives what parse gives for %s', (_what, written) => {
      expectSameAsParse(codec, written);
    });

    it('renames as parse does, arrays paths by the route`s names', () => {
      const written = { 'x:PlaceOrder': { '@xmlns:x': DOC, 'x:Order': { 'x:Line': { 'x:Sku': 'a' } } } };
      expect(expectSameAsParse(codec, written)).toEqual({ 'doc:PlaceOrder': { '@xmlns:doc': DOC, 'doc:Order': { 'doc:Line': [{ 'doc:Sku': 'a' }] } } });
    });

    it('leaves an undeclared prefix to parse, which refuses it', () => {
      expect(codec.reread({ 'p:r': 'x' }, '<p:r>x</p:r>')).toBeUndefined();
      expect(() => codec.parse('<p:r>x</p:r>')).toThrow(/not declared/);
    });
  });
});
