import { connect, type Socket } from 'node:net';
import { BusyError } from '@junction/core';
import type { WorkerPool } from '@junction/transform';
import Fastify, { type FastifyInstance } from 'fastify';
import { HttpListener, type MountedPath } from './http-listener';

/**
 * The listener on a real Fastify instance, with XML workers whose backlog is always full: a large XML body is refused
 * from its headers with `Connection: close`, the connection ends once the body is in, and a request pipelined behind
 * it is not processed. Each refusal before the handler is counted under its route, nothing else is.
 */
const busy = { refusal: (bytes: number) => (bytes >= 1000 ? new BusyError('WORKERS_BUSY', 'busy', 1000) : undefined) } as unknown as WorkerPool;

let fastify: FastifyInstance;
let port: number;
let handled: string[];
let counted: string[];
const BODY_LIMIT = 20_000;

beforeAll(async () => {
  fastify = Fastify({ bodyLimit: BODY_LIMIT });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const listener = new HttpListener(fastify, busy, (routeId, error) => counted.push(`${routeId} ${error.code}`));
  listener.start();
  listener.mount(
    'test',
    new Map<string, MountedPath>([
      [
        'POST /orders',
        {
          routeId: 'orders',
          handle: async (req, reply) => {
            handled.push(String(req.headers['x-n']));
            await reply.code(200).send('taken');
          },
        },
      ],
      [
        'POST /broken',
        {
          routeId: 'broken',
          handle: async () => {
            throw new Error('a bug');
          },
        },
      ],
    ]),
  );
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(url).port);
});
afterAll(() => fastify.close());
beforeEach(() => {
  handled = [];
  counted = [];
});

/** Writes `text` on a new connection and reads until the server ends it. */
async function exchange(text: string): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1');
  let seen = '';
  socket.on('data', (d: Buffer) => (seen += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(text);
  await new Promise((resolve) => socket.once('close', resolve));
  return seen;
}

const post = (n: number, bytes: number, type = 'application/xml') =>
  `POST /orders HTTP/1.1\r\nHost: x\r\nX-N: ${n}\r\nContent-Type: ${type}\r\nContent-Length: ${bytes}\r\n\r\n${'x'.repeat(bytes)}`;

describe('HttpListener: a large XML body refused from its headers', () => {
  it('answers 503 with Connection: close and Retry-After, and ends the connection once the body is in', async () => {
    const seen = await exchange(post(1, 5000));
    expect(seen).toMatch(/^HTTP\/1\.1 503 /);
    expect(seen.toLowerCase()).toContain('connection: close');
    expect(seen.toLowerCase()).toMatch(/\r\nretry-after: \d+\r\n/);
    expect(seen).toContain('WORKERS_BUSY');
    expect(handled).toEqual([]);
    expect(counted).toEqual(['orders WORKERS_BUSY']);
  });

  it('processes no request pipelined behind the refusal', async () => {
    const seen = await exchange(post(1, 5000) + post(2, 10) + post(3, 5000));
    expect(seen.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(handled).toEqual([]);
    // Only the refusal that was answered: the requests behind it were never read as requests of the route.
    expect(counted).toEqual(['orders WORKERS_BUSY']);
  });

  it('takes what the workers would not refuse, on a connection kept alive', async () => {
    const seen = await exchange(post(1, 10) + post(2, 5000, 'application/json') + post(3, 10).replace('Host: x', 'Host: x\r\nConnection: close'));
    expect(seen.match(/HTTP\/1\.1 200 /g)).toHaveLength(3);
    expect(handled).toEqual(['1', '2', '3']);
    expect(counted).toEqual([]);
  });
});

describe('HttpListener: refusals before the handler are counted by route and code', () => {
  it('counts a body over the limit (413) under its route', async () => {
    const seen = await exchange(post(1, BODY_LIMIT + 1, 'application/json').replace('Host: x', 'Host: x\r\nConnection: close'));
    expect(seen).toMatch(/^HTTP\/1\.1 413 /);
    expect(handled).toEqual([]);
    expect(counted).toEqual(['orders BODY_TOO_LARGE']);
  });

  it('counts neither an error the handler let through nor a request for no route', async () => {
    const broken = await exchange('POST /broken HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(broken).toMatch(/^HTTP\/1\.1 500 /);
    const nowhere = await exchange('POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(nowhere).toMatch(/^HTTP\/1\.1 404 /);
    expect(counted).toEqual([]);
  });
});
