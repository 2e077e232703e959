import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusError, ConfigError, ValidationError } from '@junction/core';
import { createXmlCodec } from '../xml/xml-codec';
import { loadXsdSchema } from './xsd-schema-files';
import { runXmllint, runXmllintPerCall } from './xmllint-runner';
import { XsdValidator, xsdCounts } from './xsd-validator';

const FIXTURES = join(__dirname, '../../../../test/fixtures/xsd-validation');
const codec = createXmlCodec();
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** An order in the fixtures' schema, with its parts replaceable by the cases below. */
function order(parts: { attrs?: string; customer?: string; status?: string; note?: string; lines?: string; pay?: string; extra?: string } = {}): string {
  return [
    `<o:Order xmlns:o="urn:example:orders" xmlns:c="urn:example:customer" ${parts.attrs ?? 'id="A-1"'}>`,
    parts.customer ?? '  <c:Customer><Name>Ada</Name></c:Customer>',
    `  <o:Status>${parts.status ?? 'new'}</o:Status>`,
    parts.note ?? '',
    parts.lines ?? '  <o:Lines><o:Line no="1"><o:Sku>S</o:Sku><o:Qty>1</o:Qty></o:Line></o:Lines>',
    parts.pay ?? '  <o:Invoice>INV-1</o:Invoice>',
    parts.extra ?? '',
    '</o:Order>',
  ].join('\n');
}

/** Each case: a document and its violations, as [line, a part of libxml2's message]. */
const CASES: Array<[string, string, Array<[number, string]>]> = [
  ['the fixture order (qualified and unqualified, repeated elements, attributes)', fixture('valid-order.xml'), []],
  ['the smallest order: optional parts absent, the choice\'s other branch', order(), []],
  ['optional and repeated elements present', order({ customer: '  <c:Customer vip="false"><Name>A</Name><Email>a@b</Email><Phone>1</Phone><Phone>2</Phone><Phone>3</Phone></c:Customer>', note: '  <o:Note>x</o:Note>' }), []],
  ['a prefix-free document in the default namespace', '<Order xmlns="urn:example:orders" id="B"><c:Customer xmlns:c="urn:example:customer"><Name xmlns="">N</Name></c:Customer><Status>paid</Status><Lines><Line no="1"><Sku>S</Sku><Qty>3</Qty></Line></Lines><Card last4="0000"/></Order>', []],
  ['a value outside an enumeration', order({ status: 'lost' }), [[3, "[facet 'enumeration'] The value 'lost' is not an element of the set"]]],
  ['an undeclared element', order({ extra: '  <o:Gift>yes</o:Gift>' }), [[7, "Element '{urn:example:orders}Gift': This element is not expected."]]],
  ['a missing required element (the choice)', order({ pay: '' }), [[1, 'Missing child element(s). Expected is one of ( {urn:example:orders}Card, {urn:example:orders}Invoice )']]],
  ['a required attribute missing', order({ attrs: 'currency="EUR"' }), [[1, "The attribute 'id' is required but missing."]]],
  ['an attribute value outside its enumeration', order({ attrs: 'id="A" currency="GBP"' }), [[1, "attribute 'currency': [facet 'enumeration'] The value 'GBP'"]]],
  ['an attribute of a nested anonymous type against its pattern', order({ pay: '  <o:Card last4="12a4"/>' }), [[6, "attribute 'last4': [facet 'pattern'] The value '12a4'"]]],
  ['both branches of the choice', order({ pay: '  <o:Invoice>I</o:Invoice><o:Card last4="1234"/>' }), [[6, "Element '{urn:example:orders}Card': This element is not expected."]]],
  ['a repeated element with no occurrence', order({ lines: '  <o:Lines/>' }), [[5, "Missing child element(s). Expected is ( {urn:example:orders}Line )"]]],
  ['a wrong type deep in a nested anonymous type', order({ lines: '  <o:Lines>\n<o:Line no="1"><o:Sku>S</o:Sku><o:Qty>0</o:Qty></o:Line>\n<o:Line no="x"><o:Sku>S</o:Sku><o:Qty>1</o:Qty></o:Line></o:Lines>' }), [[6, "'0' is not a valid value of the atomic type 'xs:positiveInteger'"], [7, "'x' is not a valid value of the atomic type 'xs:int'"]]],
  ['an unqualified local element written qualified (elementFormDefault unqualified)', order({ customer: '  <c:Customer><c:Name>Ada</c:Name></c:Customer>' }), [[2, "Element '{urn:example:customer}Name': This element is not expected. Expected is ( Name )."]]],
  ['a qualified local element written unqualified (elementFormDefault qualified)', order({ status: 'x', note: '' }).replace('<o:Status>x</o:Status>', '<Status xmlns="">new</Status>'), [[3, "Element 'Status': This element is not expected. Expected is ( {urn:example:orders}Status )."]]],
  ['the fixture invalid order: all four violations in document order of discovery', fixture('invalid-order.xml'), [[4, "Element '{urn:example:orders}Name'"], [6, "The value 'lost'"], [8, "Element '{urn:example:orders}Colour': This element is not expected."], [2, 'Missing child element(s)']]],
  ['a root no schema declares', '<Invoice xmlns="urn:example:orders"/>', [[1, 'No matching global declaration available for the validation root.']]],
];

describe('XsdValidator (libxml2) over schemas with two target namespaces', () => {
  const validator = new XsdValidator('orders.xsd', loadXsdSchema('orders.xsd', FIXTURES, codec));
  const before = { ...xsdCounts };
  afterAll(() => {
    console.log(`XSD unit table: ${xsdCounts.documents - before.documents} documents validated, ${xsdCounts.violations - before.violations} violations found`);
  });

  it('reads the main schema and the file it imports (relative to the route folder), once', () => {
    const set = loadXsdSchema('orders.xsd', FIXTURES, codec);
    expect(set.main).toBe('orders.xsd');
    expect(set.files.map((f) => f.fileName)).toEqual(['orders.xsd', 'common/customer.xsd']);
  });

  it.each(CASES)('%s', async (_name, xml, expected) => {
    const violations = await validator.validate(xml);
    expect(violations).toHaveLength(expected.length);
    expected.forEach(([line, text], i) => {
      expect(violations[i].line).toBe(line);
      expect(violations[i].message).toContain(text);
    });
  });

  it('validates documents that arrive together in one call each, and each gets its own violations', async () => {
    const docs = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? order({ status: `bad${i}` }) : order()));
    const results = await Promise.all(docs.map((d) => validator.validate(d)));
    results.forEach((v, i) => {
      if (i % 4 === 0) expect(v.map((x) => x.message)).toEqual([expect.stringContaining(`'bad${i}'`)]);
      else expect(v).toEqual([]);
    });
  });

  it('check() throws ValidationError listing every violation with its line, in its errors and its message', async () => {
    const error = await validator.check(order({ status: 'lost', extra: '<o:Gift/>', lines: '<o:Lines><o:Line no="1"><o:Sku>S</o:Sku></o:Line></o:Lines>' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.errors).toHaveLength(3);
    expect(v.errors[0]).toMatch(/^line 3: .*'lost'/);
    expect(v.errors[1]).toMatch(/^line 5: .*Line': Missing child element\(s\)\. Expected is \( \{urn:example:orders\}Qty \)/);
    expect(v.errors[2]).toMatch(/^line 7: .*Gift.*not expected/);
    expect(v.message).toMatch(/does not match XSD 'orders.xsd' \(3 violations\): line 3: .*; line 5: .*; line 7: /);
  });

  it('a document libxml2 cannot read among others arriving together: each still gets its own verdict', async () => {
    const results = await Promise.all([
      validator.validate(order()),
      validator.validate(order()),
      validator.validate('<o:Order xmlns:o="urn:example:orders">\n\n<o:Status>new</o:Order>'),
      validator.validate(order({ status: 'lost' })),
    ]);
    expect(results[0]).toEqual([]);
    expect(results[1]).toEqual([]);
    expect(results[2][0]).toMatchObject({ line: 3 });
    expect(results[3]).toEqual([{ line: 3, message: expect.stringContaining("'lost'") }]);
  });

  it('a document libxml2 cannot read gives its parser error as a violation', async () => {
    const violations = await validator.validate('<o:Order xmlns:o="urn:example:orders">\n<o:Status>new</o:Order>');
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0].line).toBe(2);
  });
});

describe('loadXsdSchema: what a schema may bring in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xsd-files-'));
  const outside = mkdtempSync(join(tmpdir(), 'xsd-outside-'));
  const schema = (body: string) => `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">${body}</xs:schema>`;
  writeFileSync(join(outside, 'far.xsd'), schema(''));
  writeFileSync(join(dir, 'http.xsd'), schema('<xs:import namespace="urn:x" schemaLocation="https://example.com/x.xsd"/>'));
  writeFileSync(join(dir, 'up.xsd'), schema(`<xs:include schemaLocation="../${outside.split('/').pop()}/far.xsd"/>`));
  symlinkSync(join(outside, 'far.xsd'), join(dir, 'link.xsd'));
  writeFileSync(join(dir, 'via-link.xsd'), schema('<xs:include schemaLocation="link.xsd"/>'));
  writeFileSync(join(dir, 'dtd.xsd'), `<!DOCTYPE x [<!ENTITY e "e">]>${schema('')}`);
  writeFileSync(join(dir, 'not-schema.xsd'), '<a/>');
  writeFileSync(join(dir, 'broken.xsd'), schema('<xs:element name="a" type="nope:T"/>'));

  it.each([
    ['http.xsd', /not a local file; schemas are not fetched/],
    ['up.xsd', /outside the route's folder/],
    ['via-link.xsd', /outside the route's folder/],
    ['missing.xsd', /cannot read XSD missing.xsd/],
    ['dtd.xsd', /DOCTYPE|DTD/i],
    ['not-schema.xsd', /not an XML Schema/],
  ])('%s is refused at load', (file, message) => {
    expect(() => loadXsdSchema(file, dir, codec)).toThrow(ConfigError);
    expect(() => loadXsdSchema(file, dir, codec)).toThrow(message);
  });

  it('a schema that does not compile is a failure of the route (XSD_INVALID), not of the message', async () => {
    const validator = new XsdValidator('broken.xsd', loadXsdSchema('broken.xsd', dir, codec));
    const error = await validator.compiles().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BusError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect((error as BusError).code).toBe('XSD_INVALID');
  });
});

describe('runXmllint: the long-lived workers and the package\'s documented API agree', () => {
  const set = loadXsdSchema('orders.xsd', FIXTURES, codec);
  const files = [
    { fileName: 'a.xml', contents: fixture('invalid-order.xml').replace(/^<\?xml[^?]*\?>/, '') },
    { fileName: 'b.xml', contents: fixture('valid-order.xml').replace(/^<\?xml[^?]*\?>/, '') },
    ...set.files.map((f) => ({ fileName: `s/${f.fileName}`, contents: f.contents })),
  ];

  it('same exit code and the same report for an invalid and a valid document', async () => {
    const pooled = await runXmllint('s/orders.xsd', files, ['a.xml', 'b.xml']);
    const perCall = await runXmllintPerCall('s/orders.xsd', files, ['a.xml', 'b.xml']);
    expect(pooled.code).toBe(3);
    expect(perCall.code).toBe(3);
    expect(pooled.stderr.trim().split('\n')).toEqual(perCall.stderr.trim().split('\n'));
    expect(pooled.stderr).toContain('a.xml fails to validate');
    expect(pooled.stderr).toContain('b.xml validates');
  });
});
