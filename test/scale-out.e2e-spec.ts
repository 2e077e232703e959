import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { freshDatabase, post, startTestBus, type TestBus } from './support/test-bus';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MESSAGES = 1000;
const ROUTES = `
routes:
  - id: shared
    from: { http: { path: /orders } }
    mode: async
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]
`;

/**
 * Two bus instances on one PostgreSQL share one outbox: rows are claimed with FOR UPDATE SKIP LOCKED, so every
 * message is delivered and none by both.
 */
describe('scale-out: two instances on one PostgreSQL', () => {
  let target: TargetServer;
  let a: TestBus;
  let b: TestBus;
  let drop: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-scale-'));
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

  test(`${MESSAGES} messages: all delivered exactly once, by both instances together`, async () => {
    const accepted: string[] = [];
    for (let i = 0; i < MESSAGES; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) => post(`${(i + j) % 2 === 0 ? a.url : b.url}/orders`, { n: i + j })),
      );
      accepted.push(...batch.map((r) => r.json.messageId as string));
    }
    await waitUntil(() => target.requests.length >= MESSAGES, 60_000, 'all delivered');
    await new Promise((r) => setTimeout(r, 500));
    const ids = target.requests.map((r) => String(r.headers['x-message-id']));
    const unique = new Set(ids);
    const byA = a.runtime.worker.counts.delivered;
    const byB = b.runtime.worker.counts.delivered;
    process.stdout.write(
      `scale-out: accepted=${accepted.length} delivered=${unique.size} duplicates=${ids.length - unique.size} by-a=${byA} by-b=${byB}\n`,
    );
    expect(accepted.every((id) => unique.has(id))).toBe(true);
    expect(ids.length).toBe(MESSAGES);
    expect(byA + byB).toBe(MESSAGES);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
  });
});
