import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SETTING_NAMES, loadSettings } from '@junction/config';
import { freePort, startChildProcess, startTargetServer, waitUntil, type RunningChild, type TargetServer } from '@junction/testing';
import { parse, parseAllDocuments } from 'yaml';
import { compileRouteDir, captureEgresses } from '@junction/routing';
import { CONNECTORS } from '../apps/bus/src/connectors';
import { startTcpRelay } from './support/tcp-relay';
import { freshDatabase, post, startTestBus, TEST_ADMIN_TOKEN, type TestBus } from './support/test-bus';

/**
 * Operating the bus the way platform teams do, checked against the real tools and a real bus: Debian's Prometheus
 * scrapes the bus with its bearer token and fires the alerts the test provokes; promtool checks the rules and runs
 * their unit tests; the Grafana dashboard and the alert rules name only metrics the bus exports; the Kubernetes
 * manifests validate against the Kubernetes schemas and name real settings and probe paths; docker-compose accepts
 * the compose file.
 */
const ROOT = resolve(__dirname, '..');
const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');
const RULES = join(PROMETHEUS_DIR, 'junction.rules.yml');

const ROUTES = `
routes:
  - id: ops-failing
    from: { http: { path: /ops/failing } }
    mode: async
    to: [{ id: down, http: { url: "\${TARGET_URL}/down" }, retry: { attempts: 1 } }]

  - id: ops-breaker
    from: { http: { path: /ops/breaker } }
    mode: async
    to:
      - id: flaky
        http: { url: "\${TARGET_URL}/flaky" }
        retry: { attempts: 10, backoffMs: 200 }
        circuitBreaker: { failures: 2, window: 60s, cooldown: 10m }
        throttle: { rate: 100/s }
`;

function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(command, args, { cwd: options.cwd ?? ROOT, env: { PATH: process.env.PATH, ...options.env }, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or strings. */
function metricNames(expr: string): string[] {
  const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    if (!KEYWORDS.has(m[1].toLowerCase())) names.add(m[1]);
  }
  return [...names];
}

/** The series names a Prometheus text exposition offers (histograms as _bucket, _sum and _count). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m[1]}${s}`);
    else if (m[2] === 'summary') for (const s of ['', '_sum', '_count']) names.add(`${m[1]}${s}`);
    else names.add(m[1]);
  }
  return names;
}

describe('operations: Prometheus, Grafana, Kubernetes, docker-compose', () => {
  let target: TargetServer;
  let bus: TestBus;
  let dir: string;
  let prometheus: RunningChild | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-ops-'));
    target = await startTargetServer({ respond: () => ({ status: 503, body: 'down for the test' }) });
    bus = await startTestBus({ routes: { 'ops.yaml': ROUTES }, env: { TARGET_URL: target.url } });
  });

  afterAll(async () => {
    await prometheus?.kill('SIGTERM');
    await bus?.destroy();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('promtool: the alert rules and the scrape config check, and the rules pass their unit tests', () => {
    const rules = run('promtool', ['check', 'rules', RULES]);
    expect(rules).toMatchObject({ code: 0, out: expect.stringMatching(/SUCCESS: \d+ rules found/) });
    const unit = run('promtool', ['test', 'rules', 'tests/junction.rules.test.yml'], { cwd: PROMETHEUS_DIR });
    expect(unit).toMatchObject({ code: 0, out: expect.stringContaining('SUCCESS') });
    // The shipped config reads its token from a path that exists only where it is deployed: syntax here, the whole
    // check on the test's own copy below.
    expect(run('promtool', ['check', 'config', '--syntax-only', join(PROMETHEUS_DIR, 'prometheus.yml')]).code).toBe(0);
    // A rule that does not parse is refused: the check can fail.
    const broken = join(dir, 'broken.rules.yml');
    writeFileSync(broken, readFileSync(RULES, 'utf8').replace('junction_store_up == 0', 'junction_store_up == == 0'));
    expect(run('promtool', ['check', 'rules', broken]).code).not.toBe(0);
    console.log(`promtool: ${/(\d+) rules found/.exec(rules.out)![1]} rules checked, unit tests passed`);
  });

  test('a real Prometheus scrapes the bus with the bearer token, and the dead-letter and open-circuit alerts fire', async () => {
    // The real rules, with every `for:` shortened so that the test need not wait minutes: the same expressions.
    const rules = readFileSync(RULES, 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 2s');
    expect(rules).not.toEqual(readFileSync(RULES, 'utf8'));
    writeFileSync(join(dir, 'junction.rules.yml'), rules);
    writeFileSync(join(dir, 'token'), TEST_ADMIN_TOKEN);
    const shipped = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'));
    const job = shipped.scrape_configs.find((j: { job_name: string }) => j.job_name === 'junction');
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['junction.rules.yml'],
      scrape_configs: [{ ...job, authorization: { ...job.authorization, credentials_file: join(dir, 'token') }, static_configs: [{ targets: [new URL(bus.adminUrl).host] }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    expect(run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])).toMatchObject({ code: 0 });

    const port = await freePort();
    const api = `http://127.0.0.1:${port}/api/v1`;
    prometheus = await startChildProcess(
      '/usr/bin/prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { readyUrl: `http://127.0.0.1:${port}/-/ready`, readyTimeoutMs: 60_000 },
    );

    // The first scrapes see the counters at 0, so that the failures that follow are an increase.
    await waitUntil(
      async () => {
        const q = (await (await fetch(`${api}/query?query=${encodeURIComponent('count_over_time(junction_routes_loaded[1m])')}`)).json()) as any;
        return Number(q.data?.result?.[0]?.value?.[1] ?? 0) >= 2;
      },
      90_000,
      'Prometheus to scrape the bus twice',
      500,
    );
    for (let i = 0; i < 3; i++) {
      expect((await post(`${bus.url}/ops/failing`, { n: i })).status).toBe(202);
      expect((await post(`${bus.url}/ops/breaker`, { n: i })).status).toBe(202);
    }
    let received = 0;
    await waitUntil(
      async () => {
        const q = (await (await fetch(`${api}/query?query=${encodeURIComponent('sum(junction_messages_received_total{route=~"ops-.*"})')}`)).json()) as any;
        received = Number(q.data?.result?.[0]?.value?.[1] ?? 0);
        return received >= 6;
      },
      90_000,
      "Prometheus to hold the bus's junction_messages_received_total",
      500,
    );
    const targets = (await (await fetch(`${api}/targets`)).json()) as any;
    expect(targets.data.activeTargets).toEqual([expect.objectContaining({ health: 'up', labels: expect.objectContaining({ job: 'junction' }) })]);

    let firing: Array<{ labels: Record<string, string>; state: string }> = [];
    let seen: string[] = [];
    await waitUntil(
      async () => {
        const alerts = (await (await fetch(`${api}/alerts`)).json()) as any;
        firing = alerts.data.alerts.filter((a: { state: string }) => a.state === 'firing');
        const names = firing.map((a) => `${a.labels.alertname}:${a.labels.route}`);
        seen = alerts.data.alerts.map((a: { state: string; labels: Record<string, string> }) => `${a.labels.alertname}:${a.labels.route}:${a.state}`);
        return names.includes('JunctionDeadLettersGrowing:ops-failing') && names.includes('JunctionCircuitOpen:ops-breaker');
      },
      90_000,
      'the JunctionDeadLettersGrowing and JunctionCircuitOpen alerts to fire',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; alerts: ${seen.join(', ') || 'none'}`);
    });
    expect(firing).toContainEqual(expect.objectContaining({ labels: expect.objectContaining({ alertname: 'JunctionCircuitOpen', route: 'ops-breaker', target: 'flaky' }) }));
    // Nothing is wrong with the store or the scrape: those alerts stay quiet.
    expect(firing.map((a) => a.labels.alertname)).not.toContain('JunctionStoreUnreachable');
    expect(firing.map((a) => a.labels.alertname)).not.toContain('JunctionDown');
    console.log(`prometheus: ${received} messages scraped, ${firing.length} alerts firing (${[...new Set(firing.map((a) => a.labels.alertname))].join(', ')})`);
  });

  test('the Grafana dashboard and the alert rules name only metrics the bus exports', async () => {
    const res = await fetch(`${bus.adminUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const exported = exportedNames(await res.text());
    expect(exported.has('junction_store_up')).toBe(true);

    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'dashboards', 'junction.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));
    for (const v of dashboard.templating.list) if (v.type === 'query') exprs.push(v.query.query.replace(/^label_values\((\w+),.*$/, '$1'));
    expect(exprs.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const expr of exprs) {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      unknown.push(...names.filter((n) => !exported.has(n)).map((n) => `${n} in ${expr}`));
    }
    expect(unknown).toEqual([]);
    // A panel's query on a name the bus does not export would be caught.
    expect(metricNames('sum(rate(junction_messages_recieved_total{route=~"$route"}[5m]))').filter((n) => !exported.has(n))).toEqual(['junction_messages_recieved_total']);

    const groups = parse(readFileSync(RULES, 'utf8')).groups as Array<{ rules: Array<{ record?: string; expr: string }> }>;
    const recorded = new Set(groups.flatMap((g) => g.rules.map((r) => r.record).filter(Boolean)));
    const ruleExprs = groups.flatMap((g) => g.rules.map((r) => r.expr));
    // `up` is Prometheus's own series of every scrape.
    const unknownInRules = ruleExprs.flatMap((e) => metricNames(e).filter((n) => !exported.has(n) && !recorded.has(n) && n !== 'up'));
    expect(unknownInRules).toEqual([]);
    console.log(`grafana: ${exprs.length} dashboard queries and ${ruleExprs.length} rule expressions checked against ${exported.size} exported series names`);
  });

  test('the Kubernetes manifests validate against the Kubernetes schemas and name real settings, probe paths and a valid route', async () => {
    const k8sDir = join(ROOT, 'deploy', 'kubernetes');
    const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml'));
    const kustomization = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'));
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());

    const docs: any[] = [];
    for (const file of kustomization.resources as string[]) {
      for (const doc of parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'))) {
        expect(doc.errors).toEqual([]);
        docs.push(doc.toJS());
      }
    }
    const modelOf = (apiVersion: string, kind: string) => {
      const group = apiVersion.includes('/') ? apiVersion : `v1`;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(`kubernetes-models/${group}`);
      expect(module[kind]).toBeDefined();
      return module[kind] as new (data: unknown) => { validate(): void };
    };
    for (const doc of docs) expect(() => new (modelOf(doc.apiVersion, doc.kind))(doc).validate()).not.toThrow();
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
    const deployment = byKind('Deployment')[0];
    // The validation can fail: a wrong type is refused.
    const broken = structuredClone(deployment);
    broken.spec.template.spec.terminationGracePeriodSeconds = 'thirty';
    expect(() => new (modelOf('apps/v1', 'Deployment'))(broken).validate()).toThrow(/terminationGracePeriodSeconds/);

    // Probes on paths the bus answers without credentials.
    const container = deployment.spec.template.spec.containers[0];
    const probes = [container.livenessProbe, container.readinessProbe, container.startupProbe].map((p) => p.httpGet.path);
    expect(probes).toEqual(['/health/live', '/health/ready', '/health/live']);
    for (const path of new Set(probes)) expect((await fetch(`${bus.url}${path}`)).status).toBe(200);

    // Settings: every name is a real one, and the values load.
    const settings = byKind('ConfigMap').find((c) => c.metadata.name === 'junction-settings').data as Record<string, string>;
    const secret = byKind('Secret')[0].stringData as Record<string, string>;
    for (const name of [...Object.keys(settings), ...Object.keys(secret), ...container.env.map((e: { name: string }) => e.name)]) {
      expect(SETTING_NAMES).toContain(name);
    }
    const loaded = loadSettings({ ...settings, ...secret, INSTANCE_ID: 'junction-5d8f-abcde' });
    // Graceful termination: the preStop pause and SHUTDOWN_TIMEOUT_MS fit in the grace period.
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + loaded.SHUTDOWN_TIMEOUT_MS);
    // Resources from BENCHMARKS.md: the request holds the idle bus (142 MB RSS), the limit the peak under load (353 MB).
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    expect(mib(container.resources.requests.memory)).toBeGreaterThanOrEqual(142);
    expect(mib(container.resources.limits.memory)).toBeGreaterThanOrEqual(353);
    // PostgreSQL and Kafka are named as external services, and the settings point at them.
    const external = byKind('Service').filter((s) => s.spec.type === 'ExternalName').map((s) => s.metadata.name);
    expect(external).toEqual(['junction-postgres', 'junction-kafka']);
    expect(new URL(secret.DATABASE_URL).hostname).toBe('junction-postgres');
    expect(settings.KAFKA_BROKERS).toBe('junction-kafka:9092');
    // The Service and the PodDisruptionBudget select the Deployment's pods.
    const labels = deployment.spec.template.metadata.labels;
    expect(byKind('Service').find((s) => s.metadata.name === 'junction').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels).toEqual(labels);

    // The routes ConfigMap holds route files the bus accepts.
    const routesDir = join(dir, 'k8s-routes');
    const routeFiles = byKind('ConfigMap').find((c) => c.metadata.name === 'junction-routes').data as Record<string, string>;
    mkdirSync(routesDir);
    for (const [file, text] of Object.entries(routeFiles)) writeFileSync(join(routesDir, file), text);
    const set = await compileRouteDir(routesDir, {}, { connectors: CONNECTORS, egress: captureEgresses(CONNECTORS) });
    expect(set.problems).toEqual([]);
    console.log(`kubernetes: ${docs.length} objects validated (${docs.map((d) => d.kind).join(', ')}); ${set.routes.length} route in the ConfigMap`);
  });

  test('an unreachable store: junction_store_up drops to 0, /health/ready answers 503 and `junction status` exits 1', async () => {
    const db = await freshDatabase('postgres', dir);
    const relay = await startTcpRelay(Number(new URL(db.url).port || 5432));
    const url = new URL(db.url);
    url.port = String(relay.port);
    const pgBus = await startTestBus({ routes: { 'ops.yaml': ROUTES }, databaseUrl: url.href, env: { TARGET_URL: target.url, SHUTDOWN_TIMEOUT_MS: '2000' } });
    const storeUp = async () => {
      const text = await (await fetch(`${pgBus.adminUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).text();
      return /^junction_store_up (\d)$/m.exec(text)?.[1];
    };
    const status = () =>
      new Promise<{ code: number; stdout: string }>((done) =>
        execFile(process.execPath, [join(ROOT, 'bin', 'junction.js'), 'status', '--url', pgBus.adminUrl, '--token', TEST_ADMIN_TOKEN], { encoding: 'utf8' }, (err, stdout) =>
          done({ code: err ? Number((err as unknown as { code: number }).code) : 0, stdout }),
        ),
      );
    try {
      await waitUntil(async () => (await storeUp()) === '1', 30_000, 'junction_store_up 1');
      expect((await status()).code).toBe(0);
      await relay.close();
      await waitUntil(async () => (await storeUp()) === '0', 60_000, 'junction_store_up 0 once the database is unreachable', 500);
      expect((await fetch(`${pgBus.url}/health/ready`)).status).toBe(503);
      const down = await status();
      expect(down.code).toBe(1);
      expect(down.stdout).toMatch(/│ status +│ unavailable/);
      expect(down.stdout).toMatch(/│ store +│ unreachable/);
      console.log('store: junction_store_up 1 -> 0 when the database went away; status exit 1');
    } finally {
      await pgBus.close().catch(() => undefined);
      await db.drop();
    }
  });

  test('docker-compose.yml is valid for docker-compose, with the brokers, Prometheus and Grafana', () => {
    const env = { ADMIN_TOKEN: 'compose-check-token' };
    expect(run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { env })).toEqual({ code: 0, out: '' });
    const services = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '--services'], { env });
    expect(services.out.trim().split('\n').sort()).toEqual(['grafana', 'junction', 'kafka', 'mosquitto', 'postgres', 'prometheus', 'rabbitmq', 'sandbox']);
    const config = parse(run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { env }).out);
    expect(config.services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(config.services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(config.services.prometheus.volumes).toContain(`${join(ROOT, 'deploy', 'prometheus')}:/etc/prometheus:ro`);
    expect(config.services.junction.environment).toMatchObject({ ADMIN_TOKEN: 'compose-check-token', KAFKA_BROKERS: 'kafka:9092' });
    // Without the admin token the file is refused, naming it.
    const missing = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toContain('set ADMIN_TOKEN');
    console.log(`compose: ${Object.keys(config.services).length} services`);
  });
});
