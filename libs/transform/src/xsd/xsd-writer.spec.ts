import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@junction/core';
import { schemaErrors, validated } from '../../../../test/support/xsd-validate';
import { defaultXmlCodec } from '../xml/xml-codec';
import { fileXsdLoader, loadXsdFile } from './xsd-files';
import { readXsdModel } from './xsd-reader';
import { parseClark } from './xsd-model';
import { writeXsdElement, writeXsdWrapper, XsdWriteError } from './xsd-writer';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/schema-writer');
const ORDERS = '{urn:example:orders}';

/** A full order, every key in an order other than the schema's (and attributes last). */
function order(): Record<string, unknown> {
  return {
    Status: 'PAID',
    Note: 'leave at the door',
    Paid: true,
    Total: { '#text': 36.5, '@currency': 'EUR' },
    Lines: {
      Line: [
        { Price: { '@currency': 'EUR', '#text': '12.50' }, Quantity: 2, Sku: 'A-1', '@lineNo': 1 },
        { Quantity: 1, Sku: 'B-2', Price: { '#text': 11.5, '@currency': 'EUR' }, '@lineNo': '2' },
      ],
    },
    Customer: {
      Address: { Country: 'DE', City: 'Berlin', Street: 'Unter den Linden 1', '@kind': 'billing' },
      Contact: { Phone: '+49 30 1234', '@preferred': false },
      Email: 'ada@example.com',
      Name: 'Ada',
      '@vip': true,
    },
    Placed: '2024-05-01T10:00:00Z',
    OrderId: 42,
    '@id': 'ord-42',
    '@channel': 'web',
  };
}

interface Case {
  readonly name: string;
  readonly element: string;
  readonly value: unknown;
  /** Substrings the XML must hold, in this order. */
  readonly holds?: readonly string[];
}

const VALID: Case[] = [
  {
    name: 'a full order in JSON key order: schema order at every depth, attributes, two namespaces',
    element: `${ORDERS}Order`,
    value: order(),
    holds: [
      '<o:Order xmlns:o="urn:example:orders" id="ord-42" o:channel="web">',
      '<o:OrderId>42</o:OrderId><o:Placed>2024-05-01T10:00:00Z</o:Placed>',
      '<o:Customer vip="true"><o:Name>Ada</o:Name><o:Email>ada@example.com</o:Email><o:Contact preferred="false"><o:Phone>',
      '<o:Address kind="billing"><Street>Unter den Linden 1</Street><City>Berlin</City><Country>DE</Country></o:Address>',
      '<o:Line lineNo="1"><o:Sku>A-1</o:Sku><o:Quantity>2</o:Quantity><o:Price currency="EUR">12.50</o:Price></o:Line>',
      '<o:Total currency="EUR">36.5</o:Total><o:Paid>true</o:Paid><o:Note>leave at the door</o:Note><o:Status>PAID</o:Status>',
    ],
  },
  {
    name: 'optional parts left out, the other choice branch, one line not in an array, null on a nillable element',
    element: `${ORDERS}Order`,
    value: (() => {
      const o = order();
      const customer = o.Customer as Record<string, unknown>;
      delete customer.Email;
      delete customer['@vip'];
      customer.Contact = { Fax: '+49 30 9999' };
      o.Lines = { Line: { Sku: 'C-3', Quantity: 3, Price: { '@currency': 'EUR', '#text': 0.5 }, '@lineNo': 1 } };
      o.Note = null;
      delete o['@channel'];
      return o;
    })(),
    holds: ['xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', '<o:Contact><o:Fax>+49 30 9999</o:Fax></o:Contact>', '<o:Note xsi:nil="true"/>'],
  },
  {
    name: 'complexContent extension (base first), repeated element, group reference, lexical forms from JSON numbers',
    element: `${ORDERS}Order`,
    value: {
      ...order(),
      Placed: Date.UTC(2024, 4, 1, 8, 30),
      Total: { '@currency': 'EUR', '#text': 1e-7 },
      Revision: 7,
      CreatedBy: 'batch',
      Shipping: { ShipBy: '2024-05-03', Tracking: ['T1', 'T2'], Weight: 2.25, Carrier: 'DHL', '@express': true },
    },
    holds: [
      '<o:Placed>2024-05-01T08:30:00.000Z</o:Placed>',
      '<o:Shipping express="true"><o:Carrier>DHL</o:Carrier><o:Weight>2.25</o:Weight><o:Tracking>T1</o:Tracking><o:Tracking>T2</o:Tracking><o:ShipBy>2024-05-03</o:ShipBy></o:Shipping>',
      '<o:Total currency="EUR">0.0000001</o:Total>',
      '<o:Status>PAID</o:Status><o:CreatedBy>batch</o:CreatedBy><o:Revision>7</o:Revision></o:Order>',
    ],
  },
  {
    name: 'the value wrapped in its element name, and escaping of text and attributes',
    element: `${ORDERS}Order`,
    value: { Order: { ...order(), '@id': 'a"b<c>&\nd', Note: 'x < y && z > "w" ]]>' } },
    holds: ['id="a&quot;b&lt;c&gt;&amp;&#10;d"', '<o:Note>x &lt; y &amp;&amp; z &gt; "w" ]]&gt;</o:Note>'],
  },
  {
    name: 'JSON read from XML (prefixed keys, xmlns attributes, strings everywhere) written back',
    element: `${ORDERS}Order`,
    value: defaultXmlCodec.parse(
      '<x:Order xmlns:x="urn:example:orders" id="7"><x:Paid>1</x:Paid><x:OrderId>7</x:OrderId><x:Placed>2024-01-01T00:00:00+01:00</x:Placed>' +
        '<x:Customer><x:Name>B</x:Name><x:Contact><x:Phone>1</x:Phone></x:Contact><x:Address><Street>S</Street><City>C</City><Country>NL</Country></x:Address></x:Customer>' +
        '<x:Lines><x:Line lineNo="1"><x:Sku>S</x:Sku><x:Quantity>1</x:Quantity><x:Price currency="EUR">1.00</x:Price></x:Line></x:Lines>' +
        '<x:Total currency="EUR">1.00</x:Total><x:Status>NEW</x:Status></x:Order>',
    ),
    holds: ['<o:Order xmlns:o="urn:example:orders" id="7"><o:OrderId>7</o:OrderId>', '<o:Paid>1</o:Paid>'],
  },
  {
    name: 'a response element: required attribute with an enumeration, repeated optional element, decimal',
    element: `${ORDERS}OrderAck`,
    value: { Message: ['stored', 'queued'], Amount: 1234567.5, ReceivedAt: '2024-05-01T10:00:00.250+02:00', Accepted: 'true', OrderId: '42', '@status': 'NEW' },
    holds: ['<o:OrderAck xmlns:o="urn:example:orders" status="NEW"><o:OrderId>42</o:OrderId><o:Accepted>true</o:Accepted>', '<o:Amount>1234567.5</o:Amount><o:Message>stored</o:Message><o:Message>queued</o:Message>'],
  },
];

interface Failure {
  readonly name: string;
  readonly value: unknown;
  readonly element?: string;
  readonly message: string;
}

const edit = (change: (o: Record<string, any>) => void) => {
  const o = order() as Record<string, any>;
  change(o);
  return o;
};

const FAILURES: Failure[] = [
  { name: 'missing required element, two levels down', value: edit((o) => delete o.Customer.Name), message: 'Order.Customer.Name: the element is required' },
  { name: 'missing required element in a named type of the other namespace', value: edit((o) => delete o.Customer.Address.City), message: 'Order.Customer.Address.City: the element is required' },
  { name: 'missing required attribute', value: edit((o) => delete o.Lines.Line[1]['@lineNo']), message: 'Order.Lines.Line[1].@lineNo: the attribute is required' },
  { name: 'missing simple content', value: edit((o) => (o.Total = { '@currency': 'EUR' })), message: 'Order.Total.#text: the text content is required' },
  { name: 'missing required attribute of simple content', value: edit((o) => (o.Total = 3)), message: 'Order.Total.@currency: the attribute is required' },
  { name: 'undeclared element', value: edit((o) => (o.Customer.Nickname = 'A')), message: 'Order.Customer.Nickname: is not declared by the schema (expected: Name, Email, Contact, Address)' },
  { name: 'undeclared attribute', value: edit((o) => (o.Customer['@age'] = 3)), message: 'Order.Customer.@age: is not an attribute the schema declares (declared: vip)' },
  { name: 'not an int', value: edit((o) => (o.OrderId = 'abc')), message: 'Order.OrderId: "abc" is not a valid int: expected an integer' },
  { name: 'int out of range', value: edit((o) => (o.OrderId = 2 ** 31)), message: 'Order.OrderId: 2147483648 is out of the range of int (-2147483648 to 2147483647)' },
  { name: 'not a boolean', value: edit((o) => (o.Paid = 'yes')), message: 'Order.Paid: "yes" is not a valid boolean: expected true or false' },
  { name: 'not a dateTime', value: edit((o) => (o.Placed = '2024-05-01 10:00')), message: 'Order.Placed: "2024-05-01 10:00" is not a valid dateTime' },
  { name: 'decimal with an exponent as a string', value: edit((o) => (o.Total = { '@currency': 'EUR', '#text': '1e3' })), message: 'Order.Total: "1e3" is not a valid decimal' },
  { name: 'positiveInteger attribute of 0', value: edit((o) => (o.Lines.Line[0]['@lineNo'] = 0)), message: 'Order.Lines.Line[0].@lineNo: 0 is out of the range of positiveInteger' },
  { name: 'not in the enumeration', value: edit((o) => (o.Status = 'LOST')), message: 'Order.Status: "LOST" is not one of "NEW", "PAID", "SHIPPED"' },
  { name: 'enumeration of the imported namespace', value: edit((o) => (o.Customer.Address.Country = 'XX')), message: 'Order.Customer.Address.Country: "XX" is not one of "DE", "FR", "NL"' },
  { name: 'both branches of a choice', value: edit((o) => (o.Customer.Contact = { Phone: '1', Fax: '2' })), message: 'Order.Customer.Contact: Phone and Fax are alternatives of a choice: give only one' },
  { name: 'no branch of a required choice', value: edit((o) => (o.Customer.Contact = {})), message: 'Order.Customer.Contact: one of Phone | Fax is required' },
  { name: 'an array for an element that occurs once', value: edit((o) => (o.OrderId = [1, 2])), message: 'Order.OrderId: occurs at most once, and the value is an array of 2' },
  { name: 'more than maxOccurs', element: `${ORDERS}OrderAck`, value: { '@status': 'NEW', OrderId: 1, Accepted: true, ReceivedAt: '2024-01-01T00:00:00Z', Message: ['a', 'b', 'c', 'd'] }, message: 'OrderAck.Message: occurs at most 3 times, and 4 are given' },
  { name: 'null for a required element that is not nillable', value: edit((o) => (o.Paid = null)), message: 'Order.Paid: the element is required' },
  { name: 'an object for a simple value', value: edit((o) => (o.Customer.Name = { first: 'A' })), message: 'Order.Customer.Name: expected a simple value, got an object' },
  { name: 'a character XML cannot carry', value: edit((o) => (o.Customer.Name = 'A\u0001')), message: 'Order.Customer.Name: the text holds a character XML cannot carry' },
];

describe('schema-driven JSON -> XML (fixtures in test/fixtures/schema-writer, checked by libxml2)', () => {
  const model = loadXsdFile(path.join(FIXTURES, 'orders.xsd'));
  let documents = 0;

  afterAll(() => {
    console.log(`schema writer: ${VALID.length + FAILURES.length + 4} cases, ${validated.documents} documents validated by libxml2 (${documents} from this table)`);
  });

  it('reads the schema with its import and include', () => {
    expect(model.documents.map((d) => path.basename(d))).toEqual(['orders.xsd', 'common.xsd', 'orders-types.xsd']);
    expect([...model.elements.keys()]).toEqual([`${ORDERS}Order`, `${ORDERS}OrderAck`]);
  });

  it.each(VALID)('$name', async ({ element, value, holds }) => {
    const xml = writeXsdElement(model, parseClark(element), value);
    let at = 0;
    for (const part of holds ?? []) {
      const found = xml.indexOf(part, at);
      expect({ part, found: found >= 0 ? 'yes' : xml }).toEqual({ part, found: 'yes' });
      at = found;
    }
    expect(await schemaErrors(xml, FIXTURES, 'orders.xsd')).toEqual([]);
    documents++;
  });

  it.each(FAILURES)('refuses $name', ({ element, value, message }) => {
    let error: unknown;
    try {
      writeXsdElement(model, parseClark(element ?? `${ORDERS}Order`), value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(XsdWriteError);
    expect((error as XsdWriteError).message).toContain(message);
    expect((error as XsdWriteError).retriable).toBe(false);
  });

  it('writes xs:all, a repeated choice, list and union types, anyType content, wildcards and a fixed attribute', async () => {
    const extras = loadXsdFile(path.join(FIXTURES, 'extras.xsd'));
    const xml = writeXsdElement(extras, { ns: 'urn:example:extras', localName: 'Batch' }, {
      'w:Note': { '@xmlns:w': 'urn:w', '@lang': 'en', '#text': 'free' },
      Local: 'here',
      Payload: { 'x:Any': { '@xmlns:x': 'urn:any', '#text': 'thing' } },
      Key: 'alpha',
      Sizes: [1, 2, 30],
      Remove: ['r1'],
      Add: ['a1', 'a2'],
      Settings: { Level: -3, Mode: 'fast' },
      '@trace': 'on',
    });
    expect(xml).toBe(
      '<e:Batch xmlns:e="urn:example:extras" version="2" trace="on"><e:Settings><e:Mode>fast</e:Mode><e:Level>-3</e:Level></e:Settings>' +
        '<e:Add>a1</e:Add><e:Add>a2</e:Add><e:Remove>r1</e:Remove><e:Sizes>1 2 30</e:Sizes><e:Key>alpha</e:Key>' +
        '<e:Payload><x:Any xmlns:x="urn:any">thing</x:Any></e:Payload><Local>here</Local><w:Note xmlns:w="urn:w" lang="en">free</w:Note></e:Batch>',
    );
    expect(await schemaErrors(xml, FIXTURES, 'extras.xsd')).toEqual([]);
    documents++;
    const base = { Settings: { Mode: 'm' }, Add: 'a', Sizes: '4 5', Key: 7, Payload: 'p' };
    expect(() => writeXsdElement(extras, { ns: 'urn:example:extras', localName: 'Batch' }, { ...base, Sizes: [1, 'x'] })).toThrow('Batch.Sizes[1]: "x" is not a valid int');
    expect(() => writeXsdElement(extras, { ns: 'urn:example:extras', localName: 'Batch' }, { ...base, Settings: { Mode: 'm', Level: 300 } })).toThrow(
      'Batch.Settings.Level: 300 is out of the range of byte',
    );
    expect(() => writeXsdElement(extras, { ns: 'urn:example:extras', localName: 'Batch' }, { ...base, '@a b': 1 })).toThrow("Batch.@a b: 'a b' is not an attribute name XML allows here");
  });

  it('writes rpc/literal wrappers: the operation element with unqualified part accessors', async () => {
    const wsdlModel = loadXsdFile(path.join(FIXTURES, 'stock-rpc.wsdl'));
    const request = writeXsdWrapper(wsdlModel, { ns: 'urn:example:stock', localName: 'GetStock' }, [
      { name: 'sku', type: '{http://www.w3.org/2001/XMLSchema}string' },
      { name: 'warehouse', type: '{http://www.w3.org/2001/XMLSchema}int' },
    ], { warehouse: 3, sku: 'A-1' });
    expect(request).toBe('<tns:GetStock xmlns:tns="urn:example:stock"><sku>A-1</sku><warehouse>3</warehouse></tns:GetStock>');
    const response = writeXsdWrapper(wsdlModel, { ns: 'urn:example:stock', localName: 'GetStockResponse' }, [
      { name: 'quantity', type: '{http://www.w3.org/2001/XMLSchema}int' },
      { name: 'checkedAt', type: '{http://www.w3.org/2001/XMLSchema}dateTime' },
      { name: 'location', type: '{urn:example:common}Address' },
    ], { location: { Country: 'FR', Street: 'Rue 1', City: 'Paris' }, checkedAt: 0, quantity: 12 });
    expect(response).toContain('<location><Street>Rue 1</Street><City>Paris</City><Country>FR</Country></location>');
    for (const xml of [request, response]) expect(await schemaErrors(xml, FIXTURES, 'stock-rpc-wrappers.xsd')).toEqual([]);
    documents += 2;
    expect(() => writeXsdWrapper(wsdlModel, { ns: 'urn:x', localName: 'GetStock' }, [{ name: 'sku', type: '{http://www.w3.org/2001/XMLSchema}string' }], { sku: 'a', extra: 1 })).toThrow(
      'GetStock.extra: is not a part (parts: sku)',
    );
  });

  it('reads inline schemas of a WSDL that import each other by namespace, and a chameleon include', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xsd-'));
    writeFileSync(
      path.join(dir, 'chameleon.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:complexType name="Money"><xs:sequence><xs:element name="Amount" type="xs:decimal"/></xs:sequence></xs:complexType></xs:schema>',
    );
    const wsdl = `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:a="urn:a" xmlns:b="urn:b">
      <wsdl:types>
        <xs:schema targetNamespace="urn:a" elementFormDefault="qualified">
          <xs:import namespace="urn:b"/>
          <xs:element name="Pay"><xs:complexType><xs:sequence>
            <xs:element name="Price" type="b:Money"/><xs:element ref="b:Ref"/>
          </xs:sequence></xs:complexType></xs:element>
        </xs:schema>
        <xs:schema targetNamespace="urn:b">
          <xs:include schemaLocation="chameleon.xsd"/>
          <xs:element name="Ref" type="xs:string"/>
        </xs:schema>
      </wsdl:types>
    </wsdl:definitions>`;
    const file = path.join(dir, 'two.wsdl');
    const model = readXsdModel([{ uri: file, text: wsdl }], fileXsdLoader(dir), defaultXmlCodec);
    expect(model.types.has('{urn:b}Money')).toBe(true);
    expect(writeXsdElement(model, { ns: 'urn:a', localName: 'Pay' }, { Ref: 'r-1', Price: { Amount: 2.5 } })).toBe(
      '<a:Pay xmlns:a="urn:a" xmlns:b="urn:b"><a:Price><Amount>2.5</Amount></a:Price><b:Ref>r-1</b:Ref></a:Pay>',
    );
  });

  it('follows imports only inside the schema folder, never over the network', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xsd-'));
    const schema = (location: string) => `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><xs:import namespace="urn:b" schemaLocation="${location}"/></xs:schema>`;
    writeFileSync(path.join(dir, 'outside.xsd'), schema('../x.xsd'));
    writeFileSync(path.join(dir, 'remote.xsd'), schema('http://example.com/b.xsd'));
    writeFileSync(path.join(dir, 'doctype.xsd'), '<!DOCTYPE x [<!ENTITY e "x">]><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>');
    expect(() => loadXsdFile(path.join(dir, 'outside.xsd'))).toThrow(/'\.\.\/x\.xsd' lies outside the folder/);
    expect(() => loadXsdFile(path.join(dir, 'remote.xsd'))).toThrow(/would be fetched over the network/);
    expect(() => loadXsdFile(path.join(dir, 'doctype.xsd'))).toThrow(ConfigError);
  });
});
