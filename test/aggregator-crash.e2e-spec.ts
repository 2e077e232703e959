import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { startChildBus, type ChildBus } from './support/child-bus';
import { DRIVERS, freshDatabase, getJson, post } from './support/test-bus';

const GROUPS = 1000;
const PARTS = 5;

const routes = (target: string) => `
routes:
  - id: order-lines
    from: { http: { path: /lines } }
    steps:
      - aggregate:
          correlation: orderId
          completion: { size: ${PARTS} }
          aggregate: '{ "orderId": $[0].orderId, "lines": $.line }'
          timeout: 10m
    to: [{ id: erp, http: { url: "${target}/erp" }, retry: { attempts: 50, backoffMs: 50, maxBackoffMs: 500 } }]
`;

/** Sends line `line` of every order, 50 at a time; each must be accepted. */
async function sendLine(bus: ChildBus, line: number): Promise<number> {
  let accepted = 0;
  for (let o = 0; o < GROUPS; o += 50) {
    const replies = await Promise.all(
      Array.from({ length: Math.min(50, GROUPS - o) }, (_, j) => post(`${bus.url}/lines`, { orderId: `O-${o + j}`, line })),
    );
    for (const r of replies) expect(r.status).toBe(202);
    accepted += replies.length;
  }
  return accepted;
}

/**
 * The Aggregator's durability promise: parts are held in the store with their message's routing, and a group is
 * completed in one transaction under its lease. So with the bus killed -9 twice (once while parts are being routed
 * and held, once while groups complete), every order's lines still come out as exactly one aggregate with all its
 * lines: none lost, none completed twice. Redelivery of one aggregate after a kill (the outbox's at-least-once) is
 * counted apart.
 */
describe.each(DRIVERS)('aggregator crash test on %s: kill -9 twice', (driver) => {
  let target: TargetServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-agg-crash-'));
    target = await startTargetServer({ respond: () => ({ delayMs: 2, body: { ok: true } }) });
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${GROUPS} groups of ${PARTS} parts, interleaved: ${GROUPS} aggregates, none twice, none missing a part`, async () => {
    const db = await freshDatabase(driver, dir);
    const start = (name: string) =>
      startChildBus({
        dir,
        name: `${driver}-${name}`,
        routes: routes(target.url),
        databaseUrl: db.url,
        env: { LEASE_MS: '1500', WORKER_CONCURRENCY: '16' },
      });
    let bus = await start('first');
    let accepted = 0;
    try {
      // Lines 0-2 of every order, then kill -9 while they are being routed and held.
      for (let line = 0; line < 3; line++) accepted += await sendLine(bus, line);
      await bus.child.kill('SIGKILL');
      const firstKillAggregates = target.requests.length;
      process.stdout.write(`aggregator kill-9 (${driver}): first kill after ${accepted} parts\n`);

      // Lines 3-4 complete the groups; kill -9 again while they complete and go out.
      bus = await start('second');
      for (let line = 3; line < PARTS; line++) accepted += await sendLine(bus, line);
      const progress = setInterval(() => {
        void getJson(`${bus.url}/admin/aggregations?limit=1`)
          .then((a) => process.stdout.write(`  progress: delivered=${target.requests.length} open=${JSON.stringify(a.totals)} completer=${JSON.stringify(a.completer)}\n`))
          .catch(() => undefined);
      }, 10_000);
      await waitUntil(() => target.requests.length >= 100, 120_000, 'aggregates under way').finally(() => clearInterval(progress));
      await bus.child.kill('SIGKILL');
      const secondKillAggregates = target.requests.length;
      process.stdout.write(`aggregator kill-9 (${driver}): second kill after ${accepted} parts, ${secondKillAggregates} aggregates delivered\n`);

      bus = await start('third');
      const orders = () => new Set(target.requests.map((r) => (r.json as { orderId: string }).orderId));
      await waitUntil(() => orders().size >= GROUPS, 180_000, 'an aggregate for every order');
      // Anything completed twice would show up shortly after.
      await new Promise((r) => setTimeout(r, 1000));

      const idsByOrder = new Map<string, Set<string>>();
      let missingParts = 0;
      for (const r of target.requests) {
        const { orderId, lines } = r.json as { orderId: string; lines: number[] };
        if (!idsByOrder.has(orderId)) idsByOrder.set(orderId, new Set());
        idsByOrder.get(orderId)!.add(r.headers['x-message-id']);
        if ([...lines].sort().join(',') !== '0,1,2,3,4') missingParts++;
      }
      const twice = [...idsByOrder.values()].filter((ids) => ids.size > 1).length;
      const aggregates = [...idsByOrder.values()].reduce((n, ids) => n + ids.size, 0);
      const redelivered = target.requests.length - aggregates;
      const open = await getJson(`${bus.url}/admin/aggregations`);
      const dead = await getJson(`${bus.url}/admin/dead-letters?limit=1000`);
      process.stdout.write(
        `aggregator kill-9 (${driver}): ${accepted} parts accepted, ${GROUPS} groups, aggregates=${aggregates} ` +
          `completed-twice=${twice} missing-a-part=${missingParts} redelivered=${redelivered} ` +
          `delivered-at-kills=${firstKillAggregates}/${secondKillAggregates} open-groups=${open.totals.groups} dead-letters=${dead.length}\n`,
      );
      expect(accepted).toBe(GROUPS * PARTS);
      expect(idsByOrder.size).toBe(GROUPS);
      expect(twice).toBe(0);
      expect(aggregates).toBe(GROUPS);
      expect(missingParts).toBe(0);
      expect(open.totals).toEqual({ groups: 0, parts: 0 });
      expect(dead).toEqual([]);
    } finally {
      await bus.child.kill('SIGTERM');
      await db.drop();
    }
  }, 480_000);
});
