import { request } from 'node:http';
import type { ReceivedRequest } from './sandbox.recorder';
import { startSandbox, type Sandbox } from './sandbox.server';

const order = JSON.stringify({ orderId: 'W-1', customerId: 'C-1001' });
const json = { 'content-type': 'application/json' };
const xml = { 'content-type': 'application/xml' };

describe('sandbox server', () => {
  const started: Sandbox[] = [];
  const start = async (options: Parameters<typeof startSandbox>[0] = {}) => {
    const sandbox = await startSandbox({ port: 0, ...options });
    started.push(sandbox);
    return sandbox;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  const received = async (sandbox: Sandbox, query = ''): Promise<ReceivedRequest[]> => {
    const res = await fetch(`${sandbox.url}/_sandbox/received${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as ReceivedRequest[];
  };

  describe('recording', () => {
    it('records method, path with query, headers, body text, time and status per system', async () => {
      const sandbox = await start();
      const before = Date.now();
      await fetch(`${sandbox.url}/crm/orders?src=test`, { method: 'POST', headers: { ...json, 'x-correlation-id': 'c-1' }, body: order });
      await fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', body: '<Ack/>' });
      const crm = await received(sandbox, '?system=crm');
      expect(crm).toHaveLength(1);
      expect(crm[0]).toMatchObject({
        seq: 1,
        system: 'crm',
        method: 'POST',
        path: '/crm/orders?src=test',
        body: order,
        status: 201,
      });
      expect(crm[0].headers).toMatchObject({ 'content-type': 'application/json', 'x-correlation-id': 'c-1' });
      expect(Date.parse(crm[0].receivedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(crm[0].fault).toBeUndefined();
      expect((await received(sandbox, '?system=legacy')).map((r) => r.body)).toEqual(['<Ack/>']);
      expect(await received(sandbox, '?system=erp')).toEqual([]);
    });

    it('lists all systems in arrival order without a system parameter', async () => {
      const sandbox = await start();
      await fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', body: '<a/>' });
      await fetch(`${sandbox.url}/crm/customers/C-1001`);
      await fetch(`${sandbox.url}/erp/orders`, { method: 'POST', headers: xml, body: '<Order><OrderId>1</OrderId></Order>' });
      expect((await received(sandbox)).map((r) => [r.seq, r.system, r.status])).toEqual([
        [1, 'legacy', 200],
        [2, 'crm', 200],
        [3, 'erp', 200],
      ]);
    });

    it('DELETE /_sandbox/received clears one system or all', async () => {
      const sandbox = await start();
      await fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', body: '<a/>' });
      await fetch(`${sandbox.url}/crm/customers/C-1001`);
      expect((await fetch(`${sandbox.url}/_sandbox/received?system=legacy`, { method: 'DELETE' })).status).toBe(204);
      expect((await received(sandbox)).map((r) => r.system)).toEqual(['crm']);
      expect((await fetch(`${sandbox.url}/_sandbox/received`, { method: 'DELETE' })).status).toBe(204);
      expect(await received(sandbox)).toEqual([]);
      expect(sandbox.recorder.counts().crm).toEqual({ received: 0, failed: 0 });
    });

    it('answers 400 to an unknown system name', async () => {
      const sandbox = await start();
      const res = await fetch(`${sandbox.url}/_sandbox/received?system=billing`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining('billing') });
    });

    it('does not record its own endpoints nor paths outside the systems', async () => {
      const sandbox = await start();
      expect((await fetch(`${sandbox.url}/_sandbox/health`)).status).toBe(200);
      const outside = await fetch(`${sandbox.url}/billing/invoices`);
      expect(outside.status).toBe(404);
      expect(await outside.json()).toMatchObject({ systems: ['/crm', '/erp', '/legacy'] });
      expect(await received(sandbox)).toEqual([]);
    });

    it('keeps the last recordLimit entries per system but counts them all', async () => {
      const sandbox = await start({ recordLimit: 2 });
      for (let i = 0; i < 3; i++) await fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', body: `<n>${i}</n>` });
      expect((await received(sandbox, '?system=legacy')).map((r) => r.body)).toEqual(['<n>1</n>', '<n>2</n>']);
      const stats = (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { counts: Record<string, unknown> };
      expect(stats.counts.legacy).toEqual({ received: 3, failed: 0 });
    });

    it('answers 413 to a body over maxBodyBytes and does not record it', async () => {
      const sandbox = await start({ maxBodyBytes: 10 });
      const res = await fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', body: '<a>0123456789</a>' });
      expect(res.status).toBe(413);
      expect(await received(sandbox)).toEqual([]);
    });
  });

  describe('fault injection by header', () => {
    it.each([
      ['crm', '/crm/orders', 503, 'application/json'],
      ['crm', '/crm/orders', 500, 'application/json'],
      ['crm', '/crm/orders', 400, 'application/json'],
      ['erp', '/erp/orders', 503, 'application/xml'],
      ['legacy', '/legacy/orders', 500, 'text/xml'],
    ])('%s (%s) answers x-sandbox-fail: %i with that status, in its own format', async (system, path, status, contentType) => {
      const sandbox = await start();
      const res = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { ...json, 'x-sandbox-fail': String(status) }, body: order });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain(contentType);
      expect(res.headers.get('retry-after')).toBeNull();
      const [entry] = await received(sandbox, `?system=${system}`);
      expect(entry).toMatchObject({ status, fault: 'header', body: order });
      expect(sandbox.recorder.counts()[system as 'crm']).toEqual({ received: 1, failed: 1 });
    });

    it('answers 429 with Retry-After: 1', async () => {
      const sandbox = await start();
      const res = await fetch(`${sandbox.url}/erp/orders`, { method: 'POST', headers: { 'x-sandbox-fail': '429' }, body: '<a/>' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.text()).toContain('<Code>TOO_MANY_REQUESTS</Code>');
    });

    it('handles the request (and keeps no order) only when no fault is injected', async () => {
      const sandbox = await start();
      await fetch(`${sandbox.url}/crm/orders`, { method: 'POST', headers: { ...json, 'x-sandbox-fail': '503' }, body: order });
      // The failed attempt stored nothing: the retry is a first delivery, 201, not a duplicate.
      const retry = await fetch(`${sandbox.url}/crm/orders`, { method: 'POST', headers: json, body: order });
      expect(retry.status).toBe(201);
    });

    it('refuses a malformed x-sandbox-fail with 400 naming the header', async () => {
      const sandbox = await start();
      const res = await fetch(`${sandbox.url}/crm/customers/C-1001`, { headers: { 'x-sandbox-fail': 'boom' } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining('x-sandbox-fail') });
    });
  });

  describe('scheduled faults', () => {
    it('fails the next n requests to one system, then answers normally', async () => {
      const sandbox = await start();
      const schedule = await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ system: 'crm', status: 503, count: 2 }),
      });
      expect(schedule.status).toBe(201);
      expect(await schedule.json()).toEqual({ pendingFaults: { crm: [503, 503] } });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${sandbox.url}/crm/customers/C-1001`)).status);
      expect(statuses).toEqual([503, 503, 200]);
      expect((await fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', body: '<a/>' })).status).toBe(200);
      expect((await received(sandbox, '?system=crm')).map((r) => r.fault ?? null)).toEqual(['scheduled', 'scheduled', null]);
    });

    it('DELETE /_sandbox/faults drops pending faults', async () => {
      const sandbox = await start();
      await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: json, body: JSON.stringify({ system: 'erp', status: 500 }) });
      expect((await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' })).status).toBe(204);
      const res = await fetch(`${sandbox.url}/erp/orders`, { method: 'POST', headers: xml, body: '<Order><OrderId>1</OrderId></Order>' });
      expect(res.status).toBe(200);
    });

    it.each([
      [{ system: 'billing', status: 503 }, /system/],
      [{ system: 'crm', status: 200 }, /status/],
      [{ system: 'crm', status: 503, count: 0 }, /count/],
      ['not json', /JSON/],
    ])('rejects the fault spec %j with 400', async (spec, message) => {
      const sandbox = await start();
      const res = await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: json,
        body: typeof spec === 'string' ? spec : JSON.stringify(spec),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    });
  });

  describe('random failures', () => {
    it('fails with 503 when the random draw is under failureRate', async () => {
      const draws = [0.01, 0.5, 0.04, 0.99];
      const sandbox = await start({ failureRate: 0.05, random: () => draws.shift() ?? 1 });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${sandbox.url}/crm/customers/C-1001`)).status);
      expect(statuses).toEqual([503, 200, 503, 200]);
      expect((await received(sandbox)).filter((r) => r.fault === 'random')).toHaveLength(2);
    });

    it('never fails at the default rate of 0', async () => {
      const sandbox = await start({ random: () => 0 });
      expect((await fetch(`${sandbox.url}/crm/customers/C-1001`)).status).toBe(200);
    });

    it('rejects a failureRate outside 0..1', async () => {
      await expect(startSandbox({ port: 0, failureRate: 1.5 })).rejects.toThrow(/failureRate/);
    });
  });

  describe('delay', () => {
    it('answers after x-sandbox-delay-ms', async () => {
      const sandbox = await start();
      const begun = Date.now();
      const res = await fetch(`${sandbox.url}/crm/customers/C-1001`, { headers: { 'x-sandbox-delay-ms': '150' } });
      expect(res.status).toBe(200);
      expect(Date.now() - begun).toBeGreaterThanOrEqual(140);
    });

    it('refuses a malformed delay with 400', async () => {
      const sandbox = await start();
      expect((await fetch(`${sandbox.url}/crm/customers/C-1001`, { headers: { 'x-sandbox-delay-ms': '-5' } })).status).toBe(400);
    });

    it('close() does not wait for delayed answers and drops their connections', async () => {
      const sandbox = await startSandbox({ port: 0 });
      const pending = new Promise<string>((resolve) => {
        const req = request(`${sandbox.url}/crm/customers/C-1001`, { headers: { 'x-sandbox-delay-ms': '30000' } }, () => resolve('answered'));
        req.on('error', (err) => resolve(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
        req.end();
      });
      await new Promise((r) => setTimeout(r, 50));
      const begun = Date.now();
      await sandbox.close();
      // Well under the 30 s delay, with room for a loaded machine: close does not wait for the answer.
      expect(Date.now() - begun).toBeLessThan(10_000);
      expect(await pending).toMatch(/^error: /);
    });
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const first = await start();
    await expect(startSandbox({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('close() is idempotent', async () => {
    const sandbox = await startSandbox({ port: 0 });
    await Promise.all([sandbox.close(), sandbox.close()]);
    await expect(fetch(`${sandbox.url}/_sandbox/health`)).rejects.toThrow();
  });
});
