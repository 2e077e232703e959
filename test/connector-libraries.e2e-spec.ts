import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTargetServer, tempDir, waitUntil, type TargetServer, type TempDir } from '@junction/testing';
import { testDb, uniqueTable, type TestDb } from '../libs/connectors/src/sql/testing/databases';
import { startChildBus, type ChildBus } from './support/child-bus';
import { getJson, post } from './support/test-bus';

/**
 * Every bus process loads every connector, but a connector's client library (and the tracing exporter) is loaded by
 * its first connection, pool or exporter: a bus whose routes use only HTTP does not hold them. The built bus is run
 * as `npm start` runs it, with a preload that lists the packages in its require.cache on SIGUSR2.
 */
const PRELOAD = resolve(__dirname, 'fixtures', 'preload', 'report-loaded-packages.js');

/** Loaded only by a route (or setting) that uses them. */
const DEFERRED = [
  'kafkajs',
  'pg',
  'mysql2',
  'mqtt',
  'mqtt-packet',
  'ssh2',
  'amqplib',
  'basic-ftp',
  'soap',
  '@opentelemetry/exporter-trace-otlp-proto',
  '@opentelemetry/otlp-transformer',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/sdk-trace-node',
];

const HTTP_ROUTES = `
routes:
  - id: http-sync
    from: { http: { path: /h/sync } }
    mode: sync
    to: [{ http: { url: "\${TARGET_URL}/sync" } }]
  - id: http-async
    from: { http: { path: /h/async } }
    mode: async
    to: [{ http: { url: "\${TARGET_URL}/async" } }]
`;

describe('connector libraries are loaded by the routes that use them', () => {
  let dir: TempDir;
  let target: TargetServer;
  const buses: ChildBus[] = [];

  beforeAll(async () => {
    dir = await tempDir('connector-libraries');
    target = await startTargetServer();
  });
  afterAll(async () => {
    for (const bus of buses) await bus.child.kill();
    await target?.close();
    await dir?.cleanup();
  });

  async function start(name: string, routes: string, env: Record<string, string> = {}): Promise<{ bus: ChildBus; loaded: () => Promise<string[]> }> {
    const file = join(dir.path, `${name}-packages.json`);
    const bus = await startChildBus({
      dir: dir.path,
      name,
      routes,
      databaseUrl: `sqlite:${join(dir.path, `${name}.db`)}`,
      env: {
        WORKERS: '1',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`,
        LOADED_PACKAGES_FILE: file,
        TARGET_URL: target.url,
        ...env,
      },
    });
    buses.push(bus);
    const loaded = async () => {
      rmSync(file, { force: true });
      bus.child.child.kill('SIGUSR2');
      await waitUntil(() => existsSync(file), 10_000, 'the list of loaded packages');
      return JSON.parse(readFileSync(file, 'utf8')) as string[];
    };
    return { bus, loaded };
  }

  it('a bus with HTTP routes only, having carried messages both ways, has loaded none of them', async () => {
    const { bus, loaded } = await start('http-only', HTTP_ROUTES);
    expect((await post(`${bus.url}/h/sync`, { n: 1 })).status).toBe(200);
    const accepted = await post(`${bus.url}/h/async`, { n: 2 });
    expect(accepted.status).toBe(202);
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${accepted.json.messageId}`)).status === 'delivered', 30_000, 'delivered');

    const packages = await loaded();
    // The preload sees the bus's own packages: the list is not empty by mistake.
    expect(packages).toEqual(expect.arrayContaining(['fastify', 'undici']));
    expect(packages.filter((p) => DEFERRED.includes(p))).toEqual([]);
  });

  describe('a route with a PostgreSQL target', () => {
    let db: TestDb;
    const table = uniqueTable('lazy_pg');
    beforeAll(async () => {
      db = await testDb('postgres');
      await db.exec(`CREATE TABLE ${table} (n int NOT NULL)`);
    });
    afterAll(() => db?.cleanup(table));

    it('loads node-postgres and delivers through it, and still none of the others', async () => {
      const routes = `
routes:
  - id: to-pg
    from: { http: { path: /h/pg } }
    to:
      - sql: { url: "${db.url}", statement: "INSERT INTO ${table} (n) VALUES (:n)", params: { n: n } }
`;
      const { bus, loaded } = await start('with-pg', routes);
      const accepted = await post(`${bus.url}/h/pg`, { n: 7 });
      expect(accepted.status).toBe(202);
      await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${accepted.json.messageId}`)).status === 'delivered', 30_000, 'delivered');
      expect(await db.query(`SELECT n FROM ${table}`)).toEqual([{ n: 7 }]);

      const packages = await loaded();
      expect(packages).toContain('pg');
      expect(packages.filter((p) => DEFERRED.includes(p) && p !== 'pg')).toEqual([]);
    });
  });
});
