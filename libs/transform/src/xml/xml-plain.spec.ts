import { isDeepStrictEqual } from 'node:util';
import { InputError } from '@junction/core';
import { BytesBody } from '../body/bytes.body';
import { convertBody } from '../body/body-factory';
import { createXmlCodec } from './xml-codec';

const DOC = 'urn:acme:doc';
const codec = createXmlCodec({ namespaces: { doc: DOC }, arrays: ['doc:Document.doc:Line', 'doc:Document.doc:Note.doc:Ref'] });

/** XML as a sender writes it -> the plain JSON a `format: json` target receives. */
const table: Array<[string, string, unknown]> = [
  ['no declaration, no namespace declarations, no route prefixes', `<?xml version="1.0" encoding="UTF-8"?><x:Document xmlns:x="${DOC}"><x:Type>invoice</x:Type></x:Document>`, { Document: { Type: 'invoice' } }],
  ['a default namespace the same way', `<Document xmlns="${DOC}"><Type>invoice</Type></Document>`, { Document: { Type: 'invoice' } }],
  ['text-only elements as values, values as strings', `<doc:Document xmlns:doc="${DOC}"><doc:Qty>007</doc:Qty><doc:Empty/></doc:Document>`, { Document: { Qty: '007', Empty: '' } }],
  ['attributes as @ keys, text beside them as #text', `<doc:Document xmlns:doc="${DOC}" doc:version="2" id="7"><doc:Total currency="EUR">9.50</doc:Total></doc:Document>`, { Document: { '@version': '2', '@id': '7', Total: { '@currency': 'EUR', '#text': '9.50' } } }],
  ['repeated elements as arrays, arrays paths also of one', `<doc:Document xmlns:doc="${DOC}"><doc:Line>1</doc:Line><doc:Item>a</doc:Item><doc:Item>b</doc:Item></doc:Document>`, { Document: { Line: ['1'], Item: ['a', 'b'] } }],
  ['undeclared namespaces keep their prefix', `<doc:Document xmlns:doc="${DOC}" xmlns:o="urn:other"><o:Meta o:k="v">m</o:Meta></doc:Document>`, { Document: { 'o:Meta': { '@o:k': 'v', '#text': 'm' } } }],
  ['CDATA as text', `<doc:Document xmlns:doc="${DOC}"><doc:Body><![CDATA[<b>raw</b>]]></doc:Body></doc:Document>`, { Document: { Body: '<b>raw</b>' } }],
  ['interleaved elements grouped by name, arrays paths kept', `<doc:Document xmlns:doc="${DOC}"><doc:Note><doc:Ref>1</doc:Ref><doc:X/><doc:Ref>2</doc:Ref></doc:Note><doc:Note><doc:X/><doc:Ref>3</doc:Ref><doc:Y/><doc:X/></doc:Note></doc:Document>`, { Document: { Note: [{ Ref: ['1', '2'], X: '' }, { X: ['', ''], Ref: ['3'], Y: '' }] } }],
  ['mixed content: text joined under #text', `<doc:Document xmlns:doc="${DOC}"><doc:P>Hello <doc:b>you</doc:b> there</doc:P></doc:Document>`, { Document: { P: { '#text': 'Hello  there', b: 'you' } } }],
  ['names that meet once prefixes go become one array', `<Document xmlns="${DOC}"><Id>1</Id><Id xmlns="">2</Id></Document>`, { Document: { Id: ['1', '2'] } }],
];

describe('plain JSON for format: json targets', () => {
  it.each(table)('%s', (_what, xml, plain) => {
    const body = convertBody(new BytesBody(Buffer.from(xml), 'application/xml', codec), 'json', codec, undefined, 'plain');
    expect(JSON.parse(body.bytes().toString('utf8'))).toEqual(plain);
  });

  it('style lossless sends the convention unchanged, as expressions see it', () => {
    const [, xml] = table[3];
    const source = new BytesBody(Buffer.from(xml), 'application/xml', codec);
    const body = convertBody(source, 'json', codec, undefined, 'lossless');
    expect(JSON.parse(body.bytes().toString('utf8'))).toEqual(source.value());
    expect(source.value()).toEqual({
      'doc:Document': { '@xmlns:doc': DOC, '@doc:version': '2', '@id': '7', 'doc:Total': { '@currency': 'EUR', '#text': '9.50' } },
    });
  });

  it('the convert step keeps the lossless convention (its default style)', () => {
    const [, xml] = table[0];
    const source = new BytesBody(Buffer.from(xml), 'application/xml', codec);
    expect(convertBody(source, 'json', codec).value()).toEqual(source.value());
  });

  it('without route namespaces only the declarations go; prefixes stay', () => {
    const bare = createXmlCodec();
    const value = bare.parse(`<?xml version="1.0"?><x:Document xmlns:x="${DOC}"><x:Type>t</x:Type></x:Document>`);
    expect(bare.toJson(value, 'plain')).toEqual({ 'x:Document': { 'x:Type': 't' } });
  });

  it('does not change the document it converts', () => {
    const value = codec.parse(table[4][1]);
    const before = JSON.stringify(value);
    codec.toJson(value, 'plain');
    expect(JSON.stringify(value)).toBe(before);
  });

  it('a malformed body still fails at the conversion', () => {
    expect(() => convertBody(new BytesBody(Buffer.from('<a><b></a>'), 'application/xml', codec), 'json', codec, undefined, 'plain')).toThrow(InputError);
  });

  it('counts', () => {
    const converted = table.filter(([, xml, plain]) => isDeepStrictEqual(codec.toJson(codec.parse(xml), 'plain'), plain)).length;
    console.log(`plain JSON: ${converted} of ${table.length} XML -> JSON pairs as expected`);
    expect(converted).toBe(table.length);
  });
});
