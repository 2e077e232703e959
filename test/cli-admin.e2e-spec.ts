import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { post, startTestBus, TEST_ADMIN_TOKEN, type TestBus } from './support/test-bus';

/**
 * The operator commands of the built `junction` CLI against a real bus, as a user runs them (JUNCTION_URL and
 * JUNCTION_TOKEN): tables for people, --json for scripts, and the exit codes (1 the bus said no, 2 usage, 3 no bus).
 * The bus runs in this process, so the CLI runs asynchronously beside it.
 */
const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'junction.js');

const ROUTES = `
routes:
  - id: cli-orders
    from: { http: { path: /cli/orders } }
    mode: async
    businessKey: orderId
    to: [{ id: crm, http: { url: "\${TARGET_URL}/crm" }, retry: { attempts: 1 } }]

  - id: cli-quotes
    from: { http: { path: /cli/quotes } }
    mode: sync
    to:
      - id: pricing
        http: { url: "\${TARGET_URL}/pricing" }
        circuitBreaker: { failures: 5, window: 60s, cooldown: 10s }
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('junction operator commands against a running bus', () => {
  let target: TargetServer;
  let bus: TestBus;
  let env: Record<string, string>;
  let crmUp = false;
  const dirs: string[] = [];

  /** Runs the built CLI with JUNCTION_URL/JUNCTION_TOKEN naming the test bus (overridable). */
  function junction(args: string[], extra: Record<string, string> = {}): Promise<Run> {
    return new Promise((done) => {
      execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env, ...extra }, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null) : 0;
        done({ code, stdout, stderr });
      });
    });
  }
  const parsed = async (args: string[]) => {
    const r = await junction([...args, '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    target = await startTargetServer({ respond: (req) => (req.path.startsWith('/crm') && !crmUp ? { status: 503, body: 'crm down' } : { status: 200, body: { ok: true } }) });
    bus = await startTestBus({ routes: { 'cli.yaml': ROUTES }, env: { TARGET_URL: target.url } });
    env = { JUNCTION_URL: bus.adminUrl, JUNCTION_TOKEN: TEST_ADMIN_TOKEN };
    for (const orderId of ['A-1', 'A-2', 'A-3']) expect((await post(`${bus.url}/cli/orders`, { orderId })).status).toBe(202);
    expect((await post(`${bus.url}/cli/quotes`, { sku: 'X' })).status).toBe(200);
    await waitUntil(async () => (await bus.runtime.store.listDeadLetters({ limit: 10 })).length === 3, 30_000, 'three dead letters');
  });

  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('--help lists every command and the exit codes; a subcommand has its own help (exit 0)', async () => {
    const help = await junction(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['validate', 'test', 'schema', 'init', 'start', 'routes', 'messages', 'message', 'dead-letters', 'replay', 'reload', 'status']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(help.stdout).toContain('3  the bus cannot be reached');
    const sub = await junction(['messages', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--since <when>');
    expect(sub.stdout).toContain('Exit codes:');
  });

  test('routes: a table, and --json', async () => {
    const r = await junction(['routes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cli-orders\s+│ async\s+│ http \/cli\/orders/);
    expect(r.stdout).toMatch(/2 routes\n$/);
    const routes = await parsed(['routes']);
    expect(routes.map((x: { id: string }) => x.id).sort()).toEqual(['cli-orders', 'cli-quotes']);
  });

  test('messages: filters by route, status, key and since; message <id>: deliveries and dead letters', async () => {
    const all = await parsed(['messages']);
    expect(all).toHaveLength(4);
    const dead = await parsed(['messages', '--route', 'cli-orders', '--status', 'dead']);
    expect(dead.map((m: { businessKey: string }) => m.businessKey).sort()).toEqual(['A-1', 'A-2', 'A-3']);
    const byKey = await parsed(['messages', '--key', 'A-2', '--since', '1h']);
    expect(byKey).toEqual([expect.objectContaining({ businessKey: 'A-2', status: 'dead', routeId: 'cli-orders' })]);
    expect(await parsed(['messages', '--since', new Date(Date.now() + 3_600_000).toISOString()])).toEqual([]);

    const table = await junction(['messages', '--route', 'cli-orders']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ A-2 +│/);
    expect(table.stdout).toMatch(/3 messages\n$/);

    const id = byKey[0].id as string;
    const one = await junction(['message', id]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/│ business key +│ A-2/);
    expect(one.stdout).toMatch(/deliveries\n[\s\S]*│ crm +│ - +│ dead +│ 1\/1/);
    expect(one.stdout).toMatch(/dead letters\n/);
    const json = await parsed(['message', id]);
    expect(json).toMatchObject({ id, businessKey: 'A-2', deliveries: [expect.objectContaining({ targetId: 'crm', status: 'dead' })] });

    const missing = await junction(['message', 'no-such-message']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^junction: the bus answered 404: no message no-such-message/);
    console.log(`cli: ${all.length} messages listed, ${dead.length} dead`);
  });

  test('dead-letters, then replay: several with a result per id (exit 1 when one is unknown), then --route', async () => {
    const table = await junction(['dead-letters']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/3 dead letters not replayed\n$/);
    const letters = await parsed(['dead-letters', '--route', 'cli-orders']);
    expect(letters).toHaveLength(3);
    const ids = letters.map((d: { id: string }) => d.id) as string[];

    crmUp = true;
    target.clear();
    const replay = await junction(['replay', ids[0], ids[1], 'no-such-dead-letter', '--json']);
    expect(replay.code).toBe(1);
    const report = JSON.parse(replay.stdout);
    expect(report).toMatchObject({ replayed: 2, failed: 1 });
    expect(report.results[2]).toEqual({ id: 'no-such-dead-letter', error: 'the bus answered 404: dead letter no-such-dead-letter not found' });
    await target.waitFor(2, 30_000, '/crm');

    const rest = await junction(['replay', '--route', 'cli-orders']);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain(ids[2]);
    expect(rest.stdout).toMatch(/1 replayed, 0 failed\n$/);
    // The progress bar goes to a terminal only: none in captured output.
    expect(rest.stderr).toBe('');
    await waitUntil(async () => (await parsed(['messages', '--route', 'cli-orders', '--status', 'delivered'])).length === 3, 30_000, 'the replayed messages delivered');
    expect(await parsed(['dead-letters'])).toEqual([]);
    expect(await parsed(['dead-letters', '--all'])).toHaveLength(3);
    expect((await junction(['replay'])).code).toBe(2);
  });

  test('reload: ok, then refused with the problem listed (exit 1) while the routes stay', async () => {
    const ok = await junction(['reload']);
    expect(ok).toMatchObject({ code: 0, stdout: 'ok: 2 routes loaded\n' });
    bus.writeRoute('broken.yaml', 'routes:\n  - id: broken\n    to: []\n');
    try {
      const refused = await junction(['reload']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/broken\.yaml:\d+ routes\[0\]/);
      expect(refused.stderr).toMatch(/reload refused \(\d+ problems?\); 2 routes still running\n$/);
      const json = await junction(['reload', '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, routes: 2 });
    } finally {
      rmSync(join(bus.routesDir, 'broken.yaml'));
    }
    expect((await junction(['reload'])).code).toBe(0);
  });

  test('status: health, sources and circuit breakers, as a table and --json', async () => {
    const r = await junction(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ store +│ ok \(sqlite\)/);
    expect(r.stdout).toMatch(/sources\n[\s\S]*│ cli-orders +│ http +│ connected/);
    expect(r.stdout).toMatch(/circuit breakers\n[\s\S]*│ cli-quotes +│ pricing +│ closed/);
    const json = await parsed(['status']);
    expect(json.health).toMatchObject({ ready: true, routes: 2 });
    expect(json.resilience.circuits).toEqual([expect.objectContaining({ routeId: 'cli-quotes', targetId: 'pricing', state: 'closed' })]);
    expect(json.connectors.map((c: { kind: string }) => c.kind)).toContain('http');
  });

  test('exit codes: a bad flag or value is 2, a refused token 1, no bus at the URL 3', async () => {
    const flag = await junction(['routes', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    expect((await junction(['messages', '--status', 'lost'])).code).toBe(2);
    expect((await junction(['messages', '--since', 'last tuesday'])).code).toBe(2);
    expect((await junction(['no-such-command'])).code).toBe(2);
    expect((await junction([])).code).toBe(2);
    expect((await junction(['routes', '--url', 'not a url'])).code).toBe(2);

    const token = await junction(['routes'], { JUNCTION_TOKEN: 'wrong-token' });
    expect(token.code).toBe(1);
    expect(token.stderr).toContain('refused the credentials (401)');

    const closed = await freePort();
    const gone = await junction(['status', '--url', `http://127.0.0.1:${closed}`]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toBe(`junction: cannot reach the bus at http://127.0.0.1:${closed}: ECONNREFUSED\n`);
  });

  test('init scaffolds a routes folder whose sample route and test pass validate and test; a second init refuses to overwrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'junction-init-'));
    dirs.push(dir);
    const init = await junction(['init', dir]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/ok: 1 route valid/);
    expect(init.stdout).toMatch(/2 passed, 0 failed/);
    const route = readFileSync(join(dir, 'routes', 'sample.yaml'), 'utf8');
    expect(route.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/routes.schema.json');
    expect(readFileSync(join(dir, 'routes', 'sample.test.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/route-tests.schema.json');
    expect(existsSync(join(dir, 'schemas', 'routes.schema.json'))).toBe(true);
    expect(existsSync(join(dir, 'schemas', 'route-tests.schema.json'))).toBe(true);

    expect(await junction(['validate', join(dir, 'routes')])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 1 route valid/) });
    expect(await junction(['test', join(dir, 'routes')])).toMatchObject({ code: 0, stdout: expect.stringMatching(/2 passed, 0 failed\n$/) });

    writeFileSync(join(dir, 'routes', 'sample.yaml'), `${route}# edited\n`);
    const again = await junction(['init', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already there (--force to overwrite)');
    expect(readFileSync(join(dir, 'routes', 'sample.yaml'), 'utf8')).toContain('# edited');
    expect((await junction(['init', dir, '--force'])).code).toBe(0);
  });
});
