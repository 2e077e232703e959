import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../apps/sandbox/src';
import { legacyBatch, seededRandom, webOrder } from '../apps/sandbox/src/demo/sample-orders';
import { tempDir, waitUntil, type TempDir } from '@junction/testing';
import type { Browser, Page } from 'playwright-core';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { ownBrokerNames } from './support/broker-sessions';
import { launchBrowser, screenshot, watchPageErrors } from './support/browser';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * The route diagrams and the connector page in a real browser, over the sample routes of routes/ running against the
 * sandbox: every route's flow is drawn with as many nodes and edges as its compiled graph has; after web orders (valid
 * and invalid) and legacy batches went through, the figures on the edges equal the bus's /metrics counters; the
 * connector page shows every source's state and every target's queue.
 */
const ADMIN = { user: 'admin', password: 'route-diagram-e2e-password' };
const UI_TIMEOUT_MS = 15_000;

interface Graph {
  nodes: Array<{ id: string; kind: string }>;
  edges: Array<{ from: string; to: string; measure?: { kind: string; targetId?: string } }>;
}

describe('route diagrams and connectors in a real browser', () => {
  let sandbox: Sandbox;
  let bus: TestBus;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let warehouseDir: TempDir;
  const brokers = ownBrokerNames('route-diagram');

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    warehouseDir = await tempDir('route-diagram-legacy-warehouse');
    bus = await startTestBus({
      routes: {},
      env: {
        SANDBOX_URL: sandbox.url,
        LEGACY_WAREHOUSE_DIR: warehouseDir.path,
        // A topic of this suite's own, so that the ERP events route counts nothing another suite published.
        SANDBOX_ERP_EVENTS_TOPIC: `route-diagram-${Date.now().toString(36)}`,
        ADMIN_USER: ADMIN.user,
        ADMIN_PASSWORD: ADMIN.password,
        ...brokers.env,
      },
    });
    cpSync(join(__dirname, '..', 'routes'), bus.routesDir, { recursive: true });
    const reload = await post(`${bus.url}/admin/routes/reload`, {});
    expect(reload.json).toMatchObject({ ok: true });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    errors = watchPageErrors(page);
    await page.goto(`${bus.adminUrl}/dashboard#/flows`);
    await page.getByTestId('login-username').fill(ADMIN.user);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('flow-list').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await bus?.destroy();
    await sandbox?.close();
    await brokers.remove();
    await warehouseDir?.cleanup();
  });

  /** Opens a route's diagram and waits until it is drawn (its counts read at or after `since`). */
  async function openFlow(id: string, since = 0): Promise<void> {
    await page.goto(`${bus.adminUrl}/dashboard#/flows/${encodeURIComponent(id)}`);
    const diagram = page.locator(`[data-testid="diagram"][data-route="${id}"]`);
    await diagram.waitFor();
    await waitUntil(async () => Number(await diagram.getAttribute('data-at')) >= since, UI_TIMEOUT_MS, `${id} counted after ${since}`, 100);
  }

  test('draws every sample route with the nodes and edges of its compiled graph', async () => {
    const routes = (await getJson(`${bus.adminUrl}/admin/routes`)) as Array<{ id: string }>;
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const drawn: string[] = [];
    for (const { id } of routes) {
      const graph = (await getJson(`${bus.adminUrl}/admin/routes/${id}/graph`)) as Graph;
      await openFlow(id);
      const nodes = page.locator('[data-testid="diagram-node"]');
      expect(await nodes.count()).toBe(graph.nodes.length);
      expect(await page.locator('[data-testid="diagram-edge"]').count()).toBe(graph.edges.length);
      // Each node is drawn as its kind, in the graph's order.
      expect(await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(graph.nodes.map((n) => n.kind));
      // A node is drawn inside the picture, not on top of another.
      const boxes = await nodes.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.x, r.y, r.width, r.height]));
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const overlap = a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
          expect(overlap ? `${id}: nodes ${i} and ${j} overlap` : '').toBe('');
        }
      }
      await screenshot(page, `flow-${id}`);
      drawn.push(`${id}=${graph.nodes.length}/${graph.edges.length}`);
    }
    console.log(`route diagrams: ${drawn.length} routes drawn (nodes/edges) ${drawn.join(' ')}`);
    expect(errors).toEqual([]);
  });

  test('after traffic, the figures on the edges equal the /metrics counters', async () => {
    const random = seededRandom(5);
    const sent: Array<{ id: string; valid: boolean }> = [];
    for (let n = 1; n <= 12; n++) {
      const o = webOrder(n, random);
      const res = await post(`${bus.url}${o.path}`, JSON.parse(o.body), { 'x-priority': o.headers['x-priority'] });
      expect(res.status).toBe(202);
      sent.push({ id: res.json.messageId, valid: Boolean(JSON.parse(o.body).customerId) });
    }
    // An order without its customer fails the route's validation: dead at its first step, with no delivery.
    for (const n of [1, 2]) {
      const res = await post(`${bus.url}/orders`, { orderId: `W-BAD-${n}`, items: [] });
      expect(res.status).toBe(202);
      sent.push({ id: res.json.messageId, valid: false });
    }
    for (let n = 1; n <= 3; n++) {
      const batch = legacyBatch(n, random);
      const res = await post(`${bus.url}${batch.path}`, batch.body);
      expect(res.status).toBe(202);
      sent.push({ id: res.json.messageId, valid: true });
    }
    for (const m of sent) {
      await waitUntil(async () => (await getJson(`${bus.adminUrl}/admin/messages/${m.id}`)).status === (m.valid ? 'delivered' : 'dead'), 30_000, `${m.id} settled`);
    }
    expect(sent.some((m) => !m.valid)).toBe(true);

    const checked: string[] = [];
    for (const id of ['web-orders', 'legacy-orders']) {
      // Deliveries of the wire tap may still be under way after the message settled: compare until they agree.
      let last = '';
      await waitUntil(
        async () => {
          const metrics = new PrometheusText(await (await fetch(`${bus.adminUrl}/metrics`, { headers: { authorization: 'Bearer test-admin-token' } })).text());
          await openFlow(id, Date.now());
          const shown = await page.locator('[data-testid="diagram-edge-count"]').evaluateAll((els) =>
            els.map((e) => ({ measure: e.getAttribute('data-measure'), target: e.getAttribute('data-target'), ok: Number(e.getAttribute('data-ok')), err: Number(e.getAttribute('data-err')), text: e.textContent })),
          );
          const expected = shown.map((s) => {
            if (s.measure === 'received') return { ok: metrics.sum('junction_messages_received_total', { route: id }), err: metrics.sum('junction_messages_rejected_total', { route: id }) };
            if (s.measure === 'filtered') return { ok: metrics.value('junction_messages_completed_total', { route: id, status: 'filtered' }), err: 0 };
            const labels = { route: id, target: s.target! };
            return { ok: metrics.value('junction_deliveries_total', { ...labels, outcome: 'delivered' }), err: metrics.value('junction_deliveries_total', { ...labels, outcome: 'dead' }) };
          });
          // The route's own figures above the diagram: dead counts the messages a step refused too.
          const dead = Number(await page.getByTestId('flow-dead').innerText());
          last = JSON.stringify({ shown, expected, dead, deadInMetrics: metrics.value('junction_messages_completed_total', { route: id, status: 'dead' }) });
          return dead === metrics.value('junction_messages_completed_total', { route: id, status: 'dead' }) && shown.length > 0 && shown.every((s, i) => s.ok === expected[i].ok && s.err === expected[i].err && s.text!.includes(String(expected[i].ok)));
        },
        30_000,
        `${id}: the diagram's figures equal /metrics`,
        500,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}: ${last}`);
      });
      const shown = JSON.parse(last).shown as Array<{ measure: string; target: string | null; ok: number; err: number }>;
      checked.push(`${id}: ${shown.map((s) => `${s.target ?? s.measure}=${s.ok}/${s.err}`).join(' ')} dead=${JSON.parse(last).dead}`);
      await screenshot(page, `flow-${id}-counted`);
    }
    console.log(`route diagrams: figures equal /metrics (ok/errors) ${checked.join('; ')}`);
    // Traffic went through: the CRM's figures count deliveries, and the two orders refused by the validation (a step
    // failure: no delivery, so on no target's edge) are the route's dead.
    expect(checked.join(' ')).toMatch(/crm-orders=[1-9]/);
    expect(checked[0]).toMatch(/dead=2$/);
    expect(errors).toEqual([]);
  });

  test('the connector page shows every source with its state and every target with its queue', async () => {
    const connectors = (await getJson(`${bus.adminUrl}/admin/connectors`)) as Array<{ kind: string; sources: Array<{ routeId: string; state: string }> }>;
    const targets = (await getJson(`${bus.adminUrl}/admin/connectors/targets`)) as Array<{ routeId: string; targetId: string; pending: number }>;
    await page.goto(`${bus.adminUrl}/dashboard#/connectors`);
    const sources = connectors.flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const c of connectors) await page.getByTestId(`connector-${c.kind}`).waitFor();
    for (const s of sources) {
      await page.getByTestId(`source-${s.routeId}`).waitFor();
      // The state shown is the one the API gives at the page's last refresh (at most two seconds later).
      await waitUntil(async () => {
        const now = ((await getJson(`${bus.adminUrl}/admin/connectors`)) as typeof connectors).flatMap((c) => c.sources).find((x) => x.routeId === s.routeId)!.state;
        return (await page.getByTestId(`source-state-${s.routeId}`).innerText()).trim() === now;
      }, UI_TIMEOUT_MS, `${s.routeId} state`, 200);
    }
    for (const t of targets) {
      const pending = page.getByTestId(`target-pending-${t.routeId}-${t.targetId}`);
      await pending.waitFor();
      expect(Number((await pending.innerText()).replace(/,/g, ''))).toBeGreaterThanOrEqual(0);
    }
    await screenshot(page, 'connectors');
    console.log(`connectors page: ${connectors.length} kinds, ${sources.length} sources (${sources.map((s) => `${s.routeId}=${s.state}`).join(' ')}), ${targets.length} targets`);
    expect(errors).toEqual([]);
  });
});
