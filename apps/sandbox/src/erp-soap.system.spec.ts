import { createClientAsync, type Client } from 'soap';
import { ERP_WSDL_NAMES } from './erp-soap.operations';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS } from './sandbox.soap';
import { startSandbox, type Sandbox } from './sandbox.server';
import { callSoap } from './testing/soap-calls';

const order = (orderId: string, overrides: Record<string, unknown> = {}) => ({
  OrderId: orderId,
  CustomerId: 'C-1001',
  Channel: 'WEB',
  Priority: 'HIGH',
  Currency: 'EUR',
  Total: '1298.00',
  Lines: { Line: [{ Sku: 'SKU-DESK-01', Qty: 2, UnitPrice: '649.00' }] },
  ...overrides,
});

describe('ERP (SOAP)', () => {
  let sandbox: Sandbox;
  let clients: Record<'1.1' | '1.2', Client>;
  const wsdlUrl = () => `${sandbox.url}/erp/soap?wsdl`;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => new Date('2025-03-01T10:00:00.000Z') });
    clients = {
      '1.1': await createClientAsync(wsdlUrl(), { disableCache: true }),
      '1.2': await createClientAsync(wsdlUrl(), { disableCache: true, forceSoap12Headers: true }),
    };
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.recorder.clear());

  describe('its WSDL', () => {
    it('is served at /erp/soap?wsdl with both ports at the sandbox URL, and its schema beside it', async () => {
      const res = await fetch(wsdlUrl());
      expect(res.status).toBe(200);
      const wsdl = await res.text();
      expect(wsdl).toContain('targetNamespace="urn:sandbox:erp"');
      expect(wsdl).toContain(`<soap:address location="${sandbox.url}/erp/soap"/>`);
      expect(wsdl).toContain(`<soap12:address location="${sandbox.url}/erp/soap"/>`);
      const xsd = await fetch(`${sandbox.url}/erp/erp-types.xsd`);
      expect(xsd.status).toBe(200);
      expect(await xsd.text()).toContain('targetNamespace="urn:sandbox:erp:types"');
      expect(sandbox.recorder.list('erp')).toEqual([]);
    });

    it('describes the three operations on both ports', () => {
      const ports = clients['1.1'].describe()[ERP_WSDL_NAMES.service] as Record<string, Record<string, { output?: unknown }>>;
      expect(Object.keys(ports)).toEqual([ERP_WSDL_NAMES.soap11Port, ERP_WSDL_NAMES.soap12Port]);
      for (const port of Object.values(ports)) {
        expect(Object.keys(port)).toEqual(['SubmitOrder', 'GetQuote', 'NotifyShipment']);
        expect(port.NotifyShipment.output ?? null).toBeNull();
      }
    });

    it('refuses other methods on the endpoint with 405', async () => {
      const res = await fetch(`${sandbox.url}/erp/soap`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, POST');
    });
  });

  describe.each([
    ['1.1', ERP_WSDL_NAMES.soap11Port, SOAP11_ENVELOPE_NS, 'text/xml', 'Client', 500, 'Server'],
    ['1.2', ERP_WSDL_NAMES.soap12Port, SOAP12_ENVELOPE_NS, 'application/soap+xml', 'Sender', 400, 'Receiver'],
  ] as const)('SOAP %s', (version, port, envelopeNs, mediaType, clientCode, clientStatus, serverCode) => {
    const call = (operation: string, args: unknown, headers: Record<string, string> = {}) =>
      callSoap(clients[version], [ERP_WSDL_NAMES.service, port], operation, args, headers);

    it('SubmitOrder acknowledges with ACCEPTED and an ErpRef, in the version of the request', async () => {
      const res = await call('SubmitOrder', order(`S${version}-1`));
      expect(res.status).toBe(200);
      expect(res.result).toEqual({ OrderId: `S${version}-1`, Status: 'ACCEPTED', ErpRef: expect.stringMatching(/^ERP-\d{6}$/) });
      expect(res.body).toContain(`xmlns:soap="${envelopeNs}"`);
      expect(res.contentType).toContain(mediaType);
      expect(res.request).toContain(`xmlns:soap="${envelopeNs}"`);
    });

    it('SubmitOrder gives the same OrderId the same ErpRef', async () => {
      const first = (await call('SubmitOrder', order(`S${version}-2`))).result as { ErpRef: string };
      const again = (await call('SubmitOrder', order(`S${version}-2`))).result as { ErpRef: string };
      expect(again.ErpRef).toBe(first.ErpRef);
    });

    it('GetQuote prices as POST /erp/quotes does', async () => {
      const res = await call('GetQuote', {
        CustomerId: 'C-1001',
        PriceList: 'GOLD',
        Currency: 'EUR',
        Lines: { Line: [{ Sku: 'SKU-DESK-01', Qty: 1 }, { Sku: 'SKU-LAMP-02', Qty: 3 }] },
      });
      expect(res.status).toBe(200);
      expect(res.result).toMatchObject({
        QuoteRef: expect.stringMatching(/^QT-\d{6}$/),
        CustomerId: 'C-1001',
        PriceList: 'GOLD',
        Currency: 'EUR',
        Lines: {
          Line: [
            { Sku: 'SKU-DESK-01', Qty: 1, UnitPrice: '584.10', Amount: '584.10' },
            { Sku: 'SKU-LAMP-02', Qty: 3, UnitPrice: '35.91', Amount: '107.73' },
          ],
        },
        Total: '691.83',
      });
      expect(res.body).toContain('<t:ValidUntil>2025-03-15</t:ValidUntil>');
    });

    it('NotifyShipment is one-way: 202 and no body, recorded with its operation', async () => {
      const res = await call('NotifyShipment', { OrderId: 'W-1', Carrier: 'DHL', TrackingNo: 'JD0001' });
      expect(res.status).toBe(202);
      expect(res.body).toBe('');
      expect(sandbox.recorder.list('erp')).toMatchObject([{ operation: 'NotifyShipment', status: 202 }]);
    });

    it.each([
      ['no OrderId', order('', {}), /non-empty OrderId/],
      ['no CustomerId', order('X-1', { CustomerId: '' }), /non-empty CustomerId/],
      ['no lines', order('X-2', { Lines: {} }), /at least one Lines\/Line/],
      ['a line without quantity', order('X-3', { Lines: { Line: [{ Sku: 'SKU-DESK-01' }] } }), /line 1: expected a Qty/],
    ])('SubmitOrder with %s is a client Fault', async (_name, args, reason) => {
      const res = await call('SubmitOrder', args);
      expect(res.status).toBe(clientStatus);
      expect(res.fault).toEqual({ code: clientCode, reason: expect.stringMatching(reason) });
      expect(res.body).toContain(`xmlns:soap="${envelopeNs}"`);
    });

    it('GetQuote with an unknown SKU is a client Fault', async () => {
      const res = await call('GetQuote', { CustomerId: 'C-1001', Lines: { Line: [{ Sku: 'SKU-NOPE', Qty: 1 }] } });
      expect(res.status).toBe(clientStatus);
      expect(res.fault).toEqual({ code: clientCode, reason: 'unknown SKU SKU-NOPE' });
    });

    it('NotifyShipment without a TrackingNo is a client Fault', async () => {
      const res = await call('NotifyShipment', { OrderId: 'W-1' });
      expect(res.status).toBe(clientStatus);
      expect(res.fault).toEqual({ code: clientCode, reason: 'expected a non-empty TrackingNo in ShipmentNotice' });
    });

    it.each([503, 500])('x-sandbox-fail: %i is a server Fault with that status, recorded as injected', async (status) => {
      const res = await call('SubmitOrder', order(`F${version}-${status}`), { 'x-sandbox-fail': String(status) });
      expect(res.status).toBe(status);
      expect(res.fault).toEqual({ code: serverCode, reason: 'fault injected by the sandbox (header)' });
      expect(res.contentType).toContain(mediaType);
      expect(sandbox.recorder.list('erp')).toMatchObject([{ operation: 'SubmitOrder', status, fault: 'header' }]);
    });

    it('fails one-way calls on injection too', async () => {
      const res = await call('NotifyShipment', { OrderId: 'W-1', TrackingNo: 'T' }, { 'x-sandbox-fail': '503' });
      expect(res.status).toBe(503);
      expect(res.fault?.code).toBe(serverCode);
    });

    it.each([
      ['server', serverCode],
      ['client', clientCode],
    ])('x-sandbox-fault-200: %s is a Fault with HTTP 200', async (kind, code) => {
      const res = await call('SubmitOrder', order(`G${version}-${kind}`), { 'x-sandbox-fault-200': kind });
      expect(res.status).toBe(200);
      expect(res.result).toBeUndefined();
      expect(res.fault).toEqual({ code, reason: 'fault injected by the sandbox (x-sandbox-fault-200)' });
      expect(sandbox.recorder.list('erp')).toMatchObject([{ status: 200, fault: 'header', operation: 'SubmitOrder' }]);
    });

    it('refuses a malformed x-sandbox-fault-200 with a 400 client Fault', async () => {
      const res = await call('SubmitOrder', order('G-x'), { 'x-sandbox-fault-200': 'maybe' });
      expect(res.status).toBe(400);
      expect(res.fault).toEqual({ code: clientCode, reason: expect.stringContaining('x-sandbox-fault-200') });
    });
  });

  describe('recording', () => {
    it('records each call under erp with the envelope, the operation, the SOAPAction and the status', async () => {
      const res = await callSoap(clients['1.1'], [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap11Port], 'SubmitOrder', order('R-1'));
      const [entry] = sandbox.recorder.list('erp');
      expect(entry).toMatchObject({ system: 'erp', method: 'POST', path: '/erp/soap', operation: 'SubmitOrder', status: 200 });
      expect(entry.body).toBe(res.request);
      expect(entry.headers.soapaction).toBe('"urn:sandbox:erp/SubmitOrder"');
      expect(entry.fault).toBeUndefined();
      expect(sandbox.recorder.counts().erp).toEqual({ received: 1, failed: 0 });
    });

    it('shows the operation in GET /_sandbox/received and counts Faults as failed', async () => {
      await callSoap(clients['1.2'], [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap12Port], 'GetQuote', { CustomerId: 'C-1', Lines: {} });
      const received = (await (await fetch(`${sandbox.url}/_sandbox/received?system=erp`)).json()) as { operation?: string; status: number }[];
      expect(received).toMatchObject([{ operation: 'GetQuote', status: 400 }]);
      expect(sandbox.recorder.counts().erp).toEqual({ received: 1, failed: 1 });
    });
  });

  it('shares the ERP books with the XML endpoint: the same OrderId gets the same ErpRef', async () => {
    const xml = await fetch(`${sandbox.url}/erp/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<Order><OrderId>BOTH-1</OrderId></Order>',
    });
    const xmlRef = /<ErpRef>(ERP-\d+)<\/ErpRef>/.exec(await xml.text())?.[1];
    const soap = await callSoap(clients['1.1'], [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap11Port], 'SubmitOrder', order('BOTH-1'));
    expect(xmlRef).toMatch(/^ERP-\d{6}$/);
    expect((soap.result as { ErpRef: string }).ErpRef).toBe(xmlRef);
  });

  it('applies scheduled faults to SOAP calls as to the XML endpoint', async () => {
    sandbox.faults.schedule('erp', 503, 1);
    const port = [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap11Port] as const;
    const first = await callSoap(clients['1.1'], port, 'SubmitOrder', order('SCHED-1'));
    const second = await callSoap(clients['1.1'], port, 'SubmitOrder', order('SCHED-1'));
    expect([first.status, first.fault?.code, second.status]).toEqual([503, 'Server', 200]);
    expect(sandbox.recorder.list('erp').map((r) => r.fault ?? null)).toEqual(['scheduled', null]);
  });

  it('answers after x-sandbox-delay-ms', async () => {
    const begun = Date.now();
    const res = await callSoap(clients['1.1'], [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap11Port], 'SubmitOrder', order('D-1'), {
      'x-sandbox-delay-ms': '150',
    });
    expect(res.status).toBe(200);
    expect(Date.now() - begun).toBeGreaterThanOrEqual(140);
  });
});
