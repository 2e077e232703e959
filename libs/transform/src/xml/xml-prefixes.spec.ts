import { ConfigError, InputError } from '@junction/core';
import { createXmlCodec } from './xml-codec';
import { createXmlWorkers } from './xml-workers';
import { compileNamespaces } from './xml-prefixes';

const DOC = 'urn:acme:doc';
const CMN = 'urn:acme:common';
const codec = createXmlCodec({ namespaces: { doc: DOC, c: CMN }, arrays: ['doc:Document.doc:Line'] });
const plainCodec = createXmlCodec();

/** The same document as three senders write it. */
const senders: Array<[string, string]> = [
  ['the route`s prefix', `<doc:Document xmlns:doc="${DOC}"><doc:Type>invoice</doc:Type><doc:Line>1</doc:Line></doc:Document>`],
  ['another prefix', `<x:Document xmlns:x="${DOC}"><x:Type>invoice</x:Type><x:Line>1</x:Line></x:Document>`],
  ['a default namespace', `<Document xmlns="${DOC}"><Type>invoice</Type><Line>1</Line></Document>`],
];

describe('route namespaces while reading', () => {
  it.each(senders)('reads %s under the route`s prefixes, declarations renamed where they stand', (_how, xml) => {
    expect(codec.parse(xml)).toEqual({ 'doc:Document': { '@xmlns:doc': DOC, 'doc:Type': 'invoice', 'doc:Line': ['1'] } });
  });

  it.each(senders)('writes %s back out as a namespace-correct document that reads the same', (_how, xml) => {
    const doc = codec.parse(xml);
    const written = codec.build(doc);
    expect(written).toBe(`<doc:Document xmlns:doc="${DOC}"><doc:Type>invoice</doc:Type><doc:Line>1</doc:Line></doc:Document>`);
    expect(codec.parse(written)).toEqual(doc);
  });

  it('renames attributes in a declared namespace and leaves unprefixed and xml: attributes alone', () => {
    const doc = codec.parse(`<x:Document xmlns:x="${DOC}" xmlns:k="${CMN}" x:version="2" k:ref="r" id="7" xml:lang="en"/>`);
    expect(doc).toEqual({ 'doc:Document': { '@xmlns:doc': DOC, '@xmlns:c': CMN, '@doc:version': '2', '@c:ref': 'r', '@id': '7', '@xml:lang': 'en' } });
  });

  it('keeps the sender`s prefix, or its default namespace, for namespaces the route does not declare', () => {
    const doc = codec.parse(`<x:Document xmlns:x="${DOC}" xmlns:o="urn:other"><o:Meta o:k="v">m</o:Meta><Free xmlns="urn:free"><In>1</In></Free></x:Document>`);
    expect(doc).toEqual({
      'doc:Document': {
        '@xmlns:doc': DOC,
        '@xmlns:o': 'urn:other',
        'o:Meta': { '@o:k': 'v', '#text': 'm' },
        Free: { '@xmlns': 'urn:free', In: '1' },
      },
    });
  });

  it('gives a sender`s use of a route prefix for another namespace a prefix of its own', () => {
    const xml = `<doc:Document xmlns:doc="urn:not-ours" xmlns:d="${DOC}"><d:Id>1</d:Id><doc:Id>2</doc:Id></doc:Document>`;
    const doc = codec.parse(xml);
    expect(doc).toEqual({ 'ns1:Document': { '@xmlns:ns1': 'urn:not-ours', '@xmlns:doc': DOC, 'doc:Id': '1', 'ns1:Id': '2' } });
    expect(plainCodec.parse(codec.build(doc))).toEqual(doc);
  });

  it('follows nested redeclarations: a prefix rebound below, a default namespace changed and undeclared', () => {
    const xml =
      `<a:Document xmlns:a="${DOC}"><a:Part xmlns:a="${CMN}"><a:Ref>r</a:Ref></a:Part>` +
      `<Inner xmlns="${CMN}"><Code>c</Code><Bare xmlns=""><Leaf>l</Leaf></Bare></Inner><a:Type>t</a:Type></a:Document>`;
    const doc = codec.parse(xml);
    expect(doc).toEqual({
      'doc:Document': {
        '@xmlns:doc': DOC,
        'c:Part': { '@xmlns:c': CMN, 'c:Ref': 'r' },
        'c:Inner': { '@xmlns:c': CMN, 'c:Code': 'c', Bare: { '@xmlns': '', Leaf: 'l' } },
        'doc:Type': 't',
      },
    });
    // Written out and read without the route's namespaces, every element keeps its namespace.
    expect(plainCodec.parse(codec.build(doc))).toEqual(doc);
  });

  it('declares a namespace once where the sender bound it twice on one element', () => {
    expect(codec.parse(`<Document xmlns="${DOC}" xmlns:x="${DOC}"><x:Type>t</x:Type></Document>`)).toEqual({
      'doc:Document': { '@xmlns:doc': DOC, 'doc:Type': 't' },
    });
  });

  it('applies the route`s names in #mixed content and arrays paths', () => {
    const doc = codec.parse(`<Document xmlns="${DOC}"><Line>1</Line><Type>t</Type><Line>2</Line></Document>`);
    expect(doc).toEqual({ 'doc:Document': { '@xmlns:doc': DOC, '#mixed': [{ 'doc:Line': '1' }, { 'doc:Type': 't' }, { 'doc:Line': '2' }] } });
    // Two prefixes for one namespace are one name: repeats, not interleaving.
    expect(codec.parse(`<a:Document xmlns:a="${DOC}" xmlns:b="${DOC}"><a:Line>1</a:Line><b:Line>2</b:Line></a:Document>`)).toEqual({
      'doc:Document': { '@xmlns:doc': DOC, 'doc:Line': ['1', '2'] },
    });
  });

  it('refuses a prefix used without a declaration, as malformed', () => {
    expect(() => codec.parse('<x:Document><x:Type/></x:Document>')).toThrow(InputError);
    expect(() => codec.parse('<x:Document><x:Type/></x:Document>')).toThrow(/namespace prefix 'x' is not declared/);
  });

  it('reads a large document on a worker the same way (the namespaces travel with the task)', async () => {
    const workers = createXmlWorkers({ size: 1, threshold: 1024, backlog: 4, heapMb: 256 });
    try {
      const onWorker = createXmlCodec({ namespaces: { doc: DOC } }, workers);
      const xml = Buffer.from(`<x:Document xmlns:x="${DOC}">${'<x:Line>1</x:Line>'.repeat(200)}</x:Document>`);
      expect(workers.takes(xml.length)).toBe(true);
      const value = (await onWorker.parseAsync(xml)) as Record<string, Record<string, unknown[]>>;
      expect(value['doc:Document']['doc:Line']).toHaveLength(200);
      expect(value).toEqual(onWorker.parse(xml));
    } finally {
      await workers.close();
    }
  });

  it('leaves documents alone without route namespaces', () => {
    expect(plainCodec.parse(senders[1][1])).toEqual({ 'x:Document': { '@xmlns:x': DOC, 'x:Type': 'invoice', 'x:Line': '1' } });
  });

  it.each([
    [{ 'a:b': DOC }, /not an XML name/],
    [{ xml: DOC }, /reserved/],
    [{ d: '' }, /needs a namespace URI/],
    [{ a: DOC, b: DOC }, /has two prefixes/],
  ])('refuses the declarations %j as a ConfigError', (declared, message) => {
    expect(() => compileNamespaces(declared)).toThrow(ConfigError);
    expect(() => compileNamespaces(declared)).toThrow(message);
  });

  it('counts', () => {
    const documents = senders.length;
    const same = new Set(senders.map(([, xml]) => JSON.stringify(codec.parse(xml)))).size;
    console.log(`route namespaces: ${documents} sender spellings read as ${same} tree`);
    expect(same).toBe(1);
  });
});
