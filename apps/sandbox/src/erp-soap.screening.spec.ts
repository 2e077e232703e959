import { XMLParser } from 'fast-xml-parser';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, type SoapVersion } from './sandbox.soap';
import { startSandbox, type Sandbox } from './sandbox.server';
import { faultOf } from './testing/soap-calls';

const MEDIA: Record<SoapVersion, string> = { '1.1': 'text/xml; charset=utf-8', '1.2': 'application/soap+xml; charset=utf-8' };
const envelope = (version: SoapVersion, body: string) =>
  `<?xml version="1.0"?><env:Envelope xmlns:env="${version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS}"><env:Body>${body}</env:Body></env:Envelope>`;
const ORDER = '<Order xmlns="urn:sandbox:erp:types"><OrderId>E-1</OrderId><CustomerId>C-1</CustomerId><Lines><Line><Sku>A</Sku><Qty>1</Qty></Line></Lines></Order>';

/** Envelopes written by hand, as a bus or any other client might send them, and what the sandbox makes of them. */
describe('ERP (SOAP) screening of what it receives', () => {
  let sandbox: Sandbox;
  const post = (body: string, headers: Record<string, string>) => fetch(`${sandbox.url}/erp/soap`, { method: 'POST', headers, body });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.recorder.clear());

  it('takes any envelope prefix and a default namespace on the body element', async () => {
    const res = await post(envelope('1.1', ORDER), { 'content-type': MEDIA['1.1'], soapaction: 'urn:sandbox:erp/SubmitOrder' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<t:OrderAck[^>]*><t:OrderId>E-1<\/t:OrderId><t:Status>ACCEPTED<\/t:Status>/);
  });

  it('takes a SOAP 1.2 envelope with another prefix than soap, and a single line', async () => {
    const quote =
      '<q:PriceRequest xmlns:q="urn:sandbox:erp:types"><q:CustomerId>C-1</q:CustomerId>' +
      '<q:Lines><q:Line><q:Sku>SKU-CHAIR-01</q:Sku><q:Qty>2</q:Qty></q:Line></q:Lines></q:PriceRequest>';
    const res = await post(envelope('1.2', quote), { 'content-type': `${MEDIA['1.2']}; action="urn:sandbox:erp/GetQuote"` });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`xmlns:soap="${SOAP12_ENVELOPE_NS}"`);
    expect(text).toMatch(/<t:Line><t:Sku>SKU-CHAIR-01<\/t:Sku><t:Qty>2<\/t:Qty><t:UnitPrice>149.00<\/t:UnitPrice><t:Amount>298.00<\/t:Amount><\/t:Line>/);
    expect(text).toContain('<t:Total>298.00</t:Total>');
  });

  it('dispatches on the body element when there is no SOAPAction (SOAP 1.2 without an action parameter)', async () => {
    const res = await post(envelope('1.2', ORDER), { 'content-type': MEDIA['1.2'] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/soap+xml');
    expect(sandbox.recorder.list('erp')).toMatchObject([{ operation: 'SubmitOrder', status: 200 }]);
  });

  it.each([
    ['1.1', 'malformed XML', '<env:Envelope', MEDIA['1.1'], 500, /malformed XML/],
    ['1.2', 'malformed XML', '<env:Envelope', MEDIA['1.2'], 400, /malformed XML/],
    ['1.1', 'no envelope', '<Order/>', MEDIA['1.1'], 500, /expected a SOAP 1.1 or 1.2 Envelope, got <Order>/],
    ['1.1', 'an empty body', '', MEDIA['1.1'], 500, /malformed XML at line 1: Start tag expected/],
    ['1.2', 'a 1.2 envelope as text/xml', envelope('1.2', ORDER), MEDIA['1.1'], 415, /SOAP 1.2 envelope comes as application\/soap\+xml/],
    ['1.1', 'an empty SOAP Body', envelope('1.1', ''), MEDIA['1.1'], 500, /an element in the SOAP Body/],
    ['1.1', 'an element no operation takes', envelope('1.1', '<Invoice xmlns="urn:sandbox:erp:types"/>'), MEDIA['1.1'], 500, /no operation takes \{urn:sandbox:erp:types\}Invoice/],
    ['1.1', 'an Order outside the types namespace', envelope('1.1', '<Order><OrderId>1</OrderId></Order>'), MEDIA['1.1'], 500, /no operation takes \{\}Order; expected one of \{urn:sandbox:erp:types\}Order/],
  ] as const)('answers SOAP %s %s with a client Fault', async (version, _name, body, contentType, status, reason) => {
    const res = await post(body, { 'content-type': contentType });
    expect(res.status).toBe(status);
    const text = await res.text();
    expect(text).toContain(`xmlns:soap="${version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS}"`);
    expect(faultOf(text)).toEqual({ code: version === '1.1' ? 'Client' : 'Sender', reason: expect.stringMatching(reason) });
    expect(sandbox.recorder.list('erp')).toMatchObject([{ status, body }]);
  });

  it.each([
    ['1.1', { soapaction: '"urn:sandbox:erp/GetQuote"', 'content-type': MEDIA['1.1'] }],
    ['1.2', { 'content-type': `${MEDIA['1.2']}; action="urn:sandbox:erp/GetQuote"` }],
  ] as const)('answers SOAP %s with an action that does not match the body with a client Fault', async (version, headers) => {
    const res = await post(envelope(version, ORDER), headers);
    expect(faultOf(await res.text())).toEqual({
      code: version === '1.1' ? 'Client' : 'Sender',
      reason: 'action "urn:sandbox:erp/GetQuote" does not match the body\'s SubmitOrder: expected "urn:sandbox:erp/SubmitOrder"',
    });
    expect(sandbox.recorder.list('erp')).toMatchObject([{ operation: 'SubmitOrder' }]);
  });

  it.each(['1.1', '1.2'] as const)('writes SOAP %s Faults of its own as node-soap writes those of the operations', async (version) => {
    const shape = (xml: string): unknown => strip(new XMLParser({ ignoreAttributes: false }).parse(xml));
    const ownFault = await post(envelope(version, '<Nothing xmlns="urn:sandbox:erp:types"/>'), { 'content-type': MEDIA[version] });
    const operationFault = await post(envelope(version, '<Order xmlns="urn:sandbox:erp:types"><OrderId>E-2</OrderId></Order>'), {
      'content-type': MEDIA[version],
    });
    expect(ownFault.status).toBe(operationFault.status);
    expect(ownFault.headers.get('content-type')?.split(';')[0]).toBe(operationFault.headers.get('content-type')?.split(';')[0]);
    const own = shape(await ownFault.text());
    expect(own).toEqual(shape(await operationFault.text()));
    expect(JSON.stringify(own)).toContain(version === '1.1' ? 'faultstring' : 'soap:Reason');
  });

  it('answers 413 to an envelope over maxBodyBytes, as the other systems', async () => {
    const small = await startSandbox({ port: 0, maxBodyBytes: 64 });
    try {
      const res = await fetch(`${small.url}/erp/soap`, { method: 'POST', headers: { 'content-type': MEDIA['1.1'] }, body: envelope('1.1', ORDER) });
      expect(res.status).toBe(413);
      expect(small.recorder.list('erp')).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

/** The element structure of a document: texts and namespace declarations dropped, names and other attributes kept. */
function strip(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return '';
  return Object.fromEntries(
    Object.entries(node as Record<string, unknown>)
      .filter(([k]) => !k.startsWith('@_xmlns') && k !== '?xml' && k !== '#text')
      .map(([k, v]) => [k, k.startsWith('@_') ? v : strip(v)]),
  );
}
