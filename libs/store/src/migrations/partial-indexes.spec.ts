import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { buildDataSource, migrate } from '../data-source';
import { storeEntities, type Driver } from '../entities';
import { deliveryRow, insertRows, messageRow } from '../row-builders';
import type { Sql } from '../sql-executor';
import { numbered, SqlStatements } from '../sql-statements';
import { newDelivery, newMessage, PG_URL, unique } from '../testing/store-fixtures';
import { parseStoreUrl } from '../store-url';

/** The deliveries' index of claims: partial on SQLite, whole on PostgreSQL (see the migrations). */
const dueIndex = (driver: Driver) => (driver === 'sqlite' ? 'ix_deliveries_due' : 'ix_deliveries_claim');

/** The queries the changed indexes serve, with their parameters: each must be able to use its index. */
function servedQueries(s: SqlStatements): Array<{ query: string; params: unknown[]; index: string }> {
  const p = (sql: string) => (s.driver === 'postgres' ? numbered(sql) : sql);
  return [
    { query: s.claimDeliveries, params: s.claimParams('me', 2, 1, 10), index: dueIndex(s.driver) },
    { query: s.countPendingDeliveries, params: [], index: dueIndex(s.driver) },
    { query: p(`SELECT id FROM messages WHERE business_key = ? ORDER BY id DESC LIMIT 50`), params: ['PO-1'], index: 'ix_messages_business_key' },
  ];
}

/** The plan of a query as text. PostgreSQL: with sequential scans off, so that an index that can serve shows up
 *  whatever the (tiny) table's statistics. */
async function plan(ds: DataSource, driver: Driver, query: string, params: unknown[]): Promise<string> {
  if (driver === 'sqlite') {
    const rows = (await ds.query(`EXPLAIN QUERY PLAN ${query}`, params)) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join('\n');
  }
  return ds.transaction(async (m) => {
    await m.query('SET LOCAL enable_seqscan = off');
    const rows = (await m.query(`EXPLAIN ${query}`, params)) as Array<{ 'QUERY PLAN': string }>;
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

async function indexNames(ds: DataSource, driver: Driver): Promise<string[]> {
  const rows = (await ds.query(
    driver === 'sqlite'
      ? `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('messages', 'deliveries') AND sql IS NOT NULL`
      : `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('messages', 'deliveries')`,
  )) as Array<{ name: string }>;
  return rows.map((r) => r.name).sort();
}

async function indexDefinition(ds: DataSource, driver: Driver, name: string): Promise<string> {
  const [row] = (await ds.query(
    driver === 'sqlite'
      ? `SELECT sql AS definition FROM sqlite_master WHERE type = 'index' AND name = ?`
      : `SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`,
    [name],
  )) as Array<{ definition: string }>;
  return row?.definition ?? '';
}

/** Rows written the way the store writes them: a message with a business key and one without, a pending delivery
 *  and a delivered one. */
async function seed(ds: DataSource, s: SqlStatements): Promise<void> {
  const sql: Sql = {
    rows: async (text, params) => ds.query(text, params),
    run: async (text, params) => {
      await ds.query(text, params);
      return 0;
    },
    manager: ds.manager,
  };
  const keyed = newMessage({ businessKey: 'PO-1' });
  const plain = newMessage();
  await insertRows(sql, s, 'messages', [keyed, plain].map((m) => messageRow(m, 'pending', [], null, Date.now())));
  await insertRows(sql, s, 'deliveries', [
    deliveryRow(newDelivery(keyed.id), keyed.routeId, keyed.correlationId, 'pending', 0, null, 1),
    deliveryRow(newDelivery(plain.id), plain.routeId, plain.correlationId, 'delivered', 1, null, 1),
  ]);
}

describe.each<[Driver, () => { url: string; drop: () => Promise<void> }]>([
  ['sqlite', () => ({ url: 'sqlite::memory:', drop: async () => undefined })],
  [
    'postgres',
    () => {
      const schema = unique('partial_indexes');
      return {
        url: `${PG_URL}?schema=${schema}`,
        drop: async () => {
          const client = new Client({ connectionString: PG_URL });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await client.end();
        },
      };
    },
  ],
])('the partial indexes migration on %s', (driver, database) => {
  const db = database();
  const target = parseStoreUrl(db.url);
  const statements = new SqlStatements(driver);
  let ds: DataSource;

  beforeAll(async () => {
    ds = buildDataSource(target, storeEntities(driver), { warn: () => undefined });
    await ds.initialize();
    await migrate(ds, target);
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('upgrades a database written before it, and is undone to the full indexes', async () => {
    // Back to the schema before the migration, with rows in it, then upgraded as a store opening it would.
    await ds.undoLastMigration({ transaction: 'all' });
    expect(await indexNames(ds, driver)).toContain('ix_deliveries_claim');
    expect(await indexDefinition(ds, driver, 'ix_messages_business_key')).not.toMatch(/IS NOT NULL/i);
    await seed(ds, statements);
    await migrate(ds, target);

    const names = await indexNames(ds, driver);
    expect(names).toContain(dueIndex(driver));
    if (driver === 'sqlite') expect(names).not.toContain('ix_deliveries_claim');
    expect(await indexDefinition(ds, driver, 'ix_messages_business_key')).toMatch(/WHERE \(?"?business_key"? IS NOT NULL/i);
    if (driver === 'sqlite') expect(await indexDefinition(ds, driver, 'ix_deliveries_due')).toMatch(/WHERE "status" = 'pending'/);
    // What the rows written before the upgrade still answer, through the new indexes.
    const [pending] = (await ds.query(statements.countPendingDeliveries)) as Array<{ n: unknown }>;
    expect(Number(pending.n)).toBe(1);
    const byKey = (await ds.query(driver === 'postgres' ? `SELECT id FROM messages WHERE business_key = $1` : `SELECT id FROM messages WHERE business_key = ?`, ['PO-1'])) as unknown[];
    expect(byKey).toHaveLength(1);
  });

  it('leaves claims, counts and the business-key filter an index to use', async () => {
    for (const { query, params, index } of servedQueries(statements)) {
      expect(await plan(ds, driver, query, params)).toContain(index);
    }
  });
});
