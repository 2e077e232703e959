import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { createStore } from './create-store';
import { buildDataSource } from './data-source';
import { storeEntities } from './entities';
import { newDelivery, newMessage, useStore } from './testing/store-fixtures';
import { describeClaims } from './testing/store-claims.contract';
import { describeDeliveryLeases } from './testing/store-delivery-leases.contract';
import { describeJournal } from './testing/store-journal.contract';
import { describeLeases } from './testing/store-leases.contract';
import { describeIdempotent } from './testing/store-idempotent.contract';
import { describeLifecycle } from './testing/store-lifecycle.contract';
import { describePurge } from './testing/store-purge.contract';
import { describeParts } from './testing/store-parts.contract';
import { describeCorrelation } from './testing/store-correlation.contract';

describe('SqlStore on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-store-'));
  const file = join(dir, 'nested', 'data', 'junction.db');
  const h = useStore(`sqlite:${file}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describeLifecycle(h);
  describeJournal(h);
  describeLeases(h);
  describeIdempotent(h);
  describePurge(h);
  describeClaims(h);
  describeParts(h);
  describeDeliveryLeases(h);
  describeCorrelation(h);

  describe('SQLite specifics', () => {
    it('creates the folder of the file and runs in WAL mode, synchronous=NORMAL, with 8 KB pages', async () => {
      expect(h.store.driver).toBe('sqlite');
      expect(existsSync(file)).toBe(true);
      const dataSource = buildDataSource({ driver: 'sqlite', path: file }, storeEntities('sqlite'), { warn: () => undefined });
      await dataSource.initialize();
      try {
        expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
        expect(await dataSource.query('PRAGMA page_size')).toEqual([{ page_size: 8192 }]);
      } finally {
        await dataSource.destroy();
      }
    });

    it('keeps a shared body once: a delivery sharing the body of its message stores none of its own', async () => {
      const m = newMessage({ mode: 'sync' });
      const d = newDelivery(m.id, { body: m.body });
      await h.store.journalExchange({ message: m, status: 'delivered', hops: [], deliveries: [{ ...d, status: 'delivered', attempts: [] }] });
      const dataSource = buildDataSource({ driver: 'sqlite', path: file }, storeEntities('sqlite'), { warn: () => undefined });
      await dataSource.initialize();
      try {
        const rows = await dataSource.query('SELECT length(body) AS n, body_from_message AS shared FROM deliveries WHERE id = ?', [d.id]);
        expect(rows).toEqual([{ n: 0, shared: 1 }]);
      } finally {
        await dataSource.destroy();
      }
    });

    it('purges over maxBytes down to nine tenths of it, oldest first, and no further', async () => {
      const store = createStore({ url: `sqlite:${join(dir, 'capped.db')}` });
      await store.init();
      try {
        const hourAgo = Date.now() - 3_600_000;
        const ms = Array.from({ length: 40 }, (_, i) =>
          newMessage({ id: uuidv7({ msecs: hourAgo + i * 1000 }), receivedAt: hourAgo + i * 1000, body: randomBytes(100_000) }),
        );
        for (const m of ms) await store.journalExchange({ message: m, status: 'delivered', hops: [], deliveries: [] });
        const full = await store.journalSize();
        const maxBytes = full.usedBytes - 1_500_000;
        const report = await store.purgeJournal({ ageMs: 86_400_000, deadLetterAgeMs: 86_400_000, maxBytes }, { batch: 2 });
        const after = await store.journalSize();
        const left = await Promise.all(ms.map(async (m) => (await store.getMessage(m.id)) !== null));
        expect(after.usedBytes).toBeLessThanOrEqual(maxBytes * 0.9);
        expect(report.forSize).toBe(left.filter((x) => !x).length);
        // The oldest went first, and the purge stopped once under the bound: the newest half is still there.
        expect(left).toEqual(ms.map((_, i) => i >= report.forSize));
        expect(report.forSize).toBeLessThan(30);
        // The file does not shrink: the pages freed are reused.
        expect(after.bytes).toBeGreaterThanOrEqual(full.bytes - 65_536);
      } finally {
        await store.close();
      }
    });

    it('works in memory', async () => {
      const store = createStore({ url: 'sqlite::memory:' });
      await store.init();
      try {
        const m = newMessage();
        await store.acceptMessage(m);
        expect((await store.claimMessages(10, 1000)).map((x) => x.id)).toEqual([m.id]);
        expect((await store.stats()).messages.received).toBe(1);
      } finally {
        await store.close();
      }
    });
  });
});
