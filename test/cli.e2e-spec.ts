import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startChildProcess } from '@junction/testing';
import { ownBrokerNames } from './support/broker-sessions';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'junction.js');

/** Runs the built `junction` command as a user would, and returns its exit code and output. */
function junction(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the junction command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-cli-'));
    cpSync(join(ROOT, 'routes'), join(dir, 'routes'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('validate: the sample routes are valid (exit 0)', () => {
    const r = junction(['validate', join(dir, 'routes')]);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 10 routes valid/) });
  });

  test('validate: a misspelled key and a bad URL are reported as file:line path: message (exit 1)', () => {
    const file = join(dir, 'routes', 'web-orders.yaml');
    const text = readFileSync(file, 'utf8').replace('    mode: async', '    mdoe: async').replace('/crm/orders', ' not a url');
    writeFileSync(file, text);
    const r = junction(['validate', 'routes'], {}, dir);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('routes/web-orders.yaml:11 routes[0]: unknown key "mdoe" (did you mean "mode"?)');
    expect(lines.some((l) => /^routes\/web-orders\.yaml:\d+ routes\[0\]\.steps\[3\]\.choice\.when\[0\]\.to\[0\]\.http\.url: expected a URL$/.test(l))).toBe(true);
    // the CRM target is a YAML anchor used again in `otherwise`: both uses are reported, at the anchor's line
    expect(lines).toContain('routes/web-orders.yaml:44 routes[0].steps[3].choice.otherwise.to[0].http.url: expected a URL');
    expect(lines.at(-1)).toBe('3 problems');
  });

  test("validate and test run every connector's offline checks: a missing WSDL, an unknown operation, a bad topic pattern (exit 1)", () => {
    writeFileSync(
      join(dir, 'routes', 'connector-problems.yaml'),
      [
        'routes:',
        '  - id: to-missing-wsdl',
        '    from: { http: { path: /checks/missing } }',
        '    to:',
        '      - soap:',
        '          wsdl: wsdl/nowhere.wsdl',
        '          operation: SubmitOrder',
        '  - id: to-unknown-operation',
        '    from: { http: { path: /checks/unknown } }',
        '    to:',
        '      - soap:',
        '          wsdl: wsdl/legacy-orders.wsdl',
        '          operation: SubmitOrdr',
        '  - id: from-bad-pattern',
        '    from:',
        '      kafka:',
        '        topicPattern: "orders.(unclosed"',
        '        group: checks',
        '    to: [{ http: { url: "http://127.0.0.1:9/x" } }]',
        '',
      ].join('\n'),
    );
    const expected = [
      'routes/connector-problems.yaml:6 routes[0].to[0].soap.wsdl: WSDL wsdl/nowhere.wsdl not found',
      expect.stringMatching(/^routes\/connector-problems\.yaml:13 routes\[1\]\.to\[0\]\.soap\.operation: wsdl\/legacy-orders\.wsdl has no operation "SubmitOrdr" \(it has "SubmitOrder"/),
      expect.stringMatching(/^routes\/connector-problems\.yaml:17 routes\[2\]\.from\.kafka\.topicPattern: not a regular expression/),
    ];
    const validate = junction(['validate', 'routes'], {}, dir);
    expect(validate.code).toBe(1);
    const lines = validate.stderr.trim().split('\n');
    expect(lines).toEqual([...expected, '3 problems']);
    const tests = junction(['test', 'routes'], {}, dir);
    expect(tests.code).toBe(1);
    expect(tests.stderr.trim().split('\n')).toEqual(expected);
  });

  test('test: runs the route tests beside the routes; a wrong expectation fails with its reason', () => {
    const ok = junction(['test', join(dir, 'routes')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\n25 passed, 0 failed\n$/);
    const file = join(dir, 'routes', 'quotes.test.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('priceList: GOLD', 'priceList: SILVER'));
    const failing = junction(['test', join(dir, 'routes')]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('FAIL');
    expect(failing.stdout).toContain('reply $.priceList: expected "SILVER", got "GOLD"');
    expect(failing.stdout).toMatch(/24 passed, 1 failed/);
  });

  test('start: the bus answers /health; a bad setting stops start-up naming it', async () => {
    const bad = junction(['start'], { PORT: 'eighty', ROUTES_DIR: join(dir, 'routes') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('PORT');
    const port = await freePort();
    const brokers = ownBrokerNames('cli-start');
    const bus = await startChildProcess(process.execPath, [BIN, 'start'], {
      env: { PORT: String(port), HOST: '127.0.0.1', ROUTES_DIR: join(dir, 'routes'), DATABASE_URL: `sqlite:${join(dir, 'j.db')}`, ...brokers.env },
      readyUrl: `http://127.0.0.1:${port}/health`,
    });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string; routes: number };
      expect(health).toMatchObject({ status: 'ok', routes: 10 });
    } finally {
      expect(await bus.kill('SIGTERM')).toBe(0);
      await brokers.remove();
    }
  });
});
