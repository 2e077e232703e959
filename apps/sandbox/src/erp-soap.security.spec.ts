import { randomBytes } from 'node:crypto';
import { createClientAsync, passwordDigest as soapPasswordDigest, WSSecurity, type Client } from 'soap';
import { ERP_WSDL_NAMES } from './erp-soap.operations';
import { startSandbox, type Sandbox } from './sandbox.server';
import { PASSWORD_DIGEST, passwordDigest, WSSE_NS, WSU_NS } from './sandbox.wssecurity';
import { callSoap, faultOf } from './testing/soap-calls';

const credentials = { username: 'erp', password: 'erp-secret' };
const order = { OrderId: 'SEC-1', CustomerId: 'C-1001', Lines: { Line: [{ Sku: 'SKU-LAMP-02', Qty: 1 }] } };
const port11 = [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap11Port] as const;
const port12 = [ERP_WSDL_NAMES.service, ERP_WSDL_NAMES.soap12Port] as const;

describe('ERP (SOAP) with WS-Security', () => {
  let sandbox: Sandbox;
  const client = async (soap12 = false): Promise<Client> =>
    createClientAsync(`${sandbox.url}/erp/soap?wsdl`, { disableCache: true, forceSoap12Headers: soap12 });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, erpCredentials: credentials });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.recorder.clear());

  it.each(['PasswordDigest', 'PasswordText'])('accepts a UsernameToken with a %s', async (passwordType) => {
    const c = await client();
    c.setSecurity(new WSSecurity(credentials.username, credentials.password, { passwordType }));
    const res = await callSoap(c, port11, 'SubmitOrder', order);
    expect(res.status).toBe(200);
    expect(res.result).toMatchObject({ OrderId: 'SEC-1', Status: 'ACCEPTED' });
    expect(res.request).toContain(`#${passwordType}">`);
    expect(sandbox.recorder.list('erp')).toMatchObject([{ operation: 'SubmitOrder', status: 200 }]);
  });

  it('accepts a digest token over SOAP 1.2 and on a one-way operation', async () => {
    const c = await client(true);
    c.setSecurity(new WSSecurity(credentials.username, credentials.password, { passwordType: 'PasswordDigest' }));
    expect((await callSoap(c, port12, 'SubmitOrder', order)).status).toBe(200);
    expect((await callSoap(c, port12, 'NotifyShipment', { OrderId: 'SEC-1', TrackingNo: 'T-1' })).status).toBe(202);
  });

  it.each([
    ['PasswordDigest', 'wrong'],
    ['PasswordText', 'wrong'],
  ])('answers a %s with a wrong password with a Client Fault', async (passwordType, password) => {
    const c = await client();
    c.setSecurity(new WSSecurity(credentials.username, password, { passwordType }));
    const res = await callSoap(c, port11, 'SubmitOrder', order);
    expect(res.status).toBe(500);
    expect(res.fault).toEqual({ code: 'Client', reason: 'WS-Security: the security token could not be authenticated' });
    expect(sandbox.recorder.list('erp')).toMatchObject([{ operation: 'SubmitOrder', status: 500 }]);
  });

  it('answers a wrong user over SOAP 1.2 with a Sender Fault whose subcode is wsse:FailedAuthentication', async () => {
    const c = await client(true);
    c.setSecurity(new WSSecurity('someone', credentials.password, { passwordType: 'PasswordDigest' }));
    const res = await callSoap(c, port12, 'SubmitOrder', order);
    expect(res.status).toBe(400);
    expect(res.fault).toEqual({ code: 'Sender', subcode: 'FailedAuthentication', reason: expect.stringContaining('WS-Security') });
    expect(res.body).toContain(`xmlns:wsse="${WSSE_NS}">wsse:FailedAuthentication</soap:Value>`);
  });

  it('answers a call without a token with a Client Fault (InvalidSecurity), one-way calls included', async () => {
    const c = await client(true);
    const res = await callSoap(c, port12, 'NotifyShipment', { OrderId: 'SEC-1', TrackingNo: 'T-1' });
    expect(res.status).toBe(400);
    expect(res.fault).toEqual({ code: 'Sender', subcode: 'InvalidSecurity', reason: expect.stringMatching(/UsernameToken is required/) });
  });

  it('refuses a digest whose Created is stale', async () => {
    const stale = new Date(Date.now() - 10 * 60_000).toISOString();
    const res = await post(sandbox, digestEnvelope(credentials.username, credentials.password, stale));
    expect(res.status).toBe(500);
    expect(faultOf(await res.text())).toEqual({ code: 'Client', reason: 'WS-Security: the security token could not be authenticated' });
  });

  it('accepts a digest token written by hand (the UsernameToken Profile formula)', async () => {
    const res = await post(sandbox, digestEnvelope(credentials.username, credentials.password, new Date().toISOString()));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<t:Status>ACCEPTED</t:Status>');
  });

  it('echoes a request Timestamp in a mustUnderstand Security header of the answer, as node-soap (and WCF) do', async () => {
    const c = await client();
    c.setSecurity(new WSSecurity(credentials.username, credentials.password, { passwordType: 'PasswordDigest', hasTimeStamp: true }));
    const res = await callSoap(c, port11, 'SubmitOrder', order);
    expect(res.body).toMatch(/<soap:Header><o:Security soap:mustUnderstand="1" [^>]*>\s*<u:Timestamp u:Id="_0">/);
  });

  it('computes the digest as node-soap does', () => {
    const nonce = randomBytes(16).toString('base64');
    expect(passwordDigest(nonce, '2025-03-01T10:00:00Z', 'erp-secret')).toBe(soapPasswordDigest(nonce, '2025-03-01T10:00:00Z', 'erp-secret'));
  });

  it('leaves the XML endpoints open', async () => {
    const res = await fetch(`${sandbox.url}/erp/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<Order><OrderId>SEC-XML</OrderId></Order>',
    });
    expect(res.status).toBe(200);
  });
});

function post(sandbox: Sandbox, envelope: string): Promise<Response> {
  return fetch(`${sandbox.url}/erp/soap`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:sandbox:erp/SubmitOrder"' },
    body: envelope,
  });
}

function digestEnvelope(username: string, password: string, created: string): string {
  const nonce = randomBytes(16).toString('base64');
  return (
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
    `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"><wsse:UsernameToken>` +
    `<wsse:Username>${username}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, created, password)}</wsse:Password>` +
    `<wsse:Nonce>${nonce}</wsse:Nonce><wsu:Created>${created}</wsu:Created>` +
    `</wsse:UsernameToken></wsse:Security></s:Header>` +
    `<s:Body><Order xmlns="urn:sandbox:erp:types"><OrderId>SEC-2</OrderId><CustomerId>C-1</CustomerId>` +
    `<Lines><Line><Sku>SKU-LAMP-02</Sku><Qty>1</Qty></Line></Lines></Order></s:Body></s:Envelope>`
  );
}
