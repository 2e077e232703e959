import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@junction/core';
import { createXmlCodec, xsdCounts } from '@junction/transform';
import { loadWsdlSchemas } from './wsdl-schemas';

const FIXTURES = join(__dirname, '../../../../test/fixtures/xsd-validation');
const codec = createXmlCodec();

const ORDER = (status: string, extra = '') =>
  `<ord:Order xmlns:ord="urn:example:orders" xmlns:cus="urn:example:customer" id="A-1">
  <cus:Customer><Name>Ada</Name></cus:Customer>
  <ord:Status>${status}</ord:Status>
  <ord:Lines><ord:Line no="1"><ord:Sku>S</ord:Sku><ord:Qty>1</ord:Qty></ord:Line></ord:Lines>
  <ord:Invoice>I</ord:Invoice>${extra}
</ord:Order>`;

const envelope11 = (payload: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Header><x:Trace xmlns:x="urn:anything" soap:mustUnderstand="0">t</x:Trace></soap:Header>
<soap:Body>
${payload}
</soap:Body>
</soap:Envelope>`;

describe('loadWsdlSchemas: a WSDL\'s own schemas (wsdl:types, its imports, two namespaces)', () => {
  const schemas = loadWsdlSchemas(join(FIXTURES, 'service.wsdl'), codec);
  const before = { ...xsdCounts };
  afterAll(() => console.log(`WSDL schemas: ${xsdCounts.documents - before.documents} documents validated, ${xsdCounts.violations - before.violations} violations found`));

  it.each([
    ['the request element, from the imported XSD', ORDER('new'), []],
    ['the response element, from wsdl:types (its QName types use prefixes declared on wsdl:definitions)', '<svc:PlaceOrderResponse xmlns:svc="urn:example:order-service"><svc:OrderId>1</svc:OrderId><svc:Status>paid</svc:Status></svc:PlaceOrderResponse>', []],
    ['a response whose status is outside the enumeration', '<svc:PlaceOrderResponse xmlns:svc="urn:example:order-service"><svc:OrderId>1</svc:OrderId>\n<svc:Status>lost</svc:Status></svc:PlaceOrderResponse>', [[2, "The value 'lost'"]]],
    ['a response whose id is missing', '<svc:PlaceOrderResponse xmlns:svc="urn:example:order-service">\n<svc:Status>new</svc:Status></svc:PlaceOrderResponse>', [[2, "Status': This element is not expected. Expected is ( {urn:example:order-service}OrderId )"]]],
    ['a request with a bad status and an undeclared element', ORDER('lost', '\n  <ord:Gift/>'), [[3, "The value 'lost'"], [6, "Gift': This element is not expected"]]],
  ] as Array<[string, string, Array<[number, string]>]>)('payload: %s', async (_name, xml, expected) => {
    const violations = await schemas.payload.validate(xml);
    expect(violations.map((v) => [v.line, v.message])).toEqual(expected.map(([line, text]) => [line, expect.stringContaining(text)]));
  });

  it('a whole envelope: header blocks are not checked, the Body\'s element is, with the lines of the envelope', async () => {
    expect(await schemas.envelope('1.1').validate(envelope11(ORDER('new')))).toEqual([]);
    const violations = await schemas.envelope('1.1').validate(envelope11(ORDER('lost', '\n  <ord:Gift/>')));
    expect(violations.map((v) => v.line)).toEqual([7, 10]);
    const unknown = await schemas.envelope('1.1').validate(envelope11('<x:Nope xmlns:x="urn:nope"/>'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0].line).toBe(5);
  });

  it('a SOAP 1.2 envelope against the 1.2 schema', async () => {
    const env = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>\n${ORDER('shipped')}</env:Body></env:Envelope>`;
    expect(await schemas.envelope('1.2').validate(env)).toEqual([]);
    expect((await schemas.envelope('1.1').validate(env)).length).toBeGreaterThan(0);
  });

  it('follows wsdl:import and several schemas of one namespace; refuses http and outside locations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsdl-schemas-'));
    mkdirSync(join(dir, 'parts'));
    copyFileSync(join(FIXTURES, 'orders.xsd'), join(dir, 'parts/orders.xsd'));
    mkdirSync(join(dir, 'parts/common'));
    copyFileSync(join(FIXTURES, 'common/customer.xsd'), join(dir, 'parts/common/customer.xsd'));
    const defs = (body: string) =>
      `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">${body}</wsdl:definitions>`;
    writeFileSync(
      join(dir, 'parts/types.wsdl'),
      defs(
        '<wsdl:types><xs:schema targetNamespace="urn:t" elementFormDefault="qualified"><xs:import namespace="urn:example:orders" schemaLocation="orders.xsd"/><xs:element name="A" type="xs:int"/></xs:schema>' +
          '<xs:schema targetNamespace="urn:t" elementFormDefault="qualified"><xs:element name="B" type="xs:boolean"/></xs:schema></wsdl:types>',
      ),
    );
    // A wsdl:import may also name an XML Schema file directly.
    writeFileSync(join(dir, 'parts/c.xsd'), '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:c"><xs:element name="C" type="xs:date"/></xs:schema>');
    writeFileSync(join(dir, 'main.wsdl'), defs('<wsdl:import namespace="urn:t" location="parts/types.wsdl"/><wsdl:import namespace="urn:c" location="parts/c.xsd"/>'));
    const s = loadWsdlSchemas(join(dir, 'main.wsdl'), codec);
    expect(await s.payload.validate('<A xmlns="urn:t">1</A>')).toEqual([]);
    expect(await s.payload.validate('<B xmlns="urn:t">true</B>')).toEqual([]);
    expect(await s.payload.validate('<B xmlns="urn:t">maybe</B>')).toHaveLength(1);
    expect(await s.payload.validate(ORDER('paid'))).toEqual([]);
    expect(await s.payload.validate('<C xmlns="urn:c">2026-12-07</C>')).toEqual([]);
    expect(await s.payload.validate('<C xmlns="urn:c">yesterday</C>')).toEqual([{ line: 1, message: expect.stringContaining("'yesterday' is not a valid value of the atomic type 'xs:date'") }]);

    // Two embedded schemas, the first importing the second's namespace without a location (as WSDLs commonly do).
    writeFileSync(
      join(dir, 'pair.wsdl'),
      defs(
        '<wsdl:types><xs:schema targetNamespace="urn:a" xmlns:b="urn:b" elementFormDefault="qualified"><xs:import namespace="urn:b"/><xs:element name="A" type="b:T"/></xs:schema>' +
          '<xs:schema targetNamespace="urn:b"><xs:simpleType name="T"><xs:restriction base="xs:string"><xs:enumeration value="x"/></xs:restriction></xs:simpleType></xs:schema></wsdl:types>',
      ),
    );
    const pair = loadWsdlSchemas(join(dir, 'pair.wsdl'), codec);
    expect(await pair.payload.validate('<A xmlns="urn:a">x</A>')).toEqual([]);
    expect(await pair.payload.validate('<A xmlns="urn:a">y</A>')).toEqual([{ line: 1, message: expect.stringContaining("[facet 'enumeration'] The value 'y'") }]);

    writeFileSync(join(dir, 'remote.wsdl'), defs('<wsdl:types><xs:schema><xs:import namespace="urn:r" schemaLocation="http://example.com/r.xsd"/></xs:schema></wsdl:types>'));
    expect(() => loadWsdlSchemas(join(dir, 'remote.wsdl'), codec)).toThrow(/not a local file/);
    writeFileSync(join(dir, 'parts/up.wsdl'), defs('<wsdl:import namespace="urn:u" location="../main.wsdl"/>'));
    expect(() => loadWsdlSchemas(join(dir, 'parts/up.wsdl'), codec)).toThrow(ConfigError);
  });
});
