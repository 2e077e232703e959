import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, screenshot, watchPageErrors } from './support/browser';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const ADMIN = { user: 'admin', password: 'resilience-e2e-password' };
const UI_TIMEOUT_MS = 10_000;

/** The overview shows which targets' breakers are open (since when) and which throttles held messages back. */
describe('dashboard: open breakers and throttles', () => {
  let target: TargetServer;
  let bus: TestBus;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    target = await startTargetServer({ respond: (req) => (req.path.startsWith('/down') ? { status: 503, body: 'down' } : {}) });
    const routes = `
routes:
  - id: guarded
    from: { http: { path: /guarded } }
    to:
      - id: down
        http: { url: "${target.url}/down" }
        circuitBreaker: { failures: 2, cooldown: 60s }
  - id: slow
    from: { http: { path: /slow } }
    to:
      - id: limited
        http: { url: "${target.url}/limited" }
        throttle: { rate: 2/s }
`;
    bus = await startTestBus({ routes: { 'resilience.yaml': routes }, env: { ADMIN_USER: ADMIN.user, ADMIN_PASSWORD: ADMIN.password } });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await bus?.destroy();
    await target?.close();
  });

  test('an open breaker and a throttle that held deliveries back appear on the overview', async () => {
    for (let i = 0; i < 3; i++) expect((await post(`${bus.url}/guarded`, { i })).status).toBe(202);
    for (let i = 0; i < 6; i++) expect((await post(`${bus.url}/slow`, { i })).status).toBe(202);
    const auth = { authorization: `Bearer test-admin-token` };
    await waitUntil(async () => (await getJson(`${bus.adminUrl}/admin/resilience`, auth)).open?.length === 1, 20_000, 'the breaker open');

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const errors = watchPageErrors(page);
    await page.goto(`${bus.adminUrl}/dashboard`);
    await page.getByTestId('login-username').fill(ADMIN.user);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    const row = page.getByTestId('breaker-guarded-down');
    await row.waitFor();
    expect(await row.innerText()).toMatch(/open/);
    await page.getByTestId('throttle-slow-limited').waitFor();
    expect(await page.getByTestId('throttle-slow-limited').innerText()).toMatch(/2\.0\/s/);
    await screenshot(page, 'resilience-overview');
    console.log(`dashboard resilience: open breaker row "${(await row.innerText()).replace(/\s+/g, ' ')}"`);
    expect(errors).toEqual([]);
  }, 60_000);
});
