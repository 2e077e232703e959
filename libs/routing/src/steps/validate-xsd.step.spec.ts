import { join } from 'node:path';
import { BusError, ValidationError } from '@junction/core';
import { compileFixture, compileProblems, loadedRoute, runFlow, target } from '../testing/route-fixtures';

const FIXTURES = join(__dirname, '../../../../test/fixtures/xsd-validation');

const ORDER = (status: string) =>
  `<Order xmlns="urn:example:orders" id="A"><c:Customer xmlns:c="urn:example:customer"><Name xmlns="">N</Name></c:Customer>\n<Status>${status}</Status><Lines><Line no="1"><Sku>S</Sku><Qty>1</Qty></Line></Lines><Invoice>I</Invoice></Order>`;

describe('compileRoute: validate { xsd }', () => {
  it('passes a valid XML body on, and refuses an invalid one with every violation and its line', async () => {
    const fixture = compileFixture({ steps: [{ validate: { xsd: 'orders.xsd' } }], to: [target('main')] }, FIXTURES);
    const flow = await runFlow(fixture, ORDER('new'));
    expect(flow.dispatches).toHaveLength(1);
    const error = await runFlow(fixture, ORDER('lost')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([expect.stringMatching(/^line 2: .*'lost'/)]);
  });

  it('a body the route produced that does not match is a failure of the route (XSD_OUTPUT_INVALID), not the caller\'s', async () => {
    const fixture = compileFixture(
      { steps: [{ map: '{ "Order": { "@xmlns": "urn:example:orders", "@id": "A", "Status": status } }' }, { convert: { to: 'xml' } }, { validate: { xsd: 'orders.xsd' } }], to: [target('main')] },
      FIXTURES,
    );
    const error = await runFlow(fixture, { status: 'new' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BusError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect((error as BusError).code).toBe('XSD_OUTPUT_INVALID');
    expect((error as BusError).retriable).toBe(false);
    expect((error as BusError).message).toMatch(/line 1: .*Customer/);
  });

  it('a JSON body is refused: xsd validates XML', async () => {
    const fixture = compileFixture({ steps: [{ validate: { xsd: 'orders.xsd' } }], to: [target('main')] }, FIXTURES);
    await expect(runFlow(fixture, { a: 1 })).rejects.toThrow(/validates XML bodies; this one is json/);
  });

  it.each([
    ['a missing file', 'missing.xsd', /cannot read XSD missing\.xsd/],
    ['a file outside the route folder', '../wsdl/order-service.wsdl', /outside the route's folder/],
    ['a WSDL given as a schema', 'service.wsdl', /not an XML Schema/],
  ])('%s is a compile problem at the xsd', (_name, xsd, message) => {
    const result = compileProblems({ steps: [{ validate: { xsd } }], to: [target('main')] }, FIXTURES);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([{ path: ['steps', 0, 'validate', 'xsd'], message: expect.stringMatching(message) }]);
  });

  it('the route file schema takes schema or xsd, not both and not neither', () => {
    expect(() => loadedRoute({ steps: [{ validate: { schema: 'a.json', xsd: 'a.xsd' } }], to: [target('main')] })).toThrow(/schema or xsd, not both/);
    expect(() => loadedRoute({ steps: [{ validate: {} }], to: [target('main')] })).toThrow(/expected schema \(JSON Schema\) or xsd/);
    expect(() => loadedRoute({ to: [target('main', { steps: [{ validate: { xsd: 'orders.xsd' } }] })] })).not.toThrow();
  });
});
