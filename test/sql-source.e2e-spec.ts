import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { TEST_DIALECTS, serialKey, testDb, uniqueTable, type TestDb } from '../libs/connectors/src/sql/testing/databases';
import { startChildBus } from './support/child-bus';
import { freshDatabase } from './support/test-bus';

const ROWS = 10_000;
const PER_INSERT = 100;
const AHEAD = 1_500;

/** Inserts rows `from`..`from + count - 1` (sku-<n>, qty n) in one statement, values bound by the driver. */
async function insertRows(db: TestDb, table: string, from: number, count: number): Promise<void> {
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = from + i;
    values.push(`sku-${n}`, n);
    tuples.push(db.dialect === 'postgres' ? `($${2 * i + 1}, $${2 * i + 2})` : '(?, ?)');
  }
  await db.query(`INSERT INTO ${table} (sku, qty) VALUES ${tuples.join(', ')}`, values);
}

function routes(table: string, mode: 'cursor' | 'claim'): string {
  const source =
    mode === 'cursor'
      ? `query: SELECT id, sku, qty FROM ${table} WHERE id > :cursor ORDER BY id LIMIT :limit
        cursor: { column: id }`
      : `query: SELECT id, sku, qty FROM ${table} WHERE status = 'new' ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
        claim: { done: "UPDATE ${table} SET status = 'sent' WHERE id = :id" }`;
  return `
routes:
  - id: sql-kill-${mode}
    from:
      sql:
        url: \${SOURCE_DB_URL}
        ${source}
        pollMs: 100
        batch: 200
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" }, retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 } }]
`;
}

/**
 * The SQL source's promise, on each dialect and in each mode: rows inserted while the bus polls, with the bus killed
 * with SIGKILL mid-stream and started again, all reach the target; none is skipped, and the only duplicates are
 * rows the bus took before the kill but had not yet acknowledged at the source (a cursor not yet claimed, a claim
 * transaction not yet committed). The bus runs as a child process of the built code, as `npm start` runs it.
 */
describe.each(TEST_DIALECTS.flatMap((d) => (['cursor', 'claim'] as const).map((m) => [d, m] as const)))('SQL source on %s (%s): kill -9 while rows arrive', (dialect, mode) => {
  let target: TargetServer;
  let dir: string;
  let db: TestDb;
  const table = uniqueTable(`src_${mode}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-sql-src-'));
    target = await startTargetServer();
    db = await testDb(dialect);
    const status = mode === 'claim' ? `, status varchar(10) NOT NULL DEFAULT 'new'` : '';
    await db.exec(`CREATE TABLE ${table} (${serialKey(dialect)}, sku varchar(40) NOT NULL, qty int NOT NULL${status})`);
  });
  afterAll(async () => {
    await target?.close();
    await db?.cleanup(table);
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${ROWS} rows inserted while the bus runs, killed and restarted: each delivered, none skipped`, async () => {
    const store = await freshDatabase('sqlite', dir);
    const options = {
      dir,
      name: `${dialect}-${mode}`,
      routes: routes(table, mode),
      databaseUrl: store.url,
      env: { SOURCE_DB_URL: db.url, TARGET_URL: target.url, WORKER_CONCURRENCY: '8', LEASE_MS: '1500' },
    };
    const first = await startChildBus(options);
    const qtys = () => new Set(target.requests.map((r) => (r.json as { qty: number }).qty));
    // Rows go in while the bus runs, at most AHEAD ahead of what was delivered, so that the kill falls mid-stream.
    let inserted = 0;
    const inserting = (async () => {
      while (inserted < ROWS) {
        while (inserted - qtys().size > AHEAD) await new Promise((r) => setTimeout(r, 50));
        await insertRows(db, table, inserted + 1, PER_INSERT);
        inserted += PER_INSERT;
      }
    })();
    await waitUntil(() => qtys().size >= 2_000, 180_000, 'deliveries under way');
    await first.child.kill('SIGKILL');
    const atKill = qtys().size;
    const insertedAtKill = inserted;

    const second = await startChildBus(options);
    try {
      await inserting;
      await waitUntil(() => qtys().size >= ROWS, 300_000, `all ${ROWS} rows delivered`);
      const seen = qtys();
      const skipped = Array.from({ length: ROWS }, (_, i) => i + 1).filter((n) => !seen.has(n)).length;
      const duplicates = target.requests.length - seen.size;
      console.log(
        `sql source kill-9 (${dialect}, ${mode}): ${ROWS} rows, ${seen.size} delivered, ${skipped} skipped, ${duplicates} duplicates (${atKill} delivered and ${insertedAtKill} inserted at the kill)`,
      );
      expect(skipped).toBe(0);
      expect(seen.size).toBe(ROWS);
      expect(atKill).toBeLessThan(ROWS);
      const sample = target.requests.find((r) => (r.json as { qty: number }).qty === 7)!.json;
      expect(sample).toEqual({ id: expect.anything(), sku: 'sku-7', qty: 7 });
    } finally {
      await second.child.kill('SIGTERM');
      await store.drop();
    }
  }, 600_000);
});
