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
    // The first request for every 400th row is answered after the route's time-out: the bus retries it, and the
    // target sees that row twice (at-least-once delivery, each request a recorded attempt).
    const heldBack = new Set<string>();
    target = await startTargetServer({
      respond: (req) => {
        const key = `${req.path}/${(req.json as { qty: number }).qty}`;
        if ((req.json as { qty: number }).qty % 400 !== 0 || heldBack.has(key)) return {};
        heldBack.add(key);
        return { delayMs: 6_000 };
      },
    });
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
    to: [{ id: sink, http: { url: "\${TARGET_URL}/cursor", timeoutMs: 3000 } }]
  - id: scale-claim
    from:
      sql:
        url: \${MARIA_URL}
        query: SELECT id, qty FROM ${claimTable} WHERE status = 'new' ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
        claim: { done: "UPDATE ${claimTable} SET status = 'sent' WHERE id = :id" }
        pollMs: 50
        batch: 20
    to: [{ id: sink, http: { url: "\${TARGET_URL}/claim", timeoutMs: 3000 } }]
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

  /**
   * A route's deliveries at the target, by qty: the messages the source made of each row, and the requests beyond
   * the bus's own recorded attempts (a request the journal does not account for). A repeated request is at-least-once
   * delivery doing its job when its message records as many attempts (a call that timed out on a busy machine after
   * the target had it, then retried); a row read twice shows as a second message for the same qty.
   */
  async function deliveriesAt(path: string): Promise<{ requests: number; rowsTwice: number; unaccounted: number; retried: number }> {
    const requests = target.requests.filter((r) => r.path === path);
    const messagesOf = new Map<number, Set<string>>();
    const requestsOf = new Map<string, number>();
    for (const r of requests) {
      const id = r.headers['x-message-id'];
      const qty = (r.json as { qty: number }).qty;
      messagesOf.set(qty, (messagesOf.get(qty) ?? new Set()).add(id));
      requestsOf.set(id, (requestsOf.get(id) ?? 0) + 1);
    }
    let unaccounted = 0;
    let retried = 0;
    for (const [id, n] of requestsOf) {
      if (n === 1) continue;
      // Its last attempt is recorded once the target has answered it.
      let detail: { deliveries: Array<{ status: string; attempts: unknown[] }> } = await getJson(`${a.url}/admin/messages/${id}`);
      await waitUntil(async () => {
        detail = await getJson(`${a.url}/admin/messages/${id}`);
        return detail.deliveries.every((d) => d.status === 'delivered');
      }, 60_000, `message ${id} delivered`);
      const attempts = detail.deliveries.reduce((sum, d) => sum + d.attempts.length, 0);
      unaccounted += Math.max(0, n - attempts);
      retried += n - 1;
    }
    const rowsTwice = [...messagesOf.values()].filter((ids) => ids.size > 1).length;
    return { requests: requests.length, rowsTwice, unaccounted, retried };
  }

  test(`${ROWS} rows in each table: all delivered; the cursor read by one instance at a time, the claimed rows shared`, async () => {
    await Promise.all([fill(pg, cursorTable, ROWS), fill(maria, claimTable, ROWS)]);
    const qtys = (path: string) => new Set(target.requests.filter((r) => r.path === path).map((r) => (r.json as { qty: number }).qty));
    await waitUntil(() => qtys('/cursor').size >= ROWS && qtys('/claim').size >= ROWS, 240_000, 'every row of both tables delivered');
    // and the retries of the rows held back past the time-out
    await waitUntil(() => target.count('/cursor') >= ROWS + 5 && target.count('/claim') >= ROWS + 5, 120_000, 'the held-back rows retried');
    const [ca, cb, la, lb] = await Promise.all([rowsRead(a, 'scale-cursor'), rowsRead(b, 'scale-cursor'), rowsRead(a, 'scale-claim'), rowsRead(b, 'scale-claim')]);
    const cursor = await deliveriesAt('/cursor');
    const claim = await deliveriesAt('/claim');
    console.log(
      `sql scale-out: cursor ${ROWS} rows, read by a=${ca.rows} b=${cb.rows}, ${cursor.rowsTwice} read twice, ${cursor.retried} requests repeated by retries; ` +
        `claim ${ROWS} rows, read by a=${la.rows} b=${lb.rows}, ${claim.rowsTwice} read twice, ${claim.retried} requests repeated by retries`,
    );
    expect(qtys('/cursor').size).toBe(ROWS);
    expect(qtys('/claim').size).toBe(ROWS);
    // Claimed rows are locked by the instance that selected them: none is read by both, each made one message.
    expect(la.rows + lb.rows).toBe(ROWS);
    expect(claim.rowsTwice).toBe(0);
    // Every request the target saw is one of the attempts the journal records (no delivery made twice unrecorded).
    expect(claim.unaccounted).toBe(0);
    expect(cursor.unaccounted).toBe(0);
    // The rows held back past the time-out (5 in each table) were retried.
    expect(claim.retried).toBeGreaterThanOrEqual(5);
    expect(cursor.retried).toBeGreaterThanOrEqual(5);
    // One instance holds the cursor's lease; the other is on standby (a take-over, on a machine too busy to renew a
    // lease within 10 s, could repeat at most a batch).
    expect([ca.standby, cb.standby].filter(Boolean)).toHaveLength(1);
    expect(cursor.rowsTwice).toBeLessThanOrEqual(100);
  }, 300_000);
});
