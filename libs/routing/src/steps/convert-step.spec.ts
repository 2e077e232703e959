import { resolve } from 'node:path';
import { Message } from '@junction/core';
import { FlatFormatError, bodyFromBytes } from '@junction/transform';
import { FlowRecorder, compileFixture, compileProblems, runFlow, target } from '../testing/route-fixtures';

const STOCK_CSV = { delimiter: ';', encoding: 'latin1', columns: ['sku', 'name', { name: 'qty', type: 'integer' }], header: true };
const ORDER_LINES = {
  fields: [
    { name: 'sku', start: 1, length: 6 },
    { name: 'qty', start: 7, length: 5, type: 'integer' },
    { name: 'price', start: 12, length: 8, type: 'decimal', decimals: 2 },
  ],
};

/** Runs `bytes` with a content type through the route, as an ingress would hand them over. */
async function runBytes(route: Record<string, unknown>, bytes: Buffer, contentType: string): Promise<FlowRecorder> {
  const fixture = compileFixture(route);
  const flow = new FlowRecorder(fixture.route.codec);
  const message = new Message('m-1', 'c-1', { kind: 'test', address: '/r' }, {}, bodyFromBytes(bytes, contentType, fixture.route.codec), 0);
  await fixture.route.run(message, flow);
  return flow;
}

describe('convert: flat files', () => {
  it('reads a latin1 CSV body into a JSON array the next steps see', async () => {
    const flow = await runBytes(
      { steps: [{ convert: { to: 'json', from: { csv: STOCK_CSV } } }, { map: '$[qty > 0].sku' }], to: [target('main')] },
      Buffer.from('sku;name;qty\nA-1;Crème;3\nB-2;"Käse; alt";0\nC-3;Thé;12\n', 'latin1'),
      'text/csv; charset=iso-8859-1',
    );
    expect(JSON.parse(JSON.stringify(flow.seen()[0].body))).toEqual(['A-1', 'C-3']);
  });

  it('writes records as fixed width with the content type of the bytes', async () => {
    const fixture = compileFixture({ steps: [{ convert: { to: 'fixedWidth', fixedWidth: ORDER_LINES } }], to: [target('main')] });
    const flow = await runFlow(fixture, [
      { sku: 'A-1', qty: 2, price: 19.9 },
      { sku: 'B-22', qty: 10, price: -0.5 },
    ]);
    const body = flow.dispatches[0].message.body;
    expect(body.contentType).toBe('text/plain; charset=utf-8');
    expect(body.bytes().toString()).toBe('A-1   0000200001990\nB-22  00010-0000050\n');
    expect(flow.dispatches[0].message.hops.map((h) => `${h.step}:${h.note}`)).toContain('convert:fixedWidth');
  });

  it('converts CSV to fixed width in one step, and one object to one CSV record', async () => {
    const flow = await runBytes(
      {
        steps: [{ convert: { from: { csv: { columns: ['sku', 'qty', 'price'] } }, to: 'fixedWidth', fixedWidth: ORDER_LINES } }],
        to: [target('main')],
      },
      Buffer.from('X-9,7,1.5\n'),
      'text/csv',
    );
    expect(flow.dispatches[0].message.body.bytes().toString()).toBe('X-9   0000700000150\n');
    const one = await runFlow(compileFixture({ steps: [{ convert: { to: 'csv', csv: { bom: true } } }], to: [target('main')] }), { id: 7, city: 'Zürich, CH' });
    expect(one.dispatches[0].message.body.bytes()).toEqual(Buffer.from('\ufeffid,city\n7,"Zürich, CH"\n'));
    expect(one.dispatches[0].message.body.contentType).toBe('text/csv; charset=utf-8');
  });

  it('refuses a malformed file with its line numbers, as an input error', async () => {
    const fixture = compileFixture({ steps: [{ convert: { to: 'json', from: { csv: {} } } }], to: [target('main')] });
    const error = await runFlow(fixture, 'a,b\n1,2\n3\n4,5\n6,7,8\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlatFormatError);
    expect(error).toMatchObject({ code: 'FLAT_FORMAT', status: 422, retriable: false, problems: [{ line: 3 }, { line: 5 }] });
    expect((error as Error).message).toBe('2 malformed lines: line 3: 1 field, expected 2; line 5: 3 fields, expected 2');
  });

  it('reads a JSON string body as text', async () => {
    const fixture = compileFixture({ steps: [{ map: '"n\\n1\\n2"' }, { convert: { to: 'json', from: { csv: { columns: [{ name: 'n', type: 'integer' }], header: true } } } }], to: [target('main')] });
    const flow = await runFlow(fixture, { any: 1 });
    expect(flow.seen()[0].body).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it.each([
    [{ to: 'csv' }, ['steps', 0, 'convert', 'csv'], 'to: csv needs its format under csv'],
    [{ to: 'json', csv: {} }, ['steps', 0, 'convert', 'csv'], 'csv describes the format of to: csv'],
    [{ to: 'json', from: { csv: { encoding: 'ebcdic' } } }, ['steps', 0, 'convert', 'from', 'csv', 'encoding'], undefined],
  ])('refuses %j when the route loads', (convert, path, message) => {
    let issues: { path: PropertyKey[]; message: string }[] = [];
    try {
      compileProblems({ steps: [{ convert }], to: [target('main')] });
    } catch (err) {
      issues = (err as { issues: { path: PropertyKey[]; message: string }[] }).issues;
    }
    expect(issues.map((i) => i.path)).toContainEqual(path);
    if (message) expect(issues.map((i) => i.message)).toContain(message);
  });
});

describe('convert: to xml with a schema', () => {
  const FOLDER = resolve(__dirname, '../../../../test/fixtures/schema-writer');
  const ack = { Accepted: true, OrderId: 9, ReceivedAt: '2024-05-01T10:00:00Z', '@status': 'PAID' };

  it('writes the body as the named element: attributes, schema order and namespaces, whatever the key order', async () => {
    for (const element of ['{urn:example:orders}OrderAck', 'o:OrderAck', 'OrderAck']) {
      const fixture = compileFixture({ steps: [{ convert: { to: 'xml', schema: 'orders.xsd', element } }], to: [target('main')] }, FOLDER);
      const flow = await runFlow(fixture, ack);
      const body = flow.dispatches[0].message.body;
      expect(body.format).toBe('xml');
      expect(body.bytes().toString()).toBe(
        '<o:OrderAck xmlns:o="urn:example:orders" status="PAID"><o:OrderId>9</o:OrderId><o:Accepted>true</o:Accepted><o:ReceivedAt>2024-05-01T10:00:00Z</o:ReceivedAt></o:OrderAck>',
      );
    }
  });

  it("takes a WSDL's schemas too", async () => {
    const fixture = compileFixture({ steps: [{ convert: { to: 'xml', schema: 'orders.wsdl', element: 'OrderAck' } }], to: [target('main')] }, FOLDER);
    const flow = await runFlow(fixture, ack);
    expect(flow.dispatches[0].message.body.bytes().toString()).toMatch(/^<o:OrderAck xmlns:o="urn:example:orders" status="PAID">/);
  });

  it('fails the message with the path of what does not fit', async () => {
    const fixture = compileFixture({ steps: [{ convert: { to: 'xml', schema: 'orders.xsd', element: 'OrderAck' } }], to: [target('main')] }, FOLDER);
    await expect(runFlow(fixture, { ...ack, Accepted: 'perhaps' })).rejects.toMatchObject({
      code: 'XML_SCHEMA_MISMATCH',
      retriable: false,
      message: 'OrderAck.Accepted: "perhaps" is not a valid boolean: expected true or false',
    });
  });

  it.each([
    [{ to: 'xml', schema: 'orders.xsd' }, ['steps', 0, 'convert', 'schema'], 'declares 2 global elements'],
    [{ to: 'xml', schema: 'orders.xsd', element: 'Invoice' }, ['steps', 0, 'convert', 'element'], 'the schema has no global element Invoice'],
    [{ to: 'xml', schema: 'missing.xsd' }, ['steps', 0, 'convert', 'schema'], 'cannot read'],
    [{ to: 'xml', schema: '../wsdl/orders.xsd' }, ['steps', 0, 'convert', 'schema'], 'lies outside the folder'],
  ])('refuses %j when the route compiles', (convert, path, message) => {
    const result = compileProblems({ steps: [{ convert }], to: [target('main')] }, FOLDER);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.path)).toContainEqual(path);
    expect(problems.map((p) => p.message).join('\n')).toContain(message);
  });

  it.each([
    [{ to: 'json', schema: 'orders.xsd' }, ['steps', 0, 'convert', 'schema'], 'schema drives to: xml only'],
    [{ to: 'xml', element: 'Order' }, ['steps', 0, 'convert', 'element'], 'element names an element of schema: set schema'],
  ])('refuses %j when the route loads', (convert, path, message) => {
    let issues: { path: PropertyKey[]; message: string }[] = [];
    try {
      compileProblems({ steps: [{ convert }], to: [target('main')] }, FOLDER);
    } catch (err) {
      issues = (err as { issues: { path: PropertyKey[]; message: string }[] }).issues;
    }
    expect(issues.map((i) => i.path)).toContainEqual(path);
    expect(issues.map((i) => i.message)).toContain(message);
  });
});
