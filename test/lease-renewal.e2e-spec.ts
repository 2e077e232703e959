import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, post, startTestBus, type TestBus } from './support/test-bus';

const LEASE_MS = 1500;
const MESSAGES = 6;

/**
 * Two instances on one PostgreSQL; a target that holds every request for 2 x LEASE_MS. Without renewal the second
 * instance would take each delivery over once its lease ran out and send it again; with renewal each is sent once.
 */
describe('lease renewal: a delivery held for 2 x LEASE_MS is sent once with a second instance polling', () => {
  let target: TargetServer;
  let a: TestBus;
  let b: TestBus;
  let drop: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-lease-'));
    target = await startTargetServer({ respond: () => ({ delayMs: 2 * LEASE_MS, body: { ok: true } }) });
    const db = await freshDatabase('postgres', dir);
    drop = db.drop;
    const routes = `
routes:
  - id: slow
    from: { http: { path: /slow } }
    to: [{ id: slow-target, http: { url: "${target.url}/slow", timeoutMs: 30000 } }]
`;
    const env = { LEASE_MS: String(LEASE_MS), INSTANCE_ID: 'lease-a' };
    a = await startTestBus({ routes: { 'slow.yaml': routes }, databaseUrl: db.url, env });
    b = await startTestBus({ routes: { 'slow.yaml': routes }, databaseUrl: db.url, env: { ...env, INSTANCE_ID: 'lease-b' } });
  }, 60_000);
  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
    await drop?.();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${MESSAGES} deliveries each held ${2 * LEASE_MS} ms: each sent exactly once`, async () => {
    const replies = await Promise.all(Array.from({ length: MESSAGES }, (_, i) => post(`${(i % 2 ? b : a).url}/slow`, { i })));
    expect(replies.every((r) => r.status === 202)).toBe(true);
    const ids = replies.map((r) => r.json.messageId as string);
    await waitUntil(() => a.runtime.worker.counts.delivered + b.runtime.worker.counts.delivered >= MESSAGES, 60_000, 'all delivered');
    // Two more lease periods: a take-over would have shown by now.
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    const sent = target.requests.map((r) => r.headers['x-message-id']);
    const duplicates = sent.length - new Set(sent).size;
    console.log(
      `lease renewal: ${MESSAGES} messages held ${2 * LEASE_MS} ms with LEASE_MS ${LEASE_MS}, ${new Set(sent).size} delivered, ${duplicates} duplicates, ` +
        `by a ${a.runtime.worker.counts.delivered} by b ${b.runtime.worker.counts.delivered}`,
    );
    expect(ids.every((id) => sent.includes(id))).toBe(true);
    expect(duplicates).toBe(0);
    expect(sent).toHaveLength(MESSAGES);
  }, 120_000);
});
