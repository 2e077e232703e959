import { InputError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import {
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  buildEnvelope,
  parseEnvelope,
  soapRequestHeaders,
  unquoteSoapAction,
  versionFromContentType,
} from './soap-envelope';

const codec = createXmlCodec();
const TYPES = 'http://example.com/orders/types';

function refusal(input: string, c = codec): InputError {
  try {
    parseEnvelope(input, c);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected the envelope to be refused');
}

describe('versionFromContentType', () => {
  it.each([
    ['text/xml', undefined, { version: '1.1' }],
    ['text/xml; charset=utf-8', '"http://example.com/orders/PlaceOrder"', { version: '1.1', action: 'http://example.com/orders/PlaceOrder' }],
    ['Text/XML;charset=UTF-8', 'urn:unquoted', { version: '1.1', action: 'urn:unquoted' }],
    ['text/xml', '""', { version: '1.1' }],
    ['application/soap+xml; charset=utf-8; action="urn:orders:PlaceOrder12"', undefined, { version: '1.2', action: 'urn:orders:PlaceOrder12' }],
    ['application/soap+xml;action=urn:bare;charset=utf-8', undefined, { version: '1.2', action: 'urn:bare' }],
    ['application/soap+xml; ACTION="urn:a\\"b"', undefined, { version: '1.2', action: 'urn:a"b' }],
    ['application/soap+xml', '"ignored for 1.2"', { version: '1.2' }],
  ])('%s with SOAPAction %s', (contentType, soapAction, expected) => {
    expect(versionFromContentType(contentType, soapAction)).toEqual(expected);
  });

  it.each([undefined, '', 'application/xml', 'application/json', 'text/plain'])('does not take %s', (contentType) => {
    expect(versionFromContentType(contentType)).toBeUndefined();
  });

  it('unquotes SOAPAction headers', () => {
    expect(unquoteSoapAction(' "urn:x" ')).toBe('urn:x');
    expect(unquoteSoapAction('urn:x')).toBe('urn:x');
    expect(unquoteSoapAction('""')).toBeUndefined();
    expect(unquoteSoapAction(undefined)).toBeUndefined();
  });

  it('gives delivery headers that read back as the same version and action', () => {
    const h11 = soapRequestHeaders('1.1', 'urn:a');
    expect(versionFromContentType(h11['content-type'], h11.soapaction)).toEqual({ version: '1.1', action: 'urn:a' });
    const h12 = soapRequestHeaders('1.2', 'urn:b"c');
    expect(h12.soapaction).toBeUndefined();
    expect(versionFromContentType(h12['content-type'])).toEqual({ version: '1.2', action: 'urn:b"c' });
  });
});

describe('parseEnvelope', () => {
  const request11 = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="${SOAP11_ENVELOPE_NS}" xmlns:t="${TYPES}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Header>
    <h:Tenant xmlns:h="urn:tenant" soapenv:mustUnderstand="1">acme</h:Tenant>
    <t:Trace id="7"><t:Hop>a</t:Hop></t:Trace>
  </soapenv:Header>
  <soapenv:Body xmlns:extra="urn:extra">
    <t:PlaceOrder>
      <t:Order xsi:type="t:Order">
        <t:OrderId>O-1</t:OrderId>
        <t:Line><t:Sku>A-1</t:Sku></t:Line>
        <t:Line><t:Sku>B-2</t:Sku></t:Line>
      </t:Order>
    </t:PlaceOrder>
  </soapenv:Body>
</soapenv:Envelope>`;

  it('reads a SOAP 1.1 envelope: version, header blocks and a payload that parses on its own', () => {
    const env = parseEnvelope(Buffer.from(request11), codec);
    expect(env.version).toBe('1.1');
    expect(env.headers).toEqual([
      {
        ns: 'urn:tenant',
        localName: 'Tenant',
        qname: 'h:Tenant',
        mustUnderstand: true,
        text: 'acme',
        value: expect.objectContaining({ '@xmlns:h': 'urn:tenant', '@xmlns:soapenv': SOAP11_ENVELOPE_NS, '#text': 'acme' }),
      },
      {
        ns: TYPES,
        localName: 'Trace',
        qname: 't:Trace',
        mustUnderstand: false,
        value: expect.objectContaining({ '@xmlns:t': TYPES, '@id': '7', 't:Hop': 'a' }),
      },
    ]);
    expect(env.payload).toMatchObject({ ns: TYPES, localName: 'PlaceOrder' });
    // Declarations inherited from the Envelope and the Body travel with the payload.
    const alone = codec.parse(env.payload!.xml) as Record<string, Record<string, unknown>>;
    const root = alone['t:PlaceOrder'];
    expect(root['@xmlns:t']).toBe(TYPES);
    expect(root['@xmlns:xsi']).toBe('http://www.w3.org/2001/XMLSchema-instance');
    expect(root['@xmlns:extra']).toBe('urn:extra');
    expect(root['t:Order']).toMatchObject({ '@xsi:type': 't:Order', 't:OrderId': 'O-1', 't:Line': [{ 't:Sku': 'A-1' }, { 't:Sku': 'B-2' }] });
  });

  it('reads a SOAP 1.2 envelope with a default-namespace payload and no Header', () => {
    const xml = `<env:Envelope xmlns:env="${SOAP12_ENVELOPE_NS}"><env:Body><GetOrder xmlns="${TYPES}"><OrderId>O-9</OrderId></GetOrder></env:Body></env:Envelope>`;
    const env = parseEnvelope(xml, codec);
    expect(env.version).toBe('1.2');
    expect(env.headers).toEqual([]);
    expect(env.payload).toMatchObject({ ns: TYPES, localName: 'GetOrder' });
    // Every declaration in scope comes along, the Envelope's included (unused ones are harmless).
    expect(codec.parse(env.payload!.xml)).toEqual({ GetOrder: { '@xmlns:env': SOAP12_ENVELOPE_NS, '@xmlns': TYPES, OrderId: 'O-9' } });
  });

  it('resolves names by namespace, not by prefix', () => {
    const xml = `<Envelope xmlns="${SOAP12_ENVELOPE_NS}"><Header><x:Id xmlns:x="urn:id" mustUnderstand="true">1</x:Id></Header><Body><p:Ping xmlns:p="urn:ping"/></Body></Envelope>`;
    const env = parseEnvelope(xml, codec);
    expect(env.version).toBe('1.2');
    // An unprefixed attribute is in no namespace, so this is not the SOAP mustUnderstand.
    expect(env.headers[0]).toMatchObject({ ns: 'urn:id', localName: 'Id', mustUnderstand: false, text: '1' });
    expect(env.payload).toMatchObject({ ns: 'urn:ping', localName: 'Ping' });
    // The payload does not take the Envelope's default namespace with it: its own prefix is all it needs.
    expect(codec.parse(env.payload!.xml)).toEqual({ 'p:Ping': { '@xmlns': SOAP12_ENVELOPE_NS, '@xmlns:p': 'urn:ping' } });
  });

  it('gives no payload for an empty Body', () => {
    expect(parseEnvelope(`<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body/></s:Envelope>`, codec)).toEqual({ version: '1.1', headers: [] });
  });

  it.each([
    ['a plain document', '<Order><Id>1</Id></Order>', 'SOAP_NOT_ENVELOPE'],
    ['an Envelope of an unknown namespace', '<e:Envelope xmlns:e="urn:not-soap"><e:Body/></e:Envelope>', 'SOAP_VERSION_UNKNOWN'],
    ['an Envelope in no namespace', '<Envelope><Body/></Envelope>', 'SOAP_VERSION_UNKNOWN'],
    ['an Envelope without Body', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Header/></s:Envelope>`, 'SOAP_NO_BODY'],
    ['a Body of the other version', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}" xmlns:e="${SOAP12_ENVELOPE_NS}"><e:Body/></s:Envelope>`, 'SOAP_BAD_ENVELOPE'],
    ['two Bodies', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body/><s:Body/></s:Envelope>`, 'SOAP_BAD_ENVELOPE'],
    ['a Header after the Body', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body/><s:Header/></s:Envelope>`, 'SOAP_BAD_ENVELOPE'],
    ['text in the Envelope', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}">hi<s:Body/></s:Envelope>`, 'SOAP_BAD_ENVELOPE'],
    ['two elements in the Body', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><a/><b/></s:Body></s:Envelope>`, 'SOAP_BAD_BODY'],
    ['text in the Body', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body>text</s:Body></s:Envelope>`, 'SOAP_BAD_BODY'],
    ['an undeclared prefix', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><q:Op/></s:Body></s:Envelope>`, 'XML_MALFORMED'],
    ['malformed XML', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body>`, 'XML_MALFORMED'],
  ])('refuses %s', (_, xml, code) => {
    const err = refusal(xml);
    expect(err.code).toBe(code);
    expect(err.status).toBe(400);
  });

  it('refuses a DOCTYPE through the hardened codec, before any entity is expanded', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><a>&x;</a></s:Body></s:Envelope>`;
    expect(refusal(xxe).code).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it("applies the codec's depth and attribute limits", () => {
    const strict = createXmlCodec({ limits: { maxDepth: 4, maxAttributes: 2 } });
    const deep = `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><a><b><c>x</c></b></a></s:Body></s:Envelope>`;
    expect(refusal(deep, strict)).toMatchObject({ code: 'XML_LIMIT' });
    const wide = `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><a x="1" y="2" z="3"/></s:Body></s:Envelope>`;
    expect(refusal(wide, strict)).toMatchObject({ code: 'XML_LIMIT' });
  });
});

describe('buildEnvelope', () => {
  it.each(['1.1', '1.2'] as const)('writes a SOAP %s envelope that parses back to its payload and headers', (version) => {
    const payload = `<?xml version="1.0"?>\n<t:PlaceOrderResponse xmlns:t="${TYPES}"><t:OrderId>O-1</t:OrderId></t:PlaceOrderResponse>`;
    const xml = buildEnvelope(version, payload, ['<h:Tenant xmlns:h="urn:tenant">acme</h:Tenant>']);
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const env = parseEnvelope(xml, codec);
    expect(env.version).toBe(version);
    expect(env.headers).toMatchObject([{ ns: 'urn:tenant', localName: 'Tenant', text: 'acme' }]);
    expect(env.payload).toMatchObject({ ns: TYPES, localName: 'PlaceOrderResponse' });
    expect(codec.parse(env.payload!.xml)).toMatchObject({ 't:PlaceOrderResponse': { 't:OrderId': 'O-1' } });
  });

  it('writes an empty Body for an empty payload and leaves out an empty Header', () => {
    const xml = buildEnvelope('1.2', '');
    expect(xml).not.toContain('Header');
    expect(parseEnvelope(xml, codec)).toEqual({ version: '1.2', headers: [] });
  });
});
