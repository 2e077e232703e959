import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryError } from '@junction/core';
import { Pool } from 'undici';
import { sendRequest } from './http-request';

describe('sendRequest', () => {
  let server: Server;
  let pool: Pool;
  let received = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      received++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (headers: Record<string, string>) =>
    sendRequest(pool, { method: 'POST', path: '/x', headers, body: '{}', timeoutMs: 5_000, description: 'POST /x' });

  it.each([
    ['a line break', 'A1\r\nx-injected: 1'],
    ['a character outside Latin-1', 'caf\u20ac'],
  ])('refuses a header value holding %s as a non-retriable INVALID_REQUEST, sending nothing', async (_name, value) => {
    const err = await send({ 'x-ref': value }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ code: 'INVALID_REQUEST', retriable: false });
    expect(received).toBe(0);
  });

  it('sends a valid request', async () => {
    await expect(send({ 'x-ref': 'A1' })).resolves.toMatchObject({ status: 200 });
  });
});
