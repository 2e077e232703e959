import { readReply, startTestBus, type TestBus } from './support/test-bus';

// Failed admin credentials of every kind (session login, HTTP Basic, bearer token) are throttled per address and per
// user; a correct credential still gets in unless its own user is under attack beyond the hard cap (see README,
// "Who may use it"). All calls come from 127.0.0.1, so "someone else's failures" are those of the same address.

const USER = 'ops';
const PASSWORD = 'correct horse battery';
const TOKEN = `throttle-token-${Date.now().toString(36)}`;
const GUESSES = 50;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const call = async (url: string, init: RequestInit = {}) => readReply(await fetch(url, init));

/** Answers of `count` calls made one after the other, by status. */
async function tally(count: number, attempt: (i: number) => Promise<{ status: number }>): Promise<Record<number, number>> {
  const byStatus: Record<number, number> = {};
  for (let i = 0; i < count; i++) {
    const { status } = await attempt(i);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  return byStatus;
}

async function startAdminBus(): Promise<TestBus> {
  return startTestBus({ routes: {}, env: { ADMIN_TOKEN: TOKEN, ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD } });
}

describe('throttling of wrong HTTP Basic passwords', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startAdminBus();
  });
  afterAll(async () => bus?.destroy());

  test(`${GUESSES} wrong passwords are mostly answered 429 with Retry-After; the right one still gets in`, async () => {
    const figures = await tally(GUESSES, (i) => call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, `guess-${i}`) } }));
    process.stdout.write(`wrong Basic passwords: ${JSON.stringify(figures)} (of ${GUESSES})\n`);
    // Five are free, then each failure doubles the wait from 1 s: on any machine most of the rest land in a wait.
    expect(figures[429] ?? 0).toBeGreaterThanOrEqual(GUESSES - 15);
    expect((figures[401] ?? 0) + (figures[429] ?? 0)).toBe(GUESSES);

    const throttled = await call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, 'one more guess') } });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.headers.get('content-type')).toContain('application/problem+json');
    expect(throttled.json).toMatchObject({ title: 'Too Many Requests', status: 429, code: 'TOO_MANY_LOGINS' });

    // The failures were someone else's: the right password from the same address, by Basic and by login, gets in.
    expect((await call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, PASSWORD) } })).status).toBe(200);
    const login = await call(`${bus.url}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: USER, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
  });
});

describe('throttling of wrong bearer tokens', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startAdminBus();
  });
  afterAll(async () => bus?.destroy());

  test(`${GUESSES} wrong tokens are mostly answered 429; the right token still gets in`, async () => {
    const figures = await tally(GUESSES, (i) => call(`${bus.url}/admin/routes`, { headers: { authorization: `Bearer guess-${i}` } }));
    process.stdout.write(`wrong bearer tokens: ${JSON.stringify(figures)} (of ${GUESSES})\n`);
    expect(figures[429] ?? 0).toBeGreaterThanOrEqual(GUESSES - 15);
    expect((figures[401] ?? 0) + (figures[429] ?? 0)).toBe(GUESSES);
    expect((await call(`${bus.url}/admin/routes`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // Wrong tokens in a login form count the same as wrong tokens in a header.
    const login = await call(`${bus.url}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'another-guess' }),
    });
    expect(login.status).toBe(429);
    expect(login.json).toMatchObject({ title: 'Too Many Requests', code: 'TOO_MANY_LOGINS' });
  });
});

describe('a user under attack beyond the hard cap', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startAdminBus();
  });
  afterAll(async () => bus?.destroy());

  test('refuses even the right password of that user for a while; the token, another credential, stays open', async () => {
    const figures = await tally(110, (i) => call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, `guess-${i}`) } }));
    process.stdout.write(`hard cap, wrong Basic passwords: ${JSON.stringify(figures)} (of 110)\n`);
    const right = await call(`${bus.url}/admin/routes`, { headers: { authorization: basic(USER, PASSWORD) } });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.json.detail).toMatch(/too many failed sign-ins/);
    expect((await call(`${bus.url}/admin/routes`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
