import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const route = (id: string, path: string) => `
routes:
  - id: ${id}
    from: { http: { path: ${path} } }
    mode: sync
    to: [{ http: { url: "\${TARGET_URL}${path}" } }]
`;

describe('route reload without restart', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({
      routes: { 'a.yaml': route('alpha', '/alpha') },
      env: { TARGET_URL: target.url, WATCH_ROUTES: 'true' },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('a broken file is refused with file:line errors and the previous routes keep running', async () => {
    bus.writeRoute('b.yaml', route('beta', '/beta').replace('mode: sync', 'mdoe: sync'));
    const res = await post(`${bus.url}/admin/routes/reload`, {});
    expect(res.status).toBe(422);
    expect(res.json.ok).toBe(false);
    expect(res.json.problems).toEqual([expect.stringMatching(/b\.yaml:5 routes\[0\]: unknown key "mdoe"/)]);
    expect((await post(`${bus.url}/alpha`, { a: 1 })).status).toBe(200);
    expect((await post(`${bus.url}/beta`, { b: 1 })).status).toBe(404);
    const last = await getJson(`${bus.url}/admin/routes/reload`);
    expect(last).toMatchObject({ ok: false, problems: res.json.problems });
  });

  test("a connector's problem (a misspelled WSDL operation) refuses the reload with 422 and its location, never 500", async () => {
    const wsdl = join(__dirname, '..', 'routes', 'wsdl', 'legacy-orders.wsdl');
    bus.writeRoute(
      'c.yaml',
      ['routes:', '  - id: gamma', '    from: { http: { path: /gamma } }', '    to:', '      - soap:', `          wsdl: ${wsdl}`, '          operation: SubmitOrdr', ''].join('\n'),
    );
    const res = await post(`${bus.url}/admin/routes/reload`, {});
    expect(res.status).toBe(422);
    expect(res.json.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/c\.yaml:7 routes\[0\]\.to\[0\]\.soap\.operation: .*has no operation "SubmitOrdr"/)]),
    );
    expect((await post(`${bus.url}/gamma`, { c: 1 })).status).toBe(404);
    expect((await post(`${bus.url}/alpha`, { a: 1 })).status).toBe(200);
    unlinkSync(join(bus.routesDir, 'c.yaml'));
  });

  test('a fixed file is picked up by the admin reload, and by the file watcher', async () => {
    bus.writeRoute('b.yaml', route('beta', '/beta'));
    const res = await post(`${bus.url}/admin/routes/reload`, {});
    expect(res.json).toMatchObject({ ok: true, routes: 2 });
    expect((await post(`${bus.url}/beta`, { b: 1 })).status).toBe(200);

    bus.writeRoute('c.yaml', route('gamma', '/gamma'));
    await waitUntil(async () => (await post(`${bus.url}/gamma`, { c: 1 })).status === 200, 10_000, 'watcher reload of c.yaml');
    const ids = (await getJson(`${bus.url}/admin/routes`)).map((r: { id: string }) => r.id).sort();
    expect(ids).toEqual(['alpha', 'beta', 'gamma']);
  });
});

describe('admin and ingress authentication when configured', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({
      routes: { 'a.yaml': route('alpha', '/alpha') },
      env: { TARGET_URL: target.url, ADMIN_TOKEN: 'admin-secret-1', INGRESS_TOKEN: 'ingress-secret-2' },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('admin API answers 401 without the token and 200 with it', async () => {
    const anonymous = await fetch(`${bus.url}/admin/routes`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await fetch(`${bus.url}/admin/routes`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${bus.url}/admin/routes`, { headers: { authorization: 'Bearer admin-secret-1' } });
    expect(ok.status).toBe(200);
  });

  test('ingress answers 401 without the token; the token is not forwarded to the target', async () => {
    expect((await post(`${bus.url}/alpha`, { a: 1 })).status).toBe(401);
    const res = await post(`${bus.url}/alpha`, { a: 2 }, { authorization: 'Bearer ingress-secret-2' });
    expect(res.status).toBe(200);
    const seen = target.requests.at(-1)!;
    expect(seen.json).toEqual({ a: 2 });
    expect(seen.headers.authorization).toBeUndefined();
  });
});
