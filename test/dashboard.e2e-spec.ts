import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { canvasPixelsNear, launchBrowser, screenshot, watchPageErrors } from './support/browser';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const ADMIN = { user: 'admin', password: 'dashboard-e2e-password' };

// `orders` always delivers; `flaky` fails while `failing` is set (500, one attempt: dead at once) and refuses a body
// with "bad": true (422), so dead letters are made on demand and fixed by a replay or an edit.
const routes = {
  'orders.yaml': `
routes:
  - id: orders
    from: { http: { path: /orders } }
    businessKey: orderId
    to: [{ id: crm, http: { url: "\${TARGET_URL}/crm/orders", format: json } }]
`,
  'lines.yaml': `
routes:
  - id: lines
    from: { http: { path: /lines } }
    steps:
      - aggregate: { correlation: orderId, completion: { size: 3 } }
    to: [{ id: crm-lines, http: { url: "\${TARGET_URL}/crm/lines", format: json } }]
`,
  'flaky.yaml': `
routes:
  - id: flaky
    from: { http: { path: /flaky } }
    to: [{ id: erp, http: { url: "\${TARGET_URL}/erp/orders", format: json }, retry: { attempts: 1 } }]
`,
  'once.yaml': `
routes:
  - id: once
    from: { http: { path: /once } }
    idempotent: { key: orderId }
    to: [{ id: crm, http: { url: "\${TARGET_URL}/crm/once", format: json } }]
`,
};

// Every wait on the page is bounded in seconds; a test that cannot see what it waits for fails rather than hangs.
const UI_TIMEOUT_MS = 10_000;

describe('admin dashboard in a real browser', () => {
  let target: TargetServer;
  let bus: TestBus;
  let browser: Browser;
  let failing = false;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        if (!req.path.startsWith('/erp/')) return {};
        if (failing) return { status: 500, body: { error: 'erp down' } };
        return (req.json as { bad?: boolean } | undefined)?.bad ? { status: 422, body: { error: 'bad order' } } : {};
      },
    });
    bus = await startTestBus({
      routes,
      env: { TARGET_URL: target.url, ADMIN_USER: ADMIN.user, ADMIN_PASSWORD: ADMIN.password },
    });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    failing = false;
  });
  afterAll(async () => {
    await browser?.close();
    await bus?.destroy();
    await target?.close();
  });

  /** A fresh browser profile (no cookies) with a page that records uncaught errors and CSP violations. */
  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    return { page, errors: watchPageErrors(page) };
  }

  /** Fills and sends the login form on the page shown. */
  async function submitLogin(page: Page, password = ADMIN.password): Promise<void> {
    await page.getByTestId('login-username').fill(ADMIN.user);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  }

  async function logIn(page: Page, view = ''): Promise<void> {
    await page.goto(`${bus.adminUrl}/dashboard${view}`);
    await submitLogin(page);
    await page.getByTestId('session-user').getByText(ADMIN.user).waitFor();
  }

  const text = (page: Page, testid: string) => page.getByTestId(testid).innerText();

  /** Posts to an ingress route, returning the message id of the 202. */
  async function send(path: string, body: object, headers: Record<string, string> = {}): Promise<string> {
    const res = await post(`${bus.url}${path}`, body, headers);
    expect(res.status).toBe(202);
    return res.json.messageId as string;
  }

  async function deadLetterOf(messageId: string): Promise<string> {
    let id = '';
    await waitUntil(
      async () => {
        const list = (await getJson(`${bus.adminUrl}/admin/dead-letters?route=flaky`)) as { id: string; messageId: string }[];
        id = list.find((d) => d.messageId === messageId)?.id ?? '';
        return id !== '';
      },
      UI_TIMEOUT_MS,
      `a dead letter of ${messageId}`,
    );
    return id;
  }

  test('login: the page and the API refuse without a session, a wrong password is told, the right one opens the app', async () => {
    const anonymous = await fetch(`${bus.adminUrl}/admin/routes`);
    expect(anonymous.status).toBe(401);
    const { page, errors } = await newPage();

    const response = await page.goto(`${bus.adminUrl}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(response!.headers()).toMatchObject({
      'content-security-policy': expect.stringMatching(/^default-src 'self'; script-src 'self'; style-src 'self';/),
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(response!.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await page.getByTestId('login-form').waitFor();
    expect(await page.getByTestId('nav-overview').count()).toBe(0);
    // The page's own origin without a session: the API still answers 401.
    expect(await page.evaluate(async () => (await fetch('/admin/routes')).status)).toBe(401);
    // Assets are a fixed list: anything else, a path out of the folder included, is a 404.
    expect((await fetch(`${bus.adminUrl}/dashboard/assets/..%2F..%2Fsrc%2Fdashboard.controller.ts`)).status).toBe(404);
    expect((await fetch(`${bus.adminUrl}/dashboard/assets/app.js`)).headers.get('content-type')).toContain('text/javascript');

    await submitLogin(page, 'not-the-password');
    await page.getByTestId('login-error').getByText('Wrong user name or password.').waitFor();
    await screenshot(page, 'a-login-refused');

    // More wrong passwords from this address are throttled, and the page says how long to wait; the right password
    // still opens the app (the failures might have been someone else's on the same address).
    const wrongLogin = (password: string) =>
      fetch('/admin/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) }).then((r) => r.status);
    for (let i = 0; i < 5; i++) await page.evaluate(wrongLogin, `guess-${i}`);
    await submitLogin(page, 'one-more-guess');
    await page.getByTestId('login-error').getByText(/^Too many failed sign-ins\. Try again in \d+ s\.$/).waitFor();

    await submitLogin(page);
    await page.getByTestId('session-user').getByText(ADMIN.user).waitFor();
    await page.getByTestId('bus-figures').waitFor();
    expect(await page.evaluate(async () => (await fetch('/admin/routes')).status)).toBe(200);

    // Both attempts are in the audit log the page shows.
    await page.getByTestId('nav-audit').click();
    await page.locator('[data-testid="audit-row"][data-action="login"]').first().waitFor();
    await page.locator('[data-testid="audit-row"][data-action="login-failed"]').first().waitFor();
    await screenshot(page, 'a-audit-log');

    // A session that is gone (here: its cookie dropped) sends the next API call's page back to the login form, and
    // signing in again lands on the view that was asked for.
    await context!.clearCookies();
    await page.getByTestId('nav-routes').click();
    await page.getByTestId('login-form').waitFor();
    await submitLogin(page);
    await page.getByTestId('reload-button').waitFor();
    expect(new URL(page.url()).hash).toBe('#/routes');

    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    expect(await page.evaluate(async () => (await fetch('/admin/routes')).status)).toBe(401);
    expect(errors).toEqual([]);
  }, 30_000);

  test('overview: traffic on a route shows in its in/s figure and draws the throughput chart', async () => {
    const { page, errors } = await newPage();
    await logIn(page);
    await page.getByTestId('route-row-orders').waitFor();
    await page.getByTestId('live-status').getByText('live').waitFor();

    // Real HTTP posts, four at a time, until the page has shown what the test waits for (bounded by the waits).
    let sending = true;
    let sent = 0;
    const loop = async () => {
      while (sending) {
        await send('/orders', { orderId: `load-${sent++}`, total: 5 });
      }
    };
    const senders = [loop(), loop(), loop(), loop()];
    try {
      const figure = async (testid: string) => Number(await page.getByTestId(testid).getAttribute('data-value'));
      await waitUntil(async () => (await figure('route-in-rate-orders')) > 0, UI_TIMEOUT_MS, 'in/s of orders above 0', 100);
      await waitUntil(async () => (await figure('bus-out-rate')) > 0, UI_TIMEOUT_MS, 'out/s of the bus above 0', 100);
      // The journal's size on disk, in binary units.
      await waitUntil(async () => (await figure('bus-journal-bytes')) > 0, UI_TIMEOUT_MS, 'the journal size shown', 100);
      expect(await page.getByTestId('bus-journal-bytes').textContent()).toMatch(/^\d+(\.\d)? (KiB|MiB|GiB)$/);
      // At least two points with traffic: the in/s line (its own blue) is drawn on the chart's canvas.
      const canvas = page.getByTestId('chart-throughput').locator('canvas');
      const bluePixels = () => canvasPixelsNear(canvas, [0x25, 0x63, 0xeb]);
      await waitUntil(async () => (await bluePixels()) > 20, UI_TIMEOUT_MS, 'the in/s line drawn', 200);
    } finally {
      sending = false;
      await Promise.all(senders);
    }
    expect(Number(await page.getByTestId('chart-throughput').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    // The charts of one route: seeded from that route's history.
    await page.getByTestId('chart-scope').selectOption('orders');
    await page.locator('[data-testid="charts"][data-scope="orders"]').waitFor();
    const routePoints = async () => Number(await page.getByTestId('chart-throughput').getAttribute('data-points'));
    await waitUntil(async () => (await routePoints()) >= 2, UI_TIMEOUT_MS, 'the chart of route orders', 100);
    expect(sent).toBeGreaterThan(0);
    expect(await text(page, 'route-in-rate-orders')).toMatch(/^\d/);
    await screenshot(page, 'b-overview-traffic');
    expect(errors).toEqual([]);
  }, 40_000);

  test('messages: found by id and by correlation id, opened with its hops and delivery attempts; untrusted text stays text', async () => {
    const correlationId = `corr-${Date.now().toString(36)}`;
    const hostile = '<img src=x onerror=window.__owned=1>';
    const headers = { 'x-correlation-id': correlationId, 'x-note': '<script>window.__owned=2</script>' };
    const id = await send('/orders', { orderId: 'search-1', note: hostile }, headers);
    const { page, errors } = await newPage();
    await logIn(page, '#/messages');

    await page.getByTestId('search-id').fill(id);
    await page.getByTestId('search-submit').click();
    expect(await text(page, 'message-id')).toBe(id);
    await page.getByTestId('message-status').getByText('delivered').waitFor();
    expect(await text(page, 'message-correlation-id')).toBe(correlationId);
    expect(await text(page, 'message-business-key')).toBe('search-1');
    expect(await page.getByTestId('hop').count()).toBeGreaterThan(0);
    const attempt = page.locator('[data-target="crm"] [data-testid="attempt"]');
    expect(await attempt.count()).toBe(1);
    expect(await attempt.first().innerText()).toContain('200');

    // Body and headers are shown as text: no element was made of them and no script ran.
    expect(await text(page, 'message-body')).toContain(hostile);
    expect(await text(page, 'message-headers')).toContain('<script>window.__owned=2</script>');
    expect(await page.locator('[data-testid="message-detail"] img, [data-testid="message-detail"] script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __owned?: number }).__owned)).toBeUndefined();
    await screenshot(page, 'c-message-by-id');

    await page.getByTestId('nav-messages').click();
    await page.getByTestId('search-correlationId').fill(correlationId);
    await page.getByTestId('search-submit').click();
    // The unfiltered list shown on arrival holds the row too: wait for the search's answer, a list of exactly one.
    const rows = page.locator('[data-testid^="message-row-"]');
    await waitUntil(async () => (await rows.count()) === 1 && (await page.getByTestId(`message-row-${id}`).count()) === 1, 15_000, 'the one message with that correlation id');
    await screenshot(page, 'c-search-by-correlation-id');
    await page.getByTestId(`message-link-${id}`).click();
    await page.getByTestId('message-status').getByText('delivered').waitFor();
    expect(await text(page, 'message-id')).toBe(id);
    expect(await page.getByTestId('attempt').count()).toBe(1);
    expect(errors).toEqual([]);
  }, 30_000);

  test('aggregations: a group held shows with its parts, and leaves once complete', async () => {
    const key = `G-${Date.now().toString(36)}`;
    await send('/lines', { orderId: key, line: 1 });
    await send('/lines', { orderId: key, line: 2 });
    await waitUntil(async () => (await getJson(`${bus.adminUrl}/admin/aggregations?route=lines`)).totals.parts === 2, UI_TIMEOUT_MS, 'two parts held');
    const { page, errors } = await newPage();
    await logIn(page, '#/aggregations');
    const row = page.getByTestId('aggregation-row').filter({ hasText: key });
    await row.waitFor();
    expect(await row.innerText()).toContain('2 of 3');
    await screenshot(page, 'f-aggregations');
    await send('/lines', { orderId: key, line: 3 });
    await target.waitFor(1, UI_TIMEOUT_MS, '/crm/lines');
    await page.getByTestId('aggregations-refresh').click();
    await page.getByTestId('aggregations-list').getByText('No group is held.').waitFor();
    expect(errors).toEqual([]);
  }, 30_000);

  test('dead letters: replayed one by one, as a selection, and edited then replayed, until their messages are delivered', async () => {
    failing = true;
    const single = await send('/flaky', { orderId: 'dl-single' });
    const pairA = await send('/flaky', { orderId: 'dl-pair-a' });
    const pairB = await send('/flaky', { orderId: 'dl-pair-b' });
    const [dlSingle, dlA, dlB] = [await deadLetterOf(single), await deadLetterOf(pairA), await deadLetterOf(pairB)];
    failing = false;
    // A body the ERP refuses (422) dies whatever the target's health; only an edit saves it.
    const refused = await send('/flaky', { orderId: 'dl-edit', bad: true });
    const dlEdit = await deadLetterOf(refused);

    const { page, errors } = await newPage();
    await logIn(page, '#/dead-letters');
    await page.getByTestId(`dl-row-${dlSingle}`).waitFor();
    await screenshot(page, 'd-dead-letters');

    await page.getByTestId(`dl-replay-${dlSingle}`).click();
    await page.getByTestId(`dl-outcome-${dlSingle}`).getByText('replayed').waitFor();
    await page.getByTestId(`dl-select-${dlA}`).check();
    await page.getByTestId(`dl-select-${dlB}`).check();
    await page.getByTestId('dl-replay-selected').click();
    await page.getByTestId(`dl-outcome-${dlA}`).getByText('replayed').waitFor();
    await page.getByTestId(`dl-outcome-${dlB}`).getByText('replayed').waitFor();
    expect(await page.getByTestId(`dl-row-${dlA}`).count()).toBe(0);
    await page.getByTestId(`dl-outcome-message-${dlB}`).click();
    await page.getByTestId('message-status').getByText('delivered').waitFor();
    // The dead attempt (500) and the replayed one (200) are both in the journal.
    const attempts = page.locator('[data-target="erp"] [data-testid="attempt"]');
    expect(await attempts.count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('message-dead-letters').innerText()).toContain('HTTP_500');
    for (const id of [single, pairA]) {
      const delivered = async () => (await getJson(`${bus.adminUrl}/admin/messages/${id}`)).status === 'delivered';
      await waitUntil(delivered, UI_TIMEOUT_MS, `${id} delivered`);
    }
    await screenshot(page, 'd-replayed-message');

    await page.goto(`${bus.adminUrl}/dashboard#/dead-letters/${dlEdit}`);
    await page.getByTestId('dl-edit-form').waitFor();
    expect(await page.getByTestId('dl-edit-body').inputValue()).toContain('"bad": true');
    await page.getByTestId('dl-edit-body').fill(JSON.stringify({ orderId: 'dl-edit', bad: false, edited: true }));
    await page.getByTestId('dl-edit-add-header').click();
    await page.getByTestId('dl-edit-header-name').last().fill('X-Edited');
    await page.getByTestId('dl-edit-header-value').last().fill('by-dashboard');
    await screenshot(page, 'd-edit-form');
    await page.getByTestId('dl-edit-submit').click();
    await page.getByTestId(`dl-outcome-${dlEdit}`).getByText('replayed').waitFor();
    await page.getByTestId(`dl-outcome-message-${dlEdit}`).click();
    await page.getByTestId('message-status').getByText('delivered').waitFor();
    const edited = target.requests.filter((r) => (r.json as { orderId?: string } | undefined)?.orderId === 'dl-edit');
    expect(edited.at(-1)?.json).toEqual({ orderId: 'dl-edit', bad: false, edited: true });
    expect(edited.at(-1)?.headers['x-edited']).toBe('by-dashboard');
    await screenshot(page, 'd-edited-message');
    expect(errors).toEqual([]);
  }, 45_000);

  test('routes: a broken route file makes Reload show the refusal with its file and line; the routes keep running', async () => {
    const { page, errors } = await newPage();
    await logIn(page, '#/routes');
    await page.getByTestId('route-orders').waitFor();
    expect(await page.getByTestId('route-flaky').innerText()).toContain('erp (http)');
    // Each source's link as its connector reports it (GET /admin/connectors).
    expect(await text(page, 'route-link-orders')).toBe('connected');

    const broken = routes['orders.yaml'].replace('id: orders', 'id: broken').replace('/orders }', '/broken }');
    bus.writeRoute('broken.yaml', broken.replace('businessKey', 'buisnessKey'));
    try {
      await page.getByTestId('reload-button').click();
      await page.getByTestId('reload-result-status').getByText('refused').waitFor();
      const problems = await page.getByTestId('reload-result-problems').innerText();
      expect(problems).toMatch(/broken\.yaml:5 routes\[0\]: unknown key "buisnessKey"/);
      // The page reads the routes and the last reload again after showing the result: wait for that read.
      await page.getByTestId('last-reload-status').getByText('refused').waitFor();
      expect(await text(page, 'last-reload-status')).toBe('refused');
      expect(await page.getByTestId('route-broken').count()).toBe(0);
      expect(await page.getByTestId('route-orders').count()).toBe(1);
      await screenshot(page, 'e-reload-refused');
    } finally {
      rmSync(join(bus.routesDir, 'broken.yaml'));
    }
    await page.getByTestId('reload-button').click();
    await page.getByTestId('reload-result-status').getByText('loaded').waitFor();
    expect(errors).toEqual([]);
  }, 30_000);

  test('duplicates: an idempotent route\'s resent message is found by its status and names the original', async () => {
    const original = await send('/once', { orderId: 'dup-1' });
    expect(await send('/once', { orderId: 'dup-1' })).toBe(original);
    const [duplicate] = (await getJson(`${bus.url}/admin/messages?route=once&status=duplicate`)) as Array<{ id: string }>;
    const { page, errors } = await newPage();
    await logIn(page, '#/messages');
    await page.getByTestId('search-status').selectOption('duplicate');
    await page.getByTestId('search-submit').click();
    const rows = page.locator('[data-testid^="message-row-"]');
    await waitUntil(async () => (await rows.count()) === 1 && (await page.getByTestId(`message-row-${duplicate.id}`).count()) === 1, 15_000, 'the one duplicate');
    expect(await page.getByTestId(`message-row-${duplicate.id}`).innerText()).toContain('duplicate');
    await page.getByTestId(`message-link-${duplicate.id}`).click();
    await page.getByTestId('message-status').getByText('duplicate').waitFor();
    expect(await text(page, 'hops')).toContain(`of ${original}`);
    await screenshot(page, 'g-duplicate');
    expect(errors).toEqual([]);
  }, 30_000);
});
