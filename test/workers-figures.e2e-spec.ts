import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTargetServer, tempDir, waitUntil, type TargetServer, type TempDir } from '@junction/testing';
import type { LiveSnapshot } from '@junction/telemetry';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { startChildBus, type ChildBus } from './support/child-bus';
import { call, workersAnswering } from './support/one-connection';
import { TEST_ADMIN_TOKEN } from './support/test-bus';

/**
 * WORKERS=2 end to end, the figures that are not plain sums: a route's source as the whole bus runs it, and requests
 * refused before they are messages.
 *
 * Each worker runs every source. `w-own-folder` polls a folder named after the worker's INSTANCE_ID (`wk-1`, `wk-2`);
 * worker 1's cannot be created (a file holds its name), so its poller is down while worker 2's is up: the bus's
 * source is up. `w-shared-folder` polls one folder both workers list, holding files that never complete (no done
 * marker): each worker reads the same backlog, which the bus counts once.
 */
const ROUTES = `
routes:
  - id: w-sync
    from: { http: { path: /w/sync } }
    mode: sync
    to: [{ id: echo, http: { url: "\${TARGET_URL}/echo" } }]
  - id: w-own-folder
    mode: async
    from: { file: { dir: "\${FILES_DIR}/\${INSTANCE_ID}/in", ready: rename, pollMs: 200 } }
    to: [{ id: own, http: { url: "\${TARGET_URL}/own" } }]
  - id: w-shared-folder
    mode: async
    from: { file: { dir: "\${FILES_DIR}/shared", ready: doneFile, pollMs: 200 } }
    to: [{ id: shared, http: { url: "\${TARGET_URL}/shared" } }]
`;

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const WAITING_FILES = 3;
const BODY_LIMIT = 4096;

async function scrape(bus: ChildBus): Promise<PrometheusText> {
  const res = await call(`${bus.url}/metrics`, { headers: AUTH });
  expect(res.status).toBe(200);
  return new PrometheusText(res.text);
}

describe('WORKERS=2: sources and early refusals, whole bus', () => {
  let dir: TempDir;
  let files: string;
  let target: TargetServer;
  let bus: ChildBus;

  beforeAll(async () => {
    dir = await tempDir('junction-workers-figures');
    files = join(dir.path, 'files');
    mkdirSync(join(files, 'shared'), { recursive: true });
    // Worker 1's folder cannot be made: its parent's name is taken by a file.
    writeFileSync(join(files, 'wk-1'), 'not a folder');
    for (let i = 0; i < WAITING_FILES; i++) writeFileSync(join(files, 'shared', `order-${i}.json`), '{}');
    target = await startTargetServer();
    bus = await startChildBus({
      dir: dir.path,
      name: 'workers-figures',
      routes: ROUTES,
      databaseUrl: `sqlite:${join(dir.path, 'bus.db')}`,
      env: { WORKERS: '2', INSTANCE_ID: 'wk', TARGET_URL: target.url, FILES_DIR: files, BODY_LIMIT_BYTES: String(BODY_LIMIT) },
    });
    await waitUntil(async () => (await workersAnswering(bus, 4)).size === 2, 30_000, 'both workers answering');
  }, 90_000);

  afterAll(async () => {
    await bus?.child.kill('SIGTERM', 20_000);
    await target?.close();
    await dir?.cleanup();
  });

  test('a source up in one process is up; a backlog every process reads is counted once', async () => {
    // What each process sees: worker 2 polls its folder, worker 1 cannot (and keeps trying).
    await waitUntil(() => existsSync(join(files, 'wk-2', 'in')), 30_000, "worker 2's folder created");
    expect(statSync(join(files, 'wk-1')).isFile()).toBe(true);
    const states = new Set<string>();
    await waitUntil(
      async () => {
        const connectors = (await call(`${bus.url}/admin/connectors`, { headers: AUTH })).json as Array<{ sources: Array<{ routeId: string; state: string }> }>;
        for (const c of connectors) for (const s of c.sources) if (s.routeId === 'w-own-folder') states.add(s.state);
        return states.has('connected') && states.size > 1;
      },
      30_000,
      'the source up in one worker and down in the other, as each reports it',
    );

    // The sources' figures are read every few seconds: wait for both processes' first readings.
    await waitUntil(
      async () => {
        const text = await scrape(bus);
        return text.value('junction_source_up', { route: 'w-own-folder' }) === 1 && text.value('junction_source_backlog', { route: 'w-shared-folder' }) === WAITING_FILES;
      },
      30_000,
      'the sources figures of the whole bus',
    );
    // Asked several times, so that each worker answers: always the whole bus's.
    for (let i = 0; i < 6; i++) {
      const text = await scrape(bus);
      expect(text.value('junction_source_up', { route: 'w-own-folder' })).toBe(1);
      expect(text.value('junction_source_up', { route: 'w-shared-folder' })).toBe(1);
      expect(text.value('junction_source_backlog', { route: 'w-shared-folder' })).toBe(WAITING_FILES);
      expect(text.value('junction_source_backlog', { route: 'w-own-folder' })).toBe(0);
    }
    for (let i = 0; i < 4; i++) {
      const live = (await call(`${bus.url}/admin/live/snapshot`, { headers: AUTH })).json as LiveSnapshot;
      expect(live.routes['w-shared-folder'].backlog).toBe(WAITING_FILES);
      expect(live.routes['w-own-folder'].backlog).toBe(0);
      expect(live.bus.backlog).toBe(WAITING_FILES);
    }
  }, 120_000);

  test('requests refused before they are messages count on every process, by route and code', async () => {
    const tooLarge = 12;
    const wrongType = 6;
    const large = await Promise.all(Array.from({ length: tooLarge }, () => call(`${bus.url}/w/sync`, { method: 'POST', body: { pad: 'x'.repeat(2 * BODY_LIMIT) } })));
    expect(large.map((r) => r.status)).toEqual(Array(tooLarge).fill(413));
    const typed = await Promise.all(
      Array.from({ length: wrongType }, () => call(`${bus.url}/w/sync`, { method: 'POST', text: 'hello', headers: { 'content-type': 'text/plain' } })),
    );
    expect(typed.map((r) => r.status)).toEqual(Array(wrongType).fill(415));
    // The calls went round both workers: the counts below are not one process's.
    expect(await workersAnswering(bus)).toEqual(new Set([1, 2]));

    for (let i = 0; i < 6; i++) {
      const text = await scrape(bus);
      expect(text.value('junction_messages_rejected_total', { route: 'w-sync', code: 'BODY_TOO_LARGE' })).toBe(tooLarge);
      expect(text.value('junction_messages_rejected_total', { route: 'w-sync', code: 'UNSUPPORTED_MEDIA_TYPE' })).toBe(wrongType);
      expect(text.sum('junction_messages_received_total', { route: 'w-sync' })).toBe(0);
    }
    for (let i = 0; i < 4; i++) {
      const live = (await call(`${bus.url}/admin/live/snapshot`, { headers: AUTH })).json as LiveSnapshot;
      expect(live.routes['w-sync'].totals).toEqual({ received: 0, completed: 0, failed: tooLarge + wrongType });
      const graph = await call(`${bus.url}/admin/routes/w-sync/graph`, { headers: AUTH });
      expect(graph.json.counts.rejected).toBe(tooLarge + wrongType);
    }
  });
});
