import { request } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { freshDatabase, getJson, post, startTestBus, type TestBus } from './support/test-bus';

const ROUTES = {
  'edge.yaml': `
routes:
  - id: edge-sync
    from: { http: { path: /edge/sync } }
    mode: sync
    to: [{ id: echo, http: { url: "\${TARGET_URL}/echo" }, retry: { attempts: 1 } }]

  - id: edge-async
    from: { http: { path: /edge/async } }
    mode: async
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]

  - id: edge-computed-header
    from: { http: { path: /edge/computed } }
    mode: async
    steps: [{ setHeaders: { x-ref: { expr: ref } } }]
    to: [{ id: computed, http: { url: "\${TARGET_URL}/computed" }, retry: { attempts: 3, backoffMs: 20, maxBackoffMs: 50 } }]
`,
};

/** A POST through node:http, which (unlike fetch) sends Connection and other hop-by-hop headers as given. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Answers on the wire at the bus's edge: what goes on to targets, and what callers are told. */
describe('the HTTP edge: headers passed on and problems answered', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({ routes: ROUTES, env: { TARGET_URL: target.url, BODY_LIMIT_BYTES: '1024' } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('hop-by-hop headers and those the Connection header names stop at the bus, in both directions', async () => {
    target.clear();
    const res = await rawPost(`${bus.url}/edge/sync`, '{"n":1}', {
      connection: 'keep-alive, X-Hop-Secret',
      'x-hop-secret': 's3cret',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      te: 'trailers',
      'x-end-to-end': 'kept',
    });
    expect(res.status).toBe(200);
    const seen = target.requests[0].headers;
    expect(seen['x-end-to-end']).toBe('kept');
    for (const name of ['x-hop-secret', 'keep-alive', 'proxy-authenticate', 'te']) expect(seen[name]).toBeUndefined();
  });

  test("X-Forwarded-For gets the caller's address appended", async () => {
    target.clear();
    const res = await post(`${bus.url}/edge/sync`, { n: 2 }, { 'x-forwarded-for': '203.0.113.7' });
    expect(res.status).toBe(200);
    expect(target.requests[0].headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    const direct = await post(`${bus.url}/edge/sync`, { n: 3 });
    expect(direct.status).toBe(200);
    expect(target.requests[1].headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  test('a computed header value holding CRLF is dead-lettered at once, never sent nor retried', async () => {
    target.clear();
    const res = await post(`${bus.url}/edge/computed`, { ref: 'A1\r\nx-injected: 1' });
    expect(res.status).toBe(202);
    let letters: Array<{ reason: { code: string }; messageId: string }> = [];
    await waitUntil(async () => (letters = await getJson(`${bus.url}/admin/dead-letters?route=edge-computed-header`)).length === 1, 15_000, 'the dead letter');
    const record = await getJson(`${bus.url}/admin/messages/${res.json.messageId}`);
    const attempts = (record.deliveries as Array<{ attempts: unknown[] }>).reduce((sum, d) => sum + d.attempts.length, 0);
    process.stdout.write(`computed CRLF header: dead-letter code=${letters[0].reason.code}, delivery attempts=${attempts}\n`);
    expect(letters[0].reason.code).toBe('STEP_FAILED');
    expect(attempts).toBe(0);
    expect(target.count('/computed')).toBe(0);
  });

  test('a body over the limit: 413 with a code and title of the bus, nothing of Fastify', async () => {
    const res = await post(`${bus.url}/edge/async`, { pad: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE', title: 'Content Too Large' });
    expect(res.text).not.toMatch(/FST_|fastify/i);
  });
});

/** A TCP relay to PostgreSQL, closed at will: the store's outage as the bus meets it. */
async function startRelay(port: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe('a store outage as the caller sees it', () => {
  test("503 with Retry-After and without the database's address", async () => {
    const db = await freshDatabase('postgres', '');
    const url = new URL(db.url);
    const relay = await startRelay(Number(url.port || 5432));
    url.host = `127.0.0.1:${relay.port}`;
    const target = await startTargetServer();
    const bus = await startTestBus({ routes: ROUTES, databaseUrl: url.toString(), env: { TARGET_URL: target.url } });
    try {
      expect((await post(`${bus.url}/edge/async`, { n: 1 })).status).toBe(202);
      await relay.cut();
      const res = await post(`${bus.url}/edge/async`, { n: 2 });
      process.stdout.write(`store outage: ${res.status} retry-after=${res.headers.get('retry-after')} detail="${res.json?.detail}"\n`);
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.text).not.toContain(String(relay.port));
      expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres/i);
    } finally {
      await bus.close().catch(() => undefined);
      await target.close();
      await db.drop();
    }
  });
});
