import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { serialKey, testDb, uniqueTable, type TestDb } from '../libs/connectors/src/sql/testing/databases';
import { freshDatabase, getJson, startTestBus, type TestBus } from './support/test-bus';

const ROWS = 2_000;

/** Inserts `count` rows (qty 1..count) 100 per statement. */
async function fill(db: TestDb, table: string, count: number): Promise<void> {
  for (let from = 1; from <= count; from += 100) {
    const n = Math.min(100, count - from + 1);
    const tuples = Array.from({ length: n }, (_, i) => (db.dialect === 'postgres' ? `($${i + 1})` : '(?)'));
    await db.query(`INSERT INTO ${table} (qty) VALUES ${tuples.join(', ')}`, Array.from({ length: n }, (_, i) => from + i));
  }
}

/**
 * Two instances of the bus on one PostgreSQL store, both running a cursor source (PostgreSQL table) and a claim source
 * (MariaDB table): the cursor is polled by one instance at a time (its lease), the claimed rows are shared between
 * the instances (SKIP LOCKED), and every row reaches the target.
 */
describe('SQL sources on two instances sharing one store', () => {
  let target: TargetServer;
  let a: TestBus;
  let b: TestBus;
  let pg: TestDb;
  let maria: TestDb;
  let dir: string;
  let drop: () => Promise<void>;
  const cursorTable = uniqueTable('scale_cursor');
  const claimTable = uniqueTable('scale_claim');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-sql-scale-'));
    target = await startTargetServer();
    pg = await testDb('postgres');
    maria = await testDb('mariadb');
    await pg.exec(`CREATE TABLE ${cursorTable} (${serialKey('postgres')}, qty int NOT NULL)`);
    await maria.exec(`CREATE TABLE ${claimTable} (${serialKey('mariadb')}, qty int NOT NULL, status varchar(10) NOT NULL DEFAULT 'new')`);
    const routes = `
routes:
  - id: scale-cursor
    from:
      sql:
        url: \${PG_URL}
        query: SELECT id, qty FROM ${cursorTable} WHERE id > :cursor ORDER BY id LIMIT :limit
        cursor: { column: id }
        pollMs: 50
    to: [{ id: sink, http: { url: "\${TARGET_URL}/cursor" } }]
  - id: scale-claim
    from:
      sql:
        url: \${MARIA_URL}
        query: SELECT id, qty FROM ${claimTable} WHERE status = 'new' ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
        claim: { done: "UPDATE ${claimTable} SET status = 'sent' WHERE id = :id" }
        pollMs: 50
        batch: 20
    to: [{ id: sink, http: { url: "\${TARGET_URL}/claim" } }]
`;
    const store = await freshDatabase('postgres', dir);
    drop = store.drop;
    const env = { PG_URL: pg.url, MARIA_URL: maria.url, TARGET_URL: target.url, INSTANCE_ID: 'a' };
    a = await startTestBus({ routes: { 'sql.yaml': routes }, databaseUrl: store.url, env });
    b = await startTestBus({ routes: { 'sql.yaml': routes }, databaseUrl: store.url, env: { ...env, INSTANCE_ID: 'b' } });
  });
  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
    await drop?.();
    await target?.close();
    await pg?.cleanup(cursorTable);
    await maria?.cleanup(claimTable);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rows each instance read for a route, from its status in the admin API. */
  async function rowsRead(bus: TestBus, routeId: string): Promise<{ rows: number; standby?: boolean }> {
    const connectors: Array<{ kind: string; sources: Array<{ routeId: string; detail: { rows: number; standby?: boolean } }> }> = await getJson(`${bus.url}/admin/connectors`);
    const source = connectors.find((c) => c.kind === 'sql')!.sources.find((s) => s.routeId === routeId)!;
    return source.detail;
  }

  test(`${ROWS} rows in each table: all delivered; the cursor read by one instance at a time, the claimed rows shared`, async () => {
    await Promise.all([fill(pg, cursorTable, ROWS), fill(maria, claimTable, ROWS)]);
    const qtys = (path: string) => new Set(target.requests.filter((r) => r.path === path).map((r) => (r.json as { qty: number }).qty));
    await waitUntil(() => qtys('/cursor').size >= ROWS && qtys('/claim').size >= ROWS, 240_000, 'every row of both tables delivered');
    const count = (path: string) => target.requests.filter((r) => r.path === path).length;
    const [ca, cb, la, lb] = await Promise.all([rowsRead(a, 'scale-cursor'), rowsRead(b, 'scale-cursor'), rowsRead(a, 'scale-claim'), rowsRead(b, 'scale-claim')]);
    const cursorDuplicates = count('/cursor') - ROWS;
    const claimDuplicates = count('/claim') - ROWS;
    console.log(
      `sql scale-out: cursor ${ROWS} rows, read by a=${ca.rows} b=${cb.rows}, ${cursorDuplicates} duplicates; claim ${ROWS} rows, read by a=${la.rows} b=${lb.rows}, ${claimDuplicates} duplicates`,
    );
    expect(qtys('/cursor').size).toBe(ROWS);
    expect(qtys('/claim').size).toBe(ROWS);
    // Claimed rows are locked by the instance that selected them: none goes to both.
    expect(claimDuplicates).toBe(0);
    expect(la.rows + lb.rows).toBe(ROWS);
    // One instance holds the cursor's lease; the other is on standby (a take-over, on a machine too busy to renew a
    // lease within 10 s, could repeat at most a batch).
    expect([ca.standby, cb.standby].filter(Boolean)).toHaveLength(1);
    expect(cursorDuplicates).toBeLessThanOrEqual(100);
  }, 300_000);
});
