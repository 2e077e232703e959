import { startTargetServer, type TargetServer } from '@junction/testing';
import { post, readReply, startTestBus, type TestBus } from './support/test-bus';

const ROUTES = {
  'a.yaml': `
routes:
  - id: alpha
    from: { http: { path: /alpha } }
    mode: sync
    to: [{ http: { url: "\${TARGET_URL}/alpha" } }]
`,
};

const USER = 'ops';
const PASSWORD = 'correct horse battery';

const call = async (url: string, init: RequestInit = {}) => readReply(await fetch(url, init));

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('admin without any credential configured', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startTestBus({ routes: {}, env: { ADMIN_TOKEN: '' } });
  });
  afterAll(async () => bus?.destroy());

  test('stays locked: 401 problem saying how to configure it; health stays open', async () => {
    for (const path of ['/admin/routes', '/admin/messages', '/admin/audit']) {
      const res = await call(`${bus.url}${path}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json.detail).toMatch(/admin access is not configured: set ADMIN_TOKEN, or ADMIN_USER and ADMIN_PASSWORD/);
    }
    const login = await call(`${bus.url}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'anything-at-all' }),
    });
    expect(login.status).toBe(401);
    expect(login.json.title).toBe('Unauthorized');
    expect((await call(`${bus.url}/health/live`)).status).toBe(200);
  });

  test('/dashboard answers 401 with a page saying how to open the admin, not a login form that cannot work', async () => {
    const page = await call(`${bus.url}/dashboard`);
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    expect(page.text).toContain('ADMIN_TOKEN');
    expect(page.text).toMatch(/ADMIN_USER.*ADMIN_PASSWORD/s);
    expect(page.text).not.toContain('login-form');
  });
});

describe('admin login, sessions, CSRF and the audit log', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({
      routes: ROUTES,
      env: { TARGET_URL: target.url, ADMIN_TOKEN: '', ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  const login = (body: object, headers: Record<string, string> = {}) =>
    call(`${bus.url}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test('without credentials the API answers 401; HTTP Basic with the admin user works', async () => {
    expect((await call(`${bus.url}/admin/routes`)).status).toBe(401);
    expect((await call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, 'wrong password') } })).status).toBe(401);
    expect((await call(`${bus.url}/admin/routes`, { headers: { authorization: 'Bearer not-configured' } })).status).toBe(401);
    const ok = await call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, PASSWORD) } });
    expect(ok.status).toBe(200);
    expect(ok.json.map((r: { id: string }) => r.id)).toEqual(['alpha']);
  });

  test('a login sets an HttpOnly, SameSite=Strict session cookie and hands out a CSRF token', async () => {
    const res = await login({ username: USER, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ user: USER, csrfToken: expect.stringMatching(/^[\w-]{32}$/), expiresAt: expect.any(Number) });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^junction_session=[\w-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(';')[0];
    const me = await call(`${bus.url}/admin/session`, { headers: { cookie: session } });
    expect(me.json).toEqual({ user: USER, via: 'session', csrfToken: res.json.csrfToken });
    expect((await call(`${bus.url}/admin/messages`, { headers: { cookie: session } })).status).toBe(200);
    expect((await call(`${bus.url}/admin/messages`, { headers: { cookie: 'junction_session=forged' } })).status).toBe(401);
  });

  test('a change made with the cookie needs the CSRF token and the same origin', async () => {
    const res = await login({ username: USER, password: PASSWORD });
    const session = res.headers.get('set-cookie')!.split(';')[0];
    const reload = (headers: Record<string, string>) => call(`${bus.url}/admin/routes/reload`, { method: 'POST', headers: { cookie: session, ...headers } });
    const missing = await reload({});
    expect(missing.status).toBe(403);
    expect(missing.json.code).toBe('CSRF_REJECTED');
    expect((await reload({ 'x-csrf-token': 'x'.repeat(32) })).status).toBe(403);
    const foreign = await reload({ 'x-csrf-token': res.json.csrfToken, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json).toMatchObject({ title: 'Forbidden', status: 403, code: 'CSRF_REJECTED' });
    // An opaque origin (a sandboxed frame, a data: page) is another origin too.
    expect((await reload({ 'x-csrf-token': res.json.csrfToken, origin: 'null' })).status).toBe(403);
    // Without TRUST_PROXY, a forwarded host is the caller's word and cannot make a foreign origin look like ours.
    const forwarded = await reload({ 'x-csrf-token': res.json.csrfToken, origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' });
    expect(forwarded.status).toBe(403);
    // The browser's own word that the request comes from another site.
    expect((await reload({ 'x-csrf-token': res.json.csrfToken, origin: bus.url, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const same = await reload({ 'x-csrf-token': res.json.csrfToken, origin: bus.url });
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ ok: true, routes: 1 });
    // Token and Basic calls cannot be forged by another site: no CSRF token needed.
    expect((await call(`${bus.url}/admin/routes/reload`, { method: 'POST', headers: { authorization: basic(USER, PASSWORD) } })).status).toBe(200);
  });

  test('a login posted from another origin is refused', async () => {
    for (const origin of ['https://evil.example', 'null']) {
      const res = await login({ username: USER, password: PASSWORD }, { origin });
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  test('logout ends the session and clears the cookie', async () => {
    const res = await login({ username: USER, password: PASSWORD });
    const session = res.headers.get('set-cookie')!.split(';')[0];
    const out = await call(`${bus.url}/admin/session`, { method: 'DELETE', headers: { cookie: session, 'x-csrf-token': res.json.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^junction_session=; Max-Age=0;/);
    expect((await call(`${bus.url}/admin/session`, { headers: { cookie: session } })).status).toBe(401);
  });

  test('every admin action is in the audit log, with who, what and the outcome; passwords never are', async () => {
    const audit = await call(`${bus.url}/admin/audit?limit=100`, { headers: { authorization: basic(USER, PASSWORD) } });
    expect(audit.status).toBe(200);
    const actions = audit.json.map((e: { action: string; outcome: string; actor: string }) => `${e.action}:${e.outcome}:${e.actor}`);
    expect(actions).toEqual(expect.arrayContaining(['login:ok:ops', 'reload:ok:ops', 'logout:ok:ops']));
    expect(audit.json[0].at).toBeGreaterThanOrEqual(audit.json.at(-1).at);
    expect(audit.json.every((e: { remote: string }) => e.remote === '127.0.0.1')).toBe(true);
    expect(audit.text).not.toContain(PASSWORD);
  });

  test('repeated failed logins from one address get 429 with Retry-After and are audited; the right password still gets in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login({ username: USER, password: `guess-${i}` })).status);
    // Earlier tests' wrong Basic and bearer calls came from this address too, and count alike: at most five 401s.
    const wrong = statuses.filter((s) => s === 401).length;
    expect(wrong).toBeLessThanOrEqual(5);
    expect(statuses).toEqual([...Array<number>(wrong).fill(401), ...Array<number>(6 - wrong).fill(429)]);
    const blocked = await login({ username: USER, password: 'guess-again' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.json).toMatchObject({ title: 'Too Many Requests', status: 429, code: 'TOO_MANY_LOGINS' });
    // The guesses may have been someone else's on the same address (a shared NAT or proxy): the admin is not locked out.
    expect((await login({ username: USER, password: PASSWORD })).status).toBe(200);
    const failures = await call(`${bus.url}/admin/audit?action=login-failed&limit=100`, { headers: { authorization: basic(USER, PASSWORD) } });
    expect(failures.json.length).toBeGreaterThanOrEqual(7);
    expect(failures.json[0]).toMatchObject({ actor: USER, outcome: 'refused', detail: { code: 'TOO_MANY_LOGINS' } });
    expect(failures.text).not.toContain('guess-');
  });
});

describe('admin behind a reverse proxy (TRUST_PROXY)', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startTestBus({ routes: ROUTES, env: { TARGET_URL: 'http://127.0.0.1:9', ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: '127.0.0.1' } });
  });
  afterAll(async () => bus?.destroy());

  const viaProxy = (client: string, headers: Record<string, string> = {}) => ({
    'x-forwarded-for': client,
    'x-forwarded-host': 'bus.example.com',
    'x-forwarded-proto': 'https',
    ...headers,
  });
  const login = (client: string, password: string, headers: Record<string, string> = {}) =>
    call(`${bus.url}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...viaProxy(client, headers) },
      body: JSON.stringify({ username: USER, password }),
    });

  test('the forwarded host is the origin a cookie change must come from', async () => {
    const res = await login('203.0.113.1', PASSWORD, { origin: 'https://bus.example.com' });
    expect(res.status).toBe(200);
    const session = res.headers.get('set-cookie')!.split(';')[0];
    const reload = (origin: string) =>
      call(`${bus.url}/admin/routes/reload`, { method: 'POST', headers: viaProxy('203.0.113.1', { cookie: session, 'x-csrf-token': res.json.csrfToken, origin }) });
    expect((await reload('https://bus.example.com')).status).toBe(200);
    expect((await reload(bus.url)).status).toBe(403);
  });

  test('failures are counted per client address the proxy names', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login('203.0.113.7', `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login('203.0.113.8', 'a first guess')).status).toBe(401);
    const audit = await call(`${bus.url}/admin/audit?action=login-failed&limit=100`, { headers: { authorization: basic(USER, PASSWORD) } });
    expect(new Set(audit.json.map((e: { remote: string }) => e.remote))).toEqual(new Set(['203.0.113.7', '203.0.113.8']));
  });
});

describe('admin on its own port (ADMIN_PORT)', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({ routes: ROUTES, env: { TARGET_URL: target.url, ADMIN_PORT: '0' } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('the public port carries ingress and health only; the admin port carries the admin API only', async () => {
    expect(bus.adminUrl).not.toBe(bus.url);
    expect((await post(`${bus.url}/alpha`, { a: 1 })).status).toBe(200);
    expect((await call(`${bus.url}/health`)).status).toBe(200);
    expect((await call(`${bus.url}/health/ready`)).json).toMatchObject({ ready: true });
    const hidden = await post(`${bus.url}/admin/routes/reload`, {});
    expect(hidden.status).toBe(404);
    expect((await call(`${bus.url}/admin/routes`, { headers: { authorization: 'Bearer test-admin-token' } })).status).toBe(404);
    const admin = await call(`${bus.adminUrl}/admin/routes`, { headers: { authorization: 'Bearer test-admin-token' } });
    expect(admin.status).toBe(200);
    expect((await call(`${bus.adminUrl}/admin/routes`)).status).toBe(401);
    expect((await post(`${bus.adminUrl}/alpha`, { a: 2 })).status).toBe(404);
    expect(target.requests.map((r) => r.json)).toEqual([{ a: 1 }]);
  });
});
