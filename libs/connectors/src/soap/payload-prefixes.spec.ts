import { InputError } from '@junction/core';
import { createXmlCodec, type XmlCodec } from '@junction/transform';
import { canonicalBody, canonicalPayload } from './payload-prefixes';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, parseEnvelope, readEnvelope } from './soap-envelope';

const codec = createXmlCodec();
const TYPES = 'http://example.com/orders/types';
const COMMON = 'http://example.com/common';
const declared = new Map([
  [TYPES, 'tns'],
  [COMMON, 'cmn'],
]);

const soap11 = (body: string, decls = '') => `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"${decls}><s:Body>${body}</s:Body></s:Envelope>`;

const envelopes: Array<[string, string]> = [
  ['a prefixed payload', soap11(`<p:PlaceOrder xmlns:p="${TYPES}"><p:Order id="7"><p:Id>1</p:Id><p:Qty>2</p:Qty></p:Order></p:PlaceOrder>`)],
  ['declarations on the Envelope', soap11(`<t:PlaceOrder><t:Order><c:Ref>r</c:Ref></t:Order></t:PlaceOrder>`, ` xmlns:t="${TYPES}" xmlns:c="${COMMON}"`)],
  ['a default namespace from outside', `<Envelope xmlns="${SOAP11_ENVELOPE_NS}"><Body><PlaceOrder xmlns="${TYPES}"><Order/></PlaceOrder></Body></Envelope>`],
  [
    'unqualified children',
    soap11(`<p:PlaceOrder xmlns:p="${TYPES}"><Order><Id>1</Id><Empty/><q:In xmlns:q="${TYPES}">x</q:In><q:Gone xmlns:q="${TYPES}"/></Order></p:PlaceOrder>`),
  ],
  [
    'other namespaces, attributes and QName values',
    soap11(
      `<p:PlaceOrder xmlns:p="${TYPES}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><z:Meta xmlns:z="urn:other" z:kind="k" p:at="a" xsi:type="p:T">m</z:Meta><c:Ref xmlns:c="${COMMON}" xml:lang="en">r</c:Ref></p:PlaceOrder>`,
    ),
  ],
  ['names interleaved only as written', soap11(`<p:R xmlns:p="${TYPES}"><x xmlns="urn:u1">1</x><p:y/><x xmlns="urn:u2">2</x></p:R>`)],
  ['two prefixes for one namespace', soap11(`<p:R xmlns:p="${TYPES}" xmlns:q="${TYPES}"><p:x>1</p:x><q:x>2</q:x><p:y>3</p:y><q:y>4</q:y><p:y>5</p:y></p:R>`)],
  ['repeated elements', soap11(`<p:R xmlns:p="${TYPES}"><p:Line>1</p:Line><p:Line>2</p:Line><p:One>1</p:One><p:Wrap><p:Line>3</p:Line></p:Wrap></p:R>`)],
  [
    'mixed content, CDATA, comments and entities',
    soap11(`<p:R xmlns:p="${TYPES}"><p:Note>Hi <p:b>you</p:b> &amp; <![CDATA[<raw>]]>!</p:Note><!-- c --><p:T>a&lt;b&#233;&#13;</p:T><p:C><![CDATA[x]]></p:C></p:R>`),
  ],
  ['text only', soap11(`<p:Ping xmlns:p="${TYPES}">hello</p:Ping>`)],
  ['empty with attributes', soap11(`<p:Ping xmlns:p="${TYPES}" n="1"/>`)],
  ['no namespace', soap11(`<Ping><Id>1</Id></Ping>`)],
  ['SOAP 1.2', `<env:Envelope xmlns:env="${SOAP12_ENVELOPE_NS}"><env:Header/><env:Body><m:Get xmlns:m="${TYPES}"><m:Id>9</m:Id></m:Get></env:Body></env:Envelope>`],
];

/** What the ingress did before: the payload written out, read back, made canonical and written again. */
function beforeXml(envelope: string, c: XmlCodec): string {
  return canonicalPayload(parseEnvelope(envelope, c).payload!.xml, c, declared);
}

describe('canonicalBody', () => {
  it.each(envelopes)('writes what canonicalPayload writes: %s', (_what, envelope) => {
    expect(canonicalBody(readEnvelope(envelope, codec).body!, codec, declared).xml).toBe(beforeXml(envelope, codec));
  });

  it.each(envelopes)('gives a document that rereads as parse reads its XML: %s', (_what, envelope) => {
    const { doc, xml } = canonicalBody(readEnvelope(envelope, codec).body!, codec, declared);
    const route = createXmlCodec({ arrays: ['R.Line', 'R.One', 'R.Wrap.Line', 'PlaceOrder.Order'] });
    for (const c of [codec, route]) {
      const reread = c.reread(doc, Buffer.from(xml));
      expect(reread).toBeDefined();
      expect(JSON.stringify(reread)).toBe(JSON.stringify(c.parse(xml)));
    }
  });

  it('makes prefixes canonical', () => {
    const { doc } = canonicalBody(readEnvelope(envelopes[1][1], codec).body!, codec, declared);
    expect(doc).toEqual({ PlaceOrder: { '@xmlns': TYPES, '@xmlns:cmn': COMMON, Order: { 'cmn:Ref': 'r' } } });
  });

  it('refuses as before a payload whose declarations in scope pass the attribute limit', () => {
    const few = createXmlCodec({ limits: { maxAttributes: 3 } });
    const envelope = soap11(`<p:R a="1" b="2"/>`, ` xmlns:p="${TYPES}" xmlns:c="${COMMON}"`);
    const before = refusal(() => beforeXml(envelope, few));
    expect(before.code).toBe('XML_LIMIT');
    expect(refusal(() => canonicalBody(readEnvelope(envelope, few).body!, few, declared))).toMatchObject({ code: before.code, message: before.message });
  });

  it('refuses as before an undeclared prefix inside the payload', () => {
    const envelope = soap11(`<p:R xmlns:p="${TYPES}"><p:x><u:y/></p:x></p:R>`);
    const before = refusal(() => beforeXml(envelope, codec));
    expect(before.code).toBe('XML_MALFORMED');
    expect(refusal(() => canonicalBody(readEnvelope(envelope, codec).body!, codec, declared))).toMatchObject({ code: before.code, message: before.message });
  });
});

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
