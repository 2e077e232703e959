import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startChildProcess, startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { DRIVERS, freshDatabase, post } from './support/test-bus';

const MESSAGES = 1000;
const MAIN = resolve(__dirname, '..', 'dist', 'apps', 'bus', 'src', 'main.js');

const ROUTES = `
routes:
  - id: crash-orders
    from: { http: { path: /orders } }
    mode: async
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" }, retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 } }]
`;

/**
 * The durability promise: every message acknowledged with 202 is delivered at least once, even when the bus is killed
 * with SIGKILL while it delivers. The bus runs as a child process of the built code, exactly as `npm start` runs it.
 */
describe.each(DRIVERS)('crash test on %s: kill -9 while delivering', (driver) => {
  let target: TargetServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-crash-'));
    target = await startTargetServer({ respond: () => ({ delayMs: 15, body: { ok: true } }) });
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Its waits allow up to 3 minutes (two starts of a cluster, the first deliveries, every message after the restart):
  // a machine under a CPU hog needs more than the suite's 2-minute default.
  test(`${MESSAGES} async messages, bus killed mid-delivery and restarted: 0 lost`, async () => {
    const routesDir = join(dir, 'routes');
    require('node:fs').mkdirSync(routesDir, { recursive: true });
    require('node:fs').writeFileSync(join(routesDir, 'crash.yaml'), ROUTES);
    const db = await freshDatabase(driver, dir);
    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ROUTES_DIR: routesDir,
      DATABASE_URL: db.url,
      TARGET_URL: target.url,
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: '8',
      LEASE_MS: '1500',
      WATCH_ROUTES: 'false',
    };
    const url = `http://127.0.0.1:${port}`;
    const first = await startChildProcess('node', [MAIN], { env, readyUrl: `${url}/health`, readyTimeoutMs: 30_000 });

    const accepted: string[] = [];
    for (let i = 0; i < MESSAGES; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, MESSAGES - i) }, (_, j) => post(`${url}/orders`, { n: i + j })),
      );
      for (const r of batch) {
        expect(r.status).toBe(202);
        accepted.push(r.json.messageId);
      }
    }
    await waitUntil(() => target.requests.length >= 100, 30_000, 'deliveries under way');
    first.kill('SIGKILL');
    await first.exited;
    const atKill = new Set(target.requests.map((r) => r.headers['x-message-id'])).size;
    expect(atKill).toBeLessThan(MESSAGES);

    const second = await startChildProcess('node', [MAIN], { env, readyUrl: `${url}/health`, readyTimeoutMs: 30_000 });
    try {
      const seen = () => new Set(target.requests.map((r) => String(r.headers['x-message-id'])));
      await waitUntil(() => accepted.every((id) => seen().has(id)), 90_000, 'every accepted message delivered');
      const unique = seen();
      const lost = accepted.filter((id) => !unique.has(id)).length;
      const duplicates = target.requests.length - unique.size;
      process.stdout.write(
        `crash test (${driver}): accepted=${accepted.length} delivered-before-kill=${atKill} delivered=${unique.size} lost=${lost} duplicates=${duplicates}\n`,
      );
      expect(lost).toBe(0);
      expect(unique.size).toBe(MESSAGES);
    } finally {
      second.kill('SIGTERM');
      await second.exited;
      await db.drop();
    }
  }, 240_000);
});
