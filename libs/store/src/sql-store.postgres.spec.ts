import { StoreError } from '@junction/core';
import { Client } from 'pg';
import { createStore } from './create-store';
import type { Store } from './store.types';
import { newMessage, PG_URL, quiesce, unique, useStore } from './testing/store-fixtures';
import { describeClaims } from './testing/store-claims.contract';
import { describeDeliveryLeases } from './testing/store-delivery-leases.contract';
import { describeJournal } from './testing/store-journal.contract';
import { describeLeases } from './testing/store-leases.contract';
import { describeIdempotent } from './testing/store-idempotent.contract';
import { describeLifecycle } from './testing/store-lifecycle.contract';
import { describePurge } from './testing/store-purge.contract';
import { describeParts } from './testing/store-parts.contract';
import { describeCorrelation } from './testing/store-correlation.contract';

async function sql<R>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

describe('SqlStore on PostgreSQL', () => {
  const schema = unique('junction_store');
  const h = useStore(`${PG_URL}?schema=${schema}`);
  afterAll(() => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));

  describeLifecycle(h);
  describeJournal(h);
  describeLeases(h);
  describeIdempotent(h);
  describePurge(h);
  describeClaims(h);
  describeParts(h);
  describeDeliveryLeases(h);
  describeCorrelation(h);

  describe('PostgreSQL specifics', () => {
    it('creates the schema it was given and keeps its tables there', async () => {
      expect(h.store.driver).toBe('postgres');
      const tables = await sql<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual(['aggregation_groups', 'aggregation_parts', 'attempts', 'audit_log', 'dead_letters', 'deliveries', 'idempotent_keys', 'leases', 'messages', 'store_migrations']);
    });

    it('lets two instances claim 2,000 rows concurrently, each row exactly once', async () => {
      await quiesce(h.store);
      const routeId = unique('race');
      const ids = Array.from({ length: 2000 }, () => newMessage({ routeId }));
      await Promise.all(ids.map((m) => h.store.acceptMessage(m)));
      const a = await h.open({ instanceId: 'a' });
      const b = await h.open({ instanceId: 'b' });

      const drain = async (store: Store): Promise<string[]> => {
        const got: string[] = [];
        for (;;) {
          const batch = await store.claimMessages(25, 60_000);
          if (batch.length === 0) return got;
          got.push(...batch.map((m) => m.id));
        }
      };
      // Four claimers per instance, so that claims overlap in time on both connections pools.
      const results = await Promise.all([a, a, a, a, b, b, b, b].map(drain));
      const byA = results.slice(0, 4).flat();
      const byB = results.slice(4).flat();
      const all = [...byA, ...byB];
      expect(all).toHaveLength(2000);
      expect(new Set(all).size).toBe(2000);
      expect(new Set(all)).toEqual(new Set(ids.map((m) => m.id)));
      expect(byA.length).toBeGreaterThan(0);
      expect(byB.length).toBeGreaterThan(0);
      const owners = await sql<{ lease_owner: string; n: string }>(
        `SELECT lease_owner, COUNT(*) AS n FROM "${schema}".messages WHERE route_id = $1 GROUP BY lease_owner`,
        [routeId],
      );
      expect(Object.fromEntries(owners.map((o) => [o.lease_owner, Number(o.n)]))).toEqual({ a: byA.length, b: byB.length });
    });
  });

  describe('PostgreSQL unreachable', () => {
    it('rejects init with a StoreError and reports health not ok, quickly', async () => {
      const store = createStore({ url: 'postgres://postgres@127.0.0.1:1/test?schema=nowhere' });
      const started = Date.now();
      const init = store.init();
      await expect(init).rejects.toBeInstanceOf(StoreError);
      await expect(init).rejects.toMatchObject({ retriable: true, code: 'STORE_UNAVAILABLE' });
      const health = await store.health();
      expect(health).toMatchObject({ ok: false, driver: 'postgres', error: expect.stringContaining('ECONNREFUSED') });
      expect(Date.now() - started).toBeLessThan(2000);
      await store.close();
    });
  });
});
