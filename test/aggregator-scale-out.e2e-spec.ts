import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { freshDatabase, getJson, post, startTestBus, type TestBus } from './support/test-bus';

const GROUPS = 400;
const PARTS = 4;
const ROUTES = `
routes:
  - id: shared-lines
    from: { http: { path: /lines } }
    steps:
      - aggregate:
          correlation: orderId
          completion: { size: ${PARTS} }
          aggregate: '{ "orderId": $[0].orderId, "lines": $.line }'
    to: [{ id: erp, http: { url: "\${TARGET_URL}/erp" } }]
`;

/**
 * Two instances on one PostgreSQL share the groups: each order's parts go half to one instance and half to the
 * other, so that most groups hold parts routed by both; each group is completed by one of them, once.
 */
describe('aggregator scale-out: two instances on one PostgreSQL', () => {
  let target: TargetServer;
  let a: TestBus;
  let b: TestBus;
  let drop: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-agg-scale-'));
    target = await startTargetServer({ respond: () => ({ delayMs: 2, body: { ok: true } }) });
    const db = await freshDatabase('postgres', dir);
    drop = db.drop;
    const env = { TARGET_URL: target.url, INSTANCE_ID: 'a', WORKER_CONCURRENCY: '16', OUTBOX_BATCH: '20' };
    a = await startTestBus({ routes: { 'shared.yaml': ROUTES }, databaseUrl: db.url, env });
    b = await startTestBus({ routes: { 'shared.yaml': ROUTES }, databaseUrl: db.url, env: { ...env, INSTANCE_ID: 'b' } });
  });
  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
    await drop?.();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${GROUPS} groups of ${PARTS} parts sent to both: ${GROUPS} aggregates, none twice, completed by both`, async () => {
    let accepted = 0;
    for (let line = 0; line < PARTS; line++) {
      for (let o = 0; o < GROUPS; o += 50) {
        const replies = await Promise.all(
          Array.from({ length: 50 }, (_, j) => post(`${(o + j + line) % 2 === 0 ? a.url : b.url}/lines`, { orderId: `S-${o + j}`, line })),
        );
        for (const r of replies) expect(r.status).toBe(202);
        accepted += replies.length;
      }
    }
    const orders = () => new Set(target.requests.map((r) => (r.json as { orderId: string }).orderId));
    await waitUntil(() => orders().size >= GROUPS, 90_000, 'an aggregate for every order');
    await new Promise((r) => setTimeout(r, 1000));

    const ids = new Map<string, Set<string>>();
    let complete = 0;
    for (const r of target.requests) {
      const { orderId, lines } = r.json as { orderId: string; lines: number[] };
      if (!ids.has(orderId)) ids.set(orderId, new Set());
      ids.get(orderId)!.add(r.headers['x-message-id']);
      if ([...lines].sort().join(',') === '0,1,2,3') complete++;
    }
    const twice = [...ids.values()].filter((s) => s.size > 1).length;
    const byA = a.runtime.aggregation.counts.completed;
    const byB = b.runtime.aggregation.counts.completed;
    const open = await getJson(`${a.url}/admin/aggregations`);
    process.stdout.write(
      `aggregator scale-out (postgres): ${accepted} parts, aggregates=${target.requests.length} completed-twice=${twice} ` +
        `complete=${complete} by-a=${byA} by-b=${byB} refused=${a.runtime.aggregation.counts.refused + b.runtime.aggregation.counts.refused} open-groups=${open.totals.groups}\n`,
    );
    expect(accepted).toBe(GROUPS * PARTS);
    expect(target.requests).toHaveLength(GROUPS);
    expect(twice).toBe(0);
    expect(complete).toBe(GROUPS);
    expect(byA + byB).toBe(GROUPS);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(open.totals).toEqual({ groups: 0, parts: 0 });
  }, 300_000);
});
