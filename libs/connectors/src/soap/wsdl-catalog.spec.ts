import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { BusError, ConfigError, InputError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { buildEnvelope, parseEnvelope } from './soap-envelope';
import { type WsdlCatalog, loadWsdl, operationNamed } from './wsdl-catalog';
import { serializeInput, serializeOutput } from './wsdl-serializer';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/wsdl');
const TYPES = 'http://example.com/orders/types';
const codec = createXmlCodec();

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('loadWsdl over the order service (SOAP 1.1 and 1.2 bindings, imported schema)', () => {
  let catalog: WsdlCatalog;
  beforeAll(async () => {
    catalog = await loadWsdl(path.join(FIXTURES, 'order-service.wsdl'));
  });

  it('lists the service with one port per binding, with its version and address', () => {
    expect(catalog.services).toEqual([
      {
        name: 'OrderService',
        ports: [
          { name: 'OrderSoap11Port', binding: 'OrderSoap11Binding', version: '1.1', address: 'http://legacy.example.com:8080/services/orders' },
          { name: 'OrderSoap12Port', binding: 'OrderSoap12Binding', version: '1.2', address: 'http://legacy.example.com:8080/services/orders12' },
        ],
      },
    ]);
  });

  it("lists every operation per binding with that binding's own soapAction, and the one-way one without output", () => {
    const el = (localName: string) => ({ ns: TYPES, localName });
    const common = { service: 'OrderService', style: 'document' };
    expect(catalog.operations).toEqual([
      { ...common, name: 'PlaceOrder', port: 'OrderSoap11Port', version: '1.1', soapAction: 'http://example.com/orders/PlaceOrder', input: el('PlaceOrder'), output: el('PlaceOrderResponse') },
      { ...common, name: 'GetOrder', port: 'OrderSoap11Port', version: '1.1', soapAction: 'http://example.com/orders/GetOrder', input: el('GetOrder'), output: el('GetOrderResponse') },
      { ...common, name: 'CancelOrder', port: 'OrderSoap11Port', version: '1.1', soapAction: 'http://example.com/orders/CancelOrder', input: el('CancelOrder') },
      { ...common, name: 'PlaceOrder', port: 'OrderSoap12Port', version: '1.2', soapAction: 'urn:orders:PlaceOrder12', input: el('PlaceOrder'), output: el('PlaceOrderResponse') },
      { ...common, name: 'GetOrder', port: 'OrderSoap12Port', version: '1.2', soapAction: 'urn:orders:GetOrder12', input: el('GetOrder'), output: el('GetOrderResponse') },
      { ...common, name: 'CancelOrder', port: 'OrderSoap12Port', version: '1.2', soapAction: 'urn:orders:CancelOrder12', input: el('CancelOrder') },
    ]);
  });

  it("keeps soap's model for the schemas, imported and included ones merged", () => {
    expect(catalog.location).toBe(path.join(FIXTURES, 'order-service.wsdl'));
    const schema = catalog.wsdl.definitions.schemas[TYPES];
    expect(Object.keys(schema.complexTypes)).toEqual(expect.arrayContaining(['Order', 'Line']));
    expect(Object.keys(schema.types)).toEqual(expect.arrayContaining(['Sku', 'Currency', 'OrderStatus']));
  });

  describe('serializeOutput', () => {
    const getOrder = () => operationNamed(catalog, { name: 'GetOrder' })!;
    const reply = {
      Status: 'SHIPPED',
      Order: {
        Note: null,
        Line: [
          { UnitPrice: 3.5, Quantity: 2, Sku: 'A-1' },
          { Quantity: 1, Sku: 'B-2', UnitPrice: 10 },
        ],
        Currency: 'EUR',
        CustomerId: 'C<1> & "co"',
        OrderId: 'O-1',
      },
    };

    it("writes a REST reply as the declared element, in the schema's namespace and element order", () => {
      const xml = serializeOutput(catalog, getOrder(), reply);
      const doc = codec.parse(xml) as Record<string, Record<string, unknown>>;
      const [qname] = Object.keys(doc);
      const prefix = qname.split(':')[0];
      const root = doc[qname];
      expect(qname).toBe(`${prefix}:GetOrderResponse`);
      expect(root[`@xmlns:${prefix}`]).toBe(TYPES);
      const p = (n: string) => `${prefix}:${n}`;
      expect(Object.keys(root).filter((k) => !k.startsWith('@'))).toEqual([p('Order'), p('Status')]);
      const orderValue = root[p('Order')] as Record<string, unknown>;
      expect(Object.keys(orderValue)).toEqual([p('OrderId'), p('CustomerId'), p('Currency'), p('Line')]);
      expect(orderValue[p('CustomerId')]).toBe('C<1> & "co"');
      expect(orderValue[p('Line')]).toEqual([
        { [p('Sku')]: 'A-1', [p('Quantity')]: '2', [p('UnitPrice')]: '3.5' },
        { [p('Sku')]: 'B-2', [p('Quantity')]: '1', [p('UnitPrice')]: '10' },
      ]);
      // A response the bus can send: it goes into an envelope and parses back as the operation's output.
      const env = parseEnvelope(buildEnvelope('1.1', xml), codec);
      expect(env.payload).toMatchObject(getOrder().output!);
    });

    it('unwraps a value keyed by the element name, and writes requests too', () => {
      const place = operationNamed(catalog, { name: 'PlaceOrder' })!;
      const wrapped = serializeOutput(catalog, place, { PlaceOrderResponse: { Total: 5, Status: 'ACCEPTED', OrderId: 'x' } });
      expect(wrapped).toMatch(/<(\w+):OrderId>x<\/\1:OrderId><\1:Status>ACCEPTED<\/\1:Status><\1:Total>5<\/\1:Total>/);
      const order = { Line: { Sku: 'ABC-1', Quantity: 1, UnitPrice: 2 }, Currency: 'EUR', CustomerId: 'C-1', OrderId: 'O-2' };
      const input = serializeInput(catalog, place, { PlaceOrder: { Order: order } });
      expect(parseEnvelope(buildEnvelope('1.2', input), codec).payload).toMatchObject({ ns: TYPES, localName: 'PlaceOrder' });
    });

    it("writes text as text: soap's special keys are undeclared keys, a fake CDATA is escaped", () => {
      const place = operationNamed(catalog, { name: 'PlaceOrder' })!;
      const xml = serializeOutput(catalog, place, { OrderId: '<![CDATA[x]]><Injected/>', Status: 'ACCEPTED', Total: 1 });
      const root = Object.values(codec.parse(xml))[0] as Record<string, unknown>;
      expect(Object.values(root).filter((v) => typeof v === 'string')).toContain('<![CDATA[x]]><Injected/>');
      for (const key of ['$xml', '$attributes', '_xml']) {
        expect(() => serializeOutput(catalog, place, { OrderId: 'x', Status: 'ACCEPTED', Total: 1, [key]: '<Injected/>' })).toThrow(
          `PlaceOrderResponse.${key}: is not declared by the schema`,
        );
      }
    });

    it('refuses a value that does not fit the schema as XML_SCHEMA_MISMATCH naming the path, not retriable', () => {
      const err = (() => {
        try {
          serializeOutput(catalog, operationNamed(catalog, { name: 'PlaceOrder' })!, { OrderId: 'x', Status: 'ACCEPTED', Total: 'five' });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(BusError);
      expect(err).toMatchObject({ code: 'XML_SCHEMA_MISMATCH', retriable: false, message: 'PlaceOrderResponse.Total: "five" is not a valid decimal: expected a decimal number without exponent' });
    });

    it('refuses a one-way operation', () => {
      expect(() => serializeOutput(catalog, operationNamed(catalog, { name: 'CancelOrder' })!, {})).toThrow(ConfigError);
    });
  });
});

describe('loadWsdl, other shapes', () => {
  it('follows a wsdl:import of the abstract half and skips the non-SOAP binding', async () => {
    const catalog = await loadWsdl(path.join(FIXTURES, 'order-service-split.wsdl'));
    expect(catalog.services).toEqual([{ name: 'OrderQueryService', ports: [{ name: 'QueriesSoapPort', binding: 'QueriesSoap', version: '1.1', address: 'http://old-host/queries' }] }]);
    expect(catalog.operations).toEqual([
      {
        name: 'GetOrder',
        service: 'OrderQueryService',
        port: 'QueriesSoapPort',
        version: '1.1',
        soapAction: 'urn:queries:GetOrder',
        style: 'document',
        input: { ns: TYPES, localName: 'GetOrder' },
        output: { ns: TYPES, localName: 'GetOrderResponse' },
      },
    ]);
    const order = { OrderId: 'O-1', CustomerId: 'C-1', Currency: 'EUR', Line: [] as unknown[] };
    expect(() => serializeOutput(catalog, catalog.operations[0], { Status: 'SHIPPED', Order: order })).toThrow('GetOrderResponse.Order.Line: the element is required');
    order.Line.push({ Sku: 'ABC-1', Quantity: 1, UnitPrice: 1 });
    expect(serializeOutput(catalog, catalog.operations[0], { Status: 'SHIPPED', Order: order })).toContain('GetOrderResponse');
  });

  it('reads an rpc operation: the Body element is the wrapper in the soap:body namespace, with its parts', async () => {
    const catalog = await loadWsdl(path.join(FIXTURES, 'legacy-stock-rpc.wsdl'));
    expect(catalog.operations).toEqual([
      {
        name: 'GetStock',
        service: 'StockService',
        port: 'StockPort',
        version: '1.1',
        style: 'rpc',
        input: { ns: 'urn:legacy:stock', localName: 'GetStock' },
        output: { ns: 'urn:legacy:stock', localName: 'GetStockResponse' },
        inputParts: [{ name: 'sku', type: '{http://www.w3.org/2001/XMLSchema}string' }],
        outputParts: [{ name: 'quantity', type: '{http://www.w3.org/2001/XMLSchema}int' }],
      },
    ]);
    expect(serializeOutput(catalog, catalog.operations[0], { quantity: 1 })).toBe(
      '<ns1:GetStockResponse xmlns:ns1="urn:legacy:stock"><quantity>1</quantity></ns1:GetStockResponse>',
    );
    expect(serializeInput(catalog, catalog.operations[0], { sku: 'A-1' })).toBe('<ns1:GetStock xmlns:ns1="urn:legacy:stock"><sku>A-1</sku></ns1:GetStock>');
    expect(() => serializeOutput(catalog, catalog.operations[0], { quantity: 'many' })).toThrow('GetStockResponse.quantity: "many" is not a valid int');
  });

  it('loads from an http URL, imports resolved against it', async () => {
    const server: HttpServer = createServer((req, res) => {
      const file = path.join(FIXTURES, path.basename(req.url ?? ''));
      try {
        res.end(readFileSync(file));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/order-service.wsdl`;
      const catalog = await loadWsdl(url);
      expect(catalog.location).toBe(url);
      expect(catalog.operations).toHaveLength(6);
      expect(catalog.wsdl.definitions.schemas[TYPES].complexTypes.Order).toBeDefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses an import outside the WSDL folder, a missing file, and a DOCTYPE, naming the WSDL', async () => {
    const escaping = await failure(() => loadWsdl(path.join(FIXTURES, 'traversal/escaping.wsdl')));
    expect(escaping).toBeInstanceOf(ConfigError);
    expect(escaping.message).toMatch(/escaping\.wsdl: the location '.*orders\.xsd' lies outside the WSDL's folder/);

    const missing = await failure(() => loadWsdl(path.join(FIXTURES, 'no-such.wsdl')));
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toContain('no-such.wsdl');

    const dir = mkdtempSync(path.join(tmpdir(), 'junction-wsdl-'));
    try {
      const file = path.join(dir, 'doctype.wsdl');
      writeFileSync(file, readFileSync(path.join(FIXTURES, 'legacy-stock-rpc.wsdl'), 'utf8').replace('<definitions', '<!DOCTYPE definitions>\n<definitions'));
      const doctype = await failure(() => loadWsdl(file));
      expect(doctype).toBeInstanceOf(ConfigError);
      expect(doctype.message).toMatch(/doctype\.wsdl: XML DOCTYPE is not allowed/);

      // A link inside the folder that leads out of it is refused too.
      const linked = path.join(dir, 'linked');
      symlinkSync(FIXTURES, path.join(dir, 'elsewhere'));
      writeFileSync(linked + '.wsdl', readFileSync(path.join(FIXTURES, 'traversal/escaping.wsdl'), 'utf8').replace('../orders.xsd', 'elsewhere/orders.xsd'));
      const throughLink = await failure(() => loadWsdl(linked + '.wsdl'));
      expect(throughLink).toBeInstanceOf(ConfigError);
      expect(throughLink.message).toContain('lies outside');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
