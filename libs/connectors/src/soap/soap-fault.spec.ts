import { BusError, ConfigError, DeliveryError, InputError, StepError, StoreError, ValidationError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, parseEnvelope } from './soap-envelope';
import { JUNCTION_FAULT_NS, buildFault, faultFor, parseFault } from './soap-fault';
import { SecurityError } from './ws-security';

const codec = createXmlCodec();

/** The content of a parsed fault's detail element (any prefix), in the XML convention. */
function detailOf(detail: string | undefined): Record<string, unknown> {
  const doc = codec.parse(detail ?? '') as Record<string, Record<string, unknown>>;
  return Object.values(doc)[0];
}

describe('buildFault', () => {
  it('writes a SOAP 1.1 Client fault with the code and message id in the detail, HTTP 500', () => {
    const fault = buildFault('1.1', { side: 'client', code: 'SOAP_BAD_BODY', reason: 'a < b & "c"', messageId: 'm-1' });
    expect(fault.status).toBe(500);
    expect(fault.contentType).toBe('text/xml; charset=utf-8');
    const env = parseEnvelope(fault.body, codec);
    expect(env.payload).toMatchObject({ ns: SOAP11_ENVELOPE_NS, localName: 'Fault' });
    const body = codec.parse(env.payload!.xml) as Record<string, Record<string, unknown>>;
    expect(body['soap:Fault']).toMatchObject({
      faultcode: 'soap:Client',
      faultstring: 'a < b & "c"',
      detail: { '@xmlns:j': JUNCTION_FAULT_NS, 'j:code': 'SOAP_BAD_BODY', 'j:messageId': 'm-1' },
    });
  });

  it('writes a SOAP 1.2 Sender fault with a j: Subcode, an English reason and the message id, HTTP 400', () => {
    const fault = buildFault('1.2', { side: 'client', code: 'WSSE_FAILED', reason: 'no', messageId: 'm-2' });
    expect(fault.status).toBe(400);
    expect(fault.contentType).toBe('application/soap+xml; charset=utf-8');
    const body = codec.parse(parseEnvelope(fault.body, codec).payload!.xml) as Record<string, Record<string, unknown>>;
    expect(body['env:Fault']).toMatchObject({
      '@xmlns:j': JUNCTION_FAULT_NS,
      'env:Code': { 'env:Value': 'env:Sender', 'env:Subcode': { 'env:Value': 'j:WSSE_FAILED' } },
      'env:Reason': { 'env:Text': { '@xml:lang': 'en', '#text': 'no' } },
      'env:Detail': { 'j:code': 'WSSE_FAILED', 'j:messageId': 'm-2' },
    });
  });

  it('answers a SOAP 1.2 Receiver fault with HTTP 500', () => {
    expect(buildFault('1.2', { side: 'server', code: 'X', reason: 'r' }).status).toBe(500);
  });

  it('keeps a fault parseable whatever the reason holds', () => {
    const fault = buildFault('1.2', { side: 'server', code: 'odd code!', reason: 'nul\u0000 and ]]> and \ud800' });
    const parsed = parseFault(fault.body, codec);
    expect(parsed).toMatchObject({ reason: 'nul\ufffd and ]]> and \ufffd', subcode: 'j:odd_code_' });
  });
});

describe('buildFault for a transport refusal', () => {
  it.each(['1.1', '1.2'] as const)('SOAP %s: keeps the given HTTP status (413) with a client-side Fault', (version) => {
    const fault = buildFault(version, { side: 'client', code: 'BODY_TOO_LARGE', reason: 'too large', status: 413 });
    expect(fault.status).toBe(413);
    expect(parseFault(fault.body, codec)).toMatchObject({ version, side: 'client', reason: 'too large' });
  });
});

describe('the VersionMismatch Fault (an Envelope in neither SOAP namespace)', () => {
  const err = new InputError('SOAP_VERSION_UNKNOWN', 'the Envelope namespace is neither', 400);

  it('SOAP 1.1: faultcode soap:VersionMismatch, HTTP 500', () => {
    const f = faultFor(err, '1.1');
    expect(f.status).toBe(500);
    expect(parseFault(f.body, codec)).toMatchObject({ side: 'client', code: 'soap:VersionMismatch' });
  });

  it('SOAP 1.2: env:VersionMismatch with an env:Upgrade header listing the 1.2 and 1.1 Envelopes, HTTP 500', () => {
    const f = faultFor(err, '1.2');
    expect(f.status).toBe(500);
    expect(parseFault(f.body, codec)).toMatchObject({ side: 'client', code: 'env:VersionMismatch', subcode: 'j:SOAP_VERSION_UNKNOWN' });
    const [upgrade] = parseEnvelope(f.body, codec).headers;
    expect(upgrade).toMatchObject({ ns: SOAP12_ENVELOPE_NS, localName: 'Upgrade' });
    const supported = (upgrade.value as Record<string, Array<Record<string, string>>>)['env:SupportedEnvelope'];
    expect(supported.map((e) => e[`@xmlns:${e['@qname'].split(':')[0]}`])).toEqual([SOAP12_ENVELOPE_NS, SOAP11_ENVELOPE_NS]);
  });
});

describe('faultFor', () => {
  const cases: Array<[string, unknown, 'client' | 'server', string]> = [
    ['InputError', new InputError('XML_MALFORMED', 'Malformed XML: line 1'), 'client', 'XML_MALFORMED'],
    ['SecurityError', new SecurityError('WSSE_FAILED', 'invalid username or password'), 'client', 'WSSE_FAILED'],
    ['ValidationError', new ValidationError('invalid order', ['/total must be number']), 'client', 'VALIDATION_FAILED'],
    ['StepError', new StepError('map', 'expression failed'), 'client', 'STEP_FAILED'],
    ['DeliveryError', new DeliveryError('HTTP_503', 'POST http://erp.internal:8080/orders: HTTP 503', { retriable: true }), 'server', 'HTTP_503'],
    ['StoreError', new StoreError('connect ECONNREFUSED 10.0.0.5:5432'), 'server', 'STORE_UNAVAILABLE'],
    ['ConfigError', new ConfigError('route has no target'), 'server', 'CONFIG_INVALID'],
    ['an INTERNAL BusError', new BusError('INTERNAL', 'TypeError: x is undefined at /app/lib.js:4'), 'server', 'INTERNAL'],
    ['a plain Error', new Error('secret internals at /app/lib.js:4'), 'server', 'INTERNAL'],
  ];

  it.each(cases)('maps %s to a %s fault with code %s in both versions', (_, err, side, code) => {
    for (const version of ['1.1', '1.2'] as const) {
      const parsed = parseFault(faultFor(err, version, 'm-9').body, codec);
      expect(parsed).toMatchObject({ version, side });
      expect(detailOf(parsed!.detail)).toMatchObject({ 'j:code': code, 'j:messageId': 'm-9' });
      expect(parsed!.reason).not.toMatch(/\/app\/|at .*:\d+|10\.0\.0\.5|erp\.internal/);
    }
  });

  it('keeps the message of a client-side error and lists validation errors', () => {
    const parsed = parseFault(faultFor(new ValidationError('invalid order', ['/total must be number', '/id is required']), '1.1').body, codec);
    expect(parsed!.reason).toBe('invalid order');
    expect(detailOf(parsed!.detail)).toMatchObject({ 'j:error': ['/total must be number', '/id is required'] });
  });

  it('gives a generic reason to internal errors and a fixed one to delivery time-outs', () => {
    expect(parseFault(faultFor(new TypeError('boom'), '1.2').body, codec)!.reason).toBe('internal error; quote the message id to support');
    const timeout = new DeliveryError('UND_ERR_HEADERS_TIMEOUT', 'POST http://x: timeout', { retriable: true });
    expect(parseFault(faultFor(timeout, '1.2').body, codec)!.reason).toBe('the target system did not answer in time');
  });

  it("takes the error's own message id by default", () => {
    const err = new InputError('SOAP_NO_BODY', 'no body');
    err.messageId = 'own-id';
    expect(detailOf(parseFault(faultFor(err, '1.1').body, codec)!.detail)).toMatchObject({ 'j:messageId': 'own-id' });
  });
});

describe('parseFault', () => {
  it.each([
    ['soap:Client', 'client', undefined],
    ['soap:Server', 'server', undefined],
    ['soap:Client.Authentication', 'client', 'Authentication'],
    ['soap:VersionMismatch', 'client', undefined],
    ['soap:MustUnderstand', 'client', undefined],
    ['ns1:Custom', 'server', undefined],
  ])('reads a SOAP 1.1 faultcode %s as %s', (faultcode, side, subcode) => {
    const xml = `<soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}"><soap:Body><soap:Fault>
      <faultcode>${faultcode}</faultcode><faultstring>went wrong</faultstring><detail><e:Info xmlns:e="urn:e">42</e:Info></detail>
    </soap:Fault></soap:Body></soap:Envelope>`;
    const parsed = parseFault(xml, codec);
    expect(parsed).toEqual({
      version: '1.1',
      side,
      code: faultcode,
      reason: 'went wrong',
      ...(subcode ? { subcode } : {}),
      detail: `<detail xmlns:soap="${SOAP11_ENVELOPE_NS}"><e:Info xmlns:e="urn:e">42</e:Info></detail>`,
    });
  });

  it.each([
    ['env:Sender', 'client'],
    ['env:Receiver', 'server'],
    ['env:VersionMismatch', 'client'],
    ['env:MustUnderstand', 'client'],
    ['env:DataEncodingUnknown', 'client'],
  ])('reads a SOAP 1.2 Code %s as %s, with its Subcode and English reason', (value, side) => {
    const xml = `<e:Envelope xmlns:e="${SOAP12_ENVELOPE_NS}"><e:Body><e:Fault>
      <e:Code><e:Value>${value.replace('env:', 'e:')}</e:Value><e:Subcode><e:Value xmlns:m="urn:m">m:Quota</e:Value></e:Subcode></e:Code>
      <e:Reason><e:Text xml:lang="fr">trop</e:Text><e:Text xml:lang="en-GB">too many</e:Text></e:Reason>
      <e:Detail>plain words</e:Detail>
    </e:Fault></e:Body></e:Envelope>`;
    expect(parseFault(xml, codec)).toEqual({
      version: '1.2',
      side,
      code: value.replace('env:', 'e:'),
      subcode: 'm:Quota',
      reason: 'too many',
      detail: 'plain words',
    });
  });

  it('recognises a Fault sent with HTTP 200 text (the status is not looked at)', () => {
    const body = Buffer.from(
      `<?xml version="1.0"?><S:Envelope xmlns:S="${SOAP11_ENVELOPE_NS}"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>ERP down</faultstring></S:Fault></S:Body></S:Envelope>`,
    );
    expect(parseFault(body, codec)).toEqual({ version: '1.1', side: 'server', code: 'S:Server', reason: 'ERP down' });
  });

  it('reads the 1.2-shaped Fault the soap package writes in a 1.1 Envelope', () => {
    const xml = `<soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}"><soap:Body><soap:Fault><soap:Code><soap:Value>SOAP-ENV:Client</soap:Value><soap:Subcode><soap:Value>AuthenticationFailure</soap:Value></soap:Subcode></soap:Code><soap:Reason><soap:Text>Invalid username or password</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>`;
    expect(parseFault(xml, codec)).toEqual({
      version: '1.1',
      side: 'client',
      code: 'SOAP-ENV:Client',
      subcode: 'AuthenticationFailure',
      reason: 'Invalid username or password',
    });
  });

  it.each([
    ['a normal response', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><r:Ok xmlns:r="urn:r"/></s:Body></s:Envelope>`],
    ['an empty Body', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body/></s:Envelope>`],
    ['a Fault element of another namespace', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><f:Fault xmlns:f="urn:f"/></s:Body></s:Envelope>`],
    ['an HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['a Fault using an undeclared prefix', `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body><s:Fault><x:faultcode/></s:Fault></s:Body></s:Envelope>`],
    ['text that is not XML', 'Service Unavailable'],
    ['a DOCTYPE', `<!DOCTYPE x><s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body/></s:Envelope>`],
  ])('gives undefined for %s', (_, body) => {
    expect(parseFault(body, codec)).toBeUndefined();
  });
});
