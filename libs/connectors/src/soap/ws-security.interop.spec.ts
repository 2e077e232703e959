import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createXmlCodec } from '@junction/transform';
import * as soap from 'soap';
import { NonceCache } from './nonce-cache';
import { parseEnvelope } from './soap-envelope';
import { parseFault } from './soap-fault';
import { SecurityError, usernameTokenHeader, verifyUsernameToken } from './ws-security';

/**
 * Our WS-Security against the `soap` package, both ways, over real HTTP on 127.0.0.1: a `soap` server whose
 * `authenticate` runs our verifier on the raw request, called by a `soap` client with its own WSSecurity
 * (PasswordDigest and PasswordText) and with our usernameTokenHeader.
 */

const WSDL = path.resolve(__dirname, '../../../../test/fixtures/wsdl/order-service.wsdl');
const codec = createXmlCodec();
const users = new Map([['alice', 'correct horse']]);

let http: HttpServer;
let endpoint: string;
let nonces: NonceCache;
const rawRequests = new WeakMap<IncomingMessage, string>();
const verdicts: string[] = [];

function placeOrder(args: { Order: { OrderId: string } }) {
  return { OrderId: args.Order.OrderId, Status: 'ACCEPTED', Total: 12.5 };
}

beforeAll(async () => {
  http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}/orders`;
  const port = { PlaceOrder: placeOrder, GetOrder: () => ({}), CancelOrder: () => undefined };
  const server = soap.listen(http, {
    path: '/orders',
    services: { OrderService: { OrderSoap11Port: port, OrderSoap12Port: port } },
    xml: readFileSync(WSDL, 'utf8'),
    uri: WSDL,
  });
  // soap hands `authenticate` its own reading of the header; our verifier reads the raw request instead.
  server.log = (type, data, req) => {
    if (type === 'received') rawRequests.set(req, String(data));
  };
  server.authenticate = (_security, _done, req) => {
    try {
      const { username } = verifyUsernameToken(parseEnvelope(rawRequests.get(req!)!, codec).headers, { users, nonces });
      verdicts.push(`ok:${username}`);
      return true;
    } catch (err) {
      if (!(err instanceof SecurityError)) throw err;
      verdicts.push(err.code);
      return false;
    }
  };
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => http.close((err) => (err ? reject(err) : resolve())));
});

beforeEach(() => {
  nonces = new NonceCache();
  verdicts.length = 0;
});

async function client(): Promise<soap.Client> {
  return soap.createClientAsync(WSDL, {}, endpoint);
}

const order = { Order: { OrderId: 'O-1', CustomerId: 'C-1', Currency: 'EUR', Line: [{ Sku: 'A-1', Quantity: 1, UnitPrice: 12.5 }] } };

describe('WS-Security with the soap package', () => {
  it.each(['PasswordDigest', 'PasswordText'])("accepts the soap client's %s token, and our verifier accepts its captured envelope", async (passwordType) => {
    const c = await client();
    c.setSecurity(new soap.WSSecurity('alice', 'correct horse', { passwordType }));
    const [result] = (await c.PlaceOrderAsync(order)) as [Record<string, unknown>];
    expect(result).toEqual({ OrderId: 'O-1', Status: 'ACCEPTED', Total: 12.5 });
    expect(verdicts).toEqual(['ok:alice']);

    // The envelope the client sent, verified on its own: accepted once; a replay is caught when it has a nonce,
    // which soap's WSSecurity sends with digests only (a clear-text password is no secret to whoever replays it).
    const sent = parseEnvelope(c.lastRequest!, codec);
    const fresh = { users, nonces: new NonceCache() };
    expect(verifyUsernameToken(sent.headers, fresh)).toEqual({ username: 'alice' });
    if (passwordType === 'PasswordDigest') {
      expect(() => verifyUsernameToken(sent.headers, fresh)).toThrow(expect.objectContaining({ code: 'WSSE_REPLAY' }));
    } else {
      expect(c.lastRequest).not.toContain('Nonce');
      expect(fresh.nonces.size).toBe(0);
    }
  });

  it("refuses the soap client's token with a wrong password, and parseFault reads the server's Fault", async () => {
    const c = await client();
    c.setSecurity(new soap.WSSecurity('alice', 'wrong horse', { passwordType: 'PasswordDigest' }));
    const err = (await c.PlaceOrderAsync(order).then(
      () => undefined,
      (e: unknown) => e,
    )) as { response?: { status: number }; body?: string } | undefined;
    expect(verdicts).toEqual(['WSSE_FAILED']);
    expect(err?.response?.status).toBe(401);
    expect(parseFault(err!.body!, codec)).toMatchObject({ version: '1.1', side: 'client', subcode: 'AuthenticationFailure' });
  });

  it.each([true, false])('sends our usernameTokenHeader (digest: %s) through a soap client to the soap server', async (digest) => {
    const c = await client();
    c.addSoapHeader(usernameTokenHeader({ username: 'alice', password: 'correct horse', digest }));
    const [result] = (await c.PlaceOrderAsync(order)) as [Record<string, unknown>];
    expect(result).toMatchObject({ OrderId: 'O-1', Status: 'ACCEPTED' });
    expect(verdicts).toEqual(['ok:alice']);
    // soap's own reading of our header finds the token where its authenticate hooks look for it.
    const seen = c.wsdl.xmlToObject(c.lastRequest!) as { Header: { Security: { UsernameToken: { Username: string } } } };
    expect(seen.Header.Security.UsernameToken.Username).toBe('alice');
  });

  it('refuses a replayed request at the server', async () => {
    const c = await client();
    c.addSoapHeader(usernameTokenHeader({ username: 'alice', password: 'correct horse', digest: true }));
    await c.PlaceOrderAsync(order);
    // The same header block again: same nonce.
    const again = await c.PlaceOrderAsync(order).then(
      () => 'accepted',
      (e: { response?: { status: number } }) => e.response?.status,
    );
    expect(again).toBe(401);
    expect(verdicts).toEqual(['ok:alice', 'WSSE_REPLAY']);
  });
});
