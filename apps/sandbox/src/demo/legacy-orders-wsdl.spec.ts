import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientAsync, type Client } from 'soap';
import { ROUTES_WSDL_DIR } from '../testing/legacy-soap-stand-in';

/** routes/wsdl/legacy-orders.wsdl: the service the bus publishes for the legacy order system, loaded as a client would. */
describe('routes/wsdl/legacy-orders.wsdl', () => {
  const file = join(ROUTES_WSDL_DIR, 'legacy-orders.wsdl');
  let client: Client;

  beforeAll(async () => {
    client = await createClientAsync(file, { disableCache: true });
  });

  it('describes LegacyOrderService with a SOAP 1.1 and a SOAP 1.2 port, each with SubmitOrder and one-way CancelOrder', () => {
    const service = (client.describe() as Record<string, Record<string, Record<string, { input: unknown; output: unknown }>>>)
      .LegacyOrderService;
    expect(Object.keys(service)).toEqual(['LegacyOrderSoap11Port', 'LegacyOrderSoap12Port']);
    for (const port of Object.values(service)) {
      expect(Object.keys(port)).toEqual(['SubmitOrder', 'CancelOrder']);
      expect(port.SubmitOrder.input).toMatchObject({
        Order: {
          OrderNo: expect.stringContaining('xsd:string'),
          CustNo: 'xsd:string',
          CustName: 'xsd:string',
          OrderDate: 'xsd:date',
          Currency: 'xsd:string',
          Lines: { 'Line[]': { Sku: 'xsd:string', Qty: 'xsd:positiveInteger', Price: expect.stringContaining('xsd:decimal') } },
          Total: expect.stringContaining('xsd:decimal'),
          targetNamespace: 'urn:legacy:orders:types',
        },
      });
      expect(port.SubmitOrder.output).toMatchObject({
        OrderNo: expect.stringContaining('xsd:string'),
        Status: expect.stringContaining('ACCEPTED,REJECTED'),
        MessageId: 'xsd:string',
      });
      expect(port.CancelOrder.input).toMatchObject({ OrderNo: expect.stringContaining('xsd:string'), Reason: 'xsd:string' });
      expect(port.CancelOrder.output ?? null).toBeNull();
    }
  });

  it('names the actions urn:legacy:orders/<operation> in both bindings, document style', () => {
    const bindings = client.wsdl.definitions.bindings;
    expect(Object.keys(bindings)).toEqual(['LegacyOrderSoap11Binding', 'LegacyOrderSoap12Binding']);
    for (const binding of Object.values(bindings)) {
      expect(binding.style).toBe('document');
      expect(Object.fromEntries(Object.entries(binding.methods).map(([name, m]) => [name, m.soapAction]))).toEqual({
        SubmitOrder: 'urn:legacy:orders/SubmitOrder',
        CancelOrder: 'urn:legacy:orders/CancelOrder',
      });
    }
  });

  it('is in namespace urn:legacy:orders, its types in urn:legacy:orders:types, with SOAP 1.1 and 1.2 bindings', () => {
    const text = readFileSync(file, 'utf8');
    expect(client.wsdl.definitions.$targetNamespace).toBe('urn:legacy:orders');
    expect(Object.keys(client.wsdl.definitions.schemas)).toContain('urn:legacy:orders:types');
    expect(text).toMatch(/<soap:binding style="document" transport="http:\/\/schemas.xmlsoap.org\/soap\/http"\/>/);
    expect(text).toMatch(/<soap12:binding style="document"/);
    expect(text).toContain('xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"');
    expect(text.match(/<soap:body use="literal"\/>/g)).toHaveLength(3);
    expect(text.match(/<soap12:body use="literal"\/>/g)).toHaveLength(3);
  });

  it('has both ports at the placeholder address the bus rewrites', () => {
    const ports = client.wsdl.definitions.services.LegacyOrderService.ports;
    expect(Object.values(ports).map((p) => p.location)).toEqual(['http://localhost:8080/soap/orders', 'http://localhost:8080/soap/orders']);
  });

  it('writes a SubmitOrder request with the qualified SubmitOrderRequest element', async () => {
    let request = '';
    client.on('request', (xml: string) => (request = xml));
    // Nothing listens at this address: only the request written is of interest (the call fails once it is sent).
    client.setEndpoint('http://127.0.0.1:9/soap/orders');
    await new Promise<void>((done) =>
      (client.SubmitOrder as (args: unknown, cb: () => void) => void)(
        { Order: { OrderNo: 'L-1', CustNo: 'C-1001', OrderDate: '2025-03-01', Currency: 'EUR', Lines: { Line: [{ Sku: 'A', Qty: 1, Price: '1.00' }] }, Total: '1.00' } },
        () => done(),
      ),
    );
    expect(request).toMatch(/<soap:Body><lt:SubmitOrderRequest xmlns:lt="urn:legacy:orders:types" xmlns="urn:legacy:orders:types"><lt:Order><lt:OrderNo>L-1<\/lt:OrderNo>/);
  });
});
