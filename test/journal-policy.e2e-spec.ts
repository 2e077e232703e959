import { startTargetServer, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const ROUTES = {
  'proxy.yaml': `
routes:
  - id: quiet-proxy
    from: { http: { path: /quiet } }
    mode: sync
    journal: failures
    to: [{ id: backend, http: { url: "\${TARGET_URL}/backend" }, retry: { attempts: 1 } }]
`,
};

describe('journal: failures on a sync route', () => {
  let target: TargetServer;
  let bus: TestBus;
  let failing = false;

  beforeAll(async () => {
    target = await startTargetServer({ respond: () => (failing ? { status: 500, body: { error: 'down' } } : { status: 200, body: { ok: true } }) });
    bus = await startTestBus({ routes: ROUTES, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('a success is answered and counted but not journaled; a failure is journaled and dead-lettered', async () => {
    const ok = await post(`${bus.url}/quiet`, { n: 1 });
    expect(ok.status).toBe(200);
    const okId = ok.headers.get('x-message-id')!;
    expect((await fetch(`${bus.url}/admin/messages/${okId}`, { headers: { authorization: 'Bearer test-admin-token' } })).status).toBe(404);

    failing = true;
    const bad = await post(`${bus.url}/quiet`, { n: 2 });
    expect(bad.status).toBe(502);
    const record = await getJson(`${bus.url}/admin/messages/${bad.json.messageId}`);
    expect(record).toMatchObject({ status: 'dead', routeId: 'quiet-proxy' });
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=quiet-proxy`);
    expect(letters.map((l: { messageId: string }) => l.messageId)).toEqual([bad.json.messageId]);
    const snapshot = await getJson(`${bus.url}/admin/live/snapshot`);
    expect(snapshot.routes['quiet-proxy'].totals).toMatchObject({ received: 2, completed: 1, failed: 1 });
  });

  test('an async route cannot journal only failures', async () => {
    bus.writeRoute('bad.yaml', `
routes:
  - id: async-quiet
    from: { http: { path: /aq } }
    journal: failures
    to: [{ http: { url: "\${TARGET_URL}/x" } }]
`);
    const reload = await post(`${bus.url}/admin/routes/reload`, {});
    expect(reload.status).toBe(422);
    expect(reload.json.problems.join('\n')).toMatch(/bad\.yaml:\d+ routes\[0\]\.journal: journal: failures is for sync routes/);
  });
});
