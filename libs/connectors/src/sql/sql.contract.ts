/**
 * The SQL connector's harnesses for the contract suites, on the machine's PostgreSQL. Ingress: a claim source over a
 * fresh table; a message counts as acknowledged once its row is marked sent (the claim transaction committed).
 * Egress: an INSERT into a fresh table; what arrived is the table's rows.
 */
import { silentLogger } from '@junction/core';
import { createStore } from '@junction/store';
import { freePort } from '@junction/testing';
import type { EgressHarness } from '../testing/egress-contract';
import type { IngressHarness } from '../testing/ingress-contract';
import { SqlPools } from './sql-pool';
import { SqlSourceSchema, SqlTargetSchema } from './sql.config';
import { SqlEgress } from './sql.egress';
import { SqlIngress } from './sql.ingress';
import { TEST_PG_URL, testDb, uniqueTable } from './testing/databases';

export const sqlHarness: IngressHarness = {
  kind: 'sql',
  outage: 'held',
  async source(mode) {
    const db = await testDb('postgres');
    const table = uniqueTable('contract_in');
    await db.exec(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, body text NOT NULL, status text NOT NULL DEFAULT 'new')`);
    const store = createStore({ url: 'sqlite::memory:' });
    await store.init();
    const config = SqlSourceSchema.parse({
      url: TEST_PG_URL,
      query: `SELECT id, body FROM ${table} WHERE status = 'new' ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED`,
      claim: { done: `UPDATE ${table} SET status = 'sent' WHERE id = :id` },
      pollMs: 50,
      batch: 10,
      // The suite sends JSON text: the row carries it in `body`, which is the message as it is.
      bodyColumn: 'body',
    });
    return {
      ingress: new SqlIngress(new SqlPools(silentLogger), store.leases, silentLogger),
      binding: { routeId: `sql-contract-${mode}`, mode, config, baseDir: process.cwd() },
      send: (body) => db.query(`INSERT INTO ${table} (body) VALUES ($1)`, [body]).then(() => undefined),
      acknowledged: async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE status = 'sent'`))[0].n),
      async dispose() {
        await db.cleanup(table);
        await store.close();
      },
    };
  },
};

export const sqlEgressHarness: EgressHarness = {
  kind: 'sql',
  async destination() {
    const db = await testDb('postgres');
    const table = uniqueTable('contract_out');
    await db.exec(`CREATE TABLE ${table} (message_id text PRIMARY KEY, body text NOT NULL)`);
    return {
      egress: new SqlEgress(new SqlPools(silentLogger)),
      config: SqlTargetSchema.parse({
        url: TEST_PG_URL,
        statement: `INSERT INTO ${table} (message_id, body) VALUES (:id, :body)`,
        params: { id: '$messageId', body: '$string($)' },
      }),
      arrived: async () => (await db.query<{ message_id: string; body: string }>(`SELECT message_id, body FROM ${table}`)).map((r) => ({ body: r.body, messageId: r.message_id })),
      dispose: () => db.cleanup(table),
    };
  },
  async unreachable() {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
    return {
      egress: new SqlEgress(new SqlPools(silentLogger)),
      config: SqlTargetSchema.parse({ url, statement: 'INSERT INTO nowhere (a) VALUES (:a)', params: { a: '1' } }),
    };
  },
};
