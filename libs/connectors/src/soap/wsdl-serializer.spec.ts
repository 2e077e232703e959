import * as path from 'node:path';
import { XsdWriteError } from '@junction/transform';
import { schemaErrors, validated } from '../../../../test/support/xsd-validate';
import { loadWsdl, operationNamed } from './wsdl-catalog';
import { emptyOutput, serializeInput, serializeOutput } from './wsdl-serializer';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/schema-writer');

describe('WSDL serializer over the schema-writer fixtures (checked by libxml2)', () => {
  afterAll(() => console.log(`WSDL serializer: ${validated.documents} documents validated by libxml2`));

  it('writes a document/literal request and response from WSDL -> orders.xsd -> common.xsd', async () => {
    const catalog = await loadWsdl(path.join(FIXTURES, 'orders.wsdl'));
    expect(catalog.schemas.documents.map((d) => path.basename(d)).sort()).toEqual(['common.xsd', 'orders-types.xsd', 'orders.wsdl', 'orders.xsd']);
    const place = operationNamed(catalog, { name: 'PlaceOrder' })!;
    const request = serializeInput(catalog, place, {
      Status: 'NEW',
      Paid: false,
      Total: { '@currency': 'EUR', '#text': 10 },
      Lines: { Line: [{ Price: { '#text': 10, '@currency': 'EUR' }, Quantity: 1, Sku: 'A', '@lineNo': 1 }] },
      Customer: { Address: { Country: 'NL', City: 'Utrecht', Street: 'Oudegracht 1' }, Contact: { Phone: '1' }, Name: 'Ada' },
      Placed: '2024-05-01T10:00:00Z',
      OrderId: 1,
      '@id': 'o-1',
    });
    expect(request).toMatch(/^<o:Order xmlns:o="urn:example:orders" id="o-1"><o:OrderId>1<\/o:OrderId><o:Placed>/);
    expect(await schemaErrors(request, FIXTURES, 'orders.xsd')).toEqual([]);
    const response = serializeOutput(catalog, place, { OrderAck: { ReceivedAt: 0, Accepted: true, OrderId: 1, '@status': 'NEW' } });
    expect(response).toBe(
      '<o:OrderAck xmlns:o="urn:example:orders" status="NEW"><o:OrderId>1</o:OrderId><o:Accepted>true</o:Accepted><o:ReceivedAt>1970-01-01T00:00:00.000Z</o:ReceivedAt></o:OrderAck>',
    );
    expect(await schemaErrors(response, FIXTURES, 'orders.xsd')).toEqual([]);
    expect(() => serializeOutput(catalog, place, { Accepted: true, OrderId: 1, '@status': 'NEW' })).toThrow(XsdWriteError);
    // An async route without ack answers the bare element: the message is taken, a Fault would make the caller resend.
    expect(emptyOutput(place)).toBe('<ns1:OrderAck xmlns:ns1="urn:example:orders"/>');
  });

  it('writes rpc/literal wrappers both ways', async () => {
    const catalog = await loadWsdl(path.join(FIXTURES, 'stock-rpc.wsdl'));
    const op = operationNamed(catalog, { name: 'GetStock' })!;
    expect(op.inputParts?.map((p) => p.name)).toEqual(['sku', 'warehouse']);
    const request = serializeInput(catalog, op, { warehouse: '7', sku: 'A-1' });
    expect(request).toBe('<tns:GetStock xmlns:tns="urn:example:stock"><sku>A-1</sku><warehouse>7</warehouse></tns:GetStock>');
    const response = serializeOutput(catalog, op, { location: { City: 'Lyon', Street: 'Rue 2', Country: 'FR', Postcode: '69001' }, quantity: 5, checkedAt: '2024-05-01T10:00:00Z' });
    for (const xml of [request, response]) expect(await schemaErrors(xml, FIXTURES, 'stock-rpc-wrappers.xsd')).toEqual([]);
    expect(() => serializeOutput(catalog, op, { quantity: 5, checkedAt: '2024-05-01T10:00:00Z' })).toThrow('GetStockResponse.location: the part is required');
  });
});
