import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startTargetServer, tempDir, waitUntil, type TargetServer, type TempDir } from '@junction/testing';
import type { History, LiveSnapshot } from '@junction/telemetry';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { BUS_MAIN, startChildBus, type ChildBus } from './support/child-bus';
import { call, workersAnswering } from './support/one-connection';
import { TEST_ADMIN_TOKEN } from './support/test-bus';

/**
 * WORKERS=2 end to end: the built bus as `npm start` runs it, a primary and two worker processes sharing the port
 * and a SQLite file. Every call goes on a connection of its own, so that the primary hands calls round the workers;
 * `/health` names the worker that answered. What the admin shows and does must be the whole bus's, whichever worker
 * answers.
 */
const ROUTES = `
routes:
  - id: w-sync
    from: { http: { path: /w/sync } }
    mode: sync
    to: [{ id: echo, http: { url: "\${TARGET_URL}/echo" } }]
`;

const ADDED = `
routes:
  - id: w-added
    from: { http: { path: /w/added } }
    mode: sync
    to: [{ id: echo, http: { url: "\${TARGET_URL}/added" } }]
`;

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const SENT = 16;

/** The pids of the live children of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces), from its closing parenthesis: state, ppid...
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** Whether `pid` runs (a zombie, dead but not reaped yet, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('WORKERS=2: one bus, two processes', () => {
  let dir: TempDir;
  let target: TargetServer;
  let bus: ChildBus;

  beforeAll(async () => {
    dir = await tempDir('junction-workers');
    target = await startTargetServer({ respond: (req) => ({ delayMs: req.path === '/slow' ? 1500 : 0, body: { ok: true } }) });
    bus = await startChildBus({
      dir: dir.path,
      name: 'workers',
      routes: ROUTES,
      databaseUrl: `sqlite:${join(dir.path, 'bus.db')}`,
      env: { WORKERS: '2', TARGET_URL: target.url, LOG_LEVEL: 'info' },
    });
    // Ready as soon as one worker answers /health: wait for the other one too.
    await waitUntil(async () => (await workersAnswering(bus, 4)).size === 2, 30_000, 'both workers answering');
  }, 90_000);

  afterAll(async () => {
    await bus?.child.kill('SIGTERM', 20_000);
    await target?.close();
    await dir?.cleanup();
  });

  test('calls are spread over both processes', async () => {
    expect(await workersAnswering(bus)).toEqual(new Set([1, 2]));
    expect(childrenOf(bus.child.child.pid!)).toHaveLength(2);
  });

  test('one login holds on every process, until its logout on any', async () => {
    const login = await call(`${bus.url}/admin/session`, { method: 'POST', body: { token: TEST_ADMIN_TOKEN } });
    expect(login.status).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(`${bus.url}/admin/session`, { headers: { cookie } })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.every((a) => a.json.via === 'session')).toBe(true);

    const logout = await call(`${bus.url}/admin/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': login.json.csrfToken },
    });
    expect(logout.status).toBe(204);
    const after = await Promise.all(Array.from({ length: 10 }, () => call(`${bus.url}/admin/session`, { headers: { cookie } })));
    expect(after.map((a) => a.status)).toEqual(Array(10).fill(401));
  });

  test('/metrics, route counts, the live figures and the history count the messages of both processes', async () => {
    const replies = await Promise.all(Array.from({ length: SENT }, (_, i) => call(`${bus.url}/w/sync`, { method: 'POST', body: { i } })));
    expect(replies.map((r) => r.status)).toEqual(Array(SENT).fill(200));
    // Every worker took some of them: none of the figures below could be one process's.
    expect(await workersAnswering(bus)).toEqual(new Set([1, 2]));

    // Asked several times, so that each worker answers at least once: always the whole bus.
    for (let i = 0; i < 6; i++) {
      const metrics = await call(`${bus.url}/metrics`, { headers: AUTH });
      expect(metrics.status).toBe(200);
      const text = new PrometheusText(metrics.text);
      expect(text.value('junction_messages_received_total', { route: 'w-sync', source: 'http' })).toBe(SENT);
      expect(text.value('junction_messages_completed_total', { route: 'w-sync', status: 'delivered' })).toBe(SENT);
      expect(text.value('junction_deliveries_total', { route: 'w-sync', target: 'echo', outcome: 'delivered' })).toBe(SENT);
      expect(text.value('junction_routes_loaded')).toBe(1);
      expect(text.histogram('junction_message_latency_seconds', { route: 'w-sync', mode: 'sync' }).count).toBe(SENT);
    }

    for (let i = 0; i < 4; i++) {
      const graph = await call(`${bus.url}/admin/routes/w-sync/graph`, { headers: AUTH });
      expect(graph.json.counts.received).toBe(SENT);
      expect(graph.json.counts.targets.echo.delivered).toBe(SENT);
    }

    for (let i = 0; i < 4; i++) {
      const live = (await call(`${bus.url}/admin/live/snapshot`, { headers: AUTH })).json as LiveSnapshot;
      expect(live.routes['w-sync'].totals).toEqual({ received: SENT, completed: SENT, failed: 0 });
      expect(live.bus.totals.received).toBe(SENT);
    }
    // Percentiles cover whole seconds: once the second of the last message has closed, both processes' latencies.
    await waitUntil(
      async () => ((await call(`${bus.url}/admin/live/snapshot`, { headers: AUTH })).json as LiveSnapshot).bus.p50Ms !== null,
      5_000,
      'the latency percentiles of the whole bus',
    );

    // The history's points are whole seconds: wait for the second of the last message to close.
    await waitUntil(
      async () => {
        const h = (await call(`${bus.url}/admin/stats/history?minutes=1&route=w-sync`, { headers: AUTH })).json as History;
        return h.points.reduce((n, p) => n + p.inPerSec, 0) === SENT && h.points.reduce((n, p) => n + p.outPerSec, 0) === SENT;
      },
      10_000,
      'the history of both processes adding up to the messages sent',
    );
    const unknown = await call(`${bus.url}/admin/stats/history?route=nope`, { headers: AUTH });
    expect(unknown.status).toBe(404);
  });

  test('a route reload asked of one process reaches both', async () => {
    writeFileSync(join(dir.path, 'workers-routes', 'added.yaml'), ADDED);
    const reload = await call(`${bus.url}/admin/routes/reload`, { method: 'POST', headers: AUTH });
    expect(reload.status).toBe(200);
    expect(reload.json.routes).toBe(2);
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => call(`${bus.url}/w/added`, { method: 'POST', body: { i } })));
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(target.count('/added')).toBe(12);
    for (let i = 0; i < 6; i++) expect((await call(`${bus.url}/health`)).json.routes).toBe(2);
  });

  test('a worker that dies is replaced', async () => {
    const primary = bus.child.child.pid!;
    const [victim, survivor] = childrenOf(primary);
    process.kill(victim, 'SIGKILL');
    await waitUntil(() => !alive(victim), 5_000, 'the worker gone');
    await waitUntil(
      () => {
        const now = childrenOf(primary);
        return now.length === 2 && now.includes(survivor) && !now.includes(victim);
      },
      60_000,
      'a new worker forked',
    );
    // The new worker is the cluster's third: it answers calls beside the one that stayed.
    await waitUntil(async () => (await workersAnswering(bus, 6)).has(3), 60_000, 'the new worker answering');
    expect(bus.child.output()).toContain('worker died; replacing it');
    // The primary's logins and figures outlive the worker: still the whole bus's.
    const text = new PrometheusText((await call(`${bus.url}/metrics`, { headers: AUTH })).text);
    expect(text.value('junction_routes_loaded')).toBe(2);
  }, 120_000);

  // Last: its failures throttle this address for the tests after it.
  test('the login throttle counts the failures made on every process', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(`${bus.url}/admin/routes`, { headers: { authorization: 'Bearer wrong-token' } })).status);
    // Five free failures per address (DEFAULT_THROTTLE), then waits: whichever process each call reached.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // The right token still gets in, on every process.
    const right = await Promise.all(Array.from({ length: 8 }, () => call(`${bus.url}/admin/routes`, { headers: AUTH })));
    expect(right.map((r) => r.status)).toEqual(Array(8).fill(200));
  });
});

describe('WORKERS=2: stopping', () => {
  let dir: TempDir;
  let target: TargetServer;

  beforeAll(async () => {
    dir = await tempDir('junction-workers-stop');
    target = await startTargetServer({ respond: (req) => ({ delayMs: req.path === '/slow' ? 1500 : 0, body: { ok: true } }) });
  });
  afterAll(async () => {
    await target?.close();
    await dir?.cleanup();
  });

  const start = (name: string) =>
    startChildBus({
      dir: dir.path,
      name,
      routes: ROUTES.replace('/echo', '/slow'),
      databaseUrl: `sqlite:${join(dir.path, `${name}.db`)}`,
      env: { WORKERS: '2', TARGET_URL: target.url, LOG_LEVEL: 'info' },
    });

  test('SIGTERM lets every worker finish its calls, then the bus exits 0', async () => {
    const bus = await start('term');
    const primary = bus.child.child.pid!;
    await waitUntil(() => bus.child.output().includes('bus started as several processes'), 60_000, 'both workers ready');
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);
    // Calls on both workers, each held 1.5 s by the target when SIGTERM comes.
    const calls = Array.from({ length: 6 }, (_, i) => call(`${bus.url}/w/sync`, { method: 'POST', body: { i } }));
    await waitUntil(() => target.count('/slow') === 6, 10_000, 'every call at the target');
    const code = await bus.child.kill('SIGTERM', 30_000);
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(code).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  }, 120_000);

  test('SIGTERM while the workers are still starting stops the bus cleanly (exit 0)', async () => {
    const routesDir = join(dir.path, 'early-routes');
    mkdirSync(routesDir, { recursive: true });
    writeFileSync(join(routesDir, 'routes.yaml'), ROUTES);
    const child = spawn(process.execPath, [BUS_MAIN], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        ROUTES_DIR: routesDir,
        DATABASE_URL: `sqlite:${join(dir.path, 'early.db')}`,
        WORKERS: '2',
        TARGET_URL: target.url,
        LOG_LEVEL: 'info',
        WATCH_ROUTES: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // The primary has forked its workers; they are loading and starting, none listening yet.
    await waitUntil(() => output.includes('starting the bus as several processes'), 30_000, 'the workers forked');
    const workers = childrenOf(child.pid!);
    child.kill('SIGTERM');
    const end = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 45_000))]);
    if (end === 'hung') child.kill('SIGKILL');
    expect(end).toEqual({ code: 0, signal: null });
    expect(workers.filter(alive)).toEqual([]);
    expect(output).not.toContain('"level":50');
  }, 120_000);

  test('kill -9 of the primary leaves no worker holding the port', async () => {
    const bus = await start('kill');
    const primary = bus.child.child.pid!;
    await waitUntil(() => bus.child.output().includes('bus started as several processes'), 60_000, 'both workers ready');
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);
    const port = Number(new URL(bus.url).port);
    expect(await portFree(port)).toBe(false);
    await bus.child.kill('SIGKILL');
    await waitUntil(() => workers.every((w) => !alive(w)), 10_000, 'the workers gone after their primary');
    expect(await portFree(port)).toBe(true);
  }, 120_000);
});
