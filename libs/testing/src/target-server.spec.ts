import { Agent, request } from 'node:http';
import { startTargetServer, type TargetServer } from './target-server';

describe('startTargetServer', () => {
  const started: TargetServer[] = [];
  const start = async (...args: Parameters<typeof startTargetServer>) => {
    const server = await startTargetServer(...args);
    started.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  it('listens on 127.0.0.1 and answers 200 {"ok":true} by default', async () => {
    const target = await start();
    expect(target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${target.url}/anything`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('records method, path with query, lower-case headers, body and parsed JSON', async () => {
    const target = await start();
    const before = Date.now();
    await fetch(`${target.url}/crm/orders?x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Message-Id': 'm-1' },
      body: '{"orderId":"W-1"}',
    });
    await fetch(`${target.url}/erp/orders`, { method: 'PUT', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    await fetch(`${target.url}/bad`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    const [json, xml, bad] = target.requests;
    expect(json).toMatchObject({ method: 'POST', path: '/crm/orders?x=1', body: '{"orderId":"W-1"}', json: { orderId: 'W-1' } });
    expect(json.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-message-id': 'm-1' });
    expect(json.receivedAt).toBeGreaterThanOrEqual(before);
    expect(xml).toMatchObject({ method: 'PUT', path: '/erp/orders', body: '<a/>' });
    expect(xml.json).toBeUndefined();
    expect(bad.json).toBeUndefined();
  });

  it('answers what respond returns, numbering requests from 1', async () => {
    const seen: number[] = [];
    const target = await start({
      respond: (req, n) => {
        seen.push(n);
        if (n <= 2) return { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' };
        return { status: 201, body: { got: req.json } };
      },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${target.url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"i":${i}}` });
      statuses.push(res.status);
      if (res.status === 503) {
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.headers.get('content-type')).toContain('text/plain');
        expect(await res.text()).toBe('busy');
      } else {
        expect(await res.json()).toEqual({ got: { i: 2 } });
      }
    }
    expect(statuses).toEqual([503, 503, 201]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('supports an async respond, a given content type and a 204 without body', async () => {
    const target = await start({
      respond: async (req) => (req.path === '/none' ? { status: 204 } : { headers: { 'content-type': 'application/xml' }, body: '<ok/>' }),
    });
    const xml = await fetch(`${target.url}/xml`);
    expect(xml.headers.get('content-type')).toBe('application/xml');
    expect(await xml.text()).toBe('<ok/>');
    const none = await fetch(`${target.url}/none`);
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
  });

  it('answers 500 with the message when respond throws', async () => {
    const target = await start({
      respond: () => {
        throw new Error('bad fixture');
      },
    });
    const res = await fetch(`${target.url}/x`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('respond threw: bad fixture');
  });

  it('delays the answer by delayMs', async () => {
    const target = await start({ respond: () => ({ delayMs: 120 }) });
    const begun = Date.now();
    await (await fetch(`${target.url}/slow`)).text();
    expect(Date.now() - begun).toBeGreaterThanOrEqual(110);
  });

  it('keeps connections alive between requests', async () => {
    const target = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = request(`${target.url}/k`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get()).toBe(false);
      expect(await get()).toBe(true);
      expect(target.requests[1].headers.connection).toBe('keep-alive');
    } finally {
      agent.destroy();
    }
  });

  it('counts requests, all or by path prefix', async () => {
    const target = await start();
    for (const path of ['/crm/orders', '/crm/leads', '/erp/orders']) await fetch(`${target.url}${path}`, { method: 'POST', body: '' });
    expect(target.count()).toBe(3);
    expect(target.count('/crm')).toBe(2);
    expect(target.count('/legacy')).toBe(0);
  });

  it('waitFor resolves with the requests once enough arrived', async () => {
    const target = await start();
    const waiting = target.waitFor(2, 2_000, '/crm');
    await fetch(`${target.url}/erp/orders`, { method: 'POST', body: '' });
    await fetch(`${target.url}/crm/orders`, { method: 'POST', body: 'a' });
    setTimeout(() => void fetch(`${target.url}/crm/orders`, { method: 'POST', body: 'b' }), 20);
    const got = await waiting;
    expect(got.map((r) => r.body)).toEqual(['a', 'b']);
    await expect(target.waitFor(1, 10)).resolves.toHaveLength(3);
  });

  it('waitFor rejects on timeout saying how many arrived', async () => {
    const target = await start();
    await fetch(`${target.url}/crm/orders`, { method: 'POST', body: '' });
    await expect(target.waitFor(2, 50, '/crm')).rejects.toThrow(
      new RegExp(`timed out after 50 ms waiting for 2 request\\(s\\) to /crm at ${target.url}; got 1$`),
    );
  });

  it('clear forgets the requests (same array) and restarts the numbering', async () => {
    const ns: number[] = [];
    const target = await start({ respond: (_req, n) => (ns.push(n), {}) });
    const requests = target.requests;
    await fetch(`${target.url}/a`);
    await fetch(`${target.url}/b`);
    target.clear();
    expect(requests).toHaveLength(0);
    expect(target.count()).toBe(0);
    await fetch(`${target.url}/c`);
    expect(target.requests.map((r) => r.path)).toEqual(['/c']);
    expect(ns).toEqual([1, 2, 1]);
  });

  it('close stops listening, drops delayed answers and fails pending waits', async () => {
    const target = await startTargetServer({ respond: () => ({ delayMs: 30_000 }) });
    const waiting = target.waitFor(5, 10_000);
    const pending = fetch(`${target.url}/slow`).then(
      (res) => `answered ${res.status}`,
      () => 'connection dropped',
    );
    await target.waitFor(1, 1_000);
    const begun = Date.now();
    await Promise.all([target.close(), target.close()]);
    expect(Date.now() - begun).toBeLessThan(1_000);
    await expect(waiting).rejects.toThrow(/closed while a test waited/);
    expect(await pending).toBe('connection dropped');
    await expect(fetch(`${target.url}/x`)).rejects.toThrow();
  });
});
