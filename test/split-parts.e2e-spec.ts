import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type CapturedRequest, type TargetServer } from '@junction/testing';
import { startChildBus } from './support/child-bus';
import { DRIVERS, freshDatabase, getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * Splitter parts as messages of their own (issue 12, item 7) on the real bus: each part has its own id and its
 * parent's, the admin API shows the tree, and `ordered: true` keeps a target's parts in document order.
 */
describe.each(DRIVERS)('split parts on %s', (driver) => {
  const PARTS = 12;
  const ORDERED = 8;
  let target: TargetServer;
  let bus: TestBus;
  /** Split index of each part the target accepted, in the order it accepted them, by path. */
  const accepted = new Map<string, number[]>();
  const failedOnce = new Set<string>();

  const ROUTES = `
routes:
  - id: split-async
    from: { http: { path: /split } }
    mode: async
    steps:
      - split:
          expr: items
          steps: [{ map: '{ "sku": sku, "part": $messageId }' }]
          to: [{ id: sink, http: { url: "\${TARGET_URL}/sink", format: json } }]
  - id: split-sync
    from: { http: { path: /split-sync } }
    mode: sync
    steps:
      - split: { expr: items, to: [{ id: sync-sink, http: { url: "\${TARGET_URL}/sync-sink", format: json } }] }
  - id: split-ordered
    from: { http: { path: /ordered } }
    mode: async
    steps:
      - split:
          expr: items
          ordered: true
          to: [{ id: in-order, http: { url: "\${TARGET_URL}/in-order", format: json }, retry: { attempts: 10, backoffMs: 300, maxBackoffMs: 1000 } }]
  - id: split-unordered
    from: { http: { path: /unordered } }
    mode: async
    steps:
      - split:
          expr: items
          to: [{ id: any-order, http: { url: "\${TARGET_URL}/any-order", format: json }, retry: { attempts: 10, backoffMs: 300, maxBackoffMs: 1000 } }]
`;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        const index = Number(req.headers['x-split-index']);
        // Part 0 is slow and fails its first attempt: a target that needs order must still get 0..N-1.
        if (index === 0 && (req.path === '/in-order' || req.path === '/any-order') && !failedOnce.has(req.path)) {
          failedOnce.add(req.path);
          return { status: 503, delayMs: 1500 };
        }
        accepted.set(req.path, [...(accepted.get(req.path) ?? []), index]);
        return { body: { ok: true } };
      },
    });
    bus = await startTestBus({ routes: { 'split.yaml': ROUTES }, driver, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `S-${i}` }));
  const settled = (id: string) => waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${id}`)).status === 'delivered', 30_000, `${id} delivered`);

  test(`a split of ${PARTS} parts makes ${PARTS} messages with their own ids, shown as a tree under the parent`, async () => {
    const r = await post(`${bus.url}/split`, { items: items(PARTS) });
    expect(r.status).toBe(202);
    const id: string = r.json.messageId;
    const got = await target.waitFor(PARTS, 30_000, '/sink');
    const ids = got.map((q) => q.headers['x-message-id']).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    expect(ids).toEqual(Array.from({ length: PARTS }, (_, i) => `${id}.${i}`));
    for (const q of got) {
      const index = Number(q.headers['x-split-index']);
      expect(q.headers).toMatchObject({ 'x-parent-message-id': id, 'x-split-size': String(PARTS), 'x-correlation-id': id });
      // The part's own id in its steps too.
      expect(q.json).toEqual({ sku: `S-${index}`, part: `${id}.${index}` });
    }
    await settled(id);

    const view = await getJson(`${bus.url}/admin/messages/${id}`);
    expect(view.parts).toHaveLength(PARTS);
    expect(view.parts.map((p: { id: string }) => p.id)).toEqual(Array.from({ length: PARTS }, (_, i) => `${id}.${i}`));
    expect(view.parts.every((p: { status: string; parentId: string; deliveries: string[] }) => p.status === 'delivered' && p.parentId === id && p.deliveries.length === 1)).toBe(true);
    expect(view.deliveries.map((d: { partId: string }) => d.partId)).toEqual(Array.from({ length: PARTS }, (_, i) => `${id}.${i}`));

    const part = await getJson(`${bus.url}/admin/messages/${id}.5`);
    expect(part).toMatchObject({ id: `${id}.5`, parentId: id, routeId: 'split-async', status: 'delivered' });
    expect(part.deliveries).toHaveLength(1);
    expect(part.deliveries[0]).toMatchObject({ partId: `${id}.5`, partIndex: 5, targetId: 'sink' });
    expect(part.headers).toMatchObject({ 'x-parent-message-id': id, 'x-split-index': '5' });
    const missing = await fetch(`${bus.url}/admin/messages/${id}.${PARTS}`, { headers: { authorization: 'Bearer test-admin-token' } });
    expect(missing.status).toBe(404);
    console.log(`split tree (${driver}): 1 message, ${PARTS} parts, ${new Set(ids).size} distinct part ids delivered, ${view.parts.length} parts in the admin view`);
  });

  test('a sync route journals its parts the same way', async () => {
    const r = await post(`${bus.url}/split-sync`, { items: items(3) });
    expect(r.status).toBe(200);
    const id = r.headers.get('x-message-id')!;
    const view = await getJson(`${bus.url}/admin/messages/${id}`);
    expect(view.parts.map((p: { id: string; status: string }) => `${p.id}:${p.status}`)).toEqual([0, 1, 2].map((i) => `${id}.${i}:delivered`));
    expect(target.requests.filter((q) => q.path === '/sync-sink').map((q) => q.headers['x-message-id'])).toEqual([0, 1, 2].map((i) => `${id}.${i}`));
  });

  test(`ordered: true delivers ${ORDERED} parts in document order although part 0 is slow and fails once`, async () => {
    const ordered = await post(`${bus.url}/ordered`, { items: items(ORDERED) });
    const unordered = await post(`${bus.url}/unordered`, { items: items(ORDERED) });
    expect([ordered.status, unordered.status]).toEqual([202, 202]);
    await waitUntil(() => (accepted.get('/in-order')?.length ?? 0) >= ORDERED && (accepted.get('/any-order')?.length ?? 0) >= ORDERED, 60_000, 'every part accepted');
    await settled(ordered.json.messageId);

    const inOrder = accepted.get('/in-order')!;
    const anyOrder = accepted.get('/any-order')!;
    expect(inOrder).toEqual(Array.from({ length: ORDERED }, (_, i) => i));
    // Each part reached the target only after the one before it was answered: never two at once.
    const arrivals = target.requests.filter((q) => q.path === '/in-order');
    const firstOk = (i: number): CapturedRequest => arrivals.filter((q) => q.headers['x-split-index'] === String(i)).at(-1)!;
    for (let i = 1; i < ORDERED; i++) expect(firstOk(i).receivedAt).toBeGreaterThanOrEqual(firstOk(i - 1).receivedAt);
    // Without the option, the other parts do not wait for part 0.
    expect(anyOrder[0]).not.toBe(0);
    const view = await getJson(`${bus.url}/admin/messages/${ordered.json.messageId}`);
    expect(view.parts.map((p: { status: string }) => p.status)).toEqual(Array(ORDERED).fill('delivered'));
    console.log(
      `split ordered (${driver}): ${ORDERED} parts, ${arrivals.length} requests, accepted in order ${inOrder.join(',')}; unordered: ${anyOrder.join(',')}`,
    );
  });
});

describe.each(DRIVERS)('ordered split parts on %s across a kill -9', (driver) => {
  const PARTS = 6;
  let target: TargetServer;
  let dir: string;
  let up = false;
  const accepted: number[] = [];

  const ROUTES = `
routes:
  - id: ordered-crash
    from: { http: { path: /ordered } }
    mode: async
    steps:
      - split:
          expr: items
          ordered: true
          to: [{ id: ledger, http: { url: "\${TARGET_URL}/ledger", format: json }, retry: { attempts: 50, backoffMs: 200, maxBackoffMs: 500 } }]
`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-ordered-'));
    // Down (503) until the bus was killed; after the restart every part is taken.
    target = await startTargetServer({
      respond: (req) => {
        if (!up) return { status: 503 };
        accepted.push(Number(req.headers['x-split-index']));
        return { body: { ok: true } };
      },
    });
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${PARTS} parts, the first failing when the bus is killed: after the restart they arrive 0..${PARTS - 1}`, async () => {
    const db = await freshDatabase(driver, dir);
    const env = { TARGET_URL: target.url, LEASE_MS: '2000' };
    const first = await startChildBus({ dir, name: `ordered-${driver}-1`, routes: ROUTES, databaseUrl: db.url, env });
    let id: string;
    try {
      const r = await post(`${first.url}/ordered`, { items: Array.from({ length: PARTS }, (_, i) => ({ line: i })) });
      expect(r.status).toBe(202);
      id = r.json.messageId;
      await target.waitFor(2, 30_000);
    } finally {
      first.child.kill('SIGKILL');
      await first.child.exited;
    }
    // Only part 0 was tried: the others wait for it in the store.
    const before = target.requests.map((q) => q.headers['x-split-index']);
    expect(new Set(before)).toEqual(new Set(['0']));
    up = true;
    const second = await startChildBus({ dir, name: `ordered-${driver}-2`, routes: ROUTES, databaseUrl: db.url, env });
    try {
      await waitUntil(() => accepted.length >= PARTS, 60_000, 'every part accepted');
      await waitUntil(async () => (await getJson(`${second.url}/admin/messages/${id}`)).status === 'delivered', 30_000, 'delivered');
      expect(accepted).toEqual(Array.from({ length: PARTS }, (_, i) => i));
      console.log(`split ordered kill-9 (${driver}): ${PARTS} parts, ${before.length} failed attempts of part 0 before the kill, accepted after the restart in order ${accepted.join(',')}`);
    } finally {
      second.child.kill('SIGTERM');
      await second.child.exited;
      await db.drop();
    }
  });
});
